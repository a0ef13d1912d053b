"""The rules an invoice is created by, whichever way it comes in (the API, a PATCH, a CSV row, a bill
read from a PDF): every check of what the user can get wrong, and the items a checked invoice becomes
(a single invoice, or a distributed parent and its children). Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import cast
from uuid import UUID

from carbon_accounting import clock, custom_factors, emissions, files, ids, repository
from carbon_accounting.cups import normalize_cups
from carbon_accounting.errors import BadRequest
from carbon_accounting.invoices.allocation import Allocation, allocate
from carbon_accounting.invoices.models import FIELDS_BY_TYPE, MAX_PERIOD_DAYS, TYPE_SPECIFIC, InvoiceCreate
from carbon_accounting.models import Caller, Facility, HistoryReason, InvoiceStatus
from carbon_accounting.repository import Reads
from carbon_accounting.repository.records import CustomFactorCopy, InvoiceRecord, ShareRecord
from carbon_accounting.supply import points, quality
from carbon_accounting.supply.identifiers import derived_point


def _invoice_type(value: str) -> emissions.InvoiceType:
    try:
        return emissions.InvoiceType(value)
    except ValueError:
        allowed = ", ".join(emissions.InvoiceType)
        raise BadRequest(
            f"Invoice type {value!r} is not one of {allowed}", "INVALID_INVOICE_TYPE", "type"
        ) from None


def _check_fields(invoice_type: emissions.InvoiceType, data: InvoiceCreate) -> None:
    optional, required = FIELDS_BY_TYPE[invoice_type]
    for name in sorted(required):
        if getattr(data, name) is None:
            raise BadRequest(
                f"{name} is required for {invoice_type} invoices", "MISSING_REQUIRED_FIELD", name
            )
    for name in sorted(TYPE_SPECIFIC - optional - required):
        if getattr(data, name) is not None:
            raise BadRequest(f"{name} is not accepted on {invoice_type} invoices", "FIELD_NOT_ALLOWED", name)


def _check_catalogue_references(data: InvoiceCreate) -> None:
    fuel = emissions.fuel(data.facility_fuel_id) if data.facility_fuel_id else None
    if data.facility_fuel_id and fuel is None:
        raise BadRequest(
            f"Unknown facility_fuel_id {data.facility_fuel_id}", "INVALID_FACILITY_FUEL", "facility_fuel_id"
        )
    if data.calorific_basis is not None:
        unit = emissions.unit(data.unit_id)
        if fuel is None or fuel.purchased or unit is None or unit.type != emissions.UnitType.ENERGY:
            raise BadRequest(
                "calorific_basis is the basis of an energy quantity of a fuel burned: give it with an "
                "energy unit_id and a burned fuel, or leave it out",
                "INVALID_CALORIFIC_BASIS",
                "calorific_basis",
            )
    if data.supplier_id and emissions.supplier(data.supplier_id) is None:
        raise BadRequest(f"Unknown supplier_id {data.supplier_id}", "INVALID_SUPPLIER", "supplier_id")


def _checked_quantity(invoice_type: emissions.InvoiceType, data: InvoiceCreate) -> InvoiceRecord:
    """The quantity and unit as sent, once the unit is known to fit the type: the engine converts
    (through the fuel's properties, for heat) where a factor is given in another unit, so that an
    invoice reads back as its bill printed it (100 litres of diesel stay 100 litres)."""
    unit = emissions.unit(data.unit_id)
    if unit is None:
        raise BadRequest(f"Unknown unit_id {data.unit_id}", "INVALID_UNIT", "unit_id")
    if unit.type not in emissions.units_for(invoice_type):
        accepted = ", ".join(sorted(emissions.units_for(invoice_type)))
        raise BadRequest(
            f"A {unit.type} unit is not valid for {invoice_type} invoices ({accepted})",
            "INVALID_UNIT",
            "unit_id",
        )
    return {"base_quantity": data.base_quantity, "unit_id": str(unit.id)}


# An invoice's period: within the years emission factors are published for (1990 on, the Kyoto base
# year) up to the end of next year (an invoice billed in advance), and at most two years long.
EARLIEST_DATE = date(1990, 1, 1)


def _check_period(start: date, end: date) -> None:
    latest = date(datetime.now(UTC).year + 1, 12, 31)
    for name, day in (("start_date", start), ("end_date", end)):
        if not EARLIEST_DATE <= day <= latest:
            raise BadRequest(
                f"{name} {day} is outside {EARLIEST_DATE} to {latest}", "INVALID_DATE_RANGE", name
            )
    if end < start:
        raise BadRequest("end_date is before start_date", "INVALID_DATE_RANGE", "end_date")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise BadRequest(
            f"The period is {(end - start).days + 1} days; an invoice covers at most {MAX_PERIOD_DAYS} "
            "(two years): split it",
            "INVALID_DATE_RANGE",
            "end_date",
        )


def uploader(caller: Caller, user_id: UUID | None, reads: Reads = repository) -> str | None:
    """The invoice's ``uploaded_by``: the calling user, or a member of the organization it is created
    for (a member of a parent organization is a member of its subsidiaries); else 400 INVALID_USER."""
    if user_id is None or user_id == caller.user_id:
        return _text(user_id)
    organization = reads.get_organizations([caller.organization_id]).get(caller.organization_id)
    if organization is None or not repository.member_of_any(user_id, organization.lineage):
        raise BadRequest(
            f"User {user_id} is not a member of organization {caller.organization_id}",
            "INVALID_USER",
            "uploaded_by",
        )
    return str(user_id)


def checked(caller: Caller, data: InvoiceCreate, reads: Reads = repository) -> InvoiceRecord:
    """The stored fields of a create-shaped request, after every rule but the allocation's.

    Creating, updating and bulk importing all come here, so each is held to exactly the same rules.
    """
    invoice_type = _invoice_type(data.type)
    _check_period(data.start_date, data.end_date)
    _check_fields(invoice_type, data)
    quantity = _checked_quantity(invoice_type, data)
    if data.certified_quantity is not None and data.certified_quantity > data.base_quantity:
        raise BadRequest(
            f"certified_quantity {data.certified_quantity:g} is more than base_quantity "
            f"{data.base_quantity:g}",
            "INVALID_CERTIFIED_QUANTITY",
            "certified_quantity",
        )
    _check_catalogue_references(data)
    custom_factor = (
        custom_factors.get_custom_emission_factor(caller, data.custom_emission_factor_id, reads)
        if data.custom_emission_factor_id
        else None
    )
    copy = cast(CustomFactorCopy, custom_factor.model_dump(mode="json")) if custom_factor else None
    return {
        "type": str(invoice_type),
        "start_date": data.start_date.isoformat(),
        "end_date": data.end_date.isoformat(),
        "invoice_id": data.invoice_id,
        "cups": normalize_cups(data.cups) if data.cups else None,
        **files.attachment(caller, data.file_id, data.file_url),
        "supplier_id": _text(data.supplier_id),
        "facility_fuel_id": _text(data.facility_fuel_id),
        "custom_emission_factor_id": _text(data.custom_emission_factor_id),
        "custom_emission_factor": copy,
        "toc_id": data.toc,
        "certified_quantity": data.certified_quantity,
        "calorific_basis": data.calorific_basis,
        "reading": data.reading,
        "original_quantity": None,
        "original_unit_id": None,
        **quantity,
    }


@dataclass(frozen=True)
class Prepared:
    """A checked invoice ready to write: ``(organization id, item)`` pairs (the invoice first, then a
    distributed invoice's children) and the ``(organization id, facility id)`` it is allocated to."""

    invoices: list[tuple[UUID, InvoiceRecord]]
    facilities: list[tuple[UUID, UUID]]


def prepare_invoice(
    caller: Caller,
    data: InvoiceCreate,
    user_id: UUID | None = None,
    reads: Reads = repository,
    invoice_id: UUID | None = None,
) -> Prepared:
    """Check a new invoice against every rule and build its items, ``loading``; nothing is written.

    ``reads`` is where facilities, organizations and custom factors are read (a bulk import caches them);
    ``invoice_id``, the id it gets (a document's draft keeps its own), else a new one.
    """
    fields = checked(caller, data, reads)
    allocations = allocate(caller, data, reads)
    linked = _linked_point(caller, data, fields, allocations) if data.supply_point_id else None
    now = clock.now()
    common: InvoiceRecord = {
        **fields,
        "quality_flags": quality.estimated(data.reading),
        "status": str(InvoiceStatus.LOADING),
        "pending_reason": str(HistoryReason.CREATED),
        "uploaded_by": uploader(caller, data.uploaded_by or user_id or caller.user_id, reads),
        "enabled": True,
        "error_messages": [],
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    shares = [_share(allocation) for allocation in allocations]
    parent_id = invoice_id or ids.new_id()
    if len(allocations) == 1:
        (only,) = allocations
        invoices = [
            (only.facility.organization_id, _allocated(common, parent_id, only, shares, None, linked))
        ]
    else:
        children = [
            (
                allocation.facility.organization_id,
                _allocated(common, ids.new_id(), allocation, None, parent_id),
            )
            for allocation in allocations
        ]
        for _, child in children:
            child["source_organization_id"] = str(caller.organization_id)
        parent: InvoiceRecord = {
            **common,
            "id": str(parent_id),
            "percentage": 1.0,
            "quantity": common["base_quantity"],
        }
        # Where the children are, so the calculator can total them (not part of the API's invoice).
        parent |= {
            "facility_percentages": shares,
            "children": [[str(org), child["id"]] for org, child in children],
        }
        invoices = [(caller.organization_id, parent), *children]
    return Prepared(invoices, [(a.facility.organization_id, a.facility.id) for a in allocations])


def _linked_point(
    caller: Caller, data: InvoiceCreate, fields: InvoiceRecord, allocations: list[Allocation]
) -> str:
    """The supply point a new invoice names by ``supply_point_id`` (``linked_point``); a distributed
    invoice cannot name one."""
    if len(allocations) != 1:
        raise distributed_point()
    assert data.supply_point_id is not None
    return linked_point(allocations[0].facility, data.supply_point_id, fields)


def distributed_point() -> BadRequest:
    """What a distributed invoice naming a supply point is answered (created or edited)."""
    return BadRequest(
        "A supply point is inside one facility: a distributed invoice's shares are linked to their "
        "facilities' supply points by its cups or type",
        "INVALID_SUPPLY_POINT",
        "supply_point_id",
    )


def linked_point(facility: Facility, point_id: UUID, invoice: InvoiceRecord) -> str:
    """``point_id``, if it is a supply point of the invoice's facility, of its type (and of its CUPS,
    when it gives one); else 400 INVALID_SUPPLY_POINT."""
    point = points.find(facility.organization_id, facility, point_id)
    if point is None or point.type != invoice["type"]:
        raise BadRequest(
            f"Supply point {point_id} is not a {invoice['type']} supply point of facility {facility.id}",
            "INVALID_SUPPLY_POINT",
            "supply_point_id",
        )
    cups = invoice.get("cups")
    if cups and point.identifier_kind == "cups" and point.identifier != cups:
        raise BadRequest(
            f"Supply point {point.id} is CUPS {point.identifier}, not {cups}",
            "INVALID_SUPPLY_POINT",
            "supply_point_id",
        )
    return str(point.id)


def _text(value: UUID | None) -> str | None:
    return str(value) if value else None


def _share(allocation: Allocation) -> ShareRecord:
    return {
        "organization_id": str(allocation.facility.organization_id),
        "facility_id": str(allocation.facility.id),
        "percentage": allocation.percentage,
        "company_name": allocation.organization.name,
        "facility_name": allocation.facility.name,
    }


def _allocated(
    common: InvoiceRecord,
    invoice_id: UUID,
    allocation: Allocation,
    shares: list[ShareRecord] | None,
    parent_id: UUID | None,
    supply_point_id: str | None = None,
) -> InvoiceRecord:
    """A facility's invoice: a single invoice (with its one share) or a distributed invoice's child,
    linked to ``supply_point_id`` or the supply point its fields name in its facility."""
    facility_id = str(allocation.facility.id)
    derived = derived_point(facility_id, common)
    return {
        **common,
        "id": str(invoice_id),
        "facility_id": facility_id,
        "supply_point_id": supply_point_id or (derived.id if derived else None),
        **location(allocation.facility),
        "percentage": allocation.percentage,
        "quantity": float(common["base_quantity"]) * allocation.percentage,
        "facility_percentages": shares,
        "source_invoice_id": _text(parent_id),
    }


def location(facility: Facility) -> InvoiceRecord:
    """Where the facility is, as its invoices keep it: what their grid factors are chosen by."""
    return {
        "country": facility.country,
        "subdivision": facility.subdivision,
        "postal_code": facility.postal_code,
    }
