"""Coverage at 1,000, 12,000 and 100,000 invoices, on DynamoDB Local (issue 30).

    python -m tests.benchmarks.coverage [--smoke]

One organization with 200 supply points (200 facilities, each billed on one CUPS) and five years of
bills (2021-2025). The invoices are spread evenly over each supply point's five years: 1,000 are
yearly bills, 12,000 monthly ones (the issue's organization), 100,000 bills of three or four days.
They are written as the calculator leaves them (active), with the rollups the stream would have left
(the sum of their contributions, ``rollups.contribution``), so what is timed is the read:
``GET /v1/coverage`` for 2025, called in-process (authorizer included), the median of 7 calls, with
the DynamoDB requests and items it read. Target: the items read the same at every size (supply
points x months), never an invoice.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.benchmarks.dynamodb import local_table, write_items
from tests.benchmarks.organization_reads import CALLS, Read, _timed
from tests.benchmarks.request_cost import RequestCounter

SIZES = (1_000, 12_000, 100_000)
SMOKE_SIZES = (40, 80)
POINTS = 200
SMOKE_POINTS = 20  # the smoke run: the command works, on fewer supply points
FIRST, LAST = date(2021, 1, 1), date(2025, 12, 31)
KEY = "sk_test_coverage_reads"


def _cups(index: int) -> str:
    from carbon_accounting.cups import control_letters

    digits = f"{21_000_000_000_000 + index:016d}"
    return f"ES{digits}{control_letters(digits)}"


def fill(organization: uuid.UUID, count: int, points: int, computed: bool = False) -> dict[str, Any]:
    """200 facilities with a CUPS each, ``count`` active bills spread over their five years, and the
    rollups they make; the last bill. ``computed``: with the figures the calculator gives them."""
    from carbon_accounting.emissions.catalogues import units
    from carbon_accounting.invoices.calculation import _figures
    from carbon_accounting.models import Facility, FacilityStatus
    from carbon_accounting.repository.facilities import facility_sk
    from carbon_accounting.repository.invoices import invoice_item
    from carbon_accounting.repository.table import to_item
    from carbon_accounting.rollups.contribution import add, contribution

    now = datetime(2026, 1, 15, tzinfo=UTC)
    kwh = str(units.named("kilowatt_hour_(kwh)").id)
    days = (LAST - FIRST).days + 1
    per_point = count // points
    invoices, cells, sites = [], {}, []
    for index in range(points):
        facility = uuid.UUID(int=organization.int + index + 1)
        site = Facility(
            id=facility,
            organization_id=organization,
            name=f"Store {index}",
            country="ES",
            cups_list=[_cups(index)],
            status=FacilityStatus.ACTIVE,
            version=1,
            created_at=now,
            updated_at=now,
        )
        sites.append(
            to_item(
                {"pk": f"ORG#{organization}", "sk": facility_sk(facility), "entity": "facility"}
                | site.model_dump(mode="json")
            )
        )
        for bill in range(per_point):
            start = FIRST + timedelta(days=bill * days // per_point)
            end = FIRST + timedelta(days=(bill + 1) * days // per_point - 1)
            invoice = {
                "id": str(uuid.uuid4()),
                "organization_id": str(organization),
                "entity": "invoice",
                "type": "electricity",
                "status": "active",
                "base_quantity": 1000.0 + bill % 7,
                "quantity": 1000.0 + bill % 7,
                "percentage": 1.0,
                "unit_id": kwh,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "cups": _cups(index),
                "facility_id": str(facility),
                "country": "ES",
                "quality_flags": [],
                "created_at": "2026-01-15T00:00:00Z",
                "updated_at": "2026-01-15T00:00:00Z",
                "version": 2,
            }
            if computed:  # the calculator's own figures, as the stream would write them
                invoice |= _figures(invoice)
            invoices.append(invoice)
            add(cells, contribution(invoice))
    rollups = [
        to_item({"pk": f"ORG#{org}", "sk": sk, "entity": "rollup", "writes": 1, **numbers})
        for (org, sk), numbers in cells.items()
    ]
    write_items([*sites, *(invoice_item(organization, invoice) for invoice in invoices), *rollups])
    return invoices[-1]


@dataclasses.dataclass
class _Answer:
    body: Any
    status: int = 200


def measure(size: int, points: int) -> tuple[Read, Read]:
    """Coverage of 2025 for an organization of ``size`` invoices (in the table of the block), and the
    read of its last invoice's quality flags (the calculator's, for each invoice it computes)."""
    from carbon_accounting import repository
    from carbon_accounting.seed import Seed, write_seed
    from carbon_accounting.supply import quality
    from tests.handlers.conftest import invoke
    from tests.tenants import api_key_headers

    organization, key = uuid.uuid4(), f"{KEY}_{size}"
    tenant = {"id": str(organization), "name": f"Stores {size}", "api_keys": [key]}
    write_seed(Seed.model_validate({"organizations": [tenant]}))
    began = time.perf_counter()
    last = fill(organization, size, points)
    print(f"  {size:,} invoices written in {time.perf_counter() - began:.0f} s", flush=True)
    headers = api_key_headers(key, organization)
    query = {"start_date": "2025-01-01", "end_date": "2025-12-31"}
    counter = RequestCounter()
    repository.client().meta.events.register("after-call.dynamodb", counter)
    with contextlib.redirect_stdout(io.StringIO()):
        read = _timed(counter, lambda: invoke("get_coverage", headers, query=query))
    summary = invoke("get_coverage", headers, query=query).body["summary"]
    assert summary["supply_points"] == points and summary["months"] == points * 12, summary
    flags = _timed(counter, lambda: _Answer(quality.flags(last)))
    repository.client().meta.events.unregister("after-call.dynamodb", counter)
    return read, flags


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_SIZES} invoices: the command works")
    smoke = parser.parse_args(argv).smoke
    sizes, points = (SMOKE_SIZES, SMOKE_POINTS) if smoke else (SIZES, POINTS)
    with local_table():  # one organization a size, side by side: each reads only its own partition
        figures = {size: measure(size, points) for size in sizes}
    print(f"GET /v1/coverage for 2025: {points} supply points, bills over 2021-2025; p50 of {CALLS} calls")
    print(f"{'invoices':>10}{'bills a supply point':>22}{'p50 ms':>10}{'requests':>10}{'items read':>12}")
    for size, (read, _) in figures.items():
        print(f"{size:>10,}{size // points:>22}{read.p50_ms:>10.1f}{read.requests:>10}{read.items:>12,}")
    print("\nThe calculator's read of an invoice's quality flags (its supply point's bills of two years)")
    for size, (_, flags) in figures.items():
        print(f"{size:>10,}{size // points:>22}{flags.p50_ms:>10.1f}{flags.requests:>10}{flags.items:>12,}")
    reads = [read for read, _ in figures.values()]
    return {
        "sizes": list(sizes),
        "p50_ms": [read.p50_ms for read in reads],
        "requests": [read.requests for read in reads],
        "items": [read.items for read in reads],
        "items_same": len({(read.requests, read.items) for read in reads}) == 1,
        "flags_items": [flags.items for _, flags in figures.values()],
    }


if __name__ == "__main__":
    main()
