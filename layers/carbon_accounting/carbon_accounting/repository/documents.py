"""Invoices drafted from documents: the upload's file and draft, the fill that makes a draft an
invoice, and the bill marks that keep one bill from being filled in twice (docs/data-model.md).
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from carbon_accounting.repository.invoices import facility_active_check, invoice_item
from carbon_accounting.repository.table import (
    cancellation_reasons,
    client,
    get_item,
    item_key,
    org_pk,
    query,
    to_item,
    written_before,
)
from carbon_accounting.settings import get_settings


def put_document(organization_id: UUID, file: dict[str, Any], draft: dict[str, Any]) -> None:
    """Record an announced document's file and its draft invoice together (a retry finds them written)."""
    table = get_settings().table_name
    file_item = to_item({"pk": org_pk(organization_id), "sk": f"FILE#{file['id']}", "entity": "file", **file})
    actions = [
        {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        for item in (file_item, invoice_item(organization_id, draft))
    ]
    try:
        client().transact_write_items(TransactItems=actions)
    except client().exceptions.TransactionCanceledException as cancelled:
        if not written_before(cancelled, len(actions)):
            raise


def _mark_sk(identity: str) -> str:
    return "BILL#" + hashlib.sha256(identity.encode()).hexdigest()


def get_bill_mark(organization_id: UUID, identity: str) -> str | None:
    """The invoice id a bill's identity was filled in as, if one was."""
    item = get_item(item_key(org_pk(organization_id), _mark_sk(identity)), consistent=True)
    return item["invoice_id"] if item else None


def fill_draft(
    organization: UUID,
    draft: dict[str, Any],
    invoice: dict[str, Any],
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
    actions: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table,
                "Item": invoice_item(organization, invoice),
                "ConditionExpression": "#version = :version AND #status = :status",
                "ExpressionAttributeNames": {"#version": "version", "#status": "status"},
                "ExpressionAttributeValues": {
                    ":version": {"N": str(int(draft["version"]))},
                    ":status": {"S": draft["status"]},
                },
            }
        },
        facility_active_check(*facility),
    ]
    if mark is not None:
        identity, replaces = mark
        put: dict[str, Any] = {
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
        client().transact_write_items(TransactItems=actions)
    except client().exceptions.TransactionCanceledException as cancelled:
        reasons = cancellation_reasons(cancelled)
        if "ConditionalCheckFailed" in reasons[:2]:
            return "changed"
        if "ConditionalCheckFailed" in reasons[2:]:
            return "marked"
        raise
    return "written"


def invoices_starting(organization_id: UUID, start_date: str) -> list[dict[str, Any]]:
    """The organization's own invoices that start on ``start_date``: one gsi2 Query of that day."""
    return list(
        query(
            IndexName="gsi2",
            KeyConditionExpression="gsi2pk = :organization AND begins_with(gsi2sk, :day)",
            ExpressionAttributeValues={
                ":organization": {"S": f"ORG#{organization_id}#INVOICE"},
                ":day": {"S": f"{start_date}#"},
            },
        )
    )
