"""Authentication and tenancy: who is calling, and may they act for the organization they name.

The HTTP API's Lambda authorizer (functions/authorizer) calls ``authorize``; every API function
calls ``caller_from_event`` on what the authorizer decided. API Gateway HTTP APIs cannot shape an
authorizer's 401/403 bodies, so the authorizer lets the request through with a *verdict* in its
context, and the functions turn a denial into the API's own error body (docs/auth.md).

A credential is an ``x-api-key`` (stored only as its SHA-256 hash) or a ``Bearer`` JWT whose
``sub`` is a user with memberships stored in the table. Either grants access to the organization it
belongs to and to that organization's descendants (subsidiaries, via ``parent_id``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

from carbon_accounting import clock, repository
from carbon_accounting.errors import ApiError, BadRequest, Forbidden, Unauthorized
from carbon_accounting.models import ApiKey, ApiKeyStatus, Caller
from carbon_accounting.settings import get_settings

if TYPE_CHECKING:
    from jwt import PyJWKClient

API_KEY_HEADER = "x-api-key"
ORGANIZATION_HEADER = "x-organization-id"
JWT_ALGORITHMS = ["RS256", "ES256"]

LAST_USED_RESOLUTION = timedelta(hours=1)  # last_used_at is written at most once per key per hour

logger = logging.getLogger(__name__)
_verdicts: dict[str, tuple[float, dict[str, str]]] = {}
_MAX_CACHED_VERDICTS = 10_000


def hash_api_key(api_key: str) -> str:
    """The SHA-256 hex digest under which an API key is stored."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def authorize(headers: Mapping[str, str]) -> dict[str, str]:
    """The authorizer's verdict on a request's headers (lower-cased names), as its context.

    An allowed request gets ``organization_id``, ``principal`` and ``user_id``; a denied one gets
    ``denied``, a code that ``_denial`` turns into the API's error. Verdicts are cached per warm
    container for ``AUTHORIZER_CACHE_SECONDS``, keyed on the credential and the organization header,
    and never past the expiry of the key they allowed.
    """
    api_key = headers.get(API_KEY_HEADER, "")
    authorization = headers.get("authorization", "")
    organization_header = headers.get(ORGANIZATION_HEADER, "")
    cache_key = hashlib.sha256(f"{api_key}\0{authorization}\0{organization_header}".encode()).hexdigest()
    now = time.monotonic()
    cached = _verdicts.get(cache_key)
    if cached and cached[0] > now:
        return cached[1]
    verdict, valid_for = _decide(api_key, authorization, organization_header)
    if len(_verdicts) >= _MAX_CACHED_VERDICTS:
        _verdicts.clear()
    _verdicts[cache_key] = (now + min(get_settings().authorizer_cache_seconds, valid_for), verdict)
    return verdict


def _decide(api_key: str, authorization: str, organization_header: str) -> tuple[dict[str, str], float]:
    """The verdict, and for how many seconds it holds (the allowing key's time left, or forever)."""
    organization_id = _parse_uuid(organization_header)
    if api_key:
        key_hash = hash_api_key(api_key)
        stored, organization = repository.get_api_key_and_organization(key_hash, organization_id)
        now = datetime.now(UTC)
        # Unknown, revoked and expired keys take the same path to the same answer. The lookup is by
        # hash, so its timing says nothing about how close a guess was; the digest compare is
        # constant-time.
        if (
            stored is None
            or stored.status(clock.text(now)) is not ApiKeyStatus.ACTIVE
            or not hmac.compare_digest(stored.key_hash, key_hash)
        ):
            return _deny("INVALID_API_KEY"), math.inf
        if organization_id is None:
            return _deny(_organization_header_problem(organization_header)), math.inf
        if organization is None or stored.organization_id not in organization.lineage:
            return _deny("FORBIDDEN"), math.inf
        _record_use(stored, now)
        valid_for = math.inf
        if stored.expires_at is not None:
            valid_for = (datetime.fromisoformat(stored.expires_at) - now).total_seconds()
        return _allow(organization_id, f"api_key:{stored.key_id}", user_id=None), valid_for

    token = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else ""
    if not token:
        return _deny("INVALID_API_KEY" if not authorization else "INVALID_TOKEN"), math.inf
    user_id = _verified_subject(token)
    if user_id is None:
        return _deny("INVALID_TOKEN"), math.inf
    if organization_id is None:
        return _deny(_organization_header_problem(organization_header)), math.inf
    organization = repository.get_organization(organization_id)
    if organization is None or not repository.member_of_any(user_id, organization.lineage):
        return _deny("FORBIDDEN"), math.inf
    return _allow(organization_id, f"user:{user_id}", user_id=user_id), math.inf


def _record_use(key: ApiKey, now: datetime) -> None:
    """Keep the key's ``last_used_at`` to the hour: one conditional write when the stored one is an
    hour old or more, none otherwise. Best effort: a failed write never refuses the request."""
    since = clock.text(now - LAST_USED_RESOLUTION)
    if key.last_used_at is not None and key.last_used_at >= since:
        return
    from botocore.exceptions import BotoCoreError, ClientError  # loaded already, by the key's read

    try:
        repository.record_api_key_use(key.key_hash, clock.text(now), since)
    except (BotoCoreError, ClientError):
        logger.warning("Could not record the key's use", extra={"key_id": key.key_id}, exc_info=True)


def _organization_header_problem(value: str) -> str:
    return "INVALID_ORGANIZATION_ID" if value else "MISSING_ORGANIZATION_ID"


def _allow(organization_id: UUID, principal: str, user_id: UUID | None) -> dict[str, str]:
    return {
        "organization_id": str(organization_id),
        "principal": principal,
        "user_id": str(user_id) if user_id else "",
    }


def _deny(code: str) -> dict[str, str]:
    return {"denied": code}


def _parse_uuid(value: str) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


@cache
def _jwks_client() -> PyJWKClient:
    from jwt import PyJWKClient

    return PyJWKClient(get_settings().jwks_url, cache_keys=True, lifespan=300)


def _verified_subject(token: str) -> UUID | None:
    """The token's ``sub`` if its signature, ``exp``, ``iss`` and ``aud`` verify; else None."""
    settings = get_settings()
    if not settings.jwt_enabled:
        return None
    import jwt

    try:
        signing_key = _jwks_client().get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=JWT_ALGORITHMS,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    return _parse_uuid(str(claims["sub"]))


def _denial(code: str) -> ApiError:
    """The error a denial code stands for; anything unknown is an invalid credential (fail closed)."""
    match code:
        case "INVALID_TOKEN":
            return Unauthorized("Invalid token", "INVALID_TOKEN")
        case "FORBIDDEN":
            return Forbidden()
        case "MISSING_ORGANIZATION_ID":
            return BadRequest(f"The {ORGANIZATION_HEADER} header is required", code)
        case "INVALID_ORGANIZATION_ID":
            return BadRequest(f"The {ORGANIZATION_HEADER} header must be an organization UUID", code)
        case _:
            return Unauthorized("Invalid API key", "INVALID_API_KEY")


def caller_from_event(event: Mapping[str, Any]) -> Caller:
    """The caller of an API Gateway HTTP API (payload 2.0) event, or the ApiError that denies it.

    Fails closed: an event without an authorizer verdict is treated as unauthenticated.
    """
    verdict = (event.get("requestContext") or {}).get("authorizer", {}).get("lambda") or {}
    if "organization_id" not in verdict:
        raise _denial(verdict.get("denied", ""))
    return Caller(
        organization_id=verdict["organization_id"],
        principal=verdict["principal"],
        user_id=verdict.get("user_id") or None,
    )
