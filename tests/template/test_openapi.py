"""docs/openapi.json: generated from the functions' resolvers, committed, valid, and in step with
template.yaml (``make openapi`` regenerates it)."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from local import openapi
from local.template import DEFAULT_ROUTE, load_stack
from tests.conftest import ROOT

COMMITTED = json.loads((ROOT / "docs" / "openapi.json").read_text())


def test_the_committed_document_is_what_the_code_generates():
    assert (ROOT / "docs" / "openapi.json").read_text() == openapi.text(openapi.document()), (
        "docs/openapi.json is stale: run make openapi"
    )


def test_the_document_is_valid_openapi_3_1():
    assert COMMITTED["openapi"].startswith("3.1")
    validate(COMMITTED)


def test_every_route_of_the_template_is_documented_and_nothing_else():
    routes = {
        (route.method.lower(), route.path)
        for route in load_stack(ROOT / "template.yaml").api.routes
        if route.path != DEFAULT_ROUTE
    }
    documented = {
        (method, path)
        for path, item in COMMITTED["paths"].items()
        for method in item
        if method in openapi.HTTP_METHODS
    }

    assert documented == routes


def test_every_operation_but_the_document_itself_needs_a_credential_and_an_organization():
    schemes = COMMITTED["components"]["securitySchemes"]
    assert (schemes["ApiKey"]["name"], schemes["OrganizationId"]["name"]) == (
        "x-api-key",
        "x-organization-id",
    )
    assert schemes["BearerJwt"] == schemes["BearerJwt"] | {"type": "http", "scheme": "bearer"}
    for requirement in COMMITTED["security"]:
        assert "OrganizationId" in requirement
    public = {
        (method, path)
        for path, item in COMMITTED["paths"].items()
        for method, operation in item.items()
        if operation.get("security") == []
    }
    assert public == {("get", "/openapi.json")}


def test_every_authenticated_operation_declares_the_body_refusals_serve_gives():
    for item in COMMITTED["paths"].values():
        for operation in item.values():
            if operation.get("security") != []:
                assert {"401", "403", "413", "415", "422"} <= set(operation["responses"]), operation[
                    "operationId"
                ]
