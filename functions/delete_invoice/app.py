"""DELETE /v1/invoices/{invoice_id}: delete an invoice (a distributed one with its children)."""

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from carbon_accounting.api import CurrentCaller, create_app, refuse_on_invoice_siblings, responses, serve
from carbon_accounting.invoices import lifecycle

app = create_app()
refuse_on_invoice_siblings(app, "DELETE")


@app.delete("/v1/invoices/<invoice_id>", responses=responses(204, 404, 409), tags=["Invoices"])
def delete_invoice(invoice_id: UUID, caller: CurrentCaller) -> Response[None]:
    lifecycle.delete_invoice(caller, invoice_id)
    return Response(status_code=204)


lambda_handler = serve(app)
