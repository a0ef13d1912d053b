"""Attachments: presigned uploads, the upload check, and invoices that carry a file."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests

from tests.conftest import TEST_BUCKET
from tests.functions import LambdaContext, load_function
from tests.handlers.conftest import sample_event
from tests.tenants import ACME, ACME_KEY, ACME_MADRID, GLOBEX, GLOBEX_KEY, api_key_headers

ACME_HEADERS = api_key_headers(ACME_KEY, ACME)
GLOBEX_HEADERS = api_key_headers(GLOBEX_KEY, GLOBEX)
PDF = b"%PDF-1.7\n" + b"0" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def announce(api, headers, *files: dict[str, Any]):
    return api("create_presigned_urls", headers, body=list(files))


def announced(api, headers, name="nov.pdf", mime_type="application/pdf", size_kb=4) -> dict[str, Any]:
    answer = announce(api, headers, {"name": name, "mime_type": mime_type, "size_kb": size_kb})
    assert answer.status == 201, answer.body
    return answer.body[0]


def post(upload: dict[str, Any], content: bytes, content_type: str | None = None) -> str:
    """Upload as a browser would: the presigned form fields, then the file. Returns the version id."""
    fields = dict(upload["fields"])
    if content_type:
        fields["Content-Type"] = content_type
    reply = requests.post(upload["presigned_url"], data=fields, files={"file": ("f", content)}, timeout=10)
    assert reply.status_code == 204, reply.text
    return boto3.client("s3").head_object(Bucket=TEST_BUCKET, Key=upload["fields"]["key"])["VersionId"]


def deliver(key: str, version_id: str | None) -> dict[str, Any]:
    """The bucket's Object Created event, as EventBridge delivers it to the check function."""
    event = sample_event("check_upload")
    event["detail"]["bucket"]["name"] = TEST_BUCKET
    event["detail"]["object"] |= {"key": key, "version-id": version_id}
    return load_function("check_upload").lambda_handler(event, LambdaContext())


def uploaded(api, headers, content=PDF, **announcement) -> dict[str, Any]:
    upload = announced(api, headers, **announcement)
    deliver(upload["fields"]["key"], post(upload, content))
    return upload


def exists(key: str, version_id: str | None = None) -> bool:
    s3 = boto3.client("s3")
    try:
        s3.head_object(Bucket=TEST_BUCKET, Key=key, **({"VersionId": version_id} if version_id else {}))
    except s3.exceptions.ClientError:
        return False
    return True


# ---------------------------------------------------------------- announcing


def test_each_announced_file_gets_a_presigned_post_pinning_key_type_and_size(api):
    answer = announce(
        api,
        ACME_HEADERS,
        {"name": "nov.pdf", "mime_type": "application/pdf", "size_kb": 240},
        {"name": "meter.jpg", "mime_type": "image/jpeg", "size_kb": 3000},
    )

    assert answer.status == 201
    first, second = answer.body
    assert first["status"] == "pending" and first["method"] == "POST"
    assert first["id"] != second["id"]
    key = f"files/{ACME}/{first['id']}"
    assert first["fields"]["key"] == key
    assert first["url"] == f"https://{TEST_BUCKET}.s3.eu-west-1.amazonaws.com/{key}"
    policy = json.loads(base64.b64decode(first["fields"]["policy"]))
    assert {"key": key} in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert ["content-length-range", 1, 240 * 1024] in policy["conditions"]
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert expires <= datetime.now(UTC) + timedelta(minutes=15)
    assert datetime.fromisoformat(first["expires_at"]) <= datetime.now(UTC) + timedelta(minutes=15)
    assert second["fields"]["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    "files",
    [
        [],
        [{"name": f"{n}.pdf", "mime_type": "application/pdf", "size_kb": 1} for n in range(11)],
        [{"name": "setup.exe", "mime_type": "application/octet-stream", "size_kb": 1}],
        [{"name": "nov.png", "mime_type": "application/pdf", "size_kb": 1}],
        [{"name": "../../nov.pdf", "mime_type": "application/pdf", "size_kb": 1}],
        [{"name": "nov.pdf", "mime_type": "application/pdf", "size_kb": 10 * 1024 + 1}],
        [{"name": "nov.pdf", "mime_type": "application/pdf"}],
    ],
    ids=["none", "eleven", "type", "extension", "path", "over-10-MB", "no-size"],
)
def test_an_announcement_outside_the_rules_is_422_and_records_nothing(api, files):
    answer = announce(api, ACME_HEADERS, *files)

    assert answer.status == 422 and answer.body["code"] == "VALIDATION_ERROR"


