"""The bucket's ``Object Created`` events under imports/: import a bulk CSV's invoices."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from carbon_accounting.invoices import bulk

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    s3_object = event.detail["object"]
    key = s3_object["key"]  # our keys are ids and slashes: nothing to decode
    status = bulk.run_import(key, s3_object.get("version-id"))
    logger.info("Import run", extra={"key": key, "status": status})
    if status is not None:
        metrics.add_metric(name=f"Import_{status}", unit=MetricUnit.Count, value=1)
    return {"key": key, "status": status}
