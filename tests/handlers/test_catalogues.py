"""The catalogues a client picks ids from: units, fuels and suppliers."""

import pytest

from tests.handlers.test_invoices import ACME_HEADERS, KWH, NATURAL_GAS


def test_units_of_one_type(api):
    answer = api("list_units", ACME_HEADERS, query={"type": "energy"})

    assert answer.status == 200
    assert {unit["type"] for unit in answer.body} == {"energy"}
    assert {"id": str(KWH.id), "name": "kilowatt_hour_(kwh)", "type": "energy"} in answer.body


def test_all_units_without_a_filter(api):
    types = {unit["type"] for unit in api("list_units", ACME_HEADERS).body}

    assert types == {"energy", "volume", "mass"}


def test_fuels_carry_what_converting_them_needs(api):
    fuels = {fuel["id"]: fuel for fuel in api("list_facility_fuels", ACME_HEADERS).body}

    gas = fuels[str(NATURAL_GAS.id)]
    assert gas["calorific_value_kwh_per_kg"] > 0 and gas["density_kg_per_m3"] > 0
    assert any(fuel["biogenic"] for fuel in fuels.values())


def test_suppliers_of_a_country(api):
    answer = api("list_suppliers", ACME_HEADERS, query={"country": "es"})

    assert answer.status == 200
    assert answer.body and {supplier["country"] for supplier in answer.body} == {"ES"}
    assert {supplier["certified_renewable"] for supplier in answer.body} == {True, False}


@pytest.mark.parametrize(
    ("function", "query"), [("list_units", {"type": "length"}), ("list_suppliers", {"country": "Spain"})]
)
def test_unknown_filters_are_422(api, function, query):
    assert api(function, ACME_HEADERS, query=query).status == 422
