"""Invoices by GHG Protocol scope, over the API: the parts of every computed invoice, the facility's
location choosing its grid factor, certificates, purchased heat, and a distributed invoice's parts."""

import math

import pytest

from tests.handlers.test_emissions_summary import computed
from tests.handlers.test_invoices import ACME_HEADERS, KWH, distributed_heat, electricity, share
from tests.tenants import ACME, IBERIA, IBERIA_LISBON

DISTRICT_HEATING = "caf9049a-70ce-58ef-a205-975cd672d498"
GREEN_PLANET_ENERGY = "f6aa0e28-67d5-56af-b68c-55848ed3161c"  # certified renewable, Germany


def facility(api, **fields):
    created = api("create_facility", ACME_HEADERS, body={"name": "Site", **fields})
    assert created.status == 201, created.body
    return created.body["id"]


def year_2024(facility_id, **changes):
    body = electricity(
        base_quantity=10_000,
        unit_id=str(KWH.id),
        start_date="2024-01-01",
        end_date="2024-12-31",
        cups=None,
        facility_percentages=[share(ACME, facility_id, 1.0)],
    )
    return body | changes


def parts(invoice):
    return {(part["scope"], part["category"]): part for part in invoice["emissions_by_scope"]}


def adds_up(invoice):
    by_scope = invoice["emissions_by_scope"]
    return (
        math.fsum(part["co2e"] for part in by_scope) == invoice["co2e"]
        and math.fsum(part["co2e_location_based"] for part in by_scope) == invoice["co2e_location_based"]
    )


def test_a_gb_invoice_shows_desnz_scope_2_and_its_scope_3_parts(api):
    invoice = computed(api, year_2024(facility(api, country="GB")))

    scope_2, scope_3 = parts(invoice)[(2, None)], parts(invoice)[(3, 3)]
    assert scope_2["co2e_location_based"] == pytest.approx(2_070.5, rel=1e-3)  # DESNZ 2024: 0.20705
    assert invoice["co2e_transmission_and_distribution"] == pytest.approx(183.0, rel=1e-3)  # DESNZ 0.0183
    assert scope_3["co2e"] == pytest.approx(183.0 + 498.7, rel=1e-3)
    assert (invoice["scope"], invoice["methodology_version"]) == (2, "3")
    assert adds_up(invoice)


def test_a_us_facilitys_zip_code_chooses_its_egrid_subregion(api):
    san_francisco = facility(api, country="US", postal_code="94105")
    invoice = computed(api, year_2024(san_francisco, start_date="2023-01-01", end_date="2023-12-31"))

    assert "egrid:CAMX:2023:egrid-2023rev2" in {factor["id"] for factor in invoice["emission_factors"]}
    assert parts(invoice)[(2, None)]["co2e_location_based"] == pytest.approx(10_000 * 0.195037, rel=1e-3)


def test_a_renewable_contract_is_zero_in_its_own_market_and_not_in_another(api):
    berlin = computed(api, year_2024(facility(api, country="DE"), supplier_id=GREEN_PLANET_ENERGY))
    london = computed(api, year_2024(facility(api, country="GB"), supplier_id=GREEN_PLANET_ENERGY))

    assert parts(berlin)[(2, None)]["co2e"] == 0
    assert parts(berlin)[(2, None)]["co2e_location_based"] > 0
    assert parts(london)[(2, None)]["co2e"] == pytest.approx(10_000 * 0.4207567, rel=1e-3)  # GB residual
    assert any("not the facility's market" in notice for notice in london["notices"])


def test_certified_quantity_lowers_market_based_scope_2_and_is_checked(api):
    madrid = facility(api, country="ES")
    half = computed(api, year_2024(madrid, certified_quantity=5_000))
    too_much = api("create_invoice", ACME_HEADERS, body=year_2024(madrid, certified_quantity=10_001))
    on_heat = api("create_invoice", ACME_HEADERS, body=distributed_heat(certified_quantity=1))

    assert half["certified_quantity"] == 5_000
    assert parts(half)[(2, None)]["co2e"] == pytest.approx(5_000 * 0.2922)  # AIB 2024 residual mix of ES
    assert (too_much.status, too_much.body["code"]) == (400, "INVALID_CERTIFIED_QUANTITY")
    assert (on_heat.status, on_heat.body["code"]) == (400, "FIELD_NOT_ALLOWED")


def test_an_edit_of_the_certified_quantity_recomputes_the_invoice(api):
    invoice = computed(api, year_2024(facility(api, country="ES")))

    edited = api(
        "update_invoice",
        ACME_HEADERS,
        path={"invoice_id": invoice["id"]},
        body={"certified_quantity": 10_000},
    )

    assert (edited.status, edited.body["status"]) == (200, "loading")


def test_district_heating_is_scope_2(api):
    heat = distributed_heat(
        facility_fuel_id=DISTRICT_HEATING,
        start_date="2024-01-01",
        end_date="2024-12-31",
        base_quantity=10_000,
        facility_percentages=[share(ACME, facility(api, country="GB"), 1.0)],
    )

    invoice = computed(api, heat)

    assert invoice["scope"] == 2
    assert parts(invoice)[(2, None)]["co2e"] == pytest.approx(1_796.5, rel=1e-3)  # DESNZ 2024: 0.17965
    assert (3, 3) in parts(invoice)


def test_a_distributed_invoice_has_its_childrens_parts_and_they_add_up(api):
    body = year_2024(facility(api, country="GB"))
    body["facility_percentages"] = [
        share(ACME, body["facility_percentages"][0]["facility_id"], 0.3),
        share(IBERIA, IBERIA_LISBON, 0.7),
    ]

    invoice = computed(api, body)

    assert adds_up(invoice)
    assert [(part["scope"], part["category"]) for part in invoice["emissions_by_scope"]] == [
        (2, None),
        (3, 3),
    ]
    listed = api("list_invoices", ACME_HEADERS, query={"size": "50"}).body["items"]
    assert (
        next(item for item in listed if item["id"] == invoice["id"])["emissions_by_scope"]
        == invoice["emissions_by_scope"]
    )
