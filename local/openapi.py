"""The API's OpenAPI 3.1 document, merged from the resolvers of template.yaml's HTTP functions.

Each function's resolver already knows its routes and models; Powertools' ``OpenAPIMerge`` joins
them into one document, and what no single resolver knows is added here: how a request
authenticates, with an API key (``x-api-key``) or a user's JWT (``Authorization: Bearer``), and names
the organization it acts for (``x-organization-id``, declared as a security scheme too, so that
Swagger UI's Authorize dialog takes it once for every operation); a route without the authorizer
(``GET /openapi.json``) needs none of them. Also added: the links from an operation's answer to
the operations it makes possible, that a path, query or header parameter is never null on the wire,
and the spellings of a UUID the API reads. ``make openapi`` writes docs/openapi.json; a test fails
when that file drifts.

    python -m local.openapi [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from local.template import DEFAULT_ROUTE, load_stack

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
DOCUMENT = ROOT / "docs" / "openapi.json"
TITLE = "Carbon accounting API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Organizations register their utility invoices, split them across facilities, and get back the "
    "CO2e they caused, computed from sourced emission factors. Every request names the organization "
    "it acts for (x-organization-id) and authenticates with an API key (x-api-key) or a user's JWT."
)
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# What a response lets a client do next (OpenAPI links): the operation, and where its parameters come
# from in the response. They join operations of different functions, so they are declared here.
_INVOICE = {"invoice_id": "$response.body#/id"}
_VERSIONED_INVOICE = {**_INVOICE, "header.if-match": "$response.header.ETag"}
_INVOICE_LINKS = {
    "GetInvoice": ("GET /v3/invoices/{invoice_id}", _INVOICE),
    "UpdateInvoice": ("PATCH /v1/invoices/{invoice_id}", _VERSIONED_INVOICE),
    "DeleteInvoice": ("DELETE /v1/invoices/{invoice_id}", _INVOICE),
    "GetInvoiceHistory": ("GET /v3/invoices/{invoice_id}/history", _INVOICE),
}
_FACILITY = {"facility_id": "$response.body#/id"}
_FACILITY_LINKS = {
    "GetFacility": ("GET /v1/facilities/{facility_id}", _FACILITY),
    "UpdateFacility": (
        "PATCH /v1/facilities/{facility_id}",
        {**_FACILITY, "header.if-match": "$response.header.ETag"},
    ),
    "ListFacilityInvoices": ("GET /api/v1/invoices/casted/facility/{facility_id}", _FACILITY),
    "ListSupplyPoints": ("GET /v1/facilities/{facility_id}/supply-points", _FACILITY),
    "CreateSupplyPoint": ("POST /v1/facilities/{facility_id}/supply-points", _FACILITY),
}
_SUPPLY_POINT = {"facility_id": "$response.body#/facility_id", "supply_point_id": "$response.body#/id"}
_SUPPLY_POINT_LINKS = {
    "GetSupplyPoint": ("GET /v1/facilities/{facility_id}/supply-points/{supply_point_id}", _SUPPLY_POINT),
    "UpdateSupplyPoint": (
        "PATCH /v1/facilities/{facility_id}/supply-points/{supply_point_id}",
        {**_SUPPLY_POINT, "header.if-match": "$response.header.ETag"},
    ),
}
LINKS: dict[tuple[str, str], dict[str, tuple[str, dict[str, str]]]] = {
    ("POST /v1/facilities", "201"): _FACILITY_LINKS,
    ("PATCH /v1/facilities/{facility_id}", "200"): _FACILITY_LINKS,
    ("POST /v1/invoices", "201"): _INVOICE_LINKS,
    ("POST /api/v1/invoices", "201"): _INVOICE_LINKS,
    ("PATCH /v1/invoices/{invoice_id}", "200"): _INVOICE_LINKS,
    ("POST /v1/facilities/{facility_id}/supply-points", "201"): _SUPPLY_POINT_LINKS,
    ("PATCH /v1/facilities/{facility_id}/supply-points/{supply_point_id}", "200"): _SUPPLY_POINT_LINKS,
    ("POST /v1/invoices/bulk", "201"): {
        "GetBulkImport": ("GET /v1/invoices/bulk/{job_id}", {"job_id": "$response.body#/job_id"})
    },
    ("POST /v1/invoices/recalculate", "202"): {
        "GetRecalculation": ("GET /v1/invoices/recalculate/{job_id}", {"job_id": "$response.body#/job_id"})
    },
    ("POST /v1/files/presigned-urls", "201"): {
        "GetFile": ("GET /v1/files/{file_id}", {"file_id": "$response.body#/0/id"})
    },
}


def document(template: Path = TEMPLATE) -> dict[str, Any]:
    """The merged document of every HTTP function of ``template``."""
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import (
        APIKey,
        APIKeyIn,
        HTTPBearer,
        Server,
    )

    stack = load_stack(template)
    functions = sorted({route.function_id for route in stack.api.routes if route.path != DEFAULT_ROUTE})
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        servers=[Server(url="/", description="This deployment (make dev: http://127.0.0.1:3000)")],
        security_schemes={
            "ApiKey": APIKey(name="x-api-key", in_=APIKeyIn.header, description="An API key"),
            "BearerJwt": HTTPBearer(bearerFormat="JWT", description="A user's token"),
            "OrganizationId": APIKey(
                name="x-organization-id",
                in_=APIKeyIn.header,
                description="The organization the request acts for: the credential's own, or a subsidiary's",
            ),
        },
        security=[{"ApiKey": [], "OrganizationId": []}, {"BearerJwt": [], "OrganizationId": []}],
        on_conflict="error",
    )
    for function_id in functions:
        function = stack.functions[function_id]
        module = function.handler.rpartition(".")[0]
        merge.add_file(function.code_uri / f"{module}.py", resolver_name="app")
    merged: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    for route in stack.api.routes:
        if route.authorizer is None and route.path != DEFAULT_ROUTE:  # public: no credential at all
            merged["paths"][route.path][route.method.lower()]["security"] = []
    _parameters_as_sent(merged)
    _uuid_spellings(merged)
    _link(merged)
    return merged


def _parameters_as_sent(merged: dict[str, Any]) -> None:
    """A path, query or header parameter is text or absent, never JSON null: an optional one's
    ``anyOf [X, null]`` (how pydantic writes ``X | None``) is declared as plain ``X``."""
    from carbon_accounting.models import not_nullable

    for operations in merged["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                not_nullable(parameter["schema"])


def _uuid_spellings(node: Any) -> None:
    """Every ``"format": "uuid"`` also gets the pattern of the spellings the API reads."""
    from carbon_accounting.models import UUID_PATTERN

    if isinstance(node, dict):
        if node.get("format") == "uuid":
            node["pattern"] = UUID_PATTERN
        for value in node.values():
            _uuid_spellings(value)
    elif isinstance(node, list):
        for value in node:
            _uuid_spellings(value)


def _link(merged: dict[str, Any]) -> None:
    """Declare ``LINKS`` on their responses, naming the target operations by operationId."""

    def operation(route: str) -> dict[str, Any]:
        method, _, path = route.partition(" ")
        return merged["paths"][path][method.lower()]

    for (route, status), links in LINKS.items():
        operation(route)["responses"][status]["links"] = {
            name: {"operationId": operation(target)["operationId"], "parameters": parameters}
            for name, (target, parameters) in links.items()
        }


def text(merged: dict[str, Any]) -> str:
    """The document as committed: indented JSON, one trailing newline."""
    return json.dumps(merged, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/openapi.json is not up to date")
    arguments = parser.parse_args(argv)
    generated = text(document())
    if arguments.check:
        if DOCUMENT.read_text() != generated:
            print(f"{DOCUMENT.relative_to(ROOT)} is stale: run make openapi", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(generated)
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
