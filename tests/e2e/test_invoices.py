"""Invoices over HTTP on the local stack: created loading, computed by the stream calculator, read back."""

from __future__ import annotations

import time
from datetime import date

import pytest

from carbon_accounting import emissions
from tests.e2e.test_api import ACME_HEADERS
from tests.tenants import ACME, ACME_MADRID, IBERIA, IBERIA_LISBON

pytestmark = pytest.mark.e2e

KWH = next(unit for unit in emissions.units("energy") if unit.name == "kilowatt_hour_(kwh)")
M3 = next(unit for unit in emissions.units("volume") if unit.name == "cubic_meter_(m³)")
NATURAL_GAS = next(fuel for fuel in emissions.fuels() if fuel.name.lower().startswith("natural gas"))
COOLING = next(fuel for fuel in emissions.fuels() if fuel.name == "District cooling")


def share(organization, facility, percentage):
    return {"organization_id": str(organization), "facility_id": str(facility), "percentage": percentage}


def settled(http, invoice_id, seconds=20.0):
    """The invoice once the calculator has moved it out of ``loading`` (bounded wait)."""
    deadline = time.monotonic() + seconds
    while True:
        invoice = http("GET", f"/v3/invoices/{invoice_id}", ACME_HEADERS).body
        if invoice["status"] != "loading" or time.monotonic() > deadline:
            return invoice
        time.sleep(0.25)


def rolled_up(http, path, done, seconds=20.0):
    """A read of the rollups once ``done`` says the stream has applied what it waits for (bounded)."""
    deadline = time.monotonic() + seconds
    while True:
        body = http("GET", path, ACME_HEADERS).body
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.25)


def expected(invoice_type, quantity, start, end, country, fuel=None):
    activity = emissions.Activity(
        type=invoice_type,
        quantity=quantity,
        unit_id=KWH.id,
        start_date=date.fromisoformat(start),
        end_date=date.fromisoformat(end),
        country=country,
        facility_fuel_id=fuel,
    )
    return emissions.calculate(activity).co2e


def test_a_spanish_electricity_invoice_becomes_active_with_its_co2e(http):
    body = {
        "type": "electricity",
        "base_quantity": 15000.5,
        "unit_id": str(KWH.id),
        "start_date": "2024-11-01",
        "end_date": "2024-11-30",
        "cups": "ES1234123456789012JY",
        "facility_percentages": [share(ACME, ACME_MADRID, 1.0)],
    }

    created = http("POST", "/api/v1/invoices", ACME_HEADERS, body)
    assert (created.status, created.body["status"]) == (201, "loading")

    invoice = settled(http, created.body["id"])
    assert invoice["status"] == "active", invoice["error_messages"]
    assert invoice["co2e"] == pytest.approx(
        expected("electricity", 15000.5, "2024-11-01", "2024-11-30", "ES")
    )
    assert invoice["emission_factors"] and invoice["scope"] == 2


def test_a_heat_invoice_split_60_40_totals_its_two_facilities(http):
    body = {
        "type": "heat",
        "base_quantity": 10000,
        "unit_id": str(KWH.id),
        "start_date": "2024-01-01",
        "end_date": "2024-03-31",
        "facility_fuel_id": str(NATURAL_GAS.id),
        "facility_percentages": [share(ACME, ACME_MADRID, 0.6), share(IBERIA, IBERIA_LISBON, 0.4)],
    }

    created = http("POST", "/v1/invoices", ACME_HEADERS, body)
    assert created.status == 201

    parent = settled(http, created.body["id"])
    madrid = expected("heat", 6000, "2024-01-01", "2024-03-31", "ES", NATURAL_GAS.id)
    lisbon = expected("heat", 4000, "2024-01-01", "2024-03-31", "PT", NATURAL_GAS.id)
    assert parent["status"] == "active", parent["error_messages"]
    assert parent["co2e"] == pytest.approx(madrid + lisbon)


def test_an_invoice_the_engine_cannot_compute_ends_in_error_with_the_reason(http):
    body = {
        "type": "heat",
        "base_quantity": 100,
        "unit_id": str(KWH.id),
        "facility_fuel_id": str(COOLING.id),  # no published factor: it needs the supplier's
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
        "facility_percentages": [share(ACME, ACME_MADRID, 1.0)],
    }

    invoice = settled(http, http("POST", "/api/v1/invoices", ACME_HEADERS, body).body["id"])

    assert invoice["status"] == "error"
    assert any("custom emission factor" in message for message in invoice["error_messages"])


def test_invoice_errors_answer_over_http_in_the_api_format(http):
    body = {
        "type": "electricity",
        "base_quantity": 100,
        "unit_id": str(KWH.id),
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
        "facility_percentages": [share(ACME, ACME_MADRID, 0.5)],
    }

    answer = http("POST", "/api/v1/invoices", ACME_HEADERS, body)

    assert (answer.status, answer.body["code"]) == (400, "INVALID_TOTAL_PERCENTAGE")


