"""Invoices drafted from uploaded bills: ``uploaded`` → read → ``loading`` (then the calculator), or
``review`` with what is missing or contradictory, until a PATCH gives it.

``announce_document`` records the draft (its id is final) with the file it will be read from, and
gives the presigned POST. Once the upload check passes the file, the table's stream runs
``on_file_change``: the document is read (``extractors``, ``extraction``), and
the draft is filled in with the create rules (``invoices.rules.prepare_invoice``) or sent to
review. Every step is conditional on the draft being as read, so a redelivered record, a second
upload through the same POST or a racing PATCH or DELETE changes nothing twice.

Duplicates: a bill whose supply (its CUPS, or its facility and type), supplier's invoice number and
period match an invoice of the organization is ``review`` with ``duplicate_of``. Two copies of one bill
read at the same moment are told apart by the bill's mark (``repository.documents``), written with
the fill in one transaction: only one of them can claim it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from pydantic import ValidationError

from carbon_accounting import clock, files, ids, repository
from carbon_accounting.errors import BadRequest, Conflict, InvoiceNotFound, VersionConflict
from carbon_accounting.intake.documents.extraction import REQUIRED, BillReading, Reason, read_bill
from carbon_accounting.intake.documents.extractors import Extractor, Unreadable, extractor
from carbon_accounting.invoices.models import (
    DocumentRequest,
    DocumentUpload,
    Invoice,
    InvoiceCreate,
    parse_invoice,
)
from carbon_accounting.invoices.rules import prepare_invoice
from carbon_accounting.models import Caller, FacilityStatus, FileStatus, InvoiceStatus
from carbon_accounting.repository import documents as store
from carbon_accounting.repository.records import (
    Decoded,
    ExtractionRecord,
    FieldReadingRecord,
    FileRecord,
    InvoiceRecord,
)

logger = logging.getLogger(__name__)

# A draft whose document never arrives goes when its file does (files.PENDING_DAYS).
_PENDING_SECONDS = files.PENDING_DAYS * 86400
# The fields of a create request a document's reading may give.
_READ_FIELDS = (
    "type",
    "start_date",
    "end_date",
    "base_quantity",
    "unit_id",
    "cups",
    "supplier_id",
    "invoice_id",
    "facility_fuel_id",
    "reading",
)


def announce_document(caller: Caller, request: DocumentRequest) -> DocumentUpload:
    """Record an ``uploaded`` invoice and the PDF it will be read from; the presigned POST to send it."""
    if request.facility_id is not None:
        facility = repository.get_facility(caller.organization_id, request.facility_id)
        if facility is None or facility.status is not FacilityStatus.ACTIVE:
            raise BadRequest(
                f"Facility {request.facility_id} is not an active facility of this organization",
                "INVALID_FACILITY",
                "facility_id",
            )
    invoice_id = ids.new_id()
    file, upload = files.new_file(
        caller,
        request.file_name,
        request.mime_type,
        request.size_kb,
        document_of=invoice_id,
    )
    now = clock.now()
    draft: InvoiceRecord = {
        "id": str(invoice_id),
        "type": request.type,
        "status": str(InvoiceStatus.UPLOADED),
        "file_id": file["id"],
        "file_name": file["name"],
        "file_key": file["key"],
        "document_facility_id": str(request.facility_id) if request.facility_id else None,
        "uploaded_by": str(caller.user_id) if caller.user_id else None,
        "created_by": caller.principal,
        "origin": "document",
        "enabled": True,
        "error_messages": [],
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "ttl": int(time.time()) + _PENDING_SECONDS,
    }
    store.put_document(caller.organization_id, file, draft)
    return DocumentUpload(invoice=parse_invoice(draft), upload=upload)


# ------------------------------------------------------------------ reading


def on_file_change(new: Decoded | None, time_left: Callable[[], float] | None = None) -> str | None:
    """A stream record's new image of a file: read it if it is a document's that just settled.

    Returns the draft's new status (None when there was nothing to do).
    """
    if not new or new.get("entity") != "file" or not new.get("invoice_id"):
        return None
    file = cast(FileRecord, new)
    organization, invoice_id = UUID(file["organization_id"]), UUID(file["invoice_id"])
    if file["status"] == FileStatus.ERROR:
        return _refused(organization, invoice_id, file.get("error") or "The upload was refused")
    if file["status"] != FileStatus.UPLOADED:
        return None
    return read_document(organization, invoice_id, extractor(time_left))


def _refused(organization: UUID, invoice_id: UUID, problem: str) -> str | None:
    """An upload the check refused (not a PDF, larger than announced): the draft fails, saying why."""
    draft = repository.get_invoice(organization, invoice_id)
    if draft is None or draft["status"] != InvoiceStatus.UPLOADED:
        return None
    changes: InvoiceRecord = {"status": str(InvoiceStatus.ERROR), "error_messages": [problem], "ttl": None}
    update = repository.InvoiceUpdate(draft, changes, int(draft["version"]))
    repository.update_invoices([update], clock.now())
    return str(InvoiceStatus.ERROR)


def read_document(organization: UUID, invoice_id: UUID, reader: Extractor) -> str | None:
    """Read an ``uploaded`` draft's document and fill the draft in, or send it to review."""
    draft = repository.get_invoice(organization, invoice_id)
    if draft is None or draft["status"] != InvoiceStatus.UPLOADED:
        return None  # read already (a redelivered record), or deleted
    file = repository.get_file(organization, UUID(str(draft["file_id"])))
    if file is None or file["status"] != FileStatus.UPLOADED:
        return None
    given_facility = draft.get("document_facility_id")
    facility = UUID(given_facility) if given_facility else None
    started = time.perf_counter()
    try:
        lines = reader.lines(file["key"], file.get("object_version_id"))
    except Unreadable as unreadable:
        bill = BillReading(reason=Reason.UNREADABLE, problems=[str(unreadable)])
    else:
        bill = read_bill(
            lines,
            given_type=draft.get("type"),
            given_facility=facility,
            facilities=repository.list_facilities(organization),
        )
    logger.info(
        "Document read",
        extra={
            "invoice_id": str(invoice_id),
            "reason": bill.reason,
            "ms": (time.perf_counter() - started) * 1e3,
        },
    )
    extraction = bill.as_stored() | {"extractor": reader.name, "read_at": clock.now()}
    draft = draft | {"file_version_id": file.get("object_version_id")}
    if bill.reason is None:
        return _fill_or_review(organization, draft, bill, extraction)
    return _review(draft, extraction)


