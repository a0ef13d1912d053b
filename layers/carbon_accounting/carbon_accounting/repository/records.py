"""The shape of every item the table stores: one record type per item kind (docs/data-model.md).

Every repository function takes and returns these. They are ``TypedDict``s, plain dicts at run time
(the warm list path pays nothing for them), so that a reader knows which keys an item has and what
each holds, and the type checker holds every reader to it.

Numbers: a number read back from the table is a ``Decimal`` (the exact decimal stored:
``table.from_item``); a number this process computed before writing it is a ``float`` or an ``int``.
A field that may be either is a ``Number``: whoever reads it as a float converts it (``float(...)``).

Facilities, organizations, users, API keys and custom emission factors are stored as their own
models (``carbon_accounting.models``) and read back into them: those models are their records.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal, Required, TypedDict

Number = Decimal | float | int
"""A stored number: ``Decimal`` as read back, ``float`` or ``int`` as computed before a write."""

Item = dict[str, Any]
"""An item in DynamoDB's own attribute-value form (``{"name": {"S": "..."}}``), on its way in or out."""

AttributeValue = dict[str, Any]
"""One attribute in that form: ``{"S": "..."}``, ``{"N": "1"}``..."""

Key = dict[str, Any]
"""An item's key in that form: ``{"pk": {"S": ...}, "sk": {"S": ...}}``."""

Decoded = dict[str, Any]
"""An item read back (``table.from_item``) before its reader has named its kind: the aggregate
modules return it as its record, and a stream reader tells the kind by its ``entity``."""

Changes = Mapping[str, Any]
"""An update's changes to an item of any kind (a part of its record): a field set to None is removed."""


# ------------------------------------------------------------------ invoices


class ShareRecord(TypedDict, total=False):
    """One facility's share of an invoice (``facility_percentages``): the names are kept as they were
    when the invoice was allocated."""

    organization_id: Required[str]
    facility_id: Required[str]
    percentage: Required[Number]
    company_name: str | None
    facility_name: str | None


class FactorRecord(TypedDict, total=False):
    """One factor behind an invoice's figures (``emission_factors``; ``emissions.FactorUsed``)."""

    id: str
    source: str
    year: Number
    region: str
    value: Number
    unit: str
    method: str
    dataset_version: str
    basis: str


class ScopePartRecord(TypedDict, total=False):
    """One part of the figures by scope (``emissions_by_scope``; ``emissions.ScopePart``)."""

    scope: Number
    category: Number | None
    co2e: Number
    co2e_location_based: Number


class YearRecord(TypedDict, total=False):
    """One calendar year's figures of an invoice (``emissions_by_year``; ``emissions.YearEmissions``)."""

    year: Number
    days: Number
    co2e: Number
    co2e_location_based: Number
    co2e_biomass: Number
    by_scope: list[ScopePartRecord]


class FieldReadingRecord(TypedDict, total=False):
    """One field read from a document: its value, where it was read and how surely."""

    value: str | Number | None
    page: Number | None
    source: str
    confidence: Number


class ExtractionRecord(TypedDict, total=False):
    """What was read from an invoice's document (``documents.extraction.BillReading``, as kept)."""

    extractor: str
    read_at: str
    reason: str | None
    fields: dict[str, FieldReadingRecord]
    tariff_periods: list[dict[str, Any]]
    missing: list[str]
    problems: list[str]


class QualityFlagRecord(TypedDict):
    """One of an invoice's quality flags (``supply.models.QualityFlag``)."""

    kind: str
    detail: str


class CustomFactorCopy(TypedDict, total=False):
    """The custom emission factor an invoice was created with, copied (``models.CustomEmissionFactor``
    dumped as JSON): an edit of the factor does not change figures already computed with it."""

    id: str
    organization_id: str
    name: str
    unit_id: str
    factor: Number
    valid_from: str | None
    valid_to: str | None
    renewable_percentage: Number | None
    version: Number
    created_at: str
    updated_at: str


