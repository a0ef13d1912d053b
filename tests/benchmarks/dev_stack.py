"""Issue 27's "done when", on a running `make dev`: an organization's reads at 1,000 and 10,000 invoices
imported through the public bulk import, over HTTP, as a new user would measure them.

    make dev SEED=tests/e2e/seed.json            # in one terminal
    .venv/bin/python -m tests.benchmarks.dev_stack [--url http://127.0.0.1:3000] [--sizes 1000 10000]

For each size it imports the invoices still missing (electricity, water and heat of 2024, all of them
Madrid's), waits until the stack has computed every one and the rollups count them (the
organization's `total`, none `loading`), then times each read (the median of 5 calls). Not part of
`make bench`: it needs the stack running.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import requests

from tests.benchmarks.bulk_import import COLUMNS
from tests.tenants import ACME, ACME_KEY, ACME_MADRID, api_key_headers

HEADERS = api_key_headers(ACME_KEY, ACME)
READS = {
    "GET /v1/invoices?size=50": "/v1/invoices?size=50",
    "casted list, its counts": f"/api/v1/invoices/casted/facility/{ACME_MADRID}?size=50",
    "summary, 2024 by scope": "/v1/emissions/summary?group_by=scope&start_date=2024-01-01"
    "&end_date=2024-12-31",
}


def call(url: str, path: str, method: str = "GET", body: Any = None) -> tuple[int, Any, float]:
    began = time.perf_counter()
    answer = requests.request(method, url + path, headers=HEADERS, json=body, timeout=60)
    spent = (time.perf_counter() - began) * 1000
    return answer.status_code, answer.json() if answer.content else None, spent


def madrid_csv(rows: int, first: int) -> bytes:
    """``rows`` invoices of Madrid (electricity, water, heat in turn), numbered from ``first``."""
    from carbon_accounting import emissions

    natural_gas = next(fuel for fuel in emissions.fuels() if fuel.name.lower().startswith("natural gas"))
    kinds = [("electricity", "kWh", ""), ("water", "m3", ""), ("heat", "kWh", str(natural_gas.id))]
    lines = [",".join(COLUMNS)]
    for index in range(first, first + rows):
        month = index % 12 + 1
        kind, unit, fuel = kinds[index % 3]
        period = [f"2024-{month:02d}-01", f"2024-{month:02d}-{28 if month == 2 else 30}"]
        lines.append(
            ",".join(
                [
                    kind,
                    f"{100 + index % 9000}.5",
                    unit,
                    *period,
                    str(ACME_MADRID),
                    "",
                    f"DEV-{index:06d}",
                    fuel,
                    "",
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode()


def import_rows(url: str, rows: int, first: int) -> None:
    """Import ``rows`` invoices through POST /v1/invoices/bulk and its presigned upload."""
    status, job, _ = call(url, "/v1/invoices/bulk", "POST", {"file_name": "invoices_2024.csv"})
    assert status == 201, job
    upload = job["upload"]
    sent = requests.post(
        upload["presigned_url"],
        data=upload["fields"],
        files={"file": ("invoices_2024.csv", madrid_csv(rows, first))},
        timeout=120,
    )
    assert sent.status_code in (200, 201, 204), sent.text
    while True:
        _, state, _ = call(url, f"/v1/invoices/bulk/{job['job_id']}")
        if state["status"] not in ("pending", "processing"):
            print(f"  import: {state['status']}, {state['rows_created']:,} rows created", flush=True)
            return
        time.sleep(2)


def settled(url: str, invoices: int) -> None:
    """Until the organization counts ``invoices`` of its own, none of them loading."""
    began = time.monotonic()
    while True:
        _, listed, _ = call(url, "/v1/invoices?size=1")
        _, loading, _ = call(url, "/v1/invoices?size=1&status[]=loading")
        if listed["total"] >= invoices and loading["total"] == 0:
            print(f"  settled: {listed['total']:,} invoices, none loading ({time.monotonic() - began:.0f} s)")
            return
        time.sleep(5)


def measure(url: str) -> dict[str, float]:
    times = {}
    for name, path in READS.items():
        samples = []
        for _ in range(5):
            status, body, spent = call(url, path)
            assert status == 200, body
            samples.append(spent)
        times[name] = statistics.median(samples)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    arguments = parser.parse_args(argv)
    _, listed, _ = call(arguments.url, "/v1/invoices?size=1&status[]=active&status[]=loading")
    have = listed["total"] or 0
    results = {}
    for size in arguments.sizes:
        print(f"{size:,} invoices:", flush=True)
        if size > have:
            import_rows(arguments.url, size - have, have)
            have = size
        settled(arguments.url, size)
        results[size] = measure(arguments.url)
    first, last = arguments.sizes[0], arguments.sizes[-1]
    header = "".join(f"{f'{size:,}':>12}" for size in arguments.sizes)
    print(f"\n{'read (p50 of 5, ms)':<28}{header}   ratio")
    for name in READS:
        cells = "".join(f"{results[size][name]:>12.1f}" for size in arguments.sizes)
        print(f"{name:<28}{cells}   {results[last][name] / results[first][name]:.2f}x")


if __name__ == "__main__":
    main()
