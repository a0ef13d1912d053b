"""The benchmarks' DynamoDB: DynamoDB Local, started as `make dev` starts it, with template.yaml's table.

moto answers a GSI query by scanning its whole table and deep-copies tables for every transaction, so
figures that depend on how DynamoDB answers (index queries, transactions, capacity) come from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import ROOT, TEST_TABLE


@contextmanager
def local_table(table: str = TEST_TABLE) -> Iterator[str]:
    """For the block: DynamoDB Local with the template's table named ``table``, the process's boto3
    clients (and the repository's) pointed at it; yields its endpoint. The environment is restored."""
    from carbon_accounting import repository
    from carbon_accounting.settings import get_settings
    from local.aws import Endpoints
    from local.dynamodb_local import dynamodb_local
    from local.template import load_stack, table_definition

    saved = dict(os.environ)
    with dynamodb_local() as endpoint:
        try:
            os.environ.update(Endpoints(dynamodb=endpoint, moto=endpoint).environment(), TABLE_NAME=table)
            repository.client.cache_clear()
            get_settings.cache_clear()
            repository.client().create_table(**table_definition(load_stack(ROOT / "template.yaml"), table))
            yield endpoint
        finally:
            repository.client.cache_clear()
            get_settings.cache_clear()
            os.environ.clear()
            os.environ.update(saved)
