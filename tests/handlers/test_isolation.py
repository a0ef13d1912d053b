"""Tenant isolation, route by route of template.yaml (a new route is covered without anyone adding it):
organization B, in every way it can present itself, never reads, changes or learns anything of A's.

A (Acme Group) holds one object of each kind, some with a secret in it. For every authorized route
and every intruder (B's key; B's key naming A; A's subsidiary naming its parent; B's user's JWT,
alone and naming A), the route is called on A's ids: the answer is 403 or 404 (or, for a list, a
create or a catalogue, a success of B's own) and holds none of A's secrets nor, where B was not
given them, A's ids. Then A's objects are read back unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.template import DEFAULT_ROUTE, load_stack
from tests import figures
from tests.conftest import ROOT
from tests.handlers.conftest import invoke, sample_event
from tests.handlers.test_auth import bearer, issuer_key, signing_key, token  # noqa: F401 - fixtures
from tests.handlers.test_invoices import electricity
from tests.tenants import (
    ACME,
    ACME_KEY,
    ACME_MADRID,
    GLOBEX,
    GLOBEX_KEY,
    GLOBEX_USER,
    IBERIA_KEY,
    api_key_headers,
)

STACK = load_stack(ROOT / "template.yaml")
ROUTES = [route for route in STACK.routes if route.authorizer and route.path != DEFAULT_ROUTE]
A_HEADERS = api_key_headers(ACME_KEY, ACME)
SECRETS = [
    "ISO-SECRET-REF",
    "ISO Secret Kiln",
    "iso-secret.pdf",
    "iso-secret.csv",
    "Madrid Office",
    "ana@acme.test",
    "ISO Secret Meter",
]


def _function(route) -> str:
    return STACK.functions[route.function_id].code_uri.name


def a_objects() -> dict[str, str]:
    """One object of each kind in A, made through the API; their ids by path parameter."""
    invoice = invoke("create_invoice", A_HEADERS, body=electricity(invoice_id="ISO-SECRET-REF"))
    factor = invoke(
        "create_custom_emission_factor",
        A_HEADERS,
        body={"name": "ISO Secret Kiln", "unit_id": electricity()["unit_id"], "factor": 0.5},
    )
    (file,) = invoke(
        "create_presigned_urls",
        A_HEADERS,
        body=[{"name": "iso-secret.pdf", "mime_type": "application/pdf", "size_kb": 10}],
    ).body
    job = invoke("create_bulk_import", A_HEADERS, body={"file_name": "iso-secret.csv"})
    recalculation = invoke("request_recalculation", A_HEADERS, body={"invoice_ids": [invoice.body["id"]]})
    point = invoke(
        "create_supply_point",
        A_HEADERS,
        path={"facility_id": str(ACME_MADRID)},
        body={"type": "water", "identifier": "ISO-1", "identifier_kind": "meter", "name": "ISO Secret Meter"},
    )
    assert {invoice.status, factor.status, job.status, recalculation.status, point.status} <= {201, 202}
    return {
        "invoice_id": invoice.body["id"],
        "facility_id": str(ACME_MADRID),
        "file_id": file["id"],
        "import_job": job.body["job_id"],
        "recalculation_job": recalculation.body["job_id"],
        "factor": factor.body["id"],
        "supply_point_id": point.body["id"],
    }


def intruders(jwt: str) -> dict[str, dict[str, str]]:
    return {
        "B's key": api_key_headers(GLOBEX_KEY, GLOBEX),
        "B's key naming A": api_key_headers(GLOBEX_KEY, ACME),
        "A's subsidiary naming its parent": api_key_headers(IBERIA_KEY, ACME),
        "B's JWT": bearer(jwt, GLOBEX),
        "B's JWT naming A": bearer(jwt, ACME),
    }


def _path_parameters(route, objects: dict[str, str]) -> dict[str, str]:
    names = [part[1:-1] for part in route.path.split("/") if part.startswith("{")]
    job = objects["import_job"] if "/bulk/" in route.path else objects["recalculation_job"]
    return {name: job if name == "job_id" else objects[name] for name in names}


def _body(route, objects: dict[str, str]) -> Any:
    """What B sends: its own data, but naming A's objects wherever a body can name them."""
    function = _function(route)
    if function == "create_invoice":
        return electricity()  # A's facility, in A
    if function == "request_recalculation":
        return {"invoice_ids": [objects["invoice_id"]]}
    if function == "update_supply_point":
        return {"name": "taken over"}
    if function in ("update_invoice", "update_facility"):
        return {"name": "taken over"} if function == "update_facility" else {"base_quantity": 1}
    return None  # the sample event's, in events/


def a_state(objects: dict[str, str]) -> list[Any]:
    """What A itself reads of its objects (versions included), to compare before and after."""
    reads = [
        invoke("get_invoice", A_HEADERS, path={"invoice_id": objects["invoice_id"]}),
        invoke("get_facility", A_HEADERS, path={"facility_id": objects["facility_id"]}),
        invoke("get_file", A_HEADERS, path={"file_id": objects["file_id"]}),
        invoke("get_bulk_import", A_HEADERS, path={"job_id": objects["import_job"]}),
        invoke("list_custom_emission_factors", A_HEADERS),
        invoke("get_emission_factor_policy", A_HEADERS),
        invoke(
            "get_supply_point",
            A_HEADERS,
            path={"facility_id": objects["facility_id"], "supply_point_id": objects["supply_point_id"]},
        ),
    ]
    return [(read.status, _without_links(read.body)) for read in reads]


def _without_links(body: Any) -> Any:
    """A read without its freshly signed links (they differ on every read)."""
    if isinstance(body, dict):
        return {key: _without_links(value) for key, value in body.items() if not key.endswith("_url")}
    if isinstance(body, list):
        return [_without_links(item) for item in body]
    return body


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.route_key)
def test_no_intruder_reads_changes_or_learns_anything_of_another_organization(api, signing_key, route):  # noqa: F811
    objects = a_objects()
    before = a_state(objects)
    given = set(_path_parameters(route, objects).values()) | {str(ACME)}
    hidden = [value for value in objects.values() if value not in given]
    jwt = token(signing_key, GLOBEX_USER)

    leaks = []
    for name, headers in intruders(jwt).items():
        path = _path_parameters(route, objects)
        concrete = route.path.format(**path)
        answer = invoke(
            _function(route),
            headers,
            path=path or None,
            body=_body(route, objects),
            query=sample_event(_function(route)).get("queryStringParameters"),
            request=f"{route.method} {concrete}",
        )
        text = json.dumps(answer.body)
        if "naming" in name or path:
            expected = answer.status in (403, 404)
        elif route.method == "POST" and _function(route) == "create_invoice":
            expected = 400 <= answer.status < 500  # A's facility is not B's to invoice
        else:
            expected = answer.status < 300  # B's own list, create or catalogue
        told = [secret for secret in SECRETS + hidden if secret in text]
        if told or not expected:
            leaks.append(f"as {name}: {answer.status} {answer.body}")
    if a_state(objects) != before:
        leaks.append("A's objects changed")

    figures.record("isolation", route=route.route_key, intruders=len(intruders(jwt)), leaks=len(leaks))
    assert leaks == [], route.route_key
