"""Daily schedule -> recounts the organizations whose rollups changed yesterday; their drift is a metric."""

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from carbon_accounting.rollups import verification

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    check = verification.verify_changed(yesterday, context.get_remaining_time_in_millis)
    for found in check.verified:
        if found.differences or found.pending:
            logger.warning("Rollups differ from a recount", extra=found.as_report())
    metrics.add_metric(name="RollupDifferences", unit=MetricUnit.Count, value=check.differences)
    metrics.add_metric(name="RollupOrganizationsVerified", unit=MetricUnit.Count, value=len(check.verified))
    metrics.add_metric(
        name="RollupOrganizationsUnverified", unit=MetricUnit.Count, value=len(check.unverified)
    )
    if check.unverified:
        logger.warning("No time left to verify", extra={"organizations": check.unverified})
    return {"day": check.day, "verified": len(check.verified), "differences": check.differences}
