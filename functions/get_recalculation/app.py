"""GET /v1/invoices/recalculate/{job_id}: a requested recalculation's progress and result."""

from uuid import UUID

from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.invoices import recalculation
from carbon_accounting.invoices.recalculation import RecalculationJob

app = create_app()


@app.get("/v1/invoices/recalculate/<job_id>", responses=responses(200, 404), tags=["Invoices"])
def get_recalculation(job_id: UUID, caller: CurrentCaller) -> RecalculationJob:
    return recalculation.get_recalculation(caller, job_id)


lambda_handler = serve(app)
