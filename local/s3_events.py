"""S3 event notifications for ``Type: S3`` events, through moto.

For each bucket with S3 events, the moto bucket gets a notification configuration sending the
declared event types to a moto SQS queue; `S3EventPoller` drains the queues and invokes every
function whose event matches (event type, key prefix and suffix) with a one-record S3 event shaped
like AWS's. Like any asynchronous invocation a failure is logged (Lambda would retry it twice).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from local.aws import ACCOUNT_ID, REGION, Endpoints
from local.functions import FunctionError, Invoke
from local.polling import PollingThread
from local.template import S3Source

logger = logging.getLogger(__name__)

PRINCIPAL = f"AWS:{ACCOUNT_ID}"


def lambda_s3_record(record: Mapping[str, Any], configuration_id: str) -> dict[str, Any]:
    """An S3 notification record as AWS delivers it to Lambda.

    moto's records lack a few fields and form-encode the slashes of the key; AWS keeps "/" as is.
    """
    s3 = record["s3"]
    key = unquote_plus(s3["object"]["key"])
    s3_object = {
        "key": quote_plus(key, safe="/"),
        "size": s3["object"].get("size", 0),
        "eTag": s3["object"].get("eTag", ""),
    }
    if s3["object"].get("versionId"):
        s3_object["versionId"] = s3["object"]["versionId"]
    s3_object["sequencer"] = secrets.token_hex(9).upper()
    bucket = s3["bucket"]["name"]
    return {
        "eventVersion": record.get("eventVersion", "2.1"),
        "eventSource": "aws:s3",
        "awsRegion": record.get("awsRegion", REGION),
        "eventTime": record["eventTime"],
        "eventName": record["eventName"],
        "userIdentity": {"principalId": PRINCIPAL},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": secrets.token_hex(8).upper(),
            "x-amz-id-2": secrets.token_urlsafe(48),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": ACCOUNT_ID},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": s3_object,
        },
    }


def source_matches(source: S3Source, record: Mapping[str, Any]) -> bool:
    """Whether an S3 record (as from `lambda_s3_record`) is for `source`: bucket, event type, key."""
    if record["s3"]["bucket"]["name"] != source.bucket:
        return False
    event = f"s3:{record['eventName']}"
    if not any(
        event == pattern or (pattern.endswith("*") and event.startswith(pattern[:-1]))
        for pattern in source.events
    ):
        return False
    key = unquote_plus(record["s3"]["object"]["key"])
    return key.startswith(source.prefix) and key.endswith(source.suffix)


class S3EventPoller(PollingThread):
    """Delivers the S3 notifications of every bucket with ``Type: S3`` events."""

    def __init__(self, sources: Sequence[S3Source], endpoints: Endpoints, invoke: Invoke) -> None:
        super().__init__("s3 events")
        self.sources = list(sources)
        self._invoke = invoke
        self._s3 = endpoints.client("s3")
        self._sqs = endpoints.client("sqs")
        self._queues: dict[str, str] = {}  # bucket -> queue URL

    def start(self) -> None:
        """Subscribe a queue to each bucket's notifications, then poll the queues."""
        buckets = sorted({source.bucket for source in self.sources})
        for bucket in buckets:
            events = sorted(
                {event for source in self.sources if source.bucket == bucket for event in source.events}
            )
            self._queues[bucket] = self._subscribe(bucket, events)
        super().start()

    def poll(self) -> bool:
        """Deliver what the queues hold; return True when there were messages."""
        busy = False
        for queue_url in self._queues.values():
            messages = self._sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            for message in messages:
                # s3:TestEvent messages, sent when the configuration is set, have no Records.
                for record in json.loads(message["Body"]).get("Records", []):
                    self._dispatch(record)
                self._sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            busy = busy or bool(messages)
        return busy

    def _subscribe(self, bucket: str, events: list[str]) -> str:
        queue_name = "local-s3-events-" + re.sub(r"[^A-Za-z0-9_-]", "-", bucket)
        queue_url = self._sqs.create_queue(QueueName=queue_name[:80])["QueueUrl"]
        attributes = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        self._s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {"Id": "local-stack", "QueueArn": attributes["Attributes"]["QueueArn"], "Events": events}
                ]
            },
        )
        return str(queue_url)

    def _dispatch(self, moto_record: Mapping[str, Any]) -> None:
        for source in self.sources:
            record = lambda_s3_record(
                moto_record, configuration_id=f"{source.function_id}-{source.event_name}"
            )
            if not source_matches(source, record):
                continue
            try:
                self._invoke(source.function_id, {"Records": [record]})
            except FunctionError as error:
                logger.error(
                    "%s: S3 event for %s failed: %s", source.function_id, record["s3"]["object"]["key"], error
                )
