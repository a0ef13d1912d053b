"""The OpenAPI document's request examples work as they are on the demo seed (what make dev loads),
so "Try it out" on /docs never starts from a stale body."""

import json

import pytest

from carbon_accounting import examples
from local.seed import load_seed
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


def test_the_document_carries_the_examples():
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    invoice = document["paths"]["/api/v1/invoices"]["post"]["requestBody"]["content"]["application/json"]
    assert {name: example["value"] for name, example in invoice["examples"].items()} == {
        "single": examples.SINGLE_INVOICE,
        "distributed": examples.DISTRIBUTED_INVOICE,
    }
