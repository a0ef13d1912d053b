"""Listing invoices: a facility's, as the public API's "casted" list shows them, and the organization's.

A page reads about ``page * size`` index entries in the index's order (the billing period), and its
counts come from the rollups (``n|<status>|<type>``: ``carbon_accounting.rollups``), never from
reading every invoice: the cost of a page does not grow with the invoices an organization has filed.

What the counts and the index cannot serve is answered from a bounded read: a sort by another field
than the period, and the casted list's counts under a filter the counts do not keep (dates, invoice
number, supplier, fuel, CUPS), read at most ``BOUNDED_READ`` invoices of the range asked (dates narrow
it), and answer 400 (``SORT_TOO_BROAD``, ``FILTER_TOO_BROAD``) saying what to narrow when it holds
more. The organization's list then gives ``total`` only when it is known (null otherwise: page on
with ``next_token``). ``page * size`` is at most ``DEEPEST`` (``PAGE_TOO_DEEP``: ``next_token`` pages
on from there at the cost of a page).
"""

import hashlib
import itertools
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from uuid import UUID

from pydantic import Field

from carbon_accounting import cursor, emissions, repository
from carbon_accounting.base import Model
from carbon_accounting.errors import BadRequest, FacilityNotFound
from carbon_accounting.files import linked
from carbon_accounting.invoices.models import MAX_PERIOD_DAYS, Invoice, InvoiceCommon, parse_invoice
from carbon_accounting.models import Caller, CustomEmissionFactor, InvoiceStatus
from carbon_accounting.repository.records import InvoiceRecord
from carbon_accounting.rollups.contribution import counts_sk, invoice_counts

BOUNDED_READ = 1_000  # invoices a sort or a count that no index or counter serves may read
DEEPEST = 10_000  # page * size: the deepest page=N reaches

# The types the public API lists; wastes and waste water treatment have no invoices here (yet).
LISTED_TYPES = frozenset({*emissions.InvoiceType, "wastes", "waste_water_treatment"})
FILTERABLE = frozenset({"status", "type", "supplier_id", "facility_fuel_id", "cups", "invoice_id"})
SORTABLE = frozenset({"start_date", "end_date", "created_at", "co2e", "quantity", "invoice_id"})


class UnitRef(Model):
    id: UUID
    name: str
    type: str


class SupplierRef(Model):
    id: UUID
    name: str
    country: str


class FuelRef(Model):
    id: UUID
    name: str
    fuel_type: str


class UserRef(Model):
    id: UUID
    email: str


class CastedInvoice(InvoiceCommon):
    """An invoice as the facility list shows it: every type's fields, flat, with the objects they name."""

    type: str
    # The public list's contract shows the share as text, e.g. "0.6" (the invoice's is a number).
    percentage: str  # type: ignore[assignment]
    unit: UnitRef | None = None
    supplier_id: UUID | None = None
    supplier: SupplierRef | None = None
    facility_fuel_id: UUID | None = None
    facility_fuel: FuelRef | None = None
    toc: str | None = None
    custom_emission_factor_id: UUID | None = None
    custom_emission_factor: CustomEmissionFactor | None = None
    certified_quantity: float | None = None
    user: UserRef | None = None


class FacilityInvoicePage(Model):
    page: int
    size: int
    total: int
    total2: int
    total_general: int
    items: list[CastedInvoice]


def _either(names: frozenset[str]) -> str:
    return "|".join(sorted(names))


# The query's grammar, as patterns the document shows and the checks below use.
FILTERS_PATTERN = rf"^ *(?:{_either(LISTED_TYPES)})? *(?:, *(?:{_either(LISTED_TYPES)})? *)*$"
FILTER_BY_PATTERN = rf"^(?:(?:{_either(FILTERABLE)}):[\s\S]+)?$"
SORT_BY_PATTERN = rf"^(?:(?:{_either(SORTABLE)}):(?:asc|desc))?$"


def _types(filters: str) -> set[str]:
    names = {name.strip(" ") for name in filters.split(",")} - {""}
    if not re.fullmatch(FILTERS_PATTERN, filters):
        unknown = sorted(names - LISTED_TYPES)
        raise BadRequest(
            f"Unknown invoice type(s) in filters: {', '.join(unknown)}"
            if unknown
            else f"filters is a comma-separated list of {', '.join(sorted(LISTED_TYPES))}",
            "INVALID_INVOICE_TYPE",
        )
    return names


