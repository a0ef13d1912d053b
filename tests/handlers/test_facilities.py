"""Facility endpoints, in-process over moto: what a client of each endpoint relies on."""

import re
import uuid

import pytest

from tests.faults import THROTTLING, Fault
from tests.handlers.conftest import invoke
from tests.tenants import (
    ACME,
    ACME_BILBAO_ARCHIVED,
    ACME_KEY,
    ACME_MADRID,
    GLOBEX,
    GLOBEX_BERLIN,
    GLOBEX_KEY,
    api_key_headers,
)

ACME_HEADERS = api_key_headers(ACME_KEY, ACME)
GLOBEX_HEADERS = api_key_headers(GLOBEX_KEY, GLOBEX)


def names(answer):
    return [item["name"] for item in answer.body["items"]]


# ------------------------------------------------------------------ create


def test_create_returns_the_new_active_facility_which_can_then_be_read(api):
    # Given a facility with a CUPS written the way people type it
    body = {
        "name": " Valencia Plant ",
        "country": "es",
        "type": "plant",
        "cups_list": ["es 1234-123456789012-jy"],
    }

    # When it is created
    created = api("create_facility", ACME_HEADERS, body=body)

    # Then it is active, normalized, versioned and readable at its Location
    assert created.status == 201
    facility = created.body
    assert facility["name"] == "Valencia Plant"
    assert facility["country"] == "ES"
    assert facility["cups_list"] == ["ES1234123456789012JY"]
    assert (facility["status"], facility["version"], facility["organization_id"]) == ("active", 1, str(ACME))
    assert created.headers["Location"] == f"/v1/facilities/{facility['id']}"
    assert created.headers["ETag"] == '"1"'
    assert api("get_facility", ACME_HEADERS, path={"facility_id": facility["id"]}).body == facility


def test_create_refuses_invalid_fields_with_field_level_detail(api):
    answer = api("create_facility", ACME_HEADERS, body={"name": "", "country": "XX", "colour": "red"})

    assert answer.status == 422
    assert answer.body["code"] == "VALIDATION_ERROR"
    assert {tuple(error["loc"]) for error in answer.body["detail"]} == {
        ("body", "name"),
        ("body", "country"),
        ("body", "colour"),
    }
    assert all(error["msg"] and error["type"] for error in answer.body["detail"])


def test_a_facility_keeps_its_state_and_zip_code_which_choose_its_grid_factor(api):
    body = {"name": "SF Office", "country": "US", "subdivision": "us-ca", "postal_code": "94105-1804"}

    created = api("create_facility", ACME_HEADERS, body=body)

    assert created.status == 201, created.body
    assert (created.body["subdivision"], created.body["postal_code"]) == ("US-CA", "94105-1804")


@pytest.mark.parametrize(
    ("body", "code", "mentions"),
    [
        ({"country": "US", "postal_code": "99999"}, "UNKNOWN_POSTAL_CODE", "not in EPA eGRID's ZIP code map"),
        ({"country": "US", "postal_code": "SW1A 1AA"}, "INVALID_POSTAL_CODE", "not a US ZIP code"),
        ({"country": "US", "postal_code": "94105", "subdivision": "US-NY"}, "INVALID_SUBDIVISION", "US-CA"),
        ({"country": "ES", "subdivision": "AU-NSW"}, "INVALID_SUBDIVISION", "not in ES"),
    ],
)
def test_a_location_that_would_choose_the_wrong_grid_is_400_and_writes_nothing(api, body, code, mentions):
    answer = api("create_facility", ACME_HEADERS, body={"name": "Somewhere"} | body)

    assert (answer.status, answer.body["code"]) == (400, code)
    assert mentions in answer.body["detail"]
    assert "Somewhere" not in names(api("list_facilities", ACME_HEADERS, query={"size": "100"}))


@pytest.mark.parametrize(
    "body", [{"subdivision": "California"}, {"postal_code": "1" * 17}, {"postal_code": "\n"}]
)
def test_a_malformed_location_is_422(api, body):
    assert api("create_facility", ACME_HEADERS, body={"name": "X", "country": "US"} | body).status == 422


def test_an_update_checks_the_location_as_a_whole(api):
    facility = {"facility_id": str(ACME_MADRID)}  # in ES

    wrong = api("update_facility", ACME_HEADERS, path=facility, body={"subdivision": "US-CA"})
    moved = api(
        "update_facility", ACME_HEADERS, path=facility, body={"country": "US", "postal_code": "10001"}
    )

    assert (wrong.status, wrong.body["code"]) == (400, "INVALID_SUBDIVISION")
    assert moved.status == 200, moved.body
    assert (moved.body["country"], moved.body["postal_code"], moved.body["version"]) == ("US", "10001", 2)


