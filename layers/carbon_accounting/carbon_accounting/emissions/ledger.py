"""The running totals of one calculation, by part, with the factors and notices behind them.

Every kilogram is added to one ``Part``: a scope (and Scope 3 category) and the line of the invoice's
breakdown it belongs to. Each part keeps its market-based and location-based kilograms; the totals
are ``math.fsum`` of the parts, so the parts add up to them exactly.

Kilograms are also kept by the calendar year they were computed for: a calculator works one year of
the period at a time (``during``), and what it adds outside of a year (a custom factor's figure for
the whole period) is split across the years by days, as the period is. ``Emissions.by_year`` is
what the organization's yearly figures add up (``rollups``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from carbon_accounting.emissions.catalogues.units import Unit
from carbon_accounting.emissions.checks import CheckedActivity
from carbon_accounting.emissions.factors import Factor, Series, YearShare, split_by_year
from carbon_accounting.emissions.model import CustomFactor, Emissions, FactorUsed, ScopePart, YearEmissions

FUEL_AND_ENERGY = 3  # Scope 3 category 3: fuel- and energy-related activities
PURCHASED_GOODS = 1  # Scope 3 category 1: purchased goods and services (water supply)
WASTE = 5  # Scope 3 category 5: waste generated in operations (water treatment)


class Part(Enum):
    """(breakdown line, scope, Scope 3 category) of the kilograms added."""

    COMBUSTION = ("consumption", 1, None)
    PURCHASED_ENERGY = ("consumption", 2, None)
    UPSTREAM = ("generation", 3, FUEL_AND_ENERGY)
    LOSSES = ("transmission_and_distribution", 3, FUEL_AND_ENERGY)
    WATER_SUPPLY = ("consumption", 3, PURCHASED_GOODS)
    WATER_TREATMENT = ("consumption", 3, WASTE)

    def __init__(self, line: str, scope: int, category: int | None) -> None:
        self.line = line
        self.scope = scope
        self.category = category


# A part's (scope, category) and breakdown line, read once: an enum's properties cost a call each.
_KEY = {part: (part.scope, part.category) for part in Part}
_LINE = {part: part.line for part in Part}

# Kilograms as added: (the year they were computed for, or None for the whole period; kg).
_Entries = list[tuple[int | None, float]]


@dataclass
class Ledger:
    """Kilograms by part and basis, each with its year; the calculators add to them."""

    market: dict[Part, _Entries] = field(default_factory=dict)
    location: dict[Part, _Entries] = field(default_factory=dict)
    biomass: _Entries = field(default_factory=list)
    factors: dict[FactorUsed, None] = field(default_factory=dict)  # dicts as ordered sets
    notices: dict[str, None] = field(default_factory=dict)
    certified_share: float = 0.0  # electricity: the share covered by energy attribute certificates
    year: int | None = None  # the year being computed; None: the whole period

    def during(self, year: int) -> _During:
        """What is added within (``with ledger.during(year):``) is one calendar year's."""
        return _During(self, year)

    def add(self, part: Part, kg: float) -> None:
        """Kilograms that are the same on both bases."""
        self.market.setdefault(part, []).append((self.year, kg))
        self.location.setdefault(part, []).append((self.year, kg))

    def add_market(self, part: Part, kg: float) -> None:
        """Market-based kilograms of a part whose location-based figure is added on its own."""
        self.market.setdefault(part, []).append((self.year, kg))
        self.location.setdefault(part, [])

    def add_location(self, part: Part, kg: float) -> None:
        self.location.setdefault(part, []).append((self.year, kg))
        self.market.setdefault(part, [])

    def add_biomass(self, kg: float) -> None:
        self.biomass.append((self.year, kg))

    def at(self, series: Series, year: int) -> Factor:
        """The factor of ``series`` for ``year``, noting a fallback to another year."""
        found, notice = series.at(year)
        self.notice(notice)
        return found

    def nearest(self, series: Series, year: int) -> Factor | None:
        """Like ``at``, for a series that may be empty: then None."""
        found = series.nearest(year)
        if found is not None:
            self.notice(series.fallback_notice(found, year))
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

    def custom_kg(
        self, invoice: CheckedActivity, custom: CustomFactor, unit: Unit, method: str, basis: str
    ) -> float:
        """The invoice's emissions by its custom factor (expressed per ``unit``), recorded."""
        self.record(
            FactorUsed(
                id=f"custom:{custom.id}",
                source=f"custom emission factor '{custom.name}'",
                year=invoice.activity.start_date.year,
                region=invoice.country,
                value=custom.kgco2e_per_unit,
                unit=f"kg CO2e/{unit.name}",
                method=method,
                dataset_version="custom",
                basis=basis,
            )
        )
        return invoice.quantity_in(unit) * custom.kgco2e_per_unit

    def emissions(self, scope: int, start: date, end: date) -> Emissions:
        """The totals, by scope and by year, of the period ``start``..``end``."""
        scope_parts = _parts(self._kilograms())
        biomass = math.fsum(kg for _, kg in self.biomass)

        def line(name: str) -> float:
            return math.fsum(kg for part, kgs in self.market.items() if _LINE[part] == name for _, kg in kgs)

        totals = YearEmissions(
            year=start.year,
            days=(end - start).days + 1,
            co2e=math.fsum(part.co2e for part in scope_parts),
            co2e_location_based=math.fsum(part.co2e_location_based for part in scope_parts),
            co2e_biomass=biomass,
            by_scope=scope_parts,
        )
        shares = split_by_year(start, end)
        return Emissions(
            co2e=totals.co2e,
            co2e_biomass=biomass,
            co2e_location_based=totals.co2e_location_based,
            co2e_consumption=line("consumption"),
            co2e_generation=line("generation"),
            co2e_transmission_and_distribution=line("transmission_and_distribution"),
            scope=scope,
            by_scope=scope_parts,
            # A period within one year is that year's whole (the usual invoice: nothing to split).
            by_year=(totals,) if len(shares) == 1 else self._years(shares),
            emission_factors=tuple(self.factors),
            notices=tuple(self.notices),
            certified_share=self.certified_share,
        )

    def _years(self, shares: list[YearShare]) -> tuple[YearEmissions, ...]:
        """Each calendar year's kilograms: those computed for it, and its share of the whole period's
        (one pass over what was added)."""
        position = {share.year: index for index, share in enumerate(shares)}
        sums: list[dict[tuple[int, int | None], tuple[list[float], list[float]]]] = [{} for _ in shares]
        for basis, entries in enumerate((self.market, self.location)):
            for part, kgs in entries.items():
                key = _KEY[part]
                into = [year_sums.setdefault(key, ([], []))[basis] for year_sums in sums]
                for added, kg in kgs:
                    if added is None:
                        for index, share in enumerate(shares):
                            into[index].append(kg * share.share)
                    else:
                        into[position[added]].append(kg)
        biomass: list[list[float]] = [[] for _ in shares]
        for added, kg in self.biomass:
            for index, share in enumerate(shares):
                if added is None or added == share.year:
                    biomass[index].append(kg if added is not None else kg * share.share)
        years = []
        for index, share in enumerate(shares):
            parts = _parts(sums[index])
            years.append(
                YearEmissions(
                    year=share.year,
                    days=share.days,
                    co2e=math.fsum(part.co2e for part in parts),
                    co2e_location_based=math.fsum(part.co2e_location_based for part in parts),
                    co2e_biomass=math.fsum(biomass[index]),
                    by_scope=parts,
                )
            )
        return tuple(years)

    def _kilograms(self) -> dict[tuple[int, int | None], tuple[list[float], list[float]]]:
        """Market- and location-based kilograms by (scope, category), of every year."""
        sums: dict[tuple[int, int | None], tuple[list[float], list[float]]] = {}
        for basis, entries in enumerate((self.market, self.location)):
            for part, kgs in entries.items():
                sums.setdefault(_KEY[part], ([], []))[basis].extend([kg for _, kg in kgs])
        return sums


class _During:
    """``Ledger.during``: a plain context manager (``contextlib``'s costs microseconds a year)."""

    __slots__ = ("ledger", "year")

    def __init__(self, ledger: Ledger, year: int) -> None:
        self.ledger, self.year = ledger, year

    def __enter__(self) -> None:
        self.ledger.year = self.year

    def __exit__(self, *_: object) -> None:
        self.ledger.year = None


def _parts(sums: dict[tuple[int, int | None], tuple[list[float], list[float]]]) -> tuple[ScopePart, ...]:
    """One part per scope and category (every part of the ledger, 0 where none), Scope 1 first."""
    return tuple(
        ScopePart(
            scope=scope, category=category, co2e=math.fsum(market), co2e_location_based=math.fsum(location)
        )
        for (scope, category), (market, location) in sorted(
            sums.items(), key=lambda entry: (entry[0][0], entry[0][1] or 0)
        )
    )
