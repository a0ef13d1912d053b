"""Pydantic models of the API: request bodies, resources and their pages.

Each field rule lives here once; the functions' resolvers validate requests against these models
(422 with field-level detail) and the OpenAPI document is generated from them.
"""

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from carbon_accounting import examples
from carbon_accounting.base import Model
from carbon_accounting.countries import ISO_3166_ALPHA2


def _letters_pattern(codes: frozenset[str]) -> str:
    """A JSON Schema pattern matching exactly ``codes``, in any case: ``^(?:[Aa][DdEe]|...)$``."""
    groups: dict[str, list[str]] = {}
    for code in sorted(codes):
        groups.setdefault(code[0], []).append(code[1])
    either = "".join
    return (
        "^(?:"
        + "|".join(
            f"[{first}{first.lower()}][{either(seconds)}{either(seconds).lower()}]"
            for first, seconds in groups.items()
        )
        + ")$"
    )


COUNTRY_PATTERN = _letters_pattern(ISO_3166_ALPHA2)


def _iso_country(value: str) -> str:
    if not re.fullmatch(COUNTRY_PATTERN, value):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value.upper()


CountryCode = Annotated[
    str,
    AfterValidator(_iso_country),
    Field(
        description="ISO 3166-1 alpha-2 country code, any case (stored upper case)",
        examples=["ES"],
        json_schema_extra={"pattern": COUNTRY_PATTERN},
    ),
]

# The spellings of a UUID that pydantic reads (hyphenated, 32 hex digits, braced, urn:uuid:): the
# document adds this pattern wherever it says "format": "uuid" (a format only annotates, in JSON
# Schema 2020-12; the pattern is what a validator asserts).
_HYPHENATED = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
UUID_PATTERN = rf"^(?:{_HYPHENATED}|[0-9a-fA-F]{{32}}|\{{{_HYPHENATED}\}}|urn:uuid:{_HYPHENATED})$"


def _one_of_catalogue(catalogue: str) -> Any:
    """The ``Field`` of a UUID that must name an entry of an emissions catalogue (``units``,
    ``suppliers``, ``fuels``): the document lists the ids (read when the schema is generated, not at
    import)."""

    def listed(schema: dict[str, Any]) -> None:
        from carbon_accounting import emissions

        schema["enum"] = [str(entry.id) for entry in getattr(emissions, catalogue)()]

    return Field(json_schema_extra=listed)


UnitId = Annotated[UUID, _one_of_catalogue("units")]
SupplierId = Annotated[UUID, _one_of_catalogue("suppliers")]
FuelId = Annotated[UUID, _one_of_catalogue("fuels")]

# ------------------------------------------------------------------ bounds
# Every free text and number a request can store is declared here once; the API, the bulk importer
# and the OpenAPI document all read these types (README "Limits"). Each rule is also written into the
# JSON Schema (a pattern, a bound), so that a request the document calls valid is never refused.

# Refused in free text: control characters (NUL, BEL, tab, newlines...), line and paragraph
# separators, lone surrogates, and the bidirectional embeddings, overrides and isolates that make a
# text display as something else than it is (U+202A-U+202E, U+2066-U+2069). The direction marks
# U+200E/U+200F stay allowed: right-to-left names need them, and they reorder nothing. (Lone
# surrogates cannot be written in a JSON Schema pattern; nothing that generates from one makes them.)
_UNPRINTABLE_CLASS = r"\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNPRINTABLE = re.compile(f"[{_UNPRINTABLE_CLASS}\ud800-\udfff]")
# The whitespace that ``str.strip`` removes, beyond the control characters already refused.
_SPACE_CLASS = r"\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"


def _printable(value: str) -> str:
    found = _UNPRINTABLE.search(value)
    if found:
        raise ValueError(
            f"control and bidirectional-override characters are not allowed (U+{ord(found[0]):04X} "
            f"at position {found.start()})"
        )
    return value


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


def _refused(forbid: str = "") -> str:
    """The characters a free text refuses, as the inside of a pattern's character class."""
    return _UNPRINTABLE_CLASS + re.escape(forbid)


