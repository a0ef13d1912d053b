"""POST /v1/invoices/recalculate: queue a recalculation of invoices by id or by a filter (202)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import examples
from carbon_accounting.api import CurrentCaller, IdempotencyKey, create_app, responses, serve
from carbon_accounting.invoices import recalculation
from carbon_accounting.invoices.recalculation import RecalculationJob, RecalculationRequest

app = create_app()
Request = Annotated[
    RecalculationRequest,
    Body(
        openapi_examples=examples.openapi_examples(
            readme=("This year's electricity invoices", examples.RECALCULATION)
        )
    ),
]


@app.post(
    "/v1/invoices/recalculate", status_code=202, responses=responses(202, idempotent=True), tags=["Invoices"]
)
def request_recalculation(
    body: Request, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> RecalculationJob:
    return recalculation.request_recalculation(caller, body)


lambda_handler = serve(app, idempotent=True)
