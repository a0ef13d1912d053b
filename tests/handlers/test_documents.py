"""Invoices from PDF bills: announce, upload, the upload check, the reading, then loading or review."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import boto3
import pytest

from carbon_accounting.api import INVOICE_SIBLINGS
from carbon_accounting.emissions.catalogues.units import KILOWATT_HOUR as KWH
from local.template import load_stack
from tests.conftest import ROOT, TEST_BUCKET, TEST_TABLE
from tests.documents.generator import OTHER_CUPS, SPANISH_CUPS, Bill, corpus, render, spanish_electricity
from tests.functions import LambdaContext, load_function
from tests.handlers.conftest import api_event
from tests.handlers.test_files import deliver, post
from tests.handlers.test_invoices import electricity, share
from tests.streams import TableStream
from tests.tenants import ACME, ACME_KEY, ACME_MADRID, GLOBEX, GLOBEX_KEY, api_key_headers

ACME_HEADERS = api_key_headers(ACME_KEY, ACME)
GLOBEX_HEADERS = api_key_headers(GLOBEX_KEY, GLOBEX)


@pytest.fixture
def plant(api):
    """An ACME facility that lists the walkthrough bill's CUPS."""
    body = {"name": "Madrid HQ", "country": "ES", "cups_list": [SPANISH_CUPS]}
    answer = api("create_facility", ACME_HEADERS, body=body)
    assert answer.status == 201, answer.body
    return answer.body["id"]


@pytest.fixture
def stream(api):
    return TableStream()


def announce(api, headers=ACME_HEADERS, **body: Any):
    request = {"file_name": "bill.pdf", "mime_type": "application/pdf", "size_kb": 64} | body
    return api("create_invoice_document", headers, body=request)


def upload(api, stream, content: bytes, headers=ACME_HEADERS, **body: Any) -> dict[str, Any]:
    """Announce a document, upload it through its presigned POST, and let the stream settle; the
    invoice as GET shows it then."""
    answer = announce(api, headers, **body)
    assert answer.status == 201, answer.body
    presigned = answer.body["upload"]
    deliver(presigned["fields"]["key"], post(presigned, content))
    assert stream.drain() == []
    return get(api, answer.body["invoice"]["id"], headers)


def get(api, invoice_id: str, headers=ACME_HEADERS) -> dict[str, Any]:
    answer = api("get_invoice", headers, path={"invoice_id": invoice_id})
    assert answer.status == 200, answer.body
    return answer.body


def value(invoice: dict[str, Any], name: str) -> Any:
    return invoice["extraction"]["fields"][name]["value"]


# ---------------------------------------------------------------- announcing


def test_a_document_is_announced_as_an_uploaded_invoice_with_its_presigned_post(api):
    answer = announce(api)

    assert answer.status == 201
    invoice, presigned = answer.body["invoice"], answer.body["upload"]
    assert invoice["status"] == "uploaded"
    assert invoice["type"] is None and invoice["base_quantity"] is None and invoice["start_date"] is None
    assert invoice["file_id"] == presigned["id"]
    assert presigned["fields"]["key"] == f"files/{ACME}/{presigned['id']}"
    assert presigned["fields"]["Content-Type"] == "application/pdf"
    # Its id is final: the list shows it, uploaded, before anything was read.
    listed = api("list_invoices", ACME_HEADERS, query={"status[]": "uploaded"}).body["items"]
    assert [item["id"] for item in listed] == [invoice["id"]]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"mime_type": "image/png"}, 422, "VALIDATION_ERROR"),
        ({"file_name": "bill.png"}, 422, "VALIDATION_ERROR"),
        ({"file_name": "../bill.pdf"}, 422, "VALIDATION_ERROR"),
        ({"size_kb": 10 * 1024 + 1}, 422, "VALIDATION_ERROR"),
        ({"type": "process"}, 422, "VALIDATION_ERROR"),
        ({"facility_id": "not-a-uuid"}, 422, "VALIDATION_ERROR"),
        ({"facility_id": "9c4f5e1b-6d7a-4031-8e42-5f6a7b8c9da3"}, 400, "INVALID_FACILITY"),  # archived
        ({"facility_id": "f2a5be71-cd30-4697-8ea8-bfc0d1e2f309"}, 400, "INVALID_FACILITY"),  # Globex's
        ({"colour": "red"}, 422, "VALIDATION_ERROR"),
    ],
)
def test_a_bad_announcement_is_refused_and_writes_nothing(api, body, status, code):
    answer = announce(api, **body)

    assert (answer.status, answer.body["code"]) == (status, code), answer.body
    assert api("list_invoices", ACME_HEADERS).body["total"] == 0


