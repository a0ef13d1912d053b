"""Electricity and recharge, golden: every expected value is worked out here from the data files' numbers.

The literals below are copied from the shipped CSVs (``carbon_accounting/emissions/data``); each comment
names the row's id.
"""

import pytest

from carbon_accounting.emissions import CalculationError, InvoiceType, calculate
from tests.unit.emissions.builders import (
    CUBIC_METER,
    IBERDROLA,
    KILOWATT_HOUR,
    MEGAWATT_HOUR,
    SOM_ENERGIA,
    UNKNOWN,
    activity,
    custom_factor,
)

# electricity_upstream.csv: DESNZ 2025 UK generation and its well-to-tank
GENERATION_2025 = 0.177  # desnz:7_400_4000_5_1
WTT_GENERATION_2025 = 0.0459  # desnz:15_917_4000_5_1
COMBUSTION = GENERATION_2025 / (GENERATION_2025 + WTT_GENERATION_2025)

# grid_intensity.csv, kg CO2e/kWh
EMBER_ES_2023 = 0.16928  # ember:ES:2023
EMBER_ES_2024 = 0.14615  # ember:ES:2024
EMBER_GB_2023 = 0.22825  # ember:GB:2023
EMBER_AT_2023 = 0.11161  # ember:AT:2023
EMBER_TW_2023 = 0.64440  # ember:TW:2023

# td_losses.csv, % of output
LOSS_ES_2023 = 8.5571  # worldbank-td:ES:2023
LOSS_GB_2023 = 9.8725  # worldbank-td:GB:2023
LOSS_AT_2023 = 4.1687  # worldbank-td:AT:2023
LOSS_WORLD_2023 = 6.1324  # worldbank-td:WLD:2023

# residual_mix.csv, kg CO2/kWh
AIB_ES_2023 = 0.28245  # aib:ES:2023
AIB_ES_2024 = 0.29220  # aib:ES:2024

SPLIT_NOTICE = (
    "Ember grid intensities are lifecycle figures: 79.4% is counted as combustion (co2e_consumption) and "
    "20.6% as upstream (co2e_generation), the proportion of DESNZ's 2025 UK electricity generation factor "
    "(0.177) to its well-to-tank factor (0.0459)"
)


def td_ratio(loss_percent):
    """kWh lost per kWh delivered."""
    loss = loss_percent / 100
    return loss / (1 - loss)


def approx(value):
    return pytest.approx(value, rel=1e-6)


def test_single_year_with_the_residual_mix():
    result = calculate(activity(InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, ("2023-03-01", "2023-03-31")))

    lifecycle = 1000 * EMBER_ES_2023
    generation = lifecycle * (1 - COMBUSTION)
    losses = lifecycle * td_ratio(LOSS_ES_2023)
    assert result.co2e_consumption == approx(1000 * AIB_ES_2023)
    assert result.co2e_generation == approx(generation)
    assert result.co2e_transmission_and_distribution == approx(losses)
    assert result.co2e == approx(1000 * AIB_ES_2023 + generation + losses)
    assert result.co2e_location_based == approx(lifecycle * COMBUSTION + generation + losses)
    assert result.co2e_biomass == 0
    assert result.scope == 2
    assert [(used.id, used.method) for used in result.emission_factors] == [
        ("desnz:7_400_4000_5_1", "lifecycle_split"),
        ("desnz:15_917_4000_5_1", "lifecycle_split"),
        ("ember:ES:2023", "location_based"),
        ("worldbank-td:ES:2023", "transmission_and_distribution"),
        ("aib:ES:2023", "market_based_residual_mix"),
    ]
    assert result.notices == (SPLIT_NOTICE,)


def test_factor_used_carries_its_provenance():
    result = calculate(activity(InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, ("2023-03-01", "2023-03-31")))

    ember = next(used for used in result.emission_factors if used.id == "ember:ES:2023")
    assert (ember.source, ember.year, ember.region, ember.value, ember.unit, ember.dataset_version) == (
        "Ember, Yearly Electricity Data, via Our World in Data (CC BY 4.0)",
        2023,
        "ES",
        EMBER_ES_2023,
        "kg CO2e/kWh",
        "ember-owid-2025.1",
    )


def test_megawatt_hours_are_converted_to_kilowatt_hours():
    in_mwh = calculate(activity(InvoiceType.ELECTRICITY, 2.5, MEGAWATT_HOUR, ("2023-03-01", "2023-03-31")))

    assert in_mwh.co2e_consumption == approx(2500 * AIB_ES_2023)
    assert in_mwh.co2e_generation == approx(2500 * EMBER_ES_2023 * (1 - COMBUSTION))


