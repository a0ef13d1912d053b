"""Every AWS call of every write path, failed in turn with every kind of fault, in-process over
moto: the client never sees a success for work not done, the table never holds half of anything,
and the retry (with its Idempotency-Key; for an event or a stream record, Lambda's) succeeds.

The paths: create (single and distributed), PATCH, DELETE, the stream calculator, a requested
recalculation's worker, the bulk importer, the upload check (a file kept, a file refused), and the
rollups' stream consumer (an invoice created, computed and edited: one batch).

For each path, the calls it makes are counted on a clean run; then, for each call N and each fault,
a fresh run fails at call N (before it is made: AWS never did it; or, for a read timeout, after it
was made: AWS did it and the answer was lost), the answer and the table are checked, and the request
is retried without a fault. Each case runs on a fresh table.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from carbon_accounting import repository
from carbon_accounting.intake import bulk
from carbon_accounting.rollups import verification
from carbon_accounting.seed import load_seed
from carbon_accounting.settings import get_settings
from local.template import load_stack, table_definition
from tests import figures
from tests.conftest import ROOT, TEST_TABLE
from tests.faults import ERRORS, THROTTLING, Fault, injected
from tests.functions import LambdaContext, load_function
from tests.handlers import test_bulk_import as bulk_import
from tests.handlers import test_files as files
from tests.handlers.conftest import Answer, invoke
from tests.handlers.test_calculate_emissions import record
from tests.handlers.test_invoices import ACME_HEADERS, distributed_heat, electricity
from tests.streams import TableStream
from tests.tenants import ACME

# A fault before the call (never carried out) of each kind, and a read timeout after it (carried out,
# answer lost): the two ways a write can fail.
FAULTS = [(error, True) for error in ERRORS] + [("ReadTimeoutError", False)]
IMPORTED_ROWS = [bulk_import.GOOD, bulk_import.GOOD_SPLIT, bulk_import.BAD_DATES]
STREAM_PATHS = {
    "calculate",
    "recalculate",
    "import",
    "upload-check",
    "upload-refused",
    "rollups",
}  # no client
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


@functools.cache
def _table_definition() -> dict[str, Any]:
    return table_definition(load_stack(ROOT / "template.yaml"), TEST_TABLE)


def fresh_table() -> None:
    """The test table again, as template.yaml defines it and seeded (not emptied: moto copies the
    whole table, stream records included, for each action of a transaction, so the cases of a long
    matrix would slow down as it grows)."""
    client = repository.client()
    client.delete_table(TableName=TEST_TABLE)
    client.create_table(**_table_definition())
    load_seed(ROOT / "tests" / "e2e" / "seed.json")


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
    creates: Callable[[dict[str, Any]], list[str]] = lambda state: []  # references, each made once


def parents_of(references: list[str]) -> list[int]:
    """How many invoices (not distributed children) the table holds with each reference."""
    parents = [
        item["invoice_id"]
        for item in table_items()
        if item.get("entity") == "invoice" and not item.get("source_invoice_id")
    ]
    return [parents.count(reference) for reference in references]


def _created(body: Callable[..., dict[str, Any]]) -> Path:
    def prepare() -> dict[str, Any]:
        reference = f"F-{uuid.uuid4().hex[:10]}"
        return {"reference": reference, "body": body(invoice_id=reference), "key": str(uuid.uuid4())}

    def act(state: dict[str, Any], fault: Fault | None) -> Answer:
        headers = ACME_HEADERS | {"idempotency-key": state["key"]}
        return invoke("create_invoice", headers, body=state["body"], fault=fault)

    def done(state: dict[str, Any]) -> bool:
        return bool(invoices_of(state["reference"]))

    return Path(prepare, act, done, lambda state: [state["reference"]])


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


def _batch(function: str, stream_record: dict[str, Any], fault: Fault | None) -> Answer:
    """A stream function on one record: a reported failure is Lambda's retry of the same record."""
    try:
        with injected(fault) if fault else contextlib.nullcontext():
            answer = load_function(function).lambda_handler({"Records": [stream_record]}, LambdaContext())
    except Exception:  # the whole batch fails: Lambda retries it
        return Answer(500, {}, {"detail": "batch failed"})
    failed = answer["batchItemFailures"]
    return Answer(500 if failed else 200, {}, {"detail": "record failed"} if failed else None)


