"""The invoice's request and response models, as the public Invoices API names them.

The response is a discriminated union on ``type``: the fields of one type never appear on another.
"""

from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import ConfigDict, Field, TypeAdapter, model_validator

from carbon_accounting import examples
from carbon_accounting.base import Model
from carbon_accounting.emissions import FactorUsed, InvoiceType
from carbon_accounting.files import linked
from carbon_accounting.models import (
    GIVEN,
    NULL,
    CoveredQuantity,
    CustomEmissionFactor,
    FuelId,
    InvoiceStatus,
    IsoDate,
    PartialUpdate,
    Quantity,
    RequestModel,
    ScopeEmissions,
    Share,
    SupplierId,
    UnitId,
    text,
)

Reference = text(100)
CupsText = text(40, blank=True, strip=False)
FileUrl = text(2048, blank=True, strip=False)
DisplayName = Annotated[
    text(200, blank=True),
    Field(description="Ignored: the name is taken from the organization's or facility's record"),
]


class FacilityPercentage(RequestModel):
    organization_id: UUID
    facility_id: UUID
    percentage: Share
    company_name: DisplayName | None = None
    facility_name: DisplayName | None = None


# Per type: the optional fields it accepts and the ones it requires (the public API's type rules:
# lifecycle answers 400 MISSING_REQUIRED_FIELD or FIELD_NOT_ALLOWED, and the document shows them).
# Every type takes an attachment (file_id or file_url).
FIELDS_BY_TYPE: dict[InvoiceType, tuple[frozenset[str], frozenset[str]]] = {
    InvoiceType.ELECTRICITY: (
        frozenset({"supplier_id", "cups", "custom_emission_factor_id", "certified_quantity"}),
        frozenset(),
    ),
    InvoiceType.HEAT: (
        frozenset({"supplier_id", "custom_emission_factor_id"}),
        frozenset({"facility_fuel_id"}),
    ),
    InvoiceType.WATER: (frozenset({"supplier_id"}), frozenset()),
    InvoiceType.RECHARGE: (
        frozenset({"supplier_id", "toc", "facility_fuel_id", "custom_emission_factor_id"}),
        frozenset(),
    ),
    InvoiceType.PROCESS: (frozenset(), frozenset({"custom_emission_factor_id"})),
}
TYPE_SPECIFIC = frozenset().union(*(optional | required for optional, required in FIELDS_BY_TYPE.values()))


def _type_rules(schema: dict[str, Any]) -> None:
    """For the document, what lifecycle checks per type: the fields it requires (given, not null)
    and refuses (absent or null) in FIELDS_BY_TYPE, and the units it may be measured in."""
    from carbon_accounting import emissions

    def units(invoice_type: InvoiceType) -> list[str]:
        return [str(unit.id) for unit in emissions.units() if unit.type in emissions.units_for(invoice_type)]

    schema["allOf"] = [
        {
            "if": {"properties": {"type": {"const": str(invoice_type)}}, "required": ["type"]},
            "then": {
                **({"required": sorted(required)} if required else {}),
                "properties": {
                    "unit_id": {"enum": units(invoice_type)},
                    **dict.fromkeys(sorted(required), GIVEN),
                    **dict.fromkeys(sorted(TYPE_SPECIFIC - optional - required), NULL),
                },
            },
        }
        for invoice_type, (optional, required) in FIELDS_BY_TYPE.items()
    ]
    # What _one_way_to_name_facilities refuses.
    schema["not"] = {
        "required": ["facility_percentages", "facility_id"],
        "properties": {"facility_percentages": {"type": "array"}, "facility_id": {"type": "string"}},
    }


class InvoiceCreate(RequestModel):
    model_config = ConfigDict(json_schema_extra=_type_rules)

    # `type` is checked by the domain, so an unknown type answers 400 INVALID_INVOICE_TYPE.
    type: Annotated[str, Field(json_schema_extra={"enum": list(InvoiceType)})]
    base_quantity: Quantity
    unit_id: UnitId
    start_date: IsoDate
    end_date: IsoDate
    uploaded_by: UUID | None = Field(default=None, description="Defaults to the calling user")
    facility_percentages: Annotated[list[FacilityPercentage], Field(min_length=1)] | None = None
    facility_id: UUID | None = Field(
        default=None,
        description="Deprecated: use facility_percentages",
        json_schema_extra={"deprecated": True},
    )
    invoice_id: Reference | None = Field(default=None, description="The supplier's invoice number")
    supplier_id: SupplierId | None = None
    facility_fuel_id: FuelId | None = None
    cups: CupsText | None = None
    file_url: FileUrl | None = Field(default=None, description="The url of an uploaded file")
    file_id: UUID | None = Field(default=None, description="An uploaded file (POST /v1/files/presigned-urls)")
    custom_emission_factor_id: UUID | None = None
    toc: Reference | None = None
    certified_quantity: CoveredQuantity | None = Field(
        default=None,
        description="Electricity covered by energy attribute certificates (guarantees of origin, RECs) "
        "retired for this invoice, in its unit_id: market-based Scope 2 counts it at 0",
    )

    @model_validator(mode="after")
    def _one_way_to_name_facilities(self) -> Self:
        if self.facility_percentages and self.facility_id:
            raise ValueError("give facility_percentages or the deprecated facility_id, not both")
        return self


