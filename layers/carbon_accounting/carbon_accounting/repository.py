"""The DynamoDB repository: the only module that speaks DynamoDB.

One table; every item of an organization lives in that organization's partition, so a request
scoped to organization A cannot address B's items by key (docs/data-model.md has the layout):

    pk                     sk                      item
    ORG#<org>              ORG                     organization (name, parent_id, ancestors)
    ORG#<org>              USER#<user>             a user's membership of the organization
    ORG#<org>              FACILITY#<facility>     facility
    ORG#<org>              CEF#<factor>            custom emission factor
    ORG#<org>              INVOICE#<invoice>       invoice (a distributed invoice's children live
                                                   under their facility's organization)
    ORG#<org>              FILE#<file>             an attachment's record (the object is in S3)
    ORG#<org>              IMPORT#<job>            a bulk import job (the CSV is in S3)
    ORG#<org>              HISTORY#<invoice>#<v>   an invoice's figures after its calculation at version v
    ORG#<org>              RECALC#<job>            a requested recalculation
    APIKEY#<sha256>        APIKEY                  credential index: the key's organization
    RECALCULATION          SCHEDULE                the scheduled recalculation's run and checkpoint

The API-key index and the schedule's run are the items outside an organization: the key is what
tells us the organization, and it can only be addressed by someone who already holds the key; the
run is the system's own.

boto3 is imported on first use, not at import time: it is the largest part of a cold start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from carbon_accounting.errors import FacilityNotFound, VersionConflict
from carbon_accounting.models import ApiKey, CustomEmissionFactor, Facility, Organization, User
from carbon_accounting.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class Reads(Protocol):
    """The reads an invoice's checks make: this module itself, or a cache of it (a bulk import)."""

    def get_organizations(self, organization_ids: Iterable[UUID]) -> dict[UUID, Organization]: ...

    def get_facilities(self, keys: Iterable[tuple[UUID, UUID]]) -> dict[UUID, Facility]: ...

    def get_custom_emission_factor(
        self, organization_id: UUID, factor_id: UUID
    ) -> CustomEmissionFactor | None: ...


@cache
def client() -> DynamoDBClient:
    """The DynamoDB client, created once per process (after tests have started moto)."""
    import boto3

    return boto3.client("dynamodb")


# DynamoDB holds numbers of up to 38 significant digits, of magnitude 1e-130 to under 1e126.
_NUMBER_DIGITS = 38
_SMALLEST, _LARGEST = Decimal("1e-130"), Decimal("1e126")


@cache
def _codec() -> tuple[Any, Any]:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    class ExactDeserializer(TypeDeserializer):
        """Numbers read as the exact decimal stored. boto3's own decoder rounds to 38 digits and
        raises on a longer one (``decimal.Rounded``), which would make such an item unreadable."""

        def _deserialize_n(self, value: str) -> Decimal:
            return Decimal(value)

        def _deserialize_ns(self, value: list[str]) -> set[Decimal]:
            return set(map(Decimal, value))

    return TypeSerializer(), ExactDeserializer()


def _attribute(value: Any) -> dict[str, Any]:
    """A DynamoDB attribute value (see ``_number`` for numbers)."""
    serializer, _ = _codec()
    return serializer.serialize(_decimals(value))


def _number(value: float | int | Decimal) -> Decimal:
    """A number as stored: a float as the shortest decimal that reads back as the same float (at most
    17 digits), anything longer rounded to 38 digits, a magnitude under 1e-130 as 0.

    The request models bound every number far inside this range; a number DynamoDB cannot hold at all
    (1e126 or more, infinite, NaN) is a bug, refused here before anything is written.
    """
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or abs(number) >= _LARGEST:
        raise ValueError(f"{value!r} cannot be stored: DynamoDB numbers are finite and under 1e126")
    if abs(number) < _SMALLEST:
        return Decimal(0)
    return Context(prec=_NUMBER_DIGITS, rounding=ROUND_HALF_EVEN).plus(number)


def _decimals(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float | int | Decimal):
        return _number(value)
    if isinstance(value, list):
        return [_decimals(item) for item in value]
    if isinstance(value, dict):
        return {key: _decimals(item) for key, item in value.items()}
    return value


