"""DynamoDB Streams event source mappings: what Lambda does for ``Type: DynamoDB`` events.

A `StreamPoller` reads the table's latest stream shard by shard (a child shard after its parent),
from StartingPosition for the shards that exist when it starts and from TRIM_HORIZON for shards
that appear later. Each GetRecords batch (at most BatchSize records) is filtered (FilterCriteria)
and delivered as ``{"Records": [...]}`` shaped like Lambda's DynamoDB event. A failed batch is
retried, from the first failed record when the function reports batch item failures, halved
when BisectBatchOnFunctionError is set, and dropped after MaximumRetryAttempts retries (-1, the
default, retries until it works); the shard waits meanwhile, as in Lambda. A dropped batch is logged
and, like Lambda, reported to the on-failure SQS queue (DestinationConfig) as its shard, sequence
numbers and size: the records stay in the stream, for a reader of that queue to fetch.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.aws import REGION, Endpoints
from local.event_filter import passes
from local.functions import FunctionError, Invoke
from local.polling import PollingThread
from local.template import StreamSource

logger = logging.getLogger(__name__)

DISCOVERY_INTERVAL = 5.0  # seconds between DescribeStream calls looking for new shards
MAX_BACKOFF = 5.0
GET_RECORDS_LIMIT = 1000  # the API's maximum


def lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it (attribute values stay in DynamoDB JSON)."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):  # boto3 parses it; Lambda sends epoch seconds
        seconds = created.timestamp()
        dynamodb["ApproximateCreationDateTime"] = int(seconds) if seconds.is_integer() else seconds
    converted = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:  # TTL deletions
        converted["userIdentity"] = record["userIdentity"]
    return converted


def on_failure_report(
    batch: Sequence[Mapping[str, Any]], retries: int, function_error: bool, shard_id: str, stream_arn: str
) -> dict[str, Any]:
    """What Lambda sends a stream mapping's on-failure destination for a batch it gave up on."""

    def arrival(record: Mapping[str, Any]) -> str:
        seconds = record["dynamodb"].get("ApproximateCreationDateTime", 0)
        return (
            datetime.fromtimestamp(float(seconds), UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )

    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": retries,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled" if function_error else "",
        },
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": _sequence(batch[0]),
            "endSequenceNumber": _sequence(batch[-1]),
            "approximateArrivalOfFirstRecord": arrival(batch[0]),
            "approximateArrivalOfLastRecord": arrival(batch[-1]),
            "batchSize": len(batch),
            "streamArn": stream_arn,
        },
    }


