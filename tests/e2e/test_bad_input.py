"""Bad input over HTTP on the local stack: the gateway answers bursts and its own refusals as JSON,
and the functions refuse what they cannot honour with a 4xx (issue: bad input never breaks a tenant)."""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_api import ACME_HEADERS
from tests.e2e.test_invoices import KWH, share
from tests.tenants import ACME, ACME_MADRID

pytestmark = pytest.mark.e2e


def raw(local_stack, method, path, headers, body=b""):
    """One request on its own connection, with the body and headers exactly as given."""
    url = urlsplit(local_stack.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("content-type"), response.read()
    finally:
        connection.close()


def test_twenty_simultaneous_creates_all_get_answers(local_stack):
    body = {
        "type": "electricity",
        "base_quantity": 100,
        "unit_id": str(KWH.id),
        "start_date": "2024-05-01",
        "end_date": "2024-05-31",
        "facility_percentages": [share(ACME, ACME_MADRID, 1)],
    }
    together = threading.Barrier(20)

    def create(n):
        together.wait()
        payload = json.dumps(body | {"invoice_id": f"BURST-{n}"}).encode()
        return raw(
            local_stack,
            "POST",
            "/api/v1/invoices",
            ACME_HEADERS | {"content-type": "application/json"},
            payload,
        )

    with ThreadPoolExecutor(20) as clients:
        answers = list(clients.map(create, range(20)))

    assert [status for status, _, _ in answers] == [201] * 20


def test_a_form_encoded_body_is_415_saying_what_to_send(local_stack):
    # curl -d without -H 'content-type: application/json'
    status, content_type, body = raw(
        local_stack,
        "POST",
        "/v1/facilities",
        ACME_HEADERS | {"content-type": "application/x-www-form-urlencoded"},
        b'{"name": "Valencia", "country": "ES"}',
    )

    assert (status, content_type) == (415, "application/json")
    assert json.loads(body)["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert "application/json" in json.loads(body)["detail"]


def test_invalid_utf8_reaches_the_function_base64_encoded_and_is_422(local_stack):
    status, _, body = raw(
        local_stack,
        "POST",
        "/v1/facilities",
        ACME_HEADERS | {"content-type": "application/json"},
        b'{"name":"bad\xff"}',
    )

    assert (status, json.loads(body)["code"]) == (422, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    ("method", "headers", "body", "status"),
    [
        ("TRACE", {}, b"", 405),  # no route takes it: the $default route's 405 METHOD_NOT_ALLOWED
        ("GET", {"x-big": "a" * 11_000}, b"", 431),
        ("POST", {"content-type": "application/json"}, b" " * (10 * 2**20 + 1), 413),
    ],
    ids=["trace", "headers", "payload"],
)
def test_gateway_refusals_are_json(local_stack, method, headers, body, status):
    answer_status, content_type, answer = raw(
        local_stack, method, "/v1/facilities", ACME_HEADERS | headers, body
    )

    assert (answer_status, content_type) == (status, "application/json")
    assert json.loads(answer).keys() in ({"message"}, {"detail", "code"})
