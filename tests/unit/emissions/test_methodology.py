"""docs/methodology.md's worked examples, recomputed through the engine; and the engine's invariants
on generated invoices: parts add up to the totals, none is negative or NaN."""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import asdict, replace
from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_accounting import emissions
from carbon_accounting.emissions import Activity, CalculationError, CustomFactor, InvoiceType, calculate
from carbon_accounting.invoices.calculation import _sum_parts
from tests.conftest import ROOT

METHODOLOGY = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
EXAMPLES = [json.loads(block) for block in re.findall(r"```worked-example\n(.*?)```", METHODOLOGY, re.DOTALL)]
UNITS = {unit.name: unit.id for unit in emissions.units()}
FUELS = {fuel.name: fuel.id for fuel in emissions.fuels()}


def _activity(invoice: dict) -> Activity:
    start, end = (date.fromisoformat(day) for day in invoice["period"])
    custom = invoice.get("custom_factor")
    return Activity(
        type=InvoiceType(invoice["type"]),
        quantity=invoice["quantity"],
        unit_id=UNITS[invoice["unit"]],
        start_date=start,
        end_date=end,
        country=invoice["country"],
        facility_fuel_id=FUELS.get(invoice.get("fuel", "")),
        postal_code=invoice.get("postal_code"),
        certified_quantity=invoice.get("certified_quantity"),
        custom_factor=custom
        and CustomFactor(
            id=UUID(int=1), name="example", unit_id=UNITS[custom["unit"]], kgco2e_per_unit=custom["value"]
        ),
    )


def test_there_is_a_worked_example_for_every_type_and_every_year_2019_to_2026():
    assert {example["input"]["type"] for example in EXAMPLES} == set(InvoiceType)
    years = {int(day[:4]) for example in EXAMPLES for day in example["input"]["period"]}
    assert set(range(2019, 2027)) <= years


def _data_values() -> dict[str, float]:
    """Every row of the shipped data files, by id: read here as text, not through the engine."""
    values = {}
    for path in (ROOT / "layers" / "carbon_accounting" / "carbon_accounting" / "emissions" / "data").glob(
        "*.csv"
    ):
        with path.open(encoding="utf-8", newline="") as rows:
            for row in csv.DictReader(rows):
                if row.get("id") and row.get("value"):
                    values[row["id"]] = float(row["value"])
    return values


@pytest.mark.parametrize(
    "example",
    [example for example in EXAMPLES if "from_data" in example],
    ids=lambda example: json.dumps(example["input"])[:80],
)
def test_a_worked_example_is_recomputed_from_the_data_files_alone(example):
    values = _data_values()
    recompute = example["from_data"]

    total = math.fsum(
        quantity * math.fsum(values[row] for row in rows) for quantity, rows in recompute["terms"]
    )

    assert round(total, 2) == example["expect"][recompute["field"]]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: json.dumps(example["input"])[:80])
def test_a_worked_example_is_what_the_engine_computes(example):
    result = calculate(_activity(example["input"]))

    expected = example["expect"]
    parts = [[part.scope, part.category, part.co2e, part.co2e_location_based] for part in result.by_scope]
    assert [[scope, category, round(a, 2), round(b, 2)] for scope, category, a, b in parts] == expected.pop(
        "emissions_by_scope"
    )
    for name, value in expected.items():
        assert round(getattr(result, name), 2) == value, name


COUNTRIES = ["GB", "ES", "FR", "DE", "US", "AU", "NO", "AT", "BJ", "TW", "JP"]
ENERGY = [UNITS["kilowatt_hour_(kwh)"], UNITS["megawatt_hour_(mwh)"]]


@st.composite
def invoices(draw: st.DrawFn) -> Activity:
    kind = draw(
        st.sampled_from([InvoiceType.ELECTRICITY, InvoiceType.RECHARGE, InvoiceType.HEAT, InvoiceType.WATER])
    )
    start = draw(st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 12, 31)))
    end = start + timedelta(days=draw(st.integers(min_value=0, max_value=730)))
    quantity = draw(st.floats(min_value=1e-6, max_value=1e12, allow_nan=False))
    fuel = unit = None
    if kind == InvoiceType.HEAT:
        fuel = draw(st.sampled_from([each for each in emissions.fuels() if each.desnz_fuel]))
        unit = draw(st.sampled_from([each.id for each in emissions.units() if each.type in fuel.unit_types]))
    elif kind == InvoiceType.WATER:
        unit = UNITS["cubic_meter_(m³)"]
    else:
        unit = draw(st.sampled_from(ENERGY))
    certified = None
    if kind == InvoiceType.ELECTRICITY and draw(st.booleans()):
        certified = quantity * draw(st.floats(min_value=0, max_value=1))
    return Activity(
        type=kind,
        quantity=quantity,
        unit_id=unit,
        start_date=start,
        end_date=end,
        country=draw(st.sampled_from(COUNTRIES)),
        facility_fuel_id=fuel.id if fuel else None,
        supplier_id=draw(st.sampled_from([None, *[each.id for each in emissions.suppliers()]]))
        if kind == InvoiceType.ELECTRICITY
        else None,
        certified_quantity=certified,
        postal_code=draw(st.sampled_from([None, "94105", "10001", "99999"])),
        subdivision=draw(st.sampled_from([None, "AU-NSW", "AU-TAS"])),
    )


@settings(max_examples=300, deadline=None)
@given(invoices())
def test_parts_add_up_to_the_totals_and_none_is_negative_or_nan(activity):
    try:
        result = calculate(activity)
    except CalculationError:
        return  # a year before the data (heat and water before 2024): an error naming it, tested elsewhere

    parts = result.by_scope
    assert math.fsum(part.co2e for part in parts) == result.co2e
    assert math.fsum(part.co2e_location_based for part in parts) == result.co2e_location_based
    lines = (result.co2e_consumption, result.co2e_generation, result.co2e_transmission_and_distribution)
    assert math.fsum(lines) == pytest.approx(result.co2e, rel=1e-12)
    figures = [
        result.co2e_biomass,
        *lines,
        *(value for part in parts for value in (part.co2e, part.co2e_location_based)),
    ]
    assert all(math.isfinite(value) and value >= 0 for value in figures)
    assert len({(part.scope, part.category) for part in parts}) == len(parts)
    for part in parts:
        if part.scope != 2:
            assert part.co2e == part.co2e_location_based


@settings(max_examples=100, deadline=None)
@given(invoices(), st.lists(st.floats(min_value=0.01, max_value=1), min_size=2, max_size=6))
def test_allocation_across_facilities_preserves_every_part(activity, weights):
    """A distributed invoice's parts are its children's sums (``calculation._sum_parts``), and equal the
    whole invoice's: every part is proportional to the quantity."""
    try:
        whole = calculate(activity)
    except CalculationError:
        return
    shares = [weight / math.fsum(weights) for weight in weights]
    children = []
    for share in shares:
        certified = activity.certified_quantity and activity.certified_quantity * share
        child = calculate(replace(activity, quantity=activity.quantity * share, certified_quantity=certified))
        children.append({"emissions_by_scope": [asdict(part) for part in child.by_scope]})

    summed = _sum_parts(children)

    assert [(part["scope"], part["category"]) for part in summed] == [
        (part.scope, part.category) for part in whole.by_scope
    ]
    for total, part in zip(summed, whole.by_scope, strict=True):
        assert total["co2e"] == pytest.approx(part.co2e, rel=1e-9, abs=1e-12)
        assert total["co2e_location_based"] == pytest.approx(part.co2e_location_based, rel=1e-9, abs=1e-12)
