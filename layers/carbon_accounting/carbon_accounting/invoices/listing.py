"""Listing a facility's invoices, as the public API's "casted" list shows them.

One Query on gsi1 reads the facility's invoices (single ones and the children of distributed ones
allocated to it) that start by the end of the asked period; filters, counts, sorting and paging run
on those. The cost therefore follows the facility's own invoices, never the size of the table.
"""

import hashlib
import itertools
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from carbon_accounting import cursor, emissions, repository
from carbon_accounting.base import Model
from carbon_accounting.errors import BadRequest, FacilityNotFound
from carbon_accounting.files import linked
from carbon_accounting.invoices.models import Invoice, InvoiceCommon, parse_invoice
from carbon_accounting.models import Caller, CustomEmissionFactor, InvoiceStatus

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
    percentage: str  # the public list shows the share as text, e.g. "0.6"
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


def _sorted(items: list[dict[str, Any]], field: str, descending: bool) -> list[dict[str, Any]]:
    """Items by ``field``; those without a value come last, whichever the direction."""
    present = [item for item in items if item.get(field) is not None]
    present.sort(key=lambda item: item[field], reverse=descending)
    return present + [item for item in items if item.get(field) is None]


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
    if repository.get_facility(caller.organization_id, facility_id) is None:
        raise FacilityNotFound()

    since = _day(start_date) if start_date is not None else None
    items = [
        item
        for item in repository.list_facility_invoices(
            caller.organization_id, facility_id, _day(end_date) if end_date is not None else None
        )
        if (since is None or item["end_date"] >= since)
        and (not types or item["type"] in types)
        and (invoice_id is None or item.get("invoice_id") == invoice_id)
        and (field is None or str(item.get(field)) == wanted)
    ]
    ordered = _sorted(items, sort_field, descending=order == "desc")
    shown = ordered[(page - 1) * size : page * size]
    users = repository.get_users(
        caller.organization_id, {UUID(i["uploaded_by"]) for i in shown if i.get("uploaded_by")}
    )
    return FacilityInvoicePage(
        page=page,
        size=size,
        total=sum(item["status"] == InvoiceStatus.ACTIVE for item in items),
        total2=sum(item["status"] == InvoiceStatus.LOADING for item in items),
        total_general=len(items),
        items=[_casted(item, users) for item in shown],
    )


def _casted(item: dict[str, Any], users: dict[UUID, Any]) -> CastedInvoice:
    unit = emissions.unit(UUID(item["unit_id"])) if item.get("unit_id") else None
    supplier = emissions.supplier(UUID(item["supplier_id"])) if item.get("supplier_id") else None
    fuel = emissions.fuel(UUID(item["facility_fuel_id"])) if item.get("facility_fuel_id") else None
    user = users.get(UUID(item["uploaded_by"])) if item.get("uploaded_by") else None
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
    sort: str = "-start_date"

    def matches(self, item: dict[str, Any]) -> bool:
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
        )

    def fingerprint(self) -> str:
        """What a cursor must have been issued for: the same filters and sort."""
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]


class InvoicePage(Model):
    items: list[Invoice]
    total: int
    page: int
    size: int
    pages: int
    next_token: str | None = None


def list_invoices(
    caller: Caller, filters: InvoiceFilters, page: int, size: int, next_token: str | None = None
) -> InvoicePage:
    """A page of the organization's own invoices (single ones and distributed parents).

    By ``page``: reads the organization's invoices starting by ``end_date`` once, for the total.
    By ``next_token`` (only issued for start_date sorts, the index's order): resumes in gsi2 right
    after the previous page and reads about one page, whatever the organization's size.
    """
    field = filters.sort.removeprefix("-")
    if field not in ORGANIZATION_SORTS:
        raise BadRequest(
            f"sort is one of {', '.join(sorted(ORGANIZATION_SORTS))}, - for descending", "INVALID_SORT"
        )
    descending = filters.sort.startswith("-")
    until = filters.end_date.isoformat() if filters.end_date else None
    # A cursor continues only the listing it was issued for: this organization, these filters and sort.
    issued_for = f"{caller.organization_id}:{filters.fingerprint()}"
    if next_token:
        position = cursor.decode(next_token, issued_for)
        matching = (
            item
            for item in repository.organization_invoices(
                caller.organization_id,
                starting_until=until,
                descending=descending,
                after=position["after"],
                page_size=size + 1,  # one more than shown: is there a next page?
            )
            if filters.matches(item)
        )
        shown = list(itertools.islice(matching, size + 1))
        total, page = position["total"], position["page"]
    else:
        everything = repository.organization_invoices(
            caller.organization_id, starting_until=until, descending=descending
        )
        matching_list = [item for item in everything if filters.matches(item)]
        if field != "start_date":
            matching_list = _sorted(matching_list, field, descending)
        total = len(matching_list)
        shown = matching_list[(page - 1) * size : page * size + 1]
    more, shown = len(shown) > size, shown[:size]
    token = None
    if more and field == "start_date":
        token = cursor.encode(
            {"after": repository.index_position(shown[-1]), "total": total, "page": page + 1}, issued_for
        )
    return InvoicePage(
        items=[parse_invoice(item) for item in shown],
        total=total,
        page=page,
        size=size,
        pages=math.ceil(total / size),
        next_token=token,
    )
