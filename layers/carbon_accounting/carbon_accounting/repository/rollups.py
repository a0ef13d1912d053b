"""Rollups: counts and monthly figures maintained from the table's stream, and the marks that make
each invoice's changes count exactly once (``carbon_accounting.rollups`` says what they hold).

A mark, ``APPLIED#<invoice>`` in the invoice's partition, says which of the invoice's changes the
rollups hold: ``invoice_version``, the version of the last change applied (every write of an invoice
bumps its version, and the stream gives an item's changes in order), ``deleted`` once its deletion
is applied (the mark then expires two days later, after the stream's 24 hours of records), and
``piece`` while the next change, too large for one transaction, is part applied. ``state`` is all
three as one text, which every move of the mark is conditional on; a rollup write is a transaction
with the marks it moves, so a redelivered record changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from carbon_accounting.repository.records import InvoiceRecord, MarkRecord, RollupRecord
from carbon_accounting.repository.table import (
    Refused,
    batch_get,
    client,
    get_item,
    item_key,
    org_pk,
    query,
    transact,
)
from carbon_accounting.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef, UpdateTypeDef

MARK = "APPLIED#"
ROLLUP = "ROLLUP#"
TRANSACTION_ITEMS = 100  # TransactWriteItems' limit

Cells = dict[tuple[str, str], dict[str, Decimal]]


def mark_sk(invoice_id: str) -> str:
    return f"{MARK}{invoice_id}"


@dataclass(frozen=True)
class Mark:
    """Which changes of an invoice the rollups hold (see the module)."""

    invoice_version: int | None = None
    piece: int | None = None
    deleted: bool = False

    @property
    def state(self) -> str:
        return f"{self.invoice_version}/{self.piece}/{'deleted' if self.deleted else ''}"

    @classmethod
    def of(cls, item: MarkRecord) -> Mark:
        version, piece = item.get("invoice_version"), item.get("piece")
        return cls(
            None if version is None else int(version),
            None if piece is None else int(piece),
            bool(item.get("deleted")),
        )


@dataclass(frozen=True)
class MarkMove:
    """Move an invoice's mark from ``before`` (as read; None: there was none) to ``after``."""

    organization_id: str
    invoice_id: str
    before: Mark | None
    after: Mark
    expires_at: int | None = None


@dataclass
class RollupWrite:
    """One transaction: marks moved and numbers added to rollup cells."""

    marks: list[MarkMove] = field(default_factory=list)
    cells: Cells = field(default_factory=dict)


class MarkMoved(Exception):
    """A mark was not where it was read: another reader applied those changes since."""


def get_rollup_marks(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Mark]:
    """The marks of ``(organization id, invoice id)`` that exist, read consistently."""
    wanted = sorted(set(keys))
    found: dict[tuple[str, str], Mark] = {}
    for start in range(0, len(wanted), 100):
        chunk = wanted[start : start + 100]
        for item in batch_get([item_key(org_pk(UUID(org)), mark_sk(invoice)) for org, invoice in chunk]):
            mark = cast(MarkRecord, item)
            found[(mark["organization_id"], mark["invoice_id"])] = Mark.of(mark)
    return found


