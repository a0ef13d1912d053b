"""Recalculation: invoices sent back to the calculator, on request or by the daily schedule.

Recalculating an invoice is what an edit does: it goes back to ``loading`` (a distributed invoice
with its children, in one transaction) and the stream calculator computes it with the current data.
The invoice keeps why (``pending_reason``, for its history), the status its user gave it
(``resume_status``: an ``inactive`` or ``review`` invoice comes back as such) and the requested job
that queued it (``recalculation_job``, whose counters the calculator moves).

Both kinds of job run in the RecalculateInvoicesFunction, page by page (``PAGE`` invoices), saving a
checkpoint after each page. A job short of time hands itself over: it goes back to ``queued``, and
that write, through the table's stream, starts the next invocation where this one stopped. A page
that fails (DynamoDB throttling, say) hands the job over the same way, up to ``MAX_FAILURES`` times.

- Requested (``POST /v1/invoices/recalculate``): the caller's own invoices by id, or those a filter
  matches. Ids of other organizations (and distributed children, recalculated through their parent)
  are ``ignored``: never read beyond their absence from the caller's partition, never revealed.
- Scheduled (daily): every invoice ``loading`` for more than ``STUCK_AFTER`` (its stream event was lost)
  goes back to the calculator, and every invoice of an organization on the ``latest`` policy whose
  figures come from an older data release than the latest one that changed its type and years
  (``emissions.releases``). Both are read from gsi3, which holds exactly those: a day with nothing to
  do reads no invoice. First, it fails the bulk-import jobs whose import stopped for good (still
  ``processing``, unwritten for ``imports.ABANDONED_AFTER``; also in gsi3), and hands over again the
  requested jobs whose worker stopped for good (still queued or running, unwritten for
  ``ABANDONED_AFTER``; also in gsi3), so that every job ends.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, cast
from uuid import UUID

from aws_lambda_powertools import Logger
from pydantic import ConfigDict, Field, model_validator

from carbon_accounting import clock, emissions, ids, repository
from carbon_accounting.base import Model
from carbon_accounting.emissions import releases
from carbon_accounting.errors import NotFound
from carbon_accounting.intake import imports
from carbon_accounting.models import (
    GIVEN,
    NULL,
    Caller,
    FactorPolicy,
    HistoryReason,
    InvoiceStatus,
    IsoDate,
    RequestModel,
)
from carbon_accounting.repository.records import (
    InvoiceRecord,
    RecalculationJobRecord,
    ScheduleStepRecord,
    is_draft,
)

if TYPE_CHECKING:
    from carbon_accounting.invoices.listing import InvoiceFilters

STUCK_AFTER = timedelta(hours=1)
PAGE = 100  # invoices per checkpoint
HAND_OVER_MS = 60_000  # a job with less time left than this hands itself over
ABANDONED_AFTER = timedelta(minutes=20)  # a running job not saved since then lost its worker
MAX_INVOICE_IDS = 1000
MAX_FILTER_FACILITIES = 100
MAX_FAILURES = 3

logger = Logger(child=True)

_LOADING = str(InvoiceStatus.LOADING)
_KEPT_STATUSES = frozenset({str(InvoiceStatus.INACTIVE), str(InvoiceStatus.REVIEW)})


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for a worker (new, or handed over)
    RUNNING = "running"  # sending invoices to the calculator
    CALCULATING = "calculating"  # all sent; the calculator has not settled them all yet
    COMPLETED = "completed"
    FAILED = "failed"  # a page failed MAX_FAILURES times: what was sent stays sent


_IN_PROGRESS = frozenset({str(JobStatus.QUEUED), str(JobStatus.RUNNING)})
# A filter's invoices the request counts; beyond, the job counts them as it goes.
COUNTED_UP_TO = 1_000
# The daily run's counters.
_RUN_COUNTS = (
    "found",
    "recovered",
    "recalculated",
    "pinned",
    "imports_failed",
    "jobs_resumed",
    "jobs_failed",
)

_FILTERS = ("type", "facility_id", "start_date", "end_date")


class RecalculationRequest(RequestModel):
    """``POST /v1/invoices/recalculate``: invoice ids, or a filter (every list means "any of")."""

    # For the document: what _ids_or_filter checks (a field sent as null counts as not given).
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["invoice_ids"],
                    "properties": {"invoice_ids": GIVEN, **dict.fromkeys(_FILTERS, NULL)},
                },
                {
                    "properties": {"invoice_ids": NULL},
                    "anyOf": [{"required": [name], "properties": {name: GIVEN}} for name in _FILTERS],
                },
            ]
        }
    )

    invoice_ids: Annotated[list[UUID], Field(min_length=1, max_length=MAX_INVOICE_IDS)] | None = None
    type: Annotated[list[emissions.InvoiceType], Field(max_length=len(emissions.InvoiceType))] | None = None
    facility_id: Annotated[list[UUID], Field(max_length=MAX_FILTER_FACILITIES)] | None = None
    start_date: IsoDate | None = Field(default=None, description="invoices ending on or after this date")
    end_date: IsoDate | None = Field(default=None, description="invoices starting on or before this date")

    @model_validator(mode="after")
    def _ids_or_filter(self) -> RecalculationRequest:
        filtered = any(getattr(self, name) is not None for name in _FILTERS)
        if (self.invoice_ids is None) == (not filtered):
            raise ValueError("give either invoice_ids or a filter (type, facility_id, start_date, end_date)")
        return self


class RecalculationJob(Model):
    """A requested recalculation's progress: ``count`` invoices to send, ``queued`` sent so far, and
    of those the calculator has settled (how many changed figures and how many ended in ``error``)
    and how many were deleted before it could. It is done once every queued invoice is one or the
    other."""

    job_id: UUID
    status: JobStatus
    count: int | None = Field(
        description="Invoices to send; for a filter matching more than 1,000, null until the job has "
        "found them all (it sets it then), so that the request never reads the whole organization"
    )
    ignored: int
    queued: int
    calculated: int
    changed: int
    failed: int
    deleted: int = Field(default=0, description="Deleted while waiting for the calculator")
    created_at: datetime
    updated_at: datetime


def _as_job(item: RecalculationJobRecord) -> RecalculationJob:
    status = JobStatus(item["status"])
    if status is JobStatus.COMPLETED and int(item["calculated"]) + int(item.get("deleted", 0)) < int(
        item["queued"]
    ):
        status = JobStatus.CALCULATING
    return RecalculationJob.model_validate(item | {"job_id": item["id"], "status": status})


# ------------------------------------------------------------------ sending invoices to the calculator


def _send(item: InvoiceRecord, reason: HistoryReason | None, job_id: str | None = None) -> bool:
    """Send a stored invoice (single or distributed parent) back to the calculator.

    ``reason`` None keeps the pending one (a stuck invoice). False when the invoice changed or went
    since it was read: whoever changed it sent it to the calculator, or deleted it.
    """
    changes: InvoiceRecord = {"status": _LOADING, "error_messages": []}
    if reason is not None and item["status"] != _LOADING:
        changes["pending_reason"] = str(reason)
    if item["status"] in _KEPT_STATUSES:
        changes["resume_status"] = item["status"]
    children = repository.get_invoices((UUID(org), UUID(child)) for org, child in item.get("children", []))
    updates = [repository.InvoiceUpdate(child, changes, None) for child in children]
    if job_id is not None:
        changes = changes | {"recalculation_job": job_id}
    updates.insert(0, repository.InvoiceUpdate(item, changes, int(item["version"])))
    return repository.update_invoices(updates, clock.now()) is not None


def _own_invoices(keys: Iterable[tuple[UUID, UUID]]) -> list[InvoiceRecord]:
    """The stored invoices among ``keys`` that are not distributed children (100 keys per read)."""
    keys = list(keys)
    found: list[InvoiceRecord] = []
    for start in range(0, len(keys), 100):
        found += repository.get_invoices(keys[start : start + 100])
    return [item for item in found if not item.get("source_invoice_id") and not is_draft(item)]


# ------------------------------------------------------------------ requested


def request_recalculation(caller: Caller, request: RecalculationRequest) -> RecalculationJob:
    """Queue a recalculation of the caller's invoices; the job, with how many it covers."""
    organization = caller.organization_id
    now = clock.now()
    job: RecalculationJobRecord = {"id": str(ids.new_id()), "organization_id": str(organization)}
    if request.invoice_ids is not None:
        asked = list(dict.fromkeys(request.invoice_ids))
        own = _own_invoices((organization, invoice_id) for invoice_id in asked)
        job |= {
            "invoice_ids": [item["id"] for item in own],
            "count": len(own),
            "ignored": len(asked) - len(own),
        }
    else:
        filters = _filters(request)
        found = sum(1 for _ in itertools.islice(_matching(organization, filters), COUNTED_UP_TO + 1))
        job |= {
            "filter": request.model_dump(mode="json", exclude_none=True),
            "count": found if found <= COUNTED_UP_TO else None,
            "ignored": 0,
        }
    job |= {"queued": 0, "calculated": 0, "changed": 0, "failed": 0, "deleted": 0}
    job |= {"status": str(JobStatus.QUEUED), "created_at": now, "updated_at": now, "version": 1}
    repository.put_recalculation(job)
    return _as_job(job)


