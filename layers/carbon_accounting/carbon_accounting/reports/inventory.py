"""The GHG inventory of an organization and its subsidiaries over whole months, from the rollups.

What it reads, per organization of the group (the caller's and every one below it): the organization
(names), its subsidiaries (the group's tree), its facilities, and its facilities' month items of the
window (``ROLLUP#FACILITY_MONTH#``, with the ``inv|`` numbers of ``rollups.inventory``); and the
coverage of its supply points (``supply.coverage``). Never an invoice: the cost follows months by
facilities. The figures are the summary's (the same numbers, summed the same way), so that the
report's totals equal ``GET /v1/emissions/summary``'s for the same window and organization to the gram.

Consolidation: operational control (docs/methodology.md). An organization's subsidiaries are the
entities it controls; each is counted whole, and its figures are shown on their own. A distributed
invoice counts once, through its shares (each in its facility's organization): the share of a
parent's invoice billed to a subsidiary's facility is in the group's report, and in the subsidiary's.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from carbon_accounting import emissions, repository
from carbon_accounting.emissions.catalogues.units import KILOWATT_HOUR
from carbon_accounting.errors import BadRequest, OrganizationNotFound
from carbon_accounting.models import Caller, Facility, Organization
from carbon_accounting.reports.esrs import e1_5, e1_6
from carbon_accounting.reports.models import (
    Category,
    CategoryLine,
    Completeness,
    Consolidation,
    ContractualInstruments,
    CountryLine,
    DataQuality,
    Energy,
    Entity,
    EntityLine,
    FacilityLine,
    FactorSet,
    FuelEnergy,
    FuelLine,
    InventoryReport,
    InventoryTotals,
    MonthLine,
    NoticeCount,
    Period,
    Quantity,
    ScopeOne,
    ScopeThree,
    ScopeTwo,
)
from carbon_accounting.repository.records import InvoiceRecord
from carbon_accounting.rollups.contribution import FACILITY_MONTH, TOTAL, facility_month_sk
from carbon_accounting.rollups.inventory import ORIGINS, PREFIX
from carbon_accounting.rollups.numbers import SCALE, month_of, months
from carbon_accounting.supply.coverage import MAX_MONTHS, coverage

CATEGORIES = {
    1: "Purchased goods and services (water supply)",
    3: "Fuel- and energy-related activities",
    5: "Waste generated in operations (water treatment)",
}
ELECTRICITY = ("electricity", "recharge")  # EV recharge is electricity bought
_OUTSIDE = {  # factor sets that are not a published dataset
    "custom": "The organization's custom emission factors",
    "certified_quantity": "Energy attribute certificates retired for the invoice (certified_quantity)",
}


def period_of(year: int | None, start_date: date | None, end_date: date | None) -> tuple[date, date]:
    """The report's window: a calendar ``year``, or whole months from ``start_date`` to ``end_date``."""
    if year is not None:
        if start_date or end_date:
            raise BadRequest("Give either year or start_date and end_date, not both", "INVALID_PERIOD")
        return date(year, 1, 1), date(year, 12, 31)
    if start_date is None or end_date is None:
        raise BadRequest("Give year, or start_date and end_date", "PERIOD_REQUIRED")
    if end_date < start_date:
        raise BadRequest("end_date is before start_date", "INVALID_DATE_RANGE", "end_date")
    if start_date.day != 1:
        raise BadRequest("start_date must be the first day of a month", "PERIOD_NOT_MONTHS", "start_date")
    if end_date.day != calendar.monthrange(end_date.year, end_date.month)[1]:
        raise BadRequest("end_date must be the last day of a month", "PERIOD_NOT_MONTHS", "end_date")
    count = len(list(months(start_date, end_date)))
    if count > MAX_MONTHS:
        raise BadRequest(
            f"A report spans at most {MAX_MONTHS} months; this one spans {count}", "WINDOW_TOO_LONG"
        )
    return start_date, end_date


