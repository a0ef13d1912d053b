"""Recalculation, in-process over moto with the table's stream delivered: the daily run after a newer
dataset version, the recovery of stuck invoices, requested jobs, and the emission-factor policy."""

from datetime import timedelta

import pytest
from botocore.exceptions import ReadTimeoutError

from carbon_accounting import repository
from carbon_accounting.invoices import recalculation
from tests.datasets import newer_version
from tests.functions import LambdaContext, load_function
from tests.handlers.test_invoices import ACME_HEADERS, KWH, distributed_heat, electricity, share
from tests.streams import TableStream
from tests.tenants import (
    ACME,
    ACME_MADRID,
    GLOBEX,
    GLOBEX_BERLIN,
    GLOBEX_KEY,
    IBERIA,
    IBERIA_KEY,
    IBERIA_LISBON,
    api_key_headers,
)

IBERIA_HEADERS = api_key_headers(IBERIA_KEY, IBERIA)
GLOBEX_HEADERS = api_key_headers(GLOBEX_KEY, GLOBEX)
EEA_2026 = {"version": "eea-2026ed", "dataset": "eea", "file": "grid_direct.csv"}


def grid_2025(country, value):
    row = {
        "region": country,
        "year": "2025",
        "value": str(value),
        "unit": "kg CO2e/kWh",
        "basis": "generation",
    }
    return row | {"id": f"eea:{country}:2025"}


@pytest.fixture
def stream(api):
    return TableStream()


def create(api, stream, body, headers=ACME_HEADERS):
    answer = api("create_invoice", headers, body=body)
    assert answer.status == 201, answer.body
    assert stream.drain() == []
    return get(api, answer.body["id"], headers)


def get(api, invoice_id, headers=ACME_HEADERS):
    return api("get_invoice", headers, path={"invoice_id": invoice_id}).body


def history(api, invoice_id, headers=ACME_HEADERS):
    return api("get_invoice_history", headers, path={"invoice_id": invoice_id}).body


def power(facility, organization, start, end, kwh=1000):
    return electricity(
        base_quantity=kwh,
        unit_id=str(KWH.id),
        start_date=start,
        end_date=end,
        cups=None,
        facility_percentages=[share(organization, facility, 1.0)],
    )


def as_left_by(release, invoice_id, changes, values, names=None):
    """Rewrite a stored invoice of Acme as an earlier ``release`` left it: that release (in its gsi3
    key too), and ``changes`` (an UpdateExpression's SET clauses, and any REMOVE)."""
    from carbon_accounting.repository.recalculation import release_text
    from carbon_accounting.settings import get_settings

    item = repository.get_invoice(ACME, invoice_id)
    repository.client().update_item(
        TableName=get_settings().table_name,
        Key={"pk": {"S": f"ORG#{ACME}"}, "sk": {"S": item["sk"]}},
        UpdateExpression=f"SET data_release = :release, gsi3sk = :key, {changes}",
        ExpressionAttributeValues={
            ":release": {"N": str(release)},
            ":key": {"S": f"{release_text(release)}#{ACME}#{invoice_id}"},
            **values,
        },
        **({"ExpressionAttributeNames": names} if names else {}),
    )


def daily_run(stream):
    """What the schedule does: queue the run; the stream then runs it and the calculator after it."""
    assert load_function("schedule_recalculation").lambda_handler({}, LambdaContext()) == {"queued": True}
    assert stream.drain() == []
    run = repository.get_recalculation(None)
    assert run["status"] == "completed"
    return run


