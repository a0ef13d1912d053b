"""Invoice attachments: announced, uploaded straight to S3 with a presigned POST, checked, attached.

A file is ``pending`` until its object arrives. The bucket's ``Object Created`` event then checks
the object against what was announced (size, content type, and the content's own signature):
``uploaded`` if it matches, else ``error`` and the object is removed. The object version that
passed the check is the one ever served, so a second upload through the same presigned POST
changes nothing. A pending file that never arrives expires from the table (``ttl``) a day later.
"""

from __future__ import annotations

import codecs
import logging
import re
import time
from collections.abc import Callable
from uuid import UUID

from carbon_accounting import clock, ids, repository, storage
from carbon_accounting.errors import BadRequest, NotFound
from carbon_accounting.models import Caller, File, FileRequest, FileStatus, FileUpload
from carbon_accounting.repository.records import FileRecord, InvoiceRecord

logger = logging.getLogger(__name__)

PENDING_DAYS = 1
_KEY = re.compile(r"files/(?P<organization>[0-9a-f-]{36})/(?P<file>[0-9a-f-]{36})")


def object_key(organization_id: UUID, file_id: UUID) -> str:
    return f"files/{organization_id}/{file_id}"


def announce_files(caller: Caller, requests: list[FileRequest]) -> list[FileUpload]:
    """Record the files about to be uploaded and give each its presigned POST."""
    announced = [new_file(caller, request.name, request.mime_type, request.size_kb) for request in requests]
    repository.put_files(caller.organization_id, [file for file, _ in announced])
    return [upload for _, upload in announced]


def new_file(
    caller: Caller, name: str, mime_type: str, size_kb: int, document_of: UUID | None = None
) -> tuple[FileRecord, FileUpload]:
    """A new file's record, ``pending``, and its presigned POST; not written. ``document_of``: the
    draft invoice a document's file is read into (the stream reader finds it by the file)."""
    now = clock.now()
    file_id = ids.new_id()
    key = object_key(caller.organization_id, file_id)
    file: FileRecord = {
        "id": str(file_id),
        "name": name,
        "mime_type": mime_type,
        "size_kb": size_kb,
        "status": str(FileStatus.PENDING),
        "key": key,
        "url": storage.object_url(key),
        "created_by": caller.principal,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "ttl": int(time.time()) + PENDING_DAYS * 86400,
    }
    if document_of is not None:
        file |= {"organization_id": str(caller.organization_id), "invoice_id": str(document_of)}
    upload = storage.presigned_upload(key, mime_type, max_bytes=size_kb * 1024)
    presigned = {"presigned_url": upload.presigned_url, "fields": upload.fields, "method": upload.method}
    return file, FileUpload.model_validate(file | presigned | {"expires_at": upload.expires_at})


def get_file(caller: Caller, file_id: UUID) -> File:
    """A file of the caller's organization, with a fresh download link once it is uploaded."""
    item = repository.get_file(caller.organization_id, file_id)
    if item is None:
        raise NotFound("File not found", "FILE_NOT_FOUND")
    link = None
    if item["status"] == FileStatus.UPLOADED:
        link = storage.download_url(item["key"], item.get("object_version_id"), item["name"])
    return File.model_validate(item | {"download_url": link})


# ------------------------------------------------------------------ attaching to invoices

NO_ATTACHMENT: InvoiceRecord = {
    "file_id": None,
    "file_name": None,
    "file_key": None,
    "file_version_id": None,
}