class InvoiceRecord(TypedDict, total=False):
    """An invoice, ``ORG#<org> / INVOICE#<id>``. Four kinds share this record:

    - a **single** invoice: allocated to one facility (``facility_id``; ``facility_percentages`` its
      one share);
    - a distributed **parent**: no ``facility_id``; ``children`` lists its facilities' invoices and
      ``facility_percentages`` their shares; it holds their totals;
    - a distributed **child**: one facility's share, stored under that facility's organization;
      ``source_invoice_id`` and ``source_organization_id`` name its parent;
    - a document's **draft**: ``uploaded``, ``extracting`` or ``review``, no period yet (or one read),
      with ``extraction`` and, until it is read, a ``ttl``.

    Every stored invoice has ``id``, ``status`` and ``version``. Dates are ISO text (YYYY-MM-DD),
    times ISO-8601 UTC text; ids are UUID text. The same record is an update's changes: a field an
    update sets to None is removed from the item.
    """

    # identity and state: every invoice
    id: str
    organization_id: str  # set by the repository as it writes (``invoices.invoice_item``)
    entity: Literal["invoice"]
    status: str  # models.InvoiceStatus
    version: Number
    created_at: str
    updated_at: str
    enabled: bool
    # what was billed (absent from a draft until it is read; a draft may know its type)
    type: str | None  # emissions.InvoiceType
    base_quantity: Number  # as sent, of the whole invoice
    quantity: Number  # this invoice's share of base_quantity
    percentage: Number
    unit_id: str
    original_quantity: Number | None  # a quantity converted from currency (null since issue 28)
    original_unit_id: str | None
    start_date: str
    end_date: str
    invoice_id: str | None  # the supplier's number
    cups: str | None
    supplier_id: str | None
    facility_fuel_id: str | None
    custom_emission_factor_id: str | None
    custom_emission_factor: CustomFactorCopy | None
    certified_quantity: Number | None
    calorific_basis: str | None
    toc_id: str | None
    uploaded_by: str | None
    origin: str | None  # how it was filed: csv (a bulk import) or document; absent: typed in the API
    # the attachment (files.attachment)
    file_id: str | None
    file_url: str | None
    file_name: str | None
    file_key: str | None
    file_version_id: str | None
    # where: the facility and its location, as its grid factors are chosen by
    facility_id: str | None
    country: str  # of every invoice with a facility (absent from a parent and a draft)
    subdivision: str | None
    postal_code: str | None
    facility_percentages: list[ShareRecord] | None
    # its supply point (supply.identifiers.point_of) and how far it looks like its neighbours
    supply_point_id: str | None  # single invoices and children
    reading: str | None  # actual or estimated, as the bill says
    quality_flags: list[QualityFlagRecord]  # supply.quality: set with the figures
    # the item's keys (set by the repository)
    pk: str
    sk: str
    # a distributed invoice
    children: list[list[str]]  # parent: [organization id, invoice id] of each child
    source_invoice_id: str | None  # child: its parent
    source_organization_id: str  # child: its parent's organization
    # figures (invoices.calculation)
    co2e: Number | None
    co2e_biomass: Number | None
    co2e_location_based: Number | None
    co2e_consumption: Number | None
    co2e_generation: Number | None
    co2e_transmission_and_distribution: Number | None
    scope: Number
    emissions_by_scope: list[ScopePartRecord] | None
    emissions_by_year: list[YearRecord] | None
    emission_factors: list[FactorRecord]
    notices: list[str]
    certified_share: Number | None  # electricity: the share covered by certificates (not a parent)
    error_messages: list[str]
    dataset_version: str | None
    methodology_version: str | None
    data_release: Number  # emissions.releases: what a scheduled recalculation finds it by
    data_years: str
    # a pending calculation (removed once it settles)
    pending_reason: str | None  # models.HistoryReason
    resume_status: str | None  # the user's status (inactive, review) to go back to
    recalculation_job: str | None  # the requested recalculation that sent it
    recalculated_by: str | None
    # a document's draft (intake.documents)
    extraction: ExtractionRecord | None
    duplicate_of: str | None
    document_facility_id: str | None
    created_by: str | None
    ttl: Number | None
    # index keys (invoices._index_keys)
    gsi1pk: str | None
    gsi1sk: str | None
    gsi2pk: str | None
    gsi2sk: str | None
    gsi3pk: str | None
    gsi3sk: str | None
    gsi4pk: str | None
    gsi4sk: str | None
    gsi5pk: str | None
    gsi5sk: str | None


def is_draft(invoice: InvoiceRecord) -> bool:
    """A stored invoice drafted from a document and not filled in yet (``uploaded``, or in ``review``
    for what it lacks): nothing to compute, recalculate or list by period."""
    return invoice.get("base_quantity") is None


