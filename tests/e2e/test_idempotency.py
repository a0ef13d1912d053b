"""Idempotency-Key on the local stack: concurrent retries against DynamoDB Local's real conditional
writes, through several warm workers of the create function at once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from carbon_accounting import emissions
from tests import figures
from tests.e2e.test_api import ACME_HEADERS
from tests.tenants import ACME, ACME_MADRID, GLOBEX, GLOBEX_BERLIN, GLOBEX_KEY, api_key_headers

pytestmark = pytest.mark.e2e

CONCURRENT = 20
KWH = next(unit for unit in emissions.units("energy") if unit.name == "kilowatt_hour_(kwh)")


def invoice(reference, organization=ACME, facility=ACME_MADRID):
    return {
        "type": "electricity",
        "base_quantity": 1200,
        "unit_id": str(KWH.id),
        "start_date": "2024-02-01",
        "end_date": "2024-02-29",
        "invoice_id": reference,
        "facility_percentages": [
            {"organization_id": str(organization), "facility_id": str(facility), "percentage": 1}
        ],
    }


def listed(http, reference, headers=ACME_HEADERS):
    return http("GET", f"/v1/invoices?invoice_id={reference}&size=100", headers).body["items"]


def test_concurrent_identical_requests_with_one_key_create_one_invoice(http):
    # Given 20 clients sending the same create with the same key at once
    reference = f"IDEM-{uuid.uuid4().hex[:8]}"
    headers = ACME_HEADERS | {"Idempotency-Key": f"concurrent-{reference}"}
    with ThreadPoolExecutor(CONCURRENT) as pool:
        answers = list(
            pool.map(lambda _: http("POST", "/v1/invoices", headers, invoice(reference)), range(CONCURRENT))
        )

    # Then each got the first response or 409 REQUEST_IN_PROGRESS, and exactly one invoice exists
    created = [answer for answer in answers if answer.status == 201]
    busy = [answer for answer in answers if answer.status == 409]
    invoices = listed(http, reference)
    measured = {"created": len(created), "busy": len(busy), "invoices": len(invoices)}
    figures.record("duplicates", requests=CONCURRENT, **measured)
    assert len(created) + len(busy) == CONCURRENT, [answer.status for answer in answers]
    assert created, "at least the first request succeeds"
    assert {answer.body["id"] for answer in created} == {created[0].body["id"]}
    assert all(
        answer.body["code"] == "REQUEST_IN_PROGRESS" and answer.headers["Retry-After"] for answer in busy
    )
    assert [item["id"] for item in invoices] == [created[0].body["id"]]

    # And a retry once they are done answers the same body, replayed
    retry = http("POST", "/v1/invoices", headers, invoice(reference))
    assert retry.status == 201
    assert retry.body["id"] == created[0].body["id"]
    assert retry.headers["Idempotent-Replayed"] == "true"


def test_the_key_reused_with_another_body_is_422_and_two_tenants_never_share_a_key(http):
    reference = f"IDEM-{uuid.uuid4().hex[:8]}"
    key = {"Idempotency-Key": f"shared-{reference}"}
    first = http("POST", "/v1/invoices", ACME_HEADERS | key, invoice(reference))

    reused = http("POST", "/v1/invoices", ACME_HEADERS | key, invoice(reference) | {"base_quantity": 1})
    globex_headers = api_key_headers(GLOBEX_KEY, GLOBEX) | key
    globex = http("POST", "/v1/invoices", globex_headers, invoice(reference, GLOBEX, GLOBEX_BERLIN))

    assert first.status == 201
    assert (reused.status, reused.body["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert globex.status == 201
    assert globex.body["id"] != first.body["id"]
    assert len(listed(http, reference)) == 1
    assert len(listed(http, reference, api_key_headers(GLOBEX_KEY, GLOBEX))) == 1
