"""Request models: the field rules every facility endpoint shares."""

import pytest
from pydantic import ValidationError

from carbon_accounting.errors import BadRequest
from carbon_accounting.models import FacilityCreate, FacilityUpdate
from carbon_accounting.versions import parse_if_match


def test_country_is_upper_cased_iso_3166_alpha2():
    assert FacilityCreate(name="Madrid", country="es").country == "ES"
    assert FacilityCreate(name="Madrid", country="eS").country == "ES"


# " es " and letters whose upper case is ASCII ("ß" is "SS", South Sudan; dotless i is "I") are what the
# document's pattern refuses, so the model refuses them too.
@pytest.mark.parametrize("country", ["XX", "XK", "ESP", "E", "", " es ", "ß", "\u0131E", "\uff25\uff33"])
def test_country_outside_iso_3166_is_refused(country):
    with pytest.raises(ValidationError) as raised:
        FacilityCreate(name="Madrid", country=country)
    assert raised.value.errors()[0]["loc"] == ("country",)


def test_blank_name_and_unknown_fields_are_refused():
    with pytest.raises(ValidationError) as raised:
        FacilityCreate.model_validate({"name": "   ", "country": "ES", "colour": "red"})
    assert {error["loc"] for error in raised.value.errors()} == {("name",), ("colour",)}


def test_update_changes_only_what_was_sent_and_null_clears_optional_fields():
    update = FacilityUpdate.model_validate({"status": "archived", "address": None})
    assert update.changes() == {"status": "archived", "address": None}


@pytest.mark.parametrize("body", [{}, {"name": None}, {"status": None}, {"status": "deleted"}])
def test_update_must_change_something_valid(body):
    with pytest.raises(ValidationError):
        FacilityUpdate.model_validate(body)


@pytest.mark.parametrize(
    ("header", "version"), [(None, None), ("*", None), ("3", 3), ('"3"', 3), ('W/"12"', 12)]
)
def test_if_match_accepts_the_version_as_etag(header, version):
    assert parse_if_match(header) == version


def test_if_match_that_is_not_a_version_is_a_bad_request():
    with pytest.raises(BadRequest) as raised:
        parse_if_match('"abc"')
    assert raised.value.code == "INVALID_IF_MATCH"
