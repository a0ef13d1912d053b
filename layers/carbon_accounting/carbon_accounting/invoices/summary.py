"""The emissions dashboard: totals of active invoices, grouped by facility, type, scope and/or month.

A distributed invoice counts once, through its children (each in its facility's organization); its
parent is never summed. An invoice whose period crosses the asked window, or several months, counts
pro rata by days, the way the engine prorates a period across years.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel

from carbon_accounting import emissions, repository
from carbon_accounting.errors import BadRequest
from carbon_accounting.models import Caller, InvoiceStatus

GroupBy = Literal["facility", "type", "scope", "month"]
_FIGURES = ("co2e", "co2e_location_based", "co2e_biomass")


class UnitQuantity(BaseModel):
    unit_id: UUID
    unit: str
    quantity: float


class Totals(BaseModel):
    co2e: float
    co2e_location_based: float
    co2e_biomass: float
    quantity: list[UnitQuantity]
    invoices: int


class Group(Totals):
    key: dict[str, str | int]


class EmissionsSummary(BaseModel):
    start_date: date | None
    end_date: date | None
    group_by: list[GroupBy]
    groups: list[Group]
    total: Totals


def _months(start: date, end: date) -> list[tuple[str, int]]:
    """``(YYYY-MM, days)`` for each month the inclusive period touches."""
    parts, day = [], start
    while day <= end:
        next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        last = min(end, next_month - timedelta(days=1))
        parts.append((day.strftime("%Y-%m"), (last - day).days + 1))
        day = next_month
    return parts


class _Accumulator:
    def __init__(self) -> None:
        self.figures = dict.fromkeys(_FIGURES, 0.0)
        self.quantity: dict[str, float] = defaultdict(float)
        self.invoices: set[str] = set()

    def add(self, item: dict[str, Any], share: float) -> None:
        for name in _FIGURES:
            self.figures[name] += float(item.get(name) or 0) * share
        self.quantity[item["unit_id"]] += float(item["quantity"]) * share
        self.invoices.add(item["id"])

    def totals(self) -> dict[str, Any]:
        quantities = [
            UnitQuantity(
                unit_id=UUID(unit_id),
                unit=getattr(emissions.unit(UUID(unit_id)), "name", ""),
                quantity=amount,
            )
            for unit_id, amount in sorted(self.quantity.items())
        ]
        return {**self.figures, "quantity": quantities, "invoices": len(self.invoices)}


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
    groups: dict[tuple[tuple[str, str | int], ...], _Accumulator] = defaultdict(_Accumulator)
    total = _Accumulator()
    for item in repository.organization_facility_invoices(caller.organization_id, str(InvoiceStatus.ACTIVE)):
        if (facilities and item["facility_id"] not in facilities) or (types and item["type"] not in types):
            continue
        begins, ends = date.fromisoformat(item["start_date"]), date.fromisoformat(item["end_date"])
        days = (ends - begins).days + 1
        first, last = max(begins, start_date or begins), min(ends, end_date or ends)
        if first > last:
            continue
        values = {"facility": item["facility_id"], "type": item["type"], "scope": int(item.get("scope") or 0)}
        periods = _months(first, last) if "month" in group_by else [("", (last - first).days + 1)]
        for month, period_days in periods:
            key = tuple((name, month if name == "month" else values[name]) for name in group_by)
            groups[key].add(item, period_days / days)
            total.add(item, period_days / days)
    ordered = sorted(groups.items(), key=lambda entry: [str(value) for _, value in entry[0]])
    return EmissionsSummary(
        start_date=start_date,
        end_date=end_date,
        group_by=group_by,
        groups=[Group(key=dict(key), **accumulator.totals()) for key, accumulator in ordered],
        total=Totals(**total.totals()),
    )
