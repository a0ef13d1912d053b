"""The rollups: kept by the table's stream exactly once, read by the summary and the lists, verified
and rebuilt from the invoices (in-process over moto)."""

from decimal import Decimal
from uuid import UUID

import boto3
import pytest

from carbon_accounting import repository
from carbon_accounting.invoices import listing
from carbon_accounting.rollups import verification
from carbon_accounting.rollups.contribution import counts_sk, invoice_counts, month_sk
from carbon_accounting.settings import get_settings
from tests.functions import LambdaContext, load_function
from tests.handlers.test_admin import cli
from tests.handlers.test_emissions_summary import computed, summary
from tests.handlers.test_invoices import ACME_HEADERS, KWH, electricity
from tests.streams import TableStream, settle_rollups
from tests.tenants import ACME, ACME_MADRID

ACROSS_YEARS = {
    "base_quantity": 6200,
    "unit_id": str(KWH.id),
    "start_date": "2023-12-01",
    "end_date": "2024-01-31",
}


def year_part(invoice, year):
    (part,) = [each for each in invoice["emissions_by_year"] if each["year"] == year]
    return part


def clean(organization=ACME):
    found = verification.verify(organization, attempts=1)
    assert (found.pending, found.differences) == (0, []), found.as_report()
    return found


def test_the_summary_of_a_year_is_the_engines_figures_for_that_year(api):
    # The audit of issue 27: a period across two years was split by days over its total, so 2023
    # showed the share of the total (31/62), not what the engine computed with 2023's factors.
    invoice = computed(api, electricity(**ACROSS_YEARS))
    december, january = year_part(invoice, 2023), year_part(invoice, 2024)
    assert december["co2e"] != pytest.approx(invoice["co2e"] * 31 / 62, rel=1e-3), (
        "the factors differ by year"
    )

    year_2023 = summary(api, group_by="scope", start_date="2023-01-01", end_date="2023-12-31")
    year_2024 = summary(api, group_by="month", start_date="2024-01-01", end_date="2024-12-31")

    assert year_2023["total"]["co2e"] == pytest.approx(december["co2e"], rel=1e-9)
    assert year_2023["total"]["co2e_location_based"] == pytest.approx(
        december["co2e_location_based"], rel=1e-9
    )
    assert {(g["key"]["scope"], g["key"].get("category")): g["co2e"] for g in year_2023["groups"]} == {
        (part["scope"], part["category"]): pytest.approx(part["co2e"], rel=1e-9)
        for part in december["by_scope"]
    }
    assert year_2024["groups"][0]["co2e"] == pytest.approx(january["co2e"], rel=1e-9)
    assert year_2023["total"]["invoices"] == year_2024["total"]["invoices"] == 1
    assert year_2023["total"]["quantity"][0]["quantity"] == pytest.approx(3100)


def test_a_window_cut_within_months_takes_the_days_of_each_years_figures(api):
    invoice = computed(api, electricity(**ACROSS_YEARS))
    computed(
        api,
        electricity(base_quantity=900, unit_id=str(KWH.id), start_date="2024-03-01", end_date="2024-03-31"),
    )

    window = summary(api, group_by="month", start_date="2023-12-15", end_date="2024-01-10")

    expected = {
        "2023-12": year_part(invoice, 2023)["co2e"] * 17 / 31,
        "2024-01": year_part(invoice, 2024)["co2e"] * 10 / 31,
    }
    assert {group["key"]["month"]: group["co2e"] for group in window["groups"]} == {
        month: pytest.approx(value, rel=1e-9) for month, value in expected.items()
    }
    assert window["total"]["invoices"] == 1
    assert window["total"]["quantity"][0]["quantity"] == pytest.approx(6200 * 27 / 62)
    until = summary(api, group_by="type", end_date="2024-01-10")["total"]
    assert until["co2e"] == pytest.approx(year_part(invoice, 2023)["co2e"] + expected["2024-01"], rel=1e-9)
    assert until["invoices"] == 1