def test_a_newer_dataset_version_moves_exactly_the_affected_invoices_with_history(api, stream, tmp_path):
    spain_2025 = create(api, stream, power(ACME_MADRID, ACME, "2025-03-01", "2025-03-31"))
    spain_2024 = create(api, stream, power(ACME_MADRID, ACME, "2024-03-01", "2024-03-31"))
    heat_2025 = create(api, stream, distributed_heat(start_date="2025-01-01", end_date="2025-03-31"))
    portugal_2025 = create(
        api, stream, power(IBERIA_LISBON, IBERIA, "2025-03-01", "2025-03-31"), IBERIA_HEADERS
    )
    germany_pinned = create(
        api, stream, power(GLOBEX_BERLIN, GLOBEX, "2025-03-01", "2025-03-31"), GLOBEX_HEADERS
    )
    pinned = api("set_emission_factor_policy", GLOBEX_HEADERS, body={"policy": "pinned"})
    assert pinned.body["policy"] == "pinned"
    rows = [grid_2025("ES", 0.1), grid_2025("DE", 0.3)]

    with newer_version(tmp_path, **EEA_2026, rows=rows):
        run = daily_run(stream)
        again = daily_run(stream)

    after = {
        name: get(api, invoice["id"], headers)
        for name, invoice, headers in (
            ("spain_2025", spain_2025, ACME_HEADERS),
            ("spain_2024", spain_2024, ACME_HEADERS),
            ("heat_2025", heat_2025, ACME_HEADERS),
            ("portugal_2025", portugal_2025, IBERIA_HEADERS),
            ("germany_pinned", germany_pinned, GLOBEX_HEADERS),
        )
    }
    # Spanish 2025 electricity: new figures from the new grid factor, the old ones in its history.
    before_entry, after_entry = history(api, spain_2025["id"])
    assert (before_entry["reason"], after_entry["reason"]) == ("created", "factor_update")
    assert before_entry["co2e"] == pytest.approx(spain_2025["co2e"])
    assert (
        after_entry["co2e"] == pytest.approx(after["spain_2025"]["co2e"]) != pytest.approx(spain_2025["co2e"])
    )
    assert after_entry["co2e_location_based"] < before_entry["co2e_location_based"]  # 0.1 < 0.125 (2024)
    assert "eea:ES:2025" in {factor["id"] for factor in after_entry["emission_factors"]}
    assert "eea-2026ed" in after["spain_2025"]["dataset_version"]
    # Portuguese 2025 electricity is of the changed type and year: recomputed, same figures, no entry.
    assert after["portugal_2025"]["version"] > portugal_2025["version"]
    assert after["portugal_2025"]["co2e"] == portugal_2025["co2e"]
    assert [entry["reason"] for entry in history(api, portugal_2025["id"], IBERIA_HEADERS)] == ["created"]
    # Untouched: another year, another type, a pinned organization.
    for name, invoice in (
        ("spain_2024", spain_2024),
        ("heat_2025", heat_2025),
        ("germany_pinned", germany_pinned),
    ):
        assert after[name]["version"] == invoice["version"], name
    assert {key: run[key] for key in ("recalculated", "pinned", "recovered")} == {
        "recalculated": 2,
        "pinned": 1,
        "recovered": 0,
    }
    # The next day finds only the pinned invoice again, and reads nothing else.
    assert {key: again[key] for key in ("found", "recalculated", "pinned")} == {
        "found": 1,
        "recalculated": 0,
        "pinned": 1,
    }


def test_invoices_computed_by_methodology_1_move_to_the_current_methodology_with_history(api, stream):
    invoice = create(api, stream, power(ACME_MADRID, ACME, "2024-03-01", "2024-03-31"))
    # As release 1 left it: one figure under Scope 2, no parts, no methodology version.
    as_left_by(
        1,
        invoice["id"],
        "co2e = :old REMOVE emissions_by_scope, methodology_version",
        {":old": {"N": "338.2"}},
    )
    assert get(api, invoice["id"])["emissions_by_scope"] is None

    run = daily_run(stream)

    after = get(api, invoice["id"])
    assert run["recalculated"] == 1
    assert (after["methodology_version"], after["co2e"]) == ("3", invoice["co2e"])
    assert [(part["scope"], part["category"]) for part in after["emissions_by_scope"]] == [(2, None), (3, 3)]
    entries = history(api, invoice["id"])
    assert [entry["reason"] for entry in entries] == ["created", "factor_update"]
    assert entries[-1]["emissions_by_scope"] == after["emissions_by_scope"]
    assert entries[-1]["methodology_version"] == "3"
    assert daily_run(stream)["found"] == 0


def test_a_2023_heat_invoice_in_error_before_release_3_is_brought_to_its_2023_figures(api, stream):
    body = distributed_heat(start_date="2023-03-01", end_date="2023-03-31")
    body["facility_percentages"] = [share(ACME, ACME_MADRID, 1.0)]
    invoice = create(api, stream, body)
    # As release 2 left it: no DESNZ factor before 2024, so in error, with no figures.
    as_left_by(
        2,
        invoice["id"],
        "#status = :error, error_messages = :why REMOVE co2e, emissions_by_scope, emission_factors",
        {
            ":error": {"S": "error"},
            ":why": {"L": [{"S": "no DESNZ factor for Natural gas for 2023 or any earlier year"}]},
        },
        {"#status": "status"},
    )

    run = daily_run(stream)

    after = get(api, invoice["id"])
    assert run["recalculated"] == 1
    assert (after["status"], after["error_messages"], after["methodology_version"]) == ("active", [], "3")
    assert {factor["year"] for factor in after["emission_factors"]} == {2023}
    assert after["co2e"] == pytest.approx(invoice["co2e"])
    assert daily_run(stream)["found"] == 0


