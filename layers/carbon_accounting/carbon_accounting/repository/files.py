"""Attachments' records (the objects themselves are in S3)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from carbon_accounting.repository.table import (
    Stale,
    client,
    get_item,
    item_key,
    org_pk,
    to_item,
    update,
    written_before,
)
from carbon_accounting.settings import get_settings


def _file_key(organization_id: UUID, file_id: UUID) -> dict[str, Any]:
    return item_key(org_pk(organization_id), f"FILE#{file_id}")


def put_files(organization_id: UUID, files: list[dict[str, Any]]) -> None:
    """Record new files, all or nothing (at most 100)."""
    table = get_settings().table_name
    actions = [
        {
            "Put": {
                "TableName": table,
                "Item": to_item(
                    {"pk": org_pk(organization_id), "sk": f"FILE#{file['id']}", "entity": "file", **file}
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for file in files
    ]
    try:
        client().transact_write_items(TransactItems=actions)
    except client().exceptions.TransactionCanceledException as cancelled:
        if not written_before(cancelled, len(actions)):
            raise


def get_file(organization_id: UUID, file_id: UUID) -> dict[str, Any] | None:
    return get_item(_file_key(organization_id, file_id), consistent=True)


def settle_file(organization_id: UUID, file_id: UUID, changes: dict[str, Any], updated_at: str) -> bool:
    """Record the outcome of a ``pending`` file's upload; False, writing nothing, if it is not pending."""
    try:
        update(_file_key(organization_id, file_id), changes, updated_at, None, expected_status="pending")
    except Stale:
        return False
    return True
