"""``GET /v1/coverage``: is every supply point billed every day of a window, and once?

Read from the rollups, never from the invoices: the organization's facilities and registered supply
points, the supply points' cells (``ROLLUP#POINT#``: which exist, when their bills begin and end) and
the window's coverage cells (``ROLLUP#COVERAGE#<month>#``: each bill touching the month, with its
period, quantity and flags), four Queries whose size follows supply points x months, whatever the
invoices filed (``rollups.supply`` keeps them as invoices are written).

Per supply point, the days it is expected billed run from its first bill (or the window's start, if
billed before) to the window's end, today, or, once ``closed``, its last bill. Within them:

- a **gap** is a run of days no bill covers, between or after its bills;
- an **overlap** is a run of more than one day covered twice (ENERGY STAR Portfolio Manager's rule:
  a bill ending the day the next begins is not one); a **duplicate** is the same period and quantity
  twice, and is reported as that only;
- it is **stale** when, active, no bill of it ended in the ``stale_after_months`` months up to the
  window's end (or today): also when it was never billed.
"""

from __future__ import annotations

import calendar
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from carbon_accounting import clock, repository
from carbon_accounting.errors import BadRequest, OrganizationNotFound
from carbon_accounting.models import Caller, Facility
from carbon_accounting.repository.records import RollupRecord
from carbon_accounting.rollups.numbers import month_of, months
from carbon_accounting.supply.models import (
    Coverage,
    CoverageIssue,
    CoverageMonth,
    CoverageSettings,
    CoverageSettingsView,
    CoverageSummary,
    MonthStatus,
    SupplyPoint,
    SupplyPointCoverage,
    SupplyPointStatus,
)
from carbon_accounting.supply.points import merged

MAX_MONTHS = 60  # a window of five years at most
STALE_AFTER_MONTHS = 3  # VERIFI's "no data for 3 months"


@dataclass(frozen=True)
class Bill:
    invoice_id: UUID
    start: date
    end: date
    quantity: str  # billionths of its unit, as the cell keeps it
    unit_id: str
    flags: tuple[str, ...]


@dataclass
class Billed:
    """What the cells say of one supply point: the months its bills start and end in (``YYYY-MM``),
    and the bills of the months read."""

    start_months: list[str] = field(default_factory=list)
    end_months: list[str] = field(default_factory=list)
    bills: dict[UUID, Bill] = field(default_factory=dict)

    def first_day(self, start: date) -> date | None:
        """The first day it is expected billed from: ``start``, when billed before; else its first
        bill's (in a month read); None when never billed."""
        if not self.start_months:
            return None
        if self.start_months[0] < month_of(start):
            return start
        return min((bill.start for bill in self.bills.values()), default=None)

    def last_end(self, last_month_read: str) -> date | None:
        """Its last bill's end: read in that month's cell (``coverage`` reads it), or, after the
        months read, the first day of the month it ends in (all that is needed of it)."""
        if not self.end_months:
            return None
        if self.end_months[-1] > last_month_read:
            return date.fromisoformat(f"{self.end_months[-1]}-01")
        return max((bill.end for bill in self.bills.values()), default=None)


def _months(item: RollupRecord, prefix: str) -> list[str]:
    return sorted(name.removeprefix(prefix) for name, n in item.items() if name.startswith(prefix) and n)


def _bills(item: RollupRecord) -> list[Bill]:
    found = []
    for name, number in item.items():
        if name.startswith("bill|") and number:
            _, invoice, start, end, quantity, unit, flags = name.split("|")
            found.append(
                Bill(
                    UUID(invoice),
                    date.fromisoformat(start),
                    date.fromisoformat(end),
                    quantity,
                    unit,
                    tuple(flag for flag in flags.split(",") if flag),
                )
            )
    return found


def set_settings(caller: Caller, settings: CoverageSettings) -> CoverageSettingsView:
    organization = repository.set_stale_after_months(
        caller.organization_id, settings.stale_after_months, clock.now()
    )
    if organization is None:
        raise OrganizationNotFound(caller.organization_id)
    return CoverageSettingsView(
        organization_id=organization.id, stale_after_months=organization.stale_after_months
    )