def get_recalculation(caller: Caller, job_id: UUID) -> RecalculationJob:
    item = repository.get_recalculation(caller.organization_id, job_id)
    if item is None:
        raise NotFound("Recalculation job not found", "RECALCULATION_JOB_NOT_FOUND")
    return _as_job(item)


def _filters(request: RecalculationRequest | dict[str, Any]) -> InvoiceFilters:
    # GET /v1/invoices's filters, imported where used: reading a job's progress needs none of it.
    from carbon_accounting.invoices.listing import InvoiceFilters

    if isinstance(request, dict):
        request = RecalculationRequest.model_validate(request)
    return InvoiceFilters(
        types=tuple(request.type or ()),
        facility_ids=tuple(str(facility) for facility in request.facility_id or ()),
        start_date=request.start_date,
        end_date=request.end_date,
    )


def _matching(
    organization: UUID, filters: InvoiceFilters, after: dict[str, str] | None = None
) -> Iterator[InvoiceRecord]:
    """The organization's own invoices the filter matches, in gsi2 order, resuming ``after``."""
    from carbon_accounting.invoices.listing import earliest_start

    until = filters.end_date.isoformat() if filters.end_date else None
    since = earliest_start(filters.start_date.isoformat() if filters.start_date else None)
    for item in repository.organization_invoices(
        organization, starting_from=since, starting_until=until, descending=False, after=after, page_size=PAGE
    ):
        if filters.matches(item) and not is_draft(item):
            yield item


