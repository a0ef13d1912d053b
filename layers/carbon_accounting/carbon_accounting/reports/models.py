"""The inventory report's shape (``GET /v1/reports/inventory``): what a team hands its auditor.

Kilograms of CO2e throughout (``co2e`` market-based, ``co2e_location_based``), as the summary gives
them, so that the report's totals equal ``GET /v1/emissions/summary``'s to the gram; the ESRS
datapoints are in tonnes, as ESRS E1 asks. Energy is in MWh.
"""

from datetime import date
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import Field

from carbon_accounting.base import Model


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class Quantity(Model):
    unit_id: UUID
    unit: str = Field(description="The unit's symbol: kwh, m³, t...")
    quantity: float


class Line(Model):
    """Kilograms of one line of the inventory, both ways, and the invoices behind them."""

    co2e: float = Field(description="kg CO2e, market-based where Scope 2 has two bases")
    co2e_location_based: float
    invoices: int


class Entity(Model):
    organization_id: UUID
    name: str
    parent_id: UUID | None


class EntityLine(Line, Entity):
    co2e_biomass: float


class Period(Model):
    start_date: date
    end_date: date
    months: int


class Consolidation(Model):
    approach: Literal["operational_control"] = Field(
        description="The GHG Protocol's consolidation approach (docs/methodology.md)"
    )
    entities: list[EntityLine] = Field(description="The organization and each subsidiary, with its figures")


class FacilityLine(Line):
    facility_id: UUID
    facility: str
    organization_id: UUID
    organization: str
    country: str


class FuelLine(Line):
    fuel_id: UUID
    fuel: str
    quantity: list[Quantity]


class ScopeOne(Model):
    co2e: float
    invoices: int
    by_fuel: list[FuelLine]
    by_facility: list[FacilityLine]


class CountryLine(Line):
    country: str


class ContractualInstruments(Model):
    electricity_mwh: float = Field(description="Electricity bought (EV recharge included)")
    certified_mwh: float = Field(description="Covered by energy attribute certificates (GOs, RECs...)")
    certified_share: float = Field(description="certified_mwh / electricity_mwh (0 when none was bought)")


class ScopeTwo(Model):
    location_based: float
    market_based: float
    invoices: int
    by_facility: list[FacilityLine]
    by_country: list[CountryLine]
    contractual_instruments: ContractualInstruments


class CategoryLine(Line):
    line: Literal["well_to_tank", "transmission_and_distribution"]


class Category(Line):
    category: int
    name: str
    lines: list[CategoryLine]


class ScopeThree(Model):
    co2e: float
    co2e_location_based: float
    categories: list[Category]


class InventoryTotals(Model):
    location_based: float = Field(description="Scopes 1, 2 (location-based) and 3, kg CO2e")
    market_based: float = Field(description="Scopes 1, 2 (market-based) and 3, kg CO2e")
    co2e_biomass: float = Field(description="Biogenic CO2, outside of the scopes, kg")
    invoices: int


class FuelEnergy(Model):
    fuel_id: UUID
    fuel: str
    mwh: float
    renewable: bool = Field(description="Bioenergy (biomass, biogas): renewable")


class Energy(Model):
    total_mwh: float
    electricity_mwh: float
    fuels: list[FuelEnergy] = Field(description="Fuels burned on site (Scope 1), by fuel")
    heat_and_steam_mwh: float = Field(description="Heat, steam and cooling bought from a network")
    renewable_mwh: float = Field(description="Bioenergy, and electricity covered by certificates")
    fossil_mwh: float = Field(description="Fossil fuels burned on site")
    unattributed_mwh: float = Field(
        description="Bought without certificates: the factors hold no generation mix to split it by source"
    )
    renewable_share: float
    not_converted: list[Quantity] = Field(
        description="Quantities with no energy content known (a fuel measured in a unit it cannot be read in)"
    )


class Datapoint(Model):
    requirement: str = Field(description="The ESRS disclosure requirement, e.g. E1-6")
    paragraph: str = Field(description="The paragraph of ESRS E1 it answers, e.g. 44 (a)")
    datapoint: str
    value: float | None = Field(description="None where the data cannot say it")
    unit: str


class FactorSet(Model):
    dataset_version: str = Field(description="The dataset and its edition, e.g. aib-2024")
    year: int = Field(description="The data year of the factors used")
    source: str = Field(description="Publisher, title and licence")
    invoices: int


class NoticeCount(Model):
    notice: str
    invoices: int


class Completeness(Model):
    supply_points: int
    months: int = Field(description="Supply-point months expected to be billed")
    complete_months: int
    coverage_ratio: float
    gaps: int
    overlaps: int
    issues: dict[str, int]


class DataQuality(Model):
    invoices: int
    by_origin: dict[str, int] = Field(description="api (typed), csv (bulk import), document (a bill read)")
    estimated_readings: int
    outliers: int
    custom_factors: int = Field(description="Invoices computed with the organization's own factor")
    quality_flags: dict[str, int]


class MonthLine(Model):
    """One month's kilograms by scope (Scope 3: every category)."""

    month: str = Field(description="YYYY-MM")
    scope_1: float
    scope_2_location_based: float
    scope_2_market_based: float
    scope_3: float


class InventoryReport(Model):
    organization: Entity
    period: Period
    consolidation: Consolidation
    by_facility: list[FacilityLine] = Field(description="Every scope, by facility, the largest first")
    by_month: list[MonthLine]
    scope_1: ScopeOne
    scope_2: ScopeTwo
    scope_3: ScopeThree
    biogenic_co2: float = Field(description="kg of biogenic CO2, outside of the scopes")
    totals: InventoryTotals
    energy: Energy
    esrs_e1_6: list[Datapoint]
    esrs_e1_5: list[Datapoint]
    factor_sets: list[FactorSet]
    notices: list[NoticeCount]
    completeness: Completeness
    data_quality: DataQuality
