"""Bulk CSV import: the job endpoints and the importer the upload's event runs."""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from datetime import timedelta
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError, ReadTimeoutError

from carbon_accounting import repository
from carbon_accounting.intake import bulk, imports
from carbon_accounting.seed import load_seed
from carbon_accounting.spreadsheets import spreadsheet_safe
from tests.conftest import ROOT, TEST_BUCKET
from tests.faults import Fault, injected
from tests.functions import LambdaContext, load_function
from tests.handlers.conftest import invoke, sample_event
from tests.handlers.test_invoices import distributed_heat, electricity, share, stored_invoices
from tests.streams import TableStream
from tests.tenants import (
    ACME,
    ACME_BILBAO_ARCHIVED,
    ACME_KEY,
    ACME_MADRID,
    GLOBEX,
    GLOBEX_BERLIN,
    GLOBEX_KEY,
    IBERIA,
    IBERIA_LISBON,
    api_key_headers,
)

ACME_HEADERS = api_key_headers(ACME_KEY, ACME)
HEADER = "type,base_quantity,unit,start_date,end_date,facility_percentages,invoice_id,cups"
GOOD = f"electricity,1200,kWh,2024-01-01,2024-01-31,{ACME_MADRID}:1,INV-1,"
GOOD_SPLIT = (
    f"electricity,1000,MWh,2024-02-01,2024-02-29,{ACME_MADRID}:0.6;{IBERIA}/{IBERIA_LISBON}:0.4,INV-2,"
)
BAD_DATES = f"electricity,5,kWh,2024-03-31,2024-03-01,{ACME_MADRID}:1,INV-3,"
BAD_UNIT = f"electricity,5,furlongs,2024-03-01,2024-03-31,{ACME_MADRID}:1,INV-4,"
BAD_QUANTITY = f"electricity,-5,kWh,2024-03-01,2024-03-31,{ACME_MADRID}:1,INV-5,"


# A write that times out: the event is retried, and the run resumes (an error of ours fails the job).
AWS_FAULT = ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")


def create_job(api, headers=ACME_HEADERS, file_name="invoices.csv"):
    return api("create_bulk_import", headers, body={"file_name": file_name})


def run(api, text: str | bytes, headers=ACME_HEADERS) -> dict[str, Any]:
    """Create a job, upload ``text`` as its CSV, deliver the upload's event; the job as the API shows it."""
    job = create_job(api, headers).body
    version = upload(job, text)
    deliver(job["upload"]["fields"]["key"], version)
    return api("get_bulk_import", headers, path={"job_id": job["job_id"]}).body


def upload(job: dict[str, Any], text: str | bytes) -> str:
    content = text.encode() if isinstance(text, str) else text
    key = job["upload"]["fields"]["key"]
    return boto3.client("s3").put_object(Bucket=TEST_BUCKET, Key=key, Body=content, ContentType="text/csv")[
        "VersionId"
    ]


def deliver(key: str, version_id: str) -> dict[str, Any]:
    event = sample_event("import_invoices")
    event["detail"]["bucket"]["name"] = TEST_BUCKET
    event["detail"]["object"] |= {"key": key, "version-id": version_id}
    return load_function("import_invoices").lambda_handler(event, LambdaContext())