def test_every_change_moves_the_rollups_once_and_a_recount_agrees(api):
    first = computed(api, electricity())
    second = computed(api, electricity(invoice_id="INV-2", start_date="2024-10-01", end_date="2024-10-31"))
    moved = api(
        "update_invoice",
        ACME_HEADERS,
        path={"invoice_id": first["id"]},
        body={"start_date": "2023-11-01", "end_date": "2023-11-30"},
    )
    assert moved.status == 200, moved.body
    TableStream(only=("CalculateEmissionsFunction",)).drain()
    assert (
        api(
            "update_invoice", ACME_HEADERS, path={"invoice_id": second["id"]}, body={"status": "inactive"}
        ).status
        == 200
    )
    third = computed(api, electricity(invoice_id="INV-3", start_date="2024-09-01", end_date="2024-09-30"))
    assert api("delete_invoice", ACME_HEADERS, path={"invoice_id": third["id"]}).status == 204
    settle_rollups()

    found = clean()

    assert found.invoices == 2
    listed = api("list_invoices", ACME_HEADERS, query={"status[]": ["active", "inactive"]}).body
    assert (listed["total"], [item["id"] for item in listed["items"]]) == (2, [second["id"], first["id"]])
    assert (
        summary(api, group_by="type", start_date="2023-01-01", end_date="2023-12-31")["total"]["invoices"]
        == 1
    )
    assert (
        summary(api, group_by="type", start_date="2024-01-01", end_date="2024-12-31")["total"]["invoices"]
        == 0
    )


def test_a_stream_delivered_twice_counts_once(api):
    computed(api, electricity())
    settle_rollups()
    before = repository.get_rollup(ACME, month_sk("2024-11"))

    TableStream(only=("UpdateRollupsFunction",)).drain()  # a new reader: every record again

    assert repository.get_rollup(ACME, month_sk("2024-11")) == before
    clean()


def test_a_batch_retried_after_a_timeout_that_followed_its_write_counts_once(api, monkeypatch):
    for number in range(3):
        api("create_invoice", ACME_HEADERS, body=electricity(invoice_id=f"INV-{number}"))
    real = repository.write_rollups

    def times_out_after_writing(write, expected_writes=None):
        real(write, expected_writes)
        raise TimeoutError("Task timed out")

    records = TableStream(only=())._new_records()
    function = load_function("update_rollups")
    monkeypatch.setattr(repository, "write_rollups", times_out_after_writing)
    with pytest.raises(TimeoutError):
        function.lambda_handler({"Records": records}, LambdaContext())
    monkeypatch.setattr(repository, "write_rollups", real)
    function.lambda_handler({"Records": records}, LambdaContext())  # Lambda's retry of the batch

    assert invoice_counts(repository.get_rollup(ACME, counts_sk())) == {("loading", "electricity"): 3}
    clean()


def test_verify_finds_a_drifted_cell_and_rebuild_repairs_it_once(api):
    computed(api, electricity())
    settle_rollups()
    table = boto3.client("dynamodb")
    table.update_item(
        TableName=get_settings().table_name,
        Key={"pk": {"S": f"ORG#{ACME}"}, "sk": {"S": counts_sk()}},
        UpdateExpression="ADD #n :five",
        ExpressionAttributeNames={"#n": "n|active|electricity"},
        ExpressionAttributeValues={":five": {"N": "5"}},
    )

    assert cli("rollups", "verify", "--organization", str(ACME))[0] == 1
    repaired = verification.rebuild(ACME)
    again = verification.rebuild(ACME)

    assert [(d.attribute, d.stored, d.recounted) for d in repaired.differences] == [
        ("n|active|electricity", Decimal(6), Decimal(1))
    ]
    assert again.differences == []
    assert cli("rollups", "verify", "--organization", str(ACME))[0] == 0


