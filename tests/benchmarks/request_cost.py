"""DynamoDB requests, items read and capacity units per API call, with 1,000 and with 100,000 invoices
of other tenants.

Each endpoint is called in-process as API Gateway would (authorizer, then function) against
DynamoDB Local (tests/benchmarks/dynamodb.py), with botocore's event hooks counting every DynamoDB
request, the items it read (``ScannedCount`` for Query, the items returned by GetItem and
BatchGetItem) and the read and write units DynamoDB Local says it consumed. Reads, then writes: a
create (one facility, and ten), a PATCH, a DELETE, the stream calculator settling a created invoice
(it reads DynamoDB Local's stream), and the importer on a 1,000-row CSV (S3 on a moto server). Each
write is set against its floor, the fewest requests it logically needs (``FLOORS``). The figures
must not move with the size of the table. Run: `make bench`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tests.benchmarks import bulk_import
from tests.benchmarks.dynamodb import CapacityMeter, local_table, write_items
from tests.conftest import ROOT, TEST_BUCKET, TEST_TABLE

os.environ.update(TABLE_NAME=TEST_TABLE, AUTHORIZER_CACHE_SECONDS="0", CURSOR_SIGNING_KEY="bench")

OWN_INVOICES = 50
SIZES = (1_000, 100_000)
IMPORT_ROWS = 1_000  # the bulk import benchmark runs 10,000 rows
TEN_FACILITIES = 10
# The fewest DynamoDB requests each write logically needs, authorizer included (its one read of the
# key): what it must read before it may write, and one request for what must change together.
FLOORS = {
    "create": (
        3,
        "key; the organizations and facilities named (one batch); the invoice and its idempotency "
        "record (one transaction)",
    ),
    f"create, {TEN_FACILITIES} facilities": (3, "as a create: one batch read, one transaction"),
    "PATCH": (3, "key; the invoice; the new version (one conditional write)"),
    "DELETE": (3, "key; the invoice; the deletion with its history (one conditional write)"),
    "calculator settle": (1, "the record carries the new image: the result, conditional on its version"),
    "rollups (create+settle)": (
        3,
        "the invoice's mark (a batch read); the mark and the counts and months moved (one transaction); "
        "the day's changed organizations (for the daily verification)",
    ),
}
IMPORT_FLOOR = (
    "the job's claim; the organizations and facilities named (one batch); a transaction per 99 items "
    "and the job's progress (so that a retry resumes where the last one stopped); the job's end"
)


def import_floor(items: int) -> int:
    """The importer's floor for ``items`` invoice items (``IMPORT_FLOOR``)."""
    return 3 + -(-items // 99)


class RequestCounter:
    """Counts DynamoDB requests and items read, through botocore's after-call event."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.items = 0

    def __call__(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.requests[model.name] += 1
        if "ScannedCount" in parsed:
            self.items += parsed["ScannedCount"]
        elif "Item" in parsed:
            self.items += 1
        elif "Responses" in parsed:
            self.items += sum(len(found) for found in parsed["Responses"].values())


def _invoice(organization: uuid.UUID, facility: uuid.UUID, month: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "electricity",
        "status": "active",
        "base_quantity": 1000.0,
        "quantity": 1000.0,
        "percentage": 1.0,
        "unit_id": "617e8ff3-f16b-556d-adf7-723f92996f0b",
        "start_date": f"2024-{month:02d}-01",
        "end_date": f"2024-{month:02d}-28",
        "facility_id": str(facility),
        "country": "ES",
        "co2e": 250.0,
        "co2e_location_based": 260.0,
        "co2e_biomass": 0.0,
        "scope": 2,
        "enabled": True,
        "error_messages": [],
        "facility_percentages": [
            {"organization_id": str(organization), "facility_id": str(facility), "percentage": 1.0}
        ],
        "created_at": "2024-12-01T00:00:00Z",
        "updated_at": "2024-12-01T00:00:00Z",
        "version": 2,
    }


def _fill(count: int, organization: uuid.UUID, facility: uuid.UUID) -> list[uuid.UUID]:
    """Write ``count`` invoices of one facility; their ids."""
    from carbon_accounting.repository.invoices import invoice_item

    invoices = [_invoice(organization, facility, index % 12 + 1) for index in range(count)]
    write_items(invoice_item(organization, invoice) for invoice in invoices)
    return [uuid.UUID(invoice["id"]) for invoice in invoices]


@dataclass
class Cost:
    requests: dict[str, int]
    items_read: int
    status: int | str
    read_units: float = 0.0
    write_units: float = 0.0

    def summary(self) -> str:
        return "+".join(f"{count} {operation}" for operation, count in sorted(self.requests.items()))


def measure(others: int, import_rows: int) -> tuple[dict[str, Cost], dict[str, Cost]]:
    """Per endpoint, then per write: its cost, with ``others`` foreign invoices in the table."""
    from carbon_accounting import files, repository
    from carbon_accounting.intake import imports
    from carbon_accounting.models import Caller, FileRequest, ImportRequest
    from carbon_accounting.seed import load_seed
    from tests.handlers.conftest import invoke
    from tests.tenants import ACME, ACME_KEY, ACME_MADRID, GLOBEX, GLOBEX_BERLIN, api_key_headers

    with local_table(bucket=TEST_BUCKET):
        load_seed(ROOT / "tests" / "e2e" / "seed.json")
        own = _fill(OWN_INVOICES, ACME, ACME_MADRID)
        _fill(others, GLOBEX, GLOBEX_BERLIN)
        caller = Caller(organization_id=ACME, principal="api_key:bench")
        request = FileRequest(name="nov.pdf", mime_type="application/pdf", size_kb=100)
        (file,) = files.announce_files(caller, [request])
        job = imports.create_import(caller, ImportRequest(file_name="invoices.csv"))
        counter = RequestCounter()
        repository.client().meta.events.register("after-call.dynamodb", counter)
        headers = api_key_headers(ACME_KEY, ACME)
        calls = {
            "get invoice": ("get_invoice", {"path": {"invoice_id": str(own[0])}}),
            "facility list": ("list_facility_invoices", {"path": {"facility_id": str(ACME_MADRID)}}),
            "org list, page 1": ("list_invoices", {"query": {"size": "10"}}),
            "summary by month": ("emissions_summary", {"query": {"group_by": "month"}}),
            "get file": ("get_file", {"path": {"file_id": str(file.id)}}),
            "get import job": ("get_bulk_import", {"path": {"job_id": str(job.job_id)}}),
        }
        results = {}
        for name, (function, arguments) in calls.items():
            counter.requests.clear()
            counter.items = 0
            answer = invoke(function, headers, **arguments)
            results[name] = Cost(dict(counter.requests), counter.items, answer.status)
            if function == "list_invoices":
                token = answer.body["next_token"]
                counter.requests.clear()
                counter.items = 0
                answer = invoke(function, headers, query={"size": "10", "next_token": token})
                results["org list, next_token"] = Cost(dict(counter.requests), counter.items, answer.status)
        with contextlib.redirect_stdout(io.StringIO()):  # the functions' log lines and metrics
            return results, writes(headers, counter, import_rows)


def writes(headers: dict[str, str], counter: RequestCounter, import_rows: int) -> dict[str, Cost]:
    """The cost of each write, in a table already holding the reads' invoices and the others'."""
    from carbon_accounting import repository
    from carbon_accounting.intake import bulk
    from tests.handlers.conftest import invoke
    from tests.handlers.test_invoices import electricity, share
    from tests.streams import TableStream
    from tests.tenants import ACME

    facilities = [
        invoke("create_facility", headers, body={"name": f"Site {number}", "country": "ES"}).body["id"]
        for number in range(TEN_FACILITIES)
    ]
    stream = TableStream(only=("CalculateEmissionsFunction",))
    rollups = TableStream(only=("UpdateRollupsFunction",))
    stream.skip()  # the fill's records: the calculator settles only what is created below
    rollups.skip()
    meter = CapacityMeter(repository.client())
    costs: dict[str, Cost] = {}

    def metered(name: str, call: Any) -> Any:
        counter.items = 0
        meter.clear()
        answer = call()
        costs[name] = Cost(
            dict(meter.requests),
            counter.items,
            getattr(answer, "status", answer),
            meter.units["read"],
            meter.units["write"],
        )
        return answer

    created = metered("create", lambda: invoke("create_invoice", headers, body=electricity()))
    assert created.status == 201, created.body
    assert metered("calculator settle", stream.drain) == []
    assert metered("rollups (create+settle)", rollups.drain) == []
    spread = [share(ACME, facility, 1 / TEN_FACILITIES) for facility in facilities]
    body = electricity(invoice_id="INV-TEN", facility_percentages=spread)
    assert (
        metered(
            f"create, {TEN_FACILITIES} facilities", lambda: invoke("create_invoice", headers, body=body)
        ).status
        == 201
    )
    stream.drain()
    rollups.drain()
    path = {"invoice_id": created.body["id"]}
    patched = metered(
        "PATCH", lambda: invoke("update_invoice", headers, path=path, body={"base_quantity": 4.75})
    )
    assert patched.status == 200, patched.body
    assert metered("DELETE", lambda: invoke("delete_invoice", headers, path=path)).status == 204
    stream.drain()
    rollups.drain()

    _, _, key = bulk_import.new_job()
    version = bulk_import.upload(key, bulk_import.generate_csv(import_rows))
    status = metered(f"importer, {import_rows:,} rows", lambda: bulk.run_import(key, version))
    assert str(status) == "completed", status
    return costs


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10 and 100 other invoices: the command works")
    smoke = parser.parse_args(argv).smoke
    sizes, rows = ((10, 100), 100) if smoke else (SIZES, IMPORT_ROWS)
    figures = {size: measure(size, rows) for size in sizes}
    small, large = (figures[size] for size in sizes)
    print(f"DynamoDB per API call (authorizer + function); the tenant has {OWN_INVOICES} invoices")
    print(f"{'call':<22}" + "".join(f"{f'{size:,} other invoices':>52}" for size in sizes))
    for name in small[0]:
        cells = [
            f"{cost.summary()}, {cost.items_read} items ({cost.status})"
            for cost in (small[0][name], large[0][name])
        ]
        same = "same" if small[0][name] == large[0][name] else "DIFFERENT"
        print(f"{name:<22}" + "".join(f"{cell:>52}" for cell in cells) + f"  {same}")

    print(f"\nWrites (authorizer + function), against the floor; {sizes[0]:,} / {sizes[1]:,} other invoices")
    print(f"{'write':<24}{'requests':<58}{'floor':>6}{'WCU':>14}{'RCU':>12}  at both sizes")
    report = {}
    for name, cost in small[1].items():
        other = large[1][name]
        floor = FLOORS[name][0] if name in FLOORS else import_floor(bulk_import.invoice_items(rows))
        same = (
            "same"
            if (cost.requests, cost.write_units) == (other.requests, other.write_units)
            else "DIFFERENT"
        )
        units = f"{cost.write_units:g}/{other.write_units:g}"
        reads = f"{cost.read_units:g}/{other.read_units:g}"
        print(f"{name:<24}{cost.summary():<58}{floor:>6}{units:>14}{reads:>12}  {same}")
        report[name] = {
            "requests": sum(cost.requests.values()),
            "floor": floor,
            "write_units": [cost.write_units, other.write_units],
            "read_units": [cost.read_units, other.read_units],
            "same": same == "same",
        }
    for name, (_, why) in FLOORS.items():
        print(f"  floor of {name}: {why}")
    print(f"  floor of the importer: {IMPORT_FLOOR}")
    return report


if __name__ == "__main__":
    main()
