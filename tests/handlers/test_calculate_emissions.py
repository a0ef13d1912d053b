"""The stream-triggered calculator, in-process over moto, fed real-shaped DynamoDB stream records."""

import copy
import json
from datetime import date
from uuid import UUID

import pytest

from carbon_accounting import emissions, repository
from carbon_accounting.invoices import calculation
from carbon_accounting.repository import table
from tests.conftest import ROOT
from tests.functions import LambdaContext, load_function
from tests.handlers.test_invoices import (
    ACME_HEADERS,
    KWH,
    cooling_without_a_factor,
    distributed_heat,
    electricity,
    share,
)
from tests.tenants import ACME, ACME_MADRID, IBERIA

SAMPLE = json.loads((ROOT / "events" / "calculate_emissions.json").read_text())["Records"][0]


def stored(organization, invoice_id):
    (item,) = repository.get_invoices([(UUID(str(organization)), UUID(str(invoice_id)))])
    return item


def record(old, new, sequence):
    """A stream record of the change from ``old`` to ``new`` (stored items), as Lambda delivers it."""
    shaped = copy.deepcopy(SAMPLE)
    shaped["eventName"] = "MODIFY" if old else "INSERT"
    shaped["dynamodb"]["SequenceNumber"] = str(sequence)
    shaped["dynamodb"]["Keys"] = {"pk": {"S": new["pk"]}, "sk": {"S": new["sk"]}}
    shaped["dynamodb"]["NewImage"] = table.to_item(new)
    if old:
        shaped["dynamodb"]["OldImage"] = table.to_item(old)
    return shaped


def deliver(*records):
    """Run the calculator on one batch; returns its partial-batch answer."""
    return load_function("calculate_emissions").lambda_handler({"Records": list(records)}, LambdaContext())


def create(api, body):
    created = api("create_invoice", ACME_HEADERS, body=body)
    assert created.status == 201, created.body
    return created.body


def test_a_loading_invoice_becomes_active_with_the_engines_figures(api):
    invoice = create(
        api,
        electricity(base_quantity=1000, unit_id=str(KWH.id), start_date="2024-01-01", end_date="2024-01-31"),
    )
    loading = stored(ACME, invoice["id"])

    answer = deliver(record(None, loading, 1))

    settled = api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).body
    expected = emissions.calculate(
        emissions.Activity(
            type=emissions.InvoiceType.ELECTRICITY,
            quantity=1000,
            unit_id=KWH.id,
            start_date=date(2024, 1, 1),
            end_date=date(2024, 1, 31),
            country="ES",
        )
    )
    assert answer == {"batchItemFailures": []}
    assert (settled["status"], settled["version"], settled["scope"]) == ("active", 2, 2)
    assert settled["co2e"] == pytest.approx(expected.co2e)
    assert settled["co2e_location_based"] == pytest.approx(expected.co2e_location_based)
    assert settled["co2e"] == pytest.approx(
        settled["co2e_consumption"]
        + settled["co2e_generation"]
        + settled["co2e_transmission_and_distribution"]
    )
    assert [factor["id"] for factor in settled["emission_factors"]] == [
        f.id for f in expected.emission_factors
    ]
    assert settled["notices"] == list(expected.notices)


def test_100_litres_of_diesel_read_back_as_100_litres_computed_per_litre(api):
    diesel = next(fuel for fuel in emissions.fuels() if fuel.name.startswith("Diesel"))
    litre = next(unit for unit in emissions.units("volume") if unit.name == "liter_(l)")
    settled = heat_invoice(
        api,
        base_quantity=100,
        unit_id=str(litre.id),
        facility_fuel_id=str(diesel.id),
        start_date="2024-03-01",
        end_date="2024-03-31",
    )

    assert (settled["base_quantity"], settled["quantity"], settled["unit_id"]) == (100, 100, str(litre.id))
    assert (settled["original_quantity"], settled["original_unit_id"]) == (None, None)
    combustion = next(factor for factor in settled["emission_factors"] if factor["method"] == "combustion")
    # DESNZ 2024, diesel (average biofuel blend), kg CO2e per litre: no conversion through density.
    assert (combustion["unit"], settled["co2e_consumption"]) == (
        "kg CO2e/litre",
        pytest.approx(100 * combustion["value"]),
    )