@dataclass
class _Sum:
    """One line's billionths: figures, quantities by unit, and its invoices (counted once)."""

    co2e: Decimal = Decimal(0)
    co2e_location_based: Decimal = Decimal(0)
    co2e_biomass: Decimal = Decimal(0)
    quantity: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    invoices: Decimal = Decimal(0)

    def add(self, figure: list[str], value: Decimal, first_month: bool) -> None:
        if figure[0] == "q":
            self.quantity[figure[1]] += value
        elif figure[0] == "starts" or (figure[0] == "continues" and first_month):
            self.invoices += value
        elif figure[0] in ("co2e", "co2e_location_based", "co2e_biomass"):
            setattr(self, figure[0], getattr(self, figure[0]) + value)

    def __iadd__(self, other: _Sum) -> _Sum:
        self.co2e += other.co2e
        self.co2e_location_based += other.co2e_location_based
        self.co2e_biomass += other.co2e_biomass
        for unit, amount in other.quantity.items():
            self.quantity[unit] += amount
        self.invoices += other.invoices
        return self

    def line(self) -> dict[str, float | int]:
        return {
            "co2e": from_billionths(self.co2e),
            "co2e_location_based": from_billionths(self.co2e_location_based),
            "invoices": int(self.invoices),
        }


def from_billionths(billionths: Decimal) -> float:
    """A sum kept in billionths (of a kg, of a unit), as the summary gives it."""
    return float(billionths / SCALE)


@dataclass
class _Read:
    """What the window's facility months say, summed."""

    parts: dict[tuple[str, str, str], _Sum] = field(default_factory=lambda: defaultdict(_Sum))
    fuels: dict[tuple[str, str], _Sum] = field(default_factory=lambda: defaultdict(_Sum))
    losses: Decimal = Decimal(0)
    certified: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    tags: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    since: dict[str, str] = field(default_factory=dict)  # facility: the earliest month its invoices start
    months: dict[tuple[str, str], _Sum] = field(default_factory=lambda: defaultdict(_Sum))  # (month, part)

    def cell(self, month: str, facility: str, item: dict[str, object], first_month: bool) -> None:
        for name, value in item.items():
            if name.startswith("since|") and value:
                since = name.removeprefix("since|")
                self.since[facility] = min(self.since.get(facility, since), since)
            if not isinstance(value, Decimal) or not value or name.count("|") < 2:
                continue
            if name.startswith(PREFIX):
                self._inventory(name.removeprefix(PREFIX).split("|"), value, first_month)
            else:
                kind, part, *figure = name.split("|")
                self.parts[(facility, kind, part)].add(figure, value, first_month)
                self.months[(month, part)].add(figure, value, True)

    def _inventory(self, name: list[str], value: Decimal, first_month: bool) -> None:
        family = name[0]
        if family == "fuel":
            self.fuels[(name[1], name[2])].add(name[3:], value, first_month)
        elif family == "td":
            self.losses += value
        elif family == "certified":
            self.certified[name[-1]] += value
        elif name[-1] == "starts" or first_month:
            self.tags["|".join(name[:-1])] += value


@dataclass(frozen=True)
class _Member:
    organization: Organization
    facilities: dict[str, Facility]


@dataclass(frozen=True)
class Source:
    """A facility whose invoices are behind the report's figures, and the month the earliest of them
    starts in (``invoices_behind`` reads from there)."""

    organization_id: UUID
    facility_id: UUID
    since: str


