"""A 10,000-row bulk import, end to end in-process: wall time, peak memory, DynamoDB and S3 requests.

Against DynamoDB Local with the table from template.yaml and a moto server holding a versioned bucket
(tests/benchmarks/dynamodb.py), tests/e2e/seed.json loaded. A job is created with
``imports.create_import``, a generated CSV (the largest a job takes) is put at its upload key and
``bulk.run_import`` runs it as ImportInvoicesFunction would. Then a 10,001-row file, which must be
refused (job ``failed``) without writing anything. botocore's event hooks count every request.
Run: `make bench`.
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import sys
import time
import tracemalloc
from collections import Counter
from typing import Any
from uuid import UUID

import boto3

from tests.benchmarks.dynamodb import local_table
from tests.conftest import ROOT, TEST_BUCKET

ROWS = 10_000
DISTRIBUTED_EVERY = 50  # every 50th row is split 60/40 between Madrid and Lisbon (a subsidiary's)
LISBON_EVERY = 7  # of the others, every 7th is Lisbon's alone (facility_percentages, one share)
COLUMNS = ["type", "base_quantity", "unit", "start_date", "end_date", "facility_id"]
COLUMNS += ["facility_percentages", "invoice_id", "facility_fuel_id", "cups"]


class RequestCounter:
    """Requests by service and operation, the seconds spent waiting on their answers, the items transacted."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.transacted_items = 0
        self.seconds = 0.0
        self._sent = 0.0

    def before_call(self, **_: Any) -> None:
        self._sent = time.perf_counter()

    def after_call(self, http_response: Any, model: Any, **_: Any) -> None:
        self.seconds += time.perf_counter() - self._sent
        operation = f"{model.service_model.service_name}.{model.name}"
        self.requests[operation] += 1
        if http_response.status_code >= 300:
            self.failed[operation] += 1

    def transaction(self, params: dict[str, Any], **_: Any) -> None:
        self.transacted_items += len(params["TransactItems"])

    def watch(self, client: Any) -> None:
        client.meta.events.register("before-call", self.before_call)
        client.meta.events.register("after-call", self.after_call)
        if client.meta.service_model.service_name == "dynamodb":
            client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", self.transaction)