def test_with_the_shipped_data_a_run_finds_nothing(api, stream):
    invoice = create(api, stream, power(ACME_MADRID, ACME, "2025-03-01", "2025-03-31"))

    run = daily_run(stream)

    assert run["found"] == 0
    assert get(api, invoice["id"])["version"] == invoice["version"]


def test_an_invoice_stuck_loading_is_recovered(api, stream, monkeypatch):
    created = api("create_invoice", ACME_HEADERS, body=power(ACME_MADRID, ACME, "2025-03-01", "2025-03-31"))
    stream.skip()  # its event is lost: it stays loading
    fresh = api("create_invoice", ACME_HEADERS, body=power(ACME_MADRID, ACME, "2025-04-01", "2025-04-30"))
    assert get(api, created.body["id"])["status"] == "loading"
    monkeypatch.setattr(recalculation, "STUCK_AFTER", timedelta(0))

    run = daily_run(stream)

    recovered = get(api, created.body["id"])
    assert recovered["status"] == "active" and recovered["co2e"] > 0
    assert [entry["reason"] for entry in history(api, created.body["id"])] == ["created"]
    assert get(api, fresh.body["id"])["status"] == "active"
    assert run["recovered"] >= 1


def test_a_run_short_of_time_hands_over_and_resumes_from_its_checkpoint(api, stream, tmp_path, monkeypatch):
    invoices = [
        create(api, stream, power(ACME_MADRID, ACME, f"2025-0{month}-01", f"2025-0{month}-28"))
        for month in range(1, 6)
    ]
    monkeypatch.setattr(recalculation, "PAGE", 2)
    claims = []
    claim = recalculation._claim
    monkeypatch.setattr(
        recalculation, "_claim", lambda job, *rest: claims.append(job["cursor"]) or claim(job, *rest)
    )

    with newer_version(tmp_path, **EEA_2026, rows=[grid_2025("ES", 0.1)]):
        run = daily_run(stream)  # the tests' Lambda context always has 10 s left: short of time

    assert run["recalculated"] == 5
    assert all(get(api, invoice["id"])["version"] > invoice["version"] for invoice in invoices)
    assert len(claims) > 3 and claims[0] == {"step": 0}
    assert any("after" in cursor for cursor in claims)  # resumed in the middle of a partition


# ------------------------------------------------------------------ requested


def request(api, body, headers=ACME_HEADERS):
    return api("request_recalculation", headers, body=body)


def job(api, job_id, headers=ACME_HEADERS):
    return api("get_recalculation", headers, path={"job_id": job_id})


def test_recalculating_by_id_ignores_other_organizations_and_children(api, stream, tmp_path):
    pinned = api("set_emission_factor_policy", ACME_HEADERS, body={"policy": "pinned"})
    assert pinned.status == 200
    own = create(api, stream, power(ACME_MADRID, ACME, "2025-03-01", "2025-03-31"))
    parent = create(api, stream, distributed_heat())
    child_id = repository.get_invoices([(ACME, parent["id"])])[0]["children"][0][1]
    foreign = create(api, stream, power(GLOBEX_BERLIN, GLOBEX, "2025-03-01", "2025-03-31"), GLOBEX_HEADERS)
    unknown = "3f0c4a52-0000-4000-8000-000000000000"

    with newer_version(tmp_path, **EEA_2026, rows=[grid_2025("ES", 0.1)]):
        run = daily_run(stream)
        foreign = get(api, foreign["id"], GLOBEX_HEADERS)
        answer = request(api, {"invoice_ids": [own["id"], parent["id"], child_id, foreign["id"], unknown]})
        assert stream.drain() == []

    assert (run["recalculated"], run["pinned"]) == (1, 1)  # Globex's; Acme's is pinned: left alone
    assert answer.status == 202
    assert answer.body | {"job_id": None} == answer.body | {
        "job_id": None,
        "status": "queued",
        "count": 2,
        "ignored": 3,
        "queued": 0,
    }
    progress = job(api, answer.body["job_id"])
    assert progress.status == 200
    assert {
        key: progress.body[key] for key in ("status", "count", "queued", "calculated", "changed", "failed")
    } == {"status": "completed", "count": 2, "queued": 2, "calculated": 2, "changed": 1, "failed": 0}
    assert [entry["reason"] for entry in history(api, own["id"])] == ["created", "recalculated"]
    assert [entry["reason"] for entry in history(api, parent["id"])] == ["created"]  # same figures
    assert get(api, foreign["id"], GLOBEX_HEADERS)["version"] == foreign["version"]
    assert job(api, answer.body["job_id"], GLOBEX_HEADERS).status == 404


