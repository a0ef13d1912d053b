"""Invoices drafted from documents: the upload's file and draft, the fill that makes a draft an
invoice, and the bill marks that keep one bill from being filled in twice (docs/data-model.md).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, cast
from uuid import UUID

from carbon_accounting.repository.files import file_item
from carbon_accounting.repository.invoices import facility_active_check, invoice_item
from carbon_accounting.repository.records import BillMarkRecord, FileRecord, InvoiceRecord
from carbon_accounting.repository.table import (
    Refused,
    get_item,
    item_key,
    org_pk,
    put_new_action,
    query,
    to_item,
    transact,
)
from carbon_accounting.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import PutTypeDef, TransactWriteItemTypeDef


def put_document(organization_id: UUID, file: FileRecord, draft: InvoiceRecord) -> None:
    """Record an announced document's file and its draft invoice together (a retry finds them written)."""
    actions = [
        put_new_action(item)
        for item in (file_item(organization_id, file), invoice_item(organization_id, draft))
    ]
    try:
        transact(actions)
    except Refused as refused:
        if not refused.repeated(len(actions)):
            raise


def _mark_sk(identity: str) -> str:
    return "BILL#" + hashlib.sha256(identity.encode()).hexdigest()


def get_bill_mark(organization_id: UUID, identity: str) -> str | None:
    """The invoice id a bill's identity was filled in as, if one was."""
    item = cast(
        "BillMarkRecord | None",
        get_item(item_key(org_pk(organization_id), _mark_sk(identity)), consistent=True),
    )
    return item["invoice_id"] if item else None


def fill_draft(
    organization: UUID,
    draft: InvoiceRecord,
    invoice: InvoiceRecord,
    facility: tuple[UUID, UUID],
    mark: tuple[str, str | None] | None,
) -> str:
    """Replace a draft with the invoice it was read as, if the draft is still the version read and its
    facility still active; ``mark``, ``(bill identity, the invoice id it may replace)``, claims the
    bill for this invoice in the same transaction.

    Returns ``written``, ``changed`` (the draft changed or went, or the facility was archived: nothing
    written) or ``marked`` (another invoice holds the bill's mark: nothing written).
    """
    table = get_settings().table_name
    actions: list[TransactWriteItemTypeDef] = [
        {
            "Put": {
                "TableName": table,
                "Item": invoice_item(organization, invoice),
                "ConditionExpression": "#version = :version AND #status = :status",
                "ExpressionAttributeNames": {"#version": "version", "#status": "status"},
                "ExpressionAttributeValues": {
                    ":version": {"N": str(int(draft["version"]))},
                    ":status": {"S": str(draft["status"])},
                },
            }
        },
        facility_active_check(*facility),
    ]
    if mark is not None:
        identity, replaces = mark
        put: PutTypeDef = {
            "TableName": table,
            "Item": to_item(
                {
                    "pk": org_pk(organization),
                    "sk": _mark_sk(identity),
                    "entity": "bill_mark",
                    "invoice_id": invoice["id"],
                }
            ),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        if replaces:
            put["ConditionExpression"] = "invoice_id = :replaced"
            put["ExpressionAttributeValues"] = {":replaced": {"S": replaces}}
        actions.append({"Put": put})
    try:
        transact(actions)
    except Refused as refused:
        return "changed" if refused.among(0, 2) else "marked"
    return "written"


def invoices_starting(organization_id: UUID, start_date: str) -> list[InvoiceRecord]:
    """The organization's own invoices that start on ``start_date``: one gsi2 Query of that day."""
    return cast(
        list[InvoiceRecord],
        list(
            query(
                IndexName="gsi2",
                KeyConditionExpression="gsi2pk = :organization AND begins_with(gsi2sk, :day)",
                ExpressionAttributeValues={
                    ":organization": {"S": f"ORG#{organization_id}#INVOICE"},
                    ":day": {"S": f"{start_date}#"},
                },
            )
        ),
    )
