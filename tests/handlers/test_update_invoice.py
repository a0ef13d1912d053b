"""PATCH /v1/invoices/{invoice_id}: partial updates held to the rules of creation."""

import pytest

from carbon_accounting import repository
from tests.handlers.test_calculate_emissions import deliver, record, stored
from tests.handlers.test_invoices import ACME_HEADERS, distributed_heat, electricity, share
from tests.tenants import (
    ACME,
    ACME_BILBAO_ARCHIVED,
    ACME_MADRID,
    ACME_USER,
    GLOBEX,
    GLOBEX_KEY,
    GLOBEX_USER,
    IBERIA,
    IBERIA_KEY,
    api_key_headers,
)

_sequence = iter(range(1000, 100_000))


def compute(organization, invoice_id, old=None):
    """Run the calculator on the invoice as stored now (as its stream record would)."""
    deliver(record(old, stored(organization, invoice_id), next(_sequence)))


def patch(api, invoice_id, body, headers=ACME_HEADERS):
    return api("update_invoice", headers, path={"invoice_id": invoice_id}, body=body)


@pytest.fixture
def active(api):
    """An electricity invoice of 2.5 MWh at Madrid, computed (active, version 2)."""
    invoice = api("create_invoice", ACME_HEADERS, body=electricity()).body
    compute(ACME, invoice["id"])
    return api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).body


def test_a_reference_change_keeps_the_figures(api, active):
    answer = patch(api, active["id"], {"invoice_id": "INV-REISSUED"})

    assert answer.status == 200
    assert (answer.body["invoice_id"], answer.body["status"], answer.body["version"]) == (
        "INV-REISSUED",
        "active",
        3,
    )
    assert answer.body["co2e"] == active["co2e"]
    assert answer.headers["ETag"] == '"3"'


def test_a_quantity_change_sends_the_invoice_back_to_the_calculator(api, active):
    answer = patch(api, active["id"], {"base_quantity": 5})

    assert (answer.body["status"], answer.body["base_quantity"], answer.body["quantity"]) == ("loading", 5, 5)
    assert answer.body["original_quantity"] is None
    compute(ACME, active["id"])
    recomputed = api("get_invoice", ACME_HEADERS, path={"invoice_id": active["id"]}).body
    assert recomputed["status"] == "active"
    assert recomputed["co2e"] == pytest.approx(active["co2e"] * 2)


def test_a_calorific_basis_set_by_patch_recomputes_the_gas_and_an_energyless_one_is_refused(api):
    gas = distributed_heat(facility_percentages=[share(ACME, ACME_MADRID, 1.0)])
    invoice = api("create_invoice", ACME_HEADERS, body=gas).body
    compute(ACME, invoice["id"])
    gross = api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).body

    answer = patch(api, invoice["id"], {"calorific_basis": "net"})
    compute(ACME, invoice["id"])
    net = api("get_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).body
    refused = patch(api, invoice["id"], {"unit_id": "0680caf6-abee-583f-87d5-8a27ab145fd7"})  # m³

    assert (answer.status, answer.body["status"], net["status"], net["calorific_basis"]) == (
        200,
        "loading",
        "active",
        "net",
    )
    assert net["co2e_consumption"] / gross["co2e_consumption"] == pytest.approx(0.2027 / 0.18296)
    assert (refused.status, refused.body["code"]) == (400, "INVALID_CALORIFIC_BASIS")


def test_a_new_start_date_moves_the_invoice_in_its_facilitys_list(api, active):
    patch(api, active["id"], {"start_date": "2024-10-01"})

    listed = api("list_facility_invoices", ACME_HEADERS, path={"facility_id": str(ACME_MADRID)}).body["items"]

    assert [(item["id"], item["start_date"]) for item in listed] == [(active["id"], "2024-10-01")]


def test_if_match_with_a_stale_version_is_412_and_changes_nothing(api, active):
    stale = patch(api, active["id"], {"invoice_id": "X"}, ACME_HEADERS | {"If-Match": '"1"'})
    current = patch(api, active["id"], {"invoice_id": "Y"}, ACME_HEADERS | {"If-Match": '"2"'})

    assert (stale.status, stale.body["code"]) == (412, "VERSION_CONFLICT")
    assert (current.status, current.body["invoice_id"]) == (200, "Y")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"cups": "ES1234123456789012XY"}, 400, "INVALID_CUPS"),
        ({"end_date": "2024-10-01"}, 400, "INVALID_DATE_RANGE"),
        ({"unit_id": "0680caf6-abee-583f-87d5-8a27ab145fd7"}, 400, "INVALID_UNIT"),
        ({"facility_fuel_id": "bd5fbaa9-fe5a-58ec-a317-e72bfac8b1bf"}, 400, "FIELD_NOT_ALLOWED"),
        ({"facility_id": str(ACME_BILBAO_ARCHIVED)}, 400, "INVALID_FACILITY"),
        ({"status": "active", "invoice_id": "X"}, 400, "INVALID_STATUS_TRANSITION"),
        ({"base_quantity": None}, 422, "VALIDATION_ERROR"),
        ({"status": "loading"}, 422, "VALIDATION_ERROR"),
        ({}, 422, "VALIDATION_ERROR"),
    ],
)
def test_the_rules_of_creation_apply(api, active, body, status, code):
    answer = patch(api, active["id"], body)

    assert (answer.status, answer.body["code"]) == (status, code)
    assert api("get_invoice", ACME_HEADERS, path={"invoice_id": active["id"]}).body == active


