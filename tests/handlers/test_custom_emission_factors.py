"""Custom emission factors, and the process invoices they are the factor of."""

import pytest

from carbon_accounting import emissions
from tests.handlers.test_calculate_emissions import deliver, record, stored
from tests.handlers.test_invoices import ACME_HEADERS, electricity
from tests.tenants import ACME, GLOBEX, GLOBEX_KEY, api_key_headers

KG = next(unit for unit in emissions.units("mass") if unit.name == "kilogram_(kg)")
TONNE = next(unit for unit in emissions.units("mass") if unit.name == "tonne_(t)")


def kiln(**changes):
    return {
        "name": "Kiln firing",
        "unit_id": str(KG.id),
        "factor": 0.52,
        "valid_from": "2024-01-01",
    } | changes


def test_a_factor_is_created_and_listed_for_its_organization_only(api):
    created = api("create_custom_emission_factor", ACME_HEADERS, body=kiln())

    assert created.status == 201
    assert (created.body["name"], created.body["factor"], created.body["version"]) == ("Kiln firing", 0.52, 1)
    assert api("list_custom_emission_factors", ACME_HEADERS).body == [created.body]
    assert api("list_custom_emission_factors", api_key_headers(GLOBEX_KEY, GLOBEX)).body == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (kiln(unit_id="5f0c1b9e-0000-4000-8000-000000000000"), 400, "INVALID_UNIT"),
        (kiln(valid_to="2023-12-31"), 400, "INVALID_DATE_RANGE"),
        (kiln(factor=-1), 422, "VALIDATION_ERROR"),
        (kiln(renewable_percentage=101), 422, "VALIDATION_ERROR"),
    ],
)
def test_invalid_factors_are_refused(api, body, status, code):
    answer = api("create_custom_emission_factor", ACME_HEADERS, body=body)

    assert (answer.status, answer.body["code"]) == (status, code)


@pytest.mark.parametrize("ambiguous", [0.3, 0.99, 1e-6])
def test_a_renewable_percentage_that_reads_as_a_fraction_is_refused_saying_so(api, ambiguous):
    answer = api("create_custom_emission_factor", ACME_HEADERS, body=kiln(renewable_percentage=ambiguous))

    assert (answer.status, answer.body["code"]) == (422, "VALIDATION_ERROR")
    (problem,) = answer.body["detail"]
    assert problem["loc"][-1] == "renewable_percentage"
    assert "send 30 for 30%" in problem["msg"]


@pytest.mark.parametrize("percentage", [0, 1, 30, 100])
def test_a_renewable_percentage_of_0_or_1_to_100_is_kept_as_sent(api, percentage):
    answer = api("create_custom_emission_factor", ACME_HEADERS, body=kiln(renewable_percentage=percentage))

    assert (answer.status, answer.body["renewable_percentage"]) == (201, percentage)


def test_a_process_invoice_is_computed_with_its_custom_factor_in_the_factors_unit(api):
    factor = api("create_custom_emission_factor", ACME_HEADERS, body=kiln()).body
    body = electricity(
        type="process",
        base_quantity=2,
        unit_id=str(TONNE.id),
        custom_emission_factor_id=factor["id"],
        cups=None,
    )
    created = api("create_invoice", ACME_HEADERS, body=body)
    assert created.status == 201, created.body
    assert created.body["custom_emission_factor"]["id"] == factor["id"]

    deliver(record(None, stored(ACME, created.body["id"]), 1))

    computed = api("get_invoice", ACME_HEADERS, path={"invoice_id": created.body["id"]}).body
    assert computed["status"] == "active"
    assert computed["co2e"] == pytest.approx(2 * 1000 * 0.52)  # 2 t = 2,000 kg at 0.52 kg CO2e/kg
    assert computed["scope"] == 1


def test_an_invoice_cannot_use_another_organizations_factor(api):
    globex_factor = api(
        "create_custom_emission_factor", api_key_headers(GLOBEX_KEY, GLOBEX), body=kiln()
    ).body

    answer = api(
        "create_invoice",
        ACME_HEADERS,
        body=electricity(
            type="process", unit_id=str(KG.id), custom_emission_factor_id=globex_factor["id"], cups=None
        ),
    )

    assert (answer.status, answer.body["code"]) == (400, "INVALID_CUSTOM_EMISSION_FACTOR")
