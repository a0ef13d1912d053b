"""Heat, golden: every expected value is worked out here from the data files' numbers.

The literals below are copied from the shipped ``fuel_factors.csv``; each comment names the row's id.
"""

import pytest

from carbon_accounting.emissions import CalculationError, InvoiceType, calculate
from tests.unit.emissions.builders import (
    COAL,
    CUBIC_METER,
    DIESEL,
    GAS_OIL,
    KILOGRAM,
    KILOWATT_HOUR,
    LITER,
    MEGAWATT_HOUR,
    NATURAL_GAS,
    TONNE,
    UNKNOWN,
    WOOD_PELLETS,
    activity,
    custom_factor,
)

NATURAL_GAS_M3_2025 = 2.06672  # desnz:1_100_1004_1_1
NATURAL_GAS_KWH_2025 = 0.18296  # desnz:1_100_1004_6_1 (Gross CV)
NATURAL_GAS_KWH_2024 = 0.1829  # desnz:2024:natural-gas:kwh-gross-cv:scope-1
GAS_OIL_LITRE_2025 = 2.75541  # desnz:1_101_1014_8_1
DIESEL_KWH_2025 = 0.24411  # desnz:1_101_1011_6_1
DIESEL_TONNE_2025 = 3087.94462  # desnz:1_101_1011_15_1
DIESEL_BIOGENIC_TONNE_2025 = 163.17  # desnz:99_604_1011_15_2
PELLETS_TONNE_2025 = 55.19389  # desnz:2_104_1045_15_1
PELLETS_BIOGENIC_TONNE_2025 = 1677.18  # desnz:99_104_1045_15_2
PELLETS_KWH_2024 = 0.01132  # desnz:2024:wood-pellets:kwh:scope-1
PELLETS_BIOGENIC_KWH_2024 = 0.35  # desnz:2024:wood-pellets:kwh:outside-of-scopes

UK_NOTICE = "DESNZ factors are the UK's, applied to a facility in ES: no national set"


def approx(value):
    return pytest.approx(value, rel=1e-6)


def heat(quantity, unit_id, fuel_id, period=("2025-01-01", "2025-03-31"), **references):
    return calculate(
        activity(InvoiceType.HEAT, quantity, unit_id, period, facility_fuel_id=fuel_id, **references)
    )


def test_natural_gas_in_cubic_meters():
    result = heat(1000, CUBIC_METER, NATURAL_GAS)

    assert result.co2e == approx(1000 * NATURAL_GAS_M3_2025)
    assert result.co2e_consumption == result.co2e_location_based == result.co2e
    assert (result.co2e_generation, result.co2e_transmission_and_distribution, result.co2e_biomass) == (
        0,
        0,
        0,
    )
    assert result.scope == 1
    assert [(used.id, used.method) for used in result.emission_factors] == [
        ("desnz:1_100_1004_1_1", "fuel_scope_1")
    ]
    assert result.notices == (UK_NOTICE,)


@pytest.mark.parametrize(("quantity", "unit_id"), [(12_000, KILOWATT_HOUR), (12, MEGAWATT_HOUR)])
def test_natural_gas_in_energy_units(quantity, unit_id):
    result = heat(quantity, unit_id, NATURAL_GAS)

    assert result.co2e == approx(12_000 * NATURAL_GAS_KWH_2025)
    assert result.emission_factors[0].id == "desnz:1_100_1004_6_1"


def test_gas_oil_in_litres():
    result = heat(800, LITER, GAS_OIL)

    assert result.co2e == approx(800 * GAS_OIL_LITRE_2025)


def test_biomass_puts_biogenic_co2_outside_of_scopes():
    result = heat(3000, KILOGRAM, WOOD_PELLETS)

    assert result.co2e == approx(3 * PELLETS_TONNE_2025)
    assert result.co2e_biomass == approx(3 * PELLETS_BIOGENIC_TONNE_2025)
    assert [(used.id, used.method) for used in result.emission_factors] == [
        ("desnz:2_104_1045_15_1", "fuel_scope_1"),
        ("desnz:99_104_1045_15_2", "fuel_outside_of_scopes"),
    ]


def test_biomass_in_kilowatt_hours_of_2024():
    result = heat(10_000, KILOWATT_HOUR, WOOD_PELLETS, period=("2024-01-01", "2024-12-31"))

    assert result.co2e == approx(10_000 * PELLETS_KWH_2024)
    assert result.co2e_biomass == approx(10_000 * PELLETS_BIOGENIC_KWH_2024)
    assert result.emission_factors[0].dataset_version == "desnz-2024"


