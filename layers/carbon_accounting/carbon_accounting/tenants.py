"""Tenants: organizations, their members and their API keys, as an operator administers them
(the admin CLI, ``carbon_accounting.admin``, and the seed loader come here; the API never does).

An API key is ``sk_live_`` or ``sk_test_`` and 43 characters of ``secrets.token_urlsafe(32)``
(256 random bits). It is shown once, when issued: the table keeps its SHA-256 (what the authorizer
looks it up by), a key id (the first 12 hex digits of the hash, the ``api_key:<id>`` principal of
the logs) and its first characters (``prefix``), which tell keys apart in a list and give nothing
away. A key is refused from its ``expires_at`` on and once revoked (docs/auth.md says how soon a
warm authorizer notices).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from carbon_accounting import clock, ids, repository
from carbon_accounting.auth import hash_api_key
from carbon_accounting.models import ApiKey, ApiKeyStatus, Organization, User

KEY_MODES = ("live", "test")
PREFIX_LENGTH = 12  # "sk_live_" and 4 random characters (24 of the key's 256 bits)
ROTATION_GRACE = timedelta(hours=24)  # how long a rotated key keeps working, unless told otherwise


class TenantError(Exception):
    """What an operator asked for cannot be done (an unknown organization, a revoked key...)."""


class AlreadyExists(TenantError):
    """The organization or membership to create is in the table already."""


@dataclass(frozen=True)
class IssuedKey:
    """A key just issued: ``secret`` is the key itself, shown this once and stored nowhere."""

    secret: str
    key: ApiKey


def create_organization(
    name: str, parent_id: UUID | None = None, organization_id: UUID | None = None
) -> Organization:
    """A new organization, a subsidiary of ``parent_id`` when given (its lineage is the parent's)."""
    ancestors: list[UUID] = []
    if parent_id is not None:
        parent = repository.get_organization(parent_id)
        if parent is None:
            raise TenantError(f"no organization {parent_id} to be the parent")
        ancestors = parent.lineage
    organization = Organization(
        id=organization_id or ids.new_id(), name=name, parent_id=parent_id, ancestors=ancestors
    )
    try:
        repository.put_organization(organization)
    except repository.client().exceptions.ConditionalCheckFailedException:
        raise AlreadyExists(f"organization {organization.id} exists already") from None
    return organization


def find_organization(organization_id: UUID) -> Organization:
    found = repository.get_organization(organization_id)
    if found is None:
        raise TenantError(f"no organization {organization_id}")
    return found


def rename_organization(organization_id: UUID, name: str) -> Organization:
    Organization.model_validate({"id": organization_id, "name": name})  # the model's bounds, before writing
    renamed = repository.rename_organization(organization_id, name)
    if renamed is None:
        raise TenantError(f"no organization {organization_id}")
    return renamed


def add_user(organization_id: UUID, user: User) -> User:
    find_organization(organization_id)
    try:
        repository.put_user(organization_id, user)
    except repository.client().exceptions.ConditionalCheckFailedException:
        raise AlreadyExists(f"user {user.id} is a member of organization {organization_id} already") from None
    return user


def remove_user(organization_id: UUID, user_id: UUID) -> None:
    if not repository.delete_user(organization_id, user_id):
        raise TenantError(f"user {user_id} is not a member of organization {organization_id}")


def issue_key(
    organization_id: UUID,
    *,
    mode: str = "live",
    name: str | None = None,
    expires_at: datetime | None = None,
) -> IssuedKey:
    """A new key for the organization, valid until ``expires_at`` (for good when None)."""
    find_organization(organization_id)
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise TenantError("a key's expiry must be in the future")
    issued = _new_key(organization_id, mode, name, clock.text(expires_at) if expires_at else None)
    repository.put_api_key(issued.key)
    return issued


def stored_key(
    organization_id: UUID, secret: str, name: str | None = None, expires_at: str | None = None
) -> ApiKey:
    """The stored form of the key ``secret`` (a new one, or a seed file's)."""
    key_hash = hash_api_key(secret)
    return ApiKey(
        key_hash=key_hash,
        key_id=key_hash[:12],
        organization_id=organization_id,
        prefix=secret[: min(PREFIX_LENGTH, len(secret) // 2)],  # a short seed key: half of it at most
        name=name,
        created_at=clock.now(),
        expires_at=expires_at,
    )


def keys(organization_id: UUID) -> list[ApiKey]:
    find_organization(organization_id)
    return repository.list_api_keys(organization_id)


def revoke_key(organization_id: UUID, key_id: str) -> ApiKey:
    """Revoke the key now: new authorizers refuse it at once, warm ones within their cache time."""
    key = _key(organization_id, key_id)
    revoked = repository.revoke_api_key(key.key_hash, clock.now())
    if revoked is None:
        raise TenantError(f"key {key_id} is revoked already")
    return revoked


def rotate_key(
    organization_id: UUID, key_id: str, grace: timedelta = ROTATION_GRACE
) -> tuple[IssuedKey, ApiKey]:
    """A new key like the old one (mode and name), and the old one expiring ``grace`` from now (or
    sooner, if it did already): both work until then, so clients can move over. One transaction."""
    old = _key(organization_id, key_id)
    now = clock.now()
    if old.status(now) is not ApiKeyStatus.ACTIVE:
        raise TenantError(f"key {key_id} is {old.status(now)}: issue a new key instead")
    expires_at = clock.text(datetime.now(UTC) + grace)
    if old.expires_at is not None:
        expires_at = min(expires_at, old.expires_at)
    mode = "test" if (old.prefix or "").startswith("sk_test_") else "live"
    issued = _new_key(organization_id, mode, old.name, None)
    if not repository.rotate_api_key(old, issued.key, expires_at):
        raise TenantError(f"key {key_id} changed while it was rotated: list the keys and try again")
    return issued, old.model_copy(update={"expires_at": expires_at})


def _key(organization_id: UUID, key_id: str) -> ApiKey:
    key = repository.find_api_key(organization_id, key_id)
    if key is None:
        raise TenantError(f"organization {organization_id} has no key {key_id}")
    return key


def _new_key(organization_id: UUID, mode: str, name: str | None, expires_at: str | None) -> IssuedKey:
    if mode not in KEY_MODES:
        raise TenantError(f"a key is {' or '.join(KEY_MODES)}, not {mode!r}")
    secret = f"sk_{mode}_{secrets.token_urlsafe(32)}"
    return IssuedKey(secret=secret, key=stored_key(organization_id, secret, name, expires_at))
