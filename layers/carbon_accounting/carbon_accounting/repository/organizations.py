"""Organizations, their members and API keys, and an organization's emission-factor policy."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from carbon_accounting.models import ApiKey, Organization, User
from carbon_accounting.repository.table import (
    batch_get,
    client,
    from_item,
    get_item,
    item_key,
    org_pk,
    put_new,
)
from carbon_accounting.settings import get_settings


def _api_key_pk(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


def put_organization(organization: Organization) -> None:
    put_new(org_pk(organization.id), "ORG", "organization", organization.model_dump(mode="json"))


def put_user(organization_id: UUID, user: User) -> None:
    """Make ``user`` a member of the organization (and so of its subsidiaries)."""
    put_new(org_pk(organization_id), f"USER#{user.id}", "user", user.model_dump(mode="json"))


def put_api_key(api_key: ApiKey) -> None:
    put_new(_api_key_pk(api_key.key_hash), "APIKEY", "api_key", api_key.model_dump(mode="json"))


def get_organization(organization_id: UUID) -> Organization | None:
    item = get_item(item_key(org_pk(organization_id), "ORG"), consistent=True)
    return Organization.model_validate(item) if item else None


def get_api_key_and_organization(
    key_hash: str, organization_id: UUID | None
) -> tuple[ApiKey | None, Organization | None]:
    """The stored key with that hash and the organization asked for, in one request."""
    keys = [item_key(_api_key_pk(key_hash), "APIKEY")]
    if organization_id is not None:
        keys.append(item_key(org_pk(organization_id), "ORG"))
    items = {item["entity"]: item for item in batch_get(keys)}
    api_key = ApiKey.model_validate(items["api_key"]) if "api_key" in items else None
    organization = Organization.model_validate(items["organization"]) if "organization" in items else None
    return api_key, organization


def get_organizations(organization_ids: Iterable[UUID]) -> dict[UUID, Organization]:
    """The organizations that exist among ``organization_ids``, in one request (at most 100)."""
    items = batch_get([item_key(org_pk(org), "ORG") for org in set(organization_ids)])
    return {organization.id: organization for organization in map(Organization.model_validate, items)}


def member_of_any(user_id: UUID, organization_ids: Iterable[UUID]) -> bool:
    """Whether the user is a member of at least one of the organizations."""
    return bool(batch_get([item_key(org_pk(org), f"USER#{user_id}") for org in organization_ids]))


def get_users(organization_id: UUID, user_ids: Iterable[UUID]) -> dict[UUID, User]:
    """The organization's members among ``user_ids``, in one request (at most 100)."""
    items = batch_get([item_key(org_pk(organization_id), f"USER#{user}") for user in set(user_ids)])
    return {user.id: user for user in map(User.model_validate, items)}


def set_factor_policy(organization_id: UUID, policy: str, updated_at: str) -> Organization | None:
    """Set the organization's emission-factor policy; the organization, or None if there is none."""
    try:
        answer = client().update_item(
            TableName=get_settings().table_name,
            Key=item_key(org_pk(organization_id), "ORG"),
            UpdateExpression="SET #policy = :policy, #updated_at = :updated_at",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#policy": "emission_factor_policy", "#updated_at": "updated_at"},
            ExpressionAttributeValues={":policy": {"S": policy}, ":updated_at": {"S": updated_at}},
            ReturnValues="ALL_NEW",
        )
    except client().exceptions.ConditionalCheckFailedException:
        return None
    return Organization.model_validate(from_item(answer["Attributes"]))
