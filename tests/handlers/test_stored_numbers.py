"""Numbers that DynamoDB holds but boto3's decoder cannot read (39 digits and more) never make a
tenant unreadable: an item written before the request bounds existed, or by anything else, is still
listed, read and deletable."""

import pytest

from carbon_accounting import repository
from carbon_accounting.repository import table
from carbon_accounting.settings import get_settings
from tests.handlers.test_invoices import ACME_HEADERS, electricity
from tests.tenants import ACME, ACME_MADRID

FORTY_DIGITS = "1" + "0" * 39  # 1e39 as DynamoDB answers it: every digit, no exponent


def poison(organization, sort_key, **attributes):
    """Overwrite attributes of a stored item with raw DynamoDB values (text: a number), as another
    writer could."""
    names = {f"#n{i}": name for i, name in enumerate(attributes)}
    values = {
        f":v{i}": value if isinstance(value, dict) else {"N": value}
        for i, value in enumerate(attributes.values())
    }
    repository.client().update_item(
        TableName=get_settings().table_name,
        Key={"pk": {"S": f"ORG#{organization}"}, "sk": {"S": sort_key}},
        UpdateExpression="SET " + ", ".join(f"#n{i} = :v{i}" for i in range(len(attributes))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


@pytest.fixture
def poisoned_invoice(api):
    invoice = api("create_invoice", ACME_HEADERS, body=electricity()).body
    poison(
        ACME,
        f"INVOICE#{invoice['id']}",
        base_quantity=FORTY_DIGITS,
        quantity=FORTY_DIGITS,
        original_quantity="0." + "0" * 40 + "1" * 39,
        co2e=FORTY_DIGITS,
        status={"S": "active"},
    )
    return invoice["id"]


def test_a_poisoned_invoice_is_still_read_listed_summarized_and_deleted(api, poisoned_invoice):
    # Given an invoice whose stored quantity has 40 digits (When/Then: every read path answers)
    path = {"invoice_id": poisoned_invoice}
    read = api("get_invoice", ACME_HEADERS, path=path)
    assert (read.status, read.body["base_quantity"]) == (200, 1e39)

    listed = api("list_invoices", ACME_HEADERS)
    assert listed.status == 200
    assert [item["id"] for item in listed.body["items"]] == [poisoned_invoice]

    casted = api("list_facility_invoices", ACME_HEADERS, path={"facility_id": str(ACME_MADRID)})
    assert (casted.status, casted.body["total_general"]) == (200, 1)

    year = {"start_date": "2024-01-01", "end_date": "2024-12-31", "group_by": "facility"}
    summary = api("emissions_summary", ACME_HEADERS, query=year)
    assert (summary.status, summary.body["total"]["co2e"]) == (200, pytest.approx(1e39))

    history = api("get_invoice_history", ACME_HEADERS, path=path)
    assert history.status == 200

    # The tenant recovers through the API: fix the quantity, or delete the invoice.
    fixed = api("update_invoice", ACME_HEADERS, path=path, body={"base_quantity": 1200})
    assert (fixed.status, fixed.body["base_quantity"], fixed.body["original_quantity"]) == (200, 1200, None)
    assert api("delete_invoice", ACME_HEADERS, path=path).status == 204
    assert api("get_invoice", ACME_HEADERS, path=path).status == 404


def test_a_poisoned_custom_factor_is_still_listed(api):
    created = api(
        "create_custom_emission_factor",
        ACME_HEADERS,
        body={"name": "Kiln", "unit_id": "336ebb52-69f2-533e-aca6-497a2c698409", "factor": 0.5},
    ).body
    poison(ACME, f"CEF#{created['id']}", factor=FORTY_DIGITS)

    listed = api("list_custom_emission_factors", ACME_HEADERS)

    assert listed.status == 200
    assert [factor["factor"] for factor in listed.body] == [1e39]


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (0.1, "0.1"),
        (1 / 3, "0.3333333333333333"),
        (5e-324, "0"),  # below DynamoDB's smallest magnitude: stored as 0
        (10**40 + 1, "1.0000000000000000000000000000000000000E+40"),  # rounded to 38 digits
    ],
)
def test_numbers_are_stored_at_a_fixed_precision_dynamodb_can_hold(value, stored):
    assert table.attribute(value) == {"N": stored}


@pytest.mark.parametrize("value", [1e126, float("inf"), float("nan"), -1e200])
def test_a_number_dynamodb_cannot_hold_is_refused_before_anything_is_written(value):
    with pytest.raises(ValueError, match="cannot be stored"):
        table.attribute(value)


def test_an_edit_that_keeps_a_stored_value_out_of_bounds_names_it(api, poisoned_invoice):
    path = {"invoice_id": poisoned_invoice}

    answer = api("update_invoice", ACME_HEADERS, path=path, body={"invoice_id": "INV-9"})

    assert (answer.status, answer.body["code"]) == (400, "VALIDATION_ERROR")
    assert "send a new base_quantity" in answer.body["detail"]
