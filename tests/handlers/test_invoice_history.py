"""GET /v3/invoices/{invoice_id}/history, in-process over moto with the table's stream delivered."""

import pytest

from carbon_accounting import repository
from carbon_accounting.settings import get_settings
from tests.handlers.test_invoices import ACME_HEADERS, cooling_without_a_factor, distributed_heat, electricity
from tests.streams import TableStream
from tests.tenants import ACME, GLOBEX, GLOBEX_KEY, IBERIA, api_key_headers

FIGURES = ("co2e", "co2e_location_based", "emission_factors", "dataset_version")


@pytest.fixture
def stream(api):
    return TableStream()


def created(api, stream, body):
    answer = api("create_invoice", ACME_HEADERS, body=body)
    assert answer.status == 201, answer.body
    assert stream.drain() == []
    return api("get_invoice", ACME_HEADERS, path={"invoice_id": answer.body["id"]}).body


def history(api, invoice_id, headers=ACME_HEADERS):
    return api("get_invoice_history", headers, path={"invoice_id": invoice_id})


def history_items(organization, invoice_id):
    answer = repository.client().query(
        TableName=get_settings().table_name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :history)",
        ExpressionAttributeValues={
            ":pk": {"S": f"ORG#{organization}"},
            ":history": {"S": f"HISTORY#{invoice_id}#"},
        },
    )
    return answer["Items"]


def test_a_new_invoice_has_its_first_figures_as_created(api, stream):
    invoice = created(api, stream, electricity())

    answer = history(api, invoice["id"])

    assert answer.status == 200
    (entry,) = answer.body
    assert (entry["reason"], entry["status"]) == ("created", "active")
    assert {name: entry[name] for name in FIGURES} == {name: invoice[name] for name in FIGURES}
    assert invoice["dataset_version"] == "aib-2024+eea-2025ed+worldbank-td-2023"
    assert entry["at"] >= invoice["created_at"]


def test_an_edit_that_changes_the_figures_keeps_the_previous_ones(api, stream):
    invoice = created(api, stream, electricity(base_quantity=2.5))
    patched = api(
        "update_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}, body={"base_quantity": 5}
    )
    assert patched.status == 200, patched.body
    assert stream.drain() == []

    first, second = history(api, invoice["id"]).body

    assert (first["reason"], second["reason"]) == ("created", "edited")
    assert first["co2e"] == pytest.approx(invoice["co2e"])
    assert second["co2e"] == pytest.approx(2 * invoice["co2e"])
    assert second["emission_factors"] == first["emission_factors"]


def test_changes_that_leave_the_figures_as_they_were_add_no_entry(api, stream):
    invoice = created(api, stream, electricity())
    for body in ({"invoice_id": "INV-RENAMED"}, {"status": "inactive"}, {"status": "active"}):
        assert (
            api("update_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}, body=body).status == 200
        )
    assert stream.drain() == []

    assert [entry["reason"] for entry in history(api, invoice["id"]).body] == ["created"]


def test_an_invoice_that_fails_records_that_it_has_no_figures(api, stream):
    invoice = created(api, stream, cooling_without_a_factor())

    (entry,) = history(api, invoice["id"]).body

    assert invoice["status"] == "error"
    assert entry == entry | {"reason": "created", "status": "error", "co2e": None, "emission_factors": []}


def test_a_distributed_invoice_has_the_history_of_its_totals(api, stream):
    parent = created(api, stream, distributed_heat())

    (entry,) = history(api, parent["id"]).body

    assert entry["co2e"] == pytest.approx(parent["co2e"])
    assert entry["dataset_version"] == parent["dataset_version"] == "desnz-2024+desnz-2024-r2"


def test_another_organizations_invoice_and_an_unknown_one_are_the_same_404(api, stream):
    invoice = created(api, stream, electricity())
    globex = api_key_headers(GLOBEX_KEY, GLOBEX)

    foreign = history(api, invoice["id"], globex)
    unknown = history(api, "3f0c4a52-0000-4000-8000-000000000000")

    assert (foreign.status, foreign.body) == (unknown.status, unknown.body)
    assert foreign.body["code"] == "INVOICE_NOT_FOUND"


def test_history_is_deleted_with_the_invoice_and_its_children(api, stream):
    single = created(api, stream, electricity())
    parent = created(api, stream, distributed_heat())
    (stored_parent,) = repository.get_invoices([(ACME, parent["id"])])
    children = stored_parent["children"]  # [organization, invoice] pairs, one under Iberia
    assert {organization for organization, _ in children} == {str(ACME), str(IBERIA)}
    assert history_items(ACME, single["id"]) and history_items(ACME, parent["id"])
    assert all(history_items(organization, child) for organization, child in children)

    for invoice in (single, parent):
        assert api("delete_invoice", ACME_HEADERS, path={"invoice_id": invoice["id"]}).status == 204
    assert stream.drain() == []

    assert history(api, single["id"]).status == 404
    assert not history_items(ACME, single["id"]) and not history_items(ACME, parent["id"])
    assert not any(history_items(organization, child) for organization, child in children)


def test_an_invoice_edited_before_its_first_calculation_starts_its_history_as_created(api, stream):
    answer = api("create_invoice", ACME_HEADERS, body=electricity())
    patched = api(
        "update_invoice", ACME_HEADERS, path={"invoice_id": answer.body["id"]}, body={"base_quantity": 5}
    )
    assert patched.status == 200, patched.body
    assert stream.drain() == []

    assert [entry["reason"] for entry in history(api, answer.body["id"]).body] == ["created"]
