"""Attachments and bulk imports over HTTP on the local stack: real presigned POSTs to the moto server.

The upload's ``Object Created`` event goes through moto's EventBridge to the check or import
function, as in AWS; every test polls for what those functions settle.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from carbon_accounting import emissions
from tests.e2e.test_api import ACME_HEADERS
from tests.tenants import ACME, ACME_MADRID, IBERIA, IBERIA_LISBON

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.7\n" + b"e2e attachment " * 200 + b"\n%%EOF\n"
FINISHED = {"completed", "completed_with_errors", "failed"}
KWH_ID = str(next(unit.id for unit in emissions.units("energy") if unit.name == "kilowatt_hour_(kwh)"))


def until(fetch: Callable[[], Any], done: Callable[[Any], bool], seconds: float = 60.0) -> Any:
    """``fetch()`` until ``done`` says so; the last answer when ``seconds`` run out (bounded wait)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = fetch()
        if done(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.25)


def upload(post: dict[str, Any], content: bytes, file_name: str) -> None:
    """Upload as a browser does: the presigned form's fields, then the file (field ``file``, last)."""
    reply = requests.post(
        post["presigned_url"], data=post["fields"], files={"file": (file_name, content)}, timeout=30
    )
    assert reply.status_code in (200, 201, 204), reply.text


def announce(http, name: str, mime_type: str, size_kb: int) -> dict[str, Any]:
    answer = http(
        "POST",
        "/v1/files/presigned-urls",
        ACME_HEADERS,
        [{"name": name, "mime_type": mime_type, "size_kb": size_kb}],
    )
    assert answer.status == 201, answer.body
    (announced,) = answer.body
    assert (announced["status"], announced["method"]) == ("pending", "POST")
    return announced


def settled_file(http, file_id: str) -> dict[str, Any]:
    return until(
        lambda: http("GET", f"/v1/files/{file_id}", ACME_HEADERS).body,
        lambda file: file["status"] != "pending",
    )


def invoice_body(**extra: Any) -> dict[str, Any]:
    return {
        "type": "electricity",
        "base_quantity": 1234.5,
        "unit_id": KWH_ID,
        "start_date": "2024-10-01",
        "end_date": "2024-10-31",
        "facility_percentages": [
            {"organization_id": str(ACME), "facility_id": str(ACME_MADRID), "percentage": 1.0}
        ],
    } | extra


# ---------------------------------------------------------------- attachments


def test_an_attachment_is_uploaded_checked_attached_and_downloaded_byte_for_byte(http):
    announced = announce(http, "electricity_oct_2024.pdf", "application/pdf", size_kb=8)
    assert http("GET", f"/v1/files/{announced['id']}", ACME_HEADERS).body["status"] == "pending"

    upload(announced, PDF, "electricity_oct_2024.pdf")
    file = settled_file(http, announced["id"])
    assert file["status"] == "uploaded", file.get("error")
    assert requests.get(file["download_url"], timeout=30).content == PDF

    created = http("POST", "/api/v1/invoices", ACME_HEADERS, invoice_body(file_id=announced["id"]))
    assert created.status == 201, created.body
    invoice = http("GET", f"/v3/invoices/{created.body['id']}", ACME_HEADERS).body
    assert (invoice["file_id"], invoice["file_name"]) == (announced["id"], "electricity_oct_2024.pdf")
    download = requests.get(invoice["file_url"], timeout=30)
    assert download.status_code == 200
    assert download.content == PDF
    assert "electricity_oct_2024.pdf" in download.headers.get("Content-Disposition", "")


def test_an_upload_that_lies_about_its_type_ends_in_error_and_cannot_be_attached(http):
    announced = announce(http, "meter.png", "image/png", size_kb=8)

    upload(announced, PDF, "meter.png")  # the form pins Content-Type image/png; the bytes are a PDF
    file = settled_file(http, announced["id"])

    assert file["status"] == "error"
    assert "not image/png" in file["error"]
    assert file["download_url"] is None
    refused = http("POST", "/api/v1/invoices", ACME_HEADERS, invoice_body(file_id=announced["id"]))
    assert (refused.status, refused.body["code"]) == (400, "INVALID_FILE")


