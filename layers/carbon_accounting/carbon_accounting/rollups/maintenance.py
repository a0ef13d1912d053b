"""Keeping the rollups: the table's stream, each invoice change applied exactly once.

``apply_changes`` takes a batch of stream records of invoices (in stream order). For each invoice it
reads its mark (``repository.rollups``: the version of the last change applied), keeps the changes
after it, and adds their summed delta (``contribution(new) - contribution(old)``, record by record)
to the rollup cells, moving the mark in the same transaction. So a redelivered record, a retried
batch or a Lambda retry after a timeout adds nothing twice, and a record is never lost (a failed
transaction fails the batch, which Lambda retries). The deltas of a batch are summed per cell and
written together, up to 100 items a transaction, so a 10,000-row import writes each hot cell (the
organization's counts, its month) once a batch, not once an invoice: a stream shard's reader writes
alone and in order, and only another shard's reader of the same organization can conflict with it
(the batch is then retried).

A change too large for one transaction (a two-year invoice moved to other years touches over 100
cells) is applied in pieces, the mark recording the pieces done (``piece``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from carbon_accounting import repository
from carbon_accounting.repository.records import Decoded
from carbon_accounting.repository.rollups import TRANSACTION_ITEMS, Mark, MarkMove, RollupWrite
from carbon_accounting.rollups.contribution import add, contribution, difference, nonzero
from carbon_accounting.rollups.numbers import Cells

MARK_LIFETIME = 2 * 24 * 3600  # a deleted invoice's mark outlives the stream's 24 hours of records


@dataclass(frozen=True)
class Change:
    """One stream record of an invoice: the item before and after."""

    old: Decoded | None
    new: Decoded | None

    @property
    def invoice(self) -> tuple[str, str]:
        image = self.new or self.old
        assert image is not None
        return image["organization_id"], image["id"]

    @property
    def version(self) -> int:
        image = self.new or self.old
        assert image is not None
        return int(image["version"])

    def applied(self, mark: Mark | None) -> bool:
        """Whether the rollups hold this change already."""
        if mark is None:
            return False
        if mark.deleted or self.new is None:
            return mark.deleted
        return mark.invoice_version is not None and self.version <= mark.invoice_version

    def delta(self) -> Cells:
        return difference(contribution(self.old), contribution(self.new))

    def mark(self, piece: int | None = None) -> Mark:
        """The mark once this change is applied (up to ``piece``, when part applied)."""
        if piece is not None:
            return Mark(self.version - 1 if self.old else None, piece)
        return Mark(None, None, True) if self.new is None else Mark(self.version)


def is_invoice(image: Mapping[str, Any] | None) -> bool:
    return image is not None and image.get("entity") == "invoice"


def apply_records(records: Iterable[Mapping[str, Any]]) -> int:
    """Apply a batch of Lambda's DynamoDB stream records; returns the transactions written.

    The images are decoded by the repository's codec, which reads any number stored exactly (the
    usual deserializer refuses more than 38 digits, and one such item would block the shard)."""
    return apply_changes(Change(*repository.stream_images(record)) for record in records)


def apply_changes(changes: Iterable[Change]) -> int:
    """Apply the batch's changes not applied yet; returns the transactions written."""
    by_invoice: dict[tuple[str, str], list[Change]] = {}
    for change in changes:
        if is_invoice(change.new) or is_invoice(change.old):
            by_invoice.setdefault(change.invoice, []).append(change)
    if not by_invoice:
        return 0
    marks = repository.get_rollup_marks(by_invoice)
    now = int(time.time())
    writes = plan(by_invoice, marks, now)
    for write in writes:
        repository.write_rollups(write)
    if writes:  # for the daily verification
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        repository.note_changed_organizations({organization for organization, _ in by_invoice}, day, now)
    return len(writes)


def plan(
    by_invoice: Mapping[tuple[str, str], list[Change]], marks: Mapping[tuple[str, str], Mark], now: int
) -> list[RollupWrite]:
    """The transactions that apply each invoice's changes after its mark, packed up to 100 items."""
    small: list[RollupWrite] = []
    large: list[RollupWrite] = []
    for (organization, invoice), changes in by_invoice.items():
        mark = marks.get((organization, invoice))
        pending = [change for change in changes if not change.applied(mark)]
        if not pending:
            continue
        last = pending[-1]
        expires = None if last.new else now + MARK_LIFETIME
        deltas = [change.delta() for change in pending]
        if mark is None or mark.piece is None:
            total: Cells = {}
            for delta in deltas:
                add(total, delta)
            total = nonzero(total)
            if len(total) < TRANSACTION_ITEMS:
                small.append(
                    RollupWrite([MarkMove(organization, invoice, mark, last.mark(), expires)], total)
                )
                continue
        # Too large for one transaction, or part applied: change by change, in pieces of at most 99 cells.
        before = mark
        for change, delta in zip(pending, deltas, strict=True):
            cells = sorted(delta.items())
            size = TRANSACTION_ITEMS - 1  # and the mark
            pieces = [cells[start : start + size] for start in range(0, len(cells), size)] or [[]]
            done = before.piece if before is not None and before.piece is not None else 0
            for index in range(done, len(pieces)):
                after = change.mark(index + 1) if index + 1 < len(pieces) else change.mark()
                expiry = expires if change is last and after.piece is None else None
                large.append(
                    RollupWrite([MarkMove(organization, invoice, before, after, expiry)], dict(pieces[index]))
                )
                before = after
    return _packed(small) + large


def _packed(writes: list[RollupWrite]) -> list[RollupWrite]:
    """Writes of different invoices joined into transactions of at most 100 items, a cell's numbers
    summed (a transaction cannot touch an item twice)."""
    packed: list[RollupWrite] = []
    current = RollupWrite()
    for write in writes:
        joined = len(current.marks) + len(write.marks) + len(current.cells.keys() | write.cells.keys())
        if current.marks and joined > TRANSACTION_ITEMS:
            packed.append(current)
            current = RollupWrite()
        current.marks += write.marks
        add(current.cells, write.cells)
    if current.marks:
        packed.append(current)
    return packed
