"""The repository's core: the client, the item codec, keys, and the reads and conditional writes
that every aggregate's module builds on.

boto3 is imported on first use, not at import time: it is the largest part of a cold start.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

from carbon_accounting import aws, ids
from carbon_accounting.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@cache
def client() -> DynamoDBClient:
    """The DynamoDB client, created once per process (after tests have started moto)."""
    import boto3

    return boto3.client("dynamodb", config=aws.config())


# DynamoDB holds numbers of up to 38 significant digits, of magnitude 1e-130 to under 1e126.
_NUMBER_DIGITS = 38
_SMALLEST, _LARGEST = Decimal("1e-130"), Decimal("1e126")


@cache
def _serializer() -> Any:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


def attribute(value: Any) -> dict[str, Any]:
    """A DynamoDB attribute value (see ``_number`` for numbers)."""
    return _serializer().serialize(_decimals(value))


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


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {name: attribute(value) for name, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _value(value) for name, value in item.items()}


def _value(attribute: dict[str, Any]) -> Any:
    """A DynamoDB attribute value as Python, as boto3's TypeDeserializer gives it but for numbers,
    read as the exact decimal stored (boto3 rounds to 38 digits and raises on a longer one, which
    would make such an item unreadable). Our own dispatch: boto3's made a warm list of 50 invoices
    1.63x the bare calls, this one 1.50x (tests/benchmarks/warm_path.py)."""
    ((kind, value),) = attribute.items()
    if kind == "S" or kind == "BOOL":
        return value
    if kind == "N":
        return Decimal(value)
    if kind == "M":
        return {name: _value(each) for name, each in value.items()}
    if kind == "L":
        return [_value(each) for each in value]
    if kind == "NULL":
        return None
    if kind == "NS":
        return set(map(Decimal, value))
    if kind == "SS":
        return set(value)
    from boto3.dynamodb.types import TypeDeserializer  # binary, which this table does not store

    return TypeDeserializer().deserialize(attribute)


def item_key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def org_pk(organization_id: UUID) -> str:
    return f"ORG#{organization_id}"


def batch_get(keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
    return [from_item(item) for item in found]


def query(**kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Query, following LastEvaluatedKey."""
    kwargs["TableName"] = get_settings().table_name
    while True:
        answer = client().query(**kwargs)
        yield from (from_item(item) for item in answer["Items"])
        if "LastEvaluatedKey" not in answer:
            return
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def put_new(pk: str, sk: str, entity: str, values: dict[str, Any]) -> None:
    """Create an item; fails (ConditionalCheckFailedException) if one already has that key, unless
    its id was derived from this request's Idempotency-Key: then an earlier attempt of the same
    request wrote it, and there is nothing to write again."""
    try:
        client().put_item(
            TableName=get_settings().table_name,
            Item=to_item({"pk": pk, "sk": sk, "entity": entity, **values}),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except client().exceptions.ConditionalCheckFailedException:
        if not ids.derived():
            raise


def cancellation_reasons(cancelled: Exception) -> list[str | None]:
    """The code of each action of a cancelled transaction, in order ("None" for one that passed)."""
    reasons = getattr(cancelled, "response", {}).get("CancellationReasons", [])
    return [reason.get("Code") for reason in reasons]


def conditions_failed(cancelled: Exception) -> bool:
    """Whether a cancelled transaction was refused by a condition (not by a fault or a conflicting
    transaction: those are raised, for the caller to answer 503 or 500)."""
    return "ConditionalCheckFailed" in cancellation_reasons(cancelled)


def written_before(cancelled: Exception, puts: int) -> bool:
    """Whether a cancelled transaction whose first ``puts`` actions create items found them all
    written by an earlier attempt of this request (their ids derived from its Idempotency-Key)."""
    return ids.derived() and cancellation_reasons(cancelled)[:puts] == ["ConditionalCheckFailed"] * puts


def get_item(key: dict[str, Any], consistent: bool = False) -> dict[str, Any] | None:
    """The item with that key, or None."""
    answer = client().get_item(TableName=get_settings().table_name, Key=key, ConsistentRead=consistent)
    return from_item(answer["Item"]) if "Item" in answer else None


class Stale(Exception):
    """A conditional update found the item missing (``current`` None) or not as expected."""

    def __init__(self, current: dict[str, Any] | None) -> None:
        self.current = current


@dataclass(frozen=True)
class Condition:
    """A further condition of an update: an expression with its own ``#names`` and ``:values``."""

    expression: str
    names: dict[str, str]
    values: dict[str, Any]


def update_arguments(
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
            values[f":v{index}"] = attribute(value)
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


def update(
    key: dict[str, Any],
    changes: dict[str, Any],
    updated_at: str,
    expected_version: int | None,
    expected_status: str | tuple[str, ...] | None = None,
    also: Condition | None = None,
) -> dict[str, Any]:
    """One conditional UpdateItem (see ``update_arguments``); returns the item as written.

    Raises ``Stale`` with the current item (None if there is none) when a condition fails.
    """
    try:
        answer = client().update_item(
            TableName=get_settings().table_name,
            Key=key,
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **update_arguments(changes, updated_at, expected_version, expected_status, also),
        )
    except client().exceptions.ConditionalCheckFailedException as failure:
        current = failure.response.get("Item")
        raise Stale(from_item(current) if current else None) from None
    return from_item(answer["Attributes"])