def _to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _attribute(value) for name, value in values.items() if value is not None}


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    _, deserializer = _codec()
    return {name: deserializer.deserialize(value) for name, value in item.items()}


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def org_pk(organization_id: UUID) -> str:
    return f"ORG#{organization_id}"


def _facility_sk(facility_id: UUID) -> str:
    return f"FACILITY#{facility_id}"


def _api_key_pk(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


def _batch_get(keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """BatchGetItem with the retry of unprocessed keys that DynamoDB asks for (at most 100 keys)."""
    if not keys:
        return []
    table = get_settings().table_name
    request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
    found: list[dict[str, Any]] = []
    while request:
        answer = client().batch_get_item(RequestItems=request)
        found.extend(answer["Responses"].get(table, []))
        request = answer.get("UnprocessedKeys") or {}
    return [_from_item(item) for item in found]


def _query(**kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Query, following LastEvaluatedKey."""
    kwargs["TableName"] = get_settings().table_name
    while True:
        answer = client().query(**kwargs)
        yield from (_from_item(item) for item in answer["Items"])
        if "LastEvaluatedKey" not in answer:
            return
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _put_new(pk: str, sk: str, entity: str, values: dict[str, Any]) -> None:
    """Create an item; fails (ConditionalCheckFailedException) if one already has that key."""
    client().put_item(
        TableName=get_settings().table_name,
        Item=_to_item({"pk": pk, "sk": sk, "entity": entity, **values}),
        ConditionExpression="attribute_not_exists(pk)",
    )


# ------------------------------------------------------------------ organizations and credentials


def put_organization(organization: Organization) -> None:
    _put_new(org_pk(organization.id), "ORG", "organization", organization.model_dump(mode="json"))


def put_user(organization_id: UUID, user: User) -> None:
    """Make ``user`` a member of the organization (and so of its subsidiaries)."""
    _put_new(org_pk(organization_id), f"USER#{user.id}", "user", user.model_dump(mode="json"))


def put_api_key(api_key: ApiKey) -> None:
    _put_new(_api_key_pk(api_key.key_hash), "APIKEY", "api_key", api_key.model_dump(mode="json"))


def get_organization(organization_id: UUID) -> Organization | None:
    answer = client().get_item(
        TableName=get_settings().table_name, Key=_key(org_pk(organization_id), "ORG"), ConsistentRead=True
    )
    return Organization.model_validate(_from_item(answer["Item"])) if "Item" in answer else None


def get_api_key_and_organization(
    key_hash: str, organization_id: UUID | None
) -> tuple[ApiKey | None, Organization | None]:
    """The stored key with that hash and the organization asked for, in one request."""
    keys = [_key(_api_key_pk(key_hash), "APIKEY")]
    if organization_id is not None:
        keys.append(_key(org_pk(organization_id), "ORG"))
    items = {item["entity"]: item for item in _batch_get(keys)}
    api_key = ApiKey.model_validate(items["api_key"]) if "api_key" in items else None
    organization = Organization.model_validate(items["organization"]) if "organization" in items else None
    return api_key, organization


def get_organizations(organization_ids: Iterable[UUID]) -> dict[UUID, Organization]:
    """The organizations that exist among ``organization_ids``, in one request (at most 100)."""
    items = _batch_get([_key(org_pk(org), "ORG") for org in set(organization_ids)])
    return {organization.id: organization for organization in map(Organization.model_validate, items)}


def member_of_any(user_id: UUID, organization_ids: Iterable[UUID]) -> bool:
    """Whether the user is a member of at least one of the organizations."""
    return bool(_batch_get([_key(org_pk(org), f"USER#{user_id}") for org in organization_ids]))


# ------------------------------------------------------------------ facilities


def put_facility(facility: Facility) -> None:
    _put_new(
        org_pk(facility.organization_id),
        _facility_sk(facility.id),
        "facility",
        facility.model_dump(mode="json"),
    )


def get_facility(organization_id: UUID, facility_id: UUID) -> Facility | None:
    answer = client().get_item(
        TableName=get_settings().table_name,
        Key=_key(org_pk(organization_id), _facility_sk(facility_id)),
    )
    return Facility.model_validate(_from_item(answer["Item"])) if "Item" in answer else None


def get_facilities(keys: Iterable[tuple[UUID, UUID]]) -> dict[UUID, Facility]:
    """The facilities that exist among ``(organization id, facility id)`` keys, in one request."""
    items = _batch_get([_key(org_pk(org), _facility_sk(facility)) for org, facility in set(keys)])
    return {facility.id: facility for facility in map(Facility.model_validate, items)}


def list_facilities(organization_id: UUID) -> list[Facility]:
    """Every facility of one organization: one Query on its partition, never a Scan."""
    items = _query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": org_pk(organization_id)}, ":prefix": {"S": "FACILITY#"}},
    )
    return [Facility.model_validate(item) for item in items]


class _Stale(Exception):
    """A conditional update found the item missing (``current`` None) or not as expected."""

    def __init__(self, current: dict[str, Any] | None) -> None:
        self.current = current


@dataclass(frozen=True)
class Condition:
    """A further condition of an update: an expression with its own ``#names`` and ``:values``."""

    expression: str
    names: dict[str, str]
    values: dict[str, Any]


def _update_arguments(
    changes: dict[str, Any],
    updated_at: str,
    expected_version: int | None,
    expected_status: str | tuple[str, ...] | None,
    also: Condition | None = None,
) -> dict[str, Any]:
    """UpdateItem's expressions: apply ``changes`` (``None`` removes), bump ``version``, under conditions.

    The item must exist and, when given, still have ``expected_version`` and (one of) ``expected_status``
    and meet ``also``.
    """
    names = {"#version": "version", "#updated_at": "updated_at"}
    values: dict[str, Any] = {":one": {"N": "1"}, ":updated_at": {"S": updated_at}}
    sets = ["#version = #version + :one", "#updated_at = :updated_at"]
    removes = []
    for index, (field, value) in enumerate(sorted(changes.items())):
        names[f"#f{index}"] = field
        if value is None:
            removes.append(f"#f{index}")
        else:
            values[f":v{index}"] = _attribute(value)
            sets.append(f"#f{index} = :v{index}")
    conditions = ["attribute_exists(pk)"]
    if expected_version is not None:
        conditions.append("#version = :expected")
        values[":expected"] = {"N": str(expected_version)}
    if expected_status is not None:
        statuses = (expected_status,) if isinstance(expected_status, str) else expected_status
        conditions.append(f"#status IN ({', '.join(f':status{i}' for i in range(len(statuses)))})")
        names["#status"] = "status"
        values |= {f":status{i}": {"S": status} for i, status in enumerate(statuses)}
    if also is not None:
        conditions.append(f"({also.expression})")
        names |= also.names
        values |= also.values
    return {
        "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _update(
    key: dict[str, Any],
    changes: dict[str, Any],
    updated_at: str,
    expected_version: int | None,
    expected_status: str | tuple[str, ...] | None = None,
    also: Condition | None = None,
) -> dict[str, Any]:
    """One conditional UpdateItem (see ``_update_arguments``); returns the item as written.

    Raises ``_Stale`` with the current item (None if there is none) when a condition fails.
    """
    try:
        answer = client().update_item(
            TableName=get_settings().table_name,
            Key=key,
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **_update_arguments(changes, updated_at, expected_version, expected_status, also),
        )
    except client().exceptions.ConditionalCheckFailedException as failure:
        current = failure.response.get("Item")
        raise _Stale(_from_item(current) if current else None) from None
    return _from_item(answer["Attributes"])


def update_facility(
    organization_id: UUID,
    facility_id: UUID,
    changes: dict[str, Any],
    updated_at: str,
    expected_version: int | None = None,
) -> Facility:
    """Apply ``changes`` to a facility; with ``expected_version``, only if it still has that version.

    Raises ``FacilityNotFound`` or ``VersionConflict``.
    """
    key = _key(org_pk(organization_id), _facility_sk(facility_id))
    try:
        return Facility.model_validate(_update(key, changes, updated_at, expected_version))
    except _Stale as stale:
        if stale.current is None:
            raise FacilityNotFound() from None
        raise VersionConflict(int(stale.current["version"])) from None


# ------------------------------------------------------------------ custom emission factors


def put_custom_emission_factor(factor: CustomEmissionFactor) -> None:
    _put_new(
        org_pk(factor.organization_id),
        f"CEF#{factor.id}",
        "custom_emission_factor",
        factor.model_dump(mode="json"),
    )


def get_custom_emission_factor(organization_id: UUID, factor_id: UUID) -> CustomEmissionFactor | None:
    answer = client().get_item(
        TableName=get_settings().table_name, Key=_key(org_pk(organization_id), f"CEF#{factor_id}")
    )
    return CustomEmissionFactor.model_validate(_from_item(answer["Item"])) if "Item" in answer else None


def list_custom_emission_factors(organization_id: UUID) -> list[CustomEmissionFactor]:
    """Every custom factor of one organization: one Query on its partition."""
    items = _query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": org_pk(organization_id)}, ":prefix": {"S": "CEF#"}},
    )
    return [CustomEmissionFactor.model_validate(item) for item in items]


# ------------------------------------------------------------------ invoices


def _invoice_sk(invoice_id: UUID | str) -> str:
    return f"INVOICE#{invoice_id}"


def _history_sk(invoice_id: UUID | str, version: int) -> str:
    return f"HISTORY#{invoice_id}#{version:06d}"


def _release_text(release: Any) -> str:
    return f"{int(release):06d}"


LOADING, FACTORS = "LOADING", "FACTORS"  # gsi3 partitions (see _index_keys)


def _index_keys(organization_id: UUID, invoice: dict[str, Any], updated_at: str) -> dict[str, str]:
    """The invoice's keys in the indexes, as of a write at ``updated_at``.

    gsi1 lists a facility's invoices (single invoices and the children of distributed ones); gsi2
    lists the organization's own invoices (single invoices and distributed parents). gsi3 is what the
    scheduled recalculation reads, for the organization's own invoices only: while ``loading``, the
    time it began (16 partitions, so a bulk import's writes spread); once computed, the type, years
    and data release its figures come from (``emissions.releases``).
    """
    keys = {}
    period = f"{invoice['start_date']}#{invoice['id']}"
    if invoice.get("facility_id"):
        keys |= {"gsi1pk": f"ORG#{organization_id}#FACILITY#{invoice['facility_id']}", "gsi1sk": period}
    if not invoice.get("source_invoice_id"):
        keys |= {"gsi2pk": f"ORG#{organization_id}#INVOICE", "gsi2sk": period}
        own = f"{organization_id}#{invoice['id']}"
        if invoice["status"] == "loading":
            keys |= {"gsi3pk": f"{LOADING}#{invoice['id'][0]}", "gsi3sk": f"{updated_at}#{own}"}
        elif invoice.get("data_release"):
            keys |= {
                "gsi3pk": f"{FACTORS}#{invoice['type']}#{invoice['data_years']}",
                "gsi3sk": f"{_release_text(invoice['data_release'])}#{own}",
            }
    return keys


def _invoice_item(organization_id: UUID, invoice: dict[str, Any]) -> dict[str, Any]:
    """The stored item: the invoice under its organization, with its index keys."""
    keys = {"pk": org_pk(organization_id), "sk": _invoice_sk(invoice["id"]), "entity": "invoice"}
    indexed = _index_keys(organization_id, invoice, invoice["updated_at"])
    return _to_item({**keys, **indexed, "organization_id": str(organization_id), **invoice})


def _new_invoice_actions(invoices: list[tuple[UUID, dict[str, Any]]]) -> list[dict[str, Any]]:
    """TransactWriteItems Puts of new invoices (each failing if its key is taken)."""
    table = get_settings().table_name
    return [
        {
            "Put": {
                "TableName": table,
                "Item": _invoice_item(org, invoice),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for org, invoice in invoices
    ]


def create_invoices(invoices: list[tuple[UUID, dict[str, Any]]], facilities: list[tuple[UUID, UUID]]) -> bool:
    """Write ``(organization id, invoice)`` pairs all or nothing, if every facility is still active.

    One TransactWriteItems (so at most 100 actions: invoices + facilities). Returns False, having
    written nothing, when a facility stopped being active since it was read.
    """
    table = get_settings().table_name
    actions = _new_invoice_actions(invoices)
    actions += [
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": _key(org_pk(org), _facility_sk(facility)),
                "ConditionExpression": "#status = :active",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":active": {"S": "active"}},
            }
        }
        for org, facility in facilities
    ]
    try:
        client().transact_write_items(TransactItems=actions)
    except client().exceptions.TransactionCanceledException as cancelled:
        reasons = [reason.get("Code") for reason in cancelled.response.get("CancellationReasons", [])]
        if "ConditionalCheckFailed" in reasons[len(invoices) :]:
            return False
        raise
    return True


def get_invoice(organization_id: UUID, invoice_id: UUID) -> dict[str, Any] | None:
    answer = client().get_item(
        TableName=get_settings().table_name, Key=_key(org_pk(organization_id), _invoice_sk(invoice_id))
    )
    return _from_item(answer["Item"]) if "Item" in answer else None


def get_invoices(keys: Iterable[tuple[UUID, UUID]]) -> list[dict[str, Any]]:
    """The invoices that exist among ``(organization id, invoice id)`` keys, read consistently."""
    return _batch_get([_key(org_pk(org), _invoice_sk(invoice)) for org, invoice in set(keys)])


def settle_invoice(
    invoice: dict[str, Any],
    changes: dict[str, Any],
    updated_at: str,
    history: dict[str, Any] | None = None,
    job_counts: dict[str, int] | None = None,
) -> bool:
    """Record a ``loading`` invoice's computed figures, if it is still the version they were computed from.

    In the same transaction: ``history``, the entry to keep of this calculation, and ``job_counts``,
    added to the counters of the recalculation job the invoice was queued by. Returns False, writing
    nothing, when the invoice changed or was settled since: a stale or repeated stream record then
    cannot overwrite newer figures, nor count twice.
    """
    table = get_settings().table_name
    organization, invoice_id = UUID(invoice["organization_id"]), UUID(invoice["id"])
    version = int(invoice["version"])
    indexed = changes | _index_keys(organization, invoice | changes, updated_at)
    arguments = _update_arguments(indexed, updated_at, version, "loading")
    actions: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": table,
                "Key": _key(org_pk(organization), _invoice_sk(invoice_id)),
                **arguments,
            }
        }
    ]
    if history is not None:
        entry = {"pk": org_pk(organization), "sk": _history_sk(invoice_id, version), "entity": "history"}
        item = _to_item(entry | {"invoice_id": str(invoice_id), "version": version} | history)
        actions.append(
            {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        )
    if job_counts:
        names = {f"#c{index}": name for index, name in enumerate(sorted(job_counts))}
        values = {f":c{index}": {"N": str(job_counts[name])} for index, name in enumerate(sorted(job_counts))}
        update = {
            "TableName": table,
            "Key": _recalculation_key(organization, UUID(invoice["recalculation_job"])),
            "UpdateExpression": "ADD " + ", ".join(f"#c{index} :c{index}" for index in range(len(names))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ConditionExpression": "attribute_exists(pk)",
        }
        actions.append({"Update": update})
    try:
        client().transact_write_items(TransactItems=actions)
    except client().exceptions.TransactionCanceledException as cancelled:
        reasons = [reason.get("Code") for reason in cancelled.response.get("CancellationReasons", [])]
        if reasons[:1] == ["ConditionalCheckFailed"]:
            return False
        raise
    return True


def delete_invoices(keys: list[tuple[UUID, UUID]]) -> bool:
    """Delete ``(organization id, invoice id)`` invoices all or nothing (at most 100).

    Returns False, deleting nothing, when one of them no longer exists.
    """
    table = get_settings().table_name
    actions = [
        {
            "Delete": {
                "TableName": table,
                "Key": _key(org_pk(org), _invoice_sk(invoice)),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }
        for org, invoice in keys
    ]
    try:
        client().transact_write_items(TransactItems=actions)
    except client().exceptions.TransactionCanceledException:
        return False
    return True


def list_facility_invoices(
    organization_id: UUID, facility_id: UUID, starting_until: str | None
) -> list[dict[str, Any]]:
    """A facility's invoices (single ones and distributed children), from gsi1, never a Scan.

    ``starting_until`` (YYYY-MM-DD) bounds the index key, so only invoices starting by then are read.
    """
    condition = "gsi1pk = :facility"
    values = {":facility": {"S": f"ORG#{organization_id}#FACILITY#{facility_id}"}}
    if starting_until:
        condition += " AND gsi1sk <= :until"
        values[":until"] = {"S": f"{starting_until}#~"}  # "~" sorts after every invoice id
    return list(_query(IndexName="gsi1", KeyConditionExpression=condition, ExpressionAttributeValues=values))


def get_users(organization_id: UUID, user_ids: Iterable[UUID]) -> dict[UUID, User]:
    """The organization's members among ``user_ids``, in one request (at most 100)."""
    items = _batch_get([_key(org_pk(organization_id), f"USER#{user}") for user in set(user_ids)])
    return {user.id: user for user in map(User.model_validate, items)}


_GSI2_KEYS = ("pk", "sk", "gsi2pk", "gsi2sk")


def organization_invoices(
    organization_id: UUID,
    *,
    starting_until: str | None = None,
    descending: bool = True,
    after: dict[str, str] | None = None,
    page_size: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The organization's own invoices (single ones and distributed parents) by billing period, from gsi2.

    Lazy: DynamoDB is asked for ``page_size`` items at a time, only as far as the caller reads.
    ``after`` is ``index_position`` of an item: reading resumes right after it.
    """
    condition = "gsi2pk = :organization"
    values = {":organization": {"S": f"ORG#{organization_id}#INVOICE"}}
    if starting_until:
        condition += " AND gsi2sk <= :until"
        values[":until"] = {"S": f"{starting_until}#~"}
    kwargs: dict[str, Any] = {
        "IndexName": "gsi2",
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not descending,
    }
    if after:
        kwargs["ExclusiveStartKey"] = {name: {"S": after[name]} for name in _GSI2_KEYS}
    if page_size:
        kwargs["Limit"] = page_size
    return _query(**kwargs)


def index_position(invoice: dict[str, Any]) -> dict[str, str]:
    """Where an invoice stands in gsi2: what ``organization_invoices(after=...)`` resumes from."""
    return {name: invoice[name] for name in _GSI2_KEYS}


def update_invoices(
    updates: list[tuple[dict[str, Any], dict[str, Any], int | None]], updated_at: str
) -> list[dict[str, Any]] | None:
    """Apply ``(stored invoice, changes, expected version)`` updates all or nothing.

    The index keys follow the changes (a new start date or facility moves the invoice in its lists).
    Returns the invoices as written (a transaction returns no item, but each update is conditional
    on the item as read, so this is what the table holds), or None, changing nothing, when an
    invoice is gone or no longer has its expected version.
    """
    table = get_settings().table_name
    actions, written = [], []
    for invoice, changes, version in updates:
        organization = UUID(invoice["organization_id"])
        indexed = changes | _index_keys(organization, invoice | changes, updated_at)
        arguments = _update_arguments(indexed, updated_at, version, None)
        key = _key(org_pk(organization), _invoice_sk(UUID(invoice["id"])))
        actions.append({"Update": {"TableName": table, "Key": key, **arguments}})
        after = {name: value for name, value in (invoice | indexed).items() if value is not None}
        written.append(after | {"version": int(invoice["version"]) + 1, "updated_at": updated_at})
    try:
        client().transact_write_items(TransactItems=actions)
    except client().exceptions.TransactionCanceledException:
        return None
    return written


def organization_facility_invoices(organization_id: UUID, status: str) -> Iterator[dict[str, Any]]:
    """Invoices stored in the organization's partition that have a facility (single invoices and the
    distributed children allocated to its facilities), in one status: one Query, never a Scan."""
    return _query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :invoice)",
        FilterExpression="#status = :status AND attribute_exists(facility_id)",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":pk": {"S": org_pk(organization_id)},
            ":invoice": {"S": "INVOICE#"},
            ":status": {"S": status},
        },
    )


# ------------------------------------------------------------------ files


def _file_key(organization_id: UUID, file_id: UUID) -> dict[str, Any]:
    return _key(org_pk(organization_id), f"FILE#{file_id}")


def put_files(organization_id: UUID, files: list[dict[str, Any]]) -> None:
    """Record new files, all or nothing (at most 100)."""
    table = get_settings().table_name
    client().transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": table,
                    "Item": _to_item(
                        {"pk": org_pk(organization_id), "sk": f"FILE#{file['id']}", "entity": "file", **file}
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for file in files
        ]
    )


def get_file(organization_id: UUID, file_id: UUID) -> dict[str, Any] | None:
    answer = client().get_item(
        TableName=get_settings().table_name, Key=_file_key(organization_id, file_id), ConsistentRead=True
    )
    return _from_item(answer["Item"]) if "Item" in answer else None


def settle_file(organization_id: UUID, file_id: UUID, changes: dict[str, Any], updated_at: str) -> bool:
    """Record the outcome of a ``pending`` file's upload; False, writing nothing, if it is not pending."""
    try:
        _update(_file_key(organization_id, file_id), changes, updated_at, None, expected_status="pending")
    except _Stale:
        return False
    return True


# ------------------------------------------------------------------ bulk import jobs


def _job_key(organization_id: UUID, job_id: UUID) -> dict[str, Any]:
    return _key(org_pk(organization_id), f"IMPORT#{job_id}")


def put_import_job(organization_id: UUID, job: dict[str, Any]) -> None:
    _put_new(org_pk(organization_id), f"IMPORT#{job['id']}", "import_job", job)


def get_import_job(organization_id: UUID, job_id: UUID) -> dict[str, Any] | None:
    answer = client().get_item(
        TableName=get_settings().table_name, Key=_job_key(organization_id, job_id), ConsistentRead=True
    )
    return _from_item(answer["Item"]) if "Item" in answer else None


def update_import_job(
    organization_id: UUID,
    job_id: UUID,
    changes: dict[str, Any],
    updated_at: str,
    expected_status: str | tuple[str, ...],
) -> dict[str, Any] | None:
    """Apply ``changes`` to a job in one of ``expected_status``; the job as written, or None if it wasn't."""
    try:
        return _update(_job_key(organization_id, job_id), changes, updated_at, None, expected_status)
    except _Stale:
        return None


def claim_import_job(
    organization_id: UUID, job_id: UUID, object_version: str, updated_at: str
) -> dict[str, Any] | None:
    """Start (or resume) importing one uploaded version of a job's CSV; the job, or None if it can't.

    The first run pins the object version: a later upload through the same presigned POST never
    mixes its rows into the job. A finished job, or one pinned to another version, is left alone.
    """
    pinned = Condition(
        "attribute_not_exists(#pinned) OR #pinned = :pinned",
        {"#pinned": "object_version"},
        {":pinned": {"S": object_version}},
    )
    changes = {"status": "processing", "object_version": object_version}
    try:
        return _update(
            _job_key(organization_id, job_id), changes, updated_at, None, ("pending", "processing"), pinned
        )
    except _Stale:
        return None


def write_import_chunk(
    organization_id: UUID,
    job_id: UUID,
    invoices: list[tuple[UUID, dict[str, Any]]],
    progress: dict[str, Any],
    processed_before: int,
    updated_at: str,
) -> bool:
    """Write a chunk of imported invoices and the job's progress past them, all or nothing.

    The job must still be ``processing`` with ``rows_processed == processed_before``: a duplicate
    delivery of the upload event, or a retry, can never write a chunk twice. At most 99 invoices.
    """
    table = get_settings().table_name
    unchanged = Condition(
        "#processed = :processed_before",
        {"#processed": "rows_processed"},
        {":processed_before": {"N": str(processed_before)}},
    )
    arguments = _update_arguments(progress, updated_at, None, "processing", unchanged)
    actions = _new_invoice_actions(invoices)
    actions.append({"Update": {"TableName": table, "Key": _job_key(organization_id, job_id), **arguments}})
    try:
        client().transact_write_items(TransactItems=actions)
    except client().exceptions.TransactionCanceledException:
        return False
    return True


# ------------------------------------------------------------------ history


def _history_query(organization_id: UUID, invoice_id: UUID, **arguments: Any) -> Iterator[dict[str, Any]]:
    return _query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :history)",
        ExpressionAttributeValues={
            ":pk": {"S": org_pk(organization_id)},
            ":history": {"S": f"HISTORY#{invoice_id}#"},
        },
        **arguments,
    )


def invoice_history(organization_id: UUID, invoice_id: UUID) -> list[dict[str, Any]]:
    """An invoice's history entries, oldest first: one Query of its own items."""
    return list(_history_query(organization_id, invoice_id))


def delete_invoice_history(organization_id: UUID, invoice_id: UUID) -> int:
    """Delete a deleted invoice's history; how many entries there were."""
    keys = [
        _key(item["pk"], item["sk"])
        for item in _history_query(organization_id, invoice_id, ProjectionExpression="pk, sk")
    ]
    table = get_settings().table_name
    for start in range(0, len(keys), 25):
        request: dict[str, Any] = {
            table: [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
        }
        while request:
            request = client().batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return len(keys)


# ------------------------------------------------------------------ recalculation


@dataclass(frozen=True)
class IndexRange:
    """One gsi3 partition, read below a sort-key bound: where the scheduled recalculation looks."""

    partition: str
    below: str


def stuck_ranges(loading_before: str) -> list[IndexRange]:
    """Where the invoices that began ``loading`` before ``loading_before`` are (every LOADING shard)."""
    return [IndexRange(f"{LOADING}#{shard:x}", loading_before) for shard in range(16)]


def stale_range(invoice_type: str, years: str, changed_at: int) -> IndexRange:
    """Where the invoices of a type and years bucket computed before release ``changed_at`` are."""
    return IndexRange(f"{FACTORS}#{invoice_type}#{years}", _release_text(changed_at))


def index_page(
    where: IndexRange, after: dict[str, str] | None, limit: int
) -> tuple[list[tuple[UUID, UUID]], dict[str, str] | None]:
    """One page of ``(organization id, invoice id)`` from gsi3 (keys only), and where the next begins."""
    arguments: dict[str, Any] = {
        "TableName": get_settings().table_name,
        "IndexName": "gsi3",
        "KeyConditionExpression": "gsi3pk = :partition AND gsi3sk < :below",
        "ExpressionAttributeValues": {":partition": {"S": where.partition}, ":below": {"S": where.below}},
        "Limit": limit,
    }
    if after:
        arguments["ExclusiveStartKey"] = {name: {"S": value} for name, value in after.items()}
    answer = client().query(**arguments)
    keys = [
        (UUID(item["pk"]["S"].removeprefix("ORG#")), UUID(item["sk"]["S"].removeprefix("INVOICE#")))
        for item in answer["Items"]
    ]
    last = answer.get("LastEvaluatedKey")
    return keys, ({name: value["S"] for name, value in last.items()} if last else None)


def set_factor_policy(organization_id: UUID, policy: str, updated_at: str) -> Organization | None:
    """Set the organization's emission-factor policy; the organization, or None if there is none."""
    try:
        answer = client().update_item(
            TableName=get_settings().table_name,
            Key=_key(org_pk(organization_id), "ORG"),
            UpdateExpression="SET #policy = :policy, #updated_at = :updated_at",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#policy": "emission_factor_policy", "#updated_at": "updated_at"},
            ExpressionAttributeValues={":policy": {"S": policy}, ":updated_at": {"S": updated_at}},
            ReturnValues="ALL_NEW",
        )
    except client().exceptions.ConditionalCheckFailedException:
        return None
    return Organization.model_validate(_from_item(answer["Attributes"]))


def _recalculation_key(organization_id: UUID | None, job_id: UUID | None) -> dict[str, Any]:
    """A requested recalculation's key, or (both None) the scheduled recalculation's."""
    if organization_id is None:
        return _key("RECALCULATION", "SCHEDULE")
    return _key(org_pk(organization_id), f"RECALC#{job_id}")


def _stored_recalculation_key(job: dict[str, Any]) -> dict[str, Any]:
    """The key of a stored job: requested (it names its organization) or the schedule's."""
    organization = UUID(job["organization_id"]) if job.get("organization_id") else None
    return _recalculation_key(organization, UUID(job["id"]) if organization else None)


def put_recalculation(job: dict[str, Any]) -> bool:
    """Store a new recalculation job (``organization_id`` None: the schedule's); False if it exists."""
    key = _stored_recalculation_key(job)
    try:
        _put_new(key["pk"]["S"], key["sk"]["S"], "recalculation", job)
    except client().exceptions.ConditionalCheckFailedException:
        return False
    return True


def get_recalculation(organization_id: UUID | None, job_id: UUID | None = None) -> dict[str, Any] | None:
    answer = client().get_item(
        TableName=get_settings().table_name,
        Key=_recalculation_key(organization_id, job_id),
        ConsistentRead=True,
    )
    return _from_item(answer["Item"]) if "Item" in answer else None


def update_recalculation(
    job: dict[str, Any], changes: dict[str, Any], updated_at: str
) -> dict[str, Any] | None:
    """Apply ``changes`` to a job if it is still at ``job``'s version; the job as written, or None."""
    try:
        return _update(_stored_recalculation_key(job), changes, updated_at, int(job["version"]))
    except _Stale:
        return None
