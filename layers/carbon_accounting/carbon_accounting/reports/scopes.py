"""The inventory's scopes from the window's sums: Scope 1 by fuel and facility, Scope 2 both ways by
facility and country with its contractual instruments, Scope 3 by category and line, and every scope
by month and by facility."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from uuid import UUID

from carbon_accounting import emissions
from carbon_accounting.models import Facility, Organization
from carbon_accounting.reports.energy import electricity_bought, mwh
from carbon_accounting.reports.models import (
    Category,
    CategoryLine,
    ContractualInstruments,
    CountryLine,
    FacilityLine,
    FuelLine,
    MonthLine,
    ScopeOne,
    ScopeThree,
    ScopeTwo,
)
from carbon_accounting.reports.sums import Sum, Sums, by_part, from_billionths, quantities
from carbon_accounting.rollups.numbers import months

CATEGORIES = {
    1: "Purchased goods and services (water supply)",
    3: "Fuel- and energy-related activities",
    5: "Waste generated in operations (water treatment)",
}


def facility_lines(
    sums: dict[str, Sum], facilities: dict[str, Facility], owners: dict[str, Organization]
) -> list[FacilityLine]:
    lines = []
    for facility_id, amount in sums.items():
        facility, owner = facilities.get(facility_id), owners.get(facility_id)
        lines.append(
            FacilityLine(
                facility_id=UUID(facility_id),
                facility=facility.name if facility else "",
                organization_id=owner.id if owner else UUID(int=0),
                organization=owner.name if owner else "",
                country=facility.country if facility else "",
                **amount.line(),
            )
        )
    return sorted(lines, key=lambda line: (-line.co2e, line.facility))


def by_month(sums: Sums, start: date, end: date) -> list[MonthLine]:
    lines = []
    for month, _, _ in months(start, end):
        scope_3 = sum(
            (
                amount.co2e
                for (at, part), amount in sums.months.items()
                if at == month and part.startswith("3.")
            ),
            Decimal(0),
        )
        lines.append(
            MonthLine(
                month=month,
                scope_1=from_billionths(sums.months[(month, "1")].co2e),
                scope_2_location_based=from_billionths(sums.months[(month, "2")].co2e_location_based),
                scope_2_market_based=from_billionths(sums.months[(month, "2")].co2e),
                scope_3=from_billionths(scope_3),
            )
        )
    return lines


def scope_one(sums: Sums, facilities: dict[str, Facility], owners: dict[str, Organization]) -> ScopeOne:
    by_facility = by_part(sums, "1")
    total = Sum()
    for amount in by_facility.values():
        total += amount
    fuels = []
    for (fuel_id, part), amount in sorted(sums.fuels.items()):
        fuel = emissions.fuel(UUID(fuel_id))
        if part == "1" and fuel is not None:
            fuels.append(
                FuelLine(
                    fuel_id=fuel.id, fuel=fuel.name, quantity=quantities(amount.quantity), **amount.line()
                )
            )
    return ScopeOne(
        co2e=from_billionths(total.co2e),
        invoices=int(total.invoices),
        by_fuel=sorted(fuels, key=lambda line: (-line.co2e, line.fuel)),
        by_facility=facility_lines(by_facility, facilities, owners),
    )


def scope_two(sums: Sums, facilities: dict[str, Facility], owners: dict[str, Organization]) -> ScopeTwo:
    by_facility = by_part(sums, "2")
    total, countries = Sum(), defaultdict[str, Sum](Sum)
    for facility_id, amount in by_facility.items():
        total += amount
        facility = facilities.get(facility_id)
        countries[facility.country if facility else ""] += amount
    electricity, certified = electricity_bought(sums)
    return ScopeTwo(
        location_based=from_billionths(total.co2e_location_based),
        market_based=from_billionths(total.co2e),
        invoices=int(total.invoices),
        by_facility=facility_lines(by_facility, facilities, owners),
        by_country=[
            CountryLine(country=country, **amount.line())
            for country, amount in sorted(countries.items(), key=lambda entry: (-entry[1].co2e, entry[0]))
        ],
        contractual_instruments=ContractualInstruments(
            electricity_mwh=mwh(electricity / 1000),
            certified_mwh=mwh(certified / 1000),
            certified_share=round(certified / electricity, 6) if electricity else 0.0,
        ),
    )


def scope_three(sums: Sums) -> ScopeThree:
    categories: dict[int, Sum] = defaultdict(Sum)
    for (_, _, part), amount in sums.parts.items():
        scope, _, category = part.partition(".")
        if scope == "3" and category:
            categories[int(category)] += amount
    total = Sum()
    lines = []
    for number, amount in sorted(categories.items()):
        total += amount
        parts = []
        if number == 3:
            losses = from_billionths(sums.losses)
            parts = [
                CategoryLine(
                    line="well_to_tank",
                    co2e=from_billionths(amount.co2e - sums.losses),
                    co2e_location_based=from_billionths(amount.co2e_location_based - sums.losses),
                    invoices=int(amount.invoices),
                ),
                CategoryLine(
                    line="transmission_and_distribution",
                    co2e=losses,
                    co2e_location_based=losses,
                    invoices=int(amount.invoices),
                ),
            ]
        lines.append(Category(category=number, name=CATEGORIES.get(number, ""), lines=parts, **amount.line()))
    return ScopeThree(
        co2e=from_billionths(total.co2e),
        co2e_location_based=from_billionths(total.co2e_location_based),
        categories=lines,
    )