# ------------------------------------------------------------------ the worker


TimeLeft = Callable[[], int]  # milliseconds, as LambdaContext.get_remaining_time_in_millis


def run(job: RecalculationJobRecord, time_left: TimeLeft, delivery: str) -> None:
    """Run a queued job (requested or the schedule's) from its checkpoint, page by page, until it is
    done or short of time. A page that fails is retried by handing the job over, ``MAX_FAILURES`` times.

    ``delivery`` names the stream record that asked (its sequence number): an AWS fault raised from
    here fails the record, and Lambda's retry of it resumes the job this delivery claimed.
    """
    claimed = _claim(job, delivery)
    if claimed is None:
        return
    job = claimed
    next_page = _requested_page if job.get("organization_id") else _scheduled_page
    while True:
        try:
            changes = next_page(job)
        except Exception:
            logger.exception("Recalculation page failed", extra={"job": job["id"]})
            failures = int(job.get("failures", 0)) + 1
            status = JobStatus.FAILED if failures >= MAX_FAILURES else JobStatus.QUEUED
            repository.update_recalculation(job, {"failures": failures, "status": str(status)}, clock.now())
            return
        saved = _save(job, changes, time_left)
        if saved is None:
            return
        job = saved


def _claim(job: RecalculationJobRecord, delivery: str) -> RecalculationJobRecord | None:
    """The queued job, now ``running`` for this delivery; None if another claimed it first.

    A retry of the same delivery finds its own claim (the answer to the claim, or to a checkpoint,
    was lost) and resumes from the job's last checkpoint. An abandoned run is not claimed here:
    ``queue_scheduled_run`` queues it again.
    """
    if job["status"] != JobStatus.QUEUED:
        return None
    changes: RecalculationJobRecord = {"status": str(JobStatus.RUNNING), "claimed_by": delivery}
    claimed = repository.update_recalculation(job, changes, clock.now())
    if claimed is not None:
        return claimed
    current = repository.get_stored_recalculation(job)
    if current is None or current["status"] != JobStatus.RUNNING or current.get("claimed_by") != delivery:
        return None
    return current


