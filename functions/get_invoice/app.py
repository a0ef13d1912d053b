"""GET /v3/invoices/{invoice_id}: one invoice, shaped by its type."""

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from carbon_accounting.api import CurrentCaller, create_app, responses, serve, versioned
from carbon_accounting.invoices import reading
from carbon_accounting.invoices.models import Invoice

app = create_app()


@app.get("/v3/invoices/<invoice_id>", responses=responses(200, 404), tags=["Invoices"])
def get_invoice(invoice_id: UUID, caller: CurrentCaller) -> Response[Invoice]:
    return versioned(reading.get_invoice(caller, invoice_id))


lambda_handler = serve(app)
