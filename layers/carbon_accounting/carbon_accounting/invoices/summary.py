"""The emissions dashboard: totals of active invoices, grouped by facility, type, scope and/or month.

Read from the rollups (``carbon_accounting.rollups``), never by reading every invoice: a window of
whole months (a month, a quarter, a year, or no bound) reads the organization's month items (or its
facilities' months, grouped or filtered by facility) and nothing else, so its cost follows months by
facilities, not invoices. A window that starts or ends within a month takes the whole months inside
it from the rollups and the days at its edges from the invoices that overlap them (the rollups of
an edge month say, per facility, the earliest month those invoices start in; docs/data-model.md).

A distributed invoice counts once, through its children (each in its facility's organization); its
parent is never summed. An invoice counts the figures the engine computed for each calendar year of
its period, spread over that year's months by days, so that the summary of a year equals the
engine's figures for that year; the window takes its share of them by days.

Grouped by scope, an invoice is split into its ``emissions_by_scope`` parts: each part counts in the
group of its scope (and, for Scope 3, a ``category`` key), so an electricity invoice's upstream and
losses are Scope 3, and Scope 2 is given both ways (``co2e`` market-based, ``co2e_location_based``).
Biogenic CO2, outside of the scopes, stays with the invoice's primary scope; its quantity and count
are in every group it has a part in, and once in the total.
"""

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from carbon_accounting import emissions, repository
from carbon_accounting.base import Model
from carbon_accounting.errors import BadRequest
from carbon_accounting.models import Caller, InvoiceStatus
from carbon_accounting.rollups.contribution import (
    FACILITY_MONTH,
    MONTH,
    TOTAL,
    Window,
    facility_month_sk,
    month_sk,
    monthly,
)
from carbon_accounting.rollups.inventory import PREFIX as INVENTORY
from carbon_accounting.rollups.numbers import SCALE, month_of

GroupBy = Literal["facility", "type", "scope", "month"]
_FIGURES = ("co2e", "co2e_location_based", "co2e_biomass")


class UnitQuantity(Model):
    unit_id: UUID
    unit: str
    quantity: float


class Totals(Model):
    co2e: float
    co2e_location_based: float
    co2e_biomass: float
    quantity: list[UnitQuantity]
    invoices: int


class Group(Totals):
    key: dict[str, str | int]


class EmissionsSummary(Model):
    start_date: date | None
    end_date: date | None
    group_by: list[GroupBy]
    groups: list[Group]
    total: Totals


@dataclass(frozen=True)
class _Row:
    """One month's numbers (of the organization, or of one facility): ``<type>|<part>|<figure>``."""

    month: str
    facility: str | None
    numbers: Mapping[str, Decimal]


@dataclass
class _Accumulator:
    figures: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(_FIGURES, Decimal(0)))
    quantity: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    invoices: Decimal = Decimal(0)

    def add(self, figure: list[str], value: Decimal, counted: bool) -> None:
        if figure[0] == "q":
            self.quantity[figure[1]] += value
        elif figure[0] in ("starts", "continues"):
            if figure[0] == "starts" or counted:
                self.invoices += value
        else:
            self.figures[figure[0]] += value

    def totals(self) -> dict[str, object]:
        quantities = [
            UnitQuantity(
                unit_id=UUID(unit_id),
                unit=getattr(emissions.unit(UUID(unit_id)), "name", ""),
                quantity=float(amount / SCALE),
            )
            for unit_id, amount in sorted(self.quantity.items())
            if amount
        ]
        figures = {name: float(value / SCALE) for name, value in self.figures.items()}
        return {**figures, "quantity": quantities, "invoices": int(self.invoices)}


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _part_key(part: str) -> dict[str, int]:
    scope, _, category = part.partition(".")
    return {"scope": int(scope), **({"category": int(category)} if category else {})}


