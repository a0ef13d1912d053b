"""The supply points' and coverage's request and response models."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from carbon_accounting.base import Model
from carbon_accounting.models import Name, PartialUpdate, RequestModel, text
from carbon_accounting.supply.identifiers import IdentifierKind

SupplyType = Literal["electricity", "heat", "water", "recharge"]


class SupplyPointStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"  # no longer billed: coverage expects no bill after its last one


class SupplyPointCreate(RequestModel):
    type: SupplyType
    identifier: Annotated[str, *text(64), Field(description="As printed on the bill; spaces are ignored")]
    identifier_kind: IdentifierKind = Field(
        description="cups (Spain, electricity and gas), mpan (Great Britain, electricity: its 13-digit "
        "core or the full 21 characters; the check digit is verified), mprn (Great Britain, gas: 6 to "
        "10 digits) or meter (any other meter number)"
    )
    name: Name | None = Field(default=None, description="Defaults to the identifier")
    status: SupplyPointStatus = SupplyPointStatus.ACTIVE


class SupplyPointUpdate(PartialUpdate):
    NOT_NULL = ("name", "status")

    name: Name | None = None
    status: SupplyPointStatus | None = Field(
        default=None, description="closed: no longer billed (coverage expects no bill after its last)"
    )


class SupplyPoint(Model):
    model_config = ConfigDict(use_enum_values=True)

    id: UUID
    organization_id: UUID
    facility_id: UUID
    type: str
    identifier: str | None = Field(description="null for the implicit supply point of a type and fuel")
    identifier_kind: IdentifierKind | None
    facility_fuel_id: UUID | None = Field(default=None, description="The implicit supply point's fuel")
    name: str
    status: SupplyPointStatus
    registered: bool = Field(
        description="Whether it was registered (POST or PATCH); false for one named by the facility's "
        "cups_list or by its invoices only"
    )
    version: int = Field(description="0 until registered; send it back in If-Match")
    created_at: datetime | None = None
    updated_at: datetime | None = None


FlagKind = Literal["outlier", "estimated", "overlap", "duplicate"]


class QualityFlag(Model):
    kind: FlagKind = Field(
        description="outlier (daily consumption over 3 standard deviations from the supply point's "
        "previous 12 invoices, or over ±50% from the same period a year before), estimated (the bill "
        "says its reading is estimated), overlap (more than one day billed by another invoice of the "
        "supply point too), duplicate (another invoice has the same period and quantity)"
    )
    detail: str


MonthStatus = Literal["complete", "partial", "missing", "overlap"]
IssueKind = Literal["gap", "overlap", "duplicate", "stale"]


class CoverageMonth(Model):
    month: str = Field(description="YYYY-MM")
    days: int = Field(
        description="The month's days in the window (up to today) the supply point is expected billed"
    )
    covered_days: int = Field(description="Those days an invoice of the supply point covers")
    invoices: list[UUID] = Field(description="The invoices covering any day of it")
    status: MonthStatus = Field(
        description="overlap if more than one day of an overlap falls in it, else complete (every day "
        "covered), partial or missing (no day)"
    )


class CoverageIssue(Model):
    kind: IssueKind = Field(
        description="gap: days no invoice covers, between or after the supply point's bills; overlap: "
        "more than one day covered twice; duplicate: the same period and quantity twice; stale: no bill "
        "ended in the last stale_after_months months"
    )
    start_date: date
    end_date: date
    invoice_ids: list[UUID] = Field(description="The invoices concerned (a gap: the bills around it)")
    detail: str


class SupplyPointCoverage(Model):
    supply_point: SupplyPoint
    months: list[CoverageMonth] = Field(
        description="From its first bill (or the window's start) to the window's end, today, or a closed "
        "supply point's last bill"
    )
    issues: list[CoverageIssue]


class CoverageSummary(Model):
    supply_points: int
    months: int
    complete_months: int
    coverage_ratio: float = Field(description="complete_months / months (1 when no month is expected)")
    issues: dict[IssueKind, int] = Field(description="The issues found, by kind")
    quality_flags: dict[FlagKind, int] = Field(
        description="The invoices in the window carrying each quality flag (an invoice counts once a flag)"
    )


class Coverage(Model):
    start_date: date
    end_date: date
    stale_after_months: int
    supply_points: list[SupplyPointCoverage]
    summary: CoverageSummary


StaleAfterMonths = Annotated[
    int,
    Field(
        ge=1,
        le=24,
        description="After how many months without a bill ending coverage calls an active supply point stale",
    ),
]


class CoverageSettings(RequestModel):
    stale_after_months: StaleAfterMonths


class CoverageSettingsView(Model):
    organization_id: UUID
    stale_after_months: int
