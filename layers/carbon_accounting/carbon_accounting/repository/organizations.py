"""Organizations, their members and API keys, and an organization's emission-factor policy.

The admin CLI's listings read two indexes: every organization is in gsi2 under ``ORGANIZATIONS``,
a subsidiary also in gsi1 under its parent (``ORG#<parent>#SUBSIDIARY``), and an API key in gsi1
under its organization (``ORG#<org>#APIKEY``, by key id). The authorizer reads keys by hash only.
The indexes are eventually consistent: a listing may show a key revoked a moment ago as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from pydantic import BaseModel

from carbon_accounting.models import ApiKey, Organization, User
from carbon_accounting.repository.records import AttributeValue, Decoded, Key
from carbon_accounting.repository.table import (
    Refused,
    batch_get,
    client,
    from_item,
    get_item,
    item_key,
    org_pk,
    put_new,
    put_new_action,
    query,
    to_item,
    transact,
)
from carbon_accounting.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import UpdateItemInputTypeDef

_Model = TypeVar("_Model", bound=BaseModel)


def _api_key_pk(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


_ORGANIZATIONS = "ORGANIZATIONS"


def _subsidiaries_pk(parent_id: UUID) -> str:
    return f"{org_pk(parent_id)}#SUBSIDIARY"


def _api_keys_pk(organization_id: UUID) -> str:
    return f"{org_pk(organization_id)}#APIKEY"


def put_organization(organization: Organization) -> None:
    indexed = {"gsi2pk": _ORGANIZATIONS, "gsi2sk": str(organization.id)}
    if organization.parent_id is not None:
        indexed |= {"gsi1pk": _subsidiaries_pk(organization.parent_id), "gsi1sk": str(organization.id)}
    put_new(org_pk(organization.id), "ORG", "organization", organization.model_dump(mode="json") | indexed)


def list_organizations() -> list[Organization]:
    """Every organization, by id."""
    return _indexed(Organization, "gsi2", _ORGANIZATIONS)


def list_subsidiaries(parent_id: UUID) -> list[Organization]:
    """The organizations whose parent is ``parent_id``, by id."""
    return _indexed(Organization, "gsi1", _subsidiaries_pk(parent_id))


def rename_organization(organization_id: UUID, name: str) -> Organization | None:
    """Give the organization a new name; the organization, or None if there is none."""
    item = _update_if(
        item_key(org_pk(organization_id), "ORG"),
        "SET #name = :name",
        "attribute_exists(pk)",
        {":name": {"S": name}},
        {"#name": "name"},
    )
    return Organization.model_validate(item) if item else None


def put_user(organization_id: UUID, user: User) -> None:
    """Make ``user`` a member of the organization (and so of its subsidiaries)."""
    put_new(org_pk(organization_id), f"USER#{user.id}", "user", user.model_dump(mode="json"))


def list_users(organization_id: UUID) -> list[User]:
    """The organization's own members (not its subsidiaries'), by id."""
    items = query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :users)",
        ExpressionAttributeValues={":pk": {"S": org_pk(organization_id)}, ":users": {"S": "USER#"}},
        ConsistentRead=True,
    )
    return [User.model_validate(item) for item in items]


def delete_user(organization_id: UUID, user_id: UUID) -> bool:
    """End the user's membership of the organization; False if there was none."""
    try:
        client().delete_item(
            TableName=get_settings().table_name,
            Key=item_key(org_pk(organization_id), f"USER#{user_id}"),
            ConditionExpression="attribute_exists(pk)",
        )
    except client().exceptions.ConditionalCheckFailedException:
        return False
    return True


def _api_key_item(api_key: ApiKey) -> dict[str, Any]:
    return {
        "pk": _api_key_pk(api_key.key_hash),
        "sk": "APIKEY",
        "entity": "api_key",
        **api_key.model_dump(mode="json"),
        "gsi1pk": _api_keys_pk(api_key.organization_id),
        "gsi1sk": api_key.key_id,
    }


def put_api_key(api_key: ApiKey) -> None:
    item = _api_key_item(api_key)
    put_new(item.pop("pk"), item.pop("sk"), item.pop("entity"), item)


def list_api_keys(organization_id: UUID) -> list[ApiKey]:
    """The organization's keys (every status), by key id."""
    return _indexed(ApiKey, "gsi1", _api_keys_pk(organization_id))