def _calculate(state: dict[str, Any], fault: Fault | None) -> Answer:
    return _batch("calculate_emissions", state["record"], fault)


_SEQUENCE = itertools.count(10**20)


def _requested_recalculation() -> dict[str, Any]:
    """A calculated invoice, and the queued job recalculating it: its stream record for the worker."""
    stream = TableStream()  # the case's fresh table's
    state = _existing_invoice()
    assert stream.drain() == []
    requested = invoke("request_recalculation", ACME_HEADERS, body={"invoice_ids": [state["id"]]})
    stream.skip()  # the job's record goes to the worker by the test's hand
    job = repository.get_recalculation(ACME, requested.body["job_id"])
    return state | {"job_id": job["id"], "record": record(None, job, next(_SEQUENCE)), "stream": stream}


def _recalculate(state: dict[str, Any], fault: Fault | None) -> Answer:
    """The worker on the job's record, then the stream's records after it (without the fault)."""
    answer = _batch("recalculate_invoices", state["record"], fault)
    assert state["stream"].drain() == []
    return answer


def _recalculated(state: dict[str, Any]) -> bool:
    job = invoke("get_recalculation", ACME_HEADERS, path={"job_id": state["job_id"]}).body
    counts = {name: job[name] for name in ("status", "count", "queued", "calculated", "failed")}
    return counts == {"status": "completed", "count": 1, "queued": 1, "calculated": 1, "failed": 0}


def _import_job() -> dict[str, Any]:
    """A job whose CSV (a single invoice, a distributed one, a refused row) is uploaded, one row a chunk."""
    rows = [row.replace(",INV-", f",F-{uuid.uuid4().hex[:10]}-INV-") for row in IMPORTED_ROWS]
    references = [row.split(",")[bulk_import.HEADER.split(",").index("invoice_id")] for row in rows]
    job = bulk_import.create_job(invoke).body
    version = bulk_import.upload(job, bulk_import.csv_text(*rows))
    return {"job": job, "key": job["upload"]["fields"]["key"], "version": version, "references": references}


def _deliver(deliver: Callable[[str, str | None], Any], state: dict[str, Any], fault: Fault | None) -> Answer:
    """An EventBridge target on the uploaded object: an exception is a failed invocation, which
    Lambda retries. ``deliver`` is the target's own test helper (its sample event, reshaped)."""
    try:
        with injected(fault) if fault else contextlib.nullcontext():
            deliver(state["key"], state["version"])
    except Exception:
        return Answer(500, {}, {"detail": "invocation failed"})
    return Answer(200, {}, None)


def _import(state: dict[str, Any], fault: Fault | None) -> Answer:
    return _deliver(bulk_import.deliver, state, fault)


def _imported(state: dict[str, Any]) -> bool:
    job = repository.get_import_job(ACME, state["job"]["job_id"])
    return job["status"] not in ("pending", "processing")


def _uploaded_file(content: bytes) -> Callable[[], dict[str, Any]]:
    def prepare() -> dict[str, Any]:
        upload = files.announced(invoke, ACME_HEADERS)
        return {"upload": upload, "key": upload["fields"]["key"], "version": files.post(upload, content)}

    return prepare


def _check(state: dict[str, Any], fault: Fault | None) -> Answer:
    return _deliver(files.deliver, state, fault)


def _settled(status: str) -> Callable[[dict[str, Any]], bool]:
    def done(state: dict[str, Any]) -> bool:
        file = repository.get_file(ACME, state["upload"]["id"])
        kept = files.exists(state["key"], state["version"])
        return file["status"] == status and kept == (status == "uploaded")

    return done


