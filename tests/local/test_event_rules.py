"""local.event_rules: S3 events through moto's EventBridge to ``Type: EventBridgeRule`` functions."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import uuid
from typing import Any

import pytest

from local.event_rules import EventRulePoller
from local.functions import FunctionError
from local.template import EventRuleSource

ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _bucket(endpoints) -> str:
    name = f"uploads-{uuid.uuid4().hex[:8]}"
    endpoints.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture
def bucket(moto_endpoints) -> str:
    return _bucket(moto_endpoints)


@pytest.fixture
def other_bucket(moto_endpoints) -> str:
    return _bucket(moto_endpoints)


@pytest.fixture
def rule(stack, bucket) -> EventRuleSource:
    """The test template's rule, for `bucket` (moto keeps rules and queues for the whole session)."""
    (upload,) = stack.event_rules
    pattern = json.loads(json.dumps(upload.pattern).replace('"local-bucket"', json.dumps(bucket)))
    return dataclasses.replace(upload, event_name=f"Upload{uuid.uuid4().hex[:8]}", pattern=pattern)


def _poller(rule, buckets, endpoints, delivered: list[tuple[str, Any]]) -> EventRulePoller:
    return EventRulePoller(
        [rule], buckets, endpoints, lambda function_id, event: delivered.append((function_id, event))
    )


def test_objects_created_under_the_prefix_reach_the_function(
    rule, bucket, other_bucket, moto_endpoints, eventually
):
    delivered: list[tuple[str, Any]] = []
    s3 = moto_endpoints.client("s3")
    with _poller(rule, [bucket, other_bucket], moto_endpoints, delivered):
        s3.put_object(Bucket=bucket, Key="other/data.csv", Body=b"no: wrong prefix")
        s3.put_object(Bucket=other_bucket, Key="uploads/data.csv", Body=b"no: wrong bucket")
        s3.put_object(Bucket=bucket, Key="uploads/May report.csv", Body=b"a,b\n1,2\n")
        s3.put_object(Bucket=bucket, Key="uploads/second.csv", Body=b"x")
        eventually(lambda: len(delivered) == 2)
    (function_id, event), (_, second) = delivered
    assert function_id == "UploadFunction"
    assert event == {
        "version": "0",
        "id": event["id"],
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "000000000000",
        "time": event["time"],
        "region": "us-east-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": event["detail"],
    }
    assert ISO_TIME.match(event["time"])
    assert uuid.UUID(event["id"]) and event["id"] != second["id"]
    detail = event["detail"]
    etag = s3.head_object(Bucket=bucket, Key="uploads/May report.csv")["ETag"].strip('"')
    assert detail["object"] == {
        "key": "uploads/May report.csv",  # as is (S3's own notifications URL-encode it)
        "size": 8,
        "etag": etag,
        "sequencer": detail["object"]["sequencer"],
    }
    assert re.fullmatch(r"[0-9a-f]{16}", detail["object"]["sequencer"])
    assert detail["object"]["sequencer"] != second["detail"]["object"]["sequencer"]
    assert detail == {
        "version": "0",
        "bucket": {"name": bucket},
        "object": detail["object"],
        "request-id": detail["request-id"],
        "requester": "000000000000",
        "source-ip-address": "127.0.0.1",
        "reason": "PutObject",
    }
    assert re.fullmatch(r"[0-9A-F]{16}", detail["request-id"])
    assert second["detail"]["object"]["key"] == "uploads/second.csv"


def test_versioned_buckets_and_multipart_uploads(rule, bucket, moto_endpoints, eventually):
    delivered: list[tuple[str, Any]] = []
    s3 = moto_endpoints.client("s3")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    with _poller(rule, [bucket], moto_endpoints, delivered):
        version = s3.put_object(Bucket=bucket, Key="uploads/v.csv", Body=b"1")["VersionId"]
        upload = s3.create_multipart_upload(Bucket=bucket, Key="uploads/big.csv")["UploadId"]
        part = s3.upload_part(Bucket=bucket, Key="uploads/big.csv", UploadId=upload, PartNumber=1, Body=b"2")
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="uploads/big.csv",
            UploadId=upload,
            MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
        )
        events = {
            event["detail"]["object"]["key"]: event["detail"]
            for _, event in eventually(lambda: len(delivered) >= 2 and delivered)
        }
    assert events["uploads/v.csv"]["object"]["version-id"] == version
    assert events["uploads/v.csv"]["reason"] == "PutObject"
    assert events["uploads/big.csv"]["reason"] == "CompleteMultipartUpload"


def test_a_failing_function_is_retried_then_dropped_and_polling_goes_on(
    rule, bucket, moto_endpoints, eventually, caplog
):
    attempts: list[str] = []

    def invoke(function_id: str, event: Any) -> None:
        attempts.append(event["detail"]["object"]["key"])
        if event["detail"]["object"]["key"] == "uploads/bad.csv":
            raise FunctionError("ValueError", "boom")

    s3 = moto_endpoints.client("s3")
    with (
        caplog.at_level(logging.ERROR, logger="local.event_rules"),
        EventRulePoller([rule], [bucket], moto_endpoints, invoke),
    ):
        s3.put_object(Bucket=bucket, Key="uploads/bad.csv", Body=b"x")
        eventually(lambda: "uploads/bad.csv" in attempts)
        s3.put_object(Bucket=bucket, Key="uploads/good.csv", Body=b"x")
        eventually(lambda: "uploads/good.csv" in attempts)
    assert attempts == ["uploads/bad.csv"] * 3 + ["uploads/good.csv"]
    assert "dropped after 2 retries" in caplog.text


def test_other_events_of_the_default_bus_arrive_as_put(stack, moto_endpoints, eventually):
    delivered: list[tuple[str, Any]] = []
    source = f"local.test.{uuid.uuid4().hex[:8]}"
    rule = EventRuleSource(
        "UploadFunction", "Custom", {"source": [source], "detail": {"n": [{"numeric": [">", 1]}]}}
    )
    events = moto_endpoints.client("events")
    with _poller(rule, [], moto_endpoints, delivered):
        for n in (1, 2):
            events.put_events(
                Entries=[{"Source": source, "DetailType": "Thing", "Detail": json.dumps({"n": n})}]
            )
        eventually(lambda: delivered)
    ((function_id, event),) = delivered
    assert (function_id, event["source"], event["detail-type"], event["detail"]) == (
        "UploadFunction",
        source,
        "Thing",
        {"n": 2},
    )
