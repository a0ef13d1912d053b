"""What the stack costs a month: idle, and with 100,000 invoices, from capacity DynamoDB Local meters.

Every DynamoDB request of an invoice's life is sent with ``ReturnConsumedCapacity=INDEXES`` to
DynamoDB Local, which answers with the read and write units that DynamoDB bills (items by the KB,
transactions double, the global secondary indexes' writes included), and each Lambda invocation is
timed: the create (authorizer, then the function), the stream calculator settling the invoice, and
one read of it. The functions run in-process, warm, as in the handler tests; the calculator reads
DynamoDB Local's stream. ``PRICES`` are AWS's published on-demand list prices for us-east-1 (the
other regions differ by a few percent); the figures scale linearly with them. Run: `make bench`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from tests.benchmarks.dynamodb import CapacityMeter, local_table
from tests.conftest import ROOT, TEST_TABLE

os.environ.update(
    TABLE_NAME=TEST_TABLE,
    AUTHORIZER_CACHE_SECONDS="0",  # every request pays the authorizer's read, as a cold one does
    CURSOR_SIGNING_KEY="bench",
    POWERTOOLS_METRICS_DISABLED="true",  # the functions' EMF lines would drown the figures
)

INVOICES_MEASURED = 30
INVOICES_A_MONTH = 100_000
MEMORY_GB = 0.5  # template.yaml's Globals: MemorySize 512

# USD, us-east-1, on-demand, as AWS publishes them (DynamoDB since its November 2024 price change).
PRICES = {
    "write request unit": 0.625 / 1e6,
    "read request unit": 0.125 / 1e6,
    "Lambda request": 0.20 / 1e6,
    "Lambda GB-second, arm64": 0.0000133334,
    "HTTP API request": 1.00 / 1e6,
    "alarm metric-month": 0.10,
    "secret-month": 0.40,
    "DynamoDB GB-month": 0.25,
    "PITR GB-month": 0.20,
}
# The idle stack: template.yaml's alarms (the metrics they watch: a metric-math alarm counts each)
# and its one Secrets Manager secret. An empty table, bucket and queues cost nothing.
SECRETS = 1


def alarm_metrics() -> int:
    """The metrics template.yaml's alarms watch (a metric-math alarm's each; its expression none)."""
    from local.template import read_template

    resources = read_template(ROOT / "template.yaml")["Resources"].values()
    alarms = [
        resource["Properties"] for resource in resources if resource["Type"] == "AWS::CloudWatch::Alarm"
    ]
    return sum(
        sum(1 for query in alarm["Metrics"] if "MetricStat" in query) if "Metrics" in alarm else 1
        for alarm in alarms
    )


def _metered(meter: CapacityMeter, call: Callable[[], Any]) -> tuple[Counter[str], float, Any]:
    meter.clear()
    started = time.perf_counter()
    result = call()
    return Counter(meter.units), (time.perf_counter() - started) * 1000, result


def measure(invoices: int = INVOICES_MEASURED) -> dict[str, dict[str, float]]:
    """Per step of an invoice's life: mean read and write units, median milliseconds (warm)."""
    from carbon_accounting import repository
    from carbon_accounting.seed import load_seed
    from tests.handlers.conftest import invoke
    from tests.handlers.test_invoices import ACME_HEADERS, electricity
    from tests.streams import TableStream

    steps: dict[str, list[tuple[Counter[str], float, Any]]] = {"create": [], "calculate": [], "read": []}
    with local_table():
        load_seed(ROOT / "tests" / "e2e" / "seed.json")
        stream = TableStream()
        stream.skip()
        meter = CapacityMeter(repository.client())
        for number in range(invoices):
            body = electricity(invoice_id=f"INV-{number}")
            create = _metered(meter, lambda body=body: invoke("create_invoice", ACME_HEADERS, body=body))
            assert create[2].status == 201, create[2]
            calculate = _metered(meter, stream.drain)
            assert calculate[2] == [], calculate[2]
            path = {"invoice_id": create[2].body["id"]}
            read = _metered(meter, lambda path=path: invoke("get_invoice", ACME_HEADERS, path=path))
            assert read[2].body["status"] == "active", read[2].body
            for name, step in zip(steps, (create, calculate, read), strict=True):
                steps[name].append(step)
    return {
        name: {
            "write units": statistics.mean(units["write"] for units, _, _ in runs),
            "read units": statistics.mean(units["read"] for units, _, _ in runs),
            "ms": statistics.median(ms for _, ms, _ in runs),
        }
        for name, runs in steps.items()
    }


# Per invoice: Lambda invocations (the authorizer and the function for each HTTP call; the calculator
# once, as if each batch held one record: at volume a batch holds up to 25) and HTTP API requests.
INVOCATIONS = {"create": 2, "calculate": 1, "read": 2}
HTTP_REQUESTS = {"create": 1, "calculate": 0, "read": 1}


def monthly(figures: dict[str, dict[str, float]], invoices: int) -> dict[str, float]:
    """USD a month for ``invoices`` invoices created, calculated and read once each."""
    write_units = sum(step["write units"] for step in figures.values()) * invoices
    read_units = sum(step["read units"] for step in figures.values()) * invoices
    invocations = sum(INVOCATIONS.values()) * invoices
    # Lambda bills each invocation's duration rounded up to the millisecond.
    gb_seconds = sum((figures[name]["ms"] + count) / 1000 for name, count in INVOCATIONS.items())
    gb_seconds *= MEMORY_GB * invoices
    return {
        "DynamoDB writes": write_units * PRICES["write request unit"],
        "DynamoDB reads": read_units * PRICES["read request unit"],
        "Lambda requests": invocations * PRICES["Lambda request"],
        "Lambda duration": gb_seconds * PRICES["Lambda GB-second, arm64"],
        "HTTP API": sum(HTTP_REQUESTS.values()) * invoices * PRICES["HTTP API request"],
    }


def idle() -> dict[str, float]:
    return {
        "CloudWatch alarms": alarm_metrics() * PRICES["alarm metric-month"],
        "Secrets Manager": SECRETS * PRICES["secret-month"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="3 invoices: the command works")
    invoices = 3 if parser.parse_args(argv).smoke else INVOICES_MEASURED
    figures = measure(invoices)
    print(f"An invoice's life on DynamoDB Local, {invoices} electricity invoices")
    print(f"{'step':<12}{'write units (mean)':>20}{'read units (mean)':>20}{'warm ms (median)':>18}")
    for name, step in figures.items():
        print(f"{name:<12}{step['write units']:>20.2f}{step['read units']:>20.2f}{step['ms']:>18.1f}")
    print(f"\nUSD a month, us-east-1 list prices: {INVOICES_A_MONTH:,} invoices created, calculated, read")
    costs = monthly(figures, INVOICES_A_MONTH) | idle()
    for name, usd in costs.items():
        print(f"  {name:<20}{usd:>10.2f}")
    print(f"  {'total':<20}{sum(costs.values()):>10.2f}")
    storage = PRICES["DynamoDB GB-month"] + PRICES["PITR GB-month"]
    print(f"Idle (no requests): {sum(idle().values()):.2f} USD a month, plus {storage:.2f} per GB stored")


if __name__ == "__main__":
    main()
