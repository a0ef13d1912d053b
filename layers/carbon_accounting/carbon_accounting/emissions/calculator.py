"""The emissions engine: an invoice's activity in, its emissions and the factors behind them out.

Scopes: electricity 2, recharge 2 (the public docs' table), heat 1, water 3, process 1. The rules of
electricity and recharge are in ``electricity``. The other types have a single figure: ``co2e`` =
``co2e_consumption`` = ``co2e_location_based``, generation and T&D 0. A supplier matters only to
electricity, a fuel only to heat; elsewhere they are ignored.

- heat: the quantity * the fuel's DESNZ Scope 1 factor (CO2 + CH4 + N2O) in the invoice's unit type. The
  biogenic CO2 that DESNZ reports outside of scopes (biomass, biogas, the biofuel in road fuels) goes to
  ``co2e_biomass``. Where DESNZ gives a factor in another unit type only, the quantity is converted
  through the fuel's calorific value and density, with a notice.
- water: m³ * (DESNZ water supply + water treatment).
- process: the quantity, converted to the custom factor's unit (same type), * the factor.

A custom factor on heat or water replaces the default calculation (heat converts through the fuel's
properties when the factor's unit type differs); it says nothing of biogenic CO2, so ``co2e_biomass`` is
then 0, with a notice for biogenic fuels. DESNZ is a UK factor set, applied to every country with a
notice. For every type: the period is prorated by days across calendar years, each year with its own
factors, and a year without a factor takes the latest earlier one (``factors``); a custom factor must be
valid for the whole period; every factor used is recorded on the result.
"""

from __future__ import annotations

from carbon_accounting.emissions import factors
from carbon_accounting.emissions.catalogues import units
from carbon_accounting.emissions.catalogues.fuels import Fuel
from carbon_accounting.emissions.catalogues.units import CUBIC_METER, UnitType
from carbon_accounting.emissions.checks import CheckedActivity, check
from carbon_accounting.emissions.electricity import electricity, recharge
from carbon_accounting.emissions.factors import Series, YearShare
from carbon_accounting.emissions.ledger import Ledger
from carbon_accounting.emissions.model import Activity, Emissions, InvoiceType

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
    return ledger.emissions(_SCOPES[activity.type])


def _heat(invoice: CheckedActivity, ledger: Ledger) -> None:
    fuel = invoice.fuel
    assert fuel is not None  # checked: heat needs a fuel
    if _add_custom(invoice, ledger):
        if fuel.biogenic:
            ledger.notice(
                f"co2e_biomass is not estimated: the custom factor replaces DESNZ's for {fuel.name}"
            )
        return
    _note_uk_factors(invoice, ledger)
    combustion = factors.fuel_factors(fuel.desnz_fuel, "scope_1", fuel.name)
    biogenic = factors.fuel_factors(fuel.desnz_fuel, "outside_of_scopes", fuel.name)
    for part in factors.split_by_year(invoice.activity.start_date, invoice.activity.end_date):
        ledger.add_consumption(_fuel_kg(invoice, fuel, "scope_1", combustion, part, ledger))
        if biogenic:  # fossil fuels have none
            ledger.biomass += _fuel_kg(invoice, fuel, "outside_of_scopes", biogenic, part, ledger)


def _fuel_kg(
    invoice: CheckedActivity,
    fuel: Fuel,
    component: str,
    by_unit: dict[str, Series],
    part: YearShare,
    ledger: Ledger,
) -> float:
    """One year's kg of a DESNZ component (scope_1 or outside_of_scopes), per the nearest unit given."""
    given = {units.named(name): series for name, series in by_unit.items()}
    per_unit = min(
        given, key=lambda each: (each.type != invoice.unit.type, _CONVERSION_PREFERENCE.index(each.type))
    )
    if per_unit.type != invoice.unit.type:
        ledger.notice(
            f"DESNZ gives the {component.replace('_', ' ')} factor of {fuel.name} per {per_unit.name}, "
            f"not per {invoice.unit.type} unit: converted with the fuel's calorific value and density"
        )
    factor = ledger.at(given[per_unit], part.year)
    return invoice.quantity_in(per_unit) * part.share * ledger.use(factor, f"fuel_{component}")


def _water(invoice: CheckedActivity, ledger: Ledger) -> None:
    if _add_custom(invoice, ledger):
        return
    _note_uk_factors(invoice, ledger)
    cubic_meters = invoice.quantity_in(CUBIC_METER)
    for part in factors.split_by_year(invoice.activity.start_date, invoice.activity.end_date):
        for activity in ("water_supply", "water_treatment"):
            factor = ledger.at(factors.water(activity), part.year)
            ledger.add_consumption(cubic_meters * part.share * ledger.use(factor, activity))


def _process(invoice: CheckedActivity, ledger: Ledger) -> None:
    _add_custom(invoice, ledger)  # checked: process needs a custom factor


def _add_custom(invoice: CheckedActivity, ledger: Ledger) -> bool:
    """Add the emissions by the custom factor, which replaces the default, if any; whether there was one."""
    if invoice.custom_factor is None:
        return False
    ledger.add_consumption(ledger.custom_kg(invoice, *invoice.custom_factor))
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