# ---------------------------------------------------------------- bulk imports


def start_import(http, file_name: str) -> dict[str, Any]:
    created = http("POST", "/v1/invoices/bulk", ACME_HEADERS, {"file_name": file_name})
    assert created.status == 201, created.body
    assert created.body["status"] == "pending"
    assert created.body["upload"]["fields"]["Content-Type"] == "text/csv"
    return created.body


def finished_job(http, job_id: str) -> dict[str, Any]:
    return until(
        lambda: http("GET", f"/v1/invoices/bulk/{job_id}", ACME_HEADERS).body,
        lambda job: job["status"] in FINISHED,
    )


def csv_bytes(rows: list[list[str]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def test_a_bulk_csv_creates_its_valid_rows_reports_the_bad_one_and_the_calculator_runs(http):
    reference = f"E2E-BULK-{uuid.uuid4().hex[:8]}"
    header = ["type", "base_quantity", "unit", "start_date", "end_date", "facility_id"]
    header += ["facility_percentages", "invoice_id"]
    split = f"{ACME_MADRID}:0.6;{IBERIA}/{IBERIA_LISBON}:0.4"
    rows = [
        header,
        ["electricity", "1000", "kWh", "2024-01-01", "2024-01-31", str(ACME_MADRID), "", reference],
        ["electricity", "1100", "kWh", "2024-02-01", "2024-02-29", str(ACME_MADRID), "", reference],
        ["electricity", "1200", "parsecs", "2024-03-01", "2024-03-31", str(ACME_MADRID), "", reference],
        ["electricity", "1300", KWH_ID, "2024-04-01", "2024-04-30", str(ACME_MADRID), "", reference],
        ["electricity", "5000", "kWh", "2024-05-01", "2024-05-31", "", split, reference],
    ]
    job = start_import(http, "invoices_2024.csv")

    upload(job["upload"], csv_bytes(rows), "invoices_2024.csv")
    finished = finished_job(http, job["job_id"])

    assert finished["status"] == "completed_with_errors", finished
    counts = ("rows_total", "rows_processed", "rows_created", "rows_failed")
    assert tuple(finished[name] for name in counts) == (5, 5, 4, 1)
    (error,) = finished["errors"]
    assert (error["row"], error["field"], error["code"]) == (4, "unit", "INVALID_UNIT")
    report = requests.get(finished["error_report_url"], timeout=30)
    assert report.status_code == 200
    reported = list(csv.reader(io.StringIO(report.content.decode())))
    assert reported[0][0] == "row" and reported[0][-3:] == ["field", "code", "detail"]
    assert [line[:4] for line in reported[1:]] == [["4", "electricity", "1200", "parsecs"]]

    # Madrid lists the three single-facility rows and its 60 % share of the split one; all computed
    listed = until(
        lambda: (
            http(
                "GET", f"/api/v1/invoices/casted/facility/{ACME_MADRID}?invoice_id={reference}", ACME_HEADERS
            ).body
        ),
        lambda page: len(page["items"]) == 4 and all(item["status"] != "loading" for item in page["items"]),
    )
    assert sorted(item["base_quantity"] for item in listed["items"]) == [1000, 1100, 1300, 5000]
    assert {item["status"] for item in listed["items"]} == {"active"}, listed["items"]


def test_a_semicolon_separated_csv_fails_the_job_with_what_to_fix(http):
    rows = [
        ["type", "base_quantity", "unit", "start_date", "end_date", "facility_id"],
        ["electricity", "1000", "kWh", "2024-01-01", "2024-01-31", str(ACME_MADRID)],
    ]
    job = start_import(http, "semicolons.csv")

    upload(job["upload"], csv_bytes(rows, delimiter=";"), "semicolons.csv")
    finished = finished_job(http, job["job_id"])

    assert finished["status"] == "failed", finished
    assert "semicolons" in finished["detail"]
    assert (finished["rows_created"], finished["error_report_url"]) == (0, None)
