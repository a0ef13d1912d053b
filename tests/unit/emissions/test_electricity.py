"""Electricity and recharge, golden: every expected value is a publisher's number, copied here.

The published values (issue 13's table) are checked to 0.1%; the others, worked out from the shipped
CSVs' rows (each comment names the row's id), to 1e-9.
"""

import math
from uuid import UUID

import pytest

from carbon_accounting.emissions import CalculationError, InvoiceType, calculate
from carbon_accounting.emissions.electricity import MAX_LOSS_SHARE
from tests.unit.emissions.builders import (
    IBERDROLA,
    KILOWATT_HOUR,
    MEGAWATT_HOUR,
    SOM_ENERGIA,
    UNKNOWN,
    activity,
    custom_factor,
)

GREEN_PLANET_ENERGY = UUID("f6aa0e28-67d5-56af-b68c-55848ed3161c")  # certified renewable, Germany
POUND = 0.45359237  # kg, exact


def published(value):
    return pytest.approx(value, rel=1e-3)


def exact(value):
    return pytest.approx(value, rel=1e-9)


def part(result, scope, category=None):
    (found,) = [each for each in result.by_scope if (each.scope, each.category) == (scope, category)]
    return found


def electricity(quantity, period, country, **references):
    return calculate(
        activity(InvoiceType.ELECTRICITY, quantity, KILOWATT_HOUR, period, country, **references)
    )


def methods(result):
    return [(used.id, used.method, used.basis) for used in result.emission_factors]


def test_gb_2024_is_desnz_generation_in_scope_2_and_its_td_and_wtt_in_scope_3():
    result = electricity(10_000, ("2024-01-01", "2024-12-31"), "GB")

    # DESNZ 2024: UK electricity generated 0.20705, T&D 0.01830, WTT generation 0.0459, WTT T&D 0.00397
    assert part(result, 2).co2e_location_based == published(2_070.5)
    assert result.co2e_transmission_and_distribution == published(183.0)
    assert result.co2e_generation == published(10_000 * (0.0459 + 0.00397))
    assert part(result, 3, 3).co2e == published(183.0 + 459.0 + 39.7)
    # market-based: AIB 2024 residual mix of GB, 420.757 g CO2/kWh
    assert part(result, 2).co2e == published(4_207.6)
    assert ("desnz:2024:uk-electricity-generated", "location_based", "generation") in methods(result)
    assert ("aib:GB:2024", "market_based", "residual_mix") in methods(result)
    assert result.notices == ()


@pytest.mark.parametrize(
    ("country", "quantity", "scope_2"),
    [("FR", 100_000, 4_700.0), ("DE", 10_000, 3_160.0)],  # EEA 2023 (2025 edition): 47 and 316 g/kWh
)
def test_eu_location_based_is_the_eea_intensity_of_generation(country, quantity, scope_2):
    result = electricity(quantity, ("2023-01-01", "2023-12-31"), country)

    assert part(result, 2).co2e_location_based == published(scope_2)
    assert (f"eea:{country}:2023", "location_based", "generation") in methods(result)
    assert result.co2e_generation == 0  # no official well-to-tank factor outside GB: not estimated
    assert any("upstream part (co2e_generation) is not estimated" in notice for notice in result.notices)


def test_a_us_zip_code_chooses_its_egrid_subregion_and_its_grid_gross_loss():
    result = electricity(1_000, ("2023-01-01", "2023-12-31"), "US", postal_code="94105")

    # eGRID2023rev2 CAMX: 429.983 lb CO2e/MWh, grid gross loss 4.1%
    rate = 429.983 * POUND / 1000
    assert part(result, 2).co2e_location_based == published(1_000 * rate)
    assert result.co2e_transmission_and_distribution == exact(1_000 * rate * 0.041 / (1 - 0.041))
    # no residual mix in the US: market-based is the location-based rate, said so
    assert part(result, 2).co2e == part(result, 2).co2e_location_based
    assert ("egrid:CAMX:2023:egrid-2023rev2", "market_based", "location_based") in methods(result)
    assert (
        "no residual mix for US in 2023: market-based Scope 2 uses the location-based rate" in result.notices
    )


def test_a_us_facility_without_a_zip_code_uses_the_national_egrid_rate():
    result = electricity(1_000, ("2023-01-01", "2023-12-31"), "US")

    assert part(result, 2).co2e_location_based == published(770.884 * POUND)  # US total, eGRID2023rev2
    assert any("national rate" in notice for notice in result.notices)


def test_an_australian_state_uses_its_nga_factor():
    result = electricity(10_000, ("2024-01-01", "2024-12-31"), "AU", subdivision="AU-NSW")

    assert part(result, 2).co2e_location_based == exact(6_600.0)  # nga:AU-NSW:2024, 0.66 kg/kWh
    national = electricity(10_000, ("2024-01-01", "2024-12-31"), "AU")
    assert part(national, 2).co2e_location_based == exact(6_300.0)  # nga:AU:2024


