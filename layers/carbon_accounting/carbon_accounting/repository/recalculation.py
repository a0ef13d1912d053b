"""Recalculation: where in gsi3 the daily run looks, and the requested and scheduled jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from carbon_accounting.repository.records import Key, RecalculationJobRecord
from carbon_accounting.repository.table import Stale, client, get_item, item_key, org_pk, put_new, update
from carbon_accounting.settings import get_settings


def release_text(release: Any) -> str:
    return f"{int(release):06d}"


LOADING, FACTORS = "LOADING", "FACTORS"  # gsi3 partitions of invoices (see invoices._index_keys)
IMPORTING = "IMPORTING"  # gsi3 partition of the import jobs in progress (see repository.imports._tracked)
RECALCULATING = "RECALCULATING"  # gsi3 partition of the requested jobs in progress (see _tracked)


@dataclass(frozen=True)
class IndexRange:
    """One gsi3 partition, read below a sort-key bound: where the scheduled recalculation looks."""

    partition: str
    below: str


def stuck_ranges(loading_before: str) -> list[IndexRange]:
    """Where the invoices that began ``loading`` before ``loading_before`` are (every LOADING shard)."""
    return [IndexRange(f"{LOADING}#{shard:x}", loading_before) for shard in range(16)]


def abandoned_imports_range(updated_before: str) -> IndexRange:
    """Where the import jobs still ``processing`` and last written before ``updated_before`` are."""
    return IndexRange(IMPORTING, updated_before)


def abandoned_recalculations_range(updated_before: str) -> IndexRange:
    """Where the requested jobs still queued or running and last written before ``updated_before`` are."""
    return IndexRange(RECALCULATING, updated_before)


def stale_range(invoice_type: str, years: str, changed_at: int) -> IndexRange:
    """Where the invoices of a type and years bucket computed before release ``changed_at`` are."""
    return IndexRange(f"{FACTORS}#{invoice_type}#{years}", release_text(changed_at))


def index_page(
    where: IndexRange, after: dict[str, str] | None, limit: int
) -> tuple[list[tuple[UUID, UUID]], dict[str, str] | None]:
    """One page of ``(organization id, item id)`` from gsi3 (keys only: an invoice's or an import job's
    id, after the ``INVOICE#`` or ``IMPORT#`` of its sort key), and where the next begins."""
    arguments: dict[str, Any] = {
        "TableName": get_settings().table_name,
        "IndexName": "gsi3",
        "KeyConditionExpression": "gsi3pk = :partition AND gsi3sk < :below",
        "ExpressionAttributeValues": {":partition": {"S": where.partition}, ":below": {"S": where.below}},
        "Limit": limit,
    }
    if after:
        arguments["ExclusiveStartKey"] = {name: {"S": value} for name, value in after.items()}
    answer = client().query(**arguments)
    keys = [
        (UUID(item["pk"]["S"].removeprefix("ORG#")), UUID(item["sk"]["S"].split("#", 1)[1]))
        for item in answer["Items"]
    ]
    last = answer.get("LastEvaluatedKey")
    return keys, ({name: value["S"] for name, value in last.items()} if last else None)


def recalculation_key(organization_id: UUID | None, job_id: UUID | None) -> Key:
    """A requested recalculation's key, or (both None) the scheduled recalculation's."""
    if organization_id is None:
        return item_key("RECALCULATION", "SCHEDULE")
    return item_key(org_pk(organization_id), f"RECALC#{job_id}")


def _stored_recalculation_key(job: RecalculationJobRecord) -> Key:
    """The key of a stored job: requested (it names its organization) or the schedule's."""
    organization = UUID(job["organization_id"]) if job.get("organization_id") else None
    return recalculation_key(organization, UUID(job["id"]) if organization else None)


def _tracked(
    job: RecalculationJobRecord, changes: RecalculationJobRecord, updated_at: str
) -> RecalculationJobRecord:
    """``changes`` to a requested job with its gsi3 keys: while it is queued or running, when it was
    last written (the daily run hands over a job whose worker stopped for good there); once it is
    done, none. The schedule's own job is not tracked: the schedule hands it over itself."""
    if not job.get("organization_id"):
        return changes
    if changes.get("status", job["status"]) not in ("queued", "running"):
        return changes | {"gsi3pk": None, "gsi3sk": None}
    return changes | {
        "gsi3pk": RECALCULATING,
        "gsi3sk": f"{updated_at}#{job['organization_id']}#{job['id']}",
    }


def put_recalculation(job: RecalculationJobRecord) -> bool:
    """Store a new recalculation job (``organization_id`` None: the schedule's); False if it exists."""
    key = _stored_recalculation_key(job)
    job = job | _tracked(job, {}, job.get("updated_at", ""))
    try:
        put_new(key["pk"]["S"], key["sk"]["S"], "recalculation", job)
    except client().exceptions.ConditionalCheckFailedException:
        return False
    return True


def get_recalculation(
    organization_id: UUID | None, job_id: UUID | None = None
) -> RecalculationJobRecord | None:
    item = get_item(recalculation_key(organization_id, job_id), consistent=True)
    return cast("RecalculationJobRecord | None", item)


def get_stored_recalculation(job: RecalculationJobRecord) -> RecalculationJobRecord | None:
    """A job as stored now, from any version of it."""
    return cast("RecalculationJobRecord | None", get_item(_stored_recalculation_key(job), consistent=True))


def update_recalculation(
    job: RecalculationJobRecord, changes: RecalculationJobRecord, updated_at: str
) -> RecalculationJobRecord | None:
    """Apply ``changes`` to a job if it is still at ``job``'s version; the job as written, or None."""
    try:
        changes = _tracked(job, changes, updated_at)
        written = update(_stored_recalculation_key(job), changes, updated_at, int(job["version"]))
        return cast(RecalculationJobRecord, written)
    except Stale:
        return None
