"""The entrypoint of a function the bucket's ``Object Created`` events invoke (through EventBridge)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()


def on_object_created(
    process: Callable[[str, str | None], StrEnum | None], metric: str
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """A Lambda handler that runs ``process(key, version_id)`` on the created object.

    Its outcome is logged and counted as the ``<metric>_<status>`` metric. An exception fails the
    invocation, so EventBridge and Lambda retry it (``process`` must be idempotent).
    """

    @logger.inject_lambda_context
    @metrics.log_metrics(capture_cold_start_metric=True)
    @event_source(data_class=EventBridgeEvent)
    def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
        s3_object = event.detail["object"]
        key = s3_object["key"]  # our keys are ids and slashes: nothing to decode
        status = process(key, s3_object.get("version-id"))
        logger.info("Object processed", extra={"key": key, "status": status})
        if status is not None:
            metrics.add_metric(name=f"{metric}_{status}", unit=MetricUnit.Count, value=1)
        return {"key": key, "status": status}

    # Powertools' decorators are untyped: the handler they return is this function, decorated.
    return cast(Callable[[dict[str, Any], LambdaContext], dict[str, Any]], lambda_handler)