def test_user_statuses_switch_but_a_loading_invoice_cannot_be_set(api, active):
    inactive = patch(api, active["id"], {"status": "inactive"})
    loading = api("create_invoice", ACME_HEADERS, body=electricity()).body

    refused = patch(api, loading["id"], {"status": "active"})

    assert (inactive.status, inactive.body["status"]) == (200, "inactive")
    assert (refused.status, refused.body["code"]) == (409, "INVALID_STATUS_TRANSITION")


def settle_children(children):
    """The calculator computes every child, then sees each settle (which totals the parent)."""
    loading = {child: stored(organization, child) for organization, child in children}
    for organization, child in children:
        compute(organization, child)
    for organization, child in children:
        compute(organization, child, old=loading[child])


def test_a_distributed_invoice_and_its_children_are_updated_together(api):
    parent = api("create_invoice", ACME_HEADERS, body=distributed_heat()).body
    children = stored(ACME, parent["id"])["children"]
    settle_children(children)
    before = api("get_invoice", ACME_HEADERS, path={"invoice_id": parent["id"]}).body
    assert before["status"] == "active"

    answer = patch(api, parent["id"], {"base_quantity": 2000})

    assert (answer.body["status"], answer.body["quantity"]) == ("loading", 2000.0)
    shares = repository.get_invoices([(org, child) for org, child in children])
    assert sorted(float(child["quantity"]) for child in shares) == pytest.approx([800.0, 1200.0])
    assert {child["status"] for child in shares} == {"loading"}
    settle_children(children)
    after = api("get_invoice", ACME_HEADERS, path={"invoice_id": parent["id"]}).body
    assert after["status"] == "active"
    assert after["co2e"] == pytest.approx(before["co2e"] * 2)


def test_a_child_is_edited_through_its_parent(api):
    parent = api("create_invoice", ACME_HEADERS, body=distributed_heat()).body
    (lisbon,) = [child for org, child in stored(ACME, parent["id"])["children"] if org == str(IBERIA)]

    answer = patch(api, lisbon, {"invoice_id": "X"}, api_key_headers(IBERIA_KEY, IBERIA))

    assert (answer.status, answer.body["code"]) == (409, "DISTRIBUTED_CHILD")


def test_another_organizations_invoice_is_404(api, active):
    answer = patch(api, active["id"], {"invoice_id": "X"}, api_key_headers(GLOBEX_KEY, GLOBEX))

    assert (answer.status, answer.body["code"]) == (404, "INVOICE_NOT_FOUND")


def test_the_uploader_can_be_changed_to_a_member_only(api, active):
    refused = patch(api, active["id"], {"uploaded_by": str(GLOBEX_USER)})
    accepted = patch(api, active["id"], {"uploaded_by": str(ACME_USER)})

    assert (refused.status, refused.body["code"]) == (400, "INVALID_USER")
    assert (accepted.status, accepted.body["uploaded_by"]) == (200, str(ACME_USER))