def csv_text(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


# ---------------------------------------------------------------- the job endpoints


def test_a_job_starts_pending_with_a_presigned_post_for_its_csv(api):
    answer = create_job(api)

    assert answer.status == 201
    job_id = answer.body["job_id"]
    fields = answer.body["upload"]["fields"]
    assert answer.body["status"] == "pending" and answer.body["upload"]["method"] == "POST"
    assert fields["key"] == f"imports/{ACME}/{job_id}"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert {"Content-Type": "text/csv"} in policy["conditions"]
    assert ["content-length-range", 1, imports.MAX_IMPORT_BYTES] in policy["conditions"]
    shown = api("get_bulk_import", ACME_HEADERS, path={"job_id": job_id})
    assert shown.status == 200 and shown.body["status"] == "pending" and shown.body["rows_total"] is None


def test_a_job_is_invisible_to_other_organizations_and_needs_a_csv_name(api):
    job_id = create_job(api).body["job_id"]

    theirs = api("get_bulk_import", api_key_headers(GLOBEX_KEY, GLOBEX), path={"job_id": job_id})
    not_csv = create_job(api, file_name="invoices.xlsx")

    assert (theirs.status, theirs.body["code"]) == (404, "IMPORT_JOB_NOT_FOUND")
    assert not_csv.status == 422


# ---------------------------------------------------------------- importing


def test_valid_rows_become_loading_invoices_and_invalid_rows_are_reported(api):
    job = run(api, csv_text(GOOD, BAD_DATES, GOOD_SPLIT, "", BAD_UNIT, BAD_QUANTITY))

    assert job["status"] == "completed_with_errors"
    assert (job["rows_total"], job["rows_processed"]) == (5, 5)
    assert (job["rows_created"], job["rows_failed"]) == (2, 3)
    assert [(e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (3, "end_date", "INVALID_DATE_RANGE"),
        (6, "unit", "INVALID_UNIT"),  # row 5 of the sheet is blank
        (7, "base_quantity", "VALIDATION_ERROR"),
    ]
    by_reference = {  # single invoices and distributed parents (a child repeats its parent's invoice_id)
        invoice["invoice_id"]: invoice
        for invoice in stored_invoices(ACME)
        if not invoice.get("source_invoice_id")
    }
    assert by_reference["INV-1"]["status"] == "loading" and float(by_reference["INV-1"]["quantity"]) == 1200
    assert by_reference["INV-2"]["children"], "the split row is a distributed invoice"
    assert [i for i in stored_invoices(IBERIA) if i.get("source_invoice_id") == by_reference["INV-2"]["id"]]
    assert {"INV-3", "INV-4", "INV-5"}.isdisjoint(by_reference)

    report = list(csv.reader(io.StringIO(requests.get(job["error_report_url"], timeout=10).text)))
    assert report[0] == ["row", *HEADER.split(","), "field", "code", "detail"]
    assert [line[0] for line in report[1:]] == ["3", "6", "7"]
    assert report[1][1:9] == BAD_DATES.split(",") and report[1][-2] == "INVALID_DATE_RANGE"


def test_a_clean_file_completes_with_no_report(api):
    job = run(api, csv_text(GOOD))

    assert job["status"] == "completed" and job["rows_created"] == 1
    assert job["error_report_url"] is None and job["errors"] == []


def _to_row(body: dict[str, Any]) -> str:
    shares = ";".join(
        f"{s['organization_id']}/{s['facility_id']}:{s['percentage']}"
        for s in body["facility_percentages"] or []
    )
    cells = [
        body["type"],
        body["base_quantity"],
        body["unit_id"],
        body["start_date"],
        body["end_date"],
        shares,
    ]
    cells += [body.get(name) or "" for name in ("cups", "supplier_id", "facility_fuel_id")]
    return ",".join(str(cell) for cell in cells)


@pytest.mark.parametrize(
    "body",
    [
        electricity(type="gas"),
        distributed_heat(
            facility_percentages=[share(ACME, ACME_MADRID, 0.6), share(IBERIA, IBERIA_LISBON, 0.3)]
        ),
        electricity(facility_percentages=[share(ACME, ACME_BILBAO_ARCHIVED, 1)]),
        electricity(facility_percentages=[share(GLOBEX, GLOBEX_BERLIN, 1)]),
        electricity(cups="ES1234123456789012XY"),
        distributed_heat(facility_fuel_id=None),
        electricity(supplier_id=str(uuid.uuid4())),
        electricity(type="water"),
    ],
    ids=["type", "percentages", "archived", "forbidden", "cups", "fuel", "supplier", "not-allowed"],
)
def test_a_row_is_refused_with_the_code_the_api_gives_the_same_invoice(api, body):
    answer = api("create_invoice", ACME_HEADERS, body=body)
    header = (
        "type,base_quantity,unit,start_date,end_date,facility_percentages,cups,supplier_id,facility_fuel_id"
    )

    job = run(api, f"{header}\n{_to_row(body)}\n")

    assert answer.status in (400, 403)
    assert job["rows_failed"] == 1 and job["errors"][0]["code"] == answer.body["code"]


def test_the_same_event_twice_creates_nothing_twice(api):
    job = create_job(api).body
    key, version = job["upload"]["fields"]["key"], upload(job, csv_text(GOOD, GOOD_SPLIT))
    deliver(key, version)
    before = len(stored_invoices(ACME))

    again = deliver(key, version)

    assert again["status"] == "completed"
    assert len(stored_invoices(ACME)) == before


def test_a_run_that_dies_midway_resumes_after_the_last_chunk_written(api, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 2)
    lines = [
        f"electricity,{n + 1},kWh,2024-01-01,2024-01-31,{ACME_MADRID}:1,ROW-{n},".rstrip() for n in range(7)
    ]
    job = create_job(api).body
    key, version = job["upload"]["fields"]["key"], upload(job, csv_text(*lines))
    real_write, writes = repository.write_import_chunk, []

    def dies_on_the_third_chunk(*args, **kwargs):
        writes.append(args)
        if len(writes) == 3:
            raise AWS_FAULT
        return real_write(*args, **kwargs)

    monkeypatch.setattr(repository, "write_import_chunk", dies_on_the_third_chunk)
    with pytest.raises(ReadTimeoutError):
        deliver(key, version)
    midway = api("get_bulk_import", ACME_HEADERS, path={"job_id": job["job_id"]}).body
    monkeypatch.setattr(repository, "write_import_chunk", real_write)
    deliver(key, version)

    done = api("get_bulk_import", ACME_HEADERS, path={"job_id": job["job_id"]}).body
    assert (midway["status"], midway["rows_processed"], midway["rows_created"]) == ("processing", 4, 4)
    assert (done["status"], done["rows_processed"], done["rows_created"]) == ("completed", 7, 7)
    references = sorted(invoice["invoice_id"] for invoice in stored_invoices(ACME))
    assert references == [f"ROW-{n}" for n in range(7)]


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"", "empty"),
        (HEADER.encode() + b"\n", "no invoice rows"),
        (b"type;base_quantity;unit\nelectricity;1;kWh\n", "semicolons"),
        (csv_text(GOOD).encode("utf-16"), "not UTF-8"),
        (
            b"type,base_quantity,unit,start_date,end_date\nelectricity,1,kWh,2024-01-01,2024-01-31\n",
            "facility_id",
        ),
        (csv_text(GOOD).replace("cups", "meter").encode(), "Unknown column(s) meter"),
        (b"type,type,base_quantity,unit,start_date,end_date,facility_id\n", "more than once"),
        (b"\xef\xbb\xbf", "empty"),
        (csv_text('"' + GOOD + "x" * 140_000).encode(), "not valid CSV"),
    ],
    ids=[
        "empty",
        "header-only",
        "semicolons",
        "utf-16",
        "missing-column",
        "unknown-column",
        "repeated",
        "only-a-bom",
        "unclosed-quote",
    ],
)
def test_a_file_that_cannot_be_read_fails_the_job_saying_what_to_fix(api, content, detail):
    job = run(api, content)

    assert job["status"] == "failed" and detail in job["detail"]
    assert job["rows_created"] == 0 and stored_invoices(ACME) == []


