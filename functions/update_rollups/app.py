"""The table's stream: every change of an invoice moves the organization's rollups, exactly once."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from carbon_accounting.rollups import maintenance

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> None:
    # A failure fails the batch: Lambda retries it, and the marks skip what was already applied.
    written = maintenance.apply_records(event["Records"])
    metrics.add_metric(name="RollupTransactions", unit=MetricUnit.Count, value=written)
