"""The bulk importer: a job's CSV becomes invoices, each row held to exactly the rules of the API.

Every row is read into a create request and goes through ``rules.prepare_invoice``, the same
checks as ``POST /api/v1/invoices``; a row that breaks one is reported, never dropped. Valid rows
are written ``loading`` (so the calculator computes them) in chunks: one TransactWriteItems holds a
chunk's invoices and the job's progress past them, conditional on the progress before it. So a
duplicate delivery of the upload event, a retry after a timeout, or two deliveries at once can
never write a row twice, and a retry resumes after the last chunk written.

Accepted race: a facility archived during an import still receives the rows checked before.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from carbon_accounting import clock, emissions, repository, storage
from carbon_accounting.errors import ApiError, BadRequest
from carbon_accounting.intake import imports
from carbon_accounting.invoices import rules
from carbon_accounting.invoices.models import InvoiceCreate
from carbon_accounting.models import (
    Caller,
    CustomEmissionFactor,
    Facility,
    ImportStatus,
    Organization,
    RowError,
)
from carbon_accounting.repository.records import ImportJobRecord, RowErrorRecord
from carbon_accounting.spreadsheets import spreadsheet_safe

logger = logging.getLogger(__name__)

COLUMNS = (
    "type",
    "base_quantity",
    "unit",
    "start_date",
    "end_date",
    "facility_id",
    "facility_percentages",
    "invoice_id",
    "supplier_id",
    "facility_fuel_id",
    "cups",
    "custom_emission_factor_id",
    "toc",
    "certified_quantity",
    "calorific_basis",
    "supply_point_id",
    "reading",
)
REQUIRED_COLUMNS = ("type", "base_quantity", "unit", "start_date", "end_date")
ERRORS_SHOWN = 100
DETAIL_CHARS = 300  # a detail may quote a cell: the job's first 100 errors must fit in one item
CHUNK_ROWS = 200
CHUNK_INVOICES = 99  # TransactWriteItems takes 100 actions: the invoices and the job's progress
_KEY = re.compile(r"imports/(?P<organization>[0-9a-f-]{36})/(?P<job>[0-9a-f-]{36})")
# Columns whose value is passed to the create request as it is (the others are parsed).
_AS_IS = tuple(column for column in COLUMNS if column not in ("unit", "facility_percentages"))


class BadFile(Exception):
    """The file cannot be imported at all; the job fails with this detail."""


@dataclass
class Row:
    number: int  # the spreadsheet row: the header is row 1
    cells: list[str]
    prepared: rules.Prepared | None = None
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str | None, code: str, detail: str) -> None:
        """Record why the row can't be imported (a long detail is cut: it may quote a cell)."""
        if len(detail) > DETAIL_CHARS:
            detail = detail[: DETAIL_CHARS - 1] + "…"
        self.errors.append(RowError(row=self.number, field=column, code=code, detail=detail))


# ------------------------------------------------------------------ reading the file


def read_csv(content: bytes) -> tuple[list[str], list[Row]]:
    """The file's columns and its non-blank rows; ``BadFile`` says what to fix when it can't be read."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadFile(f"The file is not UTF-8 text (byte {error.start}): export it as 'CSV UTF-8'") from None
    if not text.strip():
        raise BadFile("The file is empty: the first line names the columns, one invoice per line after it")
    records = csv.reader(io.StringIO(text, newline=""))
    try:
        return _parsed(next(records), records)
    except csv.Error as error:
        raise BadFile(f"The file is not valid CSV (line {records.line_num}): {error}") from None


def _parsed(header: list[str], records: Iterator[list[str]]) -> tuple[list[str], list[Row]]:
    columns = [name.strip().lower() for name in header]
    if len(columns) == 1:
        for separator, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if separator in header[0]:
                raise BadFile(f"Columns are separated by {name}: separate them with commas")
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise BadFile(f"Unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise BadFile(f"Column(s) {', '.join(repeated)} appear more than once")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if not {"facility_id", "facility_percentages"} & set(columns):
        missing.append("facility_id or facility_percentages")
    if missing:
        raise BadFile(f"Missing column(s): {', '.join(missing)}")
    rows = [Row(index + 2, cells) for index, cells in enumerate(records) if any(c.strip() for c in cells)]
    if not rows:
        raise BadFile("The file has a header but no invoice rows")
    if len(rows) > imports.MAX_IMPORT_ROWS:
        raise BadFile(
            f"The file has {len(rows):,} rows; a file takes at most {imports.MAX_IMPORT_ROWS:,}: split it"
        )
    return columns, rows


def _unit_id(text: str) -> str:
    """A unit id, from an id or a unit's name: its catalogue name or its symbol (kWh, m3, ...)."""
    wanted = text.strip().casefold().replace("m3", "m³")
    for unit in emissions.units():
        if wanted in (str(unit.id), unit.name.casefold(), unit.symbol):
            return str(unit.id)
    raise BadRequest(
        f"Unknown unit {text!r}: give a unit id or a symbol such as kWh or m3", "INVALID_UNIT", "unit"
    )