def _invoice_changes() -> dict[str, Any]:
    """An invoice created, computed and edited: the table stream's records of it, one batch for the
    rollups (the other stream functions are not run: their records are only read)."""
    stream = TableStream(only=())
    state = _existing_invoice()
    (item,) = invoices_of(state["reference"])
    calculation = _batch("calculate_emissions", record(None, item, next(_SEQUENCE)), None)
    assert calculation.status == 200
    assert _patch(state, None).status == 200
    return state | {"records": stream._new_records()}


def _roll_up(state: dict[str, Any], fault: Fault | None) -> Answer:
    try:
        with injected(fault) if fault else contextlib.nullcontext():
            load_function("update_rollups").lambda_handler({"Records": state["records"]}, LambdaContext())
    except Exception:  # the whole batch fails: Lambda retries it
        return Answer(500, {}, {"detail": "batch failed"})
    return Answer(200, {}, None)


def _rolled_up(state: dict[str, Any]) -> bool:
    """The rollups are the recount of the invoices: nothing counted twice, nothing lost."""
    found = verification.recount(ACME)
    return (found.pending, found.differences) == (0, [])


PATHS = {
    "create": _created(electricity),
    "create-distributed": _created(distributed_heat),
    "patch": Path(
        _existing_invoice, _patch, lambda state: invoices_of(state["reference"])[0]["base_quantity"] == 4.75
    ),
    "delete": Path(_existing_invoice, _delete, lambda state: not invoices_of(state["reference"])),
    "calculate": Path(
        _loading_record, _calculate, lambda state: invoices_of(state["reference"])[0]["status"] != "loading"
    ),
    "recalculate": Path(_requested_recalculation, _recalculate, _recalculated),
    "import": Path(_import_job, _import, _imported, lambda state: state["references"][:2]),
    "upload-check": Path(_uploaded_file(files.PDF), _check, _settled("uploaded")),
    "upload-refused": Path(_uploaded_file(files.PNG), _check, _settled("error")),
    "rollups": Path(_invoice_changes, _roll_up, _rolled_up),
}


@pytest.mark.parametrize("name", PATHS)
def test_every_fault_at_every_call_leaves_an_honest_answer_a_whole_table_and_a_retry_that_works(
    api, name, monkeypatch
):
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 1)  # an import resumes chunk by chunk
    path = PATHS[name]
    cases, broken, at = 0, [], 0
    while True:  # call 1, 2, ... until a run makes fewer calls than that: every call has failed
        at += 1
        fired = 0
        for error, before in FAULTS:
            fresh_table()
            state = path.prepare()
            fault = Fault(error, at=at, before=before)
            answer = path.act(state, fault)
            if not fault.fired:
                assert fired == 0, f"{name} made {at - 1} calls with one fault, fewer without"
                continue
            fired += 1
            cases += 1
            try:
                check_case(name, path, state, error, answer)
            except AssertionError as failure:
                broken.append(f"{error} at call {at}: {failure}")
        if not fired:
            break
    figures.record("faults", path=name, calls=at - 1, faults=len(FAULTS), cases=cases, broken=len(broken))
    assert at > 1
    assert broken == [], f"{name}: {len(broken)} of {cases} cases"


def check_case(name: str, path: Path, state: dict[str, Any], error: str, answer: Answer) -> None:
    """After a fault: an honest answer and a whole table; the retry then does the work, once."""
    if name in STREAM_PATHS:  # the answer to Lambda: a success only for work done
        assert answer.status != 200 or path.done(state), "a success for work not done"
    else:
        assert_honest(answer, error, path.done(state))
    assert_table_whole()

    retry = path.act(state, None)
    if retry.status == 409 and retry.body["code"] == "REQUEST_IN_PROGRESS":
        # The record of the faulted attempt stays in progress until that attempt's Lambda time is
        # over; the client keeps retrying after Retry-After until then.
        wait_out_attempts()
        retry = path.act(state, None)
    assert 200 <= retry.status < 300 or (name == "delete" and retry.status == 404), retry
    assert path.done(state), "the retry did not do the work"
    created = path.creates(state)
    assert parents_of(created) == [1] * len(created), "the retry duplicated the work"
    assert_table_whole()
