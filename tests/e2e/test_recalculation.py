"""Recalculation and history over HTTP on the local stack, and `make recalculate`'s daily run on it."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import boto3
import pytest

from tests.conftest import ROOT
from tests.e2e.test_api import ACME_HEADERS
from tests.e2e.test_invoices import KWH, settled, share
from tests.tenants import ACME, ACME_MADRID

pytestmark = pytest.mark.e2e

UNKNOWN = "3f0c4a52-0000-4000-8000-000000000000"


def created(http, start, end, kwh):
    body = {
        "type": "electricity",
        "base_quantity": kwh,
        "unit_id": str(KWH.id),
        "start_date": start,
        "end_date": end,
        "facility_percentages": [share(ACME, ACME_MADRID, 1.0)],
    }
    answer = http("POST", "/api/v1/invoices", ACME_HEADERS, body)
    assert answer.status == 201, answer.body
    return settled(http, answer.body["id"])


def finished(http, job_id, seconds=30.0):
    deadline = time.monotonic() + seconds
    while True:
        job = http("GET", f"/v1/invoices/recalculate/{job_id}", ACME_HEADERS).body
        if job["status"] == "completed" or time.monotonic() > deadline:
            return job
        time.sleep(0.25)


def test_a_requested_recalculation_runs_and_history_follows_edits(http):
    invoice = created(http, "2025-05-01", "2025-05-31", 1200)

    answer = http("POST", "/v1/invoices/recalculate", ACME_HEADERS, {"invoice_ids": [invoice["id"], UNKNOWN]})
    job = finished(http, answer.body["job_id"])
    http("PATCH", f"/v1/invoices/{invoice['id']}", ACME_HEADERS, {"base_quantity": 2400})
    edited = settled(http, invoice["id"])
    history = http("GET", f"/v3/invoices/{invoice['id']}/history", ACME_HEADERS)

    assert (answer.status, answer.body["count"], answer.body["ignored"]) == (202, 1, 1)
    assert {key: job[key] for key in ("status", "queued", "calculated", "changed", "failed")} == {
        "status": "completed",
        "queued": 1,
        "calculated": 1,
        "changed": 0,  # the same data: the same figures, no history entry
        "failed": 0,
    }
    assert history.status == 200
    assert [entry["reason"] for entry in history.body] == ["created", "edited"]
    assert [entry["co2e"] for entry in history.body] == [invoice["co2e"], edited["co2e"]]
    assert edited["co2e"] == pytest.approx(2 * invoice["co2e"])


def test_make_recalculate_runs_the_daily_run_on_the_local_stack(local_stack, http):
    created(http, "2025-06-01", "2025-06-30", 900)

    invoked = subprocess.run(
        [
            sys.executable,
            "-m",
            "local.invoke",
            "ScheduleRecalculationFunction",
            "--event",
            "events/schedule_recalculation.json",
            "--state-dir",
            str(local_stack.state_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(invoked.stdout) == {"queued": True}
    stack = local_stack.stack_json
    table = boto3.client("dynamodb", endpoint_url=stack["endpoints"]["dynamodb"], region_name="eu-west-1")
    key = {"pk": {"S": "RECALCULATION"}, "sk": {"S": "SCHEDULE"}}
    deadline = time.monotonic() + 30
    while True:
        run = table.get_item(TableName=stack["tables"]["Table"], Key=key, ConsistentRead=True).get("Item")
        if (run and run["status"]["S"] == "completed") or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert run["status"]["S"] == "completed"
    assert run["found"]["N"] == "0"  # the shipped data is one release: nothing is stale, nothing stuck