def _sorted(items: list[InvoiceRecord], field: str, descending: bool) -> list[InvoiceRecord]:
    """Items by ``field``; those without a value come last, whichever the direction."""

    def value(item: InvoiceRecord) -> Any:
        return cast(Mapping[str, Any], item).get(field)

    present = [item for item in items if value(item) is not None]
    present.sort(key=value, reverse=descending)
    return present + [item for item in items if value(item) is None]


# The casted list's Unix timestamps are days of the calendar: 0001-01-01 to 9999-12-31 UTC.
EARLIEST_TIMESTAMP, LATEST_TIMESTAMP = -62_135_596_800, 253_402_300_799


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


def list_facility_invoices(
    caller: Caller,
    facility_id: UUID,
    *,
    page: int,
    size: int,
    invoice_id: str | None = None,
    start_date: int | None = None,
    end_date: int | None = None,
    filters: str | None = None,
    filter_by: str | None = None,
    sort_by: str | None = None,
) -> FacilityInvoicePage:
    """One page of a facility of the caller's organization's invoices, with the public API's counts."""
    types = _types(filters) if filters else set()
    if filter_by and not re.fullmatch(FILTER_BY_PATTERN, filter_by):
        raise BadRequest(
            f"filter_by is field:value, the field one of {', '.join(sorted(FILTERABLE))}", "INVALID_FILTER"
        )
    field, _, wanted = filter_by.partition(":") if filter_by else (None, None, None)
    if not re.fullmatch(SORT_BY_PATTERN, sort_by or ""):
        raise BadRequest(
            f"sort_by is one of {', '.join(sorted(SORTABLE))} with :asc or :desc", "INVALID_SORT"
        )
    sort_field, _, order = (sort_by or "start_date:desc").partition(":")
    descending = order == "desc"
    if repository.get_facility(caller.organization_id, facility_id) is None:
        raise FacilityNotFound()

    since = _day(start_date) if start_date is not None else None
    until = _day(end_date) if end_date is not None else None
    earliest = earliest_start(since)

    def matches(item: InvoiceRecord) -> bool:
        return (
            (since is None or item["end_date"] >= since)
            and (not types or item["type"] in types)
            and (invoice_id is None or item.get("invoice_id") == invoice_id)
            and (field is None or str(cast(Mapping[str, Any], item).get(field)) == wanted)
        )

    def read(page_size: int, index_order: bool) -> Iterator[InvoiceRecord]:
        return repository.facility_invoices(
            caller.organization_id,
            facility_id,
            starting_from=earliest,
            starting_until=until,
            descending=descending if index_order else True,
            page_size=page_size,
        )

    counted = invoice_id is None and since is None and until is None and field in (None, "status", "type")
    if sort_field == "start_date" and counted:
        _deep_enough(page, size)
        window = list(itertools.islice(filter(matches, read(min(page * size, 1000), True)), page * size))
        shown = window[(page - 1) * size :]
        counts = _facility_counts(caller.organization_id, facility_id, types, field, wanted)
    else:
        what = "a sort by another field than start_date" if counted else "these filters' counts"
        items = _bounded(read(BOUNDED_READ + 1, sort_field == "start_date"), what, "FILTER_TOO_BROAD")
        matching = [item for item in items if matches(item)]
        ordered = matching if sort_field == "start_date" else _sorted(matching, sort_field, descending)
        shown = ordered[(page - 1) * size : page * size]
        counts = (
            sum(item["status"] == InvoiceStatus.ACTIVE for item in matching),
            sum(item["status"] == InvoiceStatus.LOADING for item in matching),
            len(matching),
        )
    users = repository.get_users(
        caller.organization_id, {UUID(i["uploaded_by"]) for i in shown if i.get("uploaded_by")}
    )
    total, total2, total_general = counts
    return FacilityInvoicePage(
        page=page,
        size=size,
        total=total,
        total2=total2,
        total_general=total_general,
        items=[_casted(item, users) for item in shown],
    )


