"""Invoices: single ones, distributed parents and their children, and the indexes that list them
(docs/data-model.md).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, cast
from uuid import UUID

from carbon_accounting.models import InvoiceStatus
from carbon_accounting.repository.facilities import facility_sk
from carbon_accounting.repository.history import history_sk
from carbon_accounting.repository.recalculation import FACTORS, LOADING, recalculation_key, release_text
from carbon_accounting.repository.records import HistoryRecord, InvoiceRecord, Item
from carbon_accounting.repository.table import (
    Refused,
    batch_get,
    client,
    from_item,
    get_item,
    item_key,
    org_pk,
    put_new_action,
    to_item,
    transact,
    update_action,
    update_arguments,
)
from carbon_accounting.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef, UpdateTypeDef

DRAFT_PERIOD = "~"


class InvoiceUpdate(NamedTuple):
    """One invoice's part of ``update_invoices``: the invoice as read, its changes, and the version
    it must still have (None: any, for a distributed child that follows its parent)."""

    invoice: InvoiceRecord
    changes: InvoiceRecord
    expected_version: int | None


def invoice_sk(invoice_id: UUID | str) -> str:
    return f"INVOICE#{invoice_id}"


def _index_keys(organization_id: UUID, invoice: InvoiceRecord, updated_at: str) -> InvoiceRecord:
    """The invoice's keys in the indexes, as of a write at ``updated_at``.

    gsi1 lists a facility's invoices (single invoices and the children of distributed ones); gsi2
    lists the organization's own invoices (single invoices and distributed parents), gsi4 those not
    active, gsi5 those with a quality flag. gsi3 is what the
    scheduled recalculation reads, for the organization's own invoices only: while ``loading``, the
    time it began (16 partitions, so a bulk import's writes spread); once computed, the type, years
    and data release its figures come from (``emissions.releases``).
    """
    keys: InvoiceRecord = {}
    # A document's draft has no period yet: it sorts after every period (first, newest first).
    period = f"{invoice.get('start_date') or DRAFT_PERIOD}#{invoice['id']}"
    if invoice.get("facility_id"):
        keys |= {"gsi1pk": f"ORG#{organization_id}#FACILITY#{invoice['facility_id']}", "gsi1sk": period}
    if not invoice.get("source_invoice_id"):
        keys |= {"gsi2pk": f"ORG#{organization_id}#INVOICE", "gsi2sk": period}
        # gsi4: the invoices that are not active, by status (None removes a key no longer wanted).
        waiting = invoice["status"] != InvoiceStatus.ACTIVE
        keys |= {
            "gsi4pk": f"ORG#{organization_id}#STATUS#{invoice['status']}" if waiting else None,
            "gsi4sk": period if waiting else None,
        }
        # gsi5: the invoices with a quality flag.
        flagged = bool(invoice.get("quality_flags"))
        keys |= {
            "gsi5pk": f"ORG#{organization_id}#FLAGGED" if flagged else None,
            "gsi5sk": period if flagged else None,
        }
        own = f"{organization_id}#{invoice['id']}"
        if invoice["status"] == "loading":
            keys |= {"gsi3pk": f"{LOADING}#{invoice['id'][0]}", "gsi3sk": f"{updated_at}#{own}"}
        elif invoice.get("data_release"):
            keys |= {
                "gsi3pk": f"{FACTORS}#{invoice['type']}#{invoice['data_years']}",
                "gsi3sk": f"{release_text(invoice['data_release'])}#{own}",
            }
    return keys


def invoice_item(organization_id: UUID, invoice: InvoiceRecord) -> Item:
    """The stored item: the invoice under its organization, with its index keys."""
    keys = {"pk": org_pk(organization_id), "sk": invoice_sk(invoice["id"]), "entity": "invoice"}
    indexed = _index_keys(organization_id, invoice, invoice["updated_at"])
    return to_item({**keys, "organization_id": str(organization_id), **invoice, **indexed})


def new_invoice_actions(invoices: list[tuple[UUID, InvoiceRecord]]) -> list[TransactWriteItemTypeDef]:
    """TransactWriteItems Puts of new invoices (each failing if its key is taken)."""
    return [put_new_action(invoice_item(org, invoice)) for org, invoice in invoices]


def facility_active_check(organization_id: UUID, facility_id: UUID) -> TransactWriteItemTypeDef:
    """A TransactWriteItems ConditionCheck that the facility is still active."""
    return {
        "ConditionCheck": {
            "TableName": get_settings().table_name,
            "Key": item_key(org_pk(organization_id), facility_sk(facility_id)),
            "ConditionExpression": "#status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":active": {"S": "active"}},
        }
    }


def create_invoices(invoices: list[tuple[UUID, InvoiceRecord]], facilities: list[tuple[UUID, UUID]]) -> bool:
    """Write ``(organization id, invoice)`` pairs all or nothing, if every facility is still active.

    One TransactWriteItems (so at most 100 actions: invoices + facilities). Returns False, having
    written nothing, when a facility stopped being active since it was read.
    """
    actions = new_invoice_actions(invoices)
    actions += [facility_active_check(org, facility) for org, facility in facilities]
    try:
        transact(actions)
    except Refused as refused:
        if refused.repeated(len(invoices)):
            return True
        if refused.among(len(invoices)):
            return False
        raise
    return True


def get_invoice(organization_id: UUID, invoice_id: UUID) -> InvoiceRecord | None:
    return cast("InvoiceRecord | None", get_item(item_key(org_pk(organization_id), invoice_sk(invoice_id))))


def get_invoices(keys: Iterable[tuple[UUID, UUID]]) -> list[InvoiceRecord]:
    """The invoices that exist among ``(organization id, invoice id)`` keys, read consistently."""
    return cast(
        list[InvoiceRecord],
        batch_get([item_key(org_pk(org), invoice_sk(invoice)) for org, invoice in set(keys)]),
    )


def settle_invoice(
    invoice: InvoiceRecord,
    changes: InvoiceRecord,
    updated_at: str,
    history: HistoryRecord | None = None,
    job_counts: dict[str, int] | None = None,
) -> bool:
    """Record a ``loading`` invoice's computed figures, if it is still the version they were computed from.

    In the same transaction: ``history``, the entry to keep of this calculation, and ``job_counts``,
    added to the counters of the recalculation job the invoice was queued by. Returns False, writing
    nothing, when the invoice changed or was settled since: a stale or repeated stream record then
    cannot overwrite newer figures, nor count twice.
    """
    table = get_settings().table_name
    organization, invoice_id = UUID(invoice["organization_id"]), UUID(invoice["id"])
    version = int(invoice["version"])
    indexed = changes | _index_keys(organization, invoice | changes, updated_at)
    arguments = update_arguments(indexed, updated_at, version, "loading")
    actions = [update_action(item_key(org_pk(organization), invoice_sk(invoice_id)), arguments)]
    if history is not None:
        entry = {"pk": org_pk(organization), "sk": history_sk(invoice_id, version), "entity": "history"}
        item = to_item(entry | {"invoice_id": str(invoice_id), "version": version} | history)
        actions.append(put_new_action(item))
    if job_counts:
        names = {f"#c{index}": name for index, name in enumerate(sorted(job_counts))}
        values = {f":c{index}": {"N": str(job_counts[name])} for index, name in enumerate(sorted(job_counts))}
        update: UpdateTypeDef = {
            "TableName": table,
            "Key": recalculation_key(organization, UUID(invoice["recalculation_job"])),
            "UpdateExpression": "ADD " + ", ".join(f"#c{index} :c{index}" for index in range(len(names))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ConditionExpression": "attribute_exists(pk)",
        }
        actions.append({"Update": update})
    try:
        transact(actions)
    except Refused as refused:
        if refused.among(0, 1):
            return False
        raise
    return True


def delete_invoices(keys: list[tuple[UUID, UUID]], pending_job: InvoiceRecord | None = None) -> bool:
    """Delete ``(organization id, invoice id)`` invoices all or nothing (at most 99).

    ``pending_job``, the first invoice as read while a requested recalculation waits for it: the delete
    is then conditional on that version, and counts the invoice in the job's ``deleted`` (so the job
    still reaches its end). Returns False, deleting nothing, when one of them no longer exists, or the
    first changed since it was read.
    """
    table = get_settings().table_name
    actions: list[TransactWriteItemTypeDef] = [
        {
            "Delete": {
                "TableName": table,
                "Key": item_key(org_pk(org), invoice_sk(invoice)),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }
        for org, invoice in keys
    ]
    if pending_job is not None:
        actions[0]["Delete"] |= {
            "ConditionExpression": "attribute_exists(pk) AND #version = :version",
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": {":version": {"N": str(int(pending_job["version"]))}},
        }
        organization = UUID(pending_job["organization_id"])
        job_key = recalculation_key(organization, UUID(pending_job["recalculation_job"]))
        actions.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": job_key,
                    "UpdateExpression": "ADD deleted :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        )
    try:
        transact(actions)
    except Refused:
        return False
    return True


_GSI2_KEYS = ("pk", "sk", "gsi2pk", "gsi2sk")
_LARGEST_PAGE = 1000  # items a lazy index read asks for at once, at most


def _period_query(
    index: str,
    partition: str,
    *,
    starting_from: str | None,
    starting_until: str | None,
    descending: bool,
    after: str | None,
    page_size: int | None,
    point: str | None = None,
) -> Iterator[InvoiceRecord]:
    """One partition of a period-keyed index (``<start date>#<id>``), lazily, in order, after ``after``;
    with ``point``, only the invoices of that supply point (or written before supply points).

    Each request asks for twice as many items as the last (from ``page_size``, up to 1,000): a page
    of a dense listing costs one request, and a sparse filter does not take a request per item.
    """
    low, high = starting_from, f"{starting_until or DRAFT_PERIOD}#~"
    if after is not None:
        if descending:
            high = min(high, after)
        else:
            low = max(low or after, after)
    if low and low > high:  # an empty range (a window ending before it starts): nothing to ask for
        return
    condition = f"{index}pk = :partition AND {index}sk " + ("BETWEEN :low AND :high" if low else "<= :high")
    values = {":partition": {"S": partition}, ":high": {"S": high}} | ({":low": {"S": low}} if low else {})
    kwargs: dict[str, Any] = {
        "TableName": get_settings().table_name,
        "IndexName": index,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not descending,
    }
    if point is not None:  # read and billed all the same, but not sent
        kwargs["FilterExpression"] = "supply_point_id = :point OR attribute_not_exists(supply_point_id)"
        values[":point"] = {"S": point}
    limit = page_size + 1 if page_size and after is not None else page_size  # the position itself
    while True:
        if limit:
            kwargs["Limit"] = limit
        answer = client().query(**kwargs)
        for item in answer["Items"]:
            found = from_item(item)
            if found[f"{index}sk"] != after:  # BETWEEN includes the position resumed from
                yield cast(InvoiceRecord, found)
        if "LastEvaluatedKey" not in answer:
            return
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        limit = min(limit * 2, _LARGEST_PAGE) if limit else None


def organization_invoices(
    organization_id: UUID,
    *,
    statuses: Iterable[str] = (),
    flagged: bool = False,
    starting_from: str | None = None,
    starting_until: str | None = None,
    descending: bool = True,
    after: dict[str, str] | None = None,
    page_size: int | None = None,
) -> Iterator[InvoiceRecord]:
    """The organization's own invoices (single ones and distributed parents) by billing period.

    From gsi2 (or, ``flagged``, gsi5: those with a quality flag); or, for ``statuses`` that are not
    ``active``, from their partitions of gsi4 (the invoices not active, which a bulk of active ones
    would otherwise bury), merged in order. Lazy:
    DynamoDB is asked for ``page_size`` items at a time at first, only as far as the caller reads.
    ``starting_from`` and ``starting_until`` (YYYY-MM-DD) bound the start dates read; ``after`` is
    ``index_position`` of an item: reading resumes right after it.
    """
    position = after["gsi2sk"] if after else None

    def read(index: str, partition: str) -> Iterator[InvoiceRecord]:
        return _period_query(
            index,
            partition,
            starting_from=starting_from,
            starting_until=starting_until,
            descending=descending,
            after=position,
            page_size=page_size,
        )

    wanted = sorted(set(statuses))
    if not wanted or str(InvoiceStatus.ACTIVE) in wanted:
        if flagged:
            yield from read("gsi5", f"ORG#{organization_id}#FLAGGED")
        else:
            yield from read("gsi2", f"ORG#{organization_id}#INVOICE")
        return
    partitions = [read("gsi4", f"ORG#{organization_id}#STATUS#{status}") for status in wanted]
    yield from heapq.merge(*partitions, key=lambda item: str(item["gsi4sk"]), reverse=descending)


def facility_invoices(
    organization_id: UUID,
    facility_id: UUID,
    *,
    starting_from: str | None = None,
    starting_until: str | None = None,
    descending: bool = True,
    page_size: int | None = None,
    point: str | None = None,
) -> Iterator[InvoiceRecord]:
    """A facility's invoices (single ones and distributed children) by billing period, from gsi1:
    lazily, as ``organization_invoices``, those starting within ``starting_from``..``starting_until``;
    with ``point``, only that supply point's (every invoice of the range is read all the same)."""
    return _period_query(
        "gsi1",
        f"ORG#{organization_id}#FACILITY#{facility_id}",
        starting_from=starting_from,
        starting_until=starting_until,
        descending=descending,
        after=None,
        page_size=page_size,
        point=point,
    )


def index_position(invoice: InvoiceRecord) -> dict[str, str]:
    """Where an invoice stands in the organization's list: what ``organization_invoices(after=...)``
    resumes from (its period key, the same in gsi2 and gsi4)."""
    keys = cast(Mapping[str, str], invoice)
    return {name: keys[name] for name in _GSI2_KEYS}


def update_invoices(updates: list[InvoiceUpdate], updated_at: str) -> list[InvoiceRecord] | None:
    """Apply ``(stored invoice, changes, expected version)`` updates all or nothing.

    The index keys follow the changes (a new start date or facility moves the invoice in its lists).
    Returns the invoices as written (a transaction returns no item, but each update is conditional
    on the item as read, so this is what the table holds), or None, changing nothing, when an
    invoice is gone or no longer has its expected version.
    """
    actions, written = [], []
    for invoice, changes, version in updates:
        organization = UUID(invoice["organization_id"])
        indexed = changes | _index_keys(organization, invoice | changes, updated_at)
        arguments = update_arguments(indexed, updated_at, version, None)
        key = item_key(org_pk(organization), invoice_sk(UUID(invoice["id"])))
        actions.append(update_action(key, arguments))
        after = cast(
            InvoiceRecord, {name: value for name, value in (invoice | indexed).items() if value is not None}
        )
        written.append(after | {"version": int(invoice["version"]) + 1, "updated_at": updated_at})
    try:
        transact(actions)
    except Refused:
        return None
    return written


_STATUS_INDEX = ("gsi4pk", "gsi4sk")


def stale_status_index(organization_id: UUID, item: InvoiceRecord) -> dict[str, str | None]:
    """The gsi4 keys a stored invoice should have and has not (an invoice written before gsi4), or {}."""
    wanted = cast(Mapping[str, str | None], _index_keys(organization_id, item, item.get("updated_at", "")))
    stored = cast(Mapping[str, str | None], item)
    return {name: wanted.get(name) for name in _STATUS_INDEX if wanted.get(name) != stored.get(name)}


def fix_status_index(organization_id: UUID, item: InvoiceRecord, keys: dict[str, str | None]) -> bool:
    """Write ``keys`` (None removes) on the invoice if it is still the version read; the version stays
    (nothing of the invoice changes). Whether it was written."""
    sets = [f"{name} = :{name}" for name, value in keys.items() if value is not None]
    removes = [name for name, value in keys.items() if value is None]
    expression = ("SET " + ", ".join(sets) if sets else "") + (
        " REMOVE " + ", ".join(removes) if removes else ""
    )
    try:
        client().update_item(
            TableName=get_settings().table_name,
            Key=item_key(org_pk(organization_id), invoice_sk(item["id"])),
            UpdateExpression=expression.strip(),
            ConditionExpression="#version = :version",
            ExpressionAttributeNames={"#version": "version"},
            ExpressionAttributeValues={":version": {"N": str(int(item["version"]))}}
            | {f":{name}": {"S": value} for name, value in keys.items() if value is not None},
        )
    except client().exceptions.ConditionalCheckFailedException:
        return False  # it changed since: its write set its keys
    return True
