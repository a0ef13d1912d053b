"""GET /v1/reports/inventory: the GHG inventory of a year, from the rollups, as JSON, CSV and XLSX."""

import csv
import io

import openpyxl
import pytest

from carbon_accounting import emissions
from tests.handlers.conftest import invoke
from tests.handlers.test_calculate_emissions import stored
from tests.handlers.test_emissions_summary import computed, summary
from tests.handlers.test_invoices import ACME_HEADERS, KWH, NATURAL_GAS, distributed_heat, electricity
from tests.tenants import ACME, ACME_MADRID, IBERIA, IBERIA_KEY, IBERIA_LISBON, api_key_headers

IBERIA_HEADERS = api_key_headers(IBERIA_KEY, IBERIA)
WATER_M3 = next(unit for unit in emissions.units("volume") if unit.name == "cubic_meter_(m³)")


def report(api, headers=ACME_HEADERS, **query):
    answer = api("get_inventory_report", headers, query=query)
    assert answer.status == 200, answer.body
    return answer.body


def a_year(api):
    """Electricity and water for Madrid, and gas shared 60/40 between Madrid and Iberia's Lisbon."""
    power = computed(
        api,
        electricity(
            base_quantity=12_000,
            unit_id=str(KWH.id),
            start_date="2025-01-01",
            end_date="2025-06-30",
            certified_quantity=3_000,
        ),
    )
    computed(
        api,
        electricity(
            base_quantity=9_000,
            unit_id=str(KWH.id),
            start_date="2025-07-01",
            end_date="2025-12-31",
            invoice_id="INV-2025-H2",
        ),
    )
    heat = computed(api, distributed_heat(start_date="2025-01-01", end_date="2025-03-31"))
    water = computed(
        api,
        {
            "type": "water",
            "base_quantity": 300,
            "unit_id": str(WATER_M3.id),
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
            "facility_percentages": [
                {"organization_id": str(ACME), "facility_id": str(ACME_MADRID), "percentage": 1}
            ],
        },
    )
    return power, heat, water


def test_the_years_totals_equal_the_summary_to_the_gram_and_a_group_counts_its_subsidiarys_share(api):
    _, heat, _ = a_year(api)
    lisbon = stored(
        IBERIA, next(child for org, child in stored(ACME, heat["id"])["children"] if org == str(IBERIA))
    )

    body = report(api, year="2025")
    own = summary(api, group_by="type", start_date="2025-01-01", end_date="2025-12-31")["total"]
    iberia = summary(api, IBERIA_HEADERS, group_by="type", start_date="2025-01-01", end_date="2025-12-31")[
        "total"
    ]

    # The group: Acme's own figures and Iberia's 40% of Acme's gas invoice, which Acme's summary leaves out.
    assert float(lisbon["co2e"]) > 0
    assert body["totals"]["market_based"] == pytest.approx(own["co2e"] + iberia["co2e"], abs=1e-3)
    assert body["totals"]["location_based"] == pytest.approx(
        own["co2e_location_based"] + iberia["co2e_location_based"], abs=1e-3
    )
    entities = {entity["name"]: entity for entity in body["consolidation"]["entities"]}
    assert body["consolidation"]["approach"] == "operational_control"
    assert round(entities["Acme Group"]["co2e"], 3) == round(own["co2e"], 3)
    assert round(entities["Acme Iberia"]["co2e"], 3) == round(iberia["co2e"], 3)
    assert entities["Acme Iberia"]["co2e"] == pytest.approx(float(lisbon["co2e"]), abs=1e-3)
    # The subsidiary's own report is its own figures only.
    alone = report(api, IBERIA_HEADERS, year="2025")
    assert round(alone["totals"]["market_based"], 3) == round(iberia["co2e"], 3)
    assert [entity["name"] for entity in alone["consolidation"]["entities"]] == ["Acme Iberia"]


