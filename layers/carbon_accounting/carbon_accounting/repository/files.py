"""Attachments' records (the objects themselves are in S3)."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from carbon_accounting.repository.records import FileRecord, Item, Key
from carbon_accounting.repository.table import (
    Refused,
    Stale,
    get_item,
    item_key,
    org_pk,
    put_new_action,
    to_item,
    transact,
    update,
)


def _file_key(organization_id: UUID, file_id: UUID) -> Key:
    return item_key(org_pk(organization_id), f"FILE#{file_id}")


def file_item(organization_id: UUID, file: FileRecord) -> Item:
    """The stored item of a file record, under its organization."""
    return to_item({"pk": org_pk(organization_id), "sk": f"FILE#{file['id']}", "entity": "file", **file})


def put_files(organization_id: UUID, files: list[FileRecord]) -> None:
    """Record new files, all or nothing (at most 100)."""
    actions = [put_new_action(file_item(organization_id, file)) for file in files]
    try:
        transact(actions)
    except Refused as refused:
        if not refused.repeated(len(actions)):
            raise


def get_file(organization_id: UUID, file_id: UUID) -> FileRecord | None:
    return cast("FileRecord | None", get_item(_file_key(organization_id, file_id), consistent=True))


def settle_file(organization_id: UUID, file_id: UUID, changes: FileRecord, updated_at: str) -> bool:
    """Record the outcome of a ``pending`` file's upload; False, writing nothing, if it is not pending."""
    try:
        update(_file_key(organization_id, file_id), changes, updated_at, None, expected_status="pending")
    except Stale:
        return False
    return True
