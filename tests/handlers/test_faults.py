"""Every AWS call of every invoice write path, failed in turn with every kind of fault, in-process
over moto: the client never sees a success for work not done, the table never holds half of
anything, and the retry (with its Idempotency-Key) succeeds.

For each path, the calls it makes are counted on a clean run; then, for each call N and each fault,
a fresh run fails at call N (before it is made: AWS never did it; or, for a read timeout, after it
was made: AWS did it and the answer was lost), the answer and the table are checked, and the request
is retried without a fault.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from carbon_accounting import repository
from carbon_accounting.settings import get_settings
from tests.faults import ERRORS, THROTTLING, Fault, injected
from tests.functions import LambdaContext, load_function
from tests.handlers.conftest import Answer, invoke
from tests.handlers.test_calculate_emissions import record
from tests.handlers.test_invoices import ACME_HEADERS, distributed_heat, electricity

# A fault before the call (never carried out) of each kind, and a read timeout after it (carried out,
# answer lost): the two ways a write can fail.
FAULTS = [(error, True) for error in ERRORS] + [("ReadTimeoutError", False)]
CORRELATED = re.compile(r"Internal server error \(correlation id [0-9a-f-]{36}\)")


def table_items() -> list[dict[str, Any]]:
    """The whole test table (a test-only scan)."""
    client, items, start = repository.client(), [], {}
    while True:
        answer = client.scan(TableName=get_settings().table_name, **start)
        items += [repository.table.from_item(item) for item in answer["Items"]]
        if "LastEvaluatedKey" not in answer:
            return items
        start = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}


def invoices_of(reference: str) -> list[dict[str, Any]]:
    return [
        item
        for item in table_items()
        if item.get("entity") == "invoice" and item.get("invoice_id") == reference
    ]


def assert_table_whole() -> None:
    """No partial distributed invoice, no orphaned child, no loading invoice the daily recovery cannot
    find, no history entry without its figures."""
    items = table_items()
    invoices = {(item["pk"], item["id"]): item for item in items if item.get("entity") == "invoice"}
    for invoice in invoices.values():
        for organization, child in invoice.get("children", []):
            assert (f"ORG#{organization}", child) in invoices, f"parent {invoice['id']} lost a child"
        if invoice.get("source_invoice_id"):
            parent = (f"ORG#{invoice['source_organization_id']}", invoice["source_invoice_id"])
            assert parent in invoices, f"child {invoice['id']} has no parent"
        elif invoice["status"] == "loading":
            assert invoice["gsi3pk"].startswith("LOADING#"), "the daily recovery finds every loading invoice"
    for entry in (item for item in items if item.get("entity") == "history"):
        assert entry.get("co2e") is not None and entry.get("emission_factors") is not None, entry


def wait_out_attempts() -> None:
    """What time does to the in-progress Idempotency-Key records: their attempts' deadlines pass."""
    for item in table_items():
        if item["sk"].startswith("IDEMPOTENCY#") and item.get("idempotency_status") == "INPROGRESS":
            repository.client().update_item(
                TableName=get_settings().table_name,
                Key=repository.table.item_key(item["pk"], item["sk"]),
                UpdateExpression="SET in_progress_expiration = :past",
                ExpressionAttributeValues={":past": {"N": "0"}},
            )


def assert_honest(answer: Answer, error: str, done: bool) -> None:
    """A success only for work done; a fault as 503 with Retry-After (throttling) or 500 naming the
    correlation id; never anything else."""
    if 200 <= answer.status < 300:
        assert done, f"{answer.status} for work that was not done"
    elif error in THROTTLING:
        assert (answer.status, answer.body["code"], answer.headers.get("Retry-After")) == (
            503,
            "SERVICE_UNAVAILABLE",
            "1",
        )
    else:
        assert answer.status == 500, answer
        assert CORRELATED.fullmatch(answer.body["detail"]), answer.body


@dataclass
class Path:
    """A write path: ``act(state, fault)`` answers what the client saw; ``done(state)`` says whether
    the work is in the table; ``prepare()`` makes the state it acts on."""

    prepare: Callable[[], dict[str, Any]]
    act: Callable[[dict[str, Any], Fault | None], Answer]
    done: Callable[[dict[str, Any]], bool]


