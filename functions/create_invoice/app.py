"""POST /api/v1/invoices (and POST /v1/invoices): register an invoice, single or distributed."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.metrics import MetricUnit

from carbon_accounting import examples
from carbon_accounting.api import (
    CurrentCaller,
    IdempotencyKey,
    create_app,
    metrics,
    responses,
    serve,
    versioned,
)
from carbon_accounting.invoices import lifecycle
from carbon_accounting.invoices.models import Invoice, InvoiceCreate

app = create_app()
NewInvoice = Annotated[
    InvoiceCreate,
    Body(
        openapi_examples=examples.openapi_examples(
            single=("One facility's electricity invoice", examples.SINGLE_INVOICE),
            distributed=(
                "A heat invoice split 60/40 with a subsidiary's facility",
                examples.DISTRIBUTED_INVOICE,
            ),
        )
    ),
]
UserId = Annotated[UUID | None, Header(alias="x-user-id", description="The user creating the invoice")]


@app.post(
    "/api/v1/invoices",
    status_code=201,
    responses=responses(201, 403, 404, idempotent=True),
    tags=["Invoices"],
)
@app.post(
    "/v1/invoices", status_code=201, responses=responses(201, 403, 404, idempotent=True), tags=["Invoices"]
)
def create_invoice(
    body: NewInvoice,
    caller: CurrentCaller,
    user_id: UserId = None,
    idempotency_key: IdempotencyKey = None,
) -> Response[Invoice]:
    invoice = lifecycle.create_invoice(caller, body, user_id)
    metrics.add_metric(name="InvoiceCreated", unit=MetricUnit.Count, value=1)
    return versioned(invoice, 201, headers={"Location": f"/v3/invoices/{invoice.id}"})


lambda_handler = serve(app, idempotent=True)
