"""Bulk import jobs: announced by the API, uploaded straight to S3, run by the importer.

``POST /v1/invoices/bulk`` records a ``pending`` job and answers a presigned POST for its CSV; the
upload's ``Object Created`` event starts the importer (``invoices.bulk``), which moves the job to
``processing`` and then ``completed``, ``completed_with_errors`` or ``failed``.
"""

from __future__ import annotations

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