def _shares(text: str, organization_id: UUID) -> list[dict[str, str]]:
    """``facility:share;facility:share`` (``organization/facility`` for a subsidiary's facility)."""
    shares = []
    for part in filter(None, (part.strip() for part in text.split(";"))):
        facility, separator, percentage = part.rpartition(":")
        if not separator:
            raise BadRequest(
                f"{part!r} is not facility_id:share, e.g. <facility id>:0.6;<facility id>:0.4",
                "VALIDATION_ERROR",
                "facility_percentages",
            )
        organization, _, facility = facility.rpartition("/")
        shares.append(
            {
                "organization_id": organization.strip() or str(organization_id),
                "facility_id": facility.strip(),
                "percentage": percentage.strip(),
            }
        )
    return shares


def _request(columns: list[str], row: Row, organization_id: UUID) -> dict[str, Any]:
    """The create request a row stands for."""
    if len(row.cells) != len(columns):
        raise BadRequest(
            f"The row has {len(row.cells)} cells; the header has {len(columns)}", "VALIDATION_ERROR"
        )
    cells = {name: cell.strip() for name, cell in zip(columns, row.cells, strict=True)}
    request: dict[str, Any] = {name: cells[name] for name in _AS_IS if cells.get(name)}
    if cells.get("unit"):
        request["unit_id"] = _unit_id(cells["unit"])
    if cells.get("facility_percentages"):
        request["facility_percentages"] = _shares(cells["facility_percentages"], organization_id)
    return request


# ------------------------------------------------------------------ checking rows


class CachedReads:
    """The repository's reads for an invoice's checks, each key read once per import."""

    def __init__(self) -> None:
        self._organizations: dict[UUID, Organization | None] = {}
        self._facilities: dict[tuple[UUID, UUID], Facility | None] = {}
        self._factors: dict[tuple[UUID, UUID], CustomEmissionFactor | None] = {}

    def get_organizations(self, organization_ids: Any) -> dict[UUID, Organization]:
        wanted = set(organization_ids)
        missing = wanted - self._organizations.keys()
        if missing:
            found = repository.get_organizations(missing)
            self._organizations |= {each: found.get(each) for each in missing}
        return {each: org for each in wanted if (org := self._organizations[each]) is not None}

    def get_facilities(self, keys: Any) -> dict[UUID, Facility]:
        wanted = set(keys)
        missing = wanted - self._facilities.keys()
        if missing:
            found = repository.get_facilities(missing)
            self._facilities |= {key: found.get(key[1]) for key in missing}
        return {key[1]: facility for key in wanted if (facility := self._facilities[key]) is not None}

    def get_organizations_and_facilities(
        self, organization_ids: Any, keys: Any
    ) -> tuple[dict[UUID, Organization], dict[UUID, Facility]]:
        return self.get_organizations(organization_ids), self.get_facilities(keys)

    def get_custom_emission_factor(
        self, organization_id: UUID, factor_id: UUID
    ) -> CustomEmissionFactor | None:
        key = (organization_id, factor_id)
        if key not in self._factors:
            self._factors[key] = repository.get_custom_emission_factor(organization_id, factor_id)
        return self._factors[key]


_COLUMN_OF_FIELD = {"unit_id": "unit"}


def check_row(caller: Caller, columns: list[str], row: Row, reads: CachedReads) -> None:
    """Prepare the row's invoice with the API's rules, or record why it can't be imported."""
    try:
        # A CSV cell is text: numbers are read from it (strict=False), then held to the same bounds.
        data = InvoiceCreate.model_validate(_request(columns, row, caller.organization_id), strict=False)
        row.prepared = rules.prepare_invoice(caller, data, caller.user_id, reads)
        for _, item in row.prepared.invoices:
            item["origin"] = "csv"
    except ValidationError as invalid:
        for error in invalid.errors():
            name = str(error["loc"][0]) if error["loc"] else None
            row.fail(_COLUMN_OF_FIELD.get(name or "", name), "VALIDATION_ERROR", error["msg"])
    except ApiError as refused:
        name = _COLUMN_OF_FIELD.get(refused.field or "", refused.field)
        if name == "facility_percentages" and "facility_percentages" not in columns:
            name = "facility_id"
        row.fail(name, refused.code, refused.detail)


# ------------------------------------------------------------------ writing