def test_the_organization_list_pages_with_next_token(http):
    for reference in ("P-1", "P-2"):
        body = {
            "type": "water",
            "base_quantity": 12,
            "unit_id": str(M3.id),
            "start_date": "2023-05-01",
            "end_date": "2023-05-31",
            "invoice_id": reference,
            "facility_percentages": [share(ACME, ACME_MADRID, 1.0)],
        }
        assert http("POST", "/v1/invoices", ACME_HEADERS, body).status == 201

    first = http("GET", "/v1/invoices?size=1&type[]=water&invoice_id=p-", ACME_HEADERS)
    token = first.body["next_token"]
    second = http("GET", f"/v1/invoices?size=1&type[]=water&invoice_id=p-&next_token={token}", ACME_HEADERS)
    whole = http("GET", "/v1/invoices?size=5&type[]=water&invoice_id=p-", ACME_HEADERS)

    # An invoice number is not among the kept counts: the total is known on the last page only.
    assert (first.status, first.body["total"], second.status, second.body["page"]) == (200, None, 200, 2)
    assert whole.body["total"] == 2
    assert {first.body["items"][0]["invoice_id"], second.body["items"][0]["invoice_id"]} == {"P-1", "P-2"}
    assert second.body["next_token"] is None


def test_edit_recompute_list_summarize_and_delete_over_http(http):
    body = {
        "type": "electricity",
        "base_quantity": 1000,
        "unit_id": str(KWH.id),
        "start_date": "2022-06-01",
        "end_date": "2022-06-30",
        "invoice_id": "E2E-EDIT",
        "facility_percentages": [share(ACME, ACME_MADRID, 1.0)],
    }
    created = http("POST", "/api/v1/invoices", ACME_HEADERS, body).body
    first = settled(http, created["id"])
    assert first["status"] == "active", first["error_messages"]

    # Doubling the quantity sends it back to the calculator, which doubles its CO2e
    edited = http(
        "PATCH",
        f"/v1/invoices/{created['id']}",
        ACME_HEADERS | {"If-Match": f'"{first["version"]}"'},
        {"base_quantity": 2000},
    )
    assert (edited.status, edited.body["status"]) == (200, "loading")
    second = settled(http, created["id"])
    assert second["co2e"] == pytest.approx(first["co2e"] * 2)

    listed = http(
        "GET", f"/api/v1/invoices/casted/facility/{ACME_MADRID}?invoice_id=E2E-EDIT", ACME_HEADERS
    ).body
    assert [(item["id"], item["status"], item["unit"]["name"]) for item in listed["items"]] == [
        (created["id"], "active", "kilowatt_hour_(kwh)")
    ]
    june = rolled_up(
        http,
        "/v1/emissions/summary?group_by=month&start_date=2022-06-01&end_date=2022-06-30",
        lambda body: body["total"]["co2e"] == pytest.approx(second["co2e"]),
    )
    assert june["total"]["co2e"] == pytest.approx(second["co2e"])

    assert http("DELETE", f"/v1/invoices/{created['id']}", ACME_HEADERS).status == 204
    assert http("GET", f"/v3/invoices/{created['id']}", ACME_HEADERS).status == 404


def test_scopes_over_http_gb_desnz_parts_a_renewable_contract_and_district_heating(http):
    """Issue 13's "done when", on the local stack: DESNZ's figures as Scope 2 and Scope 3 parts, Scope 3
    in the summary, a renewable contract at 0 in its own market and not in another, district heat in 2."""

    def site(country):
        created = http(
            "POST", "/v1/facilities", ACME_HEADERS, {"name": f"Scopes {country}", "country": country}
        )
        assert created.status == 201, created.body
        return created.body["id"]

    def computed(body):
        created = http("POST", "/v1/invoices", ACME_HEADERS, body)
        assert created.status == 201, created.body
        invoice = settled(http, created.body["id"])
        assert invoice["status"] == "active", invoice
        return invoice

    def year(facility, **fields):
        return {
            "type": "electricity",
            "base_quantity": 10_000,
            "unit_id": str(KWH.id),
            "start_date": "2024-01-01",
            "end_date": "2024-12-31",
            "facility_percentages": [share(ACME, facility, 1.0)],
        } | fields

    def scope_2(invoice):
        return next(part for part in invoice["emissions_by_scope"] if part["scope"] == 2)

    london, berlin = site("GB"), site("DE")
    green_planet = "f6aa0e28-67d5-56af-b68c-55848ed3161c"  # certified renewable, Germany
    gb = computed(year(london))
    renewable_home = computed(year(berlin, supplier_id=green_planet))
    renewable_abroad = computed(year(london, supplier_id=green_planet))
    district = computed(year(london, type="heat", facility_fuel_id="caf9049a-70ce-58ef-a205-975cd672d498"))

    assert scope_2(gb)["co2e_location_based"] == pytest.approx(2_070.5, rel=1e-3)  # DESNZ 2024
    assert gb["co2e_transmission_and_distribution"] == pytest.approx(183.0, rel=1e-3)
    assert [(part["scope"], part["category"]) for part in gb["emissions_by_scope"]] == [(2, None), (3, 3)]
    assert scope_2(renewable_home)["co2e"] == 0
    assert scope_2(renewable_abroad)["co2e"] == pytest.approx(scope_2(gb)["co2e"])
    assert (district["scope"], scope_2(district)["co2e"]) == (2, pytest.approx(1_796.5, rel=1e-3))

    def scopes(body):
        return {(group["key"]["scope"], group["key"].get("category")) for group in body["groups"]}

    summary = rolled_up(
        http,
        "/v1/emissions/summary?group_by=scope&type[]=electricity",
        lambda body: scopes(body) >= {(2, None), (3, 3)},
    )
    assert scopes(summary) >= {(2, None), (3, 3)}