def test_scopes_add_up_to_the_totals_with_scope_3_by_category_and_line(api):
    power, _, _ = a_year(api)

    body = report(api, year="2025")

    scopes = body["scope_1"]["co2e"] + body["scope_2"]["market_based"] + body["scope_3"]["co2e"]
    assert scopes == pytest.approx(body["totals"]["market_based"], abs=1e-6)
    location = (
        body["scope_1"]["co2e"] + body["scope_2"]["location_based"] + body["scope_3"]["co2e_location_based"]
    )
    assert location == pytest.approx(body["totals"]["location_based"], abs=1e-6)
    categories = {category["category"]: category for category in body["scope_3"]["categories"]}
    assert set(categories) == {1, 3, 5}
    lines = {line["line"]: line for line in categories[3]["lines"]}
    assert lines["well_to_tank"]["co2e"] + lines["transmission_and_distribution"]["co2e"] == pytest.approx(
        categories[3]["co2e"]
    )
    losses = sum(
        float(stored(ACME, invoice["id"])["co2e_transmission_and_distribution"]) for invoice in (power,)
    )
    assert lines["transmission_and_distribution"]["co2e"] >= losses > 0
    # Scope 1 by fuel is the gas burned (both shares), named; Scope 2 by facility names Madrid.
    assert [fuel["fuel"] for fuel in body["scope_1"]["by_fuel"]] == [NATURAL_GAS.name]
    assert body["scope_1"]["by_fuel"][0]["co2e"] == pytest.approx(body["scope_1"]["co2e"])
    assert body["scope_1"]["by_fuel"][0]["quantity"] == [
        {"unit_id": str(KWH.id), "unit": "kwh", "quantity": 1000.0}
    ]
    by_facility = {line["facility"]: line for line in body["scope_1"]["by_facility"]}
    assert set(by_facility) == {"Madrid Office", "Lisbon Office"}
    assert by_facility["Lisbon Office"]["organization"] == "Acme Iberia"
    assert [line["facility"] for line in body["scope_2"]["by_facility"]] == ["Madrid Office"]
    assert [line["country"] for line in body["scope_2"]["by_country"]] == ["ES"]
    assert body["biogenic_co2"] == body["totals"]["co2e_biomass"]
    # By month and by facility, every scope adds up to the same figures.
    months = body["by_month"]
    assert [month["month"] for month in months] == [f"2025-{month:02d}" for month in range(1, 13)]
    assert sum(month["scope_1"] for month in months) == pytest.approx(body["scope_1"]["co2e"])
    assert sum(month["scope_2_market_based"] for month in months) == pytest.approx(
        body["scope_2"]["market_based"]
    )
    assert sum(month["scope_2_location_based"] for month in months) == pytest.approx(
        body["scope_2"]["location_based"]
    )
    assert sum(month["scope_3"] for month in months) == pytest.approx(body["scope_3"]["co2e"])
    assert months[6]["scope_1"] == 0  # the gas was billed January to March
    assert sum(line["co2e"] for line in body["by_facility"]) == pytest.approx(body["totals"]["market_based"])
    assert [line["facility"] for line in body["by_facility"]] == ["Madrid Office", "Lisbon Office"]
    assert body["totals"]["invoices"] == 5  # two electricity, two shares of gas, one water


def test_energy_and_the_contractual_instruments(api):
    a_year(api)

    energy = report(api, year="2025")["energy"]
    instruments = report(api, year="2025")["scope_2"]["contractual_instruments"]

    assert energy["electricity_mwh"] == pytest.approx(21.0)
    assert instruments == {
        "electricity_mwh": pytest.approx(21.0),
        "certified_mwh": pytest.approx(3.0),
        "certified_share": pytest.approx(3 / 21, abs=1e-6),
    }
    assert energy["fuels"] == [
        {
            "fuel_id": str(NATURAL_GAS.id),
            "fuel": NATURAL_GAS.name,
            "mwh": pytest.approx(1.0),
            "renewable": False,
        }
    ]
    assert energy["fossil_mwh"] == pytest.approx(1.0)
    assert energy["renewable_mwh"] == pytest.approx(3.0)
    assert energy["total_mwh"] == pytest.approx(22.0)
    assert energy["unattributed_mwh"] == pytest.approx(18.0)
    e1_5 = {point["paragraph"]: point for point in report(api, year="2025")["esrs_e1_5"]}
    assert e1_5["37"]["value"] == pytest.approx(22.0)
    assert e1_5["37 (b)"]["value"] is None  # no generation mix in the data: not a guess


