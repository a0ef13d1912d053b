"""Invoice create and get, in-process over moto: the public API's fields, rules and error codes."""

import uuid
from datetime import date

import pytest

from carbon_accounting import emissions, repository
from carbon_accounting.invoices.allocation import MAX_FACILITIES
from carbon_accounting.repository import table
from carbon_accounting.settings import get_settings
from tests.tenants import (
    ACME,
    ACME_BILBAO_ARCHIVED,
    ACME_KEY,
    ACME_MADRID,
    ACME_USER,
    GLOBEX,
    GLOBEX_BERLIN,
    GLOBEX_KEY,
    GLOBEX_USER,
    IBERIA,
    IBERIA_KEY,
    IBERIA_LISBON,
    IBERIA_USER,
    api_key_headers,
)

ACME_HEADERS = api_key_headers(ACME_KEY, ACME)
KWH = next(unit for unit in emissions.units("energy") if unit.name == "kilowatt_hour_(kwh)")
MWH = next(unit for unit in emissions.units("energy") if unit.name == "megawatt_hour_(mwh)")
M3 = next(unit for unit in emissions.units("volume") if unit.name == "cubic_meter_(m³)")
NATURAL_GAS = next(fuel for fuel in emissions.fuels() if fuel.name.lower().startswith("natural gas"))
COOLING = next(fuel for fuel in emissions.fuels() if fuel.name == "District cooling")


def share(organization, facility, percentage):
    return {"organization_id": str(organization), "facility_id": str(facility), "percentage": percentage}


def electricity(**changes):
    body = {
        "type": "electricity",
        "base_quantity": 2.5,
        "unit_id": str(MWH.id),
        "start_date": "2024-11-01",
        "end_date": "2024-11-30",
        "invoice_id": "INV-2024-11-001",
        "cups": "es 1234-123456789012-jy",
        "facility_percentages": [share(ACME, ACME_MADRID, 1.0)],
    }
    return body | changes


def cooling_without_a_factor(**changes):
    """A heat invoice the engine cannot compute: district cooling has no published factor."""
    body = distributed_heat(
        facility_fuel_id=str(COOLING.id), facility_percentages=[share(ACME, ACME_MADRID, 1.0)]
    )
    return body | changes


def distributed_heat(**changes):
    body = {
        "type": "heat",
        "base_quantity": 1000,
        "unit_id": str(KWH.id),
        "start_date": "2024-01-01",
        "end_date": "2024-03-31",
        "facility_fuel_id": str(NATURAL_GAS.id),
        "facility_percentages": [share(ACME, ACME_MADRID, 0.6), share(IBERIA, IBERIA_LISBON, 0.4)],
    }
    return body | changes


def stored_invoices(organization):
    """Every invoice item in an organization's partition (a test-only read of the table)."""
    answer = repository.client().query(
        TableName=get_settings().table_name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :invoice)",
        ExpressionAttributeValues={":pk": {"S": f"ORG#{organization}"}, ":invoice": {"S": "INVOICE#"}},
    )
    return [table.from_item(item) for item in answer["Items"]]


# ------------------------------------------------------------------ create and read


def test_a_single_facility_invoice_is_created_loading_in_the_unit_it_was_sent_in(api):
    created = api("create_invoice", ACME_HEADERS | {"x-user-id": str(ACME_USER)}, body=electricity())

    assert created.status == 201
    invoice = created.body
    assert (invoice["type"], invoice["status"], invoice["percentage"]) == ("electricity", "loading", 1.0)
    assert (invoice["base_quantity"], invoice["quantity"], invoice["unit_id"]) == (2.5, 2.5, str(MWH.id))
    # Kept for a quantity converted from currency, which the API does not do.
    assert (invoice["original_quantity"], invoice["original_unit_id"]) == (None, None)
    assert (invoice["facility_id"], invoice["source_invoice_id"]) == (str(ACME_MADRID), None)
    assert invoice["cups"] == "ES1234123456789012JY"
    assert invoice["facility_percentages"] == [
        share(ACME, ACME_MADRID, 1.0) | {"company_name": "Acme Group", "facility_name": "Madrid Office"}
    ]
    assert created.headers["Location"] == f"/v3/invoices/{invoice['id']}"
    assert api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).body == invoice


def test_the_deprecated_facility_id_means_that_facility_at_100_percent(api):
    body = electricity(facility_percentages=None, facility_id=str(ACME_MADRID))
    body.pop("facility_percentages")

    created = api("create_invoice", ACME_HEADERS, body=body)

    assert created.status == 201
    assert (created.body["facility_id"], created.body["percentage"]) == (str(ACME_MADRID), 1.0)


def test_the_uploader_defaults_to_the_x_user_id_header(api):
    created = api("create_invoice", ACME_HEADERS | {"x-user-id": str(ACME_USER)}, body=electricity())

    assert created.body["uploaded_by"] == str(ACME_USER)


