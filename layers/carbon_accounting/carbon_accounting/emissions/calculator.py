"""The emissions engine: an invoice's activity in, its emissions and the factors behind them out.

Every kilogram is added to a part of a scope (``ledger.Part``); ``emissions_by_scope`` lists them and
adds up to the totals. The primary scope (``Emissions.scope``, the public API's) is electricity 2,
recharge 2, heat 1 (2 for purchased heat, steam or cooling), water 3, process 1. Electricity and
recharge are in ``electricity``; docs/methodology.md is the long form of every rule.

- heat, a fuel burned: Scope 1 = the quantity * the fuel's Scope 1 factor (CO2 + CH4 + N2O) in the
  invoice's unit type, from the official set of the facility's country where one is held (the US:
  EPA's Hub, Table 1), else DESNZ's; Scope 3.3 upstream = * its DESNZ well-to-tank factor (no other
  publisher's is held). The biogenic CO2 reported outside of scopes (biomass, biogas, the biofuel in
  road fuels) goes to ``co2e_biomass``. Where the set gives a factor in another unit type only, the
  quantity is converted through the fuel's calorific value and density, with a notice.
- heat, purchased (district heating, steam): Scope 2 = kWh * the heat and steam factor of the
  facility's country's official set (US: EPA's Emission Factors Hub, Table 7; elsewhere DESNZ's), on
  both bases unless a custom factor (the supplier's rate) gives the market-based one; with DESNZ's,
  Scope 3.3 = its well-to-tank (upstream), and for district heating the network's distribution losses
  (T&D) and their well-to-tank (upstream). EPA publishes neither, so none is estimated in the US.
  District cooling has no published factor: it needs a custom factor.
- water: m³ * DESNZ water supply (Scope 3 category 1) + m³ * water treatment (Scope 3 category 5).
- process: the quantity, converted to the custom factor's unit (same type), * the factor (Scope 1). The
  organization's factor carries no well-to-tank.

A custom factor on a burned fuel or water replaces the default Scope 1 (or water) factor (heat converts
through the fuel's properties when the factor's unit type differs); it says nothing of biogenic CO2, so
``co2e_biomass`` is then 0, with a notice for biogenic fuels, while the fuel's well-to-tank still
applies. DESNZ is a UK factor set, applied to every country with no official set of its own, with a
notice. For every type: the period is prorated by days across calendar years, each year with its own
factors, and a year without a factor takes the nearest year's, with a notice (``factors``); a custom
factor must be valid for the whole period; every factor used is recorded on the result.
"""

from __future__ import annotations

from carbon_accounting.emissions import factors
from carbon_accounting.emissions.catalogues import units
from carbon_accounting.emissions.catalogues.fuels import CalorificBasis, Fuel
from carbon_accounting.emissions.catalogues.units import CUBIC_METER, KILOWATT_HOUR, UnitType
from carbon_accounting.emissions.checks import CheckedActivity, check
from carbon_accounting.emissions.electricity import electricity, recharge
from carbon_accounting.emissions.factors import Factor, Series, YearShare
from carbon_accounting.emissions.ledger import Ledger, Part
from carbon_accounting.emissions.model import Activity, CalculationError, Emissions, InvoiceType

_SCOPES = {
    InvoiceType.ELECTRICITY: 2,
    InvoiceType.RECHARGE: 2,
    InvoiceType.HEAT: 1,
    InvoiceType.WATER: 3,
    InvoiceType.PROCESS: 1,
}
# Where DESNZ lacks a fuel's factor in the invoice's unit type: mass converts to either other in one step.
_CONVERSION_PREFERENCE = (UnitType.MASS, UnitType.ENERGY, UnitType.VOLUME)


def calculate(activity: Activity) -> Emissions:
    """The emissions of one invoice; ``CalculationError`` listing what the user must fix."""
    invoice = check(activity)
    ledger = Ledger()
    _CALCULATORS[activity.type](invoice, ledger)
    scope = _SCOPES[activity.type]
    if invoice.fuel is not None and invoice.fuel.purchased:
        scope = 2
    return ledger.emissions(scope, activity.start_date, activity.end_date)