def _created(body: Callable[..., dict[str, Any]]) -> Path:
    def prepare() -> dict[str, Any]:
        reference = f"F-{uuid.uuid4().hex[:10]}"
        return {"reference": reference, "body": body(invoice_id=reference), "key": str(uuid.uuid4())}

    def act(state: dict[str, Any], fault: Fault | None) -> Answer:
        headers = ACME_HEADERS | {"idempotency-key": state["key"]}
        return invoke("create_invoice", headers, body=state["body"], fault=fault)

    def done(state: dict[str, Any]) -> bool:
        return bool(invoices_of(state["reference"]))

    return Path(prepare, act, done)


def _existing_invoice() -> dict[str, Any]:
    reference = f"F-{uuid.uuid4().hex[:10]}"
    created = invoke("create_invoice", ACME_HEADERS, body=electricity(invoice_id=reference))
    assert created.status == 201
    return {"reference": reference, "id": created.body["id"]}


def _patch(state: dict[str, Any], fault: Fault | None) -> Answer:
    path = {"invoice_id": state["id"]}
    return invoke("update_invoice", ACME_HEADERS, path=path, body={"base_quantity": 4.75}, fault=fault)


def _delete(state: dict[str, Any], fault: Fault | None) -> Answer:
    return invoke("delete_invoice", ACME_HEADERS, path={"invoice_id": state["id"]}, fault=fault)


def _loading_record() -> dict[str, Any]:
    state = _existing_invoice()
    (item,) = invoices_of(state["reference"])
    return state | {"record": record(None, item, 1)}


def _calculate(state: dict[str, Any], fault: Fault | None) -> Answer:
    """The stream calculator on the invoice's record: a reported failure is Lambda's retry."""
    function = load_function("calculate_emissions")
    try:
        with injected(fault) if fault else contextlib.nullcontext():
            answer = function.lambda_handler({"Records": [state["record"]]}, LambdaContext())
    except Exception:  # the whole batch fails: Lambda retries it
        return Answer(500, {}, {"detail": "batch failed"})
    failed = answer["batchItemFailures"]
    return Answer(500 if failed else 200, {}, {"detail": "record failed"} if failed else None)


PATHS = {
    "create": _created(electricity),
    "create-distributed": _created(distributed_heat),
    "patch": Path(
        _existing_invoice, _patch, lambda state: invoices_of(state["reference"])[0]["base_quantity"] == 4750
    ),
    "delete": Path(_existing_invoice, _delete, lambda state: not invoices_of(state["reference"])),
    "calculate": Path(
        _loading_record, _calculate, lambda state: invoices_of(state["reference"])[0]["status"] != "loading"
    ),
}


@pytest.mark.parametrize("name", PATHS)
def test_every_fault_at_every_call_leaves_an_honest_answer_a_whole_table_and_a_retry_that_works(api, name):
    path = PATHS[name]
    cases, at = 0, 0
    while True:  # call 1, 2, ... until a run makes fewer calls than that: every call has failed
        at += 1
        fired = 0
        for error, before in FAULTS:
            state = path.prepare()
            fault = Fault(error, at=at, before=before)
            answer = path.act(state, fault)
            if not fault.fired:
                assert fired == 0, f"{name} made {at - 1} calls with one fault, fewer without"
                continue
            fired += 1
            if name == "calculate":  # the batch's answer to Lambda: a success only for a settled invoice
                assert answer.status != 200 or path.done(state), (name, at, error)
            else:
                assert_honest(answer, error, path.done(state))
            assert_table_whole()

            retry = path.act(state, None)
            if retry.status == 409 and retry.body["code"] == "REQUEST_IN_PROGRESS":
                # The record of the faulted attempt stays in progress until that attempt's Lambda time
                # is over; the client keeps retrying after Retry-After until then.
                wait_out_attempts()
                retry = path.act(state, None)
            assert 200 <= retry.status < 300 or (name == "delete" and retry.status == 404), (
                name,
                at,
                error,
                retry,
            )
            assert path.done(state), (name, at, error)
            if name.startswith("create"):
                parents = [
                    item for item in invoices_of(state["reference"]) if not item.get("source_invoice_id")
                ]
                assert len(parents) == 1, f"{name}: a retry after {error} at call {at} duplicated the invoice"
            assert_table_whole()
            cases += 1
        if not fired:
            break
    assert at > 1
    print(f"{name}: {at - 1} calls x {len(FAULTS)} faults = {cases} cases")