@pytest.mark.parametrize("raw_body", ['{"name": "Madrid",', "[]", "null"])
def test_create_refuses_malformed_json_with_422(api, raw_body):
    assert api("create_facility", ACME_HEADERS, raw_body=raw_body).status == 422


def test_create_with_a_bad_cups_says_which_letters_were_expected_and_writes_nothing(api):
    before = api("list_facilities", ACME_HEADERS, query={"size": "100"}).body["total"]

    answer = api(
        "create_facility",
        ACME_HEADERS,
        body={"name": "Plant", "country": "ES", "cups_list": ["ES1234123456789012XY"]},
    )

    assert answer.status == 400
    assert answer.body == {
        "detail": "CUPS 'ES1234123456789012XY' has control letters XY; expected JY",
        "code": "INVALID_CUPS",
    }
    assert api("list_facilities", ACME_HEADERS, query={"size": "100"}).body["total"] == before


# ------------------------------------------------------------------ list


def test_list_shows_only_the_callers_organization_sorted_by_name(api):
    answer = api("list_facilities", ACME_HEADERS)

    assert answer.status == 200
    assert names(answer) == ["Madrid Office", "Old Bilbao Plant"]
    assert {item["organization_id"] for item in answer.body["items"]} == {str(ACME)}
    assert (answer.body["total"], answer.body["page"], answer.body["size"], answer.body["pages"]) == (
        2,
        1,
        10,
        1,
    )


def test_list_pages_through_the_facilities(api):
    for name in ("A1", "A2", "A3"):
        api("create_facility", ACME_HEADERS, body={"name": name, "country": "FR"})

    first = api("list_facilities", ACME_HEADERS, query={"size": "2", "page": "1"})
    third = api("list_facilities", ACME_HEADERS, query={"size": "2", "page": "3"})
    beyond = api("list_facilities", ACME_HEADERS, query={"size": "2", "page": "4"})

    assert names(first) == ["A1", "A2"]
    assert (first.body["total"], first.body["pages"]) == (5, 3)
    assert names(third) == ["Old Bilbao Plant"]
    assert beyond.body["items"] == []


def test_list_filters_by_status_country_and_name(api):
    api("create_facility", ACME_HEADERS, body={"name": "Paris Office", "country": "FR"})

    archived = api("list_facilities", ACME_HEADERS, query={"status[]": ["archived"]})
    both = api("list_facilities", ACME_HEADERS, query={"status[]": ["active", "archived"], "country": "es"})
    by_name = api("list_facilities", ACME_HEADERS, query={"name": "OFFICE"})

    assert names(archived) == ["Old Bilbao Plant"]
    assert names(both) == ["Madrid Office", "Old Bilbao Plant"]
    assert names(by_name) == ["Madrid Office", "Paris Office"]


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ({"size": "101"}, ["query", "size"]),
        ({"size": "0"}, ["query", "size"]),
        ({"page": "0"}, ["query", "page"]),
        ({"status[]": ["deleted"]}, ["query", "status[]", 0]),
        ({"country": "Spain"}, ["query", "country"]),
    ],
)
def test_list_refuses_out_of_range_parameters(api, query, loc):
    answer = api("list_facilities", ACME_HEADERS, query=query)

    assert answer.status == 422
    assert [error["loc"] for error in answer.body["detail"]] == [loc]


# ------------------------------------------------------------------ get


def test_get_of_unknown_and_of_another_organizations_facility_is_the_same_404(api):
    unknown = api("get_facility", ACME_HEADERS, path={"facility_id": str(uuid.uuid4())})
    foreign = api("get_facility", ACME_HEADERS, path={"facility_id": str(GLOBEX_BERLIN)})

    assert unknown.status == foreign.status == 404
    assert unknown.body == foreign.body == {"detail": "Facility not found", "code": "FACILITY_NOT_FOUND"}


def test_get_with_a_non_uuid_id_is_422_on_the_path(api):
    answer = api("get_facility", ACME_HEADERS, path={"facility_id": "madrid"})

    assert answer.status == 422
    assert answer.body["detail"][0]["loc"] == ["path", "facility_id"]


# ------------------------------------------------------------------ update