def test_files_over_the_limits_are_refused(api, monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORT_ROWS", 2)
    too_many = run(api, csv_text(GOOD, GOOD, GOOD))
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 100)
    too_big = run(api, csv_text(GOOD, GOOD))

    assert too_many["status"] == "failed" and "split it" in too_many["detail"]
    assert too_big["status"] == "failed" and "bytes" in too_big["detail"]


def test_units_are_named_by_id_or_symbol_and_a_utf8_bom_is_fine(api):
    kwh_id = "617e8ff3-f16b-556d-adf7-723f92996f0b"
    job = run(
        api, "\ufeff" + csv_text(GOOD.replace("kWh", kwh_id), GOOD.replace("kWh", "kilowatt_hour_(kwh)"))
    )

    assert job["status"] == "completed" and job["rows_created"] == 2


def test_an_object_for_no_job_is_left_alone(aws):
    key = f"imports/{ACME}/{uuid.uuid4()}"
    version = boto3.client("s3").put_object(Bucket=TEST_BUCKET, Key=key, Body=b"x")["VersionId"]

    assert deliver(key, version)["status"] is None


def test_the_shipped_template_names_every_column_and_the_sample_imports_on_the_demo_seed(aws):
    template = (ROOT / "docs" / "bulk-import-template.csv").read_text()
    seed = load_seed(ROOT / "local" / "seed.json")
    acme = seed.organizations[0]
    caller_headers = api_key_headers(acme.api_keys[0], acme.id)

    job = run(invoke, (ROOT / "docs" / "bulk-import-sample.csv").read_bytes(), caller_headers)

    assert tuple(template.strip().split(",")) == bulk.COLUMNS
    assert (job["status"], job["rows_created"], job["rows_failed"]) == ("completed_with_errors", 4, 1)
    assert [(error["row"], error["code"]) for error in job["errors"]] == [(6, "INVALID_DATE_RANGE")]


