"""The issue's walkthrough on `make dev` (the demo seed): PDF bills uploaded through their presigned
POSTs to the moto server, checked and read by the functions the bucket's event and the table's stream
run, as in AWS. Its Madrid Office lists the CUPS the generated Spanish bills print.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from carbon_accounting import examples
from tests.documents.generator import SPANISH_CUPS, render, spanish_electricity
from tests.e2e.conftest import request
from tests.e2e.test_files_and_imports import until, upload
from tests.tenants import api_key_headers

pytestmark = pytest.mark.e2e

DEMO_HEADERS = api_key_headers("sk_test_acme_group_demo_key", uuid.UUID(examples.ACME))
MADRID_OFFICE = "2e716cf7-ab0e-4c95-83e2-5b5e197ce343"
KWH = "617e8ff3-f16b-556d-adf7-723f92996f0b"
SETTLED = {"active", "review", "error"}


@pytest.fixture(autouse=True)
def madrid_alone_lists_the_bills_cups(demo_stack):
    """The bills' CUPS on Madrid alone, active, as the seed has it: the fuzzer shares this stack, and
    may have archived Madrid, emptied its CUPS, or given the CUPS of its examples to a new facility."""
    first = request(demo_stack.url, "GET", "/v1/facilities?size=100", DEMO_HEADERS).body
    facilities = [*first["items"]]
    for page in range(2, first["pages"] + 1):
        facilities += request(
            demo_stack.url, "GET", f"/v1/facilities?size=100&page={page}", DEMO_HEADERS
        ).body["items"]
    for facility in facilities:
        holds = SPANISH_CUPS in facility["cups_list"]
        if facility["id"] == MADRID_OFFICE and (not holds or facility["status"] != "active"):
            change = {"status": "active", "cups_list": [SPANISH_CUPS]}
        elif facility["id"] != MADRID_OFFICE and holds:
            change = {"cups_list": [each for each in facility["cups_list"] if each != SPANISH_CUPS]}
        else:
            continue
        version = {"If-Match": f'"{facility["version"]}"'}
        path = f"/v1/facilities/{facility['id']}"
        assert request(demo_stack.url, "PATCH", path, DEMO_HEADERS | version, change).status == 200


def bill_invoice(demo_stack, pdf: bytes) -> dict[str, Any]:
    """Announce, upload, and wait for the invoice to settle (the check, the reading, the calculator)."""
    announced = request(
        demo_stack.url,
        "POST",
        "/v1/invoices/documents",
        DEMO_HEADERS,
        {"file_name": "bill.pdf", "mime_type": "application/pdf", "size_kb": len(pdf) // 1024 + 1},
    )
    assert announced.status == 201, announced.body
    assert announced.body["invoice"]["status"] == "uploaded"
    upload(announced.body["upload"], pdf, "bill.pdf")
    invoice_id = announced.body["invoice"]["id"]
    return until(
        lambda: request(demo_stack.url, "GET", f"/v3/invoices/{invoice_id}", DEMO_HEADERS).body,
        lambda invoice: invoice["status"] in SETTLED,
        seconds=60,
    )


def test_a_bill_is_read_into_an_active_invoice_a_smudged_one_completed_a_copy_held_back(demo_stack):
    number = f"FE24-{uuid.uuid4().hex[:8].upper()}"
    bill = spanish_electricity(invoice_number=number)

    invoice = bill_invoice(demo_stack, render(bill))
    assert invoice["status"] == "active", invoice.get("extraction")
    assert (invoice["start_date"], invoice["end_date"]) == ("2024-11-01", "2024-11-30")
    assert (invoice["base_quantity"], invoice["unit_id"]) == (905.0, KWH)
    assert (invoice["cups"], invoice["facility_id"], invoice["invoice_id"]) == (
        SPANISH_CUPS,
        MADRID_OFFICE,
        number,
    )
    assert invoice["supplier_id"] == "95ff2275-a0a0-597a-af3a-a8f2497546a7"
    assert invoice["co2e"] > 0
    fields = invoice["extraction"]["fields"]
    assert fields["base_quantity"]["page"] == 1 and "905,00 kWh" in fields["base_quantity"]["source"]
    assert fields["cups"]["source"].startswith("CUPS:")

    smudged = bill_invoice(
        demo_stack, render(spanish_electricity(invoice_number=number + "-B", consumption=None))
    )
    assert smudged["status"] == "review"
    assert smudged["extraction"]["missing"] == ["base_quantity", "unit_id"]
    patched = request(
        demo_stack.url,
        "PATCH",
        f"/v1/invoices/{smudged['id']}",
        DEMO_HEADERS,
        {"base_quantity": 905, "unit_id": KWH},
    )
    assert (patched.status, patched.body["status"]) == (200, "loading"), patched.body
    completed = until(
        lambda: request(demo_stack.url, "GET", f"/v3/invoices/{smudged['id']}", DEMO_HEADERS).body,
        lambda invoice: invoice["status"] != "loading",
    )
    assert completed["status"] == "active"

    copy = bill_invoice(demo_stack, render(bill))
    assert (copy["status"], copy["duplicate_of"]) == ("review", invoice["id"])
    queue = request(demo_stack.url, "GET", "/v1/invoices?status[]=review&size=100", DEMO_HEADERS).body
    assert copy["id"] in [item["id"] for item in queue["items"]]
