"""The benchmarks' DynamoDB: DynamoDB Local, started as `make dev` starts it, with template.yaml's table,
and what DynamoDB bills for the requests sent to it.

moto answers a GSI query by scanning its whole table and deep-copies tables for every transaction, so
figures that depend on how DynamoDB answers (index queries, transactions, capacity) come from here.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from tests.conftest import ROOT, TEST_TABLE

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
METERED = WRITES | {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}


@contextmanager
def local_table(table: str = TEST_TABLE, bucket: str | None = None) -> Iterator[str]:
    """For the block: DynamoDB Local with the template's table named ``table`` (and, given ``bucket``,
    a moto server holding that bucket, versioned as the template's is), the process's boto3 clients
    (and the repository's and storage's) pointed at them; yields DynamoDB's endpoint. The environment
    is restored."""
    from carbon_accounting import repository, storage
    from carbon_accounting.settings import get_settings
    from local.aws import Endpoints
    from local.dynamodb_local import dynamodb_local
    from local.moto_server import moto_server
    from local.template import load_stack, table_definition

    saved = dict(os.environ)
    with dynamodb_local() as endpoint, moto_server() if bucket else contextlib.nullcontext() as s3:
        try:
            os.environ.update(
                Endpoints(dynamodb=endpoint, moto=s3 or endpoint).environment(), TABLE_NAME=table
            )
            repository.client.cache_clear()
            storage.client.cache_clear()
            get_settings.cache_clear()
            repository.client().create_table(**table_definition(load_stack(ROOT / "template.yaml"), table))
            if bucket:
                logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the moto server's request log
                os.environ["BUCKET_NAME"] = bucket
                storage.client().create_bucket(Bucket=bucket)
                storage.client().put_bucket_versioning(
                    Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
                )
            yield endpoint
        finally:
            repository.client.cache_clear()
            storage.client.cache_clear()
            get_settings.cache_clear()
            os.environ.clear()
            os.environ.update(saved)


def write_items(items: Iterable[dict[str, Any]], table: str = TEST_TABLE) -> None:
    """Put ``items`` with BatchWriteItem, 25 a request, 4 requests at a time (10,000 items took 9.3 s
    one request at a time on this 2-core machine, 5.7 s so), retrying what is unprocessed."""
    from carbon_accounting import repository

    def write(batch: list[dict[str, Any]]) -> None:
        request = {table: [{"PutRequest": {"Item": item}} for item in batch]}
        while request:
            request = repository.client().batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    every = list(items)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, (every[start : start + 25] for start in range(0, len(every), 25))))


class CapacityMeter:
    """On a DynamoDB client: asks DynamoDB for the consumed capacity of every request and adds it up
    (read and write units), and counts the requests by operation."""

    def __init__(self, client: Any) -> None:
        self.units: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        for operation in METERED:
            client.meta.events.register(f"before-parameter-build.dynamodb.{operation}", self._ask)
        client.meta.events.register("after-call.dynamodb", self._add)

    def clear(self) -> None:
        self.units.clear()
        self.requests.clear()

    def _ask(self, params: dict[str, Any], **_: Any) -> None:
        params["ReturnConsumedCapacity"] = "INDEXES"

    def _add(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.requests[model.name] += 1
        consumed = parsed.get("ConsumedCapacity") or []
        for each in consumed if isinstance(consumed, list) else [consumed]:
            self.units["write" if model.name in WRITES else "read"] += each.get("CapacityUnits", 0.0)
