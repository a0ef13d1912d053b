"""Electricity and EV recharge: grid electricity of the facility's country (Scope 2).

Electricity is reported both ways, as the GHG Protocol Scope 2 Guidance asks:

- Location-based: the country's Ember grid intensity. Ember's figures are lifecycle, so each is split into
  combustion (``co2e_consumption``) and upstream (``co2e_generation``) in the proportion of DESNZ's 2025
  UK generation factor to its well-to-tank generation factor (0.177 : 0.0459, 79.4% combustion), for
  every country and year; a notice says so.
- T&D losses: delivering 1 kWh loses L / (1 - L) kWh more, L the World Bank loss share of the country and
  year (its world average, with a notice, for countries it does not cover), charged at the full lifecycle
  grid intensity.
- Market-based consumption: 0 from a certified-renewable supplier (guarantees of origin); otherwise AIB's
  residual mix of the country and year (EU-27); otherwise (no residual mix, or AIB prints none because
  the country fully discloses) the location-based combustion figure, with a notice.
- Upstream and T&D are location-based in both totals: guarantees of origin and residual mixes are
  instruments for the generation itself, not for its fuel supply chain or the grid's losses.
- ``co2e`` = market-based consumption + generation + T&D; ``co2e_location_based`` = location-based
  consumption + generation + T&D.
- A custom factor (e.g. the supplier's disclosed mix) replaces the market-based consumption factor,
  reduced by its renewable_percentage, and wins over the supplier.

Recharge is electricity's location-based figure (the public docs put it in Scope 2); a custom factor
replaces its consumption as for electricity. Suppliers and residual mixes are not used.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbon_accounting.emissions import factors
from carbon_accounting.emissions.catalogues import suppliers
from carbon_accounting.emissions.catalogues.suppliers import Supplier
from carbon_accounting.emissions.catalogues.units import KILOWATT_HOUR, Unit
from carbon_accounting.emissions.checks import CheckedActivity
from carbon_accounting.emissions.factors import Factor, Series
from carbon_accounting.emissions.ledger import Ledger
from carbon_accounting.emissions.model import CustomFactor, FactorUsed


@dataclass(frozen=True)
class _GridYear:
    """The part of an invoice in one calendar year, as computed location-based."""

    year: int
    kwh: float
    grid: Factor
    combustion_kg: float


def electricity(invoice: CheckedActivity, ledger: Ledger) -> None:
    years = _location_based(invoice, ledger)
    supplier = invoice.supplier
    if invoice.custom_factor is not None:
        _add_custom(invoice, *invoice.custom_factor, ledger)
    elif supplier is not None and supplier.certified_renewable:
        _record_renewable_supply(supplier, invoice, ledger)
    else:
        ledger.consumption += sum(_residual_mix_kg(invoice.country, year, ledger) for year in years)


def recharge(invoice: CheckedActivity, ledger: Ledger) -> None:
    years = _location_based(invoice, ledger)
    if invoice.custom_factor is not None:
        _add_custom(invoice, *invoice.custom_factor, ledger)
    else:
        ledger.consumption += sum(year.combustion_kg for year in years)


def _location_based(invoice: CheckedActivity, ledger: Ledger) -> list[_GridYear]:
    """Add the location-based consumption, upstream and T&D, year by year."""
    kwh = invoice.quantity_in(KILOWATT_HOUR)
    combustion_share = _combustion_share(ledger)
    losses = _td_losses(invoice.country, ledger)
    years = []
    for part in factors.split_by_year(invoice.activity.start_date, invoice.activity.end_date):
        grid = ledger.at(factors.grid_intensity(invoice.country), part.year)
        lifecycle_kg = kwh * part.share * ledger.use(grid, "location_based")
        combustion_kg = lifecycle_kg * combustion_share
        ledger.location_consumption += combustion_kg
        ledger.generation += lifecycle_kg - combustion_kg
        loss = ledger.use(ledger.at(losses, part.year), "transmission_and_distribution") / 100
        ledger.transmission_and_distribution += lifecycle_kg * loss / (1 - loss)
        years.append(_GridYear(year=part.year, kwh=kwh * part.share, grid=grid, combustion_kg=combustion_kg))
    return years


def _combustion_share(ledger: Ledger) -> float:
    """The share of a lifecycle grid intensity counted as combustion, from DESNZ's UK factors."""
    generation = ledger.use(factors.electricity_upstream("grid_generation_location_based"), "lifecycle_split")
    upstream = ledger.use(factors.electricity_upstream("wtt_generation"), "lifecycle_split")
    share = generation / (generation + upstream)
    ledger.notice(
        f"Ember grid intensities are lifecycle figures: {share:.1%} is counted as combustion "
        f"(co2e_consumption) and {1 - share:.1%} as upstream (co2e_generation), the proportion of DESNZ's "
        f"2025 UK electricity generation factor ({generation}) to its well-to-tank factor ({upstream})"
    )
    return share


def _td_losses(country: str, ledger: Ledger) -> Series:
    series = factors.td_loss(country)
    if series.by_year:
        return series
    ledger.notice(f"no T&D loss share for {country}: used the World average")
    return factors.td_loss(factors.WORLD)


def _residual_mix_kg(country: str, year: _GridYear, ledger: Ledger) -> float:
    """Market-based consumption of one year: by the residual mix, else the location-based figure."""
    series = factors.residual_mix(country)
    found = series.latest(year.year)
    if found is not None and found.value is not None:
        ledger.notice(series.fallback_notice(found, year.year))
        return year.kwh * ledger.use(found, "market_based_residual_mix")
    if found is None:
        why = f"no residual mix for {country} in {year.year} (AIB's residual mixes cover the EU-27 from 2023)"
    else:
        why = f"AIB publishes no {found.year} residual mix for {country} (full disclosure)"
    ledger.notice(f"{why}: market-based consumption uses the grid factor")
    ledger.use(year.grid, "market_based_grid_fallback")
    return year.combustion_kg


def _record_renewable_supply(supplier: Supplier, invoice: CheckedActivity, ledger: Ledger) -> None:
    """Market-based consumption stays 0; record why."""
    ledger.record(
        FactorUsed(
            id=f"supplier:{supplier.id}",
            source=f"{supplier.name}: certified renewable supply (guarantees of origin)",
            year=invoice.activity.start_date.year,
            region=supplier.country,
            value=0.0,
            unit="kg CO2e/kWh",
            method="market_based_certified_renewable",
            dataset_version=suppliers.CATALOGUE_VERSION,
        )
    )
    ledger.notice(
        f"{supplier.name} sells only certified renewable electricity: market-based consumption is 0"
    )


def _add_custom(invoice: CheckedActivity, custom: CustomFactor, unit: Unit, ledger: Ledger) -> None:
    """Market-based consumption by the custom factor, less its renewable share."""
    renewable = custom.renewable_percentage or 0.0
    ledger.consumption += ledger.custom_kg(invoice, custom, unit) * (1 - renewable / 100)
    if renewable:
        ledger.notice(
            f"custom factor '{custom.name}' is {renewable:g}% renewable: consumption reduced accordingly"
        )