def _request(draft: InvoiceRecord, fields: dict[str, FieldReadingRecord]) -> dict[str, Any]:
    """The create request a draft stands for: what was read, and the draft's own file and user."""
    request = {name: fields[name]["value"] for name in _READ_FIELDS if name in fields}
    if "facility_id" in fields:
        request["facility_id"] = fields["facility_id"]["value"]
    request["file_id"] = draft["file_id"]
    request["uploaded_by"] = draft.get("uploaded_by")
    return request


def _caller(organization: UUID, draft: InvoiceRecord) -> Caller:
    """Who the draft is filled in for: whoever uploaded it."""
    user = draft.get("uploaded_by")
    return Caller(
        organization_id=organization, principal=str(draft["created_by"]), user_id=UUID(user) if user else None
    )


def _identity(invoice: InvoiceRecord) -> str | None:
    """What makes two bills the same bill: the supply, the supplier's number and the period."""
    if not invoice.get("invoice_id"):
        return None
    supply = invoice.get("cups") or f"{invoice.get('facility_id')}#{invoice['type']}"
    return f"{supply}|{str(invoice['invoice_id']).casefold()}|{invoice['start_date']}|{invoice['end_date']}"


def _duplicate(organization: UUID, invoice: InvoiceRecord) -> str | None:
    """An invoice of the organization that this one repeats."""
    identity = _identity(invoice)
    if identity is None:
        return None
    for other in store.invoices_starting(organization, invoice["start_date"]):
        if other["id"] != invoice["id"] and _identity(other) == identity:
            return str(other["id"])
    return None