def months_back(day: date, count: int) -> date:
    """The same day ``count`` months earlier (the month's last day when it has fewer)."""
    month = day.year * 12 + day.month - 1 - count
    year, month = divmod(month, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def coverage(
    caller: Caller,
    start_date: date,
    end_date: date,
    facility_ids: list[UUID] | None = None,
    types: list[str] | None = None,
) -> Coverage:
    """The caller's organization's coverage (``GET /v1/coverage``): its settings and facilities read,
    then ``coverage_of``."""
    organization = repository.get_organization(caller.organization_id)
    stale_after = organization.stale_after_months if organization else STALE_AFTER_MONTHS
    facilities = repository.list_facilities(caller.organization_id)
    return coverage_of(
        caller.organization_id, stale_after, facilities, start_date, end_date, facility_ids, types
    )


def coverage_of(
    organization_id: UUID,
    stale_after: int,
    facilities: list[Facility],
    start_date: date,
    end_date: date,
    facility_ids: list[UUID] | None = None,
    types: list[str] | None = None,
) -> Coverage:
    """The coverage of an organization whose ``stale_after_months`` and facilities were read (the
    inventory report has them already): its supply points and their cells."""
    if end_date < start_date:
        raise BadRequest("end_date is before start_date", "INVALID_DATE_RANGE", "end_date")
    window = list(months(start_date, end_date))
    if len(window) > MAX_MONTHS:
        raise BadRequest(
            f"A coverage window spans at most {MAX_MONTHS} months; this one spans {len(window)}",
            "WINDOW_TOO_LONG",
        )
    facilities = [facility for facility in facilities if not facility_ids or facility.id in facility_ids]
    cells = list(repository.supply_point_cells(organization_id))
    points = [
        point
        for point in (merged(organization_id, facilities, cells) if facilities else [])
        if not types or point.type in types
    ]
    billed: dict[UUID, Billed] = defaultdict(Billed)
    for _, point_id, item in cells:
        billed[point_id].start_months = _months(item, "start|")
        billed[point_id].end_months = _months(item, "end|")
    today = date.fromisoformat(clock.now()[:10])
    # The window's months, and the stale_after months before its end (or today) when it is shorter:
    # every bill that can end in them is in their cells.
    first_month = min(window[0][0], month_of(months_back(min(end_date, today), stale_after)))
    read = repository.coverage_cells(organization_id, first_month, window[-1][0]) if points else ()
    # A supply point whose last bill ended before them: that month's cell, for its day.
    earlier = [
        (billed[point.id].end_months[-1], point.id)
        for point in points
        if billed[point.id].end_months and billed[point.id].end_months[-1] < first_month
    ]
    for _, point_id, item in itertools.chain(read, repository.coverage_cells_of(organization_id, earlier)):
        for bill in _bills(item):
            billed[point_id].bills[bill.invoice_id] = bill
    reports = [_report(point, billed[point.id], start_date, end_date, today, stale_after) for point in points]
    return Coverage(
        start_date=start_date,
        end_date=end_date,
        stale_after_months=stale_after,
        supply_points=reports,
        summary=_summary(reports, [billed[point.id] for point in points], start_date, end_date),
    )


def _report(
    point: SupplyPoint, billed: Billed, start: date, end: date, today: date, stale_after: int
) -> SupplyPointCoverage:
    last = min(end, today)
    last_end = billed.last_end(month_of(end))
    if last_end and point.status == SupplyPointStatus.CLOSED:
        last = min(last, last_end)
    stale = _stale(point, last_end, last, stale_after)
    first = billed.first_day(start)
    if first is None or first > last:
        return SupplyPointCoverage(supply_point=point, months=[], issues=stale)
    same: dict[tuple[date, date, str, str], list[Bill]] = defaultdict(list)
    for bill in sorted(billed.bills.values(), key=lambda bill: (bill.start, bill.end, str(bill.invoice_id))):
        same[(bill.start, bill.end, bill.quantity, bill.unit_id)].append(bill)
    counted = [bills[0] for bills in same.values()]  # a duplicate covers its days once
    days = _Days.of(first, last, counted)
    issues = [*_duplicates(same.values()), *_overlaps(days), *_gaps(days, counted), *stale]
    issues.sort(key=lambda issue: (issue.start_date, issue.kind))
    return SupplyPointCoverage(supply_point=point, months=_months_of(days, last), issues=issues)


@dataclass
class _Days:
    """A supply point's expected days, from ``first``: how many bills cover each (a duplicate once),
    which, and the runs of more than one day covered twice."""

    first: date
    cover: list[int]
    covering: list[list[Bill]]
    overlaps: list[tuple[int, int]]

    @classmethod
    def of(cls, first: date, last: date, bills: list[Bill]) -> _Days:
        span = (last - first).days + 1
        cover = [0] * span
        covering: list[list[Bill]] = [[] for _ in range(span)]
        for bill in bills:
            for offset in range(max(0, (bill.start - first).days), min(span, (bill.end - first).days + 1)):
                cover[offset] += 1
                covering[offset].append(bill)
        overlaps = [(a, b) for a, b in _runs([count > 1 for count in cover]) if b > a]
        return cls(first, cover, covering, overlaps)

    def day(self, offset: int) -> date:
        return self.first + timedelta(days=offset)

    def invoices(self, offsets: range) -> list[UUID]:
        """The invoices covering any of those days, once each, in order."""
        return list(dict.fromkeys(bill.invoice_id for offset in offsets for bill in self.covering[offset]))


def _duplicates(same: Iterable[list[Bill]]) -> list[CoverageIssue]:
    return [
        CoverageIssue(
            kind="duplicate",
            start_date=bills[0].start,
            end_date=bills[0].end,
            invoice_ids=[bill.invoice_id for bill in bills],
            detail=f"{len(bills)} invoices bill the same quantity for the same days",
        )
        for bills in same
        if len(bills) > 1
    ]


def _overlaps(days: _Days) -> list[CoverageIssue]:
    return [
        CoverageIssue(
            kind="overlap",
            start_date=days.day(first),
            end_date=days.day(last),
            invoice_ids=days.invoices(range(first, last + 1)),
            detail=f"{last - first + 1} days are billed by more than one invoice",
        )
        for first, last in days.overlaps
    ]


def _gaps(days: _Days, bills: list[Bill]) -> list[CoverageIssue]:
    """Each run of days no bill covers, with the bills before and after it."""
    gaps = []
    for first, last in _runs([count == 0 for count in days.cover]):
        start, end = days.day(first), days.day(last)
        around = [bill.invoice_id for bill in bills if bill.end < start][-1:]
        around += [bill.invoice_id for bill in bills if bill.start > end][:1]
        detail = f"{last - first + 1} days no invoice covers"
        gaps.append(
            CoverageIssue(kind="gap", start_date=start, end_date=end, invoice_ids=around, detail=detail)
        )
    return gaps


def _months_of(days: _Days, last: date) -> list[CoverageMonth]:
    rows = []
    in_overlap = {offset for first, end in days.overlaps for offset in range(first, end + 1)}
    for month, month_first, month_last in months(days.first, last):
        offsets = range((month_first - days.first).days, (month_last - days.first).days + 1)
        covered = sum(1 for offset in offsets if days.cover[offset])
        status: MonthStatus = "complete" if covered == len(offsets) else "partial" if covered else "missing"
        if len(in_overlap.intersection(offsets)) > 1:
            status = "overlap"
        rows.append(
            CoverageMonth(
                month=month,
                days=len(offsets),
                covered_days=covered,
                invoices=days.invoices(offsets),
                status=status,
            )
        )
    return rows


def _stale(point: SupplyPoint, last_end: date | None, last: date, stale_after: int) -> list[CoverageIssue]:
    """Stale: active, not billed up to ``last``, and no bill ended in the ``stale_after`` months
    up to it."""
    since = months_back(last, stale_after)
    if point.status != SupplyPointStatus.ACTIVE or (last_end is not None and last_end > since):
        return []
    detail = (
        f"No bill has ended since {last_end}, over {stale_after} months before {last}"
        if last_end
        else "No bill of this supply point is in the inventory"
    )
    start = last_end + timedelta(days=1) if last_end else since + timedelta(days=1)
    return [CoverageIssue(kind="stale", start_date=start, end_date=last, invoice_ids=[], detail=detail)]


def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    """The ``(first, last)`` index of each run of True."""
    runs, start = [], None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            runs.append((start, index - 1))
            start = None
    return runs


def _summary(
    reports: list[SupplyPointCoverage], billed: list[Billed], start: date, end: date
) -> CoverageSummary:
    listed = [month for report in reports for month in report.months]
    complete = sum(1 for month in listed if month.status == "complete")
    issues: dict[str, int] = defaultdict(int)
    for report in reports:
        for issue in report.issues:
            issues[issue.kind] += 1
    flags: dict[str, int] = defaultdict(int)
    for each in billed:
        for bill in each.bills.values():
            if bill.start <= end and bill.end >= start:
                for flag in bill.flags:
                    flags[flag] += 1
    return CoverageSummary(
        supply_points=len(reports),
        months=len(listed),
        complete_months=complete,
        coverage_ratio=round(complete / len(listed), 4) if listed else 1.0,
        issues=dict(issues),
        quality_flags=dict(flags),
    )