@pytest.mark.parametrize(
    ("header", "body"),
    [
        ({"x-user-id": str(GLOBEX_USER)}, {}),  # another organization's user
        ({}, {"uploaded_by": str(GLOBEX_USER)}),
        ({"x-user-id": str(uuid.uuid4())}, {}),  # nobody's
        ({}, {"uploaded_by": str(IBERIA_USER)}),  # a subsidiary's user is not a member of the parent
    ],
)
def test_the_uploader_is_a_member_of_the_organization(api, header, body):
    answer = api("create_invoice", ACME_HEADERS | header, body=electricity(**body))

    assert (answer.status, answer.body["code"]) == (400, "INVALID_USER")
    assert stored_invoices(ACME) == []


def test_a_parent_organizations_user_uploads_for_its_subsidiary(api):
    body = electricity(
        uploaded_by=str(ACME_USER), cups=None, facility_percentages=[share(IBERIA, IBERIA_LISBON, 1)]
    )

    answer = api("create_invoice", api_key_headers(IBERIA_KEY, IBERIA), body=body)

    assert (answer.status, answer.body["uploaded_by"]) == (201, str(ACME_USER))


def test_share_names_come_from_the_records_not_the_request(api):
    sent = share(ACME, ACME_MADRID, 1.0) | {"company_name": "Globex", "facility_name": "<script>x</script>"}

    created = api("create_invoice", ACME_HEADERS, body=electricity(facility_percentages=[sent])).body

    (stored,) = created["facility_percentages"]
    assert (stored["company_name"], stored["facility_name"]) == ("Acme Group", "Madrid Office")
    casted = api("list_facility_invoices", ACME_HEADERS, path={"facility_id": str(ACME_MADRID)}).body
    assert casted["items"][0]["facility_percentages"][0]["company_name"] == "Acme Group"


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        ("1989-12-31", "1990-01-31", "start_date"),
        ("9999-01-01", "9999-01-31", "start_date"),
        ("2024-01-01", f"{date.today().year + 2}-01-01", "end_date"),
        ("2024-01-01", "2026-01-01", "end_date"),  # 732 days: over two years
        ("1990-01-01", "2089-12-31", "end_date"),
    ],
)
def test_an_invoice_period_outside_the_window_or_over_two_years_is_invalid_date_range(api, start, end, named):
    answer = api("create_invoice", ACME_HEADERS, body=electricity(start_date=start, end_date=end))

    assert (answer.status, answer.body["code"]) == (400, "INVALID_DATE_RANGE")
    assert named in answer.body["detail"] or "days" in answer.body["detail"]


def test_a_two_year_period_from_1990_is_accepted(api):
    answer = api(
        "create_invoice", ACME_HEADERS, body=electricity(start_date="2023-01-01", end_date="2024-12-31")
    )

    assert answer.status == 201


def test_a_distributed_invoice_is_a_parent_and_one_child_per_facility_under_its_organization(api):
    created = api("create_invoice", ACME_HEADERS, body=distributed_heat())

    assert created.status == 201
    parent = created.body
    assert (parent["facility_id"], parent["percentage"], parent["quantity"]) == (None, 1.0, 1000.0)
    assert [(s["facility_id"], s["percentage"]) for s in parent["facility_percentages"]] == [
        (str(ACME_MADRID), 0.6),
        (str(IBERIA_LISBON), 0.4),
    ]
    children = [
        item for item in stored_invoices(ACME) + stored_invoices(IBERIA) if item.get("source_invoice_id")
    ]
    by_facility = {child["facility_id"]: child for child in children}
    assert set(by_facility) == {str(ACME_MADRID), str(IBERIA_LISBON)}
    assert float(by_facility[str(ACME_MADRID)]["quantity"]) == pytest.approx(600.0)
    assert float(by_facility[str(IBERIA_LISBON)]["quantity"]) == pytest.approx(400.0)
    assert {child["source_invoice_id"] for child in children} == {parent["id"]}
    assert {child["status"] for child in children} == {"loading"}
    lisbon = by_facility[str(IBERIA_LISBON)]
    assert stored_invoices(IBERIA) == [lisbon], "each child is stored under its facility's organization"
    as_iberia = api("get_invoice", api_key_headers(IBERIA_KEY, IBERIA), path={"invoice_id": lisbon["id"]})
    assert (as_iberia.status, as_iberia.body["facility_fuel_id"]) == (200, str(NATURAL_GAS.id))