def test_a_file_is_pending_until_uploaded_and_invisible_to_other_organizations(api):
    upload = announced(api, ACME_HEADERS)

    mine = api("get_file", ACME_HEADERS, path={"file_id": upload["id"]})
    theirs = api("get_file", GLOBEX_HEADERS, path={"file_id": upload["id"]})

    assert mine.status == 200
    assert mine.body["status"] == "pending" and mine.body["download_url"] is None
    assert (theirs.status, theirs.body["code"]) == (404, "FILE_NOT_FOUND")


# ---------------------------------------------------------------- the upload check


def test_an_upload_that_matches_its_announcement_is_uploaded_and_downloadable(api):
    upload = announced(api, ACME_HEADERS, size_kb=4)
    version = post(upload, PDF)

    assert deliver(upload["fields"]["key"], version)["status"] == "uploaded"
    file = api("get_file", ACME_HEADERS, path={"file_id": upload["id"]}).body
    assert file["status"] == "uploaded" and file["uploaded_at"]
    link = urlparse(file["download_url"])
    assert parse_qs(link.query)["versionId"] == [version]
    assert int(parse_qs(link.query)["X-Amz-Expires"][0]) <= 900
    assert requests.get(file["download_url"], timeout=10).content == PDF


@pytest.mark.parametrize(
    ("announcement", "content", "content_type", "reason"),
    [
        ({"size_kb": 1}, PDF, None, "bytes"),
        ({"name": "meter.png", "mime_type": "image/png"}, PDF, None, "content is not image/png"),
        ({}, PDF, "text/plain", "text/plain"),
        ({"name": "data.csv", "mime_type": "text/csv"}, b"\x00\x01binary", None, "not text/csv"),
        ({}, b"", None, "empty"),
    ],
    ids=["size", "content", "content-type", "csv-binary", "empty"],
)
def test_an_upload_that_lies_is_refused_and_removed(api, announcement, content, content_type, reason):
    upload = announced(api, ACME_HEADERS, **announcement)
    version = post(upload, content, content_type)

    assert deliver(upload["fields"]["key"], version)["status"] == "error"
    file = api("get_file", ACME_HEADERS, path={"file_id": upload["id"]}).body
    assert file["status"] == "error" and reason in file["error"]
    assert file["download_url"] is None
    assert not exists(upload["fields"]["key"], version)


def test_the_same_event_twice_changes_nothing(api):
    upload = announced(api, ACME_HEADERS)
    version = post(upload, PDF)
    deliver(upload["fields"]["key"], version)
    before = api("get_file", ACME_HEADERS, path={"file_id": upload["id"]}).body

    again = deliver(upload["fields"]["key"], version)

    after = api("get_file", ACME_HEADERS, path={"file_id": upload["id"]}).body
    assert again["status"] == "uploaded"
    assert after["version"] == before["version"] and exists(upload["fields"]["key"], version)


def test_a_second_upload_through_the_same_presigned_post_is_never_served(api):
    upload = uploaded(api, ACME_HEADERS)
    swapped = post(upload, b"%PDF-1.7 something else entirely")

    deliver(upload["fields"]["key"], swapped)

    assert not exists(upload["fields"]["key"], swapped)
    link = api("get_file", ACME_HEADERS, path={"file_id": upload["id"]}).body["download_url"]
    assert requests.get(link, timeout=10).content == PDF


def test_an_object_no_file_was_announced_for_is_removed(aws):
    key = f"files/{ACME}/00000000-0000-4000-8000-000000000000"
    version = boto3.client("s3").put_object(Bucket=TEST_BUCKET, Key=key, Body=PDF)["VersionId"]

    assert deliver(key, version)["status"] is None
    assert not exists(key)


# ---------------------------------------------------------------- invoices with a file