def generate_csv(rows: int) -> bytes:
    """``rows`` valid ACME invoices (electricity, water, heat): mostly Madrid's, some Lisbon's, some split."""
    from carbon_accounting import emissions
    from tests.tenants import ACME_MADRID, IBERIA, IBERIA_LISBON

    natural_gas = next(fuel for fuel in emissions.fuels() if fuel.name.lower().startswith("natural gas"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for index in range(rows):
        month = index % 12 + 1
        end_day = 28 if month == 2 else 30
        kind = index % 3
        invoice_type, unit, fuel, cups = [
            ("electricity", "kWh", "", "ES1234123456789012JY" if index % 2 else ""),
            ("water", "m3", "", ""),
            ("heat", "kWh", str(natural_gas.id), ""),
        ][kind]
        if index % DISTRIBUTED_EVERY == 0:
            facility, shares = "", f"{ACME_MADRID}:0.6;{IBERIA}/{IBERIA_LISBON}:0.4"
        elif index % LISBON_EVERY == 0:
            facility, shares = "", f"{IBERIA}/{IBERIA_LISBON}:1"
        else:
            facility, shares = str(ACME_MADRID), ""
        writer.writerow(
            [
                invoice_type,
                f"{100 + index % 9000}.5",
                unit,
                f"2024-{month:02d}-01",
                f"2024-{month:02d}-{end_day}",
                facility,
                shares,
                f"BENCH-{index:05d}",
                fuel,
                cups,
            ]
        )
    return out.getvalue().encode()


def split_rows(rows: int) -> int:
    """How many of ``generate_csv(rows)``'s rows are split between two facilities."""
    return len(range(0, rows, DISTRIBUTED_EVERY))


def invoice_items(rows: int) -> int:
    """The invoice items ``generate_csv(rows)`` makes: one a row, and a split row's two children."""
    return rows + 2 * split_rows(rows)


def upload(key: str, content: bytes) -> str:
    """Put the CSV where its job's presigned POST would have; the version the importer reads."""
    answer = boto3.client("s3").put_object(Bucket=TEST_BUCKET, Key=key, Body=content, ContentType="text/csv")
    return str(answer["VersionId"])


def caller() -> Any:
    """ACME's seeded user, who starts the jobs."""
    from carbon_accounting.models import Caller
    from tests.tenants import ACME, ACME_USER

    return Caller(organization_id=ACME, principal=f"user:{ACME_USER}", user_id=ACME_USER)


def new_job() -> tuple[UUID, UUID, str]:
    """A pending job of ACME's seeded user: (organization, job id, upload key)."""
    from carbon_accounting.intake import imports
    from carbon_accounting.models import ImportRequest

    job = imports.create_import(caller(), ImportRequest(file_name="bench.csv"))
    organization = caller().organization_id
    return organization, job.job_id, imports.upload_key(organization, job.job_id)


def maxrss_mib() -> float:
    """The process's peak resident set so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def checked_rows_heap(content: bytes) -> int:
    """Peak bytes allocated reading and checking every row: what the importer holds through its writes.

    tracemalloc over the whole run_import would mostly measure botocore (and take minutes); this is the
    importer's own share, its rows and their prepared invoices. Its reads hit the table (2 requests).
    """
    from carbon_accounting.intake import bulk

    tracemalloc.start()
    try:
        columns, rows = bulk.read_csv(content)
        reads = bulk.CachedReads()
        for row in rows:
            bulk.check_row(caller(), columns, row, reads)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def import_once(rows: int, measure_heap: bool) -> dict[str, Any]:
    """Create a job, upload ``rows`` generated rows and run the importer, on fresh local services."""
    from carbon_accounting import repository, storage
    from carbon_accounting.intake import bulk
    from carbon_accounting.seed import load_seed

    with local_table(bucket=TEST_BUCKET):
        load_seed(ROOT / "tests" / "e2e" / "seed.json")
        organization, job_id, key = new_job()
        content = generate_csv(rows)
        version = upload(key, content)
        counter = RequestCounter()
        counter.watch(repository.client())
        counter.watch(storage.client())
        rss_before = maxrss_mib()
        started, cpu_started = time.perf_counter(), time.process_time()
        status = bulk.run_import(key, version)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        rss_after = maxrss_mib()
        job = repository.get_import_job(organization, job_id) or {}
        result = {
            "bytes": len(content),
            "status": str(status),
            "seconds": elapsed,
            "cpu_seconds": cpu,
            "rss_before": rss_before,
            "rss_after": rss_after,
            "requests": dict(counter.requests),
            "failed_requests": dict(counter.failed),
            "aws_seconds": counter.seconds,
            "transacted_items": counter.transacted_items,
            "job": job,
            "heap": checked_rows_heap(content) if measure_heap else None,
        }
        return result


def _requests(requests: dict[str, int]) -> str:
    return ", ".join(f"{count} {operation}" for operation, count in sorted(requests.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="100 rows: the command works")
    rows = 100 if parser.parse_args(argv).smoke else ROWS
    print(
        f"Bulk import of a generated {rows:,}-row CSV, in-process, on DynamoDB Local and a moto server S3.\n"
    )

    full = import_once(rows, measure_heap=True)
    job, requests = full["job"], full["requests"]
    if full["failed_requests"] or job.get("rows_created") != rows:
        raise SystemExit(f"The import did not write every row: {job} {full['failed_requests']}")
    split = split_rows(rows)
    lisbon = sum(1 for index in range(rows) if index % DISTRIBUTED_EVERY and not index % LISBON_EVERY)
    transactions = requests.get("dynamodb.TransactWriteItems", 0)
    print(f"file          {full['bytes']:,} bytes ({full['bytes'] / 1024 / 1024:.2f} MiB), {rows:,} rows:")
    print(f"              {split} split 60/40 Madrid/Lisbon, {lisbon:,} Lisbon's alone, the rest Madrid's")
    print(
        f"status        {full['status']}: {job['rows_created']:,} rows created, {job['rows_failed']} failed"
    )
    print(
        f"invoices      {full['transacted_items'] - transactions:,} items written "
        f"in {transactions} TransactWriteItems (all committed)"
    )
    print(
        f"wall time     {full['seconds']:.1f} s ({full['seconds'] / rows * 1000:.2f} ms a row), "
        f"{full['aws_seconds']:.1f} s of it waiting on DynamoDB Local and S3; {full['cpu_seconds']:.1f} s CPU"
    )
    print(
        f"peak RSS      {full['rss_after']:.0f} MiB, the process's high-water mark "
        f"({full['rss_before']:.0f} MiB before run_import; the moto server's S3 lives in it too)"
    )
    print(
        f"peak heap     {full['heap'] / 1024 / 1024:.0f} MiB: the importer's own, its {rows:,} rows read "
        "and checked (tracemalloc)"
    )
    print(f"requests      {_requests(requests)}")

    refused = import_once(ROWS + 1, measure_heap=False)
    print(
        f"\n{ROWS + 1:,} rows ({refused['bytes']:,} bytes): {refused['status']} "
        f"in {refused['seconds']:.2f} s ({refused['aws_seconds']:.2f} s waiting on DynamoDB Local and S3)"
    )
    print(f"requests      {_requests(refused['requests'])}")
    print(f"detail        {refused['job'].get('detail')}")


if __name__ == "__main__":
    main()
