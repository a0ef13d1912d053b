"""Bulk import jobs (the CSV itself is in S3)."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from carbon_accounting.repository.invoices import new_invoice_actions
from carbon_accounting.repository.recalculation import IMPORTING
from carbon_accounting.repository.records import ImportJobRecord, InvoiceRecord, Key
from carbon_accounting.repository.table import (
    Condition,
    Refused,
    Stale,
    get_item,
    item_key,
    org_pk,
    put_new,
    transact,
    update,
    update_action,
    update_arguments,
)


def job_key(organization_id: UUID, job_id: UUID) -> Key:
    return item_key(org_pk(organization_id), f"IMPORT#{job_id}")


def _tracked(
    organization_id: UUID, job_id: UUID, changes: ImportJobRecord, updated_at: str
) -> ImportJobRecord:
    """``changes`` to a job with its gsi3 keys: while it is ``processing``, when it was last written
    (the daily run finds a job whose import stopped for good there); once it is done, none."""
    if changes.get("status", "processing") != "processing":
        return changes | {"gsi3pk": None, "gsi3sk": None}
    return changes | {"gsi3pk": IMPORTING, "gsi3sk": f"{updated_at}#{organization_id}#{job_id}"}


def put_import_job(organization_id: UUID, job: ImportJobRecord) -> None:
    put_new(org_pk(organization_id), f"IMPORT#{job['id']}", "import_job", job)


def get_import_job(organization_id: UUID, job_id: UUID) -> ImportJobRecord | None:
    return cast("ImportJobRecord | None", get_item(job_key(organization_id, job_id), consistent=True))


def update_import_job(
    organization_id: UUID,
    job_id: UUID,
    changes: ImportJobRecord,
    updated_at: str,
    expected_status: str | tuple[str, ...],
    expected_version: int | None = None,
) -> ImportJobRecord | None:
    """Apply ``changes`` to a job in one of ``expected_status`` (and at ``expected_version``, when
    given); the job as written, or None if it wasn't."""
    if expected_status == "processing":
        changes = _tracked(organization_id, job_id, changes, updated_at)
    try:
        return cast(
            ImportJobRecord,
            update(job_key(organization_id, job_id), changes, updated_at, expected_version, expected_status),
        )
    except Stale:
        return None


def claim_import_job(
    organization_id: UUID, job_id: UUID, object_version: str, updated_at: str
) -> ImportJobRecord | None:
    """Start (or resume) importing one uploaded version of a job's CSV; the job, or None if it can't.

    The first run pins the object version: a later upload through the same presigned POST never
    mixes its rows into the job. A finished job, or one pinned to another version, is left alone.
    """
    pinned = Condition(
        "attribute_not_exists(#pinned) OR #pinned = :pinned",
        {"#pinned": "object_version"},
        {":pinned": {"S": object_version}},
    )
    changes = _tracked(
        organization_id, job_id, {"status": "processing", "object_version": object_version}, updated_at
    )
    try:
        return cast(
            ImportJobRecord,
            update(
                job_key(organization_id, job_id), changes, updated_at, None, ("pending", "processing"), pinned
            ),
        )
    except Stale:
        return None


def write_import_chunk(
    organization_id: UUID,
    job_id: UUID,
    invoices: list[tuple[UUID, InvoiceRecord]],
    progress: ImportJobRecord,
    processed_before: int,
    updated_at: str,
) -> bool:
    """Write a chunk of imported invoices and the job's progress past them, all or nothing.

    The job must still be ``processing`` with ``rows_processed == processed_before``: a duplicate
    delivery of the upload event, or a retry, can never write a chunk twice. At most 99 invoices.
    """
    unchanged = Condition(
        "#processed = :processed_before",
        {"#processed": "rows_processed"},
        {":processed_before": {"N": str(processed_before)}},
    )
    changes = _tracked(organization_id, job_id, progress, updated_at)
    arguments = update_arguments(changes, updated_at, None, "processing", unchanged)
    actions = new_invoice_actions(invoices)
    actions.append(update_action(job_key(organization_id, job_id), arguments))
    try:
        transact(actions)
    except Refused:
        return False
    return True
