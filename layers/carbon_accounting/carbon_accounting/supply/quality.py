"""An invoice's quality flags: set with its figures (``invoices.calculation``), never blocking them.

- ``estimated``: the bill says its reading is estimated (``reading``);
- ``duplicate``: another invoice of its supply point bills the same days with the same quantity;
- ``overlap``: more than one of its days is billed by another invoice of its supply point too;
- ``outlier``: its daily consumption is more than 3 standard deviations (the sample's) from the mean
  of its supply point's previous 12 invoices (at least 4 of them), or more than 50% above or below
  the same period a year before (when invoices cover at least half of that period).

Its neighbours are read from its facility's invoices by billing period (gsi1): those starting in
the two years before it and during it, its supply point's (``supply.identifiers.point_of``) that
count (``rollups.supply.covers``), in a unit of its unit's kind. A flag about another invoice is on
each invoice whose calculation finds the other there; the next calculation refreshes it.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from uuid import UUID

from carbon_accounting import emissions, repository
from carbon_accounting.repository.records import InvoiceRecord, QualityFlagRecord
from carbon_accounting.rollups.supply import covers
from carbon_accounting.supply.identifiers import point_of

LOOKBACK_DAYS = 731
PREVIOUS = 12
AT_LEAST = 4
SIGMAS = 3
YEAR_CHANGE = 0.5


def estimated(reading: str | None) -> list[QualityFlagRecord]:
    if reading != "estimated":
        return []
    return [{"kind": "estimated", "detail": "The bill's meter reading is estimated, not read"}]


def with_reading(flags: list[QualityFlagRecord], reading: str | None) -> list[QualityFlagRecord]:
    """``flags`` with the ``estimated`` one as ``reading`` says (a PATCH of the reading alone)."""
    return [flag for flag in flags if flag["kind"] != "estimated"] + estimated(reading)


def _period(invoice: InvoiceRecord) -> tuple[date, date]:
    return date.fromisoformat(invoice["start_date"]), date.fromisoformat(invoice["end_date"])


def _year_before(day: date) -> date:
    return (
        day.replace(year=day.year - 1, day=28)
        if (day.month, day.day) == (2, 29)
        else day.replace(year=day.year - 1)
    )


def flags(invoice: InvoiceRecord) -> list[QualityFlagRecord]:
    """The invoice's flags (see the module): one read of its facility's index, none without one."""
    found = estimated(invoice.get("reading"))
    point = point_of(invoice)
    unit = emissions.unit(UUID(invoice["unit_id"])) if invoice.get("unit_id") else None
    if point is None or unit is None:
        return found
    start, end = _period(invoice)
    neighbours = []
    for other in repository.facility_invoices(
        UUID(invoice["organization_id"]),
        UUID(point.facility_id),
        starting_from=(start - timedelta(days=LOOKBACK_DAYS)).isoformat(),
        starting_until=end.isoformat(),
        point=point.id,
    ):
        other_point = point_of(other)
        other_unit = emissions.unit(UUID(other["unit_id"]))
        if (
            other["id"] != invoice["id"]
            and covers(other)
            and other_point is not None
            and other_point.id == point.id
            and other_unit is not None
            and other_unit.type == unit.type
        ):
            # Its quantity in this invoice's unit.
            quantity = float(other["quantity"]) * other_unit.per_canonical / unit.per_canonical
            neighbours.append((other, quantity))
    days = (end - start).days + 1
    daily = float(invoice["quantity"]) / days
    duplicates = [
        other
        for other, quantity in neighbours
        if _period(other) == (start, end) and quantity == float(invoice["quantity"])
    ]
    found += [
        {"kind": "duplicate", "detail": f"Invoice {other['id']} bills the same quantity for the same days"}
        for other in duplicates[:1]
    ]
    for other, _ in neighbours:
        first, last = max(start, _period(other)[0]), min(end, _period(other)[1])
        if other not in duplicates and (last - first).days >= 1:
            found.append(
                {
                    "kind": "overlap",
                    "detail": f"{(last - first).days + 1} days ({first} to {last}) are billed by invoice "
                    f"{other['id']} too",
                }
            )
            break
    outlier = _against_previous(start, daily, neighbours, unit.symbol) or _against_last_year(
        start, end, daily, neighbours
    )
    if outlier:
        found.append({"kind": "outlier", "detail": outlier})
    return found


def _against_previous(
    start: date, daily: float, neighbours: list[tuple[InvoiceRecord, float]], unit: str
) -> str | None:
    previous = sorted(
        ((other, quantity) for other, quantity in neighbours if _period(other)[0] < start),
        key=lambda pair: pair[0]["start_date"],
    )[-PREVIOUS:]
    if len(previous) < AT_LEAST:
        return None
    rates = [quantity / ((_period(other)[1] - _period(other)[0]).days + 1) for other, quantity in previous]
    mean, deviation = statistics.fmean(rates), statistics.stdev(rates)
    distance = abs(daily - mean)
    if distance <= SIGMAS * deviation or (deviation == 0 and distance <= 1e-9 * abs(mean)):
        return None
    apart = f"{distance / deviation:.1f} standard deviations from" if deviation else "unlike"
    return (
        f"{daily:.6g} {unit} a day is {apart} the mean ({mean:.6g} {unit} a day) of the supply "
        f"point's previous {len(previous)} invoices"
    )


def _against_last_year(
    start: date, end: date, daily: float, neighbours: list[tuple[InvoiceRecord, float]]
) -> str | None:
    first, last = _year_before(start), _year_before(end)
    covered, consumed = 0, 0.0
    for other, quantity in neighbours:
        other_start, other_end = _period(other)
        overlap = (min(last, other_end) - max(first, other_start)).days + 1
        if overlap > 0:
            covered += overlap
            consumed += quantity * overlap / ((other_end - other_start).days + 1)
    if covered * 2 < (last - first).days + 1 or consumed <= 0:
        return None
    change = daily / (consumed / covered) - 1
    if abs(change) <= YEAR_CHANGE:
        return None
    return f"{change:+.0%} a day from the same period a year before ({first} to {last})"