def find_api_key(organization_id: UUID, key_id: str) -> ApiKey | None:
    """The organization's key with that id, as stored now (the index only says which hash it is)."""
    found = query(
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :keys AND gsi1sk = :key_id",
        ExpressionAttributeValues={":keys": {"S": _api_keys_pk(organization_id)}, ":key_id": {"S": key_id}},
    )
    for indexed in found:
        item = get_item(item_key(_api_key_pk(indexed["key_hash"]), "APIKEY"), consistent=True)
        return ApiKey.model_validate(item) if item else None
    return None


def revoke_api_key(key_hash: str, revoked_at: str) -> ApiKey | None:
    """Revoke the key; the key as revoked, or None if it is unknown or was revoked already."""
    item = _update_if(
        item_key(_api_key_pk(key_hash), "APIKEY"),
        "SET revoked = :true, revoked_at = :at",
        "attribute_exists(pk) AND revoked = :false",
        {":true": {"BOOL": True}, ":false": {"BOOL": False}, ":at": {"S": revoked_at}},
    )
    return ApiKey.model_validate(item) if item else None


def rotate_api_key(old: ApiKey, new: ApiKey, old_expires_at: str) -> bool:
    """Store ``new`` and make ``old`` expire at ``old_expires_at``, in one transaction; False (and
    nothing written) if ``old`` was revoked or its expiry changed since it was read."""
    if old.expires_at is None:
        unchanged, values = "attribute_not_exists(expires_at)", {}
    else:
        unchanged, values = "expires_at = :was", {":was": {"S": old.expires_at}}
    try:
        transact(
            [
                put_new_action(to_item(_api_key_item(new))),
                {
                    "Update": {
                        "TableName": get_settings().table_name,
                        "Key": item_key(_api_key_pk(old.key_hash), "APIKEY"),
                        "UpdateExpression": "SET expires_at = :expires_at",
                        "ConditionExpression": f"attribute_exists(pk) AND revoked = :false AND {unchanged}",
                        "ExpressionAttributeValues": {
                            ":expires_at": {"S": old_expires_at},
                            ":false": {"BOOL": False},
                            **values,
                        },
                    }
                },
            ]
        )
    except Refused:
        return False
    return True


def record_api_key_use(key_hash: str, used_at: str, unless_since: str) -> None:
    """Set the key's ``last_used_at`` unless it was set at ``unless_since`` or later (so at most
    one write per key per period, however many authorizers race: the others find it set)."""
    _update_if(
        item_key(_api_key_pk(key_hash), "APIKEY"),
        "SET last_used_at = :used_at",
        "attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR last_used_at < :since)",
        {":used_at": {"S": used_at}, ":since": {"S": unless_since}},
    )


def _indexed(model: type[_Model], index: str, partition: str) -> list[_Model]:
    items = query(
        IndexName=index,
        KeyConditionExpression=f"{index}pk = :partition",
        ExpressionAttributeValues={":partition": {"S": partition}},
    )
    return [model.model_validate(item) for item in items]


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
    item = _update_if(
        item_key(org_pk(organization_id), "ORG"),
        "SET #policy = :policy, #updated_at = :updated_at",
        "attribute_exists(pk)",
        {":policy": {"S": policy}, ":updated_at": {"S": updated_at}},
        {"#policy": "emission_factor_policy", "#updated_at": "updated_at"},
    )
    return Organization.model_validate(item) if item else None


def set_stale_after_months(organization_id: UUID, months: int, updated_at: str) -> Organization | None:
    """Set after how many unbilled months coverage calls a supply point stale; None if no organization."""
    item = _update_if(
        item_key(org_pk(organization_id), "ORG"),
        "SET #months = :months, #updated_at = :updated_at",
        "attribute_exists(pk)",
        {":months": {"N": str(months)}, ":updated_at": {"S": updated_at}},
        {"#months": "stale_after_months", "#updated_at": "updated_at"},
    )
    return Organization.model_validate(item) if item else None


def _update_if(
    key: Key,
    update: str,
    condition: str,
    values: dict[str, AttributeValue],
    names: dict[str, str] | None = None,
) -> Decoded | None:
    """One conditional UpdateItem of a tenancy item (these carry no ``version``); the item as
    written, for its model to read, or None when the condition fails."""
    request: UpdateItemInputTypeDef = {
        "TableName": get_settings().table_name,
        "Key": key,
        "UpdateExpression": update,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ReturnValues": "ALL_NEW",
    }
    if names:
        request["ExpressionAttributeNames"] = names
    try:
        answer = client().update_item(**request)
    except client().exceptions.ConditionalCheckFailedException:
        return None
    return from_item(answer["Attributes"])
