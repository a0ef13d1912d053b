"""The daily recalculation's reads: items read by a run among 100,000 computed invoices, with 0, 1,000
and all 100,000 of them stale, on DynamoDB Local (tests/benchmarks/dynamodb.py).

The data carries a second release (a newer Ember version with Spain's 2025 grid intensity), so the
run has a partition to look in: 2025 electricity. 100,000 Spanish 2025 electricity invoices of
several organizations are stored as the calculator leaves them, all computed at the current release,
and a run is made; then 1,000 of them are rewritten as computed at the first release, and the next
day's run is made on the same table. Last, all 100,000 are made stale: the run of a data release that
changes every type and year, as release 3 (the base years, methodology 3) does, whose run sends every
invoice of every organization on ``latest`` back to the calculator once. The run (queue, then the
worker, in-process) is counted with
botocore's event hooks: every DynamoDB request, and the items it read (``ScannedCount`` for Query,
the items returned by GetItem and BatchGetItem). Run: `make bench` (``--smoke``: 1,000 invoices).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tests.benchmarks.dynamodb import local_table, write_items
from tests.benchmarks.request_cost import RequestCounter
from tests.benchmarks.request_cost import _invoice as request_cost_invoice

INVOICES = 100_000
ORGANIZATIONS = 20
SPAIN_2025 = [
    {
        "id": "eea:ES:2025",
        "region": "ES",
        "year": "2025",
        "value": "0.1",
        "unit": "kg CO2e/kWh",
        "basis": "generation",
    }
]


def _invoice(organization: uuid.UUID, month: int) -> dict[str, Any]:
    """A Spanish 2025 electricity invoice as the calculator leaves it (its release is set on writing)."""
    invoice = request_cost_invoice(organization, uuid.uuid4(), month)
    period = {"start_date": f"2025-{month:02d}-01", "end_date": f"2025-{month:02d}-28"}
    return invoice | period | {"data_years": "2025"}


def _fill(invoices: int, current_release: int) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    """``invoices`` invoices of ``ORGANIZATIONS`` organizations, computed at ``current_release``."""
    from carbon_accounting import repository
    from carbon_accounting.models import Organization
    from carbon_accounting.repository.invoices import invoice_item

    organizations = [uuid.uuid4() for _ in range(ORGANIZATIONS)]
    for number, organization in enumerate(organizations):
        repository.put_organization(Organization(id=organization, name=f"Organization {number}"))
    filled = [
        (organizations[index % ORGANIZATIONS], _invoice(organizations[index % ORGANIZATIONS], index % 12 + 1))
        for index in range(invoices)
    ]
    write_items(
        invoice_item(organization, invoice | {"data_release": current_release})
        for organization, invoice in filled
    )
    return filled


def measure(invoices: int, stale_counts: tuple[int, ...]) -> list[dict[str, Any]]:
    """The daily run among ``invoices`` computed invoices, once for each of ``stale_counts``: that
    many of them made stale (computed at release 1) before the run. One run's requests, items read,
    invoices sent to the calculator and seconds."""
    from carbon_accounting import repository
    from carbon_accounting.emissions import releases
    from carbon_accounting.invoices import recalculation
    from carbon_accounting.repository.invoices import invoice_item
    from tests.datasets import newer_version

    runs = []
    with (
        local_table(),
        tempfile.TemporaryDirectory() as directory,
        newer_version(Path(directory), "eea-2026ed", "eea", "grid_direct.csv", SPAIN_2025),
    ):
        filled = _fill(invoices, releases.current_release())
        for stale in stale_counts:
            write_items(
                invoice_item(organization, invoice | {"data_release": 1})
                for organization, invoice in filled[:stale]
            )
            counter = RequestCounter()
            repository.client().meta.events.register("after-call.dynamodb", counter)
            started = time.perf_counter()
            assert recalculation.queue_scheduled_run()
            recalculation.run(repository.get_recalculation(None), lambda: 900_000, "1")
            seconds = time.perf_counter() - started
            repository.client().meta.events.unregister("after-call.dynamodb", counter)
            run = repository.get_recalculation(None)
            assert run["status"] == "completed", run
            runs.append(
                {
                    "requests": dict(counter.requests),
                    "items": counter.items,
                    "recalculated": int(run["recalculated"]),
                    "seconds": seconds,
                }
            )
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="1,000 invoices, 10 stale: the command works")
    smoke = parser.parse_args(argv).smoke
    invoices, stale_counts = (1_000, (0, 10, 1_000)) if smoke else (INVOICES, (0, 1_000, INVOICES))
    print(f"The daily recalculation among {invoices:,} computed invoices ({ORGANIZATIONS} organizations)")
    for stale, figures in zip(stale_counts, measure(invoices, stale_counts), strict=True):
        requests = "+".join(
            f"{count} {operation}" for operation, count in sorted(figures["requests"].items())
        )
        sent = figures["recalculated"]
        print(
            f"{stale:>6,} stale: {figures['items']:>6,} items read, {sent:>5,} sent to the calculator, "
            f"{requests} ({figures['seconds']:.1f} s on DynamoDB Local)"
        )


if __name__ == "__main__":
    main()
