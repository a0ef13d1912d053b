"""local.streams: the DynamoDB Streams event source mapping, against DynamoDB Local."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from local.functions import FunctionError, FunctionPool
from local.streams import StreamPoller, lambda_record
from local.template import table_definition


@pytest.fixture
def table(stack, endpoints) -> str:
    """A fresh copy of the test template's table (with its stream) in DynamoDB Local."""
    name = f"stream-test-{uuid.uuid4().hex[:8]}"
    client = endpoints.client("dynamodb")
    client.create_table(**table_definition(stack, name))
    yield name
    client.delete_table(TableName=name)


@pytest.fixture
def stream_pool(stack, endpoints):
    with FunctionPool(stack, endpoints, log=lambda *_: None) as functions:
        yield functions


def _put(endpoints, table: str, pk: str, kind: str = "order", **numbers: int) -> None:
    item = {"pk": {"S": pk}, "sk": {"S": "A"}, "kind": {"S": kind}}
    item |= {name: {"N": str(value)} for name, value in numbers.items()}
    endpoints.client("dynamodb").put_item(TableName=table, Item=item)


def _pks(event: dict[str, Any]) -> list[str]:
    return [record["dynamodb"]["Keys"]["pk"]["S"] for record in event["Records"]]


def _poller(stack, table: str, endpoints, invoke, **changes: Any) -> StreamPoller:
    source = dataclasses.replace(stack.stream_sources[0], table_name=table, **changes)
    return StreamPoller(source, endpoints, invoke)