def earliest_start(since: str | None) -> str | None:
    """The earliest start date of an invoice that ends on or after ``since``: what bounds the index."""
    day = date.fromisoformat(since) if since is not None else date.min
    return (
        (day - timedelta(days=MAX_PERIOD_DAYS)).isoformat()
        if day - date.min > timedelta(MAX_PERIOD_DAYS)
        else None
    )


def _deep_enough(page: int, size: int) -> None:
    if page * size > DEEPEST:
        raise BadRequest(
            f"page * size is at most {DEEPEST:,}: narrow the filters, or page on with next_token",
            "PAGE_TOO_DEEP",
        )


def _bounded(items: Iterator[InvoiceRecord], what: str, code: str) -> list[InvoiceRecord]:
    """At most ``BOUNDED_READ`` invoices, or a 400 saying what to narrow."""
    read = list(itertools.islice(items, BOUNDED_READ + 1))
    if len(read) > BOUNDED_READ:
        raise BadRequest(
            f"{what} read at most {BOUNDED_READ:,} invoices, and more are in range: narrow it with "
            "start_date and end_date (or sort by start_date)",
            code,
        )
    return read


def _facility_counts(
    organization_id: UUID, facility_id: UUID, types: set[str], field: str | None, wanted: str | None
) -> tuple[int, int, int]:
    """``total`` (active), ``total2`` (loading) and ``total_general`` from the facility's counts."""
    counts = invoice_counts(repository.get_rollup(organization_id, counts_sk(str(facility_id))))

    def count(status: str | None) -> int:
        return sum(
            number
            for (each_status, each_type), number in counts.items()
            if (status is None or each_status == status)
            and (not types or each_type in types)
            and (field != "status" or each_status == wanted)
            and (field != "type" or each_type == wanted)
        )

    return count(str(InvoiceStatus.ACTIVE)), count(str(InvoiceStatus.LOADING)), count(None)


def _casted(item: InvoiceRecord, users: dict[UUID, Any]) -> CastedInvoice:
    unit = emissions.unit(UUID(item["unit_id"])) if item.get("unit_id") else None
    supplier_id, fuel_id, uploader = (
        item.get("supplier_id"),
        item.get("facility_fuel_id"),
        item.get("uploaded_by"),
    )
    supplier = emissions.supplier(UUID(supplier_id)) if supplier_id else None
    fuel = emissions.fuel(UUID(fuel_id)) if fuel_id else None
    user = users.get(UUID(uploader)) if uploader else None
    return CastedInvoice.model_validate(
        {
            **linked(item),
            "percentage": str(float(item["percentage"])),
            "toc": item.get("toc_id"),
            "unit": unit.model_dump() if unit else None,
            "supplier": supplier.model_dump() if supplier else None,
            "facility_fuel": {"id": fuel.id, "name": fuel.name, "fuel_type": fuel.fuel_type}
            if fuel
            else None,
            "user": user.model_dump() if user else None,
        }
    )


# ------------------------------------------------------------------ the organization's invoices

ORGANIZATION_SORTS = frozenset({"start_date", "end_date", "created_at", "quantity", "co2e", "invoice_id"})
ORGANIZATION_SORT_VALUES = sorted(f"{order}{field}" for field in ORGANIZATION_SORTS for order in ("", "-"))


@dataclass(frozen=True)
class InvoiceFilters:
    """``GET /v1/invoices``'s filters; every list means "any of"."""

    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    facility_ids: tuple[str, ...] = ()
    start_date: date | None = None
    end_date: date | None = None
    invoice_id: str | None = None
    cups: tuple[str, ...] = ()
    supplier_ids: tuple[str, ...] = ()
    quality_flags: tuple[str, ...] = ()
    sort: str = "-start_date"

    def matches(self, item: InvoiceRecord) -> bool:
        facilities = {item.get("facility_id")} | {
            s["facility_id"] for s in item.get("facility_percentages") or []
        }
        return (
            (not self.types or item.get("type") in self.types)
            and (not self.statuses or item["status"] in self.statuses)
            and (not self.facility_ids or bool(facilities & set(self.facility_ids)))
            # A draft read from a document has no period yet: a period filter leaves it out.
            and (self.start_date is None or item.get("end_date", "") >= self.start_date.isoformat())
            and (self.end_date is None or item.get("start_date", "~") <= self.end_date.isoformat())
            and (
                self.invoice_id is None
                or self.invoice_id.casefold() in (item.get("invoice_id") or "").casefold()
            )
            and (not self.cups or item.get("cups") in self.cups)
            and (not self.supplier_ids or item.get("supplier_id") in self.supplier_ids)
            and (
                not self.quality_flags
                or any(flag["kind"] in self.quality_flags for flag in item.get("quality_flags") or [])
            )
        )

    def counted(self) -> bool:
        """Whether the organization's counts (by status and type) give the total of these filters."""
        return not (
            self.facility_ids
            or self.start_date
            or self.end_date
            or self.invoice_id
            or self.cups
            or self.supplier_ids
            or self.quality_flags
        )

    def fingerprint(self) -> str:
        """What a cursor must have been issued for: the same filters and sort."""
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]


