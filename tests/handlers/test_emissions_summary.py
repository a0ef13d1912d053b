"""GET /v1/emissions/summary: totals of active invoices, counted once, prorated by days."""

import pytest

from tests.handlers.test_calculate_emissions import deliver, record, stored
from tests.handlers.test_invoices import ACME_HEADERS, KWH, distributed_heat, electricity
from tests.tenants import ACME, ACME_MADRID, IBERIA, IBERIA_KEY, api_key_headers

_sequence = iter(range(5000, 100_000))


def computed(api, body):
    """Create an invoice and run the calculator (children, then the parent's totals) until it is active."""
    invoice = api("create_invoice", ACME_HEADERS, body=body).body
    item = stored(ACME, invoice["id"])
    shares = item.get("children") or [[str(ACME), invoice["id"]]]
    loading = {child: stored(org, child) for org, child in shares}
    for org, child in shares:
        deliver(record(None, loading[child], next(_sequence)))
        deliver(record(loading[child], stored(org, child), next(_sequence)))
    return api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).body


def summary(api, headers=ACME_HEADERS, **query):
    answer = api("emissions_summary", headers, query=query)
    assert answer.status == 200, answer.body
    return answer.body


def january(**changes):
    return (
        electricity(base_quantity=1000, unit_id=str(KWH.id), start_date="2024-01-01", end_date="2024-01-31")
        | changes
    )


def test_totals_by_type_count_a_distributed_invoice_once_through_its_facilities(api):
    power = computed(api, january())
    heat = computed(api, distributed_heat())
    madrid_heat = stored(ACME, next(c for o, c in stored(ACME, heat["id"])["children"] if o == str(ACME)))

    body = summary(api, group_by="type")

    by_type = {group["key"]["type"]: group for group in body["groups"]}
    assert by_type["electricity"]["co2e"] == pytest.approx(power["co2e"])
    assert by_type["heat"]["co2e"] == pytest.approx(float(madrid_heat["co2e"]))
    assert by_type["heat"]["quantity"] == [
        {"unit_id": str(KWH.id), "unit": "kilowatt_hour_(kwh)", "quantity": 600.0}
    ]
    assert body["total"]["co2e"] == pytest.approx(power["co2e"] + float(madrid_heat["co2e"]))
    assert body["total"]["invoices"] == 2
    iberia = summary(api, api_key_headers(IBERIA_KEY, IBERIA), group_by="facility")
    assert iberia["total"]["co2e"] == pytest.approx(heat["co2e"] - float(madrid_heat["co2e"]))


def test_months_and_the_window_are_prorated_by_days(api):
    invoice = computed(api, january(start_date="2024-01-15", end_date="2024-02-14"))

    months = summary(api, group_by="month")["groups"]
    window = summary(api, group_by="facility", start_date="2024-02-01", end_date="2024-12-31")["total"]

    assert [(group["key"]["month"], group["co2e"]) for group in months] == [
        ("2024-01", pytest.approx(invoice["co2e"] * 17 / 31)),
        ("2024-02", pytest.approx(invoice["co2e"] * 14 / 31)),
    ]
    assert window["co2e"] == pytest.approx(invoice["co2e"] * 14 / 31)


def test_several_groupings_and_filters(api):
    computed(api, january())
    computed(api, distributed_heat())

    body = summary(api, group_by=["facility", "scope"], **{"type[]": ["electricity"]})

    assert [group["key"] for group in body["groups"]] == [
        {"facility": str(ACME_MADRID), "scope": 2},
        {"facility": str(ACME_MADRID), "scope": 3, "category": 3},
    ]


def test_grouped_by_scope_each_invoice_is_split_into_its_parts_and_scope_2_is_given_both_ways(api):
    power = computed(api, january())
    heat = computed(api, distributed_heat())
    madrid_heat = stored(ACME, next(c for o, c in stored(ACME, heat["id"])["children"] if o == str(ACME)))

    body = summary(api, group_by="scope")

    groups = {(group["key"]["scope"], group["key"].get("category")): group for group in body["groups"]}
    assert set(groups) == {(1, None), (2, None), (3, 3)}
    (power_2, power_3) = power["emissions_by_scope"]
    heat_1, heat_3 = (
        {k: float(v) for k, v in part.items() if k.startswith("co2e")}
        for part in madrid_heat["emissions_by_scope"]
    )
    assert groups[(2, None)]["co2e"] == pytest.approx(power_2["co2e"])  # market-based
    assert groups[(2, None)]["co2e_location_based"] == pytest.approx(power_2["co2e_location_based"])
    assert groups[(2, None)]["co2e"] != groups[(2, None)]["co2e_location_based"]
    assert groups[(1, None)]["co2e"] == pytest.approx(heat_1["co2e"])
    assert groups[(3, 3)]["co2e"] == pytest.approx(power_3["co2e"] + heat_3["co2e"])
    assert groups[(3, 3)]["invoices"] == 2
    assert body["total"]["co2e"] == pytest.approx(sum(group["co2e"] for group in groups.values()))
    assert body["total"]["invoices"] == 2


def test_only_active_invoices_count(api):
    api("create_invoice", ACME_HEADERS, body=january())  # still loading

    assert summary(api, group_by="type") == {
        "start_date": None,
        "end_date": None,
        "group_by": ["type"],
        "groups": [],
        "total": {
            "co2e": 0.0,
            "co2e_location_based": 0.0,
            "co2e_biomass": 0.0,
            "quantity": [],
            "invoices": 0,
        },
    }


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({}, 422),
        ({"group_by": "colour"}, 422),
        ({"group_by": "type", "start_date": "2024-02-01", "end_date": "2024-01-01"}, 400),
    ],
)
def test_bad_parameters(api, query, status):
    assert api("emissions_summary", ACME_HEADERS, query=query).status == status