def _heat(invoice: CheckedActivity, ledger: Ledger) -> None:
    fuel = invoice.fuel
    assert fuel is not None  # checked: heat needs a fuel
    if fuel.purchased:
        _purchased_heat(invoice, fuel, ledger)
        return
    assert fuel.desnz_fuel is not None  # every burned fuel has one
    # The country's official set where one is held (the US: EPA's Hub); else DESNZ's, with a notice.
    region = factors.US if invoice.country == factors.US else "GB"
    if region == factors.US:
        ledger.notice(
            "EPA's Emission Factors Hub for Scope 1 and biogenic CO2 in the US; EPA publishes no "
            "well-to-tank factor, so the upstream part is DESNZ's (the UK's)"
        )
    else:
        _note_uk_factors(invoice, ledger)
    wtt = factors.fuel_factors("GB", fuel.desnz_fuel, "wtt", fuel.name)
    if _add_custom(invoice, Part.COMBUSTION, ledger):
        if fuel.biogenic:
            ledger.notice(
                f"co2e_biomass is not estimated: the custom factor replaces the published one for {fuel.name}"
            )
        combustion = biogenic = {}
    else:
        combustion = factors.fuel_factors(region, fuel.desnz_fuel, "scope_1", fuel.name)
        biogenic = factors.fuel_factors(region, fuel.desnz_fuel, "outside_of_scopes", fuel.name)
    for part in factors.split_by_year(invoice.activity.start_date, invoice.activity.end_date):
        with ledger.during(part.year):
            if combustion:
                ledger.add(Part.COMBUSTION, _fuel_kg(invoice, fuel, "combustion", combustion, part, ledger))
            if biogenic:  # fossil fuels have none
                ledger.add_biomass(_fuel_kg(invoice, fuel, "biogenic", biogenic, part, ledger))
            ledger.add(Part.UPSTREAM, _fuel_kg(invoice, fuel, "upstream", wtt, part, ledger))


def _purchased_heat(invoice: CheckedActivity, fuel: Fuel, ledger: Ledger) -> None:
    """District heating or purchased steam (Scope 2) and its Scope 3.3 parts; cooling by custom factor."""
    kwh = invoice.quantity_in(KILOWATT_HOUR)
    if fuel.desnz_fuel is None:
        if not _add_custom(invoice, Part.PURCHASED_ENERGY, ledger):
            raise CalculationError(
                f"{fuel.name} has no published default factor in the data this API ships: "
                "give a custom emission factor (your supplier's, per kWh)"
            )
        ledger.notice(f"{fuel.name}: no upstream or network losses are estimated, only the custom factor")
        return
    epa = invoice.country == factors.US
    if epa:
        ledger.notice(
            f"{fuel.name} in the US: EPA's factor for purchased steam and heat; EPA publishes no "
            "upstream or network-loss factor, so Scope 3 category 3 is not estimated"
        )
    else:
        _note_uk_factors(invoice, ledger)
    custom = None
    if invoice.custom_factor is not None:
        custom = ledger.custom_kg(invoice, *invoice.custom_factor, "market_based", "supplier")
        ledger.add_market(Part.PURCHASED_ENERGY, custom)
    activity = factors.EPA_STEAM_AND_HEAT if epa else fuel.desnz_fuel
    district = fuel.desnz_fuel.startswith("district")
    for part in factors.split_by_year(invoice.activity.start_date, invoice.activity.end_date):
        with ledger.during(part.year):
            year_kwh = kwh * part.share
            heat = year_kwh * ledger.use(ledger.at(factors.heat(activity), part.year), "location_based")
            if custom is None:
                ledger.add(Part.PURCHASED_ENERGY, heat)
            else:
                ledger.add_location(Part.PURCHASED_ENERGY, heat)
            if epa:
                continue
            wtt = ledger.at(factors.heat(f"wtt_{fuel.desnz_fuel}"), part.year)
            ledger.add(Part.UPSTREAM, year_kwh * ledger.use(wtt, "upstream"))
            if district:
                loss = ledger.at(factors.heat("district_distribution_loss"), part.year)
                ledger.add(Part.LOSSES, year_kwh * ledger.use(loss, "transmission_and_distribution"))
                loss_wtt = ledger.at(factors.heat("wtt_district_distribution_loss"), part.year)
                ledger.add(Part.UPSTREAM, year_kwh * ledger.use(loss_wtt, "upstream"))