class InvoicePage(Model):
    items: list[Invoice]
    total: int | None = Field(
        description="The invoices matching: null when the filters are not ones the counts keep (dates, "
        "facility, invoice number, CUPS, supplier, quality flag) and this page is not the last; page on "
        "with next_token"
    )
    page: int
    size: int
    pages: int | None
    next_token: str | None = None


def list_invoices(
    caller: Caller, filters: InvoiceFilters, page: int, size: int, next_token: str | None = None
) -> InvoicePage:
    """A page of the organization's own invoices (single ones and distributed parents).

    In the index's order (``start_date``): reads about ``page * size`` matching invoices, and the
    organization's counts for ``total``. By ``next_token`` (issued for start_date sorts): resumes
    right after the previous page and reads about one page. Another sort reads the invoices in range,
    at most ``BOUNDED_READ``.
    """
    field = filters.sort.removeprefix("-")
    if field not in ORGANIZATION_SORTS:
        raise BadRequest(
            f"sort is one of {', '.join(sorted(ORGANIZATION_SORTS))}, - for descending", "INVALID_SORT"
        )
    descending = filters.sort.startswith("-")
    index_order = field == "start_date"

    def read(page_size: int, after: dict[str, str] | None = None) -> Iterator[InvoiceRecord]:
        return repository.organization_invoices(
            caller.organization_id,
            statuses=filters.statuses,
            flagged=bool(filters.quality_flags),
            starting_from=earliest_start(filters.start_date.isoformat() if filters.start_date else None),
            starting_until=filters.end_date.isoformat() if filters.end_date else None,
            descending=descending if index_order else True,
            after=after,
            page_size=page_size,
        )

    # A cursor continues only the listing it was issued for: this organization, these filters and sort.
    issued_for = f"{caller.organization_id}:{filters.fingerprint()}"
    if next_token:
        position = cursor.decode(next_token, issued_for)
        matching = filter(filters.matches, read(size + 1, position["after"]))
        shown = list(itertools.islice(matching, size + 1))  # one more than shown: is there a next page?
        total, page = position["total"], position["page"]
    elif index_order:
        _deep_enough(page, size)
        wanted = page * size + 1
        window = list(itertools.islice(filter(filters.matches, read(min(wanted, 1000))), wanted))
        shown = window[(page - 1) * size :]
        last_page = len(window) < wanted
        total = _organization_total(caller.organization_id, filters) if filters.counted() else None
        if total is None and last_page:
            total = len(window)
    else:
        _deep_enough(page, size)
        items = _bounded(read(BOUNDED_READ + 1), f"sort by {field}", "SORT_TOO_BROAD")
        ordered = _sorted([item for item in items if filters.matches(item)], field, descending)
        total = len(ordered)
        shown = ordered[(page - 1) * size : page * size + 1]
    more, shown = len(shown) > size, shown[:size]
    token = None
    if more and index_order:
        token = cursor.encode(
            {"after": repository.index_position(shown[-1]), "total": total, "page": page + 1}, issued_for
        )
    return InvoicePage(
        items=[parse_invoice(item) for item in shown],
        total=total,
        page=page,
        size=size,
        pages=None if total is None else math.ceil(total / size),
        next_token=token,
    )


def _organization_total(organization_id: UUID, filters: InvoiceFilters) -> int:
    counts = invoice_counts(repository.get_rollup(organization_id, counts_sk()))
    return sum(
        number
        for (status, kind), number in counts.items()
        if (not filters.statuses or status in filters.statuses)
        and (not filters.types or kind in filters.types)
    )
