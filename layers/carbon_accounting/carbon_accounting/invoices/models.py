"""The invoice's request and response models, as the public Invoices API names them.

The response is a discriminated union on ``type``: the fields of one type never appear on another.
"""

import re
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import ConfigDict, Field, TypeAdapter, model_validator

from carbon_accounting import examples
from carbon_accounting.base import Model
from carbon_accounting.emissions import CalorificBasis, FactorUsed, InvoiceType
from carbon_accounting.files import linked
from carbon_accounting.models import (
    FILE_TYPES,
    GIVEN,
    NULL,
    CoveredQuantity,
    CustomEmissionFactor,
    FileName,
    FileSize,
    FileUpload,
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
    YearEmissions,
    ends_in,
    named_ending_in,
    text,
)
from carbon_accounting.repository.records import InvoiceRecord
from carbon_accounting.supply.identifiers import point_of
from carbon_accounting.supply.models import QualityFlag

Reference = Annotated[str, *text(100)]
CalorificBasisField = Annotated[
    CalorificBasis,
    Field(
        description="Heat burned, in an energy unit: whether the kWh are of gross (higher) or net (lower) "
        "calorific value. Absent: the basis of the factor applied (gross for fossil fuels, as gas bills in "
        "the UK and the EU print them; net for bioenergy)"
    ),
]
MAX_PERIOD_DAYS = 731  # an invoice's longest period: two years, one of them a leap year
CupsText = Annotated[str, *text(40, blank=True, strip=False)]
FileUrl = Annotated[str, *text(2048, blank=True, strip=False)]
DisplayName = Annotated[
    str,
    *text(200, blank=True),
    Field(description="Ignored: the name is taken from the organization's or facility's record"),
]


Reading = Annotated[
    Literal["actual", "estimated"],
    Field(description="How the bill's meter reading was taken; estimated flags the invoice (quality_flags)"),
]
SupplyPointLink = Annotated[
    UUID,
    Field(
        description="A supply point of the invoice's one facility (GET /v1/facilities/{facility_id}/"
        "supply-points). Absent: its cups names one, else its facility's implicit one of its type and fuel"
    ),
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
        frozenset(
            {"supplier_id", "cups", "custom_emission_factor_id", "certified_quantity", "supply_point_id"}
        ),
        frozenset(),
    ),
    InvoiceType.HEAT: (
        frozenset({"supplier_id", "custom_emission_factor_id", "calorific_basis", "supply_point_id"}),
        frozenset({"facility_fuel_id"}),
    ),
    InvoiceType.WATER: (frozenset({"supplier_id", "supply_point_id"}), frozenset()),
    InvoiceType.RECHARGE: (
        frozenset({"supplier_id", "toc", "facility_fuel_id", "custom_emission_factor_id", "supply_point_id"}),
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
    calorific_basis: CalorificBasisField | None = None
    supply_point_id: SupplyPointLink | None = None
    reading: Reading | None = None

    @model_validator(mode="after")
    def _one_way_to_name_facilities(self) -> Self:
        if self.facility_percentages and self.facility_id:
            raise ValueError("give facility_percentages or the deprecated facility_id, not both")
        return self


class InvoiceUpdate(PartialUpdate):
    NOT_NULL = ("facility_id", "status", "base_quantity", "unit_id", "start_date", "end_date", "type")

    type: Annotated[str, Field(json_schema_extra={"enum": list(InvoiceType)})] | None = Field(
        default=None, description="Only for an invoice read from a document whose type was not read"
    )
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
    calorific_basis: CalorificBasisField | None = None
    supply_point_id: SupplyPointLink | None = Field(
        default=None,
        description="Link the invoice to this supply point of its facility; a change of cups, "
        "facility_fuel_id or facility_id without it links it by its fields again",
    )
    reading: Reading | None = None


class ExtractedField(Model):
    value: str | float | None
    page: int | None = Field(description="From 1; null for a value given at upload")
    source: str = Field(description="The text the value was read from")
    confidence: float = Field(ge=0, le=1)


class TariffPeriod(Model):
    period: str = Field(description="P1 to P6")
    value: float
    unit: str
    page: int
    source: str
    confidence: float = Field(ge=0, le=1)


class Extraction(Model):
    extractor: str = Field(description="text_layer (the PDF's own text) or textract")
    read_at: datetime
    reason: str | None = Field(
        default=None,
        description="Why the invoice is in review: incomplete, duplicate, credit_note, not_a_bill, "
        "no_text_layer, unreadable or rejected; null when it was filled in",
    )
    fields: dict[str, ExtractedField] = Field(
        description="Each field read, by the create request's name (plus amount and currency)"
    )
    tariff_periods: list[TariffPeriod] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="Required fields the document did not give")
    problems: list[str] = Field(default_factory=list, description="What was contradictory or refused")


