"""local.s3_events: S3 notifications delivered to ``Type: S3`` functions through moto."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from local.s3_events import S3EventPoller, lambda_s3_record, source_matches


@pytest.fixture
def bucket(moto_endpoints) -> str:
    name = f"uploads-{uuid.uuid4().hex[:8]}"
    moto_endpoints.client("s3").create_bucket(Bucket=name)
    return name


def test_object_created_events_reach_matching_functions(stack, bucket, moto_endpoints, eventually):
    delivered: list[tuple[str, Any]] = []
    source = dataclasses.replace(stack.s3_sources[0], bucket=bucket)
    s3 = moto_endpoints.client("s3")
    with S3EventPoller(
        [source], moto_endpoints, lambda function_id, event: delivered.append((function_id, event))
    ):
        s3.put_object(Bucket=bucket, Key="other/data.csv", Body=b"no: wrong prefix")
        s3.put_object(Bucket=bucket, Key="uploads/notes.txt", Body=b"no: wrong suffix")
        s3.put_object(Bucket=bucket, Key="uploads/May report.csv", Body=b"a,b\n1,2\n")
        eventually(lambda: delivered)
        s3.put_object(Bucket=bucket, Key="uploads/second.csv", Body=b"x")
        eventually(lambda: len(delivered) == 2)
    (function_id, event), (_, second) = delivered
    assert function_id == "UploadFunction"
    (record,) = event["Records"]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == "us-east-1"
    assert record["s3"]["bucket"] == {
        "name": bucket,
        "ownerIdentity": {"principalId": "000000000000"},
        "arn": f"arn:aws:s3:::{bucket}",
    }
    assert record["s3"]["object"]["key"] == "uploads/May+report.csv"  # URL-encoded as AWS does
    assert record["s3"]["object"]["size"] == 8
    assert record["s3"]["object"]["eTag"] == s3.head_object(Bucket=bucket, Key="uploads/May report.csv")[
        "ETag"
    ].strip('"')
    assert record["s3"]["configurationId"] == "UploadFunction-Upload"
    assert second["Records"][0]["s3"]["object"]["key"] == "uploads/second.csv"


def _record(key: str, event_name: str = "ObjectCreated:Put", bucket: str = "local-bucket") -> dict[str, Any]:
    moto = {
        "eventTime": "2024-01-01T00:00:00.000Z",
        "eventName": event_name,
        "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 1, "eTag": "e"}},
    }
    return lambda_s3_record(moto, configuration_id="c")


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (_record("uploads%2Fa.csv"), True),
        (_record("uploads/a.csv", "ObjectCreated:CompleteMultipartUpload"), True),
        (_record("uploads/a.csv", "ObjectRemoved:Delete"), False),
        (_record("uploads/a.csv", bucket="elsewhere"), False),
        (_record("downloads/a.csv"), False),
        (_record("uploads/a.csv.bak"), False),
    ],
)
def test_source_matching(stack, record, expected):
    assert source_matches(stack.s3_sources[0], record) is expected


def test_keys_keep_slashes_and_encode_the_rest():
    assert _record("a%2Fb+c%C3%A9.csv")["s3"]["object"]["key"] == "a/b+c%C3%A9.csv"