def test_period_across_two_years_is_prorated_by_days():
    # 2023-12-17..2023-12-31 is 15 days, 2024-01-01..2024-01-31 is 31: 46 in all.
    result = calculate(activity(InvoiceType.ELECTRICITY, 4600, KILOWATT_HOUR, ("2023-12-17", "2024-01-31")))

    kwh_2023, kwh_2024 = 4600 * 15 / 46, 4600 * 31 / 46
    lifecycle_2023, lifecycle_2024 = kwh_2023 * EMBER_ES_2023, kwh_2024 * EMBER_ES_2024
    # The World Bank has no 2024 losses: both years use worldbank-td:ES:2023.
    assert result.co2e_consumption == approx(kwh_2023 * AIB_ES_2023 + kwh_2024 * AIB_ES_2024)
    assert result.co2e_generation == approx((lifecycle_2023 + lifecycle_2024) * (1 - COMBUSTION))
    assert result.co2e_transmission_and_distribution == approx(
        (lifecycle_2023 + lifecycle_2024) * td_ratio(LOSS_ES_2023)
    )
    assert result.co2e_location_based == approx(
        (lifecycle_2023 + lifecycle_2024) * (1 + td_ratio(LOSS_ES_2023))
    )
    assert {"ember:ES:2023", "ember:ES:2024", "aib:ES:2023", "aib:ES:2024"} <= {
        used.id for used in result.emission_factors
    }
    assert "no 2024 T&D loss share for ES; used 2023" in result.notices


def test_year_without_a_grid_factor_uses_the_latest_earlier_one_with_a_notice():
    result = calculate(activity(InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, ("2025-02-01", "2025-02-28")))

    assert result.co2e_location_based == approx(1000 * EMBER_ES_2024 * (1 + td_ratio(LOSS_ES_2023)))
    assert "no 2025 grid factor for ES; used 2024" in result.notices
    assert "no 2025 T&D loss share for ES; used 2023" in result.notices


def test_certified_renewable_supplier_gives_zero_market_based_consumption():
    result = calculate(
        activity(
            InvoiceType.ELECTRICITY,
            1000,
            KILOWATT_HOUR,
            ("2023-03-01", "2023-03-31"),
            supplier_id=SOM_ENERGIA,
        )
    )

    lifecycle = 1000 * EMBER_ES_2023
    upstream_and_losses = lifecycle * (1 - COMBUSTION) + lifecycle * td_ratio(LOSS_ES_2023)
    assert result.co2e_consumption == 0
    assert result.co2e == approx(upstream_and_losses)
    assert result.co2e_location_based == approx(lifecycle * COMBUSTION + upstream_and_losses)
    renewable = result.emission_factors[-1]
    assert (renewable.id, renewable.value, renewable.method) == (
        f"supplier:{SOM_ENERGIA}",
        0.0,
        "market_based_certified_renewable",
    )
    assert "Som Energia sells only certified renewable electricity: market-based consumption is 0" in (
        result.notices
    )


def test_other_supplier_gets_the_residual_mix():
    result = calculate(
        activity(
            InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, ("2023-03-01", "2023-03-31"), supplier_id=IBERDROLA
        )
    )

    assert result.co2e_consumption == approx(1000 * AIB_ES_2023)


def test_country_without_residual_mix_uses_the_grid_factor_with_a_notice():
    result = calculate(
        activity(InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, ("2023-03-01", "2023-03-31"), country="GB")
    )

    lifecycle = 1000 * EMBER_GB_2023
    assert result.co2e_consumption == approx(lifecycle * COMBUSTION)
    assert result.co2e == approx(lifecycle * (1 + td_ratio(LOSS_GB_2023)))
    assert result.co2e == approx(result.co2e_location_based)
    assert (
        "no residual mix for GB in 2023 (AIB's residual mixes cover the EU-27 from 2023): "
        "market-based consumption uses the grid factor"
    ) in result.notices
    assert ("ember:GB:2023", "market_based_grid_fallback") in {
        (used.id, used.method) for used in result.emission_factors
    }


def test_full_disclosure_country_is_not_given_a_zero_residual_mix():
    result = calculate(
        activity(InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, ("2023-03-01", "2023-03-31"), country="AT")
    )

    assert result.co2e_consumption == approx(1000 * EMBER_AT_2023 * COMBUSTION)
    assert result.co2e == approx(1000 * EMBER_AT_2023 * (1 + td_ratio(LOSS_AT_2023)))
    assert (
        "AIB publishes no 2023 residual mix for AT (full disclosure): "
        "market-based consumption uses the grid factor"
    ) in result.notices


