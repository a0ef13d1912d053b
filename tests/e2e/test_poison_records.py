"""A poison record on the local stack's stream: a record the calculator cannot handle at all fails
alone, is retried as template.yaml bounds it, and ends in the on-failure queue (as Lambda reports it),
and the records after it go on. (An invoice the engine fails on ends ``error``, never ``loading``:
tests/handlers/test_calculate_emissions.py.)"""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest

from local.aws import REGION
from tests.e2e.test_api import ACME_HEADERS
from tests.e2e.test_idempotency import invoice
from tests.e2e.test_invoices import settled
from tests.tenants import ACME

pytestmark = pytest.mark.e2e


def _clients(local_stack):
    stack = local_stack.stack_json
    dynamodb = boto3.client("dynamodb", endpoint_url=stack["endpoints"]["dynamodb"], region_name="eu-west-1")
    sqs = boto3.client("sqs", endpoint_url=stack["endpoints"]["moto"], region_name=REGION)
    return stack["tables"]["Table"], dynamodb, sqs


def _failure_queue(sqs) -> str:
    (url,) = [url for url in sqs.list_queues().get("QueueUrls", []) if url.endswith("CalculatorFailureQueue")]
    return url


def test_a_record_the_calculator_cannot_handle_ends_in_the_on_failure_queue_and_the_rest_go_on(
    http, local_stack
):
    table, dynamodb, sqs = _clients(local_stack)
    # Given a real invoice, settled, as the shape to copy
    created = http("POST", "/v1/invoices", ACME_HEADERS, invoice(f"POISON-{uuid.uuid4().hex[:6]}")).body
    assert settled(http, created["id"])["status"] == "active"
    stored = dynamodb.get_item(
        TableName=table,
        Key={"pk": {"S": f"ORG#{ACME}"}, "sk": {"S": f"INVOICE#{created['id']}"}},
    )["Item"]
    loading = stored | {"status": {"S": "loading"}, "version": {"N": "1"}}

    # When a record that is no invoice at all (its id is not an id) reaches the stream, then a good one
    dynamodb.put_item(TableName=table, Item=loading | {"sk": {"S": "INVOICE#poison"}, "id": {"S": "poison"}})
    after = http("POST", "/v1/invoices", ACME_HEADERS, invoice(f"AFTER-{uuid.uuid4().hex[:6]}")).body

    # Then the poison record, retried 5 times, is reported to the on-failure queue (its batch's shard
    # and sequence numbers), after which the good invoice is computed
    queue, reports, deadline = _failure_queue(sqs), [], time.monotonic() + 60
    while not reports and time.monotonic() < deadline:
        reports = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    assert reports, "the poison record reached the on-failure queue"
    info = json.loads(reports[0]["Body"])["DDBStreamBatchInfo"]
    assert info["startSequenceNumber"] <= info["endSequenceNumber"]
    # the report covers the batch from the poison on, as Lambda's does; the calculator processed the
    # records after it on the first delivery (it fails only the record at fault)
    assert settled(http, after["id"], seconds=30)["status"] == "active"
