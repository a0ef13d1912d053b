"""PATCH /v1/invoices/{invoice_id}: a partial update; an emissions change recomputes the invoice."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from carbon_accounting.api import CurrentCaller, create_app, responses, serve, versioned
from carbon_accounting.invoices import lifecycle
from carbon_accounting.invoices.models import Invoice, InvoiceUpdate

app = create_app()


@app.patch("/v1/invoices/<invoice_id>", responses=responses(200, 404, 409, 412), tags=["Invoices"])
def update_invoice(
    invoice_id: UUID,
    body: InvoiceUpdate,
    caller: CurrentCaller,
    if_match: Annotated[str | None, Header(alias="if-match", description="The version to update")] = None,
) -> Response[Invoice]:
    return versioned(lifecycle.update_invoice(caller, invoice_id, body, if_match))


lambda_handler = serve(app)