def attachment(caller: Caller, file_id: UUID | None, file_url: str | None) -> InvoiceRecord:
    """An invoice's stored attachment fields for a file named by id or by its ``url``.

    The file must be an uploaded file of the caller's organization; anything else is 400 INVALID_FILE.
    """
    if file_id is None and file_url is None:
        return NO_ATTACHMENT
    named = file_id
    if file_url is not None:
        match = _KEY.search(file_url)
        from_url = UUID(match["file"]) if match else None
        if from_url is None or (named is not None and named != from_url):
            raise BadRequest(
                "file_url is not the url of a file (or names another file than file_id)", "INVALID_FILE"
            )
        named = from_url
    assert named is not None
    item = repository.get_file(caller.organization_id, named)
    if item is None or (file_url is not None and item["url"] != file_url):
        raise BadRequest(f"No file {file_url or named} in this organization", "INVALID_FILE")
    if item["status"] != FileStatus.UPLOADED:
        raise BadRequest(f"File {named} is {item['status']}, not uploaded", "INVALID_FILE")
    return {
        "file_id": item["id"],
        "file_name": item["name"],
        "file_key": item["key"],
        "file_version_id": item.get("object_version_id"),
    }


def linked(invoice: InvoiceRecord) -> InvoiceRecord:
    """A stored invoice with ``file_url``: a fresh presigned GET of its attachment, if it has one."""
    key, name = invoice.get("file_key"), invoice.get("file_name")
    if not key or name is None:  # no attachment (attachment() sets the two together)
        return invoice
    link = storage.download_url(key, invoice.get("file_version_id"), name)
    return invoice | {"file_url": link}


# ------------------------------------------------------------------ checking uploads

_SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "application/pdf": lambda head: head.startswith(b"%PDF-"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
    "image/heic": lambda head: head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"msf1"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": lambda head: head.startswith(
        b"PK\x03\x04"
    ),
    "text/csv": lambda head: _is_text(head),
}
SNIFFED_BYTES = 512


def _is_text(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def mismatch(file: FileRecord, stored: storage.StoredObject, head: bytes) -> str | None:
    """Why an uploaded object is not the file that was announced; None when it is."""
    limit = int(file["size_kb"]) * 1024
    if stored.size == 0:
        return "The upload is empty"
    if stored.size > limit:
        return f"The upload is {stored.size} bytes; {file['size_kb']} KiB were announced"
    if stored.content_type != file["mime_type"]:
        return f"The upload is {stored.content_type or 'untyped'}; {file['mime_type']} was announced"
    if not _SIGNATURES[file["mime_type"]](head):
        return f"The upload's content is not {file['mime_type']}"
    return None


def check_upload(key: str, version_id: str | None) -> FileStatus | None:
    """Settle the file an uploaded object version is for; returns its status (None: not a file's key).

    Idempotent: the same event delivered twice finds the file settled and changes nothing.
    """
    match = _KEY.fullmatch(key)
    if match is None:
        logger.warning("Object %s is not a file's key; left alone", key)
        return None
    organization_id, file_id = UUID(match["organization"]), UUID(match["file"])
    file = repository.get_file(organization_id, file_id)
    if file is None:
        logger.warning("Object %s belongs to no file; removed", key)
        storage.delete(key, version_id)
        return None
    if file["status"] == FileStatus.PENDING:
        stored = storage.head(key, version_id)
        if stored is None:
            return FileStatus.PENDING  # removed since: a later event will tell
        head = storage.read(key, version_id, first_bytes=SNIFFED_BYTES) if stored.size else b""
        problem = mismatch(file, stored, head)
        changes: FileRecord
        if problem:  # the object is removed below, once the file says why: a retry finds it settled
            changes = {"status": str(FileStatus.ERROR), "error": problem}
        else:
            changes = {
                "status": str(FileStatus.UPLOADED),
                "size_bytes": stored.size,
                "object_version_id": stored.version_id,
                "uploaded_at": clock.now(),
                "ttl": None,
            }
        if repository.settle_file(organization_id, file_id, changes, clock.now()):
            file |= changes
        else:
            file = repository.get_file(organization_id, file_id) or file
    if file.get("object_version_id") != version_id and storage.head(key, version_id) is not None:
        # Another upload through the same presigned POST, after the file was settled: never served.
        storage.delete(key, version_id)
    return FileStatus(file["status"])
