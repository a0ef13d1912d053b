"""Trust but verify: recount an organization's rollups from its invoices, report and repair.

A recount reads the organization's rollups, its marks and its invoices (consistently), and adds up
every invoice's ``contribution``. A change the stream has not applied yet (an invoice whose mark is
not at its version, a deletion not applied) is *pending*: ``verify`` recounts until none is, or
reports how many are, since they may explain a difference for a few seconds.

``rebuild`` first moves each invoice's mark to the version it counted (so that a pending record of
a counted change is skipped when it arrives), then adds, to each cell, the recount minus what it
holds, conditional on the marks and on the cell's ``writes`` being as read: a change the stream
applies meanwhile fails the write, and the rebuild starts over from a fresh recount. So it is safe
while writes continue, idempotent (a second run finds nothing to add) and resumable (each
transaction is right on its own). It is also how a deployment with invoices written before the
rollups gets them: those invoices have no mark, and their first recount counts them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from carbon_accounting import repository
from carbon_accounting.repository.records import InvoiceRecord
from carbon_accounting.repository.rollups import TRANSACTION_ITEMS, Mark, MarkMove, MarkMoved, RollupWrite
from carbon_accounting.rollups.contribution import add, contribution, difference
from carbon_accounting.rollups.maintenance import MARK_LIFETIME
from carbon_accounting.rollups.numbers import Cells


@dataclass(frozen=True)
class Difference:
    sk: str
    attribute: str
    stored: Decimal
    recounted: Decimal


@dataclass
class Recount:
    organization_id: UUID
    invoices: int
    cells: int
    pending: int
    differences: list[Difference] = field(default_factory=list)
    writes: dict[tuple[str, str], int] = field(default_factory=dict)
    repair: Cells = field(default_factory=dict)
    marks: list[MarkMove] = field(default_factory=list)
    index: list[tuple[InvoiceRecord, dict[str, str | None]]] = field(default_factory=list)

    def as_report(self, repaired: bool = False) -> dict[str, Any]:
        """What ``rollups verify`` prints (``rollups rebuild``: the differences it repaired)."""
        return {
            "organization_id": str(self.organization_id),
            "invoices": self.invoices,
            "cells": self.cells,
            "marks_behind" if repaired else "pending": self.pending,
            "status_index_stale": len(self.index),
            "repaired" if repaired else "differences": [
                {
                    "sk": difference.sk,
                    "attribute": difference.attribute,
                    "stored": str(difference.stored),
                    "recounted": str(difference.recounted),
                }
                for difference in self.differences
            ],
        }


_BOOKKEEPING = frozenset({"pk", "sk", "entity", "writes"})


def recount(organization_id: UUID) -> Recount:
    """One recount of the organization against its rollups."""
    stored: Cells = {}
    writes: dict[tuple[str, str], int] = {}
    organization = str(organization_id)
    for rollup in repository.organization_rollups(organization_id):
        cell = (organization, rollup["sk"])
        writes[cell] = int(rollup.get("writes") or 0)
        stored[cell] = {
            name: value
            for name, value in rollup.items()
            if name not in _BOOKKEEPING and isinstance(value, Decimal)
        }
    marks = {
        mark["invoice_id"]: Mark.of(mark) for mark in repository.organization_rollup_marks(organization_id)
    }
    counted: Cells = {}
    moves = []
    invoices = 0
    stale_index: list[tuple[InvoiceRecord, dict[str, str | None]]] = []
    for item in repository.organization_invoice_items(organization_id):
        invoices += 1
        if keys := repository.stale_status_index(organization_id, item):
            stale_index.append((item, keys))
        mark, counted_as = marks.pop(item["id"], None), Mark(int(item["version"]))
        if mark != counted_as:
            moves.append(MarkMove(organization, item["id"], mark, counted_as))
        add(counted, contribution(item))
    # Marks left: invoices deleted; those whose deletion the rollups do not hold yet are pending.
    moves += [
        MarkMove(organization, invoice, mark, Mark(deleted=True), int(time.time()) + MARK_LIFETIME)
        for invoice, mark in marks.items()
        if not mark.deleted
    ]
    pending = len(moves)
    repair = difference(stored, counted)
    found = Recount(organization_id, invoices, len(stored), pending)
    found.writes, found.repair, found.marks, found.index = writes, repair, moves, stale_index
    for cell, numbers in sorted(repair.items()):
        for name, _ in sorted(numbers.items()):
            before = stored.get(cell, {}).get(name, Decimal(0))
            after = counted.get(cell, {}).get(name, Decimal(0))
            found.differences.append(Difference(cell[1], name, before, after))
    return found


def verify(
    organization_id: UUID, attempts: int = 5, wait: float = 2.0, sleep: Callable[[float], None] = time.sleep
) -> Recount:
    """A recount with no change pending, or the last one tried (its ``pending`` then says so)."""
    for attempt in range(attempts):
        found = recount(organization_id)
        if not found.pending:
            return found
        if attempt + 1 < attempts:
            sleep(wait)
    return found


def rebuild(
    organization_id: UUID, attempts: int = 10, wait: float = 2.0, sleep: Callable[[float], None] = time.sleep
) -> Recount:
    """Repair the organization's rollups to the recount; returns the recount it repaired from.

    Raises ``RuntimeError`` when writes kept coming through every attempt (run it again)."""
    for attempt in range(attempts):
        found = recount(organization_id)
        try:
            _write(found)
        except MarkMoved:
            pass  # a change landed meanwhile: recount
        else:
            # Invoices written before gsi4 (the list's status filter) get their keys; one that changed
            # since was given them by its own write.
            for item, keys in found.index:
                repository.fix_status_index(organization_id, item, keys)
            return found
        if attempt + 1 < attempts:
            sleep(wait)
    raise RuntimeError(
        f"organization {organization_id}: changes kept arriving during {attempts} recounts; run rebuild again"
    )


def _write(found: Recount) -> None:
    """The marks first (a pending record of a counted change is then skipped), then the cells."""
    for start in range(0, len(found.marks), TRANSACTION_ITEMS):
        repository.write_rollups(RollupWrite(marks=found.marks[start : start + TRANSACTION_ITEMS]))
    cells = sorted(found.repair.items())
    for start in range(0, len(cells), TRANSACTION_ITEMS):
        chunk = dict(cells[start : start + TRANSACTION_ITEMS])
        repository.write_rollups(RollupWrite(cells=chunk), expected_writes=found.writes)


@dataclass
class DailyCheck:
    """What the daily verification found: the organizations recounted, their differences, and those
    it had no time left for (the next run does not retry them: ``rollups verify`` does)."""

    day: str
    verified: list[Recount] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)

    @property
    def differences(self) -> int:
        return sum(len(found.differences) for found in self.verified)


def verify_changed(day: str, time_left_ms: Callable[[], int], reserve_ms: int = 60_000) -> DailyCheck:
    """Recount every organization whose rollups changed on ``day``, while time is left."""
    check = DailyCheck(day)
    for organization in sorted(repository.changed_organizations(day)):
        if time_left_ms() < reserve_ms:
            check.unverified.append(organization)
            continue
        check.verified.append(verify(UUID(organization), attempts=3))
    return check
