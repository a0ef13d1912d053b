"""local.dev end to end (through local.launch): the test template's stack in a child process."""

from __future__ import annotations

import json
import socket
import urllib.request
from urllib.parse import urlsplit

import pytest

from local.aws import Endpoints
from local.dynamodb_local import unavailable_reason
from local.launch import LocalStackProcess
from tests.local.fixtures import TEST_TEMPLATE

# Without DynamoDB Local the stack falls back to moto; this test is about the real set-up.
pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=f"{unavailable_reason()}")


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as probe:
        return probe.connect_ex((parts.hostname, parts.port)) == 0


@pytest.fixture
def dev_stack(tmp_path, record_dir):
    args = ["--template", str(TEST_TEMPLATE), "--no-seed", "--parameter", f"RecordDir={record_dir}"]
    process = LocalStackProcess(tmp_path / "state", args=args)
    process.start()
    yield process
    process.stop()


def test_dev_serves_routes_runs_event_sources_and_stops_cleanly(dev_stack, recorded, eventually):
    state = dev_stack.stack_json
    assert state["url"] == dev_stack.url
    assert state["parameters"]["RecordDir"]
    assert set(state["functions"]) >= {"EchoFunction", "StreamFunction", "UploadFunction"}
    assert state["jwt"]["jwks_url"].startswith("http://127.0.0.1:")

    with urllib.request.urlopen(f"{dev_stack.url}/public?q=1", timeout=15) as response:
        event = json.loads(response.read())
    assert (response.status, event["routeKey"], event["queryStringParameters"]) == (
        200,
        "GET /public",
        {"q": "1"},
    )

    endpoints = Endpoints(**state["endpoints"])
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in state["endpoints"].values())
    endpoints.client("dynamodb").put_item(
        TableName=state["tables"]["Table"],
        Item={"pk": {"S": "o-1"}, "sk": {"S": "A"}, "kind": {"S": "order"}},
    )
    endpoints.client("s3").put_object(Bucket=state["buckets"]["Bucket"], Key="uploads/a b.csv", Body=b"1")
    stream_events = eventually(lambda: recorded("StreamFunction"), timeout=30)
    assert stream_events[0]["Records"][0]["dynamodb"]["Keys"]["pk"] == {"S": "o-1"}
    (upload,) = eventually(lambda: recorded("UploadFunction"), timeout=30)
    assert (upload["source"], upload["detail-type"]) == ("aws.s3", "Object Created")
    assert upload["detail"]["bucket"]["name"] == state["buckets"]["Bucket"]
    assert upload["detail"]["object"]["key"] == "uploads/a b.csv"

    output = dev_stack.output()
    assert "GET     /items/{item_id}" in output and "EchoFunction" in output

    dev_stack.stop()
    assert not (dev_stack.state_dir / "stack.json").exists()
    assert not _listening(dev_stack.url)
    assert not any(_listening(url) for url in state["endpoints"].values())