def test_country_without_world_bank_losses_uses_the_world_average():
    result = calculate(
        activity(InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, ("2023-03-01", "2023-03-31"), country="TW")
    )

    assert result.co2e_transmission_and_distribution == approx(
        1000 * EMBER_TW_2023 * td_ratio(LOSS_WORLD_2023)
    )
    assert "no T&D loss share for TW: used the World average" in result.notices


def test_custom_factor_overrides_market_based_consumption_less_its_renewable_share():
    # 250 kg CO2e/MWh, 40% renewable; the certified supplier does not apply over a custom factor.
    factor = custom_factor(250, MEGAWATT_HOUR, renewable_percentage=40)
    result = calculate(
        activity(
            InvoiceType.ELECTRICITY,
            1000,
            KILOWATT_HOUR,
            ("2023-03-01", "2023-03-31"),
            supplier_id=SOM_ENERGIA,
            custom_factor=factor,
        )
    )

    lifecycle = 1000 * EMBER_ES_2023
    assert result.co2e_consumption == approx(1.0 * 250 * (1 - 0.40))
    assert result.co2e_location_based == approx(lifecycle * (1 + td_ratio(LOSS_ES_2023)))
    custom = result.emission_factors[-1]
    assert (custom.id, custom.value, custom.unit, custom.method) == (
        f"custom:{factor.id}",
        250,
        "kg CO2e/megawatt_hour_(mwh)",
        "custom_factor",
    )
    assert "custom factor 'Our factor' is 40% renewable: consumption reduced accordingly" in result.notices


def test_recharge_is_the_location_based_grid_figure():
    result = calculate(activity(InvoiceType.RECHARGE, 500, KILOWATT_HOUR, ("2023-03-01", "2023-03-31")))

    lifecycle = 500 * EMBER_ES_2023
    assert result.co2e_consumption == approx(lifecycle * COMBUSTION)
    assert result.co2e_generation == approx(lifecycle * (1 - COMBUSTION))
    assert result.co2e == approx(lifecycle * (1 + td_ratio(LOSS_ES_2023)))
    assert result.co2e_location_based == approx(result.co2e)
    assert result.scope == 2


def test_recharge_custom_factor_replaces_consumption():
    result = calculate(
        activity(
            InvoiceType.RECHARGE,
            500,
            KILOWATT_HOUR,
            ("2023-03-01", "2023-03-31"),
            custom_factor=custom_factor(0.1, KILOWATT_HOUR),
        )
    )

    assert result.co2e_consumption == approx(500 * 0.1)
    assert result.co2e_location_based == approx(500 * EMBER_ES_2023 * (1 + td_ratio(LOSS_ES_2023)))


def test_no_grid_factor_for_the_year_or_earlier_is_an_error_naming_country_and_year():
    with pytest.raises(CalculationError) as raised:
        calculate(activity(InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, ("2014-03-01", "2014-03-31")))
    assert raised.value.messages == ["no grid factor for ES for 2014 or any earlier year"]


def test_unknown_country_is_an_error():
    with pytest.raises(CalculationError) as raised:
        calculate(
            activity(InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, ("2023-03-01", "2023-03-31"), country="AQ")
        )
    assert raised.value.messages == ["no grid factor for AQ for 2023 or any earlier year"]


def test_unit_of_another_type_is_an_error():
    with pytest.raises(CalculationError) as raised:
        calculate(activity(InvoiceType.ELECTRICITY, 1000, CUBIC_METER, ("2023-03-01", "2023-03-31")))
    assert raised.value.messages == [
        "electricity invoices are measured in energy units, not cubic_meter_(m³) (volume)"
    ]


def test_unknown_supplier_is_an_error():
    with pytest.raises(CalculationError) as raised:
        calculate(
            activity(
                InvoiceType.ELECTRICITY,
                1000,
                KILOWATT_HOUR,
                ("2023-03-01", "2023-03-31"),
                supplier_id=UNKNOWN,
            )
        )
    assert raised.value.messages == [f"supplier {UNKNOWN} is not in the suppliers catalogue"]


def test_custom_factor_in_another_unit_type_is_an_error_naming_both_units():
    with pytest.raises(CalculationError) as raised:
        calculate(
            activity(
                InvoiceType.ELECTRICITY,
                1000,
                KILOWATT_HOUR,
                ("2023-03-01", "2023-03-31"),
                custom_factor=custom_factor(0.3, CUBIC_METER),
            )
        )
    assert raised.value.messages == [
        "custom factor 'Our factor' is per cubic_meter_(m³) (volume), "
        "and kilowatt_hour_(kwh) (energy) cannot be converted to it"
    ]