def _mark_action(table: str, move: MarkMove) -> TransactWriteItemTypeDef:
    after = move.after
    names = {"#state": "state"}
    values: dict[str, Any] = {
        ":state": {"S": after.state},
        ":entity": {"S": "rollup_mark"},
        ":organization": {"S": move.organization_id},
        ":invoice": {"S": move.invoice_id},
    }
    sets = ["#state = :state", "entity = :entity", "organization_id = :organization", "invoice_id = :invoice"]
    removes = []
    fields = {
        "invoice_version": after.invoice_version,
        "piece": after.piece,
        "deleted": True if after.deleted else None,
        "ttl": move.expires_at,
    }
    for index, (name, value) in enumerate(fields.items()):
        names[f"#m{index}"] = name
        if value is None:
            removes.append(f"#m{index}")
        else:
            values[f":m{index}"] = {"BOOL": True} if value is True else {"N": str(value)}
            sets.append(f"#m{index} = :m{index}")
    if move.before is None:
        condition = "attribute_not_exists(pk)"
    else:
        condition = "#state = :before"
        values[":before"] = {"S": move.before.state}
    return {
        "Update": {
            "TableName": table,
            "Key": item_key(org_pk(UUID(move.organization_id)), mark_sk(move.invoice_id)),
            "UpdateExpression": "SET "
            + ", ".join(sets)
            + (" REMOVE " + ", ".join(removes) if removes else ""),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def _cell_action(
    table: str, organization_id: str, sk: str, numbers: dict[str, Decimal], seen: int | None
) -> TransactWriteItemTypeDef:
    """Add ``numbers`` to a cell (created at 0), and 1 to its ``writes``: what a rebuild checks.

    ``seen``: the cell's ``writes`` as a rebuild read it (0: absent), which it must still have."""
    names = {"#entity": "entity", "#writes": "writes"}
    values: dict[str, Any] = {":entity": {"S": "rollup"}, ":one": {"N": "1"}}
    adds = ["#writes :one"]
    for index, (name, number) in enumerate(sorted(numbers.items())):
        names[f"#a{index}"] = name
        values[f":a{index}"] = {"N": format(number, "f")}  # no exponent: moto cannot add 1E+48
        adds.append(f"#a{index} :a{index}")
    update: UpdateTypeDef = {
        "TableName": table,
        "Key": item_key(org_pk(UUID(organization_id)), sk),
        "UpdateExpression": "SET #entity = :entity ADD " + ", ".join(adds),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    if seen is not None:
        values[":seen"] = {"N": str(seen)}
        update["ConditionExpression"] = (
            "attribute_not_exists(#writes) OR #writes = :seen" if seen == 0 else "#writes = :seen"
        )
    return {"Update": update}


def write_rollups(write: RollupWrite, expected_writes: dict[tuple[str, str], int] | None = None) -> None:
    """One TransactWriteItems of ``write`` (at most 100 marks and cells).

    ``expected_writes``: a cell's ``writes`` as read (0: absent), for a rebuild that must not add
    on top of a change it did not see. Raises ``MarkMoved`` when a mark or a cell is not as read.
    """
    table = get_settings().table_name
    actions = [_mark_action(table, move) for move in write.marks]
    for (organization, sk), numbers in sorted(write.cells.items()):
        seen = None if expected_writes is None else expected_writes.get((organization, sk), 0)
        actions.append(_cell_action(table, organization, sk, numbers, seen))
    if not actions:
        return
    try:
        transact(actions)
    except Refused as refused:
        raise MarkMoved() from refused


def rollup_cells(organization_id: UUID, first_sk: str, last_sk: str) -> Iterator[RollupRecord]:
    """The organization's rollup items whose sort keys are within ``first_sk``..``last_sk``."""
    if first_sk > last_sk:  # an empty range, which DynamoDB refuses to be asked
        return iter(())
    return query(
        KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
        ExpressionAttributeValues={
            ":pk": {"S": org_pk(organization_id)},
            ":first": {"S": first_sk},
            ":last": {"S": last_sk},
        },
    )


def organization_rollups(organization_id: UUID) -> Iterator[RollupRecord]:
    """Every rollup item of the organization (for verification)."""
    return rollup_cells(organization_id, ROLLUP, ROLLUP + "~")


def organization_rollup_marks(organization_id: UUID) -> Iterator[MarkRecord]:
    return cast(Iterator[MarkRecord], rollup_cells(organization_id, MARK, MARK + "~"))


def organization_invoice_items(organization_id: UUID) -> Iterator[InvoiceRecord]:
    """Every invoice stored in the organization's partition, read consistently (for verification)."""
    items = query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :invoice)",
        ExpressionAttributeValues={":pk": {"S": org_pk(organization_id)}, ":invoice": {"S": "INVOICE#"}},
        ConsistentRead=True,
        Limit=500,  # pages well within the client's read timeout, however large the partition
    )
    return cast(Iterator[InvoiceRecord], items)


def get_rollup(organization_id: UUID, sk: str) -> RollupRecord:
    """One rollup item of the organization (empty when nothing was ever counted in it)."""
    return get_item(item_key(org_pk(organization_id), sk)) or {}


# The organizations whose rollups changed on a day (UTC): what the daily verification recounts. One
# string set per first hex digit of the id, so that a day holds some 160,000 organizations (400 KB
# an item).
CHANGED_PK = "ROLLUPS"
CHANGED_LIFETIME = 7 * 24 * 3600
_SHARDS = "0123456789abcdef"


def _changed_sk(day: str, shard: str) -> str:
    return f"CHANGED#{day}#{shard}"


def note_changed_organizations(organization_ids: Iterable[str], day: str, now: int) -> None:
    """Add the organizations to ``day``'s sets (an UpdateItem a shard; adding is idempotent)."""
    by_shard: dict[str, list[str]] = {}
    for organization in sorted(set(organization_ids)):
        by_shard.setdefault(organization[0], []).append(organization)
    for shard, organizations in by_shard.items():
        client().update_item(
            TableName=get_settings().table_name,
            Key=item_key(CHANGED_PK, _changed_sk(day, shard)),
            UpdateExpression="ADD organizations :organizations SET entity = :entity, #ttl = :ttl",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={
                ":organizations": {"SS": organizations},
                ":entity": {"S": "rollup_changes"},
                ":ttl": {"N": str(now + CHANGED_LIFETIME)},
            },
        )


def changed_organizations(day: str) -> set[str]:
    """The organizations whose rollups changed on ``day`` (YYYY-MM-DD, UTC): one BatchGetItem."""
    items = batch_get([item_key(CHANGED_PK, _changed_sk(day, shard)) for shard in _SHARDS])
    return {organization for item in items for organization in item.get("organizations") or ()}
