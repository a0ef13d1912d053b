"""What one invoice adds to its organization's rollups: pure, an invoice item in, cells out.

A cell is one rollup item, ``(organization id, sort key)``, and the numbers the invoice adds to its
attributes. An invoice adds:

- to the counts (``ROLLUP#COUNTS``, the organization's own invoices, as ``GET /v1/invoices`` lists
  them: single ones and distributed parents; ``ROLLUP#COUNTS#<facility>``, a facility's invoices,
  as its casted list shows them: single ones and distributed children) ``n|<status>|<type>`` 1;
- while ``active`` with figures and a facility (single invoices and children: a distributed invoice
  counts once, through its facilities), to each month its period touches, in the organization's
  month (``ROLLUP#MONTH#<YYYY-MM>``) and the facility's (``ROLLUP#FACILITY_MONTH#<YYYY-MM>#<facility>``):
  ``<type>|<part>|<figure>`` for ``co2e``, ``co2e_location_based``, ``co2e_biomass`` and
  ``q|<unit id>`` (the quantity), and ``<type>|<part>|starts`` or ``continues`` 1 (the month its
  period starts in, or a later one: an invoice counts once in a window of months as the starts in
  the window plus the continuations into its first month). ``<part>`` is ``*`` (the invoice) or a
  scope part (``2``, ``3.3``, ...) of ``emissions_by_scope``; biogenic CO2 goes with the primary
  scope's part, and the quantity and counts with every part, as the summary groups them. A
  facility's month also counts ``since|<YYYY-MM>``: its active invoices in that month by the month
  they start in, which bounds what a window starting mid-month must read; and what the inventory
  report reads, ``inv|...`` (``rollups.inventory``).
- to its supply point, what ``rollups.supply`` says (a single invoice or a child, whatever its status).

The figures of each calendar year are the engine's for that year (``emissions_by_year``), spread over
that year's months by days, so that a year's rollups add up to the engine's figures for that year;
figures computed before they were recorded by year are spread over the whole period by days. Every
figure and quantity is kept as an integer count of billionths (``SCALE``: 1e-9 kg, 1e-9 of the unit),
so that adding a contribution and later subtracting the same one leaves the stored sum exactly as it
was, whatever the order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from carbon_accounting.rollups.inventory import inventory_numbers
from carbon_accounting.rollups.numbers import Cells, months, share
from carbon_accounting.rollups.supply import supply_cells

if TYPE_CHECKING:  # the records are types only here: this module stays pure
    from carbon_accounting.repository.records import (
        Decoded,
        InvoiceRecord,
        RollupRecord,
        ScopePartRecord,
        YearRecord,
    )

COUNTS = "ROLLUP#COUNTS"
MONTH = "ROLLUP#MONTH#"
FACILITY_MONTH = "ROLLUP#FACILITY_MONTH#"
TOTAL = "*"  # the part that is the whole invoice
ACTIVE = "active"


def counts_sk(facility_id: str | None = None) -> str:
    return f"{COUNTS}#{facility_id}" if facility_id else COUNTS


def month_sk(month: str) -> str:
    return f"{MONTH}{month}"


def facility_month_sk(month: str, facility_id: str) -> str:
    return f"{FACILITY_MONTH}{month}#{facility_id}"


@dataclass(frozen=True)
class Window:
    """Inclusive days; an invoice's figures are taken for the days of its period within."""

    first: date
    last: date


def _part_key(part: ScopePartRecord) -> str:
    category = part.get("category")
    return f"{int(part['scope'])}" if category is None else f"{int(part['scope'])}.{int(category)}"


def _segments(item: InvoiceRecord, start: date, end: date) -> list[tuple[date, int, YearRecord]]:
    """``(first day, days, figures)`` of the period ``start``..``end``: each calendar year's figures
    over that year's days, or the whole period's, for figures computed before they were recorded by
    year."""
    by_year = item.get("emissions_by_year")
    if not by_year:
        whole: YearRecord = {
            "co2e": item.get("co2e") or 0,
            "co2e_location_based": item.get("co2e_location_based") or 0,
            "co2e_biomass": item.get("co2e_biomass") or 0,
            "by_scope": item.get("emissions_by_scope") or [],
        }
        return [(start, (end - start).days + 1, whole)]
    return [(max(start, date(int(year["year"]), 1, 1)), int(year["days"]), year) for year in by_year]


