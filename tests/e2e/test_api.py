"""The local stack over HTTP: DynamoDB Local, the authorizer and the functions as API Gateway runs them."""

from __future__ import annotations

import uuid

import pytest

from tests.tenants import (
    ACME,
    ACME_KEY,
    ACME_MADRID,
    GLOBEX,
    GLOBEX_BERLIN,
    GLOBEX_KEY,
    IBERIA,
    IBERIA_LISBON,
    api_key_headers,
)

pytestmark = pytest.mark.e2e

ACME_HEADERS = api_key_headers(ACME_KEY, ACME)
GLOBEX_HEADERS = api_key_headers(GLOBEX_KEY, GLOBEX)


def test_the_seeded_tenant_lists_its_facilities(http):
    answer = http("GET", "/v1/facilities", ACME_HEADERS)

    assert answer.status == 200
    assert [item["name"] for item in answer.body["items"]] == ["Madrid Office", "Old Bilbao Plant"]
    assert answer.headers["Content-Type"] == "application/json"


def test_create_list_get_and_archive_a_facility(http):
    created = http("POST", "/v1/facilities", ACME_HEADERS, {"name": "Zaragoza Depot", "country": "ES"})
    assert created.status == 201
    location = created.headers["Location"]

    listed = http("GET", "/v1/facilities?status[]=active&name=zaragoza", ACME_HEADERS)
    assert [item["id"] for item in listed.body["items"]] == [created.body["id"]]

    assert http("GET", location, ACME_HEADERS).body == created.body

    archived = http(
        "PATCH", location, ACME_HEADERS | {"If-Match": created.headers["ETag"]}, {"status": "archived"}
    )
    assert (archived.status, archived.body["status"], archived.body["version"]) == (200, "archived", 2)
    stale = http(
        "PATCH", location, ACME_HEADERS | {"If-Match": created.headers["ETag"]}, {"status": "active"}
    )
    assert (stale.status, stale.body["code"]) == (412, "VERSION_CONFLICT")
    active = http("GET", "/v1/facilities?status[]=active&name=zaragoza", ACME_HEADERS)
    assert active.body["items"] == []


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"x-organization-id": str(ACME)}, 401, "INVALID_API_KEY"),
        (api_key_headers("sk_test_wrong", ACME), 401, "INVALID_API_KEY"),
        ({"Authorization": "Bearer not-a-token", "x-organization-id": str(ACME)}, 401, "INVALID_TOKEN"),
        ({"x-api-key": ACME_KEY}, 400, "MISSING_ORGANIZATION_ID"),
        ({"x-api-key": ACME_KEY, "x-organization-id": "acme"}, 400, "INVALID_ORGANIZATION_ID"),
        (api_key_headers(GLOBEX_KEY, ACME), 403, "FORBIDDEN"),
    ],
    ids=["no key", "wrong key", "bad token", "no organization", "malformed organization", "other tenant"],
)
def test_auth_failures(http, headers, status, code):
    answer = http("GET", "/v1/facilities", headers)

    assert (answer.status, answer.body["code"]) == (status, code)


def test_another_tenant_cannot_read_or_change_acme_facilities(http):
    path = f"/v1/facilities/{ACME_MADRID}"

    assert http("GET", path, GLOBEX_HEADERS).status == 404
    assert http("PATCH", path, GLOBEX_HEADERS, {"status": "archived"}).status == 404
    assert http("GET", path, ACME_HEADERS).body["status"] == "active"
    globex_ids = {item["id"] for item in http("GET", "/v1/facilities", GLOBEX_HEADERS).body["items"]}
    assert globex_ids == {str(GLOBEX_BERLIN)}


def test_a_parent_key_acts_for_its_subsidiary(http):
    answer = http("GET", "/v1/facilities", api_key_headers(ACME_KEY, IBERIA))

    assert [item["id"] for item in answer.body["items"]] == [str(IBERIA_LISBON)]


def test_validation_errors_and_unknown_routes_answer_in_the_api_format(http):
    invalid = http("GET", "/v1/facilities/not-a-uuid", ACME_HEADERS)
    unknown = http("GET", f"/v1/nothing-here/{uuid.uuid4()}", ACME_HEADERS)

    assert (invalid.status, invalid.body["detail"][0]["loc"]) == (422, ["path", "facility_id"])
    assert (unknown.status, unknown.body) == (404, {"detail": "Not found", "code": "NOT_FOUND"})


def test_the_openapi_document_is_served_without_credentials(http):
    answer = http("GET", "/openapi.json", {})

    assert (answer.status, answer.body["openapi"]) == (200, "3.1.0")
    assert "/v1/facilities" in answer.body["paths"]