def test_esrs_datapoints_are_the_figures_in_tonnes(api):
    a_year(api)

    body = report(api, year="2025")

    e1_6 = {point["paragraph"]: point for point in body["esrs_e1_6"]}
    assert e1_6["44 (a), 48 (a)"]["value"] == pytest.approx(body["scope_1"]["co2e"] / 1000)
    assert e1_6["44 (b), 49 (a)"]["value"] == pytest.approx(body["scope_2"]["location_based"] / 1000)
    assert e1_6["44 (b), 49 (b)"]["value"] == pytest.approx(body["scope_2"]["market_based"] / 1000)
    assert e1_6["44 (d), 52 (b)"]["value"] == pytest.approx(body["totals"]["market_based"] / 1000)
    assert all(point["unit"] == "t CO2e" for point in body["esrs_e1_6"])


def test_factor_sets_count_the_invoices_that_used_them_and_name_their_source(api):
    power, _, _ = a_year(api)

    body = report(api, year="2025")

    used = {
        (factor["dataset_version"], int(factor["year"]))
        for invoice in (power,)
        for factor in stored(ACME, invoice["id"])["emission_factors"]
    }
    listed = {(each["dataset_version"], each["year"]): each for each in body["factor_sets"]}
    assert used <= set(listed)
    assert all(each["source"] and each["invoices"] >= 1 for each in body["factor_sets"])
    assert listed[("certified_quantity", 2025)]["invoices"] == 1
    assert body["data_quality"]["invoices"] == 5
    assert body["data_quality"]["by_origin"] == {"api": 5, "csv": 0, "document": 0}


def test_a_facility_filter_and_whole_months(api):
    a_year(api)

    madrid = report(
        api, **{"facility_id[]": str(ACME_MADRID)}, start_date="2025-01-01", end_date="2025-03-31"
    )
    lisbon = report(
        api, **{"facility_id[]": str(IBERIA_LISBON)}, start_date="2025-01-01", end_date="2025-03-31"
    )
    window = summary(api, group_by="type", start_date="2025-01-01", end_date="2025-03-31")["total"]

    assert madrid["period"] == {"start_date": "2025-01-01", "end_date": "2025-03-31", "months": 3}
    assert round(madrid["totals"]["market_based"], 3) == round(window["co2e"], 3)  # Acme has only Madrid
    assert [line["facility"] for line in lisbon["scope_1"]["by_facility"]] == ["Lisbon Office"]
    assert lisbon["scope_2"]["by_facility"] == []


