"""An invoice's life: created ``loading``, computed by the stream calculator, then ``active`` or ``error``.

Creating checks everything the user can get wrong, keeps the quantity in the unit it was sent in (the
engine converts; ``original_quantity``/``original_unit_id`` keep their public meaning, a quantity
converted from currency, and stay null), and writes the invoice (or a distributed parent and its
children) in one transaction. Invoices created before issue 28 were stored in their type's canonical
unit with what was sent in ``original_*``: they read back as stored, and edit as sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from carbon_accounting import clock, custom_factors, emissions, files, ids, repository
from carbon_accounting.cups import normalize_cups
from carbon_accounting.errors import BadRequest, Conflict, InvoiceNotFound, VersionConflict
from carbon_accounting.invoices.allocation import Allocation, allocate
from carbon_accounting.invoices.models import (
    FIELDS_BY_TYPE,
    MAX_PERIOD_DAYS,
    TYPE_SPECIFIC,
    Invoice,
    InvoiceCreate,
    InvoiceUpdate,
    parse_invoice,
)
from carbon_accounting.models import Caller, Facility, FacilityStatus, HistoryReason, InvoiceStatus, is_draft
from carbon_accounting.repository import Reads
from carbon_accounting.versions import parse_if_match


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


def _checked_quantity(invoice_type: emissions.InvoiceType, data: InvoiceCreate) -> dict[str, Any]:
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


def _uploader(caller: Caller, user_id: UUID | None, reads: Reads = repository) -> str | None:
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


def _organization_name(caller: Caller) -> str | None:
    organization = repository.get_organization(caller.organization_id)
    return organization.name if organization else None


def _checked(caller: Caller, data: InvoiceCreate, reads: Reads = repository) -> dict[str, Any]:
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
        "custom_emission_factor": custom_factor.model_dump(mode="json") if custom_factor else None,
        "toc_id": data.toc,
        "certified_quantity": data.certified_quantity,
        "calorific_basis": data.calorific_basis,
        "original_quantity": None,
        "original_unit_id": None,
        **quantity,
    }


@dataclass(frozen=True)
class Prepared:
    """A checked invoice ready to write: ``(organization id, item)`` pairs (the invoice first, then a
    distributed invoice's children) and the ``(organization id, facility id)`` it is allocated to."""

    invoices: list[tuple[UUID, dict[str, Any]]]
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
    checked = _checked(caller, data, reads)
    allocations = allocate(caller, data, reads)
    now = clock.now()
    common = {
        **checked,
        "status": str(InvoiceStatus.LOADING),
        "pending_reason": str(HistoryReason.CREATED),
        "uploaded_by": _uploader(caller, data.uploaded_by or user_id or caller.user_id, reads),
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
        invoices = [(only.facility.organization_id, _allocated(common, parent_id, only, shares, None))]
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
        parent = {**common, "id": str(parent_id), "percentage": 1.0, "quantity": common["base_quantity"]}
        # Where the children are, so the calculator can total them (not part of the API's invoice).
        parent |= {
            "facility_percentages": shares,
            "children": [[str(org), child["id"]] for org, child in children],
        }
        invoices = [(caller.organization_id, parent), *children]
    return Prepared(invoices, [(a.facility.organization_id, a.facility.id) for a in allocations])


def create_invoice(caller: Caller, data: InvoiceCreate, user_id: UUID | None = None) -> Invoice:
    """Check and store a new invoice, ``loading`` until the calculator has computed it."""
    prepared = prepare_invoice(caller, data, user_id)
    if not repository.create_invoices(prepared.invoices, prepared.facilities):
        raise BadRequest("A facility was archived while the invoice was being created", "INVALID_FACILITY")
    return parse_invoice(prepared.invoices[0][1])


def _text(value: UUID | None) -> str | None:
    return str(value) if value else None


def _share(allocation: Allocation) -> dict[str, Any]:
    return {
        "organization_id": str(allocation.facility.organization_id),
        "facility_id": str(allocation.facility.id),
        "percentage": allocation.percentage,
        "company_name": allocation.organization.name,
        "facility_name": allocation.facility.name,
    }


def _allocated(
    common: dict[str, Any],
    invoice_id: UUID,
    allocation: Allocation,
    shares: list[dict[str, Any]] | None,
    parent_id: UUID | None,
) -> dict[str, Any]:
    """A facility's invoice: a single invoice (with its one share) or a distributed invoice's child."""
    return {
        **common,
        "id": str(invoice_id),
        "facility_id": str(allocation.facility.id),
        **_location(allocation.facility),
        "percentage": allocation.percentage,
        "quantity": common["base_quantity"] * allocation.percentage,
        "facility_percentages": shares,
        "source_invoice_id": _text(parent_id),
    }


def _location(facility: Facility) -> dict[str, Any]:
    """Where the facility is, as its invoices keep it: what their grid factors are chosen by."""
    return {
        "country": facility.country,
        "subdivision": facility.subdivision,
        "postal_code": facility.postal_code,
    }


_DELETE_ATTEMPTS = 3


def delete_invoice(caller: Caller, invoice_id: UUID) -> None:
    """Delete an invoice; a distributed parent takes its children with it, in one transaction.

    A child alone cannot be deleted: its parent's allocation would no longer add up.
    """
    for _ in range(_DELETE_ATTEMPTS):
        item = repository.get_invoice(caller.organization_id, invoice_id)
        if item is None:
            raise InvoiceNotFound()
        if item.get("source_invoice_id"):
            raise Conflict(
                f"This invoice is the share of one facility in distributed invoice "
                f"{item['source_invoice_id']}: delete or edit that invoice instead",
                "DISTRIBUTED_CHILD",
            )
        children = [(UUID(org), UUID(child)) for org, child in item.get("children", [])]
        # A requested recalculation waiting for this invoice counts it as deleted, or it never ends.
        waiting = item["status"] == InvoiceStatus.LOADING and item.get("recalculation_job")
        if repository.delete_invoices(
            [(caller.organization_id, invoice_id), *children], item if waiting else None
        ):
            return
    # Settled, or edited, between each read and its delete: rare enough that the client may retry.
    raise Conflict("The invoice kept changing while it was being deleted: retry", "INVOICE_CHANGED")


# ------------------------------------------------------------------ update

# Changing any of these sends the invoice back to the calculator.
_EMISSION_FIELDS = frozenset(
    {
        "base_quantity",
        "unit_id",
        "start_date",
        "end_date",
        "facility_id",
        "supplier_id",
        "facility_fuel_id",
        "custom_emission_factor_id",
        "custom_emission_factor",
        "certified_quantity",
        "calorific_basis",
    }
)
_USER_STATUSES = frozenset({"active", "inactive", "review"})


def _as_request(item: dict[str, Any]) -> dict[str, Any]:
    """The create-shaped request a stored invoice stands for (quantity as the user sent it)."""
    request = {
        "type": item["type"],
        "base_quantity": float(item.get("original_quantity") or item["base_quantity"]),
        "unit_id": item.get("original_unit_id") or item["unit_id"],
        "start_date": item["start_date"],
        "end_date": item["end_date"],
        "toc": item.get("toc_id"),
    }
    for name in (
        "invoice_id",
        "supplier_id",
        "facility_fuel_id",
        "cups",
        "file_id",
        "custom_emission_factor_id",
        "calorific_basis",
    ):
        request[name] = item.get(name)
    if item.get("certified_quantity") is not None:
        request["certified_quantity"] = float(item["certified_quantity"])
    return request


def _differs(old: Any, new: Any) -> bool:
    return (float(old) != float(new)) if isinstance(old, Decimal) and new is not None else old != new


def update_invoice(
    caller: Caller, invoice_id: UUID, update: InvoiceUpdate, if_match: str | None = None
) -> Invoice:
    """Apply a partial update with the rules of creation; an emissions change goes back to ``loading``.

    A distributed invoice's children follow their parent in the same transaction; a child alone is
    409 DISTRIBUTED_CHILD. ``If-Match`` makes the update fail with 412 on a stale version.
    """
    item = repository.get_invoice(caller.organization_id, invoice_id)
    if item is None:
        raise InvoiceNotFound()
    if item.get("source_invoice_id"):
        raise Conflict(
            f"This invoice is one facility's share of invoice {item['source_invoice_id']}: edit that one",
            "DISTRIBUTED_CHILD",
        )
    version = int(item["version"])
    expected = parse_if_match(if_match)
    if expected is not None and expected != version:
        raise VersionConflict(version)
    if is_draft(item):  # read from a document and not filled in yet: the PATCH completes it
        from carbon_accounting.documents.drafts import complete

        return complete(caller, item, update.changes())
    if update.type is not None and update.type != item["type"]:
        raise BadRequest("An invoice's type cannot change: create another", "FIELD_NOT_ALLOWED", "type")

    requested = update.changes()
    requested.pop("type", None)
    status = requested.pop("status", None)
    if status is not None and requested:
        raise BadRequest("Change status on its own, not with other fields", "INVALID_STATUS_TRANSITION")
    if status is not None and item["status"] not in _USER_STATUSES:
        raise Conflict(f"A {item['status']} invoice cannot be set {status}", "INVALID_STATUS_TRANSITION")
    changes: dict[str, Any] = {"status": status} if status else {}
    if "uploaded_by" in requested:
        changes["uploaded_by"] = _uploader(caller, requested.pop("uploaded_by"))
    facility_id = requested.pop("facility_id", None)
    if requested or facility_id:
        request = _as_request(item)
        if {"file_id", "file_url"} & requested.keys():  # the attachment is replaced, however it is named
            request["file_id"] = None
        checked = _checked(caller, _revalidated(request | requested))
        changes |= {name: value for name, value in checked.items() if _differs(item.get(name), value)}
    if facility_id and str(facility_id) != item.get("facility_id"):
        changes |= _moved_to(caller, item, facility_id)
    if _EMISSION_FIELDS & changes.keys():
        # An invoice edited before its calculation keeps the reason it was waiting for (created...).
        reason = item.get("pending_reason") if item["status"] == InvoiceStatus.LOADING else None
        changes |= {
            "status": str(InvoiceStatus.LOADING),
            "error_messages": [],
            "pending_reason": reason or str(HistoryReason.EDITED),
        }
    if not changes:
        return parse_invoice(item)
    if "base_quantity" in changes:  # single invoices and distributed parents hold the whole quantity
        changes["quantity"] = changes["base_quantity"]

    updates: list[tuple[dict[str, Any], dict[str, Any], int | None]] = [(item, changes, version)]
    children = repository.get_invoices((UUID(org), UUID(child)) for org, child in item.get("children", []))
    for child in children:
        child_changes = {name: value for name, value in changes.items() if name != "facility_percentages"}
        if "base_quantity" in changes:
            child_changes["quantity"] = changes["base_quantity"] * float(child["percentage"])
        updates.append((child, child_changes, None))
    written = repository.update_invoices(updates, clock.now())
    if written is None:  # deleted or changed since it was read (a racing DELETE or PATCH)
        current = repository.get_invoice(caller.organization_id, invoice_id)
        if current is None:
            raise InvoiceNotFound()
        raise VersionConflict(int(current["version"]))
    return parse_invoice(written[0])


def _revalidated(request: dict[str, Any]) -> InvoiceCreate:
    """The stored invoice with the update applied, as a create request.

    A stored value the request models no longer accept (written before a bound existed) is named,
    so the caller can send a valid one along with the change.
    """
    try:
        return InvoiceCreate.model_validate(request)
    except ValidationError as invalid:
        error = invalid.errors()[0]
        field = ".".join(map(str, error["loc"]))
        raise BadRequest(
            f"The stored {field} is not valid today ({error['msg']}): send a new {field} with this change",
            "VALIDATION_ERROR",
            field,
        ) from None


def _moved_to(caller: Caller, item: dict[str, Any], facility_id: UUID) -> dict[str, Any]:
    """The changes that allocate a single invoice to another facility of its organization."""
    if item.get("children"):
        raise BadRequest(
            "A distributed invoice's facilities are changed by replacing the invoice", "INVALID_FACILITY"
        )
    facility = repository.get_facility(caller.organization_id, facility_id)
    if facility is None or facility.status is not FacilityStatus.ACTIVE:
        raise BadRequest(
            f"Facility {facility_id} is not an active facility of this organization", "INVALID_FACILITY"
        )
    share = {
        "organization_id": str(facility.organization_id),
        "facility_id": str(facility.id),
        "percentage": 1.0,
    }
    return {
        "facility_id": str(facility.id),
        **_location(facility),
        "facility_percentages": [
            share | {"company_name": _organization_name(caller), "facility_name": facility.name}
        ],
    }
