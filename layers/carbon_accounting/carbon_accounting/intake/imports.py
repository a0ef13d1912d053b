"""Bulk import jobs: announced by the API, uploaded straight to S3, run by the importer.

``POST /v1/invoices/bulk`` records a ``pending`` job and answers a presigned POST for its CSV; the
upload's ``Object Created`` event starts the importer (``intake.bulk``), which moves the job to
``processing`` and then ``completed``, ``completed_with_errors`` or ``failed``. A job whose import
stopped for good (every retry of its event failed) is failed by the daily run, saying how far it got
(``fail_abandoned_import``): a job always ends.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from carbon_accounting import clock, ids, repository, storage
from carbon_accounting.errors import NotFound
from carbon_accounting.models import (
    Caller,
    ImportCreated,
    ImportJob,
    ImportRequest,
    ImportStatus,
    PresignedPost,
)
from carbon_accounting.repository.records import ImportJobRecord

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000


def upload_key(organization_id: UUID, job_id: UUID) -> str:
    return f"imports/{organization_id}/{job_id}"


def report_key(organization_id: UUID, job_id: UUID) -> str:
    return f"reports/{organization_id}/{job_id}.csv"


def create_import(caller: Caller, request: ImportRequest) -> ImportCreated:
    """Record a pending job and give the presigned POST its CSV is uploaded with."""
    job_id = ids.new_id()
    now = clock.now()
    upload = storage.presigned_upload(
        upload_key(caller.organization_id, job_id), "text/csv", max_bytes=MAX_IMPORT_BYTES
    )
    repository.put_import_job(
        caller.organization_id,
        {
            "id": str(job_id),
            "status": str(ImportStatus.PENDING),
            "file_name": request.file_name,
            "created_by": caller.principal,
            "user_id": str(caller.user_id) if caller.user_id else None,
            "rows_processed": 0,
            "rows_created": 0,
            "rows_failed": 0,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        },
    )
    return ImportCreated(
        job_id=job_id,
        status=ImportStatus.PENDING,
        upload=PresignedPost(
            presigned_url=upload.presigned_url, fields=upload.fields, expires_at=upload.expires_at
        ),
    )


def get_import(caller: Caller, job_id: UUID) -> ImportJob:
    """A job of the caller's organization, with a fresh link to its error report when it has one."""
    item = repository.get_import_job(caller.organization_id, job_id)
    if item is None:
        raise NotFound("Import job not found", "IMPORT_JOB_NOT_FOUND")
    report = None
    if item.get("error_report"):
        report = storage.download_url(
            report_key(caller.organization_id, job_id),
            None,
            f"{item['file_name'].removesuffix('.csv')}-errors.csv",
        )
    return ImportJob.model_validate(item | {"job_id": item["id"], "error_report_url": report})


ABANDONED_AFTER = timedelta(hours=6)
"""How long a ``processing`` job goes unwritten before its import is known to have stopped for good:
every retry of its upload's event happens within 4 hours (EventBridge's 2 h, then Lambda's
asynchronous retries, 2 h: template.yaml), and one run writes at least every 15 minutes."""


def fail_abandoned_import(organization_id: UUID, job_id: UUID, written_before: str) -> bool:
    """Fail a job whose import stopped for good (its retries exhausted, its event in a dead-letter
    queue or lost), saying how far it got; False if it moved on since it was found (the update is
    conditional on the version read, so a run that resumed meanwhile is never failed)."""
    job = repository.get_import_job(organization_id, job_id)
    if job is None or job["status"] != ImportStatus.PROCESSING or job["updated_at"] >= written_before:
        return False
    processed, total = int(job["rows_processed"]), job.get("rows_total")
    of_total = f" of {int(total):,}" if total is not None else ""
    created, refused = int(job["rows_created"]), int(job["rows_failed"])
    detail = (
        f"The import stopped after {processed:,}{of_total} rows and was not resumed: the first {processed:,} "
        f"were imported ({created:,} created, {refused:,} refused); import the rest from a new file"
    )
    changes: ImportJobRecord = {"status": str(ImportStatus.FAILED), "detail": detail}
    written = repository.update_import_job(
        organization_id, job_id, changes, clock.now(), "processing", int(job["version"])
    )
    return written is not None
