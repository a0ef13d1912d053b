"""An invoice's life: created ``loading``, computed by the stream calculator, then ``active`` or ``error``;
edited and deleted.

Creating and editing hold the request to ``invoices.rules`` and write the invoice (or a distributed
parent and its children) in one transaction. The quantity is kept in the unit it was sent in (the
engine converts; ``original_quantity``/``original_unit_id`` keep their public meaning, a quantity
converted from currency, and stay null). Invoices created before issue 28 were stored in their type's
canonical unit with what was sent in ``original_*``: they read back as stored, and edit as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from pydantic import ValidationError

from carbon_accounting import clock, repository
from carbon_accounting.errors import BadRequest, Conflict, InvoiceNotFound, VersionConflict
from carbon_accounting.invoices import rules
from carbon_accounting.invoices.models import (
    Invoice,
    InvoiceCreate,
    InvoiceUpdate,
    parse_invoice,
)
from carbon_accounting.models import Caller, FacilityStatus, HistoryReason, InvoiceStatus
from carbon_accounting.repository.records import InvoiceRecord, ShareRecord, is_draft
from carbon_accounting.supply import quality
from carbon_accounting.supply.identifiers import derived_point
from carbon_accounting.versions import parse_if_match


def create_invoice(caller: Caller, data: InvoiceCreate, user_id: UUID | None = None) -> Invoice:
    """Check and store a new invoice, ``loading`` until the calculator has computed it."""
    prepared = rules.prepare_invoice(caller, data, user_id)
    if not repository.create_invoices(prepared.invoices, prepared.facilities):
        raise BadRequest("A facility was archived while the invoice was being created", "INVALID_FACILITY")
    return parse_invoice(prepared.invoices[0][1])


def _organization_name(caller: Caller) -> str | None:
    organization = repository.get_organization(caller.organization_id)
    return organization.name if organization else None


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


def _as_request(item: InvoiceRecord) -> dict[str, Any]:
    """The create-shaped request a stored invoice stands for (quantity as the user sent it)."""
    request: dict[str, Any] = {
        "type": item["type"],
        "base_quantity": float(item.get("original_quantity") or item["base_quantity"]),
        "unit_id": item.get("original_unit_id") or item["unit_id"],
        "start_date": item["start_date"],
        "end_date": item["end_date"],
        "toc": item.get("toc_id"),
    }
    stored = cast(Mapping[str, Any], item)
    for name in (
        "invoice_id",
        "supplier_id",
        "facility_fuel_id",
        "cups",
        "file_id",
        "custom_emission_factor_id",
        "calorific_basis",
        "reading",
    ):
        request[name] = stored.get(name)
    certified = item.get("certified_quantity")
    if certified is not None:
        request["certified_quantity"] = float(certified)
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
        # Imported where used: the document machinery is no part of a create's or an edit's cold start.
        from carbon_accounting.intake.documents import drafts

        return drafts.complete(caller, item, update.changes())
    changes = _changes(caller, item, update)
    if not changes:
        return parse_invoice(item)
    return parse_invoice(_write(caller, item, changes, version))


def _changes(caller: Caller, item: InvoiceRecord, update: InvoiceUpdate) -> InvoiceRecord:
    """What the update changes of a stored invoice, held to the rules of creation: a status on its
    own, or fields (re-checked together with what is stored), a move to another facility, and the
    return to ``loading`` when an emission field changed."""
    if update.type is not None and update.type != item["type"]:
        raise BadRequest("An invoice's type cannot change: create another", "FIELD_NOT_ALLOWED", "type")
    requested = update.changes()
    requested.pop("type", None)
    status = requested.pop("status", None)
    if status is not None and requested:
        raise BadRequest("Change status on its own, not with other fields", "INVALID_STATUS_TRANSITION")
    if status is not None and item["status"] not in _USER_STATUSES:
        raise Conflict(f"A {item['status']} invoice cannot be set {status}", "INVALID_STATUS_TRANSITION")
    changes: InvoiceRecord = {"status": status} if status else {}
    if "uploaded_by" in requested:
        changes["uploaded_by"] = rules.uploader(caller, requested.pop("uploaded_by"))
    facility_id = requested.pop("facility_id", None)
    if requested or facility_id:
        request = _as_request(item)
        if {"file_id", "file_url"} & requested.keys():  # the attachment is replaced, however it is named
            request["file_id"] = None
        checked = rules.checked(caller, _revalidated(request | requested))
        stored = cast(Mapping[str, Any], item)
        differing = {name: value for name, value in checked.items() if _differs(stored.get(name), value)}
        changes |= cast(InvoiceRecord, differing)
    if facility_id and str(facility_id) != item.get("facility_id"):
        changes |= _moved_to(caller, item, facility_id)
    if "reading" in changes:
        changes["quality_flags"] = quality.with_reading(item.get("quality_flags") or [], changes["reading"])
    if _LINKING & (update.model_fields_set | changes.keys()):
        changes |= _relinked(item, changes, requested.get("supply_point_id"))
    if _EMISSION_FIELDS & changes.keys():
        # An invoice edited before its calculation keeps the reason it was waiting for (created...).
        reason = item.get("pending_reason") if item["status"] == InvoiceStatus.LOADING else None
        changes |= {
            "status": str(InvoiceStatus.LOADING),
            "error_messages": [],
            "pending_reason": reason or str(HistoryReason.EDITED),
        }
    if "base_quantity" in changes:  # single invoices and distributed parents hold the whole quantity
        changes["quantity"] = changes["base_quantity"]
    return changes


# What names an invoice's supply point: a change of any of them links it again.
_LINKING = frozenset({"supply_point_id", "cups", "facility_fuel_id", "facility_id"})


def _relinked(item: InvoiceRecord, changes: InvoiceRecord, point_id: UUID | None) -> InvoiceRecord:
    """A single invoice's supply point after the changes: the one named, else the one its fields
    name. A distributed invoice's shares follow their own facilities (``_write``)."""
    if item.get("children"):
        if point_id is not None:
            raise rules.distributed_point()
        return {}
    after = item | changes
    facility_id = after.get("facility_id")
    if not facility_id:
        return {}
    if point_id is not None:  # a single invoice is stored in its facility's organization
        facility = repository.get_facility(UUID(item["organization_id"]), UUID(facility_id))
        if facility is None:  # facilities are archived, never deleted: a record written wrong
            raise BadRequest(f"Facility {facility_id} is not found", "INVALID_FACILITY")
        return {"supply_point_id": rules.linked_point(facility, point_id, after)}
    derived = derived_point(facility_id, after)
    return {"supply_point_id": derived.id if derived else None}


