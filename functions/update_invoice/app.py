"""PATCH /v1/invoices/{invoice_id}: a partial update; an emissions change recomputes the invoice."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import examples
from carbon_accounting.api import (
    CurrentCaller,
    IfMatch,
    create_app,
    refuse_on_invoice_siblings,
    responses,
    serve,
    versioned,
)
from carbon_accounting.invoices import lifecycle
from carbon_accounting.invoices.models import Invoice, InvoiceUpdate

app = create_app()
refuse_on_invoice_siblings(app, "PATCH")
Changes = Annotated[
    InvoiceUpdate,
    Body(
        openapi_examples=examples.openapi_examples(
            readme=("Correct the quantity (recomputed; If-Match optional)", examples.INVOICE_UPDATE)
        )
    ),
]


@app.patch("/v1/invoices/<invoice_id>", responses=responses(200, 404, 409, 412), tags=["Invoices"])
def update_invoice(
    invoice_id: UUID,
    body: Changes,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> Response[Invoice]:
    return versioned(lifecycle.update_invoice(caller, invoice_id, body, if_match))


lambda_handler = serve(app)
