"""What the engine takes and gives: an invoice's activity in, its emissions out.

Plain frozen dataclasses rather than pydantic models: the engine trusts its caller (the invoice models
validate requests), and the calculator builds many of these per batch of stream records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID


class InvoiceType(StrEnum):
    ELECTRICITY = "electricity"
    HEAT = "heat"
    WATER = "water"
    RECHARGE = "recharge"
    PROCESS = "process"


@dataclass(frozen=True)
class CustomFactor:
    """An organization's own emission factor, in kg CO2e per one of its unit."""

    id: UUID
    name: str
    unit_id: UUID
    kgco2e_per_unit: float
    valid_from: date | None = None
    valid_to: date | None = None
    renewable_percentage: float | None = None  # 0..100; electricity and recharge only


@dataclass(frozen=True)
class Activity:
    """One invoice (or one facility's share of a distributed invoice) to compute."""

    type: InvoiceType
    quantity: float
    unit_id: UUID
    start_date: date
    end_date: date
    country: str  # ISO 3166-1 alpha-2 of the facility
    facility_fuel_id: UUID | None = None
    supplier_id: UUID | None = None
    custom_factor: CustomFactor | None = None
    subdivision: str | None = None  # ISO 3166-2 of the facility, e.g. AU-NSW
    postal_code: str | None = None  # of the facility; a US ZIP code finds its eGRID subregion
    certified_quantity: float | None = None  # electricity: covered by certificates, in the invoice's unit
    calorific_basis: str | None = None  # heat in energy units: "gross" or "net" CV; None: the factor's own


@dataclass(frozen=True)
class FactorUsed:
    """One factor behind an invoice's figures: an entry of its ``emission_factors``.

    ``id`` is the stable id of the data row (``eea:ES:2024``, ``desnz:1_100_1004_6_1``,
    ``custom:<uuid>``); ``method`` says what the factor was used for (``location_based``,
    ``market_based``, ``upstream``, ``transmission_and_distribution``, ``combustion``, ...), ``basis``
    what the factor is (``generation``, ``lifecycle``, ``residual_mix``, ``certificate``, ...:
    docs/methodology.md lists them).
    """

    id: str
    source: str
    year: int
    region: str
    value: float
    unit: str
    method: str
    dataset_version: str
    basis: str = ""


@dataclass(frozen=True)
class ScopePart:
    """The part of an invoice's emissions in one GHG Protocol scope (and Scope 3 category), in kg."""

    scope: int
    category: int | None  # the Scope 3 category (3: fuel- and energy-related activities); None for 1, 2
    co2e: float  # market-based for Scope 2
    co2e_location_based: float


def sum_by_scope(contributions: Iterable[tuple[int, int | None, float, float]]) -> tuple[ScopePart, ...]:
    """``(scope, category, co2e, co2e_location_based)`` kilograms summed into one part per scope and
    category (``math.fsum``: exactly rounded), Scope 1 first: a calculation's parts, or a distributed
    invoice's from its children's."""
    sums: dict[tuple[int, int | None], tuple[list[float], list[float]]] = {}
    for scope, category, market, location in contributions:
        kilograms = sums.setdefault((scope, category), ([], []))
        kilograms[0].append(market)
        kilograms[1].append(location)
    return tuple(
        ScopePart(
            scope=scope, category=category, co2e=math.fsum(market), co2e_location_based=math.fsum(location)
        )
        for (scope, category), (market, location) in sorted(
            sums.items(), key=lambda entry: (entry[0][0], entry[0][1] or 0)
        )
    )


@dataclass(frozen=True)
class YearEmissions:
    """The part of an invoice's emissions computed for one calendar year of its period, in kg."""

    year: int
    days: int  # of the period in that year
    co2e: float
    co2e_location_based: float
    co2e_biomass: float
    by_scope: tuple[ScopePart, ...]


@dataclass(frozen=True)
class Emissions:
    """An invoice's emissions in kg: ``co2e`` is the sum of ``by_scope``'s ``co2e`` parts and of the
    breakdown consumption + generation + T&D; ``co2e_location_based`` likewise."""

    co2e: float  # market-based where Scope 2 has two bases
    co2e_biomass: float  # biogenic CO2, reported outside of the scopes
    co2e_location_based: float
    co2e_consumption: float  # the primary scope's part (Scopes 1 and 2; water: all of it)
    co2e_generation: float  # upstream: well-to-tank of the fuel or of the electricity generated
    co2e_transmission_and_distribution: float  # grid or heat-network losses
    scope: int  # the invoice's primary scope, as the public API has it
    by_scope: tuple[ScopePart, ...]
    by_year: tuple[YearEmissions, ...]  # the same kilograms, by calendar year of the period
    emission_factors: tuple[FactorUsed, ...]
    notices: tuple[str, ...]  # user-facing: fallbacks, splits, substitutions
    certified_share: float = 0.0  # electricity: the share of the kWh covered by certificates (0..1)


class CalculationError(Exception):
    """What the user must fix before the invoice can be computed; ``messages`` are user-facing."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)