DocumentType = Literal["electricity", "heat", "water"]


class DocumentRequest(RequestModel):
    file_name: Annotated[
        FileName, Field(json_schema_extra={"pattern": named_ending_in(FILE_TYPES["application/pdf"])})
    ]
    mime_type: Literal["application/pdf"]
    size_kb: FileSize
    type: DocumentType | None = Field(
        default=None, description="Heat is a natural-gas bill; read when absent"
    )
    facility_id: UUID | None = Field(default=None, description="Matched by the bill's CUPS when absent")

    @model_validator(mode="after")
    def _a_pdf_name(self) -> Self:
        if not re.search(ends_in(FILE_TYPES["application/pdf"]), self.file_name):
            raise ValueError("a document's file_name ends in .pdf")
        return self


class FacilityShare(Model):
    organization_id: UUID
    facility_id: UUID
    percentage: float
    company_name: str | None = None
    facility_name: str | None = None


class InvoiceCommon(Model):
    """The fields every invoice has, whatever its type."""

    id: UUID
    quantity: float | None = Field(default=None, description="null while a document is being read")
    base_quantity: float | None = Field(default=None, description="null while a document is being read")
    percentage: float | None = Field(default=None, description="null while a document is being read")
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
    emissions_by_year: list[YearEmissions] | None = Field(
        default=None,
        description="The same figures by calendar year of the period, each year with its own factors "
        "(a period across years is split by days); null for a distributed invoice, whose facilities' "
        "invoices have them, and for figures computed before they were recorded",
    )
    start_date: date | None = Field(default=None, description="null while a document is being read")
    end_date: date | None = Field(default=None, description="null while a document is being read")
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
    extraction: Extraction | None = Field(
        default=None, description="What was read from the document the invoice was drafted from"
    )
    duplicate_of: UUID | None = Field(
        default=None, description="The invoice the document repeats (same supply, number and period)"
    )
    supply_point_id: UUID | None = Field(
        default=None,
        description="Its supply point (null for a distributed invoice: each facility's share has one)",
    )
    reading: str | None = Field(default=None, description="actual or estimated, as the bill says")
    quality_flags: list[QualityFlag] = Field(
        default_factory=list,
        description="What looks wrong next to its supply point's other bills, set with its figures; never "
        "blocks them",
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
    calorific_basis: str | None = None
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


class UnreadInvoice(InvoiceCommon):
    """An invoice drafted from a document whose type is not known yet (uploaded, or in review)."""

    type: Literal[None] = None


Invoice = Annotated[
    ElectricityInvoice | HeatInvoice | WaterInvoice | RechargeInvoice | ProcessInvoice | UnreadInvoice,
    Field(discriminator="type"),
]


class DocumentUpload(Model):
    """A document's invoice (``uploaded`` until it is read) and the presigned POST to upload it with."""

    invoice: Invoice
    upload: FileUpload


@cache
def _adapter() -> TypeAdapter[Invoice]:
    return TypeAdapter(Invoice)


def parse_invoice(item: InvoiceRecord) -> Invoice:
    """A stored invoice as the API shows it: its type's model, with a fresh link to its attachment.

    The union's adapter is built on first use (cold start).
    """
    shown = item if "type" in item else item | {"type": None}
    if not item.get("supply_point_id") and (point := point_of(item)):  # written before supply points
        shown = shown | {"supply_point_id": point.id}
    return _adapter().validate_python(linked(shown))