class InvoiceUpdate(PartialUpdate):
    NOT_NULL = ("facility_id", "status", "base_quantity", "unit_id", "start_date", "end_date")

    uploaded_by: UUID | None = None
    facility_id: UUID | None = Field(default=None, description="Single-facility invoices only")
    supplier_id: SupplierId | None = None
    status: Literal["active", "inactive", "review"] | None = None
    invoice_id: Reference | None = None
    cups: CupsText | None = None
    base_quantity: Quantity | None = None
    unit_id: UnitId | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    facility_fuel_id: FuelId | None = None
    custom_emission_factor_id: UUID | None = None
    toc: Reference | None = None
    file_id: UUID | None = Field(default=None, description="Attach an uploaded file; null detaches")
    file_url: FileUrl | None = Field(default=None, description="Attach an uploaded file by its url")
    certified_quantity: CoveredQuantity | None = Field(
        default=None, description="Electricity only, in the unit_id the invoice was sent in; null clears"
    )


class FacilityShare(Model):
    organization_id: UUID
    facility_id: UUID
    percentage: float
    company_name: str | None = None
    facility_name: str | None = None


class InvoiceCommon(Model):
    """The fields every invoice has, whatever its type."""

    id: UUID
    quantity: float
    base_quantity: float
    percentage: float
    status: InvoiceStatus
    co2e: float | None = Field(default=None, description="kg CO2e, the sum of emissions_by_scope's co2e")
    co2e_biomass: float | None = None
    co2e_location_based: float | None = Field(
        default=None, description="kg CO2e, the sum of emissions_by_scope's co2e_location_based"
    )
    co2e_consumption: float | None = Field(default=None, description="The primary scope's part")
    co2e_generation: float | None = Field(default=None, description="Upstream: well-to-tank (Scope 3.3)")
    co2e_transmission_and_distribution: float | None = Field(
        default=None, description="Grid or heat-network losses (Scope 3.3)"
    )
    emissions_by_scope: list[ScopeEmissions] | None = Field(
        default=None, description="The figures by scope and Scope 3 category, once computed"
    )
    start_date: date
    end_date: date
    unit_id: UUID | None = None
    original_quantity: float | None = None
    original_unit_id: UUID | None = None
    facility_id: UUID | None = None
    uploaded_by: UUID | None = None
    invoice_id: str | None = None
    cups: str | None = None
    file_url: str | None = Field(
        default=None, description="A fresh presigned link to the attached file, valid 15 minutes"
    )
    file_name: str | None = None
    file_id: UUID | None = None
    source_invoice_id: UUID | None = None
    enabled: bool | None = True
    created_at: datetime | None = None
    updated_at: datetime | None = None
    toc_id: str | None = None
    invofox_id: str | None = None
    facility_percentages: list[FacilityShare] | None = None
    error_messages: list[str] = Field(default_factory=list)
    notices: list[str] = Field(
        default_factory=list, description="How the figures were obtained: fallbacks, splits, substitutions"
    )
    scope: int | None = None
    emission_factors: list[FactorUsed] = Field(default_factory=list)
    dataset_version: str | None = Field(
        default=None, description="The dataset versions of the emission factors, joined by '+'"
    )
    methodology_version: str | None = Field(
        default=None, description="The version of docs/methodology.md the figures were computed by"
    )
    version: int


class ElectricityInvoice(InvoiceCommon):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.INVOICE_ANSWER]})

    type: Literal["electricity"]
    supplier_id: UUID | None = None
    custom_emission_factor_id: UUID | None = None
    custom_emission_factor: CustomEmissionFactor | None = None
    certified_quantity: float | None = None


class HeatInvoice(InvoiceCommon):
    type: Literal["heat"]
    facility_fuel_id: UUID | None = None
    supplier_id: UUID | None = None
    custom_emission_factor_id: UUID | None = None
    custom_emission_factor: CustomEmissionFactor | None = None


class WaterInvoice(InvoiceCommon):
    type: Literal["water"]
    supplier_id: UUID | None = None


class RechargeInvoice(InvoiceCommon):
    type: Literal["recharge"]
    facility_fuel_id: UUID | None = None
    supplier_id: UUID | None = None
    custom_emission_factor_id: UUID | None = None
    custom_emission_factor: CustomEmissionFactor | None = None


class ProcessInvoice(InvoiceCommon):
    type: Literal["process"]
    custom_emission_factor_id: UUID | None = None
    custom_emission_factor: CustomEmissionFactor | None = None


Invoice = Annotated[
    ElectricityInvoice | HeatInvoice | WaterInvoice | RechargeInvoice | ProcessInvoice,
    Field(discriminator="type"),
]


@cache
def _adapter() -> TypeAdapter[Invoice]:
    return TypeAdapter(Invoice)


def parse_invoice(item: dict[str, Any]) -> Invoice:
    """A stored invoice as the API shows it: its type's model, with a fresh link to its attachment.

    The union's adapter is built on first use (cold start).
    """
    return _adapter().validate_python(linked(item))