def summarize(
    caller: Caller,
    group_by: list[GroupBy],
    start_date: date | None = None,
    end_date: date | None = None,
    facility_ids: list[UUID] | None = None,
    types: list[str] | None = None,
) -> EmissionsSummary:
    """Totals of the organization's active invoices within the window, per group."""
    if start_date and end_date and end_date < start_date:
        raise BadRequest("end_date is before start_date", "INVALID_DATE_RANGE")
    facilities = {str(facility) for facility in facility_ids or ()}
    by_facility = "facility" in group_by or bool(facilities)
    rows = _rows(caller.organization_id, start_date, end_date, by_facility)
    first_month = month_of(start_date) if start_date else None
    groups: dict[tuple[tuple[str, str | int], ...], _Accumulator] = defaultdict(_Accumulator)
    total = _Accumulator()
    for row in rows:
        if facilities and row.facility not in facilities:
            continue
        # An invoice counts once in the window: where it starts, or continuing into its first month.
        counted = row.month == first_month
        for name, value in row.numbers.items():
            kind, part, *figure = name.split("|")
            if types and kind not in types:
                continue
            if part == TOTAL:
                total.add(figure, value, counted)
            if ("scope" in group_by) == (part == TOTAL):
                continue
            values: dict[str, str] = {"facility": row.facility or "", "type": kind, "month": row.month}
            key = tuple(
                entry
                for name_ in group_by
                for entry in (_part_key(part).items() if name_ == "scope" else [(name_, values[name_])])
            )
            groups[key].add(figure, value, counted or "month" in group_by)
    ordered = sorted(
        ((key, accumulator) for key, accumulator in groups.items() if accumulator.invoices),
        key=lambda entry: [str(value) for _, value in entry[0]],
    )
    return EmissionsSummary(
        start_date=start_date,
        end_date=end_date,
        group_by=group_by,
        groups=[Group(key=dict(key), **accumulator.totals()) for key, accumulator in ordered],
        total=Totals(**total.totals()),
    )


def _rows(organization_id: UUID, start: date | None, end: date | None, by_facility: bool) -> list[_Row]:
    """The months of the window: whole months from the rollups, the days of a month cut by the window
    from the invoices that overlap them."""
    edges = []
    if start is not None and start.day != 1:
        edges.append(Window(start, min(_month_end(start), end or _month_end(start))))
    if (
        end is not None
        and end != _month_end(end)
        and not (edges and month_of(edges[0].first) == month_of(end))
    ):
        edges.append(Window(max(start, end.replace(day=1)) if start else end.replace(day=1), end))
    cut = {month_of(edge.first) for edge in edges}
    whole_from = month_of(start) if start else None
    whole_to = month_of(end) if end else None
    rows = [
        row
        for row in _rollup_rows(organization_id, whole_from, whole_to, by_facility)
        if row.month not in cut
    ]
    for edge in edges:
        rows += _edge_rows(organization_id, edge, by_facility)
    return rows


def _rollup_rows(
    organization_id: UUID, first: str | None, last: str | None, by_facility: bool
) -> Iterable[_Row]:
    prefix = FACILITY_MONTH if by_facility else MONTH
    first_sk = (facility_month_sk(first, "") if by_facility else month_sk(first)) if first else prefix
    last_sk = (facility_month_sk(last, "~") if by_facility else month_sk(last)) if last else prefix + "~"
    for item in repository.rollup_cells(organization_id, first_sk, last_sk):
        month, _, facility = item["sk"].removeprefix(prefix).partition("#")
        numbers = {
            name: value
            for name, value in item.items()
            if name.count("|") >= 2 and value and not name.startswith(INVENTORY)
        }
        yield _Row(month, facility or None, numbers)


def _edge_rows(organization_id: UUID, edge: Window, by_facility: bool) -> list[_Row]:
    """A month cut by the window: its active invoices' figures for the days within, by facility.

    The facility's month in the rollups counts its invoices by the month they start in (``since``):
    one Query per facility with invoices that month reads those starting from the earliest of them
    to the window's end, not the facility's whole history."""
    month = month_of(edge.first)
    prefix = facility_month_sk(month, "")
    rows = []
    for cell in repository.rollup_cells(organization_id, prefix, facility_month_sk(month, "~")):
        since = [
            name.removeprefix("since|") for name, count in cell.items() if name.startswith("since|") and count
        ]
        if not since:
            continue
        facility = cell["sk"].removeprefix(prefix)
        invoices = repository.facility_invoices(
            organization_id,
            UUID(facility),
            starting_from=f"{min(since)}-01",
            starting_until=edge.last.isoformat(),
            page_size=100,
        )
        numbers: dict[str, Decimal] = defaultdict(Decimal)
        for item in invoices:
            if item["status"] != InvoiceStatus.ACTIVE or item.get("co2e") is None:
                continue
            for name, value in monthly(item, edge).get(month, {}).items():
                numbers[f"{item['type']}|{name}"] += value
        rows.append(_Row(month, facility if by_facility else None, numbers))
    return rows
