"""POST /v1/invoices/recalculate: queue a recalculation of invoices by id or by a filter (202)."""

from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.invoices import recalculation
from carbon_accounting.invoices.recalculation import RecalculationJob, RecalculationRequest

app = create_app()


@app.post("/v1/invoices/recalculate", status_code=202, responses=responses(202), tags=["Invoices"])
def request_recalculation(body: RecalculationRequest, caller: CurrentCaller) -> RecalculationJob:
    return recalculation.request_recalculation(caller, body)


lambda_handler = serve(app)