def test_a_job_whose_invoice_is_deleted_midway_still_completes(api, stream):
    kept = create(api, stream, power(ACME_MADRID, ACME, "2025-03-01", "2025-03-31"))
    deleted = create(api, stream, power(ACME_MADRID, ACME, "2025-04-01", "2025-04-30"))
    answer = request(api, {"invoice_ids": [kept["id"], deleted["id"]]})
    stream.skip()  # the worker runs here, by hand: the calculator has not seen its invoices yet
    queued = repository.get_recalculation(ACME, answer.body["job_id"])
    recalculation.run(queued, lambda: 900_000, "1")
    assert get(api, deleted["id"])["status"] == "loading"

    gone = api("delete_invoice", ACME_HEADERS, path={"invoice_id": deleted["id"]})
    assert stream.drain() == []

    assert gone.status == 204
    progress = job(api, answer.body["job_id"]).body
    assert {key: progress[key] for key in ("status", "queued", "calculated", "deleted")} == {
        "status": "completed",
        "queued": 2,
        "calculated": 1,
        "deleted": 1,
    }
    assert get(api, kept["id"])["status"] == "active"


def test_recalculating_by_filter_covers_the_matching_invoices_and_keeps_user_statuses(api, stream):
    march = create(api, stream, power(ACME_MADRID, ACME, "2025-03-01", "2025-03-31"))
    april = create(api, stream, power(ACME_MADRID, ACME, "2025-04-01", "2025-04-30"))
    heat = create(api, stream, distributed_heat(start_date="2025-03-01", end_date="2025-03-31"))
    older = create(api, stream, power(ACME_MADRID, ACME, "2024-03-01", "2024-03-31"))
    assert (
        api(
            "update_invoice", ACME_HEADERS, path={"invoice_id": april["id"]}, body={"status": "inactive"}
        ).status
        == 200
    )

    answer = request(api, {"type": ["electricity"], "start_date": "2025-01-01", "end_date": "2025-12-31"})
    assert stream.drain() == []

    assert (answer.status, answer.body["count"], answer.body["ignored"]) == (202, 2, 0)
    assert job(api, answer.body["job_id"]).body["status"] == "completed"
    assert get(api, march["id"])["version"] > march["version"]
    assert get(api, april["id"])["status"] == "inactive"
    assert get(api, heat["id"])["version"] == heat["version"]
    assert get(api, older["id"])["version"] == older["version"]


def test_a_filter_too_large_to_count_at_the_request_is_counted_by_its_job(api, stream, monkeypatch):
    monkeypatch.setattr(recalculation, "COUNTED_UP_TO", 1)
    for month in ("03", "04"):
        create(api, stream, power(ACME_MADRID, ACME, f"2025-{month}-01", f"2025-{month}-28"))

    answer = request(api, {"type": ["electricity"]})
    assert answer.body["count"] is None, "the request read one invoice past what it counts, no more"
    assert stream.drain() == []

    done = job(api, answer.body["job_id"]).body
    assert (done["status"], done["count"], done["queued"], done["calculated"]) == ("completed", 2, 2, 2)


def test_a_page_that_fails_is_retried_and_a_job_that_keeps_failing_ends_failed(api, stream, monkeypatch):
    invoice = create(api, stream, power(ACME_MADRID, ACME, "2025-03-01", "2025-03-31"))
    send, calls = recalculation._send, []

    def throttled_once(*arguments):
        calls.append(arguments)
        if len(calls) == 1:
            raise RuntimeError("ProvisionedThroughputExceededException")
        return send(*arguments)

    monkeypatch.setattr(recalculation, "_send", throttled_once)
    retried = request(api, {"invoice_ids": [invoice["id"]]})
    assert stream.drain() == []
    monkeypatch.setattr(recalculation, "_send", lambda *_: 1 / 0)
    failing = request(api, {"invoice_ids": [invoice["id"]]})
    assert stream.drain() == []

    assert {
        key: job(api, retried.body["job_id"]).body[key] for key in ("status", "queued", "calculated")
    } == {
        "status": "completed",
        "queued": 1,
        "calculated": 1,
    }
    assert job(api, failing.body["job_id"]).body["status"] == "failed"
    assert get(api, invoice["id"])["status"] == "active"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"invoice_ids": ["3f0c4a52-0000-4000-8000-000000000000"], "type": ["electricity"]},
        {"invoice_ids": []},
        {"invoice_ids": ["3f0c4a52-0000-4000-8000-000000000000"] * 1001},
        {"type": ["wastes"]},
        {"start_date": "2025-13-01"},
    ],
)
def test_a_request_must_name_ids_or_a_valid_filter(api, body):
    answer = request(api, body)

    assert (answer.status, answer.body["code"]) == (422, "VALIDATION_ERROR")