def inventory(
    caller: Caller, start: date, end: date, facility_ids: list[UUID] | None = None
) -> tuple[InventoryReport, list[Source]]:
    """The inventory of the caller's organization and its subsidiaries over ``start``..``end``
    (whole months: ``period_of``), of ``facility_ids`` only when given; and the facilities whose
    invoices are behind it."""
    members = _group(caller.organization_id)
    wanted = {str(facility) for facility in facility_ids or ()}
    first, last = month_of(start), month_of(end)
    read, by_entity = _Read(), {}
    for member in members:
        own = _Read()
        organization_id = member.organization.id
        cells = repository.rollup_cells(
            organization_id, facility_month_sk(first, ""), facility_month_sk(last, "~")
        )
        for item in cells:
            month, _, facility = item["sk"].removeprefix(FACILITY_MONTH).partition("#")
            if wanted and facility not in wanted:
                continue
            read.cell(month, facility, item, month == first)
            own.cell(month, facility, item, month == first)
        by_entity[organization_id] = own
    facilities = {key: value for member in members for key, value in member.facilities.items()}
    owners = {facility: member.organization for member in members for facility in member.facilities}
    root = members[0].organization
    entities = []
    for member in members:
        own_total = _whole(by_entity[member.organization.id])
        entities.append(
            EntityLine(
                **_entity(member.organization).model_dump(),
                **own_total.line(),
                co2e_biomass=from_billionths(own_total.co2e_biomass),
            )
        )
    scope_1 = _scope_one(read, facilities, owners)
    scope_2 = _scope_two(read, facilities, owners)
    scope_3 = _scope_three(read)
    whole = _whole(read)
    totals = InventoryTotals(
        location_based=from_billionths(whole.co2e_location_based),
        market_based=from_billionths(whole.co2e),
        co2e_biomass=from_billionths(whole.co2e_biomass),
        invoices=int(whole.invoices),
    )
    energy = _energy(read)
    sources = [
        Source(organization_id, UUID(facility), own.since.get(facility, month_of(start)))
        for organization_id, own in by_entity.items()
        for facility in sorted({facility for facility, _, _ in own.parts})
    ]
    report = InventoryReport(
        organization=_entity(root),
        period=Period(start_date=start, end_date=end, months=len(list(months(start, end)))),
        consolidation=Consolidation(approach="operational_control", entities=entities),
        by_facility=_facility_lines(_by_part(read, TOTAL), facilities, owners),
        by_month=_by_month(read, start, end),
        scope_1=scope_1,
        scope_2=scope_2,
        scope_3=scope_3,
        biogenic_co2=totals.co2e_biomass,
        totals=totals,
        energy=energy,
        esrs_e1_6=e1_6(scope_1, scope_2, scope_3, totals),
        esrs_e1_5=e1_5(energy),
        factor_sets=_factor_sets(read.tags),
        notices=sorted(
            (
                NoticeCount(notice=tag.removeprefix("notice|"), invoices=int(count))
                for tag, count in read.tags.items()
                if tag.startswith("notice|") and count
            ),
            key=lambda notice: (-notice.invoices, notice.notice),
        ),
        completeness=_completeness(members, start, end, facility_ids, caller),
        data_quality=_data_quality(read.tags, int(whole.invoices)),
    )
    return report, sources


def _group(organization_id: UUID) -> list[_Member]:
    """The organization and every organization below it, parents first, with their facilities."""
    root = repository.get_organization(organization_id)
    if root is None:
        raise OrganizationNotFound(organization_id)
    found, queue = [], [root]
    while queue:
        organization = queue.pop(0)
        facilities = {str(each.id): each for each in repository.list_facilities(organization.id)}
        found.append(_Member(organization, facilities))
        queue += sorted(repository.list_subsidiaries(organization.id), key=lambda each: each.name)
    return found


def _entity(organization: Organization) -> Entity:
    return Entity(organization_id=organization.id, name=organization.name, parent_id=organization.parent_id)


def _whole(read: _Read) -> _Sum:
    total = _Sum()
    for (_, _, part), amount in read.parts.items():
        if part == TOTAL:
            total += amount
    return total


def _by_part(read: _Read, wanted: str) -> dict[str, _Sum]:
    """The part's sums by facility."""
    found: dict[str, _Sum] = defaultdict(_Sum)
    for (facility, _, part), amount in read.parts.items():
        if part == wanted:
            found[facility] += amount
    return found