def test_factor_given_in_another_unit_type_only_is_converted_through_the_fuel():
    # DESNZ gives diesel's biogenic CO2 per litre and per tonne, not per kWh (Gross CV): the kWh are turned
    # into tonnes by the calorific value that DESNZ's own factors imply (per tonne / per kWh).
    result = heat(1000, KILOWATT_HOUR, DIESEL)

    tonnes = 1000 * DIESEL_KWH_2025 / DIESEL_TONNE_2025
    assert result.co2e == approx(1000 * DIESEL_KWH_2025)
    assert result.co2e_biomass == approx(tonnes * DIESEL_BIOGENIC_TONNE_2025)
    assert (
        "DESNZ gives the outside of scopes factor of Diesel (average biofuel blend) per tonne_(t), "
        "not per energy unit: converted with the fuel's calorific value and density"
    ) in result.notices


def test_period_across_two_years_is_prorated_by_days():
    # 2024-12-17..2024-12-31 is 15 days, 2025-01-01..2025-01-31 is 31: 46 in all.
    result = heat(4600, KILOWATT_HOUR, NATURAL_GAS, period=("2024-12-17", "2025-01-31"))

    assert result.co2e == approx(
        4600 * 15 / 46 * NATURAL_GAS_KWH_2024 + 4600 * 31 / 46 * NATURAL_GAS_KWH_2025
    )


def test_year_after_the_data_uses_the_latest_with_a_notice():
    result = heat(1000, KILOWATT_HOUR, NATURAL_GAS, period=("2026-01-01", "2026-01-31"))

    assert result.co2e == approx(1000 * NATURAL_GAS_KWH_2025)
    assert "no 2026 DESNZ factor for Natural gas; used 2025" in result.notices


def test_uk_facility_gets_no_notice_about_uk_factors():
    result = calculate(
        activity(
            InvoiceType.HEAT,
            1,
            KILOWATT_HOUR,
            ("2025-01-01", "2025-01-31"),
            "GB",
            facility_fuel_id=NATURAL_GAS,
        )
    )

    assert result.notices == ()


def test_custom_factor_overrides_converting_through_the_fuel():
    # 100 m³ of natural gas in kWh = 100 * (per m³ / per kWh), the ratio of DESNZ's own factors.
    result = heat(100, CUBIC_METER, NATURAL_GAS, custom_factor=custom_factor(0.2, KILOWATT_HOUR))

    assert result.co2e == approx(100 * NATURAL_GAS_M3_2025 / NATURAL_GAS_KWH_2025 * 0.2)
    assert [used.method for used in result.emission_factors] == ["custom_factor"]


def test_custom_factor_on_biomass_says_biogenic_co2_is_not_estimated():
    result = heat(2, TONNE, WOOD_PELLETS, custom_factor=custom_factor(0.05, KILOGRAM))

    assert result.co2e == approx(2000 * 0.05)
    assert result.co2e_biomass == 0
    assert result.notices == (
        "co2e_biomass is not estimated: the custom factor replaces DESNZ's for Wood pellets",
    )


def test_year_before_the_data_is_an_error():
    with pytest.raises(CalculationError) as raised:
        heat(1000, KILOWATT_HOUR, NATURAL_GAS, period=("2023-01-01", "2023-01-31"))
    assert raised.value.messages == ["no DESNZ factor for Natural gas for 2023 or any earlier year"]


def test_missing_fuel_is_an_error():
    with pytest.raises(CalculationError) as raised:
        heat(1000, KILOWATT_HOUR, None)
    assert raised.value.messages == ["heat invoices need a facility_fuel_id: the fuel burned"]


def test_unknown_fuel_is_an_error():
    with pytest.raises(CalculationError) as raised:
        heat(1000, KILOWATT_HOUR, UNKNOWN)
    assert raised.value.messages == [f"fuel {UNKNOWN} is not in the fuels catalogue"]


def test_volume_of_a_fuel_without_density_is_an_error():
    with pytest.raises(CalculationError) as raised:
        heat(10, CUBIC_METER, WOOD_PELLETS)
    assert raised.value.messages == [
        "Wood pellets is measured in energy or mass units, not cubic_meter_(m³) (volume)"
    ]


def test_custom_factor_the_fuel_cannot_convert_to_is_an_error():
    with pytest.raises(CalculationError) as raised:
        heat(5, TONNE, COAL, custom_factor=custom_factor(1.0, LITER))
    assert raised.value.messages == [
        "custom factor 'Our factor' is per liter_(l) (volume), and tonne_(t) (mass) cannot be converted to it"
    ]
