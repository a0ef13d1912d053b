"""Pydantic models of the API: request bodies, resources and their pages.

Each field rule lives here once; the functions' resolvers validate requests against these models
(422 with field-level detail) and the OpenAPI document is generated from them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Generic, TypeVar
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from carbon_accounting.countries import ISO_3166_ALPHA2


def _iso_country(value: str) -> str:
    code = value.upper()
    if code not in ISO_3166_ALPHA2:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


CountryCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=2),
    AfterValidator(_iso_country),
    Field(description="ISO 3166-1 alpha-2 country code", examples=["ES"]),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
CupsList = Annotated[list[Annotated[str, StringConstraints(max_length=40)]], Field(max_length=500)]


class RequestModel(BaseModel):
    """Request bodies reject unknown fields, so a misspelt field is an error and not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class FacilityStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class FacilityCreate(RequestModel):
    name: Name
    country: CountryCode
    type: ShortText | None = Field(default=None, description="Free-form kind, e.g. office, plant")
    address: LongText | None = None
    cups_list: CupsList = Field(default_factory=list, description="CUPS of the facility's supply points")


class PartialUpdate(RequestModel):
    """A partial update: only the fields present change; ``null`` clears an optional one."""

    NOT_NULL: ClassVar[tuple[str, ...]] = ()  # fields that can change but never be cleared

    @model_validator(mode="after")
    def _has_changes(self) -> PartialUpdate:
        if not self.model_fields_set:
            raise ValueError("the update names no field")
        for required in self.NOT_NULL:
            if required in self.model_fields_set and getattr(self, required) is None:
                raise ValueError(f"{required} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, with their new values (``None`` meaning clear)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class FacilityUpdate(PartialUpdate):
    NOT_NULL = ("name", "status", "country", "cups_list")

    name: Name | None = None
    status: FacilityStatus | None = None
    country: CountryCode | None = None
    type: ShortText | None = None
    address: LongText | None = None
    cups_list: CupsList | None = None


class Facility(BaseModel):
    id: UUID
    organization_id: UUID
    name: str
    country: str
    type: str | None = None
    address: str | None = None
    cups_list: list[str] = Field(default_factory=list)
    status: FacilityStatus
    version: int = Field(description="Increases on every change; send it back in If-Match")
    created_at: datetime
    updated_at: datetime


Item = TypeVar("Item", bound=BaseModel)


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    page: int
    size: int
    pages: int


class CustomEmissionFactorCreate(RequestModel):
    name: Name
    unit_id: UUID
    factor: Annotated[float, Field(ge=0, allow_inf_nan=False, description="kg CO2e per unit")]
    valid_from: date | None = None
    valid_to: date | None = None
    renewable_percentage: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None


class CustomEmissionFactor(BaseModel):
    id: UUID
    organization_id: UUID
    name: str
    unit_id: UUID
    factor: float
    valid_from: date | None = None
    valid_to: date | None = None
    renewable_percentage: float | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class Organization(BaseModel):
    id: UUID
    name: str
    parent_id: UUID | None = None
    ancestors: list[UUID] = Field(default_factory=list, description="parent first, root last")

    @property
    def lineage(self) -> list[UUID]:
        """This organization and every organization above it."""
        return [self.id, *self.ancestors]


class ApiKey(BaseModel):
    """A stored API key: only its SHA-256 hash is kept."""

    key_hash: str
    key_id: str
    organization_id: UUID
    revoked: bool = False


class User(BaseModel):
    id: UUID
    email: str


class Caller(BaseModel):
    """Who is calling and for which organization, as the authorizer established it."""

    model_config = ConfigDict(frozen=True)

    organization_id: UUID
    principal: str = Field(description="api_key:<key id> or user:<user id>")
    user_id: UUID | None = None


class ErrorBody(BaseModel):
    detail: str
    code: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    detail: list[FieldError]
    code: str = "VALIDATION_ERROR"
