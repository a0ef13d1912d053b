"""Emission-factor data: the CSV files under ``data/``, read on first use and kept, and the year rules.

Every file has the columns ``id, dataset_version, region, year, value, unit``, plus key columns where it
holds several series per region (fuel, component and per_unit; activity; factor) and, where its rows
differ in kind, ``basis``. ``id`` is the row's stable id, recorded on invoices. Where each file comes
from, and why it holds what it holds: ``data/SOURCES.md``.

Versions: every row belongs to a dataset version (``desnz-2025`` of dataset ``desnz``), registered in
``data/datasets.csv`` with its source and the data *release* that added it (1, 2, …). Versions are only
ever added: a revised edition is a new version, and where two versions give the same series and year,
the later release's row is the one used. ``releases`` says which invoices a new release makes stale.

Year rules, for an invoice's period:

- a period spanning several calendar years is split by days, both dates included (``split_by_year``),
  and each year gets its own factors;
- a year with no factor takes the nearest year that has one (the earlier of two as near), with a notice
  on the invoice that names both ("no 2025 grid factor for ES; used 2024"): a base year before a
  series starts takes its first edition, a year after it ends its last; an empty series is a
  ``CalculationError``.

Nothing is read at import time: a function's cold start pays only for the files it uses.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from carbon_accounting.emissions.model import CalculationError, FactorUsed

_DATA = Path(__file__).with_name("data")
WORLD = "WLD"  # the World Bank's world aggregate, the T&D fallback for countries it does not cover
US = "US"  # eGRID's national rates, for a US facility whose ZIP code is not given
EPA_STEAM_AND_HEAT = "epa_steam_and_heat"  # heat_factors.csv's series of EPA's Hub, Table 7 (US)


@dataclass(frozen=True)
class DataFile:
    """A data file, the columns that with ``year`` identify one of its series' factors, and what its
    factors are (``basis``) where the file has no ``basis`` column."""

    name: str
    basis: str
    key_columns: tuple[str, ...] = ("region",)


GRID_DIRECT = DataFile("grid_direct.csv", "generation")
EGRID = DataFile("egrid_subregions.csv", "generation", ("region", "factor"))
GRID_INTENSITY = DataFile("grid_intensity.csv", "lifecycle")
TD_LOSSES = DataFile("td_losses.csv", "loss_share")
RESIDUAL_MIX = DataFile("residual_mix.csv", "residual_mix")
SUPPLIER_MIX = DataFile("supplier_mix.csv", "total_supplier_mix")
FUEL_FACTORS = DataFile("fuel_factors.csv", "fuel", ("region", "fuel", "component", "per_unit"))
HEAT_FACTORS = DataFile("heat_factors.csv", "heat_and_steam", ("activity",))
WATER_FACTORS = DataFile("water_factors.csv", "desnz_water", ("activity",))
ELECTRICITY_UPSTREAM = DataFile("electricity_upstream.csv", "desnz_electricity", ("factor",))


@dataclass(frozen=True)
class DatasetVersion:
    """A version of a dataset (``desnz-2025`` of ``desnz``), and the data release that added it."""

    version: str
    dataset: str
    release: int
    source: str


@dataclass(frozen=True)
class Factor:
    """One row of a data file."""

    id: str
    dataset_version: str
    source: str
    region: str
    year: int
    value: float | None  # None where the publisher prints no value (AIB: full-disclosure country)
    unit: str
    release: int  # of its dataset version
    basis: str

    def used(self, method: str, basis: str | None = None) -> FactorUsed:
        """This factor as recorded on an invoice, ``method`` saying what it was used for (and ``basis``,
        where it differs from the factor's own, what it stood for: a grid rate used market-based)."""
        assert self.value is not None, f"{self.id} has no value to use"
        return FactorUsed(
            id=self.id,
            source=self.source,
            year=self.year,
            region=self.region,
            value=self.value,
            unit=self.unit,
            method=method,
            dataset_version=self.dataset_version,
            basis=basis or self.basis,
        )


@dataclass(frozen=True)
class Series:
    """One quantity's factors by year, e.g. Spain's grid intensity; ``label`` names it to users."""

    label: str
    by_year: Mapping[int, Factor]

    def nearest(self, year: int) -> Factor | None:
        """The factor of ``year``, else of the nearest year (the earlier of two as near), else None."""
        found = self.by_year.get(year)
        if found is not None or not self.by_year:
            return found
        return self.by_year[min(self.by_year, key=lambda each: (abs(each - year), each))]

    def at(self, year: int) -> tuple[Factor, str | None]:
        """The factor for ``year`` and the notice to show if it is another year's."""
        found = self.nearest(year)
        if found is None:
            raise CalculationError(f"no {self.label} for any year")
        return found, self.fallback_notice(found, year)

    def fallback_notice(self, found: Factor, year: int) -> str | None:
        return None if found.year == year else f"no {year} {self.label}; used {found.year}"


@dataclass(frozen=True)
class YearShare:
    """The part of an invoice's period that falls in one calendar year."""

    year: int
    days: int
    share: float  # of the period's days


def split_by_year(start: date, end: date) -> list[YearShare]:
    """The period ``start``..``end`` (both included) by calendar year, in order."""
    total = (end - start).days + 1
    parts = []
    for year in range(start.year, end.year + 1):
        days = (min(end, date(year, 12, 31)) - max(start, date(year, 1, 1))).days + 1
        parts.append(YearShare(year=year, days=days, share=days / total))
    return parts


def grid_direct(region: str) -> Series:
    """The official generation-based grid rate of a country or subdivision, kg per kWh (DESNZ for GB,
    EEA for the EU-27, NGA for Australia and its states, AIB's production mix for other AIB countries)."""
    return Series(f"grid factor for {region}", _series(GRID_DIRECT, region))


def egrid(region: str, factor: str) -> Series:
    """An eGRID subregion's (or ``US``'s) ``output_rate`` (kg CO2e/kWh) or ``grid_gross_loss`` (%)."""
    label = "eGRID output rate" if factor == "output_rate" else "eGRID grid gross loss"
    return Series(f"{label} for {region}", _series(EGRID, region, factor))


@lru_cache(maxsize=4096)
def egrid_zip(zip_code: str) -> tuple[str, str] | None:
    """EPA's ZIP code map: a five-digit ZIP's (USPS state, the predominant utility's eGRID subregion), or
    None. The file (41,588 ZIPs, one a line) is searched as text: parsing it whole took 60 ms."""
    if not (len(zip_code) == 5 and zip_code.isascii() and zip_code.isdigit()):
        return None
    text = _text("egrid_zip.csv")
    assert text.startswith("zip,state,subregion\n"), "egrid_zip.csv's columns changed"
    start = text.find(f"\n{zip_code},") + 1
    if not start:
        return None
    end = text.find("\n", start)
    _, state, subregion = text[start : end if end >= 0 else None].split(",")
    return state, subregion


def grid_intensity(country: str) -> Series:
    """Ember's lifecycle grid intensity of a country, kg CO2e per kWh generated."""
    return Series(f"lifecycle grid factor for {country}", _series(GRID_INTENSITY, country))


def td_loss(region: str) -> Series:
    """The World Bank's transmission and distribution losses of a country (or ``WORLD``), % of output."""
    name = "the World average" if region == WORLD else region
    return Series(f"T&D loss share for {name}", _series(TD_LOSSES, region))


def residual_mix(country: str) -> Series:
    """AIB's residual mix of an AIB country, kg CO2 per kWh; empty elsewhere."""
    return Series(f"residual mix for {country}", _series(RESIDUAL_MIX, country))


def supplier_mix(country: str) -> Series:
    """AIB's total supplier mix, kg CO2 per kWh, for the countries it prints no residual mix for."""
    return Series(f"total supplier mix for {country}", _series(SUPPLIER_MIX, country))


def fuel_factors(region: str, fuel: str, component: str, fuel_name: str) -> dict[str, Series]:
    """A fuel's factors for ``component`` (scope_1, outside_of_scopes or wtt) in the official set of
    ``region`` (``GB``: DESNZ; ``US``: EPA's Hub, Table 1), by unit name; ``fuel`` is the catalogue's
    key, DESNZ's name for it."""
    publisher = "EPA" if region == US else "DESNZ"
    return {
        per_unit: Series(f"{publisher} factor for {fuel_name}", by_year)
        for (_, _, _, per_unit), by_year in _table(FUEL_FACTORS, (region, fuel, component)).items()
    }


def water(activity: str) -> Series:
    """DESNZ's water_supply or water_treatment factor, kg CO2e per m³."""
    label = f"DESNZ {activity.replace('_', ' ')} factor"
    return Series(label, _table(WATER_FACTORS, (activity,))[(activity,)])


def heat(activity: str) -> Series:
    """A heat and steam factor, kg CO2e per kWh of heat: DESNZ's (``district_heat_and_steam``,
    ``wtt_district_heat_and_steam``, ``district_distribution_loss``, ...) or EPA's
    (``EPA_STEAM_AND_HEAT``)."""
    label = (
        "EPA steam and heat factor"
        if activity == EPA_STEAM_AND_HEAT
        else f"DESNZ {activity.replace('_', ' ')} factor"
    )
    return Series(label, _series(HEAT_FACTORS, activity))


def electricity_upstream(factor: str) -> Series:
    """DESNZ's UK ``td_losses``, ``wtt_generation`` or ``wtt_td_losses`` factor, kg CO2e per kWh."""
    label = f"DESNZ UK {factor.replace('_', ' ')} factor"
    return Series(label, _series(ELECTRICITY_UPSTREAM, factor))


@cache
def versions() -> dict[str, DatasetVersion]:
    """Every dataset version the data holds, from ``data/datasets.csv``; read once per process."""
    with (_DATA / "datasets.csv").open(encoding="utf-8", newline="") as rows:
        return {
            row["version"]: DatasetVersion(row["version"], row["dataset"], int(row["release"]), row["source"])
            for row in csv.DictReader(rows)
        }


@cache
def _text(name: str) -> str:
    """A data file's text, read once per process."""
    return (_DATA / name).read_text(encoding="utf-8")


@cache
def _lines(name: str) -> tuple[str, ...]:
    """A data file's lines, its header first, split once per process."""
    return tuple(_text(name).splitlines())


def _parse(file: DataFile, lines: Iterable[str]) -> Iterator[tuple[tuple[str, ...], Factor]]:
    """(series key, factor) of each of a data file's ``lines`` (its header line first)."""
    registered = versions()
    for row in csv.DictReader(lines):
        version = registered[row["dataset_version"]]
        factor = Factor(
            id=row["id"],
            dataset_version=version.version,
            source=version.source,
            region=row["region"],
            year=int(row["year"]),
            value=float(row["value"]) if row["value"] else None,
            unit=row["unit"],
            release=version.release,
            basis=row.get("basis") or file.basis,
        )
        yield tuple(row[column] for column in file.key_columns), factor


@cache
def rows(file: DataFile) -> tuple[tuple[tuple[str, ...], Factor], ...]:
    """Every row of a data file, as (series key, factor); read once per process."""
    return tuple(_parse(file, _lines(file.name)))


def _series(file: DataFile, *key: str) -> dict[int, Factor]:
    """One series of a data file, by year."""
    return _table(file, key).get(key, {})


# Bounded: the data's own series are a few hundred, but a key comes from the caller (a facility's
# subdivision is only checked to start with its country), and an unknown one must not grow the process.
@lru_cache(maxsize=1024)
def _table(file: DataFile, prefix: tuple[str, ...]) -> dict[tuple[str, ...], dict[int, Factor]]:
    """A data file's factors whose series key starts with ``prefix``, by series key and year: where
    versions overlap, the later release's. Only the lines that hold every value of ``prefix`` are
    parsed (a superset of the series' rows: key values hold no quote), so that a first calculation
    reads its own country's rows, not a file of 200 countries (5.6 ms, the first call's cost before)."""
    assert not any('"' in value for value in prefix), prefix
    header, *lines = _lines(file.name)
    candidates = [line for line in lines if all(value in line for value in prefix)]
    table: dict[tuple[str, ...], dict[int, Factor]] = {}
    for key, factor in _parse(file, [header, *candidates]):
        if key[: len(prefix)] != prefix:
            continue
        by_year = table.setdefault(key, {})
        known = by_year.get(factor.year)
        if known is not None and known.release == factor.release:
            raise ValueError(f"{file.name}: {factor.id} repeats {known.id} in release {factor.release}")
        if known is None or factor.release > known.release:
            by_year[factor.year] = factor
    return table
