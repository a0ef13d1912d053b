"""DynamoDB requests and items read per API call, with 1,000 and with 100,000 invoices of other tenants.

Each endpoint is called in-process as API Gateway would (authorizer, then function) against
DynamoDB Local (tests/benchmarks/dynamodb.py),
with botocore's event hooks counting every DynamoDB request and the items it read (``ScannedCount``
for Query, the items returned by GetItem and BatchGetItem). The figures must not move with the size
of the table. Run: `make bench`.
"""

from __future__ import annotations

import argparse
import os
import uuid
from collections import Counter
from typing import Any

from tests.benchmarks.dynamodb import local_table
from tests.conftest import ROOT, TEST_TABLE

os.environ.update(TABLE_NAME=TEST_TABLE, AUTHORIZER_CACHE_SECONDS="0", CURSOR_SIGNING_KEY="bench")

OWN_INVOICES = 50
SIZES = (1_000, 100_000)


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
    """Write ``count`` invoices of one facility with BatchWriteItem; their ids."""
    from carbon_accounting import repository
    from carbon_accounting.repository.invoices import invoice_item

    ids, batch = [], []
    for index in range(count):
        invoice = _invoice(organization, facility, index % 12 + 1)
        ids.append(uuid.UUID(invoice["id"]))
        batch.append({"PutRequest": {"Item": invoice_item(organization, invoice)}})
        if len(batch) == 25 or index == count - 1:
            request = {TEST_TABLE: batch}
            while request:
                request = (
                    repository.client().batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                )
            batch = []
    return ids


def measure(others: int) -> dict[str, tuple[dict[str, int], int, int]]:
    """Per endpoint: (requests by operation, items read, HTTP status), with ``others`` foreign invoices."""
    from carbon_accounting import files, imports, repository
    from carbon_accounting.models import Caller, FileRequest, ImportRequest
    from carbon_accounting.seed import load_seed
    from tests.handlers.conftest import invoke
    from tests.tenants import ACME, ACME_KEY, ACME_MADRID, GLOBEX, GLOBEX_BERLIN, api_key_headers

    with local_table():
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
            results[name] = (dict(counter.requests), counter.items, answer.status)
            if function == "list_invoices":
                token = answer.body["next_token"]
                counter.requests.clear()
                counter.items = 0
                answer = invoke(function, headers, query={"size": "10", "next_token": token})
                results["org list, next_token"] = (dict(counter.requests), counter.items, answer.status)
        return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="10 and 100 other invoices: the command works")
    sizes = (10, 100) if parser.parse_args(argv).smoke else SIZES
    figures = {size: measure(size) for size in sizes}
    print(f"DynamoDB per API call (authorizer + function); the tenant has {OWN_INVOICES} invoices")
    print(f"{'call':<22}" + "".join(f"{f'{size:,} other invoices':>52}" for size in sizes))
    for name in figures[sizes[0]]:
        cells = []
        for size in sizes:
            requests, items, status = figures[size][name]
            summary = "+".join(f"{count} {operation}" for operation, count in sorted(requests.items()))
            cells.append(f"{summary}, {items} items ({status})")
        same = "same" if figures[sizes[0]][name] == figures[sizes[1]][name] else "DIFFERENT"
        print(f"{name:<22}" + "".join(f"{cell:>52}" for cell in cells) + f"  {same}")


if __name__ == "__main__":
    main()
