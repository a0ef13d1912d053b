"""EventBridge rules for ``Type: EventBridgeRule`` events, through moto.

The buckets whose template enables EventBridge get moto's EventBridge notification configuration,
so moto puts their S3 events on its default event bus. Each rule source becomes a moto rule with
the template's pattern (moto matches it, ``prefix`` and the other rules of ``local.event_filter``
included) targeting a moto SQS queue; `EventRulePoller` drains the queues and invokes the functions.
S3 events are reshaped into what S3 sends (moto's have a fixed id, sequencer and request id, moto's
account, "eTag" and reason "ObjectCreated"); other events, such as a function's PutEvents, arrive as
moto delivers them.

EventBridge invokes Lambda asynchronously: a failing function is retried twice, Lambda's default
(at once rather than after a minute or two), then the event is dropped with an error in the log,
where Lambda would hand it to an on-failure destination if the function had one.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from local.aws import ACCOUNT_ID, Endpoints
from local.functions import FunctionError, Invoke
from local.net import LOOPBACK
from local.polling import PollingThread
from local.template import EventRuleSource

logger = logging.getLogger(__name__)

ASYNC_RETRIES = 2  # Lambda's default MaximumRetryAttempts for asynchronous invocations
NAME_LIMIT = 64  # an EventBridge rule name's maximum length (SQS allows 80)
# What S3 names the operation behind an event. moto only says "ObjectCreated" or "ObjectRemoved":
# a created object is a PutObject unless its ETag shows a multipart upload ("<md5>-<part count>");
# a POST Object or a CopyObject cannot be told from a PutObject.
_REASONS = {"Object Created": "PutObject", "Object Deleted": "DeleteObject"}


def _reason(detail_type: str, etag: str) -> str | None:
    reason = _REASONS.get(detail_type)
    return "CompleteMultipartUpload" if reason == "PutObject" and "-" in etag else reason


def s3_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """moto's S3 event as S3 sends it to EventBridge.

    See https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html. The key stays as moto
    gives it: not URL-encoded.
    """
    moto_object = event["detail"]["object"]
    s3_object = {"key": moto_object["key"], "size": moto_object["size"], "etag": moto_object["eTag"]}
    if moto_object["version-id"] != "null":  # moto's version id of an unversioned bucket's objects
        s3_object["version-id"] = moto_object["version-id"]
    s3_object["sequencer"] = secrets.token_hex(8)
    detail = {
        "version": "0",
        "bucket": {"name": event["detail"]["bucket"]["name"]},
        "object": s3_object,
        "request-id": secrets.token_hex(8).upper(),
        "requester": ACCOUNT_ID,
        "source-ip-address": LOOPBACK,
    }
    reason = _reason(event["detail-type"], s3_object["etag"])
    if reason:
        detail["reason"] = reason
    return {**event, "id": str(uuid.uuid4()), "account": ACCOUNT_ID, "detail": detail}


def lambda_event(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """What the function receives for an event moto routed to a rule's queue."""
    return s3_event(event) if event.get("source") == "aws.s3" else event


class EventRulePoller(PollingThread):
    """Delivers the events matching each ``Type: EventBridgeRule`` rule to its function."""

    def __init__(
        self, sources: Sequence[EventRuleSource], buckets: Iterable[str], endpoints: Endpoints, invoke: Invoke
    ) -> None:
        super().__init__("event rules")
        self.sources = list(sources)
        self.buckets = list(buckets)  # the buckets that send their events to EventBridge
        self._invoke = invoke
        self._s3 = endpoints.client("s3")
        self._sqs = endpoints.client("sqs")
        self._events = endpoints.client("events")
        self._queues: list[tuple[EventRuleSource, str]] = []  # (rule source, queue URL)

    def start(self) -> None:
        """Send the buckets' events to EventBridge, route each rule to a queue, then poll the queues."""
        for bucket in self.buckets:
            self._s3.put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
            )
        self._queues = [(source, self._subscribe(source)) for source in self.sources]
        super().start()

    def poll(self) -> bool:
        """Deliver what the queues hold; return True when there were messages."""
        busy = False
        for source, queue_url in self._queues:
            messages = self._sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            for message in messages:
                self._deliver(source, lambda_event(json.loads(message["Body"])))
                self._sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            busy = busy or bool(messages)
        return busy

    def _subscribe(self, source: EventRuleSource) -> str:
        """A moto rule on the default bus with the source's pattern, targeting a new queue."""
        name = f"local-{source.function_id}-{source.event_name}"[:NAME_LIMIT]
        queue_url = self._sqs.create_queue(QueueName=name)["QueueUrl"]
        attributes = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        self._events.put_rule(Name=name, EventPattern=json.dumps(source.pattern))
        self._events.put_targets(
            Rule=name, Targets=[{"Id": "queue", "Arn": attributes["Attributes"]["QueueArn"]}]
        )
        return str(queue_url)

    def _deliver(self, source: EventRuleSource, event: Mapping[str, Any]) -> None:
        where = f"{source.function_id}/{source.event_name}"
        for attempt in range(1, ASYNC_RETRIES + 2):
            try:
                self._invoke(source.function_id, event)
                return
            except FunctionError as error:
                logger.error("%s: event %s failed (attempt %d): %s", where, event["id"], attempt, error)
        logger.error("%s: event %s dropped after %d retries", where, event["id"], ASYNC_RETRIES)
