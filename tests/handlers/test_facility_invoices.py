"""GET /api/v1/invoices/casted/facility/{facility_id}: a facility's invoices as the public API lists them."""

import uuid
from datetime import UTC, datetime

import pytest

from tests.handlers.test_calculate_emissions import deliver, record, stored
from tests.handlers.test_invoices import ACME_HEADERS, MWH, NATURAL_GAS, distributed_heat, electricity
from tests.tenants import ACME, ACME_MADRID, ACME_USER, GLOBEX_BERLIN, IBERIA_LISBON

MADRID = {"facility_id": str(ACME_MADRID)}


def unix(day):
    return str(int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()))


@pytest.fixture
def invoices(api):
    """Madrid's invoices: two electricity (Jan, active; Mar, loading) and a 60% share of a heat invoice."""
    january = api(
        "create_invoice",
        ACME_HEADERS | {"x-user-id": str(ACME_USER)},
        body=electricity(
            invoice_id="E-JAN", start_date="2024-01-01", end_date="2024-01-31", unit_id=str(MWH.id)
        ),
    ).body
    deliver(record(None, stored(ACME, january["id"]), 1))
    march = api(
        "create_invoice",
        ACME_HEADERS,
        body=electricity(invoice_id="E-MAR", start_date="2024-03-01", end_date="2024-03-31"),
    ).body
    api("create_invoice", ACME_HEADERS, body=distributed_heat(start_date="2024-02-01", end_date="2024-02-29"))
    return {"january": january["id"], "march": march["id"]}


def listed(api, **query):
    return api("list_facility_invoices", ACME_HEADERS, path=MADRID, query=query or None)


def test_the_facilitys_invoices_with_counts_by_status_newest_first(api, invoices):
    answer = listed(api)

    assert answer.status == 200
    body = answer.body
    assert (body["page"], body["size"]) == (1, 50)
    assert (body["total"], body["total2"], body["total_general"]) == (1, 2, 3)
    assert [(item["type"], item["start_date"]) for item in body["items"]] == [
        ("electricity", "2024-03-01"),
        ("heat", "2024-02-01"),
        ("electricity", "2024-01-01"),
    ]


def test_items_carry_the_casted_extras(api, invoices):
    items = {item["start_date"]: item for item in listed(api).body["items"]}

    january, heat_share = items["2024-01-01"], items["2024-02-01"]
    # Sent in MWh, kept in MWh.
    assert january["unit"] == {"id": str(MWH.id), "name": "megawatt_hour_(mwh)", "type": "energy"}
    assert january["user"] == {"id": str(ACME_USER), "email": "ana@acme.test"}
    assert january["percentage"] == "1.0"
    assert january["co2e"] == pytest.approx(
        january["co2e_consumption"]
        + january["co2e_generation"]
        + january["co2e_transmission_and_distribution"]
    )
    assert heat_share["percentage"] == "0.6"
    assert heat_share["quantity"] == pytest.approx(600)
    assert heat_share["source_invoice_id"] is not None
    assert heat_share["facility_fuel"] == {
        "id": str(NATURAL_GAS.id),
        "name": NATURAL_GAS.name,
        "fuel_type": str(NATURAL_GAS.fuel_type),
    }
    assert {"file_name", "file_id", "error_messages"} <= set(january)


@pytest.mark.parametrize(
    ("query", "invoice_ids"),
    [
        ({"filters": "heat"}, [None]),
        ({"filters": "electricity,water"}, ["E-MAR", "E-JAN"]),
        ({"filter_by": "status:active"}, ["E-JAN"]),
        ({"invoice_id": "E-MAR"}, ["E-MAR"]),
        ({"sort_by": "start_date:asc"}, ["E-JAN", None, "E-MAR"]),
        ({"start_date": unix("2024-02-15"), "end_date": unix("2024-03-05")}, ["E-MAR", None]),
        ({"size": "1", "page": "2"}, [None]),
    ],
)
def test_filters_sorting_and_paging(api, invoices, query, invoice_ids):
    answer = listed(api, **query)

    assert answer.status == 200
    assert [item["invoice_id"] for item in answer.body["items"]] == invoice_ids


def test_the_counts_follow_the_filters_not_the_page(api, invoices):
    body = listed(api, filters="electricity", size="1").body

    assert (body["total"], body["total2"], body["total_general"], len(body["items"])) == (1, 1, 2, 1)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"filters": "electricity,gas"}, "INVALID_INVOICE_TYPE"),
        ({"filter_by": "colour:red"}, "INVALID_FILTER"),
        ({"filter_by": "status"}, "INVALID_FILTER"),
        ({"sort_by": "facility_id:asc"}, "INVALID_SORT"),
        ({"sort_by": "co2e:up"}, "INVALID_SORT"),
    ],
)
def test_bad_filters_are_400(api, invoices, query, code):
    answer = listed(api, **query)

    assert (answer.status, answer.body["code"]) == (400, code)


@pytest.mark.parametrize("facility", [uuid.uuid4(), GLOBEX_BERLIN, IBERIA_LISBON])
def test_an_unknown_or_foreign_facility_is_404(api, facility):
    answer = api("list_facility_invoices", ACME_HEADERS, path={"facility_id": str(facility)})

    assert (answer.status, answer.body["code"]) == (404, "FACILITY_NOT_FOUND")


def test_out_of_range_paging_is_422(api):
    assert listed(api, size="101").status == listed(api, page="0").status == 422


def test_a_non_uuid_facility_is_422_on_the_path(api):
    answer = api("list_facility_invoices", ACME_HEADERS, path={"facility_id": "madrid"})

    assert (answer.status, answer.body["detail"][0]["loc"]) == (422, ["path", "facility_id"])
