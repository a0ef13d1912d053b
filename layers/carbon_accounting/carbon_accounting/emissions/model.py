"""What the engine takes and gives: an invoice's activity in, its emissions out.

Plain frozen dataclasses rather than pydantic models: the engine trusts its caller (the invoice models
validate requests), and the calculator builds many of these per batch of stream records.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class FactorUsed:
    """One factor behind an invoice's figures: an entry of its ``emission_factors``.

    ``id`` is the stable id of the data row (``ember:ES:2024``, ``desnz:1_100_1004_6_1``,
    ``custom:<uuid>``); ``method`` says what the factor was used for.
    """

    id: str
    source: str
    year: int
    region: str
    value: float
    unit: str
    method: str
    dataset_version: str


@dataclass(frozen=True)
class Emissions:
    """An invoice's emissions in kg. ``co2e`` is always consumption + generation + T&D."""

    co2e: float  # market-based total for electricity
    co2e_biomass: float  # biogenic CO2, reported outside of the scopes
    co2e_location_based: float  # electricity and recharge: location-based total; others: = co2e
    co2e_consumption: float
    co2e_generation: float  # upstream of the electricity generated
    co2e_transmission_and_distribution: float
    scope: int
    emission_factors: tuple[FactorUsed, ...]
    notices: tuple[str, ...]  # user-facing: fallbacks, splits, substitutions


class CalculationError(Exception):
    """What the user must fix before the invoice can be computed; ``messages`` are user-facing."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)
