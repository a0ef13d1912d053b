"""The repository's core: the client, the item codec, keys, and the reads and conditional writes
that every aggregate's module builds on.

boto3 is imported on first use, not at import time: it is the largest part of a cold start.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, TypedDict
from uuid import UUID

from carbon_accounting import aws, ids
from carbon_accounting.repository.records import AttributeValue, Changes, Decoded, Item, Key
from carbon_accounting.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


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


def attribute(value: Any) -> AttributeValue:
    """A DynamoDB attribute value (see ``_number`` for numbers)."""
    serialized: AttributeValue = _serializer().serialize(_decimals(value))
    return serialized


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


def to_item(values: Mapping[str, Any]) -> Item:
    return {name: attribute(value) for name, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> Decoded:
    return {name: _value(value) for name, value in item.items()}


def _value(attribute: Mapping[str, Any]) -> Any:
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

    # boto3's stubs type the attribute as their own TypedDict; this one is as DynamoDB sent it.
    return TypeDeserializer().deserialize(attribute)  # type: ignore[arg-type]


def stream_images(record: Mapping[str, Any]) -> tuple[Decoded | None, Decoded | None]:
    """A table stream record's old and new images (None where the change has none), decoded by this
    codec, as the reads decode items: every stream reader sees an item exactly as a read returns it."""
    change = record["dynamodb"]
    old, new = change.get("OldImage"), change.get("NewImage")
    return (from_item(old) if old is not None else None, from_item(new) if new is not None else None)


def item_key(pk: str, sk: str) -> Key:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def org_pk(organization_id: UUID) -> str:
    return f"ORG#{organization_id}"


def batch_get(keys: list[Key]) -> list[Decoded]:
    """BatchGetItem with the retry of unprocessed keys that DynamoDB asks for (at most 100 keys)."""
    if not keys:
        return []
    table = get_settings().table_name
    request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
    found: list[Item] = []
    while request:
        answer = client().batch_get_item(RequestItems=request)
        found.extend(answer["Responses"].get(table, []))
        request = answer.get("UnprocessedKeys") or {}
    return [from_item(item) for item in found]


def query(**kwargs: Any) -> Iterator[Decoded]:
    """Every item of a Query, following LastEvaluatedKey."""
    kwargs["TableName"] = get_settings().table_name
    while True:
        answer = client().query(**kwargs)
        yield from (from_item(item) for item in answer["Items"])
        if "LastEvaluatedKey" not in answer:
            return
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def query_prefix(pk: str, prefix: str) -> Iterator[Decoded]:
    """Every item of the partition whose sort key starts with ``prefix``: asked as a range (``BETWEEN
    prefix AND prefix~``, the same items: every sort key is printable ASCII, all below ``~``), which
    DynamoDB Local answers from its index, where ``begins_with`` reads the whole partition (3x slower
    with 60,000 other items in it)."""
    return query(
        KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
        ExpressionAttributeValues={":pk": {"S": pk}, ":first": {"S": prefix}, ":last": {"S": prefix + "~"}},
    )


def put_new(pk: str, sk: str, entity: str, values: Mapping[str, Any]) -> None:
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


class Refused(Exception):
    """A transaction cancelled because a condition failed; ``reasons`` holds each action's code, in
    order (None for an action that passed)."""

    def __init__(self, reasons: list[str | None]) -> None:
        super().__init__(f"transaction refused: {reasons}")
        self.reasons = reasons

    def among(self, start: int = 0, stop: int | None = None) -> bool:
        """Whether a condition of one of the actions ``start``..``stop`` failed."""
        return _FAILED in self.reasons[start:stop]

    def repeated(self, puts: int) -> bool:
        """Whether the first ``puts`` actions, which create items, found them all written by an
        earlier attempt of this request (their ids derived from its Idempotency-Key)."""
        return ids.derived() and self.reasons[:puts] == [_FAILED] * puts


_FAILED = "ConditionalCheckFailed"


def put_new_action(item: Item) -> TransactWriteItemTypeDef:
    """A transaction's Put of a new item (its condition fails if the key is taken)."""
    table = get_settings().table_name
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}


def update_action(key: Key, expressions: Expressions) -> TransactWriteItemTypeDef:
    """A transaction's Update of the item with ``key`` (``update_arguments``' expressions)."""
    return {
        "Update": {
            "TableName": get_settings().table_name,
            "Key": key,
            "UpdateExpression": expressions["UpdateExpression"],
            "ConditionExpression": expressions["ConditionExpression"],
            "ExpressionAttributeNames": expressions["ExpressionAttributeNames"],
            "ExpressionAttributeValues": expressions["ExpressionAttributeValues"],
        }
    }


def transact(actions: Sequence[TransactWriteItemTypeDef]) -> None:
    """One TransactWriteItems, all or nothing (at most 100 actions).

    Raises ``Refused`` with the cancellation reasons when a condition failed; a cancellation for
    anything else (a fault, a conflicting transaction) is raised as it came, for the caller to
    answer 503 or 500.
    """
    try:
        client().transact_write_items(TransactItems=actions)
    except client().exceptions.TransactionCanceledException as cancelled:
        reasons = [reason.get("Code") for reason in cancelled.response.get("CancellationReasons", [])]
        if _FAILED in reasons:
            raise Refused(reasons) from cancelled
        raise


def get_item(key: Key, consistent: bool = False) -> Decoded | None:
    """The item with that key, or None."""
    answer = client().get_item(TableName=get_settings().table_name, Key=key, ConsistentRead=consistent)
    return from_item(answer["Item"]) if "Item" in answer else None


class Stale(Exception):
    """A conditional update found the item missing (``current`` None) or not as expected."""

    def __init__(self, current: Decoded | None) -> None:
        self.current = current


@dataclass(frozen=True)
class Condition:
    """A further condition of an update: an expression with its own ``#names`` and ``:values``."""

    expression: str
    names: dict[str, str]
    values: dict[str, AttributeValue]


class Expressions(TypedDict):
    """An UpdateItem's expressions, as ``update_item`` and a transaction's ``Update`` take them."""

    UpdateExpression: str
    ConditionExpression: str
    ExpressionAttributeNames: dict[str, str]
    ExpressionAttributeValues: dict[str, AttributeValue]


def update_arguments(
    changes: Changes,
    updated_at: str,
    expected_version: int | None,
    expected_status: str | tuple[str, ...] | None,
    also: Condition | None = None,
) -> Expressions:
    """UpdateItem's expressions: apply ``changes`` (``None`` removes), bump ``version``, under conditions.

    The item must exist and, when given, still have ``expected_version`` and (one of) ``expected_status``
    and meet ``also``.
    """
    names = {"#version": "version", "#updated_at": "updated_at"}
    values: dict[str, AttributeValue] = {":one": {"N": "1"}, ":updated_at": {"S": updated_at}}
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
    key: Key,
    changes: Changes,
    updated_at: str,
    expected_version: int | None,
    expected_status: str | tuple[str, ...] | None = None,
    also: Condition | None = None,
) -> Decoded:
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
        # The stubs do not type the item that ReturnValuesOnConditionCheckFailure returns.
        current: Item | None = failure.response.get("Item")  # type: ignore[assignment]
        raise Stale(from_item(current) if current else None) from None
    return from_item(answer["Attributes"])