def _since(timestamp: str) -> timedelta:
    return datetime.now(UTC) - datetime.fromisoformat(timestamp)


def _save(
    job: RecalculationJobRecord, changes: RecalculationJobRecord, time_left: TimeLeft
) -> RecalculationJobRecord | None:
    """Checkpoint; a job short of time hands itself over. None when the job stops here."""
    if changes.get("status") is None and time_left() < HAND_OVER_MS:
        changes = changes | {"status": str(JobStatus.QUEUED)}
    saved = repository.update_recalculation(job, changes, clock.now())
    if saved is None or saved["status"] != JobStatus.RUNNING:
        return None
    return saved


def _requested_page(job: RecalculationJobRecord) -> RecalculationJobRecord:
    """Send the next page of a requested job's invoices to the calculator; the job's changes."""
    organization = UUID(job["organization_id"])
    if "invoice_ids" in job:
        position = int(job.get("cursor") or 0)
        page = job["invoice_ids"][position : position + PAGE]
        items = _own_invoices((organization, UUID(invoice_id)) for invoice_id in page)
        cursor: Any = position + len(page)
        done = cursor >= len(job["invoice_ids"])
    else:
        matching = _matching(organization, _filters(job["filter"]), job.get("cursor"))
        items = list(itertools.islice(matching, PAGE))
        cursor = repository.index_position(items[-1]) if items else None
        done = len(items) < PAGE
    sent = sum(_sent_once(item, job["id"]) for item in items)
    changes: RecalculationJobRecord = {"cursor": cursor, "queued": int(job["queued"]) + sent}
    if done:
        changes |= {"status": str(JobStatus.COMPLETED), "cursor": None}
        if job.get("count") is None:  # a filter too large to count at the request: what it found
            changes["count"] = changes["queued"]
    return changes


def _sent_once(item: InvoiceRecord, job_id: str) -> bool:
    """Send an invoice for a requested job, unless this job sent it already: a page retried after a
    fault whose send landed (waiting for the calculator, or settled by it) counts it without a second
    calculation, so the job's ``queued`` and ``calculated`` stay exact."""
    if job_id in (item.get("recalculation_job"), item.get("recalculated_by")):
        return True
    return _send(item, HistoryReason.RECALCULATED, job_id)


# ------------------------------------------------------------------ scheduled


def queue_scheduled_run() -> bool:
    """Queue the daily run (the worker starts on its write); False if one is still under way."""
    job = repository.get_recalculation(None)
    if job is None:
        return repository.put_recalculation(_new_run() | {"version": 1})
    if job["status"] == JobStatus.RUNNING and _since(job["updated_at"]) <= ABANDONED_AFTER:
        return False
    if job["status"] in (JobStatus.COMPLETED, JobStatus.FAILED):
        changes = _new_run() | {"failures": 0}
    else:  # queued but not picked up, or abandoned by its worker: hand it over again
        changes = {"status": str(JobStatus.QUEUED), "handed_over": int(job.get("handed_over", 0)) + 1}
    return repository.update_recalculation(job, changes, clock.now()) is not None


def _new_run() -> RecalculationJobRecord:
    """A run from the start: where to look (abandoned imports, stuck invoices, then stale ones), from
    the current data."""
    now = datetime.now(UTC)
    abandoned = repository.abandoned_imports_range(clock.text(now - imports.ABANDONED_AFTER))
    requested = repository.abandoned_recalculations_range(clock.text(now - ABANDONED_AFTER))
    steps: list[ScheduleStepRecord] = [
        {"partition": abandoned.partition, "below": abandoned.below, "release": None, "imports": True},
        {"partition": requested.partition, "below": requested.below, "release": None, "jobs": True},
    ]
    steps += [
        {"partition": where.partition, "below": where.below, "release": None}
        for where in repository.stuck_ranges(clock.text(now - STUCK_AFTER))
    ]
    for invoice_type in emissions.InvoiceType:
        for years in releases.buckets():
            changed_at = releases.changed_at(invoice_type, years)
            if changed_at > 1:
                where = repository.stale_range(invoice_type, years, changed_at)
                steps.append({"partition": where.partition, "below": where.below, "release": changed_at})
    fresh: RecalculationJobRecord = {
        "id": str(uuid.uuid4()),
        "status": str(JobStatus.QUEUED),
        "started_at": clock.text(now),
        "steps": steps,
        "cursor": {"step": 0},
    }
    return fresh | cast(RecalculationJobRecord, dict.fromkeys(_RUN_COUNTS, 0))


