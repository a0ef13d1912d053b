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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from carbon_accounting import repository
from carbon_accounting.errors import BadRequest, OrganizationNotFound
from carbon_accounting.models import Caller, Facility, InvoiceStatus, Organization
from carbon_accounting.reports.energy import energy
from carbon_accounting.reports.esrs import e1_5, e1_6
from carbon_accounting.reports.models import (
    Completeness,
    Consolidation,
    DataQuality,
    Entity,
    EntityLine,
    FactorSet,
    InventoryReport,
    InventoryTotals,
    NoticeCount,
    Period,
)
from carbon_accounting.reports.scopes import by_month, facility_lines, scope_one, scope_three, scope_two
from carbon_accounting.reports.sums import Sum, Sums, by_part, from_billionths, whole
from carbon_accounting.repository.records import InvoiceRecord
from carbon_accounting.rollups.contribution import FACILITY_MONTH, TOTAL, facility_month_sk
from carbon_accounting.rollups.inventory import ORIGINS
from carbon_accounting.rollups.numbers import month_of, months
from carbon_accounting.supply.coverage import MAX_MONTHS, coverage_of

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
    count = (end_date.year - start_date.year) * 12 + end_date.month - start_date.month + 1
    if count > MAX_MONTHS:
        raise BadRequest(
            f"A report spans at most {MAX_MONTHS} months; this one spans {count}", "WINDOW_TOO_LONG"
        )
    return start_date, end_date


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
    sums = Sums()
    read_from: dict[str, UUID] = {}  # facility: the organization whose partition held its months
    for member in members:
        organization_id = member.organization.id
        cells = repository.rollup_cells(
            organization_id, facility_month_sk(first, ""), facility_month_sk(last, "~")
        )
        for item in cells:
            month, _, facility = item["sk"].removeprefix(FACILITY_MONTH).partition("#")
            if wanted and facility not in wanted:
                continue
            sums.cell(month, facility, item, month == first)
            read_from[facility] = organization_id
    facilities = {key: value for member in members for key, value in member.facilities.items()}
    owners = {facility: member.organization for member in members for facility in member.facilities}
    root = members[0].organization
    by_facility = by_part(sums, TOTAL)
    entities = []
    for member in members:
        own_total = Sum()
        for facility, amount in by_facility.items():
            if read_from[facility] == member.organization.id:
                own_total += amount
        entities.append(
            EntityLine(
                **_entity(member.organization).model_dump(),
                **own_total.line(),
                co2e_biomass=from_billionths(own_total.co2e_biomass),
            )
        )
    scope_1 = scope_one(sums, facilities, owners)
    scope_2 = scope_two(sums, facilities, owners)
    scope_3 = scope_three(sums)
    total = whole(sums)
    totals = InventoryTotals(
        location_based=from_billionths(total.co2e_location_based),
        market_based=from_billionths(total.co2e),
        co2e_biomass=from_billionths(total.co2e_biomass),
        invoices=int(total.invoices),
    )
    consumed = energy(sums)
    sources = [
        Source(member.organization.id, UUID(facility), sums.since.get(facility, month_of(start)))
        for member in members
        for facility in sorted(by_facility)
        if read_from[facility] == member.organization.id
    ]
    report = InventoryReport(
        organization=_entity(root),
        period=Period(start_date=start, end_date=end, months=len(list(months(start, end)))),
        consolidation=Consolidation(approach="operational_control", entities=entities),
        by_facility=facility_lines(by_facility, facilities, owners),
        by_month=by_month(sums, start, end),
        scope_1=scope_1,
        scope_2=scope_2,
        scope_3=scope_3,
        biogenic_co2=totals.co2e_biomass,
        totals=totals,
        energy=consumed,
        esrs_e1_6=e1_6(scope_1, scope_2, scope_3, totals),
        esrs_e1_5=e1_5(consumed),
        factor_sets=_factor_sets(sums.tags),
        notices=sorted(
            (
                NoticeCount(notice=tag.removeprefix("notice|"), invoices=int(count))
                for tag, count in sums.tags.items()
                if tag.startswith("notice|") and count
            ),
            key=lambda notice: (-notice.invoices, notice.notice),
        ),
        completeness=_completeness(members, start, end, facility_ids),
        data_quality=_data_quality(sums.tags, totals.invoices),
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
    members: list[_Member], start: date, end: date, facility_ids: list[UUID] | None
) -> Completeness:
    points = months_expected = complete = 0
    issues: dict[str, int] = defaultdict(int)
    for member in members:
        organization = member.organization
        facilities = list(member.facilities.values())
        found = coverage_of(
            organization.id, organization.stale_after_months, facilities, start, end, facility_ids
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
            if (
                item["status"] != InvoiceStatus.ACTIVE
                or item.get("co2e") is None
                or item["end_date"] < start.isoformat()
            ):
                continue
            if found == limit:
                return
            found += 1
            yield item
