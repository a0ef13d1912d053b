"""GET /v1/invoices: the organization's own invoices, by page or by a tamper-evident next_token."""

import base64

import pytest

from tests.handlers.test_invoices import ACME_HEADERS, distributed_heat, electricity
from tests.tenants import (
    ACME,
    ACME_MADRID,
    GLOBEX,
    GLOBEX_KEY,
    IBERIA,
    IBERIA_KEY,
    IBERIA_LISBON,
    api_key_headers,
)


@pytest.fixture
def invoices(api):
    """Seven Acme invoices: electricity for each month of Jan-Jun 2024 (E-01..E-06), and a split heat one."""
    for month in range(1, 7):
        body = electricity(
            invoice_id=f"E-0{month}", start_date=f"2024-0{month}-01", end_date=f"2024-0{month}-28"
        )
        assert api("create_invoice", ACME_HEADERS, body=body).status == 201
    heat = distributed_heat(invoice_id="H-Q1", start_date="2023-12-01", end_date="2024-03-31")
    assert api("create_invoice", ACME_HEADERS, body=heat).status == 201


def references(answer):
    return [item["invoice_id"] for item in answer.body["items"]]


def listed(api, headers=ACME_HEADERS, **query):
    answer = api("list_invoices", headers, query=query or None)
    assert answer.status == 200, answer.body
    return answer


def test_the_organizations_own_invoices_newest_first(api, invoices):
    answer = listed(api, size="10")

    assert references(answer) == ["E-06", "E-05", "E-04", "E-03", "E-02", "E-01", "H-Q1"]
    assert (answer.body["total"], answer.body["page"], answer.body["pages"]) == (7, 1, 1)
    assert listed(api, api_key_headers(GLOBEX_KEY, GLOBEX)).body["items"] == []


def test_distributed_children_are_not_listed_apart_from_their_parent(api, invoices):
    iberia = listed(api, api_key_headers(IBERIA_KEY, IBERIA))

    assert iberia.body["items"] == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type[]": ["heat"]}, {"H-Q1"}),
        ({"status[]": ["loading"], "type[]": ["heat"]}, {"H-Q1"}),
        ({"facility_id[]": [str(IBERIA_LISBON)]}, {"H-Q1"}),
        ({"facility_id[]": [str(ACME_MADRID)]}, {"E-01", "E-02", "E-03", "E-04", "E-05", "E-06", "H-Q1"}),
        ({"invoice_id": "e-0"}, {"E-01", "E-02", "E-03", "E-04", "E-05", "E-06"}),
        ({"start_date": "2024-03-15", "end_date": "2024-05-01"}, {"E-03", "E-04", "E-05", "H-Q1"}),
        ({"cups[]": ["ES1234123456789012JY"], "end_date": "2024-01-31"}, {"E-01"}),
    ],
)
def test_filters(api, invoices, query, expected):
    assert set(references(listed(api, **query))) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("invoice_id", ["E-01", "E-02", "E-03"]),
        ("start_date", ["E-01", "E-02", "E-03"]),
        ("-end_date", ["E-06", "E-05", "E-04"]),
    ],
)
def test_sorts(api, invoices, sort, expected):
    assert references(listed(api, sort=sort, size="3", **{"type[]": ["electricity"]})) == expected


def test_pages_by_number(api, invoices):
    second = listed(api, size="3", page="2")

    assert references(second) == ["E-03", "E-02", "E-01"]
    assert (second.body["total"], second.body["pages"]) == (7, 3)


def test_next_token_walks_every_page_once_in_order(api, invoices):
    seen, query = [], {"size": "3"}
    for _ in range(5):
        answer = listed(api, **query)
        seen += references(answer)
        assert answer.body["total"] == 7
        if answer.body["next_token"] is None:
            break
        query = {"size": "3", "next_token": answer.body["next_token"]}

    assert seen == references(listed(api, size="10"))


def test_next_token_is_only_offered_in_the_indexs_order(api, invoices):
    assert listed(api, size="2", sort="co2e").body["next_token"] is None


# A changed character inside the token (its last one may carry only padding bits, which decoding
# ignores: "AA" for "AB" was the same cursor one time in about 256), and one more in front.
@pytest.mark.parametrize(
    "tamper",
    [lambda token: token[:20] + ("B" if token[20] == "A" else "A") + token[21:], lambda token: "x" + token],
)
def test_an_altered_next_token_is_refused(api, invoices, tamper):
    token = listed(api, size="2").body["next_token"]

    answer = api("list_invoices", ACME_HEADERS, query={"size": "2", "next_token": tamper(token)})

    assert (answer.status, answer.body["code"]) == (400, "INVALID_NEXT_TOKEN")


def test_a_next_token_only_continues_the_listing_it_came_from(api, invoices):
    token = listed(api, size="2").body["next_token"]

    answer = api("list_invoices", ACME_HEADERS, query={"size": "2", "type[]": ["heat"], "next_token": token})

    assert (answer.status, answer.body["code"]) == (400, "INVALID_NEXT_TOKEN")


@pytest.mark.parametrize(
    "headers",
    [
        api_key_headers(GLOBEX_KEY, GLOBEX),  # another organization
        api_key_headers(IBERIA_KEY, IBERIA),  # the issuer's subsidiary
        ACME_HEADERS | {"x-organization-id": str(IBERIA)},  # the issuer's key, acting for the subsidiary
    ],
    ids=["other-organization", "subsidiary-key", "parent-key-for-subsidiary"],
)
def test_a_next_token_is_bound_to_the_organization_it_was_issued_to(api, invoices, headers):
    token = listed(api, size="2").body["next_token"]

    answer = api("list_invoices", headers, query={"size": "2", "next_token": token})

    assert (answer.status, answer.body["code"]) == (400, "INVALID_NEXT_TOKEN")


def test_a_next_token_reveals_nothing(api, invoices):
    token = listed(api, size="2").body["next_token"]

    decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))

    for secret in (str(ACME), "INVOICE", "ORG#", "total", "2024-"):
        assert secret.encode() not in decoded
    assert token != listed(api, size="2").body["next_token"], "a fresh nonce each time"


@pytest.mark.parametrize("token", ["x", "%%%", "A" * 2048, "eyJhZnRlciI6e319"])
def test_a_next_token_that_is_not_one_is_400(api, invoices, token):
    answer = api("list_invoices", ACME_HEADERS, query={"size": "2", "next_token": token})

    assert (answer.status, answer.body["code"]) == (400, "INVALID_NEXT_TOKEN")


@pytest.mark.parametrize(
    "query",
    [{"size": "101"}, {"status[]": ["deleted"]}, {"start_date": "2024/01/01"}, {"facility_id[]": ["x"]}],
)
def test_malformed_parameters_are_422(api, query):
    assert api("list_invoices", ACME_HEADERS, query=query).status == 422


def test_an_unknown_sort_is_400(api):
    answer = api("list_invoices", ACME_HEADERS, query={"sort": "-facility"})

    assert (answer.status, answer.body["code"]) == (400, "INVALID_SORT")
