"""The inventory report at 1,000, 12,000 and 100,000 invoices, on DynamoDB Local (issue 31).

    python -m tests.benchmarks.inventory [--smoke]

The organization of the coverage benchmark (200 facilities, each billed on one CUPS, five years of
bills, 2021-2025), its invoices computed by the calculator and their rollups written as the stream
would leave them. What is timed is ``GET /v1/reports/inventory?year=2025``, in-process (authorizer
included), the median of 7 calls, with the DynamoDB requests and items it read: as JSON (target: the
same items at every size, facilities x months and the coverage, never an invoice), and as XLSX
(which also reads the invoices behind the figures, up to its cap of 10,000 rows).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
import uuid
from typing import Any

from tests.benchmarks.coverage import POINTS, SMOKE_POINTS, fill
from tests.benchmarks.dynamodb import local_table
from tests.benchmarks.organization_reads import CALLS, Read, _timed
from tests.benchmarks.request_cost import RequestCounter

SIZES = (1_000, 12_000, 100_000)
SMOKE_SIZES = (40, 80)
KEY = "sk_test_inventory_reads"


def measure(size: int, points: int) -> tuple[Read, Read, int]:
    """The 2025 report of an organization of ``size`` invoices, as JSON and as XLSX; the XLSX's bytes."""
    from carbon_accounting import repository
    from carbon_accounting.seed import Seed, write_seed
    from tests.handlers.conftest import invoke
    from tests.tenants import api_key_headers

    organization, key = uuid.uuid4(), f"{KEY}_{size}"
    write_seed(
        Seed.model_validate(
            {"organizations": [{"id": str(organization), "name": "Stores", "api_keys": [key]}]}
        )
    )
    began = time.perf_counter()
    fill(organization, size, points, computed=True)
    print(f"  {size:,} invoices computed and written in {time.perf_counter() - began:.0f} s", flush=True)
    headers = api_key_headers(key, organization)
    counter = RequestCounter()
    repository.client().meta.events.register("after-call.dynamodb", counter)
    with contextlib.redirect_stdout(io.StringIO()):
        json_read = _timed(counter, lambda: invoke("get_inventory_report", headers, query={"year": "2025"}))
        xlsx = {"year": "2025", "format": "xlsx"}
        xlsx_read = _timed(counter, lambda: invoke("get_inventory_report", headers, query=xlsx))
        answer = invoke("get_inventory_report", headers, query=xlsx)
    repository.client().meta.events.unregister("after-call.dynamodb", counter)
    assert answer.status == 200, answer.body
    return json_read, xlsx_read, len(answer.body)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_SIZES} invoices: the command works")
    smoke = parser.parse_args(argv).smoke
    sizes, points = (SMOKE_SIZES, SMOKE_POINTS) if smoke else (SIZES, POINTS)
    with local_table():
        figures = {size: measure(size, points) for size in sizes}
    print(f"GET /v1/reports/inventory?year=2025: {points} facilities, bills 2021-2025; p50 of {CALLS} calls")
    print(f"{'invoices':>10}{'format':>8}{'p50 ms':>10}{'requests':>10}{'items read':>12}{'bytes':>12}")
    for size, (json_read, xlsx_read, length) in figures.items():
        print(
            f"{size:>10,}{'json':>8}{json_read.p50_ms:>10.1f}{json_read.requests:>10}{json_read.items:>12,}"
        )
        print(
            f"{size:>10,}{'xlsx':>8}{xlsx_read.p50_ms:>10.1f}{xlsx_read.requests:>10}{xlsx_read.items:>12,}{length:>12,}"
        )
    reads = [json_read for json_read, _, _ in figures.values()]
    return {
        "sizes": list(sizes),
        "p50_ms": [read.p50_ms for read in reads],
        "requests": [read.requests for read in reads],
        "items": [read.items for read in reads],
        # Requests follow the items' sizes (1 MB pages): a supply point's month holds its bills.
        "items_same": len({read.items for read in reads}) == 1,
        "xlsx_p50_ms": [xlsx.p50_ms for _, xlsx, _ in figures.values()],
        "xlsx_items": [xlsx.items for _, xlsx, _ in figures.values()],
    }


if __name__ == "__main__":
    main()
