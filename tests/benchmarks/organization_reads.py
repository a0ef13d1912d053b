"""An organization's reads at 1,000, 10,000 and 100,000 invoices, on DynamoDB Local (issue 27).

    python -m tests.benchmarks.organization_reads [--smoke]

One organization with 50 facilities and monthly invoices over 3 years (2024-2026, electricity, water
and heat in turn). The invoices are written as the calculator leaves them (active, with the engine's
figures for their month), and the rollups as the stream would have left them: the sum of their
contributions (``rollups.contribution``), so that what is timed is the reads. Each read is the API's
function called in-process (authorizer included) and timed as the median of 7 calls, with the
DynamoDB requests and items it read. Target: p50 at the largest size at most 1.5x the smallest, and
the items read the same at every size.

Then the maintenance, through the real stream consumer: 1,000 invoices PATCHed, DELETEd or set
inactive, the table's stream delivered to the calculator and the rollups, and ``rollups verify``
must find 0 differences, every year's summary equal to a recount of the invoices to 1e-9.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import statistics
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from tests.benchmarks.dynamodb import CapacityMeter, local_table, write_items
from tests.benchmarks.request_cost import RequestCounter

SIZES = (1_000, 10_000, 100_000)
SMOKE_SIZES = (100, 300)
FACILITIES = 50
YEARS = (2024, 2025, 2026)
CALLS = 7
TARGET = 1.5  # p50 at the largest size, against the smallest
EXACT = frozenset({"summary, 15 Jan - 14 Feb"})  # reads the invoices of the months it cuts, by design
TYPES = ("electricity", "water", "heat")
CHANGED = 1_000  # invoices changed for the exactness check
FLAGGED = 20  # one invoice in FLAGGED carries a quality flag


def _months() -> list[tuple[date, date]]:
    periods = []
    for year in YEARS:
        for month in range(1, 13):
            first = date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            periods.append((first, date.fromordinal(following.toordinal() - 1)))
    return periods


def _figures(kind: str, first: date, last: date) -> dict[str, Any]:
    """What the calculator stores for one invoice of ``kind`` and period (the engine's figures)."""
    from uuid import UUID

    from carbon_accounting import emissions
    from carbon_accounting.invoices import calculation

    activity = emissions.Activity(
        type=emissions.InvoiceType(kind),
        quantity=1000.0,
        unit_id=UUID(_unit(kind)),
        start_date=first,
        end_date=last,
        country="ES",
        facility_fuel_id=UUID(_fuel()) if kind == "heat" else None,
    )
    result = emissions.calculate(activity)
    totals = {
        name: getattr(result, name) for name in ("co2e", "co2e_location_based", "co2e_biomass", "scope")
    }
    return totals | calculation.stored_parts(result)


def _unit(kind: str) -> str:
    """The unit of the type's invoices here: m³ for water, kWh otherwise."""
    from carbon_accounting.emissions.catalogues import units

    return str(units.named("cubic_meter_(m³)" if kind == "water" else "kilowatt_hour_(kwh)").id)


def _fuel() -> str:
    from carbon_accounting import emissions

    return str(next(fuel.id for fuel in emissions.fuels() if fuel.name == "Natural gas"))


def fill(organization: uuid.UUID, count: int) -> tuple[list[uuid.UUID], list[dict[str, Any]]]:
    """The organization's facilities and ``count`` active invoices, with the rollups they make."""
    from carbon_accounting import repository
    from carbon_accounting.models import Facility, FacilityStatus
    from carbon_accounting.repository.invoices import invoice_item
    from carbon_accounting.repository.rollups import Mark, mark_sk
    from carbon_accounting.repository.table import to_item
    from carbon_accounting.rollups.contribution import add, contribution

    now = datetime(2025, 1, 15, tzinfo=UTC)
    facilities = [uuid.UUID(int=organization.int + index + 1) for index in range(FACILITIES)]
    for index, facility in enumerate(facilities):
        repository.put_facility(
            Facility(
                id=facility,
                organization_id=organization,
                name=f"Site {index}",
                country="ES",
                status=FacilityStatus.ACTIVE,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
    periods = _months()
    figures = {(kind, first): _figures(kind, first, last) for kind in TYPES for first, last in periods}
    invoices, cells = [], {}
    for index in range(count):
        kind, facility = TYPES[index % len(TYPES)], facilities[index // len(TYPES) % FACILITIES]
        first, last = periods[index * len(periods) // count]
        invoice = {
            "id": str(uuid.uuid4()),
            "type": kind,
            "status": "active",
            "base_quantity": 1000.0,
            "quantity": 1000.0,
            "percentage": 1.0,
            "unit_id": _unit(kind),
            "start_date": first.isoformat(),
            "end_date": last.isoformat(),
            "facility_id": str(facility),
            "country": "ES",
            "enabled": True,
            "error_messages": [],
            "facility_percentages": [
                {"organization_id": str(organization), "facility_id": str(facility), "percentage": 1.0}
            ],
            "created_at": "2025-01-15T00:00:00Z",
            "updated_at": "2025-01-15T00:00:00Z",
            "version": 2,
        } | figures[(kind, first)]
        if kind == "heat":
            invoice["facility_fuel_id"] = _fuel()
        if index % FLAGGED == 0:  # an invoice in 20 flagged: what ?quality_flag= pages through
            invoice["quality_flags"] = [{"kind": "outlier", "detail": "the benchmark's"}]
        invoices.append(invoice)
        add(cells, contribution(invoice | {"entity": "invoice", "organization_id": str(organization)}))
    rollups = [
        to_item({"pk": f"ORG#{org}", "sk": sk, "entity": "rollup", "writes": 1, **numbers})
        for (org, sk), numbers in cells.items()
    ]
    marks = [  # as the stream leaves them: each invoice's version applied
        to_item(
            {
                "pk": f"ORG#{organization}",
                "sk": mark_sk(invoice["id"]),
                "entity": "rollup_mark",
                "organization_id": str(organization),
                "invoice_id": invoice["id"],
                "invoice_version": invoice["version"],
                "state": Mark(invoice["version"]).state,
            }
        )
        for invoice in invoices
    ]
    write_items([*(invoice_item(organization, invoice) for invoice in invoices), *rollups, *marks])
    return facilities, invoices


@dataclasses.dataclass
class Read:
    p50_ms: float
    requests: int
    items: int
    status: int


def reads(organization: uuid.UUID, facilities: list[uuid.UUID]) -> dict[str, Read]:
    """Each read, timed (p50 of ``CALLS``) and counted."""
    from carbon_accounting import repository
    from tests.handlers.conftest import invoke
    from tests.tenants import api_key_headers

    headers = api_key_headers(KEY, organization)
    facility = {"facility_id": str(facilities[0])}
    year = {"start_date": "2024-01-01", "end_date": "2024-12-31"}
    calls: dict[str, tuple[str, dict[str, Any]]] = {
        "summary, a year by scope": ("emissions_summary", {"query": {"group_by": "scope", **year}}),
        "summary, a year by month": ("emissions_summary", {"query": {"group_by": "month", **year}}),
        "summary, a year by facility": ("emissions_summary", {"query": {"group_by": "facility", **year}}),
        "summary, 15 Jan - 14 Feb": (
            "emissions_summary",
            {"query": {"group_by": "type", "start_date": "2024-01-15", "end_date": "2024-02-14"}},
        ),
        "org list, first page": ("list_invoices", {"query": {"size": "50"}}),
        "org list, page=10": ("list_invoices", {"query": {"size": "50", "page": "10"}}),
        "org list, status loading": ("list_invoices", {"query": {"size": "50", "status[]": "loading"}}),
        # 20 a page: the flagged invoices at 1,000 hold two and a half pages
        "org list, quality_flag outlier": (
            "list_invoices",
            {"query": {"size": "20", "quality_flag": "outlier"}},
        ),
        "a facility's supply points": ("list_supply_points", {"path": facility}),
        # 20 a page: what a facility holds at 1,000 invoices (so that every size reads a full page)
        "casted list with counts": ("list_facility_invoices", {"path": facility, "query": {"size": "20"}}),
    }
    counter = RequestCounter()
    repository.client().meta.events.register("after-call.dynamodb", counter)
    results = {}
    for name, (function, arguments) in calls.items():
        results[name] = _timed(
            counter, lambda function=function, arguments=arguments: invoke(function, headers, **arguments)
        )
        if name == "org list, first page":
            token = invoke(function, headers, **arguments).body["next_token"]
            results["org list, next_token page"] = _timed(
                counter,
                lambda token=token: invoke(
                    "list_invoices", headers, query={"size": "50", "next_token": token}
                ),
            )
    repository.client().meta.events.unregister("after-call.dynamodb", counter)
    return results


def _timed(counter: RequestCounter, call: Any) -> Read:
    call()  # warm: the function's imports and the factor tables
    times = []
    for _ in range(CALLS):
        counter.requests.clear()
        counter.items = 0
        began = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - began) * 1000)
    return Read(statistics.median(times), sum(counter.requests.values()), counter.items, answer.status)


KEY = "sk_test_organization_reads"


def exactness(organization: uuid.UUID, invoices: list[dict[str, Any]], changed: int) -> dict[str, Any]:
    """``changed`` invoices PATCHed, set inactive or DELETEd through the API, the stream delivered to
    the calculator and the rollups, then ``rollups verify`` and each year's summary against a recount."""
    from carbon_accounting import repository
    from carbon_accounting.rollups import verification
    from tests.handlers.conftest import invoke
    from tests.streams import TableStream
    from tests.tenants import api_key_headers

    headers = api_key_headers(KEY, organization)
    calculator = TableStream(only=("CalculateEmissionsFunction",))
    rollups = TableStream(only=("UpdateRollupsFunction",))
    calculator.skip()  # the fill's records: its rollups are written already
    rollups.skip()
    actions: Counter[str] = Counter()
    began = time.perf_counter()
    for index, item in enumerate(invoices[:changed]):
        path = {"invoice_id": item["id"]}
        if index % 3 == 0:
            answer = invoke("update_invoice", headers, path=path, body={"base_quantity": 1500})
        elif index % 3 == 1:
            answer = invoke("update_invoice", headers, path=path, body={"status": "inactive"})
        else:
            answer = invoke("delete_invoice", headers, path=path)
        actions[f"{answer.status}"] += 1
    failures = calculator.drain()
    meter = CapacityMeter(repository.client())  # what keeping the rollups costs, alone
    failures += rollups.drain()
    kept = (dict(meter.requests), meter.units["write"], meter.units["read"])
    changing = time.perf_counter() - began
    began = time.perf_counter()
    found = verification.verify(organization, attempts=3, wait=1.0)
    verifying = time.perf_counter() - began
    recounted: dict[str, float] = {}
    for item in repository.organization_invoice_items(organization):
        if item["status"] == "active":
            year = item["start_date"][:4]
            recounted[year] = recounted.get(year, 0.0) + float(item["co2e"])
    worst = 0.0
    for year in YEARS:
        body = invoke(
            "emissions_summary",
            headers,
            query={"group_by": "type", "start_date": f"{year}-01-01", "end_date": f"{year}-12-31"},
        ).body
        worst = max(worst, abs(body["total"]["co2e"] - recounted[str(year)]) / recounted[str(year)])
    return {
        "changed": changed,
        "answers": dict(actions),
        "stream_failures": len(failures),
        "change_and_settle_s": changing,
        "verify_s": verifying,
        "pending": found.pending,
        "differences": len(found.differences),
        "worst_relative_difference": worst,
        "rollup_requests": kept[0],
        "rollup_write_units": kept[1],
        "rollup_read_units": kept[2],
    }


def measure(size: int, changed: int) -> tuple[dict[str, Read], dict[str, Any] | None]:
    from carbon_accounting.seed import Seed, write_seed

    organization = uuid.UUID("3f9d2c61-0b1e-4c55-9a2f-5d8e7c6b4a30")
    with local_table():
        tenant = {"id": str(organization), "name": "Bench Group", "api_keys": [KEY]}
        write_seed(Seed.model_validate({"organizations": [tenant]}))
        began = time.perf_counter()
        facilities, invoices = fill(organization, size)
        print(f"  {size:,} invoices written in {time.perf_counter() - began:.0f} s", flush=True)
        with contextlib.redirect_stdout(io.StringIO()):
            measured = reads(organization, facilities)
            checked = exactness(organization, invoices, changed) if changed else None
        return measured, checked


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_SIZES} invoices: the command works")
    smoke = parser.parse_args(argv).smoke
    sizes = SMOKE_SIZES if smoke else SIZES
    figures = {}
    checked = None
    for size in sizes:
        changed = min(CHANGED, size // 10) if size == sizes[-1] else 0
        figures[size], found = measure(size, changed)
        checked = found or checked
    small, large = sizes[0], sizes[-1]
    print(
        f"One organization, {FACILITIES} facilities, {len(YEARS)} years; p50 of {CALLS} calls (ms), "
        "DynamoDB requests / items read"
    )
    print(f"{'read':<30}" + "".join(f"{f'{size:,} invoices':>24}" for size in sizes) + f"{'ratio':>8}  items")
    report: dict[str, Any] = {"reads": {}, "exactness": checked}
    for name in figures[small]:
        row = [figures[size][name] for size in sizes]
        ratio = row[-1].p50_ms / row[0].p50_ms
        same = "same" if len({(read.requests, read.items) for read in row}) == 1 else "DIFFERENT"
        cells = "".join(f"{f'{read.p50_ms:.1f} ms {read.requests}/{read.items}':>24}" for read in row)
        print(f"{name:<30}{cells}{ratio:>7.2f}x  {same}")
        report["reads"][name] = {
            "p50_ms": [read.p50_ms for read in row],
            "requests": [read.requests for read in row],
            "items": [read.items for read in row],
            "status": [read.status for read in row],
            "ratio": ratio,
            "items_same": same == "same",
        }
    if checked:
        print(
            f"\nExactness at {large:,}: {checked['changed']:,} invoices changed through the API "
            f"(answers {checked['answers']}), the stream settled in {checked['change_and_settle_s']:.0f} s "
            f"({checked['stream_failures']} failed records)"
        )
        requests = ", ".join(f"{count} {name}" for name, count in sorted(checked["rollup_requests"].items()))
        print(
            f"keeping the rollups of those changes and their calculation: {requests}; "
            f"{checked['rollup_write_units']:.0f} write and {checked['rollup_read_units']:.0f} read units "
            f"({checked['rollup_write_units'] / checked['changed']:.1f} write units a changed invoice)"
        )
        print(
            f"rollups verify ({checked['verify_s']:.0f} s): {checked['differences']} differences, "
            f"{checked['pending']} pending; each year's summary against a recount of its invoices: "
            f"worst relative difference {checked['worst_relative_difference']:.1e}"
        )
    return report


if __name__ == "__main__":
    main()