def _fill_or_review(
    organization: UUID, draft: InvoiceRecord, bill: BillReading, extraction: ExtractionRecord
) -> str | None:
    draft = draft | {"extraction": extraction}
    try:
        facility, invoice = _prepared(_caller(organization, draft), draft, _request(draft, bill.fields))
    except BadRequest as refused:
        extraction |= {"reason": Reason.REJECTED, "problems": [*bill.problems, refused.detail]}
        return _review(draft, extraction)
    duplicate_of = _duplicate(organization, invoice)
    identity = _identity(invoice)
    replaces: str | None = None
    for _ in range(2):
        if duplicate_of is not None:
            return _review(draft, extraction | {"reason": Reason.DUPLICATE}, duplicate_of)
        mark = (identity, replaces) if identity else None
        outcome = store.fill_draft(organization, draft, invoice, facility, mark)
        if outcome == "written":
            return str(InvoiceStatus.LOADING)
        if outcome == "changed":
            return None  # deleted or edited since it was read, or its facility archived just now
        # Another document holds the bill's mark: a duplicate, unless that invoice has gone or changed.
        assert identity is not None
        replaces = store.get_bill_mark(organization, identity)
        marked = repository.get_invoice(organization, UUID(replaces)) if replaces else None
        duplicate_of = str(marked["id"]) if marked and _identity(marked) == identity else None
    return None


def _prepared(
    caller: Caller, draft: InvoiceRecord, request: dict[str, Any]
) -> tuple[tuple[UUID, UUID], InvoiceRecord]:
    """The invoice item a draft becomes by the create rules (raising their BadRequest), and the
    ``(organization, facility)`` it is allocated to. It keeps the draft's id, creation and reading."""
    try:
        data = InvoiceCreate.model_validate(
            {name: value for name, value in request.items() if value is not None}
        )
    except ValidationError as invalid:
        error = invalid.errors()[0]
        field = ".".join(map(str, error["loc"]))
        raise BadRequest(f"{field}: {error['msg']}", "VALIDATION_ERROR", field) from None
    prepared = prepare_invoice(caller, data, invoice_id=UUID(draft["id"]))
    ((_, invoice),) = prepared.invoices
    (facility,) = prepared.facilities
    return facility, invoice | {
        "created_at": draft["created_at"],
        "created_by": draft["created_by"],
        "version": int(draft["version"]) + 1,
        "duplicate_of": draft.get("duplicate_of"),
        "extraction": draft.get("extraction"),
    }


def _review(
    draft: InvoiceRecord, extraction: ExtractionRecord, duplicate_of: str | None = None
) -> str | None:
    changes: InvoiceRecord = {
        "status": str(InvoiceStatus.REVIEW),
        "extraction": extraction,
        "duplicate_of": duplicate_of,
        "file_version_id": draft.get("file_version_id"),
        "ttl": None,
    }
    fields = extraction["fields"]  # what is shown (and filterable) in the review queue:
    for name in ("type", "cups", "invoice_id"):
        if name in fields:
            changes[name] = cast(str, fields[name]["value"])
    written = repository.update_invoices(
        [repository.InvoiceUpdate(draft, changes, int(draft["version"]))], clock.now()
    )
    return str(InvoiceStatus.REVIEW) if written else None


# ------------------------------------------------------------------ completing a review


def complete(caller: Caller, draft: InvoiceRecord, changes: dict[str, Any]) -> Invoice:
    """PATCH of a draft in review (its If-Match already checked): what was read, with the request's
    fields, by the create rules; the invoice goes to ``loading``. ``{"status": "active"}`` alone
    accepts what was read as it is."""
    if draft["status"] != InvoiceStatus.REVIEW:
        raise Conflict(
            f"The invoice is {draft['status']}: its document is still being read", "INVALID_STATUS_TRANSITION"
        )
    status = changes.pop("status", None)
    if status not in (None, "active"):
        raise Conflict(
            f"An invoice read from a document is completed (or accepted with status active), not set "
            f"{status}: delete it if it is not to be counted",
            "INVALID_STATUS_TRANSITION",
        )
    extraction = draft.get("extraction") or {"fields": {}}
    request = _request(draft, extraction["fields"])
    if {"file_id", "file_url"} & changes.keys():  # the attachment is replaced, however it is named
        request.pop("file_id")
    request |= {name: str(value) if isinstance(value, UUID) else value for name, value in changes.items()}
    if request.get("facility_id") is None:
        request["facility_id"] = draft.get("document_facility_id")
    for name in REQUIRED:
        if request.get(name) is None:
            raise BadRequest(
                f"{name} is required: the document did not give it", "MISSING_REQUIRED_FIELD", name
            )
    facility, invoice = _prepared(caller, draft, request)
    if store.fill_draft(facility[0], draft, invoice, facility, None) != "written":
        current = repository.get_invoice(caller.organization_id, UUID(draft["id"]))
        if current is None:
            raise InvoiceNotFound()
        raise VersionConflict(int(current["version"]))
    return parse_invoice(invoice)