def test_a_retried_announcement_with_its_idempotency_key_gives_the_same_invoice(api):
    first = announce(api, ACME_HEADERS | {"Idempotency-Key": "bill-nov"})
    again = announce(api, ACME_HEADERS | {"Idempotency-Key": "bill-nov"})

    assert again.status == 201
    assert again.body["invoice"]["id"] == first.body["invoice"]["id"]
    assert api("list_invoices", ACME_HEADERS).body["total"] == 1


# ---------------------------------------------------------------- reading


def test_a_spanish_electricity_bill_becomes_an_active_invoice_traced_to_its_page_and_text(api, stream, plant):
    bill = spanish_electricity()
    invoice = upload(api, stream, render(bill))

    assert invoice["status"] == "active", invoice["extraction"]
    assert (invoice["type"], invoice["start_date"], invoice["end_date"]) == (
        "electricity",
        "2024-11-01",
        "2024-11-30",
    )
    assert invoice["base_quantity"] == float(bill.consumption)
    assert invoice["unit_id"] == str(KWH.id)
    assert (invoice["cups"], invoice["facility_id"]) == (SPANISH_CUPS, plant)
    assert invoice["invoice_id"] == bill.invoice_number
    assert invoice["supplier_id"] == "95ff2275-a0a0-597a-af3a-a8f2497546a7"  # Iberdrola Clientes
    assert invoice["co2e"] > 0
    extraction = invoice["extraction"]
    assert extraction["reason"] is None and extraction["missing"] == [] and extraction["problems"] == []
    quantity = extraction["fields"]["base_quantity"]
    assert quantity == {"value": 905.0, "page": 1, "source": "Consumo total 905,00 kWh", "confidence": 1.0}
    assert (
        extraction["fields"]["start_date"]["source"] == "Periodo de facturación: del 01/11/2024 al 30/11/2024"
    )
    assert extraction["fields"]["facility_id"]["source"].startswith("CUPS:")
    assert [period["period"] for period in extraction["tariff_periods"]] == [
        "P1",
        "P2",
        "P3",
        "P4",
        "P5",
        "P6",
    ]
    assert value(invoice, "amount") == 187.34 and value(invoice, "currency") == "EUR"
    assert invoice["file_name"] == "bill.pdf" and invoice["file_url"]