def test_get_shows_only_the_fields_of_the_invoices_type(api):
    heat = api("create_invoice", ACME_HEADERS, body=distributed_heat()).body
    power = api("create_invoice", ACME_HEADERS, body=electricity()).body

    assert "facility_fuel_id" in heat and "cups" in heat and "certified_quantity" not in heat
    assert "certified_quantity" in power and "facility_fuel_id" not in power
    # every type has the breakdown by scope and line (issue 13: one boundary for every type)
    assert all("emissions_by_scope" in each and "co2e_consumption" in each for each in (heat, power))


def test_get_of_unknown_and_of_another_organizations_invoice_is_the_same_404(api):
    acme_invoice = api("create_invoice", ACME_HEADERS, body=electricity()).body["id"]

    foreign = api("get_invoice", api_key_headers(GLOBEX_KEY, GLOBEX), path={"invoice_id": acme_invoice})
    unknown = api("get_invoice", ACME_HEADERS, path={"invoice_id": str(uuid.uuid4())})

    assert foreign.status == unknown.status == 404
    assert foreign.body == unknown.body == {"detail": "Invoice not found", "code": "INVOICE_NOT_FOUND"}


def test_get_with_a_non_uuid_id_is_422_on_the_path(api):
    answer = api("get_invoice", ACME_HEADERS, path={"invoice_id": "INV-1"})

    assert answer.status == 422
    assert answer.body["detail"][0]["loc"] == ["path", "invoice_id"]


# ------------------------------------------------------------------ the public API's error codes


@pytest.mark.parametrize(
    ("body", "status", "code", "detail_mentions"),
    [
        (electricity(type="gas"), 400, "INVALID_INVOICE_TYPE", "gas"),
        (
            distributed_heat(
                facility_percentages=[share(ACME, ACME_MADRID, 0.6), share(IBERIA, IBERIA_LISBON, 0.3)]
            ),
            400,
            "INVALID_TOTAL_PERCENTAGE",
            "0.9",
        ),
        (
            electricity(facility_percentages=[share(ACME, uuid.uuid4(), 1)]),
            400,
            "INVALID_FACILITY",
            "does not belong",
        ),
        (
            electricity(facility_percentages=[share(ACME, ACME_BILBAO_ARCHIVED, 1)]),
            400,
            "INVALID_FACILITY",
            "archived",
        ),
        (
            electricity(facility_percentages=[share(ACME, IBERIA_LISBON, 1)]),
            400,
            "INVALID_FACILITY",
            "does not belong",
        ),
        (
            distributed_heat(
                facility_percentages=[share(ACME, ACME_MADRID, 0.5), share(ACME, ACME_MADRID, 0.5)]
            ),
            400,
            "INVALID_FACILITY",
            "more than once",
        ),
        (
            electricity(facility_percentages=[share(GLOBEX, GLOBEX_BERLIN, 1)]),
            403,
            "FORBIDDEN",
            "Not authorized",
        ),
        (
            electricity(facility_percentages=[share(uuid.uuid4(), ACME_MADRID, 1)]),
            404,
            "ORGANIZATION_NOT_FOUND",
            "",
        ),
        (electricity(cups="ES1234123456789012XY"), 400, "INVALID_CUPS", "expected JY"),
        (distributed_heat(facility_fuel_id=None), 400, "MISSING_REQUIRED_FIELD", "facility_fuel_id"),
        (electricity(type="process"), 400, "MISSING_REQUIRED_FIELD", "custom_emission_factor_id"),
        (electricity(facility_percentages=None), 400, "MISSING_REQUIRED_FIELD", "facility_percentages"),
        (electricity(end_date="2024-10-31"), 400, "INVALID_DATE_RANGE", "end_date"),
        (electricity(unit_id=str(uuid.uuid4())), 400, "INVALID_UNIT", "Unknown unit_id"),
        (electricity(unit_id=str(M3.id)), 400, "INVALID_UNIT", "electricity"),
        (electricity(type="water", unit_id=str(M3.id)), 400, "FIELD_NOT_ALLOWED", "cups"),
        (electricity(supplier_id=str(uuid.uuid4())), 400, "INVALID_SUPPLIER", "supplier_id"),
        (
            distributed_heat(facility_fuel_id=str(uuid.uuid4())),
            400,
            "INVALID_FACILITY_FUEL",
            "facility_fuel_id",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_mistake_answers_its_code_and_writes_nothing(api, body, status, code, detail_mentions):
    answer = api("create_invoice", ACME_HEADERS, body=body)

    assert (answer.status, answer.body["code"]) == (status, code)
    assert detail_mentions in answer.body["detail"]
    assert stored_invoices(ACME) == stored_invoices(IBERIA) == []


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"base_quantity": 0}, ["body", "base_quantity"]),
        ({"base_quantity": "lots"}, ["body", "base_quantity"]),
        ({"unit_id": "kwh"}, ["body", "unit_id"]),
        ({"start_date": "01/11/2024"}, ["body", "start_date"]),
        ({"end_date": "2024-11-31"}, ["body", "end_date"]),
        (
            {"facility_percentages": [share(ACME, ACME_MADRID, 1.5)]},
            ["body", "facility_percentages", 0, "percentage"],
        ),
        ({"facility_id": str(ACME_MADRID)}, ["body"]),
    ],
)
def test_malformed_fields_are_422_with_their_location(api, changes, loc):
    answer = api("create_invoice", ACME_HEADERS, body=electricity(**changes))

    assert answer.status == 422
    assert [error["loc"] for error in answer.body["detail"]] == [loc]