def test_a_detail_quoting_a_huge_cell_is_cut_so_the_job_stays_one_item(api):
    job = run(api, csv_text(GOOD.replace("kWh", "k" * 50_000)))

    assert job["status"] == "completed_with_errors"
    assert job["errors"][0]["code"] == "INVALID_UNIT" and len(job["errors"][0]["detail"]) <= bulk.DETAIL_CHARS


def test_a_second_upload_through_the_same_post_never_mixes_into_the_job(api, monkeypatch):
    job = create_job(api).body
    key = job["upload"]["fields"]["key"]
    first = upload(job, csv_text(GOOD.replace("INV-1", "FIRST")))
    real_write = repository.write_import_chunk

    def dies(*args, **kwargs):
        raise AWS_FAULT

    monkeypatch.setattr(repository, "write_import_chunk", dies)
    with pytest.raises(ReadTimeoutError):
        deliver(key, first)
    monkeypatch.setattr(repository, "write_import_chunk", real_write)
    second = upload(job, csv_text(GOOD.replace("INV-1", "SECOND")))

    assert deliver(key, second)["status"] is None
    assert deliver(key, first)["status"] == "completed"
    assert [invoice["invoice_id"] for invoice in stored_invoices(ACME)] == ["FIRST"]


# ---------------------------------------------------------------- bad numbers, faults, CSV injection


def test_numbers_outside_the_bounds_are_refused_rows_and_the_others_import(api):
    rows = [
        f"electricity,{number},kWh,2024-03-01,2024-03-31,{ACME_MADRID}:1,N-{number},"
        for number in ("1e200", "1e308", "1e-320", "1e400", "nan", "true")
    ]

    job = run(api, csv_text(GOOD, *rows))

    assert (job["status"], job["rows_created"], job["rows_failed"]) == ("completed_with_errors", 1, 6)
    assert {(e["field"], e["code"]) for e in job["errors"]} == {("base_quantity", "VALIDATION_ERROR")}


def test_an_unexpected_error_fails_the_job_with_a_detail_never_leaving_it_processing(api, monkeypatch):
    def broken(*_):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(bulk, "_progress", broken)

    job = run(api, csv_text(GOOD))

    assert job["status"] == "failed"
    assert "unexpected error" in job["detail"]


def test_formula_cells_are_neutralized_in_the_error_report(api):
    formula = f"electricity,-5,kWh,2024-03-01,2024-03-31,{ACME_MADRID}:1,=cmd|' /C calc'!A0,"

    job = run(api, csv_text(formula))

    report = list(csv.reader(io.StringIO(requests.get(job["error_report_url"], timeout=10).text)))
    assert report[1][2] == "'-5"
    assert report[1][7] == "'=cmd|' /C calc'!A0"
    assert all(not cell.startswith(("=", "+", "-", "@")) for line in report for cell in line)


def test_spreadsheet_safe_escapes_every_formula_start():
    assert [spreadsheet_safe(cell) for cell in ("=1", "+1", "-1", "@SUM", "\tx", "\rx", "ok", 7)] == [
        "'=1",
        "'+1",
        "'-1",
        "'@SUM",
        "'\tx",
        "'\rx",
        "ok",
        "7",
    ]


# ---------------------------------------------------------------- a job always ends


def _stored_job(job_id) -> dict[str, Any]:
    return repository.get_import_job(ACME, uuid.UUID(job_id))


def daily_run() -> dict[str, Any]:
    """What the schedule does: queue the run, which the table's stream then runs."""
    assert load_function("schedule_recalculation").lambda_handler({}, LambdaContext()) == {"queued": True}
    assert TableStream().drain() == []
    return repository.get_recalculation(None)


