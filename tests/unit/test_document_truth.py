"""The document tells the truth both ways: a value its schema allows is one the API accepts, and a
value it refuses the API refuses (422 from the models, or the domain's 400 where the schema states a
rule the domain checks). Each rule is compared on the values that probe its edges, and on
generated ones."""

from __future__ import annotations

import json
import re
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, validators
from jsonschema import ValidationError as SchemaError
from pydantic import TypeAdapter, ValidationError

from carbon_accounting import emissions, examples
from carbon_accounting.errors import BadRequest
from carbon_accounting.invoices import listing, models
from carbon_accounting.invoices.recalculation import RecalculationRequest
from carbon_accounting.invoices.rules import _check_fields, _checked_quantity
from carbon_accounting.models import (
    COUNTRY_PATTERN,
    UUID_PATTERN,
    Caller,
    CountryCode,
    FacilityUpdate,
    FileRequest,
    ImportRequest,
    Name,
)
from carbon_accounting.versions import parse_if_match
from tests.conftest import ROOT

DOCUMENT = json.loads((ROOT / "docs" / "openapi.json").read_text())
SCHEMAS = DOCUMENT["components"]["schemas"]
ACME, FACILITY, KWH = examples.ACME, examples.MADRID, examples.KWH
M3 = "b32a68a5-2b2b-5e6e-89cb-fe16650bc832"
CALLER = Caller(organization_id=UUID(ACME), principal="api_key:test")


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """``pattern`` as JSON Schema means it (ECMA-262): ``$`` is the end of the text, never a place before
    a final newline, as Python's ``re`` (and jsonschema's default) would take it."""
    ecma = re.sub(r"(?<!\\)\$$", r"\\Z", pattern)
    if isinstance(instance, str) and not re.search(ecma, instance):
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


def schema_allows(name: str, value: Any) -> bool:
    """Whether the document's component schema ``name`` allows ``value``."""
    validator = EcmaValidator({"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]})
    return validator.is_valid(value)


def accepts(adapter: Any, value: Any) -> bool:
    try:
        TypeAdapter(adapter).validate_json(json.dumps(value))
    except ValidationError:
        return False
    return True


# ------------------------------------------------------------------ free text

TEXT_EDGES = [
    "Madrid",
    " Madrid ",  # stripped
    "x" * 200,
    " " + "x" * 200,  # 201 as sent: the bound is on what is sent
    "",
    "   ",
    "\u3000",  # ideographic space: blank
    "\ufeff",  # not whitespace to str.strip, so a (strange) name
    "Plant\x00",
    "tab\there",
    "line\u2028break",
    "rlo\u202eexe",
    "\u200f\u05e2\u05d1\u05e8\u05d9\u05ea",  # a direction mark is allowed
    "Ünïcødé 工厂 🏭",
]


@pytest.mark.parametrize("value", TEXT_EDGES)
def test_a_name_is_accepted_exactly_when_the_document_allows_it(value):
    assert accepts(Name, value) == schema_allows("FacilityCreate", {"name": value, "country": "ES"})


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=210))
def test_generated_names_agree_with_the_document(value):
    assert accepts(Name, value) == schema_allows("FacilityCreate", {"name": value, "country": "ES"})


# ------------------------------------------------------------------ country, UUID, If-Match


@pytest.mark.parametrize(
    "value", ["ES", "es", "eS", "XX", "XK", "ESP", "E", "", " es ", "ß", "\u0131E", "\uff25\uff33"]
)
def test_a_country_is_accepted_exactly_when_its_pattern_matches(value):
    assert accepts(CountryCode, value) == bool(re.search(COUNTRY_PATTERN, value))


HEX = "e3e70682c2091caca29f6fbed82c07cd"
HYPHENATED = str(UUID(HEX))


@pytest.mark.parametrize(
    "value",
    [
        HYPHENATED,
        HYPHENATED.upper(),
        HEX,
        "{" + HYPHENATED + "}",
        "urn:uuid:" + HYPHENATED,
        "{" + HEX + "}",
        "urn:uuid:" + HEX,
        "URN:UUID:" + HYPHENATED,
        "{" + HYPHENATED,
        HYPHENATED[:-1],
        HYPHENATED.replace("-", "", 1),
        " " + HYPHENATED,
        "null",
    ],
)
def test_a_uuid_is_read_exactly_when_the_document_s_pattern_matches(value):
    assert accepts(UUID, value) == bool(re.search(UUID_PATTERN, value))


@pytest.mark.parametrize(
    "value", ["3", '"3"', 'W/"3"', "W/3", " 3 ", "*", '3"', "", "abc", "٣", 'W/""', "-1", "3 4"]
)
def test_if_match_is_read_exactly_when_its_pattern_matches(value):
    header = next(
        p
        for p in DOCUMENT["paths"]["/v1/invoices/{invoice_id}"]["patch"]["parameters"]
        if p["name"] == "if-match"
    )
    try:
        parse_if_match(value)
        read = True
    except BadRequest:
        read = False
    assert read == bool(re.search(header["schema"]["pattern"], value))


# ------------------------------------------------------------------ the facility list's query


