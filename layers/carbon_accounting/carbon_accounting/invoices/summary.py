"""The emissions dashboard: totals of active invoices, grouped by facility, type, scope and/or month.

A distributed invoice counts once, through its children (each in its facility's organization); its
parent is never summed. An invoice whose period crosses the asked window, or several months, counts
pro rata by days, the way the engine prorates a period across years.

Grouped by scope, an invoice is split into its ``emissions_by_scope`` parts: each part counts in the
group of its scope (and, for Scope 3, a ``category`` key), so an electricity invoice's upstream and
losses are Scope 3, and Scope 2 is given both ways (``co2e`` market-based, ``co2e_location_based``).
Biogenic CO2, outside of the scopes, stays with the invoice's primary scope; its quantity and count
are in every group it has a part in, and once in the total.
"""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Literal
from uuid import UUID

from carbon_accounting import emissions, repository
from carbon_accounting.base import Model
from carbon_accounting.errors import BadRequest
from carbon_accounting.models import Caller, InvoiceStatus

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

    def add(self, item: dict[str, Any], share: float, figures: dict[str, Any] | None = None) -> None:
        for name in _FIGURES:
            self.figures[name] += float((figures or item).get(name) or 0) * share
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


def _scope_parts(item: dict[str, Any]) -> list[tuple[dict[str, int], dict[str, Any]]]:
    """The group key and figures of each of an invoice's scope parts."""
    primary = int(item.get("scope") or 0)
    parts = item.get("emissions_by_scope")
    if not parts:  # computed before methodology 2, until the daily run recomputes it: its primary scope
        return [({"scope": primary}, item)]
    split = []
    biomass = item.get("co2e_biomass")
    for part in parts:
        key = {"scope": int(part["scope"])}
        if part.get("category") is not None:
            key["category"] = int(part["category"])
        figures = {"co2e": part["co2e"], "co2e_location_based": part["co2e_location_based"]}
        if biomass and key["scope"] == primary:
            figures["co2e_biomass"], biomass = biomass, None
        split.append((key, figures))
    if biomass and split:  # no part in the primary scope: the biogenic CO2 still counts once
        split[0][1]["co2e_biomass"] = biomass
    return split


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
        values = {"facility": item["facility_id"], "type": item["type"]}
        periods = _months(first, last) if "month" in group_by else [("", (last - first).days + 1)]
        parts = _scope_parts(item) if "scope" in group_by else [({}, None)]
        for month, period_days in periods:
            for scope, figures in parts:
                key = tuple(
                    entry
                    for name in group_by
                    for entry in (
                        scope.items()
                        if name == "scope"
                        else [(name, month if name == "month" else values[name])]
                    )
                )
                groups[key].add(item, period_days / days, figures)
            total.add(item, period_days / days)
    ordered = sorted(groups.items(), key=lambda entry: [str(value) for _, value in entry[0]])
    return EmissionsSummary(
        start_date=start_date,
        end_date=end_date,
        group_by=group_by,
        groups=[Group(key=dict(key), **accumulator.totals()) for key, accumulator in ordered],
        total=Totals(**total.totals()),
    )
