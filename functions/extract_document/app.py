"""The table's stream: a document's file that passed (or failed) the upload check is read into its invoice."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from carbon_accounting import repository
from carbon_accounting.intake.documents import drafts

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    def seconds_left() -> float:
        return context.get_remaining_time_in_millis() / 1000

    def record_handler(record: DynamoDBRecord) -> None:
        _, new = repository.stream_images(record.raw_event)
        status = drafts.on_file_change(new, seconds_left)
        if status is not None:
            metrics.add_metric(name=f"Document_{status}", unit=MetricUnit.Count, value=1)

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