def invoice_body(**extra: Any) -> dict[str, Any]:
    body = json.loads(sample_event("create_invoice")["body"])
    body["facility_percentages"] = [
        {"organization_id": str(ACME), "facility_id": str(ACME_MADRID), "percentage": 1.0}
    ]
    return body | extra


def test_an_invoice_takes_a_file_by_id_and_reads_back_a_fresh_link(api):
    upload = uploaded(api, ACME_HEADERS, name="electricity_nov_2024.pdf")

    created = api("create_invoice", ACME_HEADERS, body=invoice_body(file_id=upload["id"]))
    read = api("get_invoice", ACME_HEADERS, path={"invoice_id": created.body["id"]})

    assert created.status == 201, created.body
    for invoice in (created.body, read.body):
        assert invoice["file_id"] == upload["id"]
        assert invoice["file_name"] == "electricity_nov_2024.pdf"
        assert urlparse(invoice["file_url"]).path.endswith(upload["fields"]["key"])
        assert "X-Amz-Signature" in invoice["file_url"]
    assert requests.get(read.body["file_url"], timeout=10).content == PDF


def test_an_invoice_takes_a_file_by_its_url(api):
    upload = uploaded(api, ACME_HEADERS)

    created = api("create_invoice", ACME_HEADERS, body=invoice_body(file_url=upload["url"]))

    assert created.status == 201, created.body
    assert created.body["file_id"] == upload["id"]


def test_lists_show_the_attachment(api):
    upload = uploaded(api, ACME_HEADERS, name="nov.pdf")
    created = api("create_invoice", ACME_HEADERS, body=invoice_body(file_id=upload["id"])).body

    facility_list = api("list_facility_invoices", ACME_HEADERS, path={"facility_id": str(ACME_MADRID)}).body
    organization_list = api("list_invoices", ACME_HEADERS).body

    for items in (facility_list["items"], organization_list["items"]):
        (shown,) = [item for item in items if item["id"] == created["id"]]
        assert (shown["file_id"], shown["file_name"]) == (upload["id"], "nov.pdf")
        assert "X-Amz-Signature" in shown["file_url"]


def _other_files(api) -> dict[str, dict[str, Any]]:
    pending = announced(api, ACME_HEADERS)
    theirs = uploaded(api, GLOBEX_HEADERS)
    refused = announced(api, ACME_HEADERS, size_kb=1)
    deliver(refused["fields"]["key"], post(refused, PDF))
    return {
        "pending": {"file_id": pending["id"]},
        "refused": {"file_id": refused["id"]},
        "another organization's": {"file_id": theirs["id"]},
        "another organization's url": {"file_url": theirs["url"]},
        "unknown id": {"file_id": "00000000-0000-4000-8000-000000000000"},
        "public link": {"file_url": "https://example.com/invoice.pdf"},
        "tampered url": {"file_url": pending["url"].replace("eu-west-1", "us-east-1")},
    }


def test_anything_but_an_uploaded_file_of_the_organization_is_400_invalid_file(api):
    for case, fields in _other_files(api).items():
        answer = api("create_invoice", ACME_HEADERS, body=invoice_body(**fields))
        assert (answer.status, answer.body["code"]) == (400, "INVALID_FILE"), case


def test_patch_attaches_replaces_and_detaches_a_file(api):
    first, second = uploaded(api, ACME_HEADERS, name="a.pdf"), uploaded(api, ACME_HEADERS, name="b.pdf")
    invoice = api("create_invoice", ACME_HEADERS, body=invoice_body(file_id=first["id"])).body
    path = {"invoice_id": invoice["id"]}

    replaced = api("update_invoice", ACME_HEADERS, path=path, body={"file_url": second["url"]})
    pending = announced(api, ACME_HEADERS)["id"]
    refused = api("update_invoice", ACME_HEADERS, path=path, body={"file_id": pending})
    detached = api("update_invoice", ACME_HEADERS, path=path, body={"file_id": None})

    assert replaced.status == 200 and replaced.body["file_name"] == "b.pdf"
    assert replaced.body["status"] == invoice["status"], "an attachment is not an emissions change"
    assert (refused.status, refused.body["code"]) == (400, "INVALID_FILE")
    assert detached.status == 200
    assert (detached.body["file_id"], detached.body["file_name"], detached.body["file_url"]) == (None,) * 3
