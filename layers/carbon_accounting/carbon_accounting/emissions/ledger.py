"""The running totals of one calculation, with the factors and notices behind them."""

from __future__ import annotations

from dataclasses import dataclass, field

from carbon_accounting.emissions.catalogues.units import Unit
from carbon_accounting.emissions.checks import CheckedActivity
from carbon_accounting.emissions.factors import Factor, Series
from carbon_accounting.emissions.model import CustomFactor, Emissions, FactorUsed


@dataclass
class Ledger:
    """Totals in kg, by the invoice's breakdown; the calculators add to them."""

    consumption: float = 0.0  # market-based for electricity
    location_consumption: float = 0.0
    generation: float = 0.0
    transmission_and_distribution: float = 0.0
    biomass: float = 0.0
    factors: dict[FactorUsed, None] = field(default_factory=dict)  # dicts as ordered sets
    notices: dict[str, None] = field(default_factory=dict)

    def add_consumption(self, kg: float) -> None:
        """Emissions that are the same on both bases (all but electricity and recharge)."""
        self.consumption += kg
        self.location_consumption += kg

    def at(self, series: Series, year: int) -> Factor:
        """The factor of ``series`` for ``year``, noting a fallback to an earlier year."""
        found, notice = series.at(year)
        self.notice(notice)
        return found

    def use(self, factor: Factor, method: str) -> float:
        """Record ``factor`` as used for ``method``; its value."""
        used = factor.used(method)
        self.record(used)
        return used.value

    def record(self, used: FactorUsed) -> None:
        self.factors[used] = None

    def notice(self, text: str | None) -> None:
        if text is not None:
            self.notices[text] = None

    def custom_kg(self, invoice: CheckedActivity, custom: CustomFactor, unit: Unit) -> float:
        """The invoice's emissions by its custom factor (expressed per ``unit``), recorded."""
        self.record(
            FactorUsed(
                id=f"custom:{custom.id}",
                source=f"custom emission factor '{custom.name}'",
                year=invoice.activity.start_date.year,
                region=invoice.country,
                value=custom.kgco2e_per_unit,
                unit=f"kg CO2e/{unit.name}",
                method="custom_factor",
                dataset_version="custom",
            )
        )
        return invoice.quantity_in(unit) * custom.kgco2e_per_unit

    def emissions(self, scope: int) -> Emissions:
        upstream_and_losses = self.generation + self.transmission_and_distribution
        return Emissions(
            co2e=self.consumption + upstream_and_losses,
            co2e_biomass=self.biomass,
            co2e_location_based=self.location_consumption + upstream_and_losses,
            co2e_consumption=self.consumption,
            co2e_generation=self.generation,
            co2e_transmission_and_distribution=self.transmission_and_distribution,
            scope=scope,
            emission_factors=tuple(self.factors),
            notices=tuple(self.notices),
        )