def test_other_aib_countries_use_the_production_mix_and_say_it_is_co2_only():
    result = electricity(1_000, ("2024-01-01", "2024-12-31"), "NO")

    assert part(result, 2).co2e_location_based == exact(1_000 * 0.0067371435766280146)
    assert any("CO2 only" in notice for notice in result.notices)
    assert part(result, 2).co2e == exact(1_000 * 0.5348396544293153)  # aib:NO:2024, AIB 2024 v1.0


def test_elsewhere_ember_lifecycle_is_used_whole_and_labelled_lifecycle():
    result = electricity(1_000, ("2023-01-01", "2023-12-31"), "TW")

    assert part(result, 2).co2e_location_based == exact(644.40)  # ember:TW:2023
    assert ("ember:TW:2023", "location_based", "lifecycle") in methods(result)
    assert result.co2e_generation == 0
    assert any("upstream share is not separable" in notice for notice in result.notices)


def test_td_losses_are_capped_where_the_world_bank_series_includes_theft():
    result = electricity(1_000, ("2017-01-01", "2017-12-31"), "BJ")  # World Bank: 89.7% lost in 2017

    scope_2 = part(result, 2).co2e_location_based
    assert scope_2 == exact(625.0)  # ember:BJ:2017
    assert result.co2e_transmission_and_distribution == exact(scope_2 * MAX_LOSS_SHARE / (1 - MAX_LOSS_SHARE))
    assert any("capped at 20%" in notice for notice in result.notices)


def test_td_losses_elsewhere_are_the_world_bank_share_at_the_location_based_rate():
    result = electricity(10_000, ("2023-01-01", "2023-12-31"), "DE")

    loss = 5.0352 / 100  # worldbank-td:DE:2023
    assert result.co2e_transmission_and_distribution == exact(3_160.0 * loss / (1 - loss))


def test_ev_recharge_is_reported_both_ways_like_electricity():
    result = calculate(activity(InvoiceType.RECHARGE, 500, KILOWATT_HOUR, ("2024-01-01", "2024-12-31"), "ES"))

    assert part(result, 2).co2e == published(146.1)  # AIB 2024 residual mix of ES, 292.2 g
    assert part(result, 2).co2e_location_based == exact(500 * 0.125)  # eea:ES:2024, 125 g/kWh
    assert result.scope == 2


def test_a_certified_renewable_supplier_in_its_own_market_is_zero_market_based():
    result = electricity(10_000, ("2023-01-01", "2023-12-31"), "DE", supplier_id=GREEN_PLANET_ENERGY)

    assert part(result, 2).co2e == 0
    assert part(result, 2).co2e_location_based == published(3_160.0)
    assert part(result, 3, 3).co2e > 0  # T&D stays, on both bases
    assert (f"supplier:{GREEN_PLANET_ENERGY}", "market_based", "certificate") in methods(result)


def test_guarantees_of_origin_count_across_the_eecs_market_but_not_outside_it():
    spain = electricity(1_000, ("2024-01-01", "2024-12-31"), "FR", supplier_id=SOM_ENERGIA)
    britain = electricity(10_000, ("2024-01-01", "2024-12-31"), "GB", supplier_id=GREEN_PLANET_ENERGY)

    assert part(spain, 2).co2e == 0
    assert part(britain, 2).co2e == published(4_207.6)  # GB residual mix: the claim is ignored
    assert any("not the facility's market (GB)" in notice for notice in britain.notices)


def test_certified_quantity_covers_part_and_the_rest_is_at_the_residual_mix():
    result = electricity(10_000, ("2024-01-01", "2024-12-31"), "ES", certified_quantity=2_500)

    assert part(result, 2).co2e == exact(7_500 * 0.29220)  # aib:ES:2024
    assert ("certified_quantity", "market_based", "certificate") in methods(result)
    assert "25.0% of the electricity is covered by certificates; the rest is market-based" in result.notices


def test_a_supplier_specific_rate_comes_before_the_residual_mix_and_its_renewables_are_certificates():
    factor = custom_factor(0.2, MEGAWATT_HOUR, renewable_percentage=40)
    result = electricity(10_000, ("2024-01-01", "2024-12-31"), "ES", custom_factor=factor)

    assert part(result, 2).co2e == exact(10 * 0.2 * 0.6)  # 10 MWh, 40% covered, the rest at 0.2 kg/MWh
    assert ("custom:c0ffee00-0000-4000-8000-000000000001", "market_based", "supplier") in methods(result)
    # the invoice's own certificates are the more specific claim
    both = electricity(
        10_000, ("2024-01-01", "2024-12-31"), "ES", custom_factor=factor, certified_quantity=5_000
    )
    assert part(both, 2).co2e == exact(10 * 0.2 * 0.5)