def _progress(rows: list[Row], end: int) -> ImportJobRecord:
    """The job's counters once the first ``end`` rows are processed (absolute values: idempotent)."""
    done = rows[:end]
    errors = [cast(RowErrorRecord, error.model_dump()) for row in done for error in row.errors][:ERRORS_SHOWN]
    return {
        "rows_processed": end,
        "rows_created": sum(row.prepared is not None for row in done),
        "rows_failed": sum(bool(row.errors) for row in done),
        "errors": errors,
    }


def _chunks(rows: list[Row], start: int) -> list[tuple[int, int]]:
    """``(start, end)`` row ranges from ``start`` on, each written in one transaction."""
    ranges, begin, invoices = [], start, 0
    for index in range(start, len(rows)):
        prepared = rows[index].prepared
        size = len(prepared.invoices) if prepared else 0
        if invoices + size > CHUNK_INVOICES or index - begin >= CHUNK_ROWS:
            ranges.append((begin, index))
            begin, invoices = index, 0
        invoices += size
    if begin < len(rows):
        ranges.append((begin, len(rows)))
    return ranges


def _report(columns: list[str], rows: list[Row]) -> bytes:
    """Every failed row as it was sent (but for formula escaping), with its reasons."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", *columns, "field", "code", "detail"])
    for row in rows:
        if row.errors:
            reasons = [(error.field or "", error.code, error.detail) for error in row.errors]
            cells = [row.number, *row.cells, *("; ".join(part) for part in zip(*reasons, strict=True))]
            writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return out.getvalue().encode()


def run_import(key: str, version_id: str | None) -> ImportStatus | None:
    """Import the CSV uploaded for a job; the job's final status (None: no job, or another run has it)."""
    match = _KEY.fullmatch(key)
    if match is None:
        logger.warning("Object %s is not an import's key; left alone", key)
        return None
    organization_id, job_id = UUID(match["organization"]), UUID(match["job"])
    version = version_id or "null"  # what S3 calls an unversioned object's version
    job = repository.claim_import_job(organization_id, job_id, version, clock.now())
    if job is None:
        current = repository.get_import_job(organization_id, job_id)
        if current is None or current.get("object_version", version) != version:
            logger.warning("%s is not the upload job %s imports; left alone", key, job_id)
            return None
        return ImportStatus(current["status"])  # finished: a repeated event

    def finish(changes: ImportJobRecord) -> ImportStatus:
        repository.update_import_job(organization_id, job_id, changes, clock.now(), ImportStatus.PROCESSING)
        return ImportStatus(changes["status"])

    try:
        return _import(organization_id, job_id, job, key, version_id, finish)
    except BadFile as bad:
        return finish({"status": str(ImportStatus.FAILED), "detail": str(bad)})
    except (BotoCoreError, ClientError):
        raise  # an AWS fault: the event is retried, and the run resumes after the last chunk written
    except Exception:
        # A bug of ours, which a retry would only repeat: the job fails saying so, it is never stuck.
        logger.exception("Import job %s failed", job_id)
        detail = "The import stopped on an unexpected error; the rows counted as processed were imported"
        return finish({"status": str(ImportStatus.FAILED), "detail": detail})


def _import(
    organization_id: UUID,
    job_id: UUID,
    job: ImportJobRecord,
    key: str,
    version_id: str | None,
    finish: Callable[[ImportJobRecord], ImportStatus],
) -> ImportStatus | None:
    columns, rows = _read(key, version_id)
    caller = Caller(organization_id=organization_id, principal=job["created_by"], user_id=job.get("user_id"))
    reads = CachedReads()
    for row in rows:
        check_row(caller, columns, row, reads)
    repository.update_import_job(
        organization_id, job_id, {"rows_total": len(rows)}, clock.now(), ImportStatus.PROCESSING
    )
    for begin, end in _chunks(rows, int(job["rows_processed"])):
        invoices = [pair for row in rows[begin:end] if row.prepared for pair in row.prepared.invoices]
        if not repository.write_import_chunk(
            organization_id, job_id, invoices, _progress(rows, end), begin, clock.now()
        ):
            logger.warning("Job %s moved on under another run; this one stops", job_id)
            return None
    failed = any(row.errors for row in rows)
    if failed:
        storage.write(imports.report_key(organization_id, job_id), _report(columns, rows), "text/csv")
    status = ImportStatus.COMPLETED_WITH_ERRORS if failed else ImportStatus.COMPLETED
    return finish({"status": str(status), "error_report": failed})


def _read(key: str, version_id: str | None) -> tuple[list[str], list[Row]]:
    stored = storage.head(key, version_id)
    if stored is None:
        raise BadFile("The uploaded file is gone")
    if stored.size > imports.MAX_IMPORT_BYTES:
        raise BadFile(
            f"The file is {stored.size:,} bytes; a file takes at most {imports.MAX_IMPORT_BYTES:,}: split it"
        )
    return read_csv(storage.read(key, version_id))