def test_an_import_that_stopped_for_good_is_failed_by_the_daily_run_saying_how_far_it_got(api, monkeypatch):
    # Given an import whose second chunk fails on every delivery (the first and Lambda's two retries)
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 1)
    job = create_job(api).body
    version = upload(job, csv_text(GOOD, GOOD_SPLIT, GOOD.replace("INV-1", "INV-9")))
    for at in (2, 1, 1):  # the first run writes the first chunk before failing; retries fail at once
        chunk = Fault("InternalServerError", at=at, matching=lambda op, _: op == "TransactWriteItems")
        with injected(chunk), pytest.raises(ClientError):
            deliver(job["upload"]["fields"]["key"], version)
    stuck = _stored_job(job["job_id"])
    assert (stuck["status"], stuck["rows_processed"], stuck["gsi3pk"]) == ("processing", 1, "IMPORTING")

    # When the daily run looks while a retry could still come: the job is left alone
    assert daily_run()["imports_failed"] == 0
    assert _stored_job(job["job_id"])["status"] == "processing"

    # When it looks once its last write is older than ABANDONED_AFTER
    monkeypatch.setattr(imports, "ABANDONED_AFTER", timedelta(0))
    assert daily_run()["imports_failed"] == 1

    # Then it is failed, saying how far it got, and is out of the index; its first chunk stays
    failed = api("get_bulk_import", ACME_HEADERS, path={"job_id": job["job_id"]}).body
    assert failed["status"] == "failed"
    assert failed["detail"] == (
        "The import stopped after 1 of 3 rows and was not resumed: the first 1 were imported "
        "(1 created, 0 refused); import the rest from a new file"
    )
    assert "gsi3pk" not in _stored_job(job["job_id"])
    assert [invoice["invoice_id"] for invoice in stored_invoices(ACME)] == ["INV-1"]


def test_a_job_that_moved_on_since_the_daily_run_found_it_is_not_failed(api):
    job = create_job(api).body
    version = upload(job, csv_text(GOOD))
    chunk = Fault("InternalServerError", at=1, matching=lambda op, _: op == "TransactWriteItems")
    with injected(chunk), pytest.raises(ClientError):
        deliver(job["upload"]["fields"]["key"], version)
    found = _stored_job(job["job_id"])
    deliver(job["upload"]["fields"]["key"], version)  # a retry that succeeds, after the run found it

    assert not imports.fail_abandoned_import(ACME, uuid.UUID(job["job_id"]), "9999")
    assert _stored_job(job["job_id"])["status"] == "completed"
    assert found["status"] == "processing"


def test_a_finished_job_leaves_the_index_the_daily_run_reads(api):
    job = run(api, csv_text(GOOD, BAD_DATES))

    assert job["status"] == "completed_with_errors"
    assert "gsi3pk" not in _stored_job(job["job_id"])


def test_rows_link_to_supply_points_as_the_api_does_and_say_their_reading(api):
    point = api(
        "create_supply_point",
        ACME_HEADERS,
        path={"facility_id": str(ACME_MADRID)},
        body={"type": "electricity", "identifier": "1312345678907", "identifier_kind": "mpan"},
    ).body
    text = "\n".join(
        [
            "type,base_quantity,unit,start_date,end_date,facility_percentages,invoice_id,supply_point_id,reading",
            f"electricity,1200,kWh,2024-01-01,2024-01-31,{ACME_MADRID}:1,MPAN-1,{point['id']},estimated",
            f"electricity,1200,kWh,2024-02-01,2024-02-29,{ACME_MADRID}:1,MPAN-2,{GLOBEX},",
            f"electricity,1200,kWh,2024-03-01,2024-03-31,{ACME_MADRID}:1,MPAN-3,,sometimes",
        ]
    )

    job = run(api, text + "\n")

    assert [(error["row"], error["code"]) for error in job["errors"]] == [
        (3, "INVALID_SUPPLY_POINT"),
        (4, "VALIDATION_ERROR"),
    ]
    (stored,) = [invoice for invoice in stored_invoices(ACME) if invoice.get("invoice_id") == "MPAN-1"]
    assert (stored["supply_point_id"], stored["reading"]) == (point["id"], "estimated")
    assert [flag["kind"] for flag in stored["quality_flags"]] == ["estimated"]