def test_a_bill_with_its_consumption_smudged_is_in_review_naming_it_and_a_patch_completes_it(
    api, stream, plant
):
    invoice = upload(api, stream, render(spanish_electricity(consumption=None)))

    assert invoice["status"] == "review"
    assert invoice["extraction"]["reason"] == "incomplete"
    assert invoice["extraction"]["missing"] == ["base_quantity", "unit_id"]
    assert invoice["type"] == "electricity" and invoice["base_quantity"] is None
    queue = api("list_invoices", ACME_HEADERS, query={"status[]": "review"}).body["items"]
    assert [item["id"] for item in queue] == [invoice["id"]]

    half = api(
        "update_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}, body={"base_quantity": 905}
    )
    assert (half.status, half.body["code"]) == (400, "MISSING_REQUIRED_FIELD")
    assert half.body["detail"].startswith("unit_id is required")

    body = {"base_quantity": 905, "unit_id": str(KWH.id)}
    completed = api("update_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}, body=body)
    assert completed.status == 200, completed.body
    assert completed.body["status"] == "loading"
    assert completed.body["version"] == invoice["version"] + 1
    assert stream.drain() == []
    active = get(api, invoice["id"])
    assert (active["status"], active["base_quantity"], active["facility_id"]) == ("active", 905.0, plant)
    assert active["extraction"]["missing"] == ["base_quantity", "unit_id"], "what was read stays as read"


def test_the_same_bill_uploaded_twice_is_counted_once_the_second_in_review_as_its_duplicate(
    api, stream, plant
):
    first = upload(api, stream, render(spanish_electricity()))
    second = upload(api, stream, render(spanish_electricity()))

    assert first["status"] == "active"
    assert second["status"] == "review"
    assert (second["extraction"]["reason"], second["duplicate_of"]) == ("duplicate", first["id"])
    # Accepting it anyway is the user's call.
    accepted = api(
        "update_invoice", ACME_HEADERS, path={"invoice_id": second["id"]}, body={"status": "active"}
    )
    assert (accepted.status, accepted.body["status"]) == (200, "loading")


def test_a_bill_repeating_an_invoice_entered_by_hand_is_its_duplicate(api, stream, plant):
    bill = spanish_electricity()
    typed = electricity(
        base_quantity=905,
        unit_id=str(KWH.id),
        invoice_id=bill.invoice_number,
        cups=SPANISH_CUPS,
        facility_percentages=[share(ACME, plant, 1.0)],
    )
    created = api("create_invoice", ACME_HEADERS, body=typed)
    assert created.status == 201, created.body

    invoice = upload(api, stream, render(bill))

    assert (invoice["status"], invoice["duplicate_of"]) == ("review", created.body["id"])


def test_a_deleted_invoice_no_longer_makes_its_bill_a_duplicate(api, stream, plant):
    first = upload(api, stream, render(spanish_electricity()))
    assert api("delete_invoice", ACME_HEADERS, path={"invoice_id": first["id"]}).status == 204

    again = upload(api, stream, render(spanish_electricity()))

    assert again["status"] == "active", again["extraction"]


@pytest.mark.parametrize(
    ("bill", "reason"),
    [
        (bill, bill.expected_reason)
        for bill in corpus()
        if bill.expected_reason in {"not_a_bill", "no_text_layer"}
    ]
    + [(spanish_electricity(credit_note=True), "credit_note")],
    ids=lambda case: case.name if isinstance(case, Bill) else case,
)
def test_a_document_that_is_no_bill_to_count_is_in_review_saying_why(api, stream, plant, bill, reason):
    invoice = upload(api, stream, render(bill))

    assert (invoice["status"], invoice["extraction"]["reason"]) == ("review", reason)
    assert invoice["extraction"]["problems"]


def test_a_malformed_pdf_is_in_review_as_unreadable_never_an_error(api, stream):
    invoice = upload(api, stream, b"%PDF-1.7\n" + b"\x00garbage" * 300)

    assert (invoice["status"], invoice["extraction"]["reason"]) == ("review", "unreadable")
    assert "cannot be read" in invoice["extraction"]["problems"][0]


def test_an_upload_the_check_refuses_fails_its_invoice_saying_why(api, stream):
    answer = announce(api)
    presigned = answer.body["upload"]
    deliver(presigned["fields"]["key"], post(presigned, b"\x89PNG\r\n\x1a\n" + b"0" * 100))
    assert stream.drain() == []

    invoice = get(api, answer.body["invoice"]["id"])
    assert invoice["status"] == "error"
    assert invoice["error_messages"] == ["The upload's content is not application/pdf"]


def test_a_bill_whose_cups_no_facility_lists_waits_for_the_facility(api, stream, plant):
    bill = replace(spanish_electricity(), cups=OTHER_CUPS)
    invoice = upload(api, stream, render(bill))

    assert invoice["status"] == "review"
    assert invoice["extraction"]["missing"] == ["facility_id"]
    assert OTHER_CUPS in invoice["extraction"]["problems"][0]
    body = {"facility_id": str(ACME_MADRID)}
    completed = api("update_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}, body=body)
    assert (completed.status, completed.body["facility_id"]) == (200, str(ACME_MADRID))


def test_the_facility_given_at_upload_is_used_and_a_bill_of_another_facility_contradicts_it(
    api, stream, plant
):
    uk = next(bill for bill in corpus() if bill.layout == "uk_electricity")
    invoice = upload(api, stream, render(uk), facility_id=str(ACME_MADRID))
    assert (invoice["status"], invoice["facility_id"]) == ("active", str(ACME_MADRID)), invoice["extraction"]

    spanish = render(spanish_electricity(invoice_number="FE24-9"))
    contradicted = upload(api, stream, spanish, facility_id=str(ACME_MADRID))
    assert contradicted["status"] == "review"
    assert "given at upload" in contradicted["extraction"]["problems"][0]


def test_a_type_given_at_upload_that_the_bill_contradicts_is_in_review(api, stream, plant):
    invoice = upload(api, stream, render(spanish_electricity()), type="water")

    assert invoice["status"] == "review"
    assert invoice["extraction"]["problems"] == [
        "The document was uploaded as water, but reads as electricity"
    ]


def test_a_bill_the_create_rules_refuse_is_in_review_with_their_reason(api, stream, plant):
    invoice = upload(api, stream, render(spanish_electricity(start=date(1985, 1, 1), end=date(1985, 1, 31))))

    assert (invoice["status"], invoice["extraction"]["reason"]) == ("review", "rejected")
    assert "start_date 1985-01-01 is outside" in invoice["extraction"]["problems"][-1]


def test_a_document_is_read_once_however_often_its_records_come(api, stream, plant):
    answer = announce(api)
    presigned = answer.body["upload"]
    key = presigned["fields"]["key"]
    version = post(presigned, render(spanish_electricity()))
    deliver(key, version)
    deliver(key, version)  # the bucket's event, twice
    assert stream.drain() == []
    invoice = get(api, answer.body["invoice"]["id"])

    from carbon_accounting.intake.documents import drafts

    file = boto3.client("dynamodb").get_item(
        TableName=TEST_TABLE, Key={"pk": {"S": f"ORG#{ACME}"}, "sk": {"S": f"FILE#{presigned['id']}"}}
    )["Item"]
    from carbon_accounting.repository.table import from_item

    assert drafts.on_file_change(from_item(file)) is None, "a redelivered record finds it read"
    assert get(api, invoice["id"])["version"] == invoice["version"]
    assert api("list_invoices", ACME_HEADERS).body["total"] == 1


# ---------------------------------------------------------------- review rules


def test_a_draft_still_being_read_cannot_be_patched_and_a_review_cannot_be_set_inactive(api, stream, plant):
    uploaded = announce(api).body["invoice"]
    early = api(
        "update_invoice", ACME_HEADERS, path={"invoice_id": uploaded["id"]}, body={"base_quantity": 1}
    )
    assert (early.status, early.body["code"]) == (409, "INVALID_STATUS_TRANSITION")

    invoice = upload(api, stream, render(spanish_electricity(consumption=None)))
    inactive = api(
        "update_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}, body={"status": "inactive"}
    )
    assert (inactive.status, inactive.body["code"]) == (409, "INVALID_STATUS_TRANSITION")
    stale = api(
        "update_invoice",
        ACME_HEADERS | {"If-Match": str(invoice["version"] - 1)},
        path={"invoice_id": invoice["id"]},
        body={"base_quantity": 905, "unit_id": str(KWH.id)},
    )
    assert stale.status == 412


def test_a_patch_completing_a_review_is_held_to_the_create_rules(api, stream, plant):
    invoice = upload(api, stream, render(spanish_electricity(consumption=None)))

    body = {"base_quantity": 905, "unit_id": "0680caf6-abee-583f-87d5-8a27ab145fd7"}  # m³, for electricity
    refused = api("update_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}, body=body)

    assert (refused.status, refused.body["code"]) == (400, "INVALID_UNIT")
    assert get(api, invoice["id"])["status"] == "review"


def test_a_filled_invoices_type_cannot_be_changed(api, stream, plant):
    invoice = upload(api, stream, render(spanish_electricity()))

    answer = api("update_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}, body={"type": "water"})

    assert (answer.status, answer.body["code"]) == (400, "FIELD_NOT_ALLOWED")


def test_a_draft_can_be_deleted_and_another_organization_never_sees_it(api, stream, plant):
    invoice = upload(api, stream, render(spanish_electricity(consumption=None)))

    assert api("get_invoice", GLOBEX_HEADERS, path={"invoice_id": invoice["id"]}).status == 404
    hidden = api(
        "update_invoice", GLOBEX_HEADERS, path={"invoice_id": invoice["id"]}, body={"base_quantity": 1}
    )
    assert hidden.status == 404
    assert api("delete_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).status == 204
    assert api("list_invoices", ACME_HEADERS).body["total"] == 0


def test_drafts_are_listed_but_never_in_a_period_filter_or_a_recalculation(api, stream, plant):
    invoice = upload(api, stream, render(spanish_electricity(consumption=None)))

    everything = api("list_invoices", ACME_HEADERS).body
    assert [item["id"] for item in everything["items"]] == [invoice["id"]]
    in_period = api(
        "list_invoices", ACME_HEADERS, query={"start_date": "2024-01-01", "end_date": "2025-12-31"}
    )
    assert in_period.body["total"] == 0, "a draft's period is not known until it is filled in"
    job = api("request_recalculation", ACME_HEADERS, body={"invoice_ids": [invoice["id"]]})
    assert (job.status, job.body["count"], job.body["ignored"]) == (202, 0, 1), job.body


def test_the_bucket_keeps_the_document_the_invoice_links_to(api, stream, plant):
    invoice = upload(api, stream, render(spanish_electricity()))
    key = f"files/{ACME}/{invoice['file_id']}"

    assert boto3.client("s3").get_object(Bucket=TEST_BUCKET, Key=key)["Body"].read().startswith(b"%PDF-")


@pytest.mark.parametrize("function", ["update_invoice", "delete_invoice"])
@pytest.mark.parametrize("path", ["/v1/invoices/documents", "/v1/invoices/bulk", "/v1/invoices/recalculate"])
def test_another_method_on_a_literal_invoices_path_is_405_not_an_invoice_id(api, function, path):
    # API Gateway routes PATCH /v1/invoices/documents to PATCH /v1/invoices/{invoice_id}.
    event = api_event(function, ACME_HEADERS, body={})
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    answer = load_function(function).lambda_handler(event, LambdaContext())

    assert answer["statusCode"] == 405
    assert answer["headers"]["Allow"] == "POST"
    assert json.loads(answer["body"])["code"] == "METHOD_NOT_ALLOWED"


def test_the_literal_invoices_paths_refused_are_the_templates():
    stack = load_stack(ROOT / "template.yaml")
    literal = {
        route.path: route.method
        for route in stack.routes
        if route.path.startswith("/v1/invoices/") and route.path.count("/") == 3 and "{" not in route.path
    }
    assert literal == INVOICE_SIBLINGS