def _query_pattern(name: str) -> str:
    operation = DOCUMENT["paths"]["/api/v1/invoices/casted/facility/{facility_id}"]["get"]
    return next(p for p in operation["parameters"] if p["name"] == name)["schema"]["pattern"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("filters", "electricity"),
        ("filters", " heat , water ,"),
        ("filters", ""),
        ("filters", "heat\t"),
        ("filters", "gas"),
        ("filter_by", "status:active"),
        ("filter_by", "status:a:b"),
        ("filter_by", "status:"),
        ("filter_by", "colour:red"),
        ("filter_by", ""),
        ("sort_by", "co2e:asc"),
        ("sort_by", "co2e:up"),
        ("sort_by", "name:asc"),
        ("sort_by", ""),
    ],
)
def test_the_facility_list_refuses_exactly_what_its_query_patterns_refuse(name, value, monkeypatch):
    monkeypatch.setattr(listing.repository, "get_facility", lambda *_: None)  # stop after the checks
    try:
        listing.list_facility_invoices(CALLER, UUID(FACILITY), page=1, size=10, **{name: value})
    except BadRequest:
        refused = True
    except listing.FacilityNotFound:
        refused = False
    assert refused == (not re.search(_query_pattern(name), value))


# ------------------------------------------------------------------ rules across fields


def _model_accepts(model: Any, body: Any, domain: Any = None) -> bool:
    try:
        parsed = TypeAdapter(model).validate_json(json.dumps(body))
        if domain is not None:
            domain(parsed)
    except (ValidationError, BadRequest):
        return False
    return True


@pytest.mark.parametrize(
    "body",
    [
        {"name": "bill.pdf", "mime_type": "application/pdf", "size_kb": 1},
        {"name": "bill.PdF", "mime_type": "application/pdf", "size_kb": 1},
        {"name": "photo.jpeg", "mime_type": "image/jpeg", "size_kb": 5.0},
        {"name": "bill.pdf", "mime_type": "text/csv", "size_kb": 1},
        {"name": "bill.pdf ", "mime_type": "application/pdf", "size_kb": 1},
        {"name": "dir/bill.pdf", "mime_type": "application/pdf", "size_kb": 1},
        {"name": ".pdf", "mime_type": "application/pdf", "size_kb": 1},
        {"name": "bill.pdf", "mime_type": "application/zip", "size_kb": 1},
        {"name": "bill.pdf", "mime_type": "application/pdf", "size_kb": 0},
        {"name": "bill.pdf", "mime_type": "application/pdf", "size_kb": 1.5},
        {"name": "bill.pdf", "mime_type": "application/pdf", "size_kb": "1"},
    ],
)
def test_a_file_request_is_accepted_exactly_when_the_document_allows_it(body):
    assert _model_accepts(FileRequest, body) == schema_allows("FileRequest", body)


@pytest.mark.parametrize("name", ["march.csv", "MARCH.CSV", "march.xlsx", "march.csv ", "csv"])
def test_a_bulk_import_is_accepted_exactly_when_the_document_allows_it(name):
    body = {"file_name": name}
    assert _model_accepts(ImportRequest, body) == schema_allows("ImportRequest", body)


@pytest.mark.parametrize(
    "body",
    [
        {"invoice_ids": [HYPHENATED]},
        {"type": ["heat"]},
        {"facility_id": []},
        {"start_date": "2024-01-01", "end_date": None},
        {"invoice_ids": [HYPHENATED], "type": ["heat"]},
        {"invoice_ids": [HYPHENATED], "type": None, "end_date": None},
        {"invoice_ids": None, "type": None},
        {"invoice_ids": None, "start_date": "2024-01-01"},
        {},
    ],
)
def test_a_recalculation_request_is_accepted_exactly_when_the_document_allows_it(body):
    assert _model_accepts(RecalculationRequest, body) == schema_allows("RecalculationRequest", body)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Renamed"},
        {"type": None, "address": None},
        {"name": None},
        {"status": None},
        {"cups_list": None},
        {},
    ],
)
def test_a_facility_update_is_accepted_exactly_when_the_document_allows_it(body):
    assert _model_accepts(FacilityUpdate, body) == schema_allows("FacilityUpdate", body)


def _invoice(**fields: Any) -> dict[str, Any]:
    share = {"organization_id": ACME, "facility_id": FACILITY, "percentage": 1}
    return {
        "type": "electricity",
        "base_quantity": 10,
        "unit_id": KWH,
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
        "facility_percentages": [share],
    } | fields


def _type_rules(invoice: models.InvoiceCreate) -> None:
    """What lifecycle checks per type: the fields, then the unit."""
    invoice_type = emissions.InvoiceType(invoice.type)
    _check_fields(invoice_type, invoice)
    _checked_quantity(invoice_type, invoice)


@pytest.mark.parametrize(
    "body",
    [
        _invoice(),
        _invoice(unit_id=M3),  # a volume for electricity
        _invoice(type="water", unit_id=M3),
        _invoice(type="heat", unit_id=KWH),  # heat needs its fuel
        _invoice(type="heat", unit_id=KWH, facility_fuel_id="bd5fbaa9-fe5a-58ec-a317-e72bfac8b1bf"),
        _invoice(type="heat", unit_id=KWH, facility_fuel_id=None),
        _invoice(facility_fuel_id="bd5fbaa9-fe5a-58ec-a317-e72bfac8b1bf"),  # not on electricity
        _invoice(facility_fuel_id=None),
        _invoice(type="water", unit_id=M3, cups="ES1234123456789012JY"),
        _invoice(facility_id=FACILITY),  # both ways of naming the facility
        _invoice(facility_id=None),
        _invoice(facility_percentages=None, facility_id=FACILITY),
        _invoice(unit_id=HYPHENATED),  # not in the catalogue
    ],
)
def test_an_invoice_is_accepted_exactly_when_the_document_allows_it(body):
    assert _model_accepts(models.InvoiceCreate, body, _type_rules) == schema_allows("InvoiceCreate", body)