def _sequence(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


@dataclass
class _Shard:
    shard_id: str
    parent_id: str | None
    position: str  # iterator type for the first GetShardIterator
    iterator: str | None = None
    last_sequence: str | None = None
    finished: bool = False


@dataclass(frozen=True)
class _Failure:
    index: int  # first record to retry
    function_error: bool  # the invocation failed as a whole (not a partial batch response)


class StreamPoller(PollingThread):
    """One event source mapping: a table's stream feeding one function."""

    def __init__(self, source: StreamSource, endpoints: Endpoints, invoke: Invoke) -> None:
        super().__init__(f"stream {source.function_id}/{source.event_name}")
        self.source = source
        self._invoke = invoke
        self._dynamodb = endpoints.client("dynamodb")
        self._streams = endpoints.client("dynamodbstreams")
        self._endpoints = endpoints
        self._sqs: Any = None  # the on-failure queue's client, when the mapping has one
        self._failure_queue_url = ""
        self._stream_arn = ""
        self._shards: dict[str, _Shard] = {}
        self._next_discovery = 0.0

    def start(self) -> None:
        """Find the stream and its current shards (errors surface here), then poll."""
        table = self._dynamodb.describe_table(TableName=self.source.table_name)["Table"]
        self._stream_arn = table["LatestStreamArn"]
        if self.source.on_failure_queue:
            self._sqs = self._endpoints.client("sqs")
            queue = self._sqs.create_queue(QueueName=self.source.on_failure_queue)
            self._failure_queue_url = queue["QueueUrl"]
        self._discover(self.source.starting_position)
        # Position now, so that LATEST means "after start()" rather than "after the first poll".
        for shard in self._ready_shards():
            shard.iterator = self._shard_iterator(shard)
        super().start()

    def poll(self) -> bool:
        """Read each ready shard once; return True when records were read."""
        if time.monotonic() >= self._next_discovery:
            self._discover("TRIM_HORIZON")
        busy = False
        for shard in self._ready_shards():
            busy = self._poll_shard(shard) or busy
        return busy

    def _discover(self, position: str) -> None:
        """Add shards not seen yet; new ones start reading at `position`."""
        arguments = {"StreamArn": self._stream_arn}
        while True:
            description = self._streams.describe_stream(**arguments)["StreamDescription"]
            for shard in description["Shards"]:
                if shard["ShardId"] not in self._shards:
                    self._shards[shard["ShardId"]] = _Shard(
                        shard["ShardId"], shard.get("ParentShardId"), position
                    )
            if "LastEvaluatedShardId" not in description:
                break
            arguments["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]
        self._next_discovery = time.monotonic() + DISCOVERY_INTERVAL

    def _ready_shards(self) -> list[_Shard]:
        """Open shards whose parent (if still known) has been read to its end."""
        return [
            shard
            for shard in list(self._shards.values())
            if not shard.finished
            and (shard.parent_id not in self._shards or self._shards[shard.parent_id].finished)
        ]

    def _poll_shard(self, shard: _Shard) -> bool:
        if shard.iterator is None:
            shard.iterator = self._shard_iterator(shard)
        try:
            response = self._streams.get_records(
                ShardIterator=shard.iterator, Limit=min(self.source.batch_size, GET_RECORDS_LIMIT)
            )
        except self._streams.exceptions.ExpiredIteratorException:
            shard.iterator = None  # a fresh one continues after the last record read
            return False
        shard.iterator = response.get("NextShardIterator")
        if shard.iterator is None:  # closed and read to its end: its children may start
            shard.finished = True
            self._next_discovery = 0.0
        records = response["Records"]
        if not records:
            return False
        shard.last_sequence = _sequence(records[-1])
        events = [lambda_record(record, self._stream_arn) for record in records]
        batch = [event for event in events if passes(self.source.filter_patterns, event)]
        if batch:
            self._deliver(batch, shard.shard_id)
        return True

    def _shard_iterator(self, shard: _Shard) -> str:
        arguments = {"StreamArn": self._stream_arn, "ShardId": shard.shard_id}
        if shard.last_sequence is not None:
            arguments |= {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": shard.last_sequence}
        else:
            arguments["ShardIteratorType"] = shard.position
        return str(self._streams.get_shard_iterator(**arguments)["ShardIterator"])

    def _deliver(self, records: list[dict[str, Any]], shard_id: str) -> None:
        """Invoke the function until the records are processed, dropped, or the poller stops."""
        pending = deque([records])
        while pending and not self.stopping:
            batch = pending.popleft()
            retries = 0
            while batch:
                failure = self._invoke_batch(batch)
                if failure is None:
                    break
                batch = batch[failure.index :]
                if failure.function_error and self.source.bisect_batch_on_function_error and len(batch) > 1:
                    half = len(batch) // 2
                    pending.extendleft([batch[half:], batch[:half]])
                    break
                retries += 1
                if 0 <= self.source.maximum_retry_attempts < retries:
                    self._drop(batch, retries, failure.function_error, shard_id)
                    break
                if not self.sleep(min(0.2 * 2**retries, MAX_BACKOFF)):
                    return

    def _invoke_batch(self, batch: Sequence[Mapping[str, Any]]) -> _Failure | None:
        """Invoke once; return where to resume, or None when the whole batch succeeded."""
        try:
            result = self._invoke(self.source.function_id, {"Records": list(batch)})
        except FunctionError as error:
            logger.warning("%s: %d record(s) failed: %s", self.name, len(batch), error)
            return _Failure(0, function_error=True)
        if not self.source.report_batch_item_failures:
            return None
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if not failures:
            return None
        positions = {_sequence(record): index for index, record in enumerate(batch)}
        identifiers = [item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures]
        # An identifier that is not in the batch makes Lambda treat the whole batch as failed.
        index = 0 if any(i not in positions for i in identifiers) else min(positions[i] for i in identifiers)
        logger.warning(
            "%s: function reported %d failed item(s); retrying from #%d", self.name, len(failures), index
        )
        return _Failure(index, function_error=False)

    def _drop(
        self, batch: Sequence[Mapping[str, Any]], retries: int, function_error: bool, shard_id: str
    ) -> None:
        logger.error(
            "%s: dropping %d record(s) (sequence numbers %s..%s) after %d retries",
            self.name,
            len(batch),
            _sequence(batch[0]),
            _sequence(batch[-1]),
            retries - 1,
        )
        if self._failure_queue_url:
            report = on_failure_report(batch, retries, function_error, shard_id, self._stream_arn)
            self._sqs.send_message(QueueUrl=self._failure_queue_url, MessageBody=json.dumps(report))