def test_a_gas_invoice_in_kwh_of_net_cv_reads_back_net_and_is_computed_on_it(api):
    gross = heat_invoice(api)
    net = heat_invoice(api, calorific_basis="net")

    assert (net["calorific_basis"], gross["calorific_basis"]) == ("net", None)
    # The same kWh on a net basis are more gas: the ratio of DESNZ 2025's net and gross factors.
    assert net["co2e_consumption"] / gross["co2e_consumption"] == pytest.approx(0.2027 / 0.18296)


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        (
            {"calorific_basis": "net", "unit_id": "9043b644-eb90-5943-8134-c888ac52183b"},
            400,
            "INVALID_CALORIFIC_BASIS",
        ),
        (
            {"calorific_basis": "net", "facility_fuel_id": "caf9049a-70ce-58ef-a205-975cd672d498"},
            400,
            "INVALID_CALORIFIC_BASIS",
        ),
        ({"calorific_basis": "higher"}, 422, "VALIDATION_ERROR"),
        (
            {"calorific_basis": "net", "type": "electricity", "facility_fuel_id": None},
            400,
            "FIELD_NOT_ALLOWED",
        ),
    ],
)
def test_a_calorific_basis_without_a_burned_fuels_energy_is_refused(api, changes, status, code):
    body = distributed_heat(facility_percentages=[share(ACME, ACME_MADRID, 1.0)]) | changes

    answer = api("create_invoice", ACME_HEADERS, body=body)

    assert (answer.status, answer.body["code"]) == (status, code)


def heat_invoice(api, **changes):
    """A heat invoice of Madrid alone (natural gas, unless ``changes`` say otherwise), computed."""
    invoice = create(api, distributed_heat(facility_percentages=[share(ACME, ACME_MADRID, 1.0)], **changes))
    deliver(record(None, stored(ACME, invoice["id"]), 1))
    settled = api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).body
    assert settled["status"] == "active", settled["error_messages"]
    return settled


def test_what_the_user_must_fix_puts_the_invoice_in_error_with_the_reason(api):
    invoice = create(api, cooling_without_a_factor())

    deliver(record(None, stored(ACME, invoice["id"]), 1))

    failed = api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).body
    assert failed["status"] == "error"
    assert failed["co2e"] is None
    assert any("custom emission factor" in message for message in failed["error_messages"])


def test_a_stale_or_repeated_record_never_overwrites_newer_figures(api):
    invoice = create(api, electricity())
    first = stored(ACME, invoice["id"])
    deliver(record(None, first, 1))
    settled = stored(ACME, invoice["id"])

    # The same record again, and a record of the old version after the invoice moved on
    answer = deliver(record(None, first, 1), record(None, first | {"quantity": 999_999.0}, 2))

    assert answer == {"batchItemFailures": []}
    assert stored(ACME, invoice["id"]) == settled


def test_the_calculators_own_write_does_not_trigger_it_again(api):
    invoice = create(api, electricity())
    loading = stored(ACME, invoice["id"])
    deliver(record(None, loading, 1))
    active = stored(ACME, invoice["id"])

    deliver(record(loading, active, 2))

    assert stored(ACME, invoice["id"]) == active


def test_a_distributed_parent_takes_its_childrens_totals_once_all_have_settled(api):
    parent = create(api, distributed_heat())
    parent_item = stored(ACME, parent["id"])
    children = [stored(org, child) for org, child in parent_item["children"]]
    madrid = next(child for child in children if child["facility_id"] == str(ACME_MADRID))
    lisbon = next(child for child in children if child is not madrid)

    # The first child settles: the parent still waits for the other
    deliver(record(None, madrid, 1))
    deliver(record(madrid, stored(ACME, madrid["id"]), 2))
    assert stored(ACME, parent["id"])["status"] == "loading"

    # The second child settles: the parent is the sum of both
    deliver(record(None, lisbon, 3))
    deliver(record(lisbon, stored(IBERIA, lisbon["id"]), 4))

    totalled = api("get_invoice", ACME_HEADERS, path={"invoice_id": parent["id"]}).body
    settled_children = [stored(ACME, madrid["id"]), stored(IBERIA, lisbon["id"])]
    assert totalled["status"] == "active"
    assert totalled["co2e"] == pytest.approx(sum(float(child["co2e"]) for child in settled_children))
    assert float(settled_children[0]["co2e"]) / float(settled_children[1]["co2e"]) == pytest.approx(0.6 / 0.4)
    assert totalled["scope"] == 1


