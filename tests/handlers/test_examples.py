"""The OpenAPI document's request examples work as they are on the demo seed (what make dev loads),
so "Try it out" on /docs never starts from a stale body."""

import json

import pytest

from carbon_accounting import examples
from carbon_accounting.seed import load_seed
from tests.conftest import ROOT
from tests.handlers.conftest import invoke

DEMO_HEADERS = {"x-api-key": "sk_test_acme_group_demo_key", "x-organization-id": examples.ACME}


@pytest.fixture
def demo(aws):
    load_seed(ROOT / "local" / "seed.json")


@pytest.mark.parametrize(
    ("function", "body"),
    [
        ("create_invoice", examples.SINGLE_INVOICE),
        ("create_invoice", examples.DISTRIBUTED_INVOICE),
        ("create_facility", examples.FACILITY),
    ],
    ids=["single-invoice", "distributed-invoice", "facility"],
)
def test_every_request_example_is_accepted_on_the_demo_seed(demo, function, body):
    assert invoke(function, DEMO_HEADERS, body=body).status == 201


@pytest.mark.parametrize(
    ("function", "body", "status"),
    [
        ("create_presigned_urls", examples.FILES, 201),
        ("create_custom_emission_factor", examples.CUSTOM_FACTOR, 201),
        ("create_bulk_import", examples.BULK_IMPORT, 201),
        ("request_recalculation", examples.RECALCULATION, 202),
        ("set_emission_factor_policy", examples.FACTOR_POLICY, 200),
        ("set_coverage_settings", examples.COVERAGE_SETTINGS, 200),
    ],
)
def test_the_other_request_examples_are_accepted_too(demo, function, body, status):
    assert invoke(function, DEMO_HEADERS, body=body).status == status


def test_the_update_examples_apply_with_the_version_they_were_read_at(demo):
    lyon = invoke("get_facility", DEMO_HEADERS, path={"facility_id": examples.LYON})
    archived = invoke(
        "update_facility",
        DEMO_HEADERS | {"if-match": lyon.headers["ETag"]},
        path={"facility_id": examples.LYON},
        body=examples.FACILITY_UPDATE,
    )
    invoice = invoke("create_invoice", DEMO_HEADERS, body=examples.SINGLE_INVOICE)
    corrected = invoke(
        "update_invoice",
        DEMO_HEADERS | {"if-match": invoice.headers["ETag"]},
        path={"invoice_id": invoice.body["id"]},
        body=examples.INVOICE_UPDATE,
    )

    assert (archived.status, archived.body["status"]) == (200, "archived")
    assert (corrected.status, corrected.body["base_quantity"]) == (200, 16000)


def test_the_supply_point_examples_register_madrids_water_meter_and_name_its_cups(demo):
    madrid = {"facility_id": examples.MADRID}
    cups = invoke("list_supply_points", DEMO_HEADERS, path=madrid).body["items"][0]

    created = invoke("create_supply_point", DEMO_HEADERS, path=madrid, body=examples.SUPPLY_POINT)
    named = invoke(
        "update_supply_point",
        DEMO_HEADERS | {"if-match": f'"{cups["version"]}"'},
        path=madrid | {"supply_point_id": cups["id"]},
        body=examples.SUPPLY_POINT_UPDATE,
    )

    assert created.status == 201
    assert (named.status, named.body["name"], named.body["identifier_kind"]) == (
        200,
        examples.SUPPLY_POINT_UPDATE["name"],
        "cups",
    )


def test_every_operation_with_a_body_shows_an_example_of_it():
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    for item in document["paths"].values():
        for operation in item.values():
            if "requestBody" in operation:
                assert operation["requestBody"]["content"]["application/json"]["examples"], operation[
                    "operationId"
                ]


def test_the_document_carries_the_examples():
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    invoice = document["paths"]["/api/v1/invoices"]["post"]["requestBody"]["content"]["application/json"]
    assert {name: example["value"] for name, example in invoice["examples"].items()} == {
        "single": examples.SINGLE_INVOICE,
        "distributed": examples.DISTRIBUTED_INVOICE,
    }


# What changes between two runs of the same request: identifiers and clocks.
_OF_THE_RUN = ("id", "created_at", "updated_at")


def _without_run(answer: dict) -> dict:
    return {name: value for name, value in answer.items() if name not in _OF_THE_RUN}


def test_the_answer_examples_are_what_the_api_answers_on_the_demo_seed(demo):
    from tests.streams import TableStream

    stream = TableStream()
    madrid = invoke("get_facility", DEMO_HEADERS, path={"facility_id": examples.MADRID})
    created = invoke("create_invoice", DEMO_HEADERS, body=examples.SINGLE_INVOICE)
    stream.drain()
    invoice = invoke("get_invoice", DEMO_HEADERS, path={"invoice_id": created.body["id"]})

    assert _without_run(madrid.body) == _without_run(examples.FACILITY_ANSWER)
    assert _without_run(invoice.body) == _without_run(examples.INVOICE_ANSWER)


@pytest.mark.parametrize(
    ("component", "example"),
    [("Facility", examples.FACILITY_ANSWER), ("ElectricityInvoice", examples.INVOICE_ANSWER)],
)
def test_the_document_shows_the_answer_examples_and_they_fit_its_schemas(component, example):
    from jsonschema import Draft202012Validator

    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert document["components"]["schemas"][component]["examples"] == [example]
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    Draft202012Validator(schema).validate(example)
