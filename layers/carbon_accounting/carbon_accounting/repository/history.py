"""An invoice's history: its figures after each calculation that changed them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast
from uuid import UUID

from carbon_accounting.repository.records import Decoded, HistoryRecord
from carbon_accounting.repository.table import (
    client,
    item_key,
    org_pk,
    query,
)
from carbon_accounting.settings import get_settings


def history_sk(invoice_id: UUID | str, version: int) -> str:
    return f"HISTORY#{invoice_id}#{version:06d}"


def _history_query(organization_id: UUID, invoice_id: UUID, **arguments: Any) -> Iterator[Decoded]:
    return query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :history)",
        ExpressionAttributeValues={
            ":pk": {"S": org_pk(organization_id)},
            ":history": {"S": f"HISTORY#{invoice_id}#"},
        },
        **arguments,
    )


def invoice_history(organization_id: UUID, invoice_id: UUID) -> list[HistoryRecord]:
    """An invoice's history entries, oldest first: one Query of its own items."""
    return cast(list[HistoryRecord], list(_history_query(organization_id, invoice_id)))


def delete_invoice_history(organization_id: UUID, invoice_id: UUID) -> int:
    """Delete a deleted invoice's history; how many entries there were."""
    keys = [
        item_key(item["pk"], item["sk"])
        for item in _history_query(organization_id, invoice_id, ProjectionExpression="pk, sk")
    ]
    table = get_settings().table_name
    for start in range(0, len(keys), 25):
        request: dict[str, Any] = {
            table: [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
        }
        while request:
            request = client().batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return len(keys)