def _fuel_kg(
    invoice: CheckedActivity,
    fuel: Fuel,
    component: str,
    by_unit: dict[str, Series],
    part: YearShare,
    ledger: Ledger,
) -> float:
    """One year's kg of a component (combustion, biogenic or upstream), per the nearest unit given."""
    given = {units.named(name): series for name, series in by_unit.items()}
    per_unit = min(
        given, key=lambda each: (each.type != invoice.unit.type, _CONVERSION_PREFERENCE.index(each.type))
    )
    factor = ledger.at(given[per_unit], part.year)
    if per_unit.type != invoice.unit.type:
        publisher = "EPA" if factor.dataset_version.startswith("epa") else "DESNZ"
        ledger.notice(
            f"{publisher} gives the {component} factor of {fuel.name} per {per_unit.name}, "
            f"not per {invoice.unit.type} unit: converted with the fuel's calorific value and density"
        )
    quantity = invoice.quantity_in(per_unit)
    if per_unit.type == UnitType.ENERGY:
        quantity = _on_factor_basis(invoice, fuel, quantity, factor, ledger)
    return quantity * part.share * ledger.use(factor, component)


def _on_factor_basis(
    invoice: CheckedActivity, fuel: Fuel, kwh: float, factor: Factor, ledger: Ledger
) -> float:
    """``kwh`` on the calorific basis the factor is published on (its unit says "Gross CV", else it is
    net: DESNZ's bioenergy). The quantity's own basis is the invoice's ``calorific_basis`` where it is in
    energy and states one, the factor's where it does not; a mass or volume converted to energy is on
    the basis of the fuel's calorific value."""
    wanted = CalorificBasis.GROSS if "Gross CV" in factor.unit else CalorificBasis.NET
    given = fuel.calorific_value_basis or wanted
    if invoice.unit.type == UnitType.ENERGY:
        stated = invoice.activity.calorific_basis
        given = CalorificBasis(stated) if stated else wanted
    if given != wanted:
        ledger.notice(
            f"{fuel.name}'s energy on a {given} CV basis is converted to {wanted} CV, the basis of the "
            "published factor, by DESNZ's ratio of the fuel's two"
        )
    return fuel.on_basis(kwh, given, wanted)


_WATER = {"water_supply": Part.WATER_SUPPLY, "water_treatment": Part.WATER_TREATMENT}


def _water(invoice: CheckedActivity, ledger: Ledger) -> None:
    if _add_custom(invoice, Part.WATER_SUPPLY, ledger):
        return
    _note_uk_factors(invoice, ledger)
    cubic_meters = invoice.quantity_in(CUBIC_METER)
    for part in factors.split_by_year(invoice.activity.start_date, invoice.activity.end_date):
        with ledger.during(part.year):
            for activity, scope_part in _WATER.items():
                factor = ledger.at(factors.water(activity), part.year)
                ledger.add(scope_part, cubic_meters * part.share * ledger.use(factor, activity))


def _process(invoice: CheckedActivity, ledger: Ledger) -> None:
    _add_custom(invoice, Part.COMBUSTION, ledger)  # checked: process needs a custom factor


def _add_custom(invoice: CheckedActivity, part: Part, ledger: Ledger) -> bool:
    """Add the emissions by the custom factor, which replaces the default, if any; whether there was one."""
    if invoice.custom_factor is None:
        return False
    ledger.add(part, ledger.custom_kg(invoice, *invoice.custom_factor, "custom_factor", "custom"))
    return True


def _note_uk_factors(invoice: CheckedActivity, ledger: Ledger) -> None:
    if invoice.country != "GB":
        ledger.notice(
            f"DESNZ factors are the UK's, applied to a facility in {invoice.country}: no national set"
        )


_CALCULATORS = {
    InvoiceType.ELECTRICITY: electricity,
    InvoiceType.RECHARGE: recharge,
    InvoiceType.HEAT: _heat,
    InvoiceType.WATER: _water,
    InvoiceType.PROCESS: _process,
}