def _write(caller: Caller, item: InvoiceRecord, changes: InvoiceRecord, version: int) -> InvoiceRecord:
    """Write the changes, a distributed invoice's children following in the same transaction; the
    invoice as written. 404 or 412 when it was deleted or changed since it was read."""
    updates = [repository.InvoiceUpdate(item, changes, version)]
    children = repository.get_invoices((UUID(org), UUID(child)) for org, child in item.get("children", []))
    for child in children:
        child_changes = changes.copy()
        child_changes.pop("facility_percentages", None)
        if "base_quantity" in changes:
            child_changes["quantity"] = float(changes["base_quantity"]) * float(child["percentage"])
        if "reading" in changes:
            child_changes["quality_flags"] = quality.with_reading(
                child.get("quality_flags") or [], changes["reading"]
            )
        if _LINKING & changes.keys():  # each share is its own facility's supply point's
            derived = derived_point(child["facility_id"] or "", child | child_changes)
            child_changes["supply_point_id"] = derived.id if derived else None
        updates.append(repository.InvoiceUpdate(child, child_changes, None))
    written = repository.update_invoices(updates, clock.now())
    if written is None:  # deleted or changed since it was read (a racing DELETE or PATCH)
        current = repository.get_invoice(caller.organization_id, UUID(item["id"]))
        if current is None:
            raise InvoiceNotFound()
        raise VersionConflict(int(current["version"]))
    return written[0]


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


def _moved_to(caller: Caller, item: InvoiceRecord, facility_id: UUID) -> InvoiceRecord:
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
    share: ShareRecord = {
        "organization_id": str(facility.organization_id),
        "facility_id": str(facility.id),
        "percentage": 1.0,
        "company_name": _organization_name(caller),
        "facility_name": facility.name,
    }
    return {"facility_id": str(facility.id), **rules.location(facility), "facility_percentages": [share]}
