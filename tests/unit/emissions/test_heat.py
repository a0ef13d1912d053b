"""Heat, golden: every expected value is worked out here from the data files' numbers.

The literals below are copied from the shipped ``fuel_factors.csv`` and ``heat_factors.csv``; each comment
names the row's id. ``co2e_consumption`` is Scope 1 (a fuel burned) or 2 (heat bought); ``co2e_generation``
is the upstream (well-to-tank, Scope 3.3) that every type's ``co2e`` includes.
"""

from uuid import UUID

import pytest

from carbon_accounting.emissions import CalculationError, InvoiceType, calculate
from tests.unit.emissions.builders import (
    COAL,
    CUBIC_METER,
    DIESEL,
    FUEL_OIL,
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
NATURAL_GAS_KWH_2019 = 0.18385  # desnz:2019:natural-gas:kwh-gross-cv:scope-1
NATURAL_GAS_KWH_2026 = 0.18231  # desnz:2026:natural-gas:kwh-gross-cv:scope-1 (partial 2026 set)
GAS_OIL_LITRE_2025 = 2.75541  # desnz:1_101_1014_8_1
DIESEL_KWH_2025 = 0.24411  # desnz:1_101_1011_6_1
DIESEL_TONNE_2025 = 3087.94462  # desnz:1_101_1011_15_1
DIESEL_BIOGENIC_TONNE_2025 = 163.17  # desnz:99_604_1011_15_2
PELLETS_TONNE_2025 = 55.19389  # desnz:2_104_1045_15_1
PELLETS_BIOGENIC_TONNE_2025 = 1677.18  # desnz:99_104_1045_15_2
PELLETS_KWH_2024 = 0.01132  # desnz:2024:wood-pellets:kwh:scope-1
PELLETS_BIOGENIC_KWH_2024 = 0.35  # desnz:2024:wood-pellets:kwh:outside-of-scopes
WTT_NATURAL_GAS_M3_2025 = 0.3366  # desnz:11_100_1004_1_1
WTT_NATURAL_GAS_KWH = 0.03021  # desnz:11_100_1004_6_1, 2024 and 2025 alike
WTT_PELLETS_TONNE_2025 = 177  # desnz:12_901_1045_15_1
DISTRICT_HEAT_2024 = 0.17965  # desnz:2024:10_401_4003_5_1
WTT_DISTRICT_HEAT_2024 = 0.03341  # desnz:2024:16_919_4003_5_1
DISTRIBUTION_LOSS_2024 = 0.00946  # desnz:2024:district-heat-distribution-loss
WTT_DISTRIBUTION_LOSS_2024 = 0.00176  # desnz:2024:16_920_4004_5_1
DISTRICT_HEATING = UUID("caf9049a-70ce-58ef-a205-975cd672d498")
PURCHASED_STEAM = UUID("b9c8c46c-26eb-52a2-b7f7-a28dd6928eab")
DISTRICT_COOLING = UUID("6b8b0d6b-b815-5136-ab9a-6bd61ada512c")

UK_NOTICE = "DESNZ factors are the UK's, applied to a facility in ES: no national set"


def approx(value):
    return pytest.approx(value, rel=1e-6)


def heat(quantity, unit_id, fuel_id, period=("2025-01-01", "2025-03-31"), **references):
    return calculate(
        activity(InvoiceType.HEAT, quantity, unit_id, period, facility_fuel_id=fuel_id, **references)
    )


def test_natural_gas_in_cubic_meters():
    result = heat(1000, CUBIC_METER, NATURAL_GAS)

    assert result.co2e_consumption == approx(1000 * NATURAL_GAS_M3_2025)
    assert result.co2e_generation == approx(1000 * WTT_NATURAL_GAS_M3_2025)
    assert (
        result.co2e
        == result.co2e_location_based
        == approx(1000 * (NATURAL_GAS_M3_2025 + WTT_NATURAL_GAS_M3_2025))
    )
    assert (result.co2e_transmission_and_distribution, result.co2e_biomass) == (0, 0)
    assert result.scope == 1
    assert [(each.scope, each.category) for each in result.by_scope] == [(1, None), (3, 3)]
    assert [(used.id, used.method) for used in result.emission_factors] == [
        ("desnz:1_100_1004_1_1", "combustion"),
        ("desnz:11_100_1004_1_1", "upstream"),
    ]
    assert result.notices == (UK_NOTICE,)


@pytest.mark.parametrize(("quantity", "unit_id"), [(12_000, KILOWATT_HOUR), (12, MEGAWATT_HOUR)])
def test_natural_gas_in_energy_units(quantity, unit_id):
    result = heat(quantity, unit_id, NATURAL_GAS)

    assert result.co2e_consumption == approx(12_000 * NATURAL_GAS_KWH_2025)
    assert result.emission_factors[0].id == "desnz:1_100_1004_6_1"


def test_gas_oil_in_litres():
    result = heat(800, LITER, GAS_OIL)

    assert result.co2e_consumption == approx(800 * GAS_OIL_LITRE_2025)


def test_biomass_puts_biogenic_co2_outside_of_scopes():
    result = heat(3000, KILOGRAM, WOOD_PELLETS)

    assert result.co2e_consumption == approx(3 * PELLETS_TONNE_2025)
    assert result.co2e_biomass == approx(3 * PELLETS_BIOGENIC_TONNE_2025)
    assert result.co2e_generation == approx(3 * WTT_PELLETS_TONNE_2025)
    assert [(used.id, used.method) for used in result.emission_factors] == [
        ("desnz:2_104_1045_15_1", "combustion"),
        ("desnz:99_104_1045_15_2", "biogenic"),
        ("desnz:12_901_1045_15_1", "upstream"),
    ]


def test_biomass_in_kilowatt_hours_of_2024():
    result = heat(10_000, KILOWATT_HOUR, WOOD_PELLETS, period=("2024-01-01", "2024-12-31"))

    assert result.co2e_consumption == approx(10_000 * PELLETS_KWH_2024)
    assert result.co2e_biomass == approx(10_000 * PELLETS_BIOGENIC_KWH_2024)
    assert result.emission_factors[0].dataset_version == "desnz-2024"


def test_factor_given_in_another_unit_type_only_is_converted_through_the_fuel():
    # DESNZ gives diesel's biogenic CO2 per litre and per tonne, not per kWh (Gross CV): the kWh are turned
    # into tonnes by the calorific value that DESNZ's own factors imply (per tonne / per kWh).
    result = heat(1000, KILOWATT_HOUR, DIESEL)

    tonnes = 1000 * DIESEL_KWH_2025 / DIESEL_TONNE_2025
    assert result.co2e_consumption == approx(1000 * DIESEL_KWH_2025)
    assert result.co2e_biomass == approx(tonnes * DIESEL_BIOGENIC_TONNE_2025)
    assert (
        "DESNZ gives the biogenic factor of Diesel (average biofuel blend) per tonne_(t), "
        "not per energy unit: converted with the fuel's calorific value and density"
    ) in result.notices


def test_period_across_two_years_is_prorated_by_days():
    # 2024-12-17..2024-12-31 is 15 days, 2025-01-01..2025-01-31 is 31: 46 in all.
    result = heat(4600, KILOWATT_HOUR, NATURAL_GAS, period=("2024-12-17", "2025-01-31"))

    assert result.co2e_consumption == approx(
        4600 * 15 / 46 * NATURAL_GAS_KWH_2024 + 4600 * 31 / 46 * NATURAL_GAS_KWH_2025
    )


def test_year_after_the_data_uses_the_latest_with_a_notice():
    result = heat(1000, KILOWATT_HOUR, NATURAL_GAS, period=("2028-01-01", "2028-01-31"))

    assert result.co2e_consumption == approx(1000 * NATURAL_GAS_KWH_2026)
    assert "no 2028 DESNZ factor for Natural gas; used 2026" in result.notices


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

    assert result.co2e_consumption == approx(100 * NATURAL_GAS_M3_2025 / NATURAL_GAS_KWH_2025 * 0.2)
    assert [used.method for used in result.emission_factors] == ["custom_factor", "upstream"]
    assert result.co2e_generation == approx(100 * WTT_NATURAL_GAS_M3_2025)  # the fuel's WTT still applies


def test_custom_factor_on_biomass_says_biogenic_co2_is_not_estimated():
    result = heat(2, TONNE, WOOD_PELLETS, custom_factor=custom_factor(0.05, KILOGRAM))

    assert result.co2e_consumption == approx(2000 * 0.05)
    assert result.co2e_biomass == 0
    assert result.notices == (
        UK_NOTICE,  # the fuel's well-to-tank is DESNZ's
        "co2e_biomass is not estimated: the custom factor replaces the published one for Wood pellets",
    )


def test_year_before_the_data_uses_the_first_with_a_notice():
    result = heat(1000, KILOWATT_HOUR, NATURAL_GAS, period=("2018-01-01", "2018-01-31"))

    assert result.co2e_consumption == approx(1000 * NATURAL_GAS_KWH_2019)
    assert "no 2018 DESNZ factor for Natural gas; used 2019" in result.notices


@pytest.mark.parametrize(
    ("year", "scope_1"),
    # DESNZ's natural gas, kg CO2e per kWh (gross CV), of each year's set (rows desnz:<year>:...).
    [(2019, 0.18385), (2021, 0.18316), (2023, 0.182928926174497), (2026, 0.18231)],
)
def test_each_year_of_natural_gas_is_computed_with_its_own_set(year, scope_1):
    result = heat(1000, KILOWATT_HOUR, NATURAL_GAS, period=(f"{year}-03-01", f"{year}-03-31"))

    assert result.co2e_consumption == approx(1000 * scope_1)
    assert {used.year for used in result.emission_factors} == {year}
    assert not [notice for notice in result.notices if "used" in notice]


def test_a_year_a_fuel_has_no_well_to_tank_factor_for_takes_the_nearest_with_a_notice():
    # DESNZ published no WTT factor for fuel oil before the 2022 set.
    result = heat(1000, LITER, FUEL_OIL, period=("2020-01-01", "2020-01-31"))

    assert {(used.method, used.year) for used in result.emission_factors} == {
        ("combustion", 2020),
        ("upstream", 2022),
    }
    assert "no 2020 DESNZ factor for Fuel oil (heavy fuel oil); used 2022" in result.notices


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


def test_district_heating_is_scope_2_with_its_wtt_and_network_losses_in_scope_3():
    result = heat(10_000, KILOWATT_HOUR, DISTRICT_HEATING, period=("2024-01-01", "2024-12-31"))

    assert result.scope == 2
    # DESNZ 2024 district heat and steam: 0.17965 kg CO2e/kWh, published
    assert result.co2e_consumption == pytest.approx(1_796.5, rel=1e-3)
    assert [(each.scope, each.category) for each in result.by_scope] == [(2, None), (3, 3)]
    assert result.co2e_generation == approx(10_000 * (WTT_DISTRICT_HEAT_2024 + WTT_DISTRIBUTION_LOSS_2024))
    assert result.co2e_transmission_and_distribution == approx(10_000 * DISTRIBUTION_LOSS_2024)
    assert result.co2e == result.co2e_location_based


def test_a_heat_suppliers_own_factor_is_market_based_scope_2():
    factor = custom_factor(0.05, KILOWATT_HOUR)
    result = heat(
        1_000, KILOWATT_HOUR, DISTRICT_HEATING, period=("2024-01-01", "2024-12-31"), custom_factor=factor
    )

    (scope_2, _) = result.by_scope
    assert (scope_2.co2e, scope_2.co2e_location_based) == (approx(50.0), approx(1_000 * DISTRICT_HEAT_2024))


def test_purchased_steam_has_no_network_losses():
    result = heat(1_000, KILOWATT_HOUR, PURCHASED_STEAM, period=("2024-01-01", "2024-12-31"))

    assert result.scope == 2
    assert result.co2e_transmission_and_distribution == 0
    assert result.co2e_consumption == approx(1_000 * 0.17965)  # desnz:2024:10_401_4002_5_1, onsite


def test_district_cooling_needs_the_suppliers_factor():
    with pytest.raises(CalculationError, match="District cooling has no published default factor"):
        heat(1_000, KILOWATT_HOUR, DISTRICT_COOLING)
    result = heat(1_000, KILOWATT_HOUR, DISTRICT_COOLING, custom_factor=custom_factor(0.02, KILOWATT_HOUR))
    assert (result.scope, result.co2e) == (2, approx(20.0))


def test_purchased_energy_is_measured_in_energy_only():
    with pytest.raises(CalculationError, match="measured in energy units, not cubic_meter"):
        heat(10, CUBIC_METER, DISTRICT_HEATING)


PURCHASED_STEAM = UUID("b9c8c46c-26eb-52a2-b7f7-a28dd6928eab")
DISTRICT_HEATING = UUID("caf9049a-70ce-58ef-a205-975cd672d498")
MMBTU_IN_KWH = 1055.05585262e6 / 3.6e6  # the IT British thermal unit, by definition


@pytest.mark.parametrize("fuel", [PURCHASED_STEAM, DISTRICT_HEATING])
def test_steam_and_heat_bought_in_the_us_is_epa_table_7_without_uk_upstream(fuel):
    result = heat(1000, KILOWATT_HOUR, fuel, country="US")

    # EPA Hub 2025, Table 7: 66.33 kg CO2, 1.25 g CH4 and 0.125 g N2O per mmBtu; AR5 GWPs 28 and 265.
    per_kwh = (66.33 + 28 * 1.25e-3 + 265 * 0.125e-3) / MMBTU_IN_KWH
    assert result.scope == 2
    assert result.co2e == approx(1000 * per_kwh)
    assert [(used.id, used.method) for used in result.emission_factors] == [
        ("epa-hub:2025:table-7:steam-and-heat", "location_based")
    ]
    assert not any("DESNZ" in notice for notice in result.notices)


def test_district_heat_2023_in_gb_is_desnz_2023_with_its_losses():
    result = heat(1000, KILOWATT_HOUR, DISTRICT_HEATING, period=("2023-02-01", "2023-02-28"), country="GB")

    assert result.co2e_consumption == approx(1000 * 0.17964657181208055)  # desnz:2023:district-heat-and-steam
    # WTT 0.03341, distribution loss 0.00945387785234899, its WTT 0.00175842105263158 (2023 flat file).
    assert result.co2e - result.co2e_consumption == approx(
        1000 * (0.03341 + 0.00945387785234899 + 0.00175842105263158)
    )
    assert {used.year for used in result.emission_factors} == {2023}


def test_natural_gas_burned_in_the_us_is_epa_table_1_in_scope_1_and_desnz_upstream():
    result = heat(1000, KILOWATT_HOUR, NATURAL_GAS, country="US")

    # EPA Hub 2025, Table 1, natural gas per mmBtu (HHV, i.e. gross CV): 53.06 kg CO2, 1 g CH4, 0.1 g N2O.
    per_kwh = (53.06 + 28 * 1e-3 + 265 * 0.1e-3) / MMBTU_IN_KWH
    assert result.co2e_consumption == approx(1000 * per_kwh)
    assert result.co2e_generation == approx(1000 * 0.03021)  # DESNZ 2025 WTT natural gas, gross CV
    assert [used.dataset_version for used in result.emission_factors] == ["epa-hub-2025", "desnz-2025-r2"]
    assert not any("applied to a facility in US" in notice for notice in result.notices)


def test_wood_burned_in_the_us_puts_epas_biogenic_co2_outside_of_scopes():
    result = heat(1, TONNE, WOOD_PELLETS, country="US")

    short_tons = 1000 / 907.18474
    # EPA Hub 2025, wood and wood residuals per short ton: 1,640 kg CO2 (biogenic), 126 g CH4, 63 g N2O.
    assert result.co2e_biomass == approx(1640 * short_tons)
    assert result.co2e_consumption == approx((28 * 0.126 + 265 * 0.063) * short_tons)


@pytest.mark.parametrize("country", ["ES", "DE", "JP"])
def test_a_fuel_burned_where_no_national_set_is_held_is_desnz_with_a_notice(country):
    result = heat(1000, KILOWATT_HOUR, NATURAL_GAS, country=country)

    assert result.co2e_consumption == approx(1000 * NATURAL_GAS_KWH_2025)
    assert (
        f"DESNZ factors are the UK's, applied to a facility in {country}: no national set" in result.notices
    )


def test_natural_gas_in_kwh_of_net_cv_is_converted_to_gross_and_gives_desnzs_net_factor():
    gross = heat(1000, KILOWATT_HOUR, NATURAL_GAS, country="GB", calorific_basis="gross")
    net = heat(1000, KILOWATT_HOUR, NATURAL_GAS, country="GB", calorific_basis="net")

    assert gross.co2e_consumption == approx(1000 * NATURAL_GAS_KWH_2025)  # as without a basis
    # DESNZ 2025 publishes 0.2027 kg CO2e per kWh of net CV: the ratio of its two factors, applied.
    assert net.co2e_consumption == approx(1000 * 0.2027)
    assert net.co2e_generation == approx(1000 * 0.03021 * 0.2027 / 0.18296)
    assert any("on a net CV basis is converted to gross CV" in notice for notice in net.notices)


def test_bioenergy_on_a_gross_basis_is_an_error_saying_what_to_give():
    with pytest.raises(CalculationError, match="no published ratio of gross to net calorific value"):
        heat(1000, KILOWATT_HOUR, WOOD_PELLETS, calorific_basis="gross")


def test_an_unknown_calorific_basis_is_an_error():
    with pytest.raises(CalculationError, match="calorific_basis must be gross or net"):
        heat(1000, KILOWATT_HOUR, NATURAL_GAS, calorific_basis="higher")