def text(max_length: int, blank: bool = False, strip: bool = True, forbid: str = "") -> tuple[Any, ...]:
    """The bounds of a free-text field, as ``Annotated[str, *text(...)]``: at most ``max_length``
    characters as sent, printable only, none of ``forbid``; stripped of surrounding whitespace
    (``strip``) and then not empty unless ``blank``."""
    refused = _refused(forbid)
    pattern = f"^[^{refused}]*$" if blank else f"^[^{refused}]*[^{refused}{_SPACE_CLASS}][^{refused}]*$"
    checks: list[Any] = [AfterValidator(_printable)]
    if forbid:
        checks.append(AfterValidator(_without(forbid)))
    if strip:
        checks.append(AfterValidator(str.strip))
    if not blank:
        checks.append(AfterValidator(_not_blank))
    return (
        Field(min_length=0 if blank else 1, max_length=max_length, json_schema_extra={"pattern": pattern}),
        *checks,
    )


def _without(characters: str) -> Any:
    def check(value: str) -> str:
        if any(character in value for character in characters):
            raise ValueError(f"{' and '.join(map(repr, characters))} are not allowed")
        return value

    return check


Name = Annotated[str, *text(200)]
ShortText = Annotated[str, *text(100)]
LongText = Annotated[str, *text(500)]
CupsList = Annotated[list[Annotated[str, *text(40, blank=True, strip=False)]], Field(max_length=500)]

# Numbers are JSON numbers (a boolean or a string is refused, ``strict``), finite, and bounded to what
# the domain can mean; the repository stores them with at most 17 significant digits, far inside
# DynamoDB's range (38 digits, magnitudes 1e-130 to 1e125), so anything accepted reads back.
MAX_QUANTITY = 1e12  # of the unit sent: 1e12 kWh is a thousand TWh, more than a country's year
MIN_QUANTITY = 1e-6
MAX_FACTOR = 1e6  # kg CO2e per unit: a tonne of CO2e per gram is far above any real process
MIN_FACTOR = 1e-9  # or exactly 0 (a zero-emission supply)
MIN_PERCENTAGE = 1e-6  # a facility's share of an invoice, a fraction of 1


def _integral(value: object) -> object:
    """A JSON integer: JSON Schema counts 5.0 as one; a string or a boolean stays refused (strict)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _zero_or_at_least(minimum: float, why: str = "") -> tuple[Any, ...]:
    def check(value: float) -> float:
        if 0 < value < minimum:
            raise ValueError(f"must be 0 or at least {minimum:g}{why}")
        return value

    return AfterValidator(check), Field(json_schema_extra={"anyOf": [{"const": 0}, {"minimum": minimum}]})


Quantity = Annotated[
    float,
    Field(strict=True, ge=MIN_QUANTITY, le=MAX_QUANTITY, allow_inf_nan=False, description="In unit_id"),
]
Share = Annotated[
    float,
    Field(
        strict=True,
        ge=MIN_PERCENTAGE,
        le=1,
        allow_inf_nan=False,
        description="The facility's share of the invoice, a fraction: 0.6 is 60%",
    ),
]
FactorValue = Annotated[
    float,
    Field(strict=True, ge=0, le=MAX_FACTOR, allow_inf_nan=False, description="kg CO2e per unit"),
    *_zero_or_at_least(MIN_FACTOR),
]
# A percentage where facility shares are fractions: 0.3 would be read as 0.3%, though its sender most
# likely meant 30%. Between 0 and 1 it is refused, not guessed (docs/methodology.md, "Certificates").
RenewablePercent = Annotated[
    float,
    Field(
        strict=True,
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="A percentage, 0 to 100 (30 is 30%); between 0 and 1 is refused as ambiguous",
    ),
    *_zero_or_at_least(1, ": a percentage, 0 to 100 (send 30 for 30%), not a fraction"),
]
CoveredQuantity = Annotated[
    float,
    Field(
        strict=True,
        ge=0,
        le=MAX_QUANTITY,
        allow_inf_nan=False,
        description="Of the invoice's quantity, in the unit_id it was sent in: at most base_quantity",
    ),
    *_zero_or_at_least(MIN_QUANTITY),
]


class RequestModel(Model):
    """Request bodies reject unknown fields, so a misspelt field is an error and not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