def test_full_disclosure_countries_use_the_total_supplier_mix_never_zero():
    result = electricity(1_000, ("2024-01-01", "2024-12-31"), "AT")

    assert part(result, 2).co2e == exact(1_000 * 0.09133325142360198)  # aib-supplier-mix:AT:2024
    assert any("total supplier mix" in notice for notice in result.notices)


def test_a_period_across_two_years_is_prorated_by_days_with_each_years_factors():
    result = electricity(366 + 365, ("2024-01-01", "2025-12-31"), "GB")

    # 366 kWh in 2024 at 0.20705, 365 in 2025 at 0.177 (desnz:7_400_4000_5_1)
    assert part(result, 2).co2e_location_based == exact(366 * 0.20705 + 365 * 0.177)
    assert result.co2e_transmission_and_distribution == exact(366 * 0.0183 + 365 * 0.01853)


def test_megawatt_hours_are_converted_to_kilowatt_hours():
    in_mwh = calculate(
        activity(InvoiceType.ELECTRICITY, 10, MEGAWATT_HOUR, ("2024-01-01", "2024-12-31"), "GB")
    )
    in_kwh = electricity(10_000, ("2024-01-01", "2024-12-31"), "GB")

    assert in_mwh.co2e == exact(in_kwh.co2e)


@pytest.mark.parametrize("country", ["GB", "ES", "US", "BJ", "TW", "AT", "NO"])
def test_the_parts_add_up_to_the_totals_exactly(country):
    result = electricity(1_234.5, ("2023-07-01", "2024-06-30"), country, supplier_id=IBERDROLA)

    assert math.fsum(each.co2e for each in result.by_scope) == result.co2e
    assert math.fsum(each.co2e_location_based for each in result.by_scope) == result.co2e_location_based
    assert [(each.scope, each.category) for each in result.by_scope] == [(2, None), (3, 3)]


def test_a_year_before_the_official_series_takes_its_nearest_edition_naming_both_years():
    result = electricity(100, ("2020-01-01", "2020-12-31"), "ES")

    assert ("eea:ES:2023", "location_based", "generation") in methods(result)
    assert ("aib:ES:2023", "market_based", "residual_mix") in methods(result)
    assert "no 2020 grid factor for ES; used 2023" in result.notices
    assert "no 2020 residual mix for ES; used 2023" in result.notices


def test_a_country_with_no_factor_at_all_is_an_error_naming_it():
    with pytest.raises(CalculationError, match="no lifecycle grid factor for XK for any year"):
        electricity(100, ("2024-01-01", "2024-12-31"), "XK")


def test_an_unknown_supplier_is_an_error():
    with pytest.raises(CalculationError, match="not in the suppliers catalogue"):
        electricity(100, ("2024-01-01", "2024-12-31"), "ES", supplier_id=UNKNOWN)


@pytest.mark.parametrize(
    ("year", "generation", "td", "wtt_generation", "wtt_td"),
    # DESNZ's UK electricity of each year's set: generation, T&D, WTT of both (kg CO2e per kWh).
    [
        (2019, 0.2556, 0.0217, 0.03565, 0.00303),
        (2022, 0.19338, 0.01769, 0.04625, 0.00423),
        (2026, 0.13096, 0.01299, 0.03682, 0.00359),
    ],
)
def test_gb_electricity_of_each_year_keeps_that_years_td_and_well_to_tank(
    year, generation, td, wtt_generation, wtt_td
):
    result = electricity(10_000, (f"{year}-06-01", f"{year}-06-30"), "GB")

    assert result.co2e_location_based == pytest.approx(10_000 * (generation + td + wtt_generation + wtt_td))
    assert result.co2e_generation == pytest.approx(10_000 * (wtt_generation + wtt_td))
    assert result.co2e_transmission_and_distribution == pytest.approx(10_000 * td)
    assert {used.year for used in result.emission_factors if used.dataset_version.startswith("desnz")} == {
        year
    }


def test_new_york_2019_is_egrid2019_nycw_in_co2e():
    result = electricity(10_000, ("2019-05-01", "2019-05-31"), "US", postal_code="10001")

    rate = next(used for used in result.emission_factors if used.method == "location_based")
    # eGRID2019 NYCW (EPA Hub 2021, Table 6): 553.8 lb CO2 + 25 x 0.021 lb CH4 + 298 x 0.002 lb N2O per MWh.
    assert (rate.id, rate.value) == ("egrid:NYCW:2019:egrid-2019", pytest.approx(554.921 * 0.45359237 / 1000))
    assert rate.value == pytest.approx(0.2517, rel=0.005)
    by_scope = {(part.scope, part.category): part for part in result.by_scope}
    assert by_scope[2, None].co2e_location_based == pytest.approx(10_000 * rate.value)