def _scheduled_page(job: RecalculationJobRecord) -> RecalculationJobRecord:
    """Read the next page of the daily run's index ranges and send back what is stuck or stale."""
    steps, cursor = job["steps"], job["cursor"]
    counts: dict[str, int] = {}
    # Ranges with nothing in them are passed over in the same page: a day with nothing stale is one
    # checkpoint, however many (type, years) ranges a methodology change makes the run look at.
    while not counts.get("found") and int(cursor["step"]) < len(steps):
        index = int(cursor["step"])
        step = steps[index]
        where = repository.IndexRange(step["partition"], step["below"])
        keys, after = repository.index_page(where, cursor.get("after"), PAGE)
        if step.get("imports"):
            counts = _fail_abandoned_imports(keys, step["below"])
        elif step.get("jobs"):
            counts = _hand_over_abandoned_jobs(keys, step["below"])
        elif step["release"] is None:
            counts = _recover(keys, step["below"])
        else:
            counts = _refresh(keys, int(step["release"]))
        cursor = {"step": index, "after": after} if after else {"step": index + 1}
    so_far = cast(Mapping[str, int], job)
    changes: RecalculationJobRecord = {"cursor": cursor}
    changes |= cast(
        RecalculationJobRecord, {name: int(so_far.get(name, 0)) + counts[name] for name in counts}
    )
    if int(cursor["step"]) >= len(steps):
        changes |= {"status": str(JobStatus.COMPLETED), "finished_at": clock.now()}
    return changes


def _fail_abandoned_imports(keys: list[tuple[UUID, UUID]], written_before: str) -> dict[str, int]:
    """Fail the import jobs still ``processing`` whose last write is older than the threshold."""
    failed = sum(
        imports.fail_abandoned_import(organization, job, written_before) for organization, job in keys
    )
    return {"found": len(keys), "imports_failed": failed}


def _hand_over_abandoned_jobs(keys: list[tuple[UUID, UUID]], written_before: str) -> dict[str, int]:
    """Hand over the requested jobs still queued or running whose last write is older than the
    threshold (every retry of their worker's stream record failed): queued again, to resume from
    their checkpoint, or failed once handed over ``MAX_FAILURES`` times. Conditional on the version
    read: a job that moved on since is left alone."""
    resumed = failed = 0
    for organization, job_id in keys:
        job = repository.get_recalculation(organization, job_id)
        if job is None or job["status"] not in _IN_PROGRESS or job["updated_at"] >= written_before:
            continue
        times = int(job.get("handed_over", 0)) + 1
        status = JobStatus.FAILED if times > MAX_FAILURES else JobStatus.QUEUED
        if repository.update_recalculation(job, {"status": str(status), "handed_over": times}, clock.now()):
            resumed += status is JobStatus.QUEUED
            failed += status is JobStatus.FAILED
    return {"found": len(keys), "jobs_resumed": resumed, "jobs_failed": failed}


def _recover(keys: list[tuple[UUID, UUID]], loading_before: str) -> dict[str, int]:
    """Send back the invoices still ``loading`` since before the threshold (their event was lost)."""
    stuck = [
        item
        for item in _own_invoices(keys)
        if item["status"] == _LOADING and item["updated_at"] < loading_before
    ]
    return {"found": len(keys), "recovered": sum(_send(item, None) for item in stuck)}


def _refresh(keys: list[tuple[UUID, UUID]], changed_at: int) -> dict[str, int]:
    """Recalculate the invoices computed before release ``changed_at``, of organizations on ``latest``."""
    organizations = repository.get_organizations({organization for organization, _ in keys})
    latest = [
        key
        for key in keys
        if key[0] in organizations and organizations[key[0]].emission_factor_policy is FactorPolicy.LATEST
    ]
    stale = [
        item
        for item in _own_invoices(latest)
        if item["status"] != _LOADING and int(item.get("data_release", 0)) < changed_at
    ]
    recalculated = sum(_send(item, HistoryReason.FACTOR_UPDATE) for item in stale)
    return {"found": len(keys), "recalculated": recalculated, "pinned": len(keys) - len(latest)}