# YYYY-MM-DD from year 0001 (the JSON Schema's "date" format alone also allows year 0000).
DATE_PATTERN = r"^(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}$"


def _iso_date(value: object) -> object:
    if isinstance(value, date):  # already a date: from the domain, never from JSON
        return value
    if not isinstance(value, str) or not re.fullmatch(DATE_PATTERN, value):
        raise ValueError("dates are ISO 8601 calendar dates, YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date), Field(json_schema_extra={"pattern": DATE_PATTERN})]


class InvoiceStatus(StrEnum):
    UPLOADED = "uploaded"
    LOADING = "loading"
    ACTIVE = "active"
    INACTIVE = "inactive"
    REVIEW = "review"
    ERROR = "error"


class HistoryReason(StrEnum):
    """Why an invoice was calculated: a history entry's ``reason``."""

    CREATED = "created"
    EDITED = "edited"
    RECALCULATED = "recalculated"  # asked for: POST /v1/invoices/recalculate
    FACTOR_UPDATE = "factor_update"  # the scheduled recalculation, after a newer dataset version


class ScopeEmissions(Model):
    """One part of an invoice's emissions: a GHG Protocol scope and, for Scope 3, its category."""

    scope: int = Field(description="1, 2 or 3")
    category: int | None = Field(
        description="The Scope 3 category: 1 purchased goods and services (water supply), 3 fuel- and "
        "energy-related activities (upstream and losses), 5 waste (water treatment); null for Scopes 1, 2"
    )
    co2e: float = Field(description="kg CO2e; market-based for Scope 2")
    co2e_location_based: float = Field(description="kg CO2e; location-based for Scope 2")


class YearEmissions(Model):
    """The part of an invoice's emissions computed for one calendar year of its period, with that
    year's factors: what the organization's figures for the year add up."""

    year: int
    days: int = Field(description="Days of the period in that year")
    co2e: float = Field(description="kg CO2e; market-based for Scope 2")
    co2e_location_based: float
    co2e_biomass: float
    by_scope: list[ScopeEmissions]


class FacilityStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


SUBDIVISION_PATTERN = r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$"
Subdivision = Annotated[
    str,
    Field(
        pattern=SUBDIVISION_PATTERN,
        description="ISO 3166-2 code of the facility's state or region, e.g. US-CA, AU-NSW (any case; "
        "stored upper case); it chooses the grid factor where one is published per state",
    ),
    AfterValidator(str.upper),
]
PostalCode = Annotated[
    str,
    *text(16),
    Field(description="A US facility's ZIP code (12345 or 12345-6789) chooses its eGRID subregion"),
]


class FacilityCreate(RequestModel):
    name: Name
    country: CountryCode
    type: ShortText | None = Field(default=None, description="Free-form kind, e.g. office, plant")
    address: LongText | None = None
    cups_list: CupsList = Field(default_factory=list, description="CUPS of the facility's supply points")
    subdivision: Subdivision | None = None
    postal_code: PostalCode | None = None


# JSON Schema for a field sent as null (or absent), and for one given a value.
NULL: dict[str, Any] = {"type": "null"}
GIVEN: dict[str, Any] = {"not": NULL}


def not_nullable(schema: dict[str, Any]) -> None:
    """Turn pydantic's schema of ``X | None = None`` (``anyOf [X, null]``, default null) into X's."""
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    options = [option for option in schema.pop("anyOf", []) if option != NULL]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


def _partial_update_schema(schema: dict[str, Any], model: "type[PartialUpdate]") -> None:
    """The document says what ``PartialUpdate`` checks: at least one field, no null for NOT_NULL."""
    schema["minProperties"] = 1
    for name in model.NOT_NULL:
        not_nullable(schema["properties"][name])


class PartialUpdate(RequestModel):
    """A partial update: only the fields present change; ``null`` clears an optional one."""

    model_config = ConfigDict(json_schema_extra=_partial_update_schema)
    NOT_NULL: ClassVar[tuple[str, ...]] = ()  # fields that can change but never be cleared

    @model_validator(mode="after")
    def _has_changes(self) -> Self:
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
    subdivision: Subdivision | None = None
    postal_code: PostalCode | None = None


class Facility(Model):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.FACILITY_ANSWER]})

    id: UUID
    organization_id: UUID
    name: str
    country: str
    type: str | None = None
    address: str | None = None
    cups_list: list[str] = Field(default_factory=list)
    subdivision: str | None = None
    postal_code: str | None = None
    status: FacilityStatus
    version: int = Field(description="Increases on every change; send it back in If-Match")
    created_at: datetime
    updated_at: datetime