def test_a_record_that_fails_is_reported_alone_and_the_rest_of_the_batch_is_processed(api):
    good = stored(ACME, create(api, electricity())["id"])
    broken = good | {"id": "not-a-uuid", "sk": "INVOICE#not-a-uuid"}

    answer = deliver(record(None, broken, 1), record(None, good, 2))

    assert answer == {"batchItemFailures": [{"itemIdentifier": "1"}]}
    assert stored(ACME, good["id"])["status"] == "active"


def test_records_of_an_invoice_deleted_while_loading_change_nothing(api):
    parent = create(api, distributed_heat())
    parent_item = stored(ACME, parent["id"])
    children = [stored(org, child) for org, child in parent_item["children"]]
    assert api("delete_invoice", ACME_HEADERS, path={"invoice_id": parent["id"]}).status == 204

    answer = deliver(*(record(None, child, index) for index, child in enumerate(children, start=1)))

    assert answer == {"batchItemFailures": []}
    assert (
        repository.get_invoices(
            [(ACME, UUID(parent["id"]))] + [(UUID(c["organization_id"]), UUID(c["id"])) for c in children]
        )
        == []
    )


def _engine_bug_on(invoice_ids, monkeypatch):
    """The engine raising for these invoices' activities (a bug of ours), as it would on every retry."""
    calculate, quantities = emissions.calculate, set()

    def buggy(activity):
        if activity.quantity in quantities:
            raise ZeroDivisionError("a bug")
        return calculate(activity)

    for invoice_id in invoice_ids:
        quantities.add(float(repository.get_invoices([(ACME, UUID(invoice_id))])[0]["quantity"]))
    monkeypatch.setattr(emissions, "calculate", buggy)


def test_an_invoice_the_engine_fails_on_ends_in_error_saying_what_to_do_and_the_batch_goes_on(
    api, monkeypatch
):
    # Given a batch: an invoice the engine fails on (a bug), and a good one
    failing = stored(ACME, create(api, electricity(base_quantity=1.25))["id"])
    good = stored(ACME, create(api, electricity(invoice_id="GOOD"))["id"])
    _engine_bug_on([failing["id"]], monkeypatch)

    answer = deliver(record(None, failing, 1), record(None, good, 2))

    # Then neither fails the batch (a retry would only repeat the bug): the first is in error, saying
    # what to do, the second active
    assert answer == {"batchItemFailures": []}
    settled = stored(ACME, failing["id"])
    assert (settled["status"], settled["error_messages"]) == ("error", [calculation.UNCALCULABLE])
    assert stored(ACME, good["id"])["status"] == "active"


def test_a_distributed_invoice_whose_share_the_engine_fails_on_ends_in_error_not_loading(api, monkeypatch):
    parent = create(api, distributed_heat(base_quantity=1234))
    children = [stored(org, child) for org, child in stored(ACME, parent["id"])["children"]]
    quantities = {float(child["quantity"]) for child in children}
    calculate = emissions.calculate
    bug = max(quantities)
    monkeypatch.setattr(
        emissions, "calculate", lambda activity: 1 / 0 if activity.quantity == bug else calculate(activity)
    )

    answer = deliver(*(record(None, child, index) for index, child in enumerate(children, start=1)))
    settled_children = [stored(child["organization_id"], child["id"]) for child in children]
    totals = deliver(
        *(
            record(old, new, 10 + i)
            for i, (old, new) in enumerate(zip(children, settled_children, strict=True))
        )
    )

    assert answer == totals == {"batchItemFailures": []}
    settled = stored(ACME, parent["id"])
    assert settled["status"] == "error"
    assert any(calculation.UNCALCULABLE in message for message in settled["error_messages"])