def _parts(item: InvoiceRecord, figures: YearRecord) -> dict[str, dict[str, Any]]:
    """The figures of a segment by part: the whole invoice, and each scope part; biogenic CO2 with
    the primary scope's part (or the first, when the primary scope has none)."""
    parts: dict[str, dict[str, Any]] = {
        TOTAL: {
            "co2e": figures.get("co2e") or 0,
            "co2e_location_based": figures.get("co2e_location_based") or 0,
            "co2e_biomass": figures.get("co2e_biomass") or 0,
        }
    }
    scope_parts = figures.get("by_scope") or []
    if not scope_parts and not item.get("emissions_by_scope"):
        # Computed before methodology 2, until recomputed: all of it in the primary scope.
        parts[str(int(item.get("scope") or 0))] = dict(parts[TOTAL])
        return parts
    for part in scope_parts:
        parts[_part_key(part)] = {"co2e": part["co2e"], "co2e_location_based": part["co2e_location_based"]}
    biomass = figures.get("co2e_biomass")
    if biomass and len(parts) > 1:
        primary = str(int(item.get("scope") or 0))
        keys = [key for key in parts if key != TOTAL]
        parts[primary if primary in parts else keys[0]]["co2e_biomass"] = biomass
    return parts


def monthly(item: InvoiceRecord, window: Window | None = None) -> dict[str, dict[str, Decimal]]:
    """An active invoice's figures by month (``YYYY-MM``) and ``<part>|<figure>`` (see the module),
    of the days of its period within ``window`` (all of them when None)."""
    start, end = date.fromisoformat(item["start_date"]), date.fromisoformat(item["end_date"])
    first, last = (max(start, window.first), min(end, window.last)) if window else (start, end)
    out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    total_days, unit = (end - start).days + 1, item["unit_id"]
    first_month = item["start_date"][:7]  # the period's own, whatever the window
    for segment_first, days, figures in _segments(item, start, end):
        parts = _parts(item, figures)
        segment_last = min(end, segment_first + timedelta(days=days - 1))
        for month, month_first, month_last in months(max(first, segment_first), min(last, segment_last)):
            in_month = (month_last - month_first).days + 1
            into_segment, into_period = (month_first - segment_first).days, (month_first - start).days
            cell = out[month]
            for key, values in parts.items():
                for name, value in values.items():
                    if value:
                        cell[f"{key}|{name}"] += share(value, days, into_segment, in_month)
                cell[f"{key}|q|{unit}"] += share(item["quantity"], total_days, into_period, in_month)
    for month, cell in out.items():
        for key in {name.split("|", 1)[0] for name in cell}:
            cell[f"{key}|{'starts' if month == first_month else 'continues'}"] = Decimal(1)
    return out


def contribution(image: Decoded | InvoiceRecord | None) -> Cells:
    """What an invoice item (a stream image, or an item read) adds to the rollups; ``{}`` for None or
    any other item."""
    if not image or image.get("entity") != "invoice":
        return {}
    item = cast("InvoiceRecord", image)
    organization, status, kind = item["organization_id"], item["status"], item.get("type") or ""
    cells: Cells = defaultdict(lambda: defaultdict(Decimal))
    count = f"n|{status}|{kind}"
    if not item.get("source_invoice_id"):
        cells[(organization, COUNTS)][count] += 1
    facility = item.get("facility_id")
    if facility:
        cells[(organization, counts_sk(facility))][count] += 1
        if status == ACTIVE and item.get("co2e") is not None and item.get("start_date"):
            since = item["start_date"][:7]
            by_month = monthly(item)
            for month, figures in by_month.items():
                for name, value in figures.items():
                    cells[(organization, month_sk(month))][f"{kind}|{name}"] += value
                    cells[(organization, facility_month_sk(month, facility))][f"{kind}|{name}"] += value
                cells[(organization, facility_month_sk(month, facility))][f"since|{since}"] += 1
            for month, numbers in inventory_numbers(item, by_month).items():
                for name, value in numbers.items():
                    cells[(organization, facility_month_sk(month, facility))][name] += value
        cells.update(supply_cells(item))
    return cells


def invoice_counts(item: RollupRecord) -> dict[tuple[str, str], int]:
    """A counts item read: ``{(status, type): number}``."""
    counts = {}
    for name, value in item.items():
        kind, _, rest = name.partition("|")
        if kind == "n" and value:
            status, _, invoice_type = rest.partition("|")
            counts[(status, invoice_type)] = int(value)
    return counts


def difference(old: Cells, new: Cells) -> Cells:
    """``new`` minus ``old``, without the numbers that did not change (and cells left empty)."""
    out: Cells = {}
    for cell in old.keys() | new.keys():
        before, after = old.get(cell, {}), new.get(cell, {})
        changed = {
            name: after.get(name, Decimal(0)) - before.get(name, Decimal(0))
            for name in before.keys() | after.keys()
        }
        changed = {name: value for name, value in changed.items() if value}
        if changed:
            out[cell] = changed
    return out


def nonzero(cells: Cells) -> Cells:
    """``cells`` without the numbers that are 0, and the cells left empty."""
    kept = {
        cell: {name: value for name, value in numbers.items() if value} for cell, numbers in cells.items()
    }
    return {cell: numbers for cell, numbers in kept.items() if numbers}


def add(total: Cells, more: Cells) -> None:
    """Add ``more`` into ``total``, cell by cell."""
    for cell, values in more.items():
        into = total.setdefault(cell, {})
        for name, value in values.items():
            into[name] = into.get(name, Decimal(0)) + value
