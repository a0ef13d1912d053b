"""Table stream -> runs queued recalculation jobs (requested, or the daily run), checkpoint by checkpoint."""

from typing import Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from carbon_accounting import repository
from carbon_accounting.invoices import recalculation
from carbon_accounting.repository.records import RecalculationJobRecord

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord, lambda_context: LambdaContext) -> None:
    # template.yaml's filter sends this function the writes of queued recalculation jobs only.
    _, job = repository.stream_images(record.raw_event)
    delivery = record.raw_event["dynamodb"]["SequenceNumber"]
    recalculation.run(
        cast(RecalculationJobRecord, job), lambda_context.get_remaining_time_in_millis, delivery
    )


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
