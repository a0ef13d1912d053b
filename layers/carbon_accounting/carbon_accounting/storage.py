"""The S3 bucket: the only module that speaks S3 (attachments, bulk imports and their error reports).

Layout, every object under its organization's prefix:

    files/<org>/<file id>         an invoice attachment, uploaded with a presigned POST
    imports/<org>/<job id>        a bulk-import CSV, uploaded with a presigned POST
    reports/<org>/<job id>.csv    a bulk import's failed rows, written by the importer

Clients never get a public link: uploads are presigned POSTs whose policy pins the key, the
content type and the size range; downloads are presigned GETs of one object version. Both live
at most 15 minutes. boto3 is imported on first use, not at import time (cold start).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Required, TypedDict
from urllib.parse import quote

from carbon_accounting import aws, clock
from carbon_accounting.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

UPLOAD_SECONDS = 15 * 60
DOWNLOAD_SECONDS = 15 * 60


@cache
def client() -> S3Client:
    """The S3 client, created once per process.

    SigV4 (presigned POST policies need it) and the bucket's regional virtual-hosted address, so a
    browser's upload is not redirected; a custom endpoint (the local stack's S3) is addressed by path.
    """
    import boto3

    custom_endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    style = "path" if custom_endpoint else "virtual"
    return boto3.client("s3", config=aws.config(signature_version="s3v4", s3={"addressing_style": style}))


@dataclass(frozen=True)
class Upload:
    """Where and how a client uploads one object: a form POST of ``fields`` plus the file."""

    presigned_url: str
    fields: dict[str, str]
    expires_at: str
    method: str = "POST"


@dataclass(frozen=True)
class StoredObject:
    """What S3 says of an uploaded object version."""

    size: int
    content_type: str
    version_id: str | None


def object_url(key: str) -> str:
    """The object's S3 address, as the console shows it: an identifier, not a public link."""
    settings = get_settings()
    return f"https://{settings.bucket_name}.s3.{settings.region}.amazonaws.com/{key}"


def presigned_upload(key: str, content_type: str, max_bytes: int) -> Upload:
    """A presigned POST for exactly ``key``, of ``content_type``, between 1 byte and ``max_bytes``."""
    expires_at = clock.in_seconds(UPLOAD_SECONDS)
    post = client().generate_presigned_post(
        Bucket=get_settings().bucket_name,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return Upload(post["url"], post["fields"], expires_at)


class _Version(TypedDict, total=False):
    """An object's bucket, key and (when given) version, as S3's calls take them."""

    Bucket: Required[str]
    Key: Required[str]
    VersionId: str


def _version(key: str, version_id: str | None) -> _Version:
    version: _Version = {"Bucket": get_settings().bucket_name, "Key": key}
    if version_id:
        version["VersionId"] = version_id
    return version


def download_url(key: str, version_id: str | None, file_name: str) -> str:
    """A presigned GET of one object version, offered as ``file_name`` (valid 15 minutes)."""
    disposition = f"attachment; filename*=UTF-8''{quote(file_name, safe='')}"
    params = {**_version(key, version_id), "ResponseContentDisposition": disposition}
    return client().generate_presigned_url("get_object", Params=params, ExpiresIn=DOWNLOAD_SECONDS)


def head(key: str, version_id: str | None = None) -> StoredObject | None:
    """The object version's size and content type; None when it does not exist (any more)."""
    try:
        answer = client().head_object(**_version(key, version_id))
    except client().exceptions.ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NoSuchVersion", "405"):
            return None
        raise
    return StoredObject(answer["ContentLength"], answer.get("ContentType", ""), answer.get("VersionId"))


def read(key: str, version_id: str | None = None, first_bytes: int | None = None) -> bytes:
    """The object's content, or only its first bytes (a ranged GET)."""
    if first_bytes is None:
        answer = client().get_object(**_version(key, version_id))
    else:
        answer = client().get_object(**_version(key, version_id), Range=f"bytes=0-{first_bytes - 1}")
    return answer["Body"].read()


def write(key: str, body: bytes, content_type: str) -> None:
    client().put_object(Bucket=get_settings().bucket_name, Key=key, Body=body, ContentType=content_type)


def delete(key: str, version_id: str | None = None) -> None:
    """Remove an object version (with no version: hide the object behind a delete marker)."""
    client().delete_object(**_version(key, version_id))
