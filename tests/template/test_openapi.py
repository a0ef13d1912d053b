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


def _operations() -> dict[str, dict]:
    return {
        operation["operationId"]: operation | {"route": f"{method.upper()} {path}"}
        for path, item in COMMITTED["paths"].items()
        for method, operation in item.items()
    }


def test_every_operation_on_an_id_is_the_target_of_a_link_from_where_the_id_is_made():
    operations = _operations()
    targets = {
        link["operationId"]
        for operation in operations.values()
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
    }
    on_an_id = {op_id for op_id, operation in operations.items() if "{" in operation["route"]}

    assert targets == on_an_id


def test_links_name_parameters_their_target_has_and_fields_their_response_has():
    operations = _operations()
    for operation in operations.values():
        for status, response in operation["responses"].items():
            for name, link in response.get("links", {}).items():
                target = operations[link["operationId"]]
                names = {(p["in"], p["name"]) for p in target["parameters"]}
                for parameter, expression in link["parameters"].items():
                    where, _, parameter_name = parameter.rpartition(".")
                    assert (where or "path", parameter_name) in names, (name, parameter)
                    if expression.startswith("$response.body#/"):
                        schema = response["content"]["application/json"]["schema"]
                        pointer = expression.removeprefix("$response.body#/").split("/")
                        if pointer[0] == "0":  # the first item of a list
                            schema, pointer = schema["items"], pointer[1:]
                        for variant in schema.get("oneOf", [schema]):  # an invoice is one of its types
                            component = COMMITTED["components"]["schemas"][variant["$ref"].rpartition("/")[2]]
                            assert pointer[0] in component["properties"], (operation["route"], status, name)


def test_a_parameter_is_text_on_the_wire_never_null():
    for operation in _operations().values():
        for parameter in operation.get("parameters", []):
            assert {"type": "null"} not in parameter["schema"].get("anyOf", []), (
                operation["route"],
                parameter["name"],
            )


def test_every_uuid_says_which_spellings_are_read_and_no_pydantic_keyword_leaks():
    from carbon_accounting.models import UUID_PATTERN

    def walk(node):
        if isinstance(node, dict):
            if node.get("format") == "uuid":
                assert node["pattern"] == UUID_PATTERN
            # pydantic writes ge/le/min_length when a constraint could not be put in the schema
            assert not {"ge", "le", "gt", "lt", "min_length", "max_length"} & node.keys() - {"properties"}
            for key, value in node.items():
                if key != "properties":
                    walk(value)
                else:
                    for field in value.values():
                        walk(field)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(COMMITTED)


def test_no_two_functions_define_a_schema_of_the_same_name_differently():
    """The merge keeps one definition of each component name: a second, different model of the same
    name would silently describe the first one's answers with the wrong schema."""
    from tests.functions import load_function

    seen: dict[str, tuple[str, dict]] = {}
    clashes = []
    for route in load_stack(ROOT / "template.yaml").api.routes:
        if route.path == DEFAULT_ROUTE:
            continue
        function = load_stack(ROOT / "template.yaml").functions[route.function_id].code_uri.name
        schemas = json.loads(load_function(function).app.get_openapi_json_schema())["components"]["schemas"]
        for name, schema in schemas.items():
            first = seen.setdefault(name, (function, schema))
            if first[1] != schema:
                clashes.append((name, first[0], function))
    assert clashes == []