def test_csv_and_xlsx_carry_the_same_totals(api):
    a_year(api)
    body = report(api, year="2025")

    answer = api("get_inventory_report", ACME_HEADERS, query={"year": "2025", "format": "csv"})
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert 'filename="inventory-2025-01-01-2025-12-31.csv"' in answer.headers["Content-Disposition"]
    rows = {(row["section"], row["item"]): row for row in csv.DictReader(io.StringIO(answer.body))}
    assert float(rows[("totals", "total")]["co2e_kg"]) == body["totals"]["market_based"]
    assert float(rows[("totals", "total")]["co2e_location_based_kg"]) == body["totals"]["location_based"]
    assert float(rows[("scope_1", "total")]["co2e_kg"]) == body["scope_1"]["co2e"]
    assert float(rows[("scope_2", "total")]["co2e_location_based_kg"]) == body["scope_2"]["location_based"]
    assert float(rows[("scope_3", "total")]["co2e_kg"]) == body["scope_3"]["co2e"]

    answer = api("get_inventory_report", ACME_HEADERS, query={"year": "2025", "format": "xlsx"})
    assert answer.status == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.body), read_only=True)
    assert book.sheetnames[0] == "Inventory"
    assert {"Scope 1", "Scope 2", "Scope 3", "Energy", "ESRS E1", "Factor sets", "Invoices"} <= set(
        book.sheetnames
    )
    table = {(row[0], row[1]): row[2] for row in book["Inventory"].iter_rows(min_row=5, values_only=True)}
    assert table[("Scope 1", "Direct emissions")] == body["scope_1"]["co2e"]
    assert table[("Scope 2", "Location-based")] == body["scope_2"]["location_based"]
    assert table[("Scope 2", "Market-based")] == body["scope_2"]["market_based"]
    assert table[("Scope 3", "Total")] == body["scope_3"]["co2e"]
    assert table[("Total", "Market-based (Scopes 1, 2 market-based, 3)")] == body["totals"]["market_based"]
    invoices = list(book["Invoices"].iter_rows(min_row=2, values_only=True))
    assert len(invoices) == body["totals"]["invoices"]
    assert sum(row[8] for row in invoices) == pytest.approx(body["totals"]["market_based"])


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({}, 400, "PERIOD_REQUIRED"),
        ({"start_date": "2025-01-01"}, 400, "PERIOD_REQUIRED"),
        ({"year": "2025", "start_date": "2025-01-01"}, 400, "INVALID_PERIOD"),
        ({"start_date": "2025-01-02", "end_date": "2025-12-31"}, 400, "PERIOD_NOT_MONTHS"),
        ({"start_date": "2025-01-01", "end_date": "2025-12-30"}, 400, "PERIOD_NOT_MONTHS"),
        ({"start_date": "2025-02-01", "end_date": "2025-01-31"}, 400, "INVALID_DATE_RANGE"),
        ({"start_date": "2020-01-01", "end_date": "2025-01-31"}, 400, "WINDOW_TOO_LONG"),
        ({"year": "1800"}, 422, "VALIDATION_ERROR"),
        ({"year": "2025", "format": "pdf"}, 422, "VALIDATION_ERROR"),
        ({"year": "2025", "facility_id[]": "not-a-uuid"}, 422, "VALIDATION_ERROR"),
    ],
)
def test_bad_periods_and_formats_are_refused_with_a_code(api, query, status, code):
    answer = api("get_inventory_report", ACME_HEADERS, query=query)

    assert answer.status == status, answer.body
    assert answer.body["code"] == code


def test_the_xlsx_invoices_sheet_is_capped_and_says_how_many_more_and_where(api, monkeypatch):
    from carbon_accounting.reports import files

    a_year(api)
    monkeypatch.setattr(files, "MAX_INVOICE_ROWS", 2)

    answer = api("get_inventory_report", ACME_HEADERS, query={"year": "2025", "format": "xlsx"})

    rows = list(
        openpyxl.load_workbook(io.BytesIO(answer.body), read_only=True)["Invoices"].iter_rows(
            values_only=True
        )
    )
    assert rows[0][:3] == ("id", "organization_id", "facility_id")
    assert len([row for row in rows[1:] if row[0] and len(row[0]) == 36]) == 2
    assert rows[-1][0].startswith("3 more invoices are behind these figures: this sheet holds the first 2.")


def test_a_name_a_spreadsheet_would_run_is_written_as_text_in_the_csv(api):
    facility = api(
        "create_facility", ACME_HEADERS, body={"name": '=HYPERLINK("http://evil.test")', "country": "ES"}
    ).body
    computed(
        api,
        electricity(
            base_quantity=100,
            unit_id=str(KWH.id),
            start_date="2025-03-01",
            end_date="2025-03-31",
            facility_percentages=[
                {"organization_id": str(ACME), "facility_id": facility["id"], "percentage": 1}
            ],
        ),
    )

    answer = api("get_inventory_report", ACME_HEADERS, query={"year": "2025", "format": "csv"})

    names = [
        row["item"]
        for row in csv.DictReader(io.StringIO(answer.body))
        if row["section"] == "scope_2.facility"
    ]
    assert names == ['\'=HYPERLINK("http://evil.test")']


@pytest.mark.parametrize("error", ["ThrottlingException", "InternalServerError"])
def test_a_failed_read_is_an_honest_answer_never_half_a_report(api, error):
    from tests.faults import Fault

    a_year(api)
    api("get_inventory_report", ACME_HEADERS, query={"year": "2025"})  # the rollups settled
    for at in range(1, 30):
        fault = Fault(error, at=at)
        answer = invoke("get_inventory_report", ACME_HEADERS, query={"year": "2025"}, fault=fault)
        if not fault.fired:
            break
        expected = 503 if error == "ThrottlingException" else 500
        assert answer.status == expected, (at, answer.body)
        assert set(answer.body) == {"detail", "code"}
    assert at > 5  # the report's reads were each failed in turn