def test_an_unknown_job_is_404(api):
    answer = job(api, "3f0c4a52-0000-4000-8000-000000000000")

    assert (answer.status, answer.body["code"]) == (404, "RECALCULATION_JOB_NOT_FOUND")


def test_the_policy_is_latest_until_set_and_only_takes_its_two_values(api):
    assert api("get_emission_factor_policy", ACME_HEADERS).body == {
        "organization_id": str(ACME),
        "policy": "latest",
    }

    wrong = api("set_emission_factor_policy", ACME_HEADERS, body={"policy": "newest"})
    pinned = api("set_emission_factor_policy", ACME_HEADERS, body={"policy": "pinned"})

    assert (wrong.status, wrong.body["code"]) == (422, "VALIDATION_ERROR")
    assert pinned.status == 200
    assert api("get_emission_factor_policy", ACME_HEADERS).body["policy"] == "pinned"
    assert api("get_emission_factor_policy", IBERIA_HEADERS).body["policy"] == "latest"  # its own setting


def _run_daily(stream) -> dict:
    """The daily run, whatever the records it causes answer."""
    assert load_function("schedule_recalculation").lambda_handler({}, LambdaContext()) == {"queued": True}
    stream.drain()
    return repository.get_recalculation(None)


def test_a_requested_job_whose_worker_stopped_for_good_is_resumed_by_the_daily_run(api, stream, monkeypatch):
    # Given a job whose worker's record failed on every delivery (it went to the on-failure queue)
    invoice = create(api, stream, power(ACME_MADRID, ACME, "2025-03-01", "2025-03-31"))
    answer = request(api, {"invoice_ids": [invoice["id"]]})
    stream.skip()
    stored = repository.get_recalculation(ACME, answer.body["job_id"])
    assert (stored["status"], stored["gsi3pk"]) == ("queued", "RECALCULATING")

    # When the daily run looks while a retry could still come: the job is left alone
    assert _run_daily(stream)["jobs_resumed"] == 0
    assert job(api, answer.body["job_id"]).body["queued"] == 0

    # When it looks once the job's last write is older than ABANDONED_AFTER
    monkeypatch.setattr(recalculation, "ABANDONED_AFTER", timedelta(0))
    run = _run_daily(stream)

    # Then it is handed over, and its worker finishes it from its checkpoint; it leaves the index
    assert run["jobs_resumed"] == 1
    progress = job(api, answer.body["job_id"]).body
    assert {key: progress[key] for key in ("status", "queued", "calculated")} == {
        "status": "completed",
        "queued": 1,
        "calculated": 1,
    }
    assert "gsi3pk" not in repository.get_recalculation(ACME, answer.body["job_id"])


def test_a_requested_job_whose_worker_never_runs_fails_after_its_handovers(api, stream, monkeypatch):
    invoice = create(api, stream, power(ACME_MADRID, ACME, "2025-03-01", "2025-03-31"))
    answer = request(api, {"invoice_ids": [invoice["id"]]})
    claim = recalculation._claim

    def unreachable(job, delivery):  # a requested job's worker always meets an AWS fault
        if job.get("organization_id"):
            raise ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")
        return claim(job, delivery)

    monkeypatch.setattr(recalculation, "_claim", unreachable)
    monkeypatch.setattr(recalculation, "ABANDONED_AFTER", timedelta(0))
    runs = [_run_daily(stream) for _ in range(recalculation.MAX_FAILURES + 1)]

    assert [(run["jobs_resumed"], run["jobs_failed"]) for run in runs] == [(1, 0)] * 3 + [(0, 1)]
    assert job(api, answer.body["job_id"]).body["status"] == "failed"
    assert "gsi3pk" not in repository.get_recalculation(ACME, answer.body["job_id"])
    assert get(api, invoice["id"])["status"] == "active"  # nothing was sent: it keeps its figures
