"""Daily schedule -> queues the scheduled recalculation's run (stuck and stale invoices)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from carbon_accounting.invoices import recalculation

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, bool]:
    queued = recalculation.queue_scheduled_run()
    logger.info("Scheduled recalculation", extra={"queued": queued})
    return {"queued": queued}
