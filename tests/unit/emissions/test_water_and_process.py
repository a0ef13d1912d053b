"""Water and process invoices, and the checks every type shares, golden from the data files' numbers."""

from datetime import date

import pytest

from carbon_accounting.emissions import CalculationError, InvoiceType, calculate
from tests.unit.emissions.builders import (
    CUBIC_METER,
    KILOGRAM,
    KILOWATT_HOUR,
    LITER,
    TONNE,
    UNKNOWN,
    activity,
    custom_factor,
)

# water_factors.csv, kg CO2e/m³
SUPPLY_2025 = 0.1913  # desnz:17_404_4005_1_1
TREATMENT_2025 = 0.17088  # desnz:18_405_4006_1_1
SUPPLY_2024 = 0.15311  # desnz:2024:water-supply:cubic-metres
TREATMENT_2024 = 0.18574  # desnz:2024:water-treatment:cubic-metres


def approx(value):
    return pytest.approx(value, rel=1e-6)


@pytest.mark.parametrize(("quantity", "unit_id"), [(250, CUBIC_METER), (250_000, LITER)])
def test_water_is_supply_plus_treatment_per_cubic_meter(quantity, unit_id):
    result = calculate(activity(InvoiceType.WATER, quantity, unit_id, ("2025-04-01", "2025-06-30")))

    assert result.co2e == approx(250 * (SUPPLY_2025 + TREATMENT_2025))
    assert result.co2e_location_based == result.co2e_consumption == result.co2e
    assert result.scope == 3
    assert [(used.id, used.method) for used in result.emission_factors] == [
        ("desnz:17_404_4005_1_1", "water_supply"),
        ("desnz:18_405_4006_1_1", "water_treatment"),
    ]
    assert result.notices == ("DESNZ factors are the UK's, applied to a facility in ES: no national set",)


def test_water_across_two_years_is_prorated_by_days():
    # 2024-12-02..2024-12-31 is 30 days, 2025-01-01..2025-01-10 is 10: 40 in all.
    result = calculate(activity(InvoiceType.WATER, 40, CUBIC_METER, ("2024-12-02", "2025-01-10")))

    assert result.co2e == approx(30 * (SUPPLY_2024 + TREATMENT_2024) + 10 * (SUPPLY_2025 + TREATMENT_2025))


def test_water_in_energy_units_is_an_error():
    with pytest.raises(CalculationError) as raised:
        calculate(activity(InvoiceType.WATER, 1, KILOWATT_HOUR, ("2025-01-01", "2025-01-31")))
    assert raised.value.messages == [
        "water invoices are measured in volume units, not kilowatt_hour_(kwh) (energy)"
    ]


def test_process_converts_the_quantity_to_the_custom_factors_unit():
    factor = custom_factor(2.5, TONNE)  # kg CO2e per tonne
    result = calculate(
        activity(InvoiceType.PROCESS, 1500, KILOGRAM, ("2025-01-01", "2025-01-31"), custom_factor=factor)
    )

    assert result.co2e == approx(1.5 * 2.5)
    assert result.scope == 1
    assert result.co2e_biomass == 0
    (used,) = result.emission_factors
    assert (used.id, used.source, used.value, used.unit, used.method, used.dataset_version) == (
        f"custom:{factor.id}",
        "custom emission factor 'Our factor'",
        2.5,
        "kg CO2e/tonne_(t)",
        "custom_factor",
        "custom",
    )


def test_process_needs_a_custom_factor():
    with pytest.raises(CalculationError) as raised:
        calculate(activity(InvoiceType.PROCESS, 1, KILOGRAM, ("2025-01-01", "2025-01-31")))
    assert raised.value.messages == ["process invoices need a custom emission factor"]


def test_process_unit_not_convertible_is_an_error_naming_both_units():
    with pytest.raises(CalculationError) as raised:
        calculate(
            activity(
                InvoiceType.PROCESS,
                1,
                KILOGRAM,
                ("2025-01-01", "2025-01-31"),
                custom_factor=custom_factor(1, KILOWATT_HOUR),
            )
        )
    assert raised.value.messages == [
        "custom factor 'Our factor' is per kilowatt_hour_(kwh) (energy), "
        "and kilogram_(kg) (mass) cannot be converted to it"
    ]


def test_custom_factor_must_be_valid_for_the_whole_period():
    factor = custom_factor(1, KILOGRAM, valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))
    with pytest.raises(CalculationError) as raised:
        calculate(
            activity(InvoiceType.PROCESS, 1, KILOGRAM, ("2024-12-15", "2025-01-15"), custom_factor=factor)
        )
    assert raised.value.messages == [
        "custom factor 'Our factor' is valid from 2025-01-01 to 2025-12-31; "
        "the invoice runs from 2024-12-15 to 2025-01-15"
    ]


def test_every_problem_is_reported_at_once():
    factor = custom_factor(1, UNKNOWN, renewable_percentage=120)
    with pytest.raises(CalculationError) as raised:
        calculate(
            activity(InvoiceType.PROCESS, -1, UNKNOWN, ("2025-02-01", "2025-01-01"), custom_factor=factor)
        )
    assert raised.value.messages == [
        "end_date 2025-01-01 is before start_date 2025-02-01",
        "quantity must be a number of at least 0, not -1",
        f"unit {UNKNOWN} is not in the units catalogue",
        "custom factor 'Our factor' has renewable_percentage 120; it must be 0 to 100",
        f"custom factor 'Our factor' has unit {UNKNOWN}, which is not in the units catalogue",
    ]