Item = TypeVar("Item", bound=BaseModel)


class Page(Model, Generic[Item]):
    items: list[Item]
    total: int
    page: int
    size: int
    pages: int

    @classmethod
    def of(cls, matching: list[Item], page: int, size: int) -> Self:
        """Page ``page`` of ``size`` of everything ``matching``, held in memory."""
        start = (page - 1) * size
        return cls(
            items=matching[start : start + size],
            total=len(matching),
            page=page,
            size=size,
            pages=-(-len(matching) // size),
        )


class CustomEmissionFactorCreate(RequestModel):
    name: Name
    unit_id: UnitId
    factor: FactorValue
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    renewable_percentage: RenewablePercent | None = None


class CustomEmissionFactor(Model):
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


class FactorPolicy(StrEnum):
    """Which emission factors an organization's computed invoices follow (see ``recalculation``)."""

    LATEST = "latest"  # recalculated when a newer dataset version covers their type and year
    PINNED = "pinned"  # keep the version they were computed with until asked to recalculate


class Organization(Model):
    id: UUID
    name: str = Field(min_length=1, max_length=200)
    parent_id: UUID | None = None
    ancestors: list[UUID] = Field(default_factory=list, description="parent first, root last")
    emission_factor_policy: FactorPolicy = FactorPolicy.LATEST
    stale_after_months: int = 3  # supply.models.CoverageSettings bounds it

    @property
    def lineage(self) -> list[UUID]:
        """This organization and every organization above it."""
        return [self.id, *self.ancestors]


class ApiKeyStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ApiKey(Model):
    """A stored API key: only its SHA-256 hash is kept, and ``prefix``, its first characters, to
    tell keys apart in a list. Times are the API's timestamps (``clock.text``), which compare as
    text."""

    key_hash: str
    key_id: str
    organization_id: UUID
    revoked: bool = False
    prefix: str | None = None
    name: str | None = Field(default=None, max_length=100)
    created_at: str | None = None
    last_used_at: str | None = None
    expires_at: str | None = None
    revoked_at: str | None = None

    def status(self, now: str) -> ApiKeyStatus:
        """Whether the key opens the API at ``now``: refused once revoked, or from its expiry on."""
        if self.revoked:
            return ApiKeyStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return ApiKeyStatus.EXPIRED
        return ApiKeyStatus.ACTIVE


class User(Model):
    id: UUID
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")


class Caller(Model):
    """Who is calling and for which organization, as the authorizer established it."""

    model_config = ConfigDict(frozen=True)

    organization_id: UUID
    principal: str = Field(description="api_key:<key id> or user:<user id>")
    user_id: UUID | None = None


# ------------------------------------------------------------------ files

# What can be attached, by MIME type, with the file name extensions each may have.
FILE_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/webp": (".webp",),
    "image/heic": (".heic",),
    "text/csv": (".csv",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
}
MAX_FILE_KB = 10 * 1024
MAX_FILES_PER_REQUEST = 10
NO_PATH = "/\\"
FileName = Annotated[
    str,
    *text(255, strip=False, forbid=NO_PATH),
    Field(description="The file's name, with its extension; no path", examples=["electricity_nov_2024.pdf"]),
]


class FileStatus(StrEnum):
    PENDING = "pending"
    UPLOADED = "uploaded"
    ERROR = "error"


def named_ending_in(extensions: tuple[str, ...]) -> str:
    """For the document, a file name ending in one of ``extensions``: the name's own pattern with the
    extension at its end (a name that ends in one has a character that is not a space, so this is
    the whole rule, and a generator draws from it directly)."""
    return f"^[^{_refused(NO_PATH)}]*{ends_in(extensions)}"


def ends_in(extensions: tuple[str, ...]) -> str:
    """The pattern of a file name ending in one of ``extensions``, in any case: ``\\.(?:[pP][dD][fF])$``."""
    either = "|".join(
        "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in extension[1:])
        for extension in extensions
    )
    return rf"\.(?:{either})$"


FileSize = Annotated[
    int,
    Field(strict=True, ge=1, le=MAX_FILE_KB, description="Upper bound of the file's size, in KiB"),
    BeforeValidator(_integral),
]


class FileRequest(RequestModel):
    # Which names a type allows, for the document (the validator below checks the same extensions).
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {
                    "properties": {
                        "mime_type": {"const": mime_type},
                        "name": {"pattern": named_ending_in(extensions)},
                    }
                }
                for mime_type, extensions in FILE_TYPES.items()
            ]
        }
    )

    name: FileName
    mime_type: Annotated[str, Field(json_schema_extra={"enum": list(FILE_TYPES)})]
    size_kb: FileSize

    @model_validator(mode="after")
    def _known_type_and_extension(self) -> Self:
        extensions = FILE_TYPES.get(self.mime_type)
        if extensions is None:
            raise ValueError(f"mime_type must be one of {', '.join(FILE_TYPES)}")
        if not re.search(ends_in(extensions), self.name):
            raise ValueError(f"a {self.mime_type} file's name ends in {' or '.join(extensions)}")
        return self