def test_rollups_rebuilt_from_scratch_then_take_the_stream_without_counting_twice(api):
    """A deployment with invoices from before the rollups: no rollups, no marks, and stream records
    still to come of changes the rebuild already counted."""
    invoice = computed(api, electricity())
    waiting = api("create_invoice", ACME_HEADERS, body=electricity(invoice_id="W-1")).body
    settle_rollups()
    dynamodb = boto3.client("dynamodb")
    stored = list(repository.organization_rollups(ACME)) + list(repository.organization_rollup_marks(ACME))
    for item in stored:
        key = {"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}}
        dynamodb.delete_item(TableName=get_settings().table_name, Key=key)
    dynamodb.update_item(  # written before the status index existed
        TableName=get_settings().table_name,
        Key={"pk": {"S": f"ORG#{ACME}"}, "sk": {"S": f"INVOICE#{waiting['id']}"}},
        UpdateExpression="REMOVE gsi4pk, gsi4sk",
    )
    assert api("list_invoices", ACME_HEADERS, query={"status[]": "loading"}).body["items"] == []

    assert verification.recount(ACME).differences
    rebuilt = verification.rebuild(ACME)
    TableStream(only=("UpdateRollupsFunction",)).drain()  # every record of the invoice again

    assert rebuilt.pending == 1 and rebuilt.differences and len(rebuilt.index) == 1, rebuilt
    clean()
    loading = api("list_invoices", ACME_HEADERS, query={"status[]": "loading"}).body
    assert [item["id"] for item in loading["items"]] == [waiting["id"]]
    assert summary(api, group_by="type", start_date="2024-11-01", end_date="2024-11-30")["total"][
        "co2e"
    ] == pytest.approx(invoice["co2e"])


def test_the_lists_count_from_the_rollups_and_a_status_reads_its_own_index(api):
    active = [
        computed(api, electricity(invoice_id=f"A-{n}", start_date=f"2024-0{n}-01", end_date=f"2024-0{n}-28"))
        for n in range(1, 4)
    ]
    loading = api("create_invoice", ACME_HEADERS, body=electricity(invoice_id="L-1")).body

    first = api("list_invoices", ACME_HEADERS, query={"size": "2"}).body
    queue = api("list_invoices", ACME_HEADERS, query={"status[]": "loading", "size": "1"}).body
    casted = api(
        "list_facility_invoices",
        ACME_HEADERS,
        path={"facility_id": str(ACME_MADRID)},
        query={"filter_by": "status:active"},
    ).body

    assert (first["total"], first["pages"], len(first["items"])) == (4, 2, 2)
    assert (queue["total"], [item["id"] for item in queue["items"]]) == (1, [loading["id"]])
    assert (casted["total"], casted["total2"], casted["total_general"]) == (3, 0, 3)
    following = api(
        "list_invoices", ACME_HEADERS, query={"size": "2", "next_token": first["next_token"]}
    ).body
    assert [item["id"] for item in following["items"]] == [active[1]["id"], active[0]["id"]]


def test_a_total_the_counts_cannot_give_is_null_until_the_last_page(api):
    for n in range(1, 4):
        api("create_invoice", ACME_HEADERS, body=electricity(invoice_id=f"X-{n}"))

    narrowed = api("list_invoices", ACME_HEADERS, query={"invoice_id": "x-", "size": "2"}).body
    whole = api("list_invoices", ACME_HEADERS, query={"invoice_id": "x-", "size": "5"}).body

    assert (narrowed["total"], narrowed["pages"], narrowed["next_token"] is not None) == (None, None, True)
    assert (whole["total"], whole["pages"]) == (3, 1)


def test_what_no_index_serves_is_a_clear_400_beyond_the_bounded_read(api, monkeypatch):
    monkeypatch.setattr(listing, "BOUNDED_READ", 2)
    for n in range(1, 4):
        api("create_invoice", ACME_HEADERS, body=electricity(invoice_id=f"S-{n}"))

    sorted_ = api("list_invoices", ACME_HEADERS, query={"sort": "-co2e"})
    casted = api(
        "list_facility_invoices",
        ACME_HEADERS,
        path={"facility_id": str(ACME_MADRID)},
        query={"sort_by": "co2e:desc"},
    )
    dated = api(
        "list_facility_invoices",
        ACME_HEADERS,
        path={"facility_id": str(ACME_MADRID)},
        query={"start_date": "1730419200"},
    )
    deep = api("list_invoices", ACME_HEADERS, query={"page": "101", "size": "100"})
    narrowed = api("list_invoices", ACME_HEADERS, query={"sort": "-co2e", "end_date": "2024-10-31"})

    assert (sorted_.status, sorted_.body["code"]) == (400, "SORT_TOO_BROAD")
    assert (casted.status, casted.body["code"]) == (400, "FILTER_TOO_BROAD")
    assert (dated.status, dated.body["code"]) == (400, "FILTER_TOO_BROAD")
    assert (deep.status, deep.body["code"]) == (400, "PAGE_TOO_DEEP")
    assert (narrowed.status, narrowed.body["total"]) == (200, 0)


def test_the_counts_of_another_organization_are_never_read(api):
    computed(api, electricity())
    from tests.tenants import GLOBEX, GLOBEX_KEY, api_key_headers

    globex = api("list_invoices", api_key_headers(GLOBEX_KEY, GLOBEX)).body

    assert (globex["total"], globex["items"]) == (0, [])
    assert repository.get_rollup(UUID(str(GLOBEX)), counts_sk()) == {}


def test_the_daily_verification_recounts_yesterdays_organizations_and_counts_their_drift(api):
    from datetime import UTC, datetime, timedelta

    computed(api, electricity())
    settle_rollups()
    today = datetime.now(UTC).date()
    assert repository.changed_organizations(today.isoformat()) == {str(ACME)}
    yesterday = (today - timedelta(days=1)).isoformat()
    repository.note_changed_organizations([str(ACME)], yesterday, now=0)
    verify = load_function("verify_rollups").lambda_handler

    class Scheduled(LambdaContext):  # the function's 900 s
        get_remaining_time_in_millis = staticmethod(lambda: 900_000)

    clean_run = verify({}, Scheduled())
    boto3.client("dynamodb").update_item(
        TableName=get_settings().table_name,
        Key={"pk": {"S": f"ORG#{ACME}"}, "sk": {"S": month_sk("2024-11")}},
        UpdateExpression="ADD #n :one",
        ExpressionAttributeNames={"#n": "electricity|*|starts"},
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    drifted = verify({}, Scheduled())
    out_of_time = verification.verify_changed(yesterday, lambda: 1_000)

    assert clean_run == {"day": yesterday, "verified": 1, "differences": 0}
    assert drifted == {"day": yesterday, "verified": 1, "differences": 1}
    assert (out_of_time.verified, out_of_time.unverified) == ([], [str(ACME)])


def test_windows_at_the_calendars_ends_and_backwards_are_answered_not_500(api):
    # Found by schemathesis: December 9999 has no following month, the year 7's month is "0007-05" (not
    # strftime's "7-05"), and a range ending before it starts is not a key condition DynamoDB takes.
    computed(api, electricity())

    last_month = summary(api, group_by="month", start_date="9999-12-15", end_date="9999-12-31")
    early = summary(api, group_by=["month", "facility"], start_date="0007-05-04", end_date="0597-02-21")
    backwards = api(
        "list_invoices", ACME_HEADERS, query={"start_date": "2025-06-01", "end_date": "2020-01-01"}
    )
    job = api(
        "request_recalculation", ACME_HEADERS, body={"start_date": "2025-06-01", "end_date": "2020-01-01"}
    )

    assert (last_month["groups"], last_month["total"]["invoices"]) == ([], 0)
    assert (early["groups"], early["total"]["invoices"]) == ([], 0)
    assert (backwards.status, backwards.body["total"], backwards.body["items"]) == (200, 0, [])
    assert (job.status, job.body["count"]) == (202, 0)