class HistoryRecord(TypedDict, total=False):
    """An invoice's figures after one calculation, ``ORG#<org> / HISTORY#<invoice>#<version>``."""

    invoice_id: str
    version: Number
    at: str
    reason: str  # models.HistoryReason
    status: str
    co2e: Number | None
    co2e_location_based: Number | None
    emissions_by_scope: list[ScopePartRecord] | None
    emission_factors: list[FactorRecord] | None
    dataset_version: str | None
    methodology_version: str | None


class BillMarkRecord(TypedDict):
    """The invoice a bill's identity (supply, number, period) was filled in as, ``BILL#<sha256>``."""

    invoice_id: str


# ------------------------------------------------------------------ files and jobs


class FileRecord(TypedDict, total=False):
    """An attachment, ``ORG#<org> / FILE#<id>`` (the object itself is in S3 under ``key``)."""

    id: str
    name: str
    mime_type: str
    size_kb: Number  # as announced
    size_bytes: Number  # as uploaded
    status: str  # models.FileStatus
    key: str
    url: str
    created_by: str
    created_at: str
    updated_at: str
    uploaded_at: str | None
    version: Number
    ttl: Number | None  # a pending file expires
    object_version_id: str | None  # the S3 version that passed the upload check
    error: str | None
    organization_id: str  # a document's file: what the stream reader finds its draft by
    invoice_id: str  # a document's file: the draft invoice it is read into


class RowErrorRecord(TypedDict):
    row: Number
    code: str
    detail: str


class ImportJobRecord(TypedDict, total=False):
    """A bulk import, ``ORG#<org> / IMPORT#<id>`` (its CSV and error report are in S3)."""

    id: str
    status: str  # models.ImportStatus
    file_name: str
    created_by: str
    user_id: str | None
    rows_total: Number | None
    rows_processed: Number
    rows_created: Number
    rows_failed: Number
    errors: list[RowErrorRecord]
    error_report: bool | None
    detail: str | None
    object_version: str | None  # the uploaded version being imported (pinned by the first run)
    created_at: str
    updated_at: str
    version: Number
    gsi3pk: str | None
    gsi3sk: str | None


class ScheduleStepRecord(TypedDict, total=False):
    """One index range the scheduled run reads: abandoned imports or jobs, stuck or stale invoices."""

    partition: Required[str]
    below: Required[str]
    release: Number | None  # stale invoices: of a data release before this one
    imports: bool
    jobs: bool


class RecalculationJobRecord(TypedDict, total=False):
    """A requested recalculation, ``ORG#<org> / RECALC#<id>``, or the scheduled one's run,
    ``RECALCULATION / SCHEDULE`` (no ``organization_id``): what to send, how far it got, what it did."""

    id: str
    organization_id: str | None
    status: str  # invoices.recalculation.JobStatus
    version: Number
    created_at: str
    updated_at: str
    claimed_by: str | None  # the stream record whose worker runs it
    failures: Number
    handed_over: Number
    # requested: by ids or by filter; the cursor is a position in invoice_ids, or in the gsi2 list
    invoice_ids: list[str]
    filter: dict[str, Any]
    cursor: Any
    count: Number | None
    ignored: Number
    queued: Number
    calculated: Number
    changed: Number
    failed: Number
    deleted: Number
    # scheduled: the ranges to read, and what was found (its cursor is {"step", "after"})
    started_at: str
    finished_at: str
    steps: list[ScheduleStepRecord]
    found: Number
    recovered: Number
    recalculated: Number
    pinned: Number
    imports_failed: Number
    jobs_resumed: Number
    jobs_failed: Number
    gsi3pk: str | None
    gsi3sk: str | None


# ------------------------------------------------------------------ rollups

RollupRecord = dict[str, Any]
"""A rollup cell, ``ORG#<org> / ROLLUP#...``: beside its keys, one ``Decimal`` per thing it counts,
named by what it counts (``n|<status>|<type>``, ``<type>|<part>|co2e``...: ``rollups.contribution``);
so its attributes cannot be listed as a record's."""


class MarkRecord(TypedDict, total=False):
    """The last change of an invoice the rollups have applied, ``ORG#<org> / APPLIED#<invoice>``."""

    organization_id: Required[str]
    invoice_id: Required[str]
    invoice_version: Number | None
    piece: Number | None
    deleted: bool
    expires_at: Number | None