def test_malformed_json_is_422(api):
    assert api("create_invoice", ACME_HEADERS, raw_body='{"type": "electricity",').status == 422


def test_more_facilities_than_one_transaction_takes_is_refused(api):
    percentage = 1 / (MAX_FACILITIES + 1)
    shares = [share(ACME, uuid.uuid4(), percentage) for _ in range(MAX_FACILITIES + 1)]

    answer = api("create_invoice", ACME_HEADERS, body=distributed_heat(facility_percentages=shares))

    assert (answer.status, answer.body["code"]) == (400, "TOO_MANY_FACILITIES")


def test_a_facility_archived_during_creation_fails_the_whole_invoice(api, monkeypatch):
    # Given the facilities were read as active, and one is archived before the write
    read = repository.get_organizations_and_facilities

    def read_then_archive(organization_ids, keys):
        found = read(organization_ids, keys)
        repository.update_facility(
            IBERIA, IBERIA_LISBON, {"status": "archived"}, updated_at="2026-01-01T00:00:00Z"
        )
        return found

    monkeypatch.setattr(repository, "get_organizations_and_facilities", read_then_archive)

    # When the distributed invoice is written
    answer = api("create_invoice", ACME_HEADERS, body=distributed_heat())

    # Then nothing of it exists: not the parent, not the child of the still-active facility
    assert (answer.status, answer.body["code"]) == (400, "INVALID_FACILITY")
    assert stored_invoices(ACME) == stored_invoices(IBERIA) == []


# ------------------------------------------------------------------ delete


def test_delete_answers_204_and_the_invoice_is_gone(api):
    invoice = api("create_invoice", ACME_HEADERS, body=electricity()).body

    deleted = api("delete_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]})

    assert (deleted.status, deleted.body) == (204, None)
    assert api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).status == 404
    assert api("delete_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).status == 404


def test_a_delete_racing_a_change_reads_again_and_a_delete_that_keeps_losing_is_409(api, monkeypatch):
    invoice = api("create_invoice", ACME_HEADERS, body=electricity()).body
    attempts = []
    delete = repository.delete_invoices

    def losing_once(keys, pending_job=None):
        attempts.append(keys)
        return len(attempts) > 1 and delete(keys, pending_job)

    monkeypatch.setattr(repository, "delete_invoices", losing_once)
    assert api("delete_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).status == 204
    assert len(attempts) == 2

    other = api("create_invoice", ACME_HEADERS, body=electricity()).body
    monkeypatch.setattr(repository, "delete_invoices", lambda keys, pending_job=None: False)
    answer = api("delete_invoice", ACME_HEADERS, path={"invoice_id": other["id"]})
    assert (answer.status, answer.body["code"]) == (409, "INVOICE_CHANGED")
    assert api("get_invoice", ACME_HEADERS, path={"invoice_id": other["id"]}).status == 200


def test_deleting_a_distributed_invoice_deletes_its_children_with_it(api):
    api("create_invoice", ACME_HEADERS, body=distributed_heat())
    (parent,) = [item for item in stored_invoices(ACME) if not item.get("source_invoice_id")]

    assert api("delete_invoice", ACME_HEADERS, path={"invoice_id": parent["id"]}).status == 204
    assert stored_invoices(ACME) == stored_invoices(IBERIA) == []


def test_a_child_alone_cannot_be_deleted(api):
    api("create_invoice", ACME_HEADERS, body=distributed_heat())
    (child,) = stored_invoices(IBERIA)

    answer = api("delete_invoice", api_key_headers(IBERIA_KEY, IBERIA), path={"invoice_id": child["id"]})

    assert (answer.status, answer.body["code"]) == (409, "DISTRIBUTED_CHILD")
    assert child["source_invoice_id"] in answer.body["detail"]
    assert stored_invoices(IBERIA) == [child]


def test_another_organizations_invoice_cannot_be_deleted(api):
    invoice = api("create_invoice", ACME_HEADERS, body=electricity()).body

    answer = api("delete_invoice", api_key_headers(GLOBEX_KEY, GLOBEX), path={"invoice_id": invoice["id"]})

    assert (answer.status, answer.body["code"]) == (404, "INVOICE_NOT_FOUND")
    assert api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).status == 200