def test_archive_and_restore_a_facility(api):
    archived = api(
        "update_facility", ACME_HEADERS, path={"facility_id": str(ACME_MADRID)}, body={"status": "archived"}
    )
    restored = api(
        "update_facility",
        ACME_HEADERS | {"If-Match": archived.headers["ETag"]},
        path={"facility_id": str(ACME_MADRID)},
        body={"status": "active", "name": "Madrid HQ", "country": "pt"},
    )

    assert (archived.status, archived.body["status"], archived.body["version"]) == (200, "archived", 2)
    assert restored.status == 200
    assert (restored.body["status"], restored.body["name"], restored.body["country"]) == (
        "active",
        "Madrid HQ",
        "PT",
    )
    assert restored.body["version"] == 3
    assert restored.headers["ETag"] == '"3"'
    read = api("get_facility", ACME_HEADERS, path={"facility_id": str(ACME_MADRID)})
    assert read.body == restored.body


def test_update_with_a_stale_if_match_is_412_and_changes_nothing(api):
    facility = {"facility_id": str(ACME_BILBAO_ARCHIVED)}
    api("update_facility", ACME_HEADERS, path=facility, body={"name": "Bilbao Plant"})

    stale = api(
        "update_facility", ACME_HEADERS | {"If-Match": '"1"'}, path=facility, body={"status": "active"}
    )

    assert stale.status == 412
    assert stale.body["code"] == "VERSION_CONFLICT"
    read = api("get_facility", ACME_HEADERS, path=facility).body
    assert (read["status"], read["version"]) == ("archived", 2)


def test_update_clears_optional_fields_with_null(api):
    facility = {"facility_id": str(ACME_MADRID)}
    api("update_facility", ACME_HEADERS, path=facility, body={"type": "office", "address": "Gran Via 1"})

    cleared = api("update_facility", ACME_HEADERS, path=facility, body={"address": None})

    assert (cleared.body["type"], cleared.body["address"]) == ("office", None)


@pytest.mark.parametrize("body", [{}, {"name": None}, {"status": "deleted"}, {"country": "XX"}])
def test_update_refuses_invalid_changes(api, body):
    assert (
        api("update_facility", ACME_HEADERS, path={"facility_id": str(ACME_MADRID)}, body=body).status == 422
    )


def test_update_of_another_organizations_facility_is_404_and_leaves_it_alone(api):
    answer = api(
        "update_facility", ACME_HEADERS, path={"facility_id": str(GLOBEX_BERLIN)}, body={"status": "archived"}
    )

    assert answer.status == 404
    assert answer.body["code"] == "FACILITY_NOT_FOUND"
    berlin = api("get_facility", GLOBEX_HEADERS, path={"facility_id": str(GLOBEX_BERLIN)}).body
    assert (berlin["status"], berlin["version"]) == ("active", 1)


def test_unknown_route_answers_404_in_the_api_format(api):
    answer = invoke("route_not_found", ACME_HEADERS)

    assert answer.status == 404
    assert answer.body == {"detail": "Not found", "code": "NOT_FOUND"}


@pytest.mark.parametrize(
    ("request_line", "allow"),
    [
        ("TRACE /v1/facilities", "GET, POST"),
        ("DELETE /v1/facilities/2e716cf7-ab0e-4c95-83e2-5b5e197ce343", "GET, PATCH"),
        ("OPTIONS /v1/invoices/recalculate", "POST"),  # the literal path, not /v1/invoices/{invoice_id}
        ("PUT /v3/invoices/x/history", "GET"),
    ],
)
def test_a_path_the_api_has_asked_with_another_method_answers_405_naming_the_methods(
    api, request_line, allow
):
    answer = invoke("route_not_found", ACME_HEADERS, request=request_line)

    assert answer.status == 405
    assert answer.headers["Allow"] == allow
    assert answer.body["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("error", ["InternalServerError", "EndpointConnectionError", "ReadTimeoutError"])
def test_a_failing_aws_call_answers_500_naming_its_correlation_id_and_nothing_else(api, error):
    fault = Fault(error, at=1)
    answer = api("get_facility", ACME_HEADERS, path={"facility_id": str(ACME_MADRID)}, fault=fault)

    assert answer.status == 500
    assert answer.body["code"] == "INTERNAL_ERROR"
    assert re.fullmatch(r"Internal server error \(correlation id [0-9a-f-]{36}\)", answer.body["detail"])


@pytest.mark.parametrize("error", sorted(THROTTLING))
def test_a_throttled_aws_call_answers_503_with_retry_after(api, error):
    fault = Fault(error, at=1)
    answer = api("get_facility", ACME_HEADERS, path={"facility_id": str(ACME_MADRID)}, fault=fault)

    assert answer.status == 503
    assert answer.body["code"] == "SERVICE_UNAVAILABLE"
    assert answer.headers["Retry-After"] == "1"