class File(Model):
    """An uploaded (or announced) file of the organization."""

    id: UUID
    name: str
    mime_type: str
    size_kb: int
    status: FileStatus
    url: str = Field(description="The file's address: give it (or id) as an invoice's file_url (file_id)")
    error: str | None = Field(default=None, description="Why an upload was refused (status error)")
    created_at: datetime
    updated_at: datetime
    uploaded_at: datetime | None = None
    download_url: str | None = Field(default=None, description="Presigned GET, valid 15 minutes")
    version: int


class FileUpload(Model):
    """A file to upload: POST ``fields`` and then the file (form field ``file``) to ``presigned_url``."""

    id: UUID
    name: str
    mime_type: str
    size_kb: int
    status: FileStatus
    presigned_url: str
    method: str = "POST"
    fields: dict[str, str] | None = None
    expires_at: datetime
    url: str


# ------------------------------------------------------------------ bulk imports


class ImportStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    FAILED = "failed"


class ImportRequest(RequestModel):
    file_name: Annotated[
        FileName,
        Field(examples=["bulk-import-sample.csv"], json_schema_extra={"pattern": named_ending_in((".csv",))}),
    ]

    @model_validator(mode="after")
    def _csv(self) -> Self:
        if not re.search(ends_in((".csv",)), self.file_name):
            raise ValueError("a bulk import is a .csv file")
        return self


class PresignedPost(Model):
    """POST ``fields`` and then the file (form field ``file``, last) to ``presigned_url``."""

    presigned_url: str
    method: str = "POST"
    fields: dict[str, str]
    expires_at: datetime


class ImportCreated(Model):
    job_id: UUID
    status: ImportStatus
    upload: PresignedPost


class RowError(Model):
    row: int = Field(description="The spreadsheet row: the header is row 1, the first invoice row 2")
    field: str | None = Field(default=None, description="The column at fault, when there is one")
    code: str
    detail: str


class ImportJob(Model):
    job_id: UUID
    status: ImportStatus
    file_name: str
    rows_total: int | None = None
    rows_processed: int = 0
    rows_created: int = 0
    rows_failed: int = 0
    errors: list[RowError] = Field(default_factory=list, description="The first 100 failed rows")
    error_report_url: str | None = Field(
        default=None, description="Presigned CSV of every failed row with its reasons (15 minutes)"
    )
    detail: str | None = Field(default=None, description="Why the file was refused (status failed)")
    created_at: datetime
    updated_at: datetime
    version: int


class ErrorBody(Model):
    detail: str
    code: str


class FieldError(Model):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(Model):
    detail: list[FieldError]
    code: str = "VALIDATION_ERROR"
