"""Bulk import jobs (the CSV itself is in S3)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from carbon_accounting.repository.invoices import new_invoice_actions
from carbon_accounting.repository.recalculation import IMPORTING
from carbon_accounting.repository.table import (
    Condition,
    Stale,
    client,
    conditions_failed,
    get_item,
    item_key,
    org_pk,
    put_new,
    update,
    update_arguments,
)
from carbon_accounting.settings import get_settings


def job_key(organization_id: UUID, job_id: UUID) -> dict[str, Any]:
    return item_key(org_pk(organization_id), f"IMPORT#{job_id}")


def _tracked(organization_id: UUID, job_id: UUID, changes: dict[str, Any], updated_at: str) -> dict[str, Any]:
    """``changes`` to a job with its gsi3 keys: while it is ``processing``, when it was last written
    (the daily run finds a job whose import stopped for good there); once it is done, none."""
    if changes.get("status", "processing") != "processing":
        return changes | {"gsi3pk": None, "gsi3sk": None}
    return changes | {"gsi3pk": IMPORTING, "gsi3sk": f"{updated_at}#{organization_id}#{job_id}"}


def put_import_job(organization_id: UUID, job: dict[str, Any]) -> None:
    put_new(org_pk(organization_id), f"IMPORT#{job['id']}", "import_job", job)


def get_import_job(organization_id: UUID, job_id: UUID) -> dict[str, Any] | None:
    return get_item(job_key(organization_id, job_id), consistent=True)


def update_import_job(
    organization_id: UUID,
    job_id: UUID,
    changes: dict[str, Any],
    updated_at: str,
    expected_status: str | tuple[str, ...],
    expected_version: int | None = None,
) -> dict[str, Any] | None:
    """Apply ``changes`` to a job in one of ``expected_status`` (and at ``expected_version``, when
    given); the job as written, or None if it wasn't."""
    if expected_status == "processing":
        changes = _tracked(organization_id, job_id, changes, updated_at)
    try:
        return update(
            job_key(organization_id, job_id), changes, updated_at, expected_version, expected_status
        )
    except Stale:
        return None


def claim_import_job(
    organization_id: UUID, job_id: UUID, object_version: str, updated_at: str
) -> dict[str, Any] | None:
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
        return update(
            job_key(organization_id, job_id), changes, updated_at, None, ("pending", "processing"), pinned
        )
    except Stale:
        return None


def write_import_chunk(
    organization_id: UUID,
    job_id: UUID,
    invoices: list[tuple[UUID, dict[str, Any]]],
    progress: dict[str, Any],
    processed_before: int,
    updated_at: str,
) -> bool:
    """Write a chunk of imported invoices and the job's progress past them, all or nothing.

    The job must still be ``processing`` with ``rows_processed == processed_before``: a duplicate
    delivery of the upload event, or a retry, can never write a chunk twice. At most 99 invoices.
    """
    table = get_settings().table_name
    unchanged = Condition(
        "#processed = :processed_before",
        {"#processed": "rows_processed"},
        {":processed_before": {"N": str(processed_before)}},
    )
    changes = _tracked(organization_id, job_id, progress, updated_at)
    arguments = update_arguments(changes, updated_at, None, "processing", unchanged)
    actions = new_invoice_actions(invoices)
    actions.append({"Update": {"TableName": table, "Key": job_key(organization_id, job_id), **arguments}})
    try:
        client().transact_write_items(TransactItems=actions)
    except client().exceptions.TransactionCanceledException as cancelled:
        if conditions_failed(cancelled):
            return False
        raise
    return True
