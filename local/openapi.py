"""The API's OpenAPI 3.1 document, merged from the resolvers of template.yaml's HTTP functions.

Each function's resolver already knows its routes and models; Powertools' ``OpenAPIMerge`` joins
them into one document, and what no single resolver knows is added here: how a request
authenticates, with an API key (``x-api-key``) or a user's JWT (``Authorization: Bearer``), and names
the organization it acts for (``x-organization-id``, declared as a security scheme too, so that
Swagger UI's Authorize dialog takes it once for every operation). A route without the authorizer
(``GET /openapi.json``) needs none of them. ``make openapi`` writes docs/openapi.json; a test fails
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
    return merged


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