def test_records_are_filtered_delivered_and_partially_retried(
    stack, table, endpoints, stream_pool, recorded, eventually
):
    for pk, kind, fail_times in (
        ("o1", "order", 0),
        ("x1", "other", 0),
        ("o2", "order", 1),
        ("o3", "order", 0),
    ):
        _put(endpoints, table, pk, kind, fail_times=fail_times)
    with _poller(stack, table, endpoints, stream_pool.invoke):
        batches = eventually(lambda: (events := recorded("StreamFunction")) and len(events) >= 2 and events)
    # x1 is filtered out; o2 fails once, so the batch is retried from o2 (o1 is not redelivered).
    assert [_pks(event) for event in batches] == [["o1", "o2", "o3"], ["o2", "o3"]]
    record = batches[0]["Records"][0]
    stream_arn = endpoints.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    assert {
        key: record[key]
        for key in ("eventName", "eventVersion", "eventSource", "awsRegion", "eventSourceARN")
    } == {
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": stream_arn,
    }
    assert record["eventID"]
    dynamodb = record["dynamodb"]
    assert dynamodb["Keys"] == {"pk": {"S": "o1"}, "sk": {"S": "A"}}
    assert dynamodb["NewImage"]["kind"] == {"S": "order"}  # DynamoDB JSON, not deserialized
    assert dynamodb["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(dynamodb["ApproximateCreationDateTime"], int | float)
    assert dynamodb["SequenceNumber"] and dynamodb["SizeBytes"] > 0


def test_records_are_dropped_after_maximum_retry_attempts(
    stack, table, endpoints, stream_pool, recorded, eventually, caplog
):
    caplog.set_level(logging.ERROR, logger="local.streams")
    _put(endpoints, table, "poison", fail_times=99)
    _put(endpoints, table, "after-poison")
    with _poller(stack, table, endpoints, stream_pool.invoke):
        eventually(lambda: "dropping 2 record(s)" in caplog.text)
        _put(endpoints, table, "later")
        eventually(lambda: any(_pks(event) == ["later"] for event in recorded("StreamFunction")))
    deliveries = [_pks(event) for event in recorded("StreamFunction")]
    assert deliveries == [["poison", "after-poison"]] * 3 + [["later"]]  # first try + 2 retries
    assert "after 2 retries" in caplog.text


def test_bisect_isolates_a_failing_record(stack, table, endpoints, eventually, caplog):
    caplog.set_level(logging.ERROR, logger="local.streams")
    delivered: list[list[str]] = []

    def invoke(function_id: str, event: dict[str, Any]) -> None:
        if "poison" in _pks(event):
            raise FunctionError("ValueError", "poison")
        delivered.append(_pks(event))

    for pk in ("a", "poison", "c", "d"):
        _put(endpoints, table, pk)
    changes = {
        "bisect_batch_on_function_error": True,
        "maximum_retry_attempts": 0,
        "report_batch_item_failures": False,
    }
    with _poller(stack, table, endpoints, invoke, **changes):
        eventually(lambda: "dropping 1 record(s)" in caplog.text)
        eventually(lambda: ["c", "d"] in delivered)
    assert delivered == [["a"], ["c", "d"]]


def test_starting_position_latest_skips_existing_records(stack, table, endpoints, eventually):
    delivered: list[list[str]] = []
    _put(endpoints, table, "before")
    poller = _poller(
        stack, table, endpoints, lambda _, event: delivered.append(_pks(event)), starting_position="LATEST"
    )
    with poller:
        _put(endpoints, table, "after")
        eventually(lambda: delivered)
    assert delivered == [["after"]]


def test_lambda_record_converts_the_creation_time():
    record = {
        "eventID": "1",
        "eventName": "REMOVE",
        "awsRegion": "ddblocal",
        "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
        "dynamodb": {"ApproximateCreationDateTime": datetime(2024, 1, 2, tzinfo=UTC), "SequenceNumber": "5"},
    }
    converted = lambda_record(record, "arn:stream")
    assert converted["dynamodb"]["ApproximateCreationDateTime"] == 1704153600
    assert converted["awsRegion"] == "us-east-1"
    assert converted["userIdentity"] == record["userIdentity"]
    assert list(converted) == [
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
        "userIdentity",
    ]


class FakeStreams:
    """A DynamoDB Streams client whose shards split: the parent closes, a child appears later."""

    class exceptions:
        ExpiredIteratorException = type("ExpiredIteratorException", (Exception,), {})

    def __init__(self) -> None:
        self.shards = [{"ShardId": "parent"}]
        self.records = {"parent": [self._record("p1")], "child": [self._record("c1")]}

    @staticmethod
    def _record(pk: str) -> dict[str, Any]:
        return {
            "eventID": pk,
            "eventName": "INSERT",
            "dynamodb": {
                "Keys": {"pk": {"S": pk}},
                "SequenceNumber": pk,
                "NewImage": {"kind": {"S": "order"}},
            },
        }

    def describe_stream(self, **_: Any) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": list(self.shards)}}

    def get_shard_iterator(self, ShardId: str, **_: Any) -> dict[str, Any]:
        return {"ShardIterator": ShardId}

    def get_records(self, ShardIterator: str, **_: Any) -> dict[str, Any]:
        records, self.records[ShardIterator] = self.records[ShardIterator], []
        if ShardIterator == "parent" and not records:  # drained: the shard closes and splits
            self.shards.append({"ShardId": "child", "ParentShardId": "parent"})
            return {"Records": []}
        return {"Records": records, "NextShardIterator": ShardIterator}


class FakeDynamoDB:
    def describe_table(self, **_: Any) -> dict[str, Any]:
        return {"Table": {"LatestStreamArn": "arn:stream"}}


def test_new_shards_are_read_after_their_parent(stack, moto_endpoints, eventually, monkeypatch):
    delivered: list[list[str]] = []
    fakes = {"dynamodb": FakeDynamoDB(), "dynamodbstreams": FakeStreams()}
    monkeypatch.setattr(type(moto_endpoints), "client", lambda self, service, config=None: fakes[service])
    with _poller(stack, "any", moto_endpoints, lambda _, event: delivered.append(_pks(event))):
        eventually(lambda: len(delivered) == 2)
    assert delivered == [["p1"], ["c1"]]


def test_a_dropped_batch_is_reported_to_the_on_failure_queue_as_lambda_reports_it(
    stack, table, endpoints, stream_pool, eventually
):
    _put(endpoints, table, "poison", fail_times=99)
    with _poller(stack, table, endpoints, stream_pool.invoke, on_failure_queue="stream-failures") as poller:
        sqs = endpoints.client("sqs")
        queue = sqs.get_queue_url(QueueName="stream-failures")["QueueUrl"]
        messages = []
        eventually(
            lambda: messages.extend(sqs.receive_message(QueueUrl=queue).get("Messages", [])) or messages
        )
        arn = poller._stream_arn

    report = json.loads(messages[0]["Body"])
    assert report["requestContext"]["condition"] == "RetryAttemptsExhausted"
    info = report["DDBStreamBatchInfo"]
    assert (info["batchSize"], info["streamArn"]) == (1, arn)
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["shardId"].startswith("shardId-")
