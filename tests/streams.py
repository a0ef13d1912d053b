"""The table's stream in moto, delivered in-process to the functions template.yaml subscribes to it.

What the local stack's StreamPoller does over DynamoDB Local, without threads: read every new record,
keep those each function's FilterCriteria pass, and call the function with them, until the stream is
quiet. A function's reported failures (every record of a batch, when it raises) are returned, not
retried.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from local.event_filter import passes
from local.streams import lambda_record
from local.template import load_stack
from tests.conftest import ROOT, TEST_TABLE
from tests.functions import LambdaContext, load_function


class TableStream:
    """``only``: the logical ids of the functions to deliver to (default: every stream function)."""

    def __init__(self, only: tuple[str, ...] | None = None) -> None:
        dynamodb = boto3.client("dynamodb")
        # moto answers the regional endpoint, not the account-based one botocore derives from an ARN.
        self._streams = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
        self._arn = dynamodb.describe_table(TableName=TEST_TABLE)["Table"]["LatestStreamArn"]
        self._iterators: dict[str, str] = {}
        stack = load_stack(ROOT / "template.yaml")
        self._sources = [
            (source, load_function(stack.functions[source.function_id].code_uri.name))
            for source in stack.stream_sources
            if only is None or source.function_id in only
        ]

    def _new_records(self) -> list[dict[str, Any]]:
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        records = []
        for shard in shards:
            iterator = (
                self._iterators.get(shard["ShardId"])
                or self._streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            answer = self._streams.get_records(ShardIterator=iterator)
            records += [lambda_record(record, self._arn) for record in answer["Records"]]
            self._iterators[shard["ShardId"]] = answer["NextShardIterator"]
        return records

    def skip(self) -> None:
        """Forget what the stream holds so far (a lost event, as far as the functions know): each
        shard is read from its latest record on (reading 100,000 records through took 24 s)."""
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        for shard in shards:
            self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]

    def drain(self, rounds: int = 1000) -> list[dict[str, Any]]:
        """Deliver every new record, and the records that delivery causes, until none is left.

        Returns the batch item failures the functions reported.
        """
        failures: list[dict[str, Any]] = []
        for _ in range(rounds):
            records = self._new_records()
            if not records:
                return failures
            for source, function in self._sources:
                batch = [record for record in records if passes(source.filter_patterns, record)]
                for start in range(0, len(batch), source.batch_size):
                    chunk = batch[start : start + source.batch_size]
                    try:
                        answer = function.lambda_handler({"Records": chunk}, LambdaContext())
                    except Exception:  # every record failed: the whole batch is Lambda's to retry
                        answer = {
                            "batchItemFailures": [
                                {"itemIdentifier": record["dynamodb"]["SequenceNumber"]} for record in chunk
                            ]
                        }
                    failures += (answer or {}).get("batchItemFailures", [])
        raise AssertionError(f"the stream did not settle in {rounds} rounds")


_rollups: dict[str, TableStream] = {}


def settle_rollups() -> None:
    """Apply every invoice change so far to the rollups, as UpdateRollupsFunction does a moment after
    each write (one reader per test table, which goes on from where it stopped)."""
    arn = boto3.client("dynamodb").describe_table(TableName=TEST_TABLE)["Table"]["LatestStreamArn"]
    if arn not in _rollups:
        _rollups.clear()
        _rollups[arn] = TableStream(only=("UpdateRollupsFunction",))
    assert _rollups[arn].drain() == []
