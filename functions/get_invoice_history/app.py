"""GET /v3/invoices/{invoice_id}/history: the invoice's figures after each calculation, oldest first."""

from uuid import UUID

from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.invoices import history
from carbon_accounting.invoices.history import HistoryEntry

app = create_app()


@app.get("/v3/invoices/<invoice_id>/history", responses=responses(200, 404), tags=["Invoices"])
def get_invoice_history(invoice_id: UUID, caller: CurrentCaller) -> list[HistoryEntry]:
    return history.invoice_history(caller, invoice_id)


lambda_handler = serve(app)