def _facility_lines(
    sums: dict[str, _Sum], facilities: dict[str, Facility], owners: dict[str, Organization]
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


def _quantities(amounts: dict[str, Decimal]) -> list[Quantity]:
    found = []
    for unit_id, amount in sorted(amounts.items()):
        unit = emissions.unit(UUID(unit_id))
        if amount:
            found.append(
                Quantity(
                    unit_id=UUID(unit_id), unit=unit.symbol if unit else "", quantity=from_billionths(amount)
                )
            )
    return found


def _by_month(read: _Read, start: date, end: date) -> list[MonthLine]:
    lines = []
    for month, _, _ in months(start, end):
        scope_3 = sum(
            (
                amount.co2e
                for (at, part), amount in read.months.items()
                if at == month and part.startswith("3.")
            ),
            Decimal(0),
        )
        lines.append(
            MonthLine(
                month=month,
                scope_1=from_billionths(read.months[(month, "1")].co2e),
                scope_2_location_based=from_billionths(read.months[(month, "2")].co2e_location_based),
                scope_2_market_based=from_billionths(read.months[(month, "2")].co2e),
                scope_3=from_billionths(scope_3),
            )
        )
    return lines


def _scope_one(read: _Read, facilities: dict[str, Facility], owners: dict[str, Organization]) -> ScopeOne:
    by_facility = _by_part(read, "1")
    total = _Sum()
    for amount in by_facility.values():
        total += amount
    fuels = []
    for (fuel_id, part), amount in sorted(read.fuels.items()):
        fuel = emissions.fuel(UUID(fuel_id))
        if part == "1" and fuel is not None:
            fuels.append(
                FuelLine(
                    fuel_id=fuel.id, fuel=fuel.name, quantity=_quantities(amount.quantity), **amount.line()
                )
            )
    return ScopeOne(
        co2e=from_billionths(total.co2e),
        invoices=int(total.invoices),
        by_fuel=sorted(fuels, key=lambda line: (-line.co2e, line.fuel)),
        by_facility=_facility_lines(by_facility, facilities, owners),
    )


def _scope_two(read: _Read, facilities: dict[str, Facility], owners: dict[str, Organization]) -> ScopeTwo:
    by_facility = _by_part(read, "2")
    total, countries = _Sum(), defaultdict[str, _Sum](_Sum)
    for facility_id, amount in by_facility.items():
        total += amount
        facility = facilities.get(facility_id)
        countries[facility.country if facility else ""] += amount
    electricity = _kwh(
        amount.quantity
        for (_, kind, part), amount in read.parts.items()
        if part == TOTAL and kind in ELECTRICITY
    )
    certified = _kwh([read.certified])
    return ScopeTwo(
        location_based=from_billionths(total.co2e_location_based),
        market_based=from_billionths(total.co2e),
        invoices=int(total.invoices),
        by_facility=_facility_lines(by_facility, facilities, owners),
        by_country=[
            CountryLine(country=country, **amount.line())
            for country, amount in sorted(countries.items(), key=lambda entry: (-entry[1].co2e, entry[0]))
        ],
        contractual_instruments=ContractualInstruments(
            electricity_mwh=_mwh(electricity / 1000),
            certified_mwh=_mwh(certified / 1000),
            certified_share=round(certified / electricity, 6) if electricity else 0.0,
        ),
    )


def _kwh(quantities: Iterable[dict[str, Decimal]]) -> float:
    """kWh of energy quantities (billionths of a unit, by unit id)."""
    total = 0.0
    for amounts in quantities:
        for unit_id, amount in amounts.items():
            total += emissions.convert(from_billionths(amount), UUID(unit_id), KILOWATT_HOUR.id)
    return total


def _scope_three(read: _Read) -> ScopeThree:
    categories: dict[int, _Sum] = defaultdict(_Sum)
    for (_, _, part), amount in read.parts.items():
        scope, _, category = part.partition(".")
        if scope == "3" and category:
            categories[int(category)] += amount
    total = _Sum()
    lines = []
    for number, amount in sorted(categories.items()):
        total += amount
        parts = []
        if number == 3:
            losses = from_billionths(read.losses)
            parts = [
                CategoryLine(
                    line="well_to_tank",
                    co2e=from_billionths(amount.co2e - read.losses),
                    co2e_location_based=from_billionths(amount.co2e_location_based - read.losses),
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


def _energy(read: _Read) -> Energy:
    electricity = _kwh(
        amount.quantity
        for (_, kind, part), amount in read.parts.items()
        if part == TOTAL and kind in ELECTRICITY
    )
    certified = _kwh([read.certified])
    fuels, heat, not_converted = [], 0.0, []
    for (fuel_id, part), amount in sorted(read.fuels.items()):
        fuel = emissions.fuel(UUID(fuel_id))
        if part != TOTAL or fuel is None:
            continue
        kwh = 0.0
        for unit_id, quantity in amount.quantity.items():
            unit = emissions.unit(UUID(unit_id))
            try:
                kwh += fuel.convert(from_billionths(quantity), unit, KILOWATT_HOUR) if unit else 0.0
            except emissions.CalculationError:
                not_converted += _quantities({unit_id: quantity})
        if fuel.purchased:
            heat += kwh
        else:
            fuels.append(
                FuelEnergy(fuel_id=fuel.id, fuel=fuel.name, mwh=_mwh(kwh / 1000), renewable=fuel.biogenic)
            )
    renewable = certified / 1000 + sum(line.mwh for line in fuels if line.renewable)
    fossil = sum(line.mwh for line in fuels if not line.renewable)
    total = (electricity + heat) / 1000 + sum(line.mwh for line in fuels)
    return Energy(
        total_mwh=_mwh(total),
        electricity_mwh=_mwh(electricity / 1000),
        fuels=sorted(fuels, key=lambda line: (-line.mwh, line.fuel)),
        heat_and_steam_mwh=_mwh(heat / 1000),
        renewable_mwh=_mwh(renewable),
        fossil_mwh=_mwh(fossil),
        unattributed_mwh=_mwh((electricity - certified + heat) / 1000),
        renewable_share=round(renewable / total, 6) if total else 0.0,
        not_converted=not_converted,
    )


def _mwh(value: float) -> float:
    """MWh to the watt-hour: the conversions are in floating point, their last digits noise."""
    return round(value, 6)


def _factor_sets(tags: dict[str, Decimal]) -> list[FactorSet]:
    from carbon_accounting.emissions.factors import versions  # the datasets' sources, read once

    published = versions()
    found = []
    for tag, count in tags.items():
        if not tag.startswith("set|") or not count:
            continue
        _, version, year = tag.split("|")
        source = (
            published[version].source
            if version in published
            else _OUTSIDE.get(version, f"The suppliers catalogue ({version})")
        )
        found.append(FactorSet(dataset_version=version, year=int(year), source=source, invoices=int(count)))
    return sorted(found, key=lambda each: (each.dataset_version, each.year))


def _completeness(
    members: list[_Member], start: date, end: date, facility_ids: list[UUID] | None, caller: Caller
) -> Completeness:
    points = months_expected = complete = 0
    issues: dict[str, int] = defaultdict(int)
    for member in members:
        found = coverage(
            caller.model_copy(update={"organization_id": member.organization.id}), start, end, facility_ids
        ).summary
        points += found.supply_points
        months_expected += found.months
        complete += found.complete_months
        for kind, count in found.issues.items():
            issues[kind] += count
    return Completeness(
        supply_points=points,
        months=months_expected,
        complete_months=complete,
        coverage_ratio=complete / months_expected if months_expected else 1.0,
        gaps=issues.get("gap", 0),
        overlaps=issues.get("overlap", 0),
        issues=dict(issues),
    )


def _data_quality(tags: dict[str, Decimal], invoices: int) -> DataQuality:
    def count(tag: str) -> int:
        return int(tags.get(tag, 0))

    flags = {
        tag.removeprefix("flag|"): int(value)
        for tag, value in sorted(tags.items())
        if tag.startswith("flag|")
    }
    return DataQuality(
        invoices=invoices,
        by_origin={origin: count(f"origin|{origin}") for origin in ORIGINS},
        estimated_readings=flags.get("estimated", 0),
        outliers=flags.get("outlier", 0),
        custom_factors=count("custom"),
        quality_flags=flags,
    )


def invoices_behind(sources: list[Source], start: date, end: date, limit: int) -> Iterator[InvoiceRecord]:
    """The active invoices with figures whose periods overlap the window, facility by facility, at
    most ``limit`` of them: read lazily, a page of 100 at a time, from the month the earliest of a
    facility's starts in."""
    found = 0
    for source in sources:
        for item in repository.facility_invoices(
            source.organization_id,
            source.facility_id,
            starting_from=f"{source.since}-01",
            starting_until=end.isoformat(),
            descending=False,
            page_size=100,
        ):
            if item["status"] != "active" or item.get("co2e") is None or item["end_date"] < start.isoformat():
                continue
            if found == limit:
                return
            found += 1
            yield item
