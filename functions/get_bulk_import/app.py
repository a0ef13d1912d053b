"""GET /v1/invoices/bulk/{job_id}: a bulk import's progress, errors and error report."""

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from carbon_accounting.api import CurrentCaller, create_app, responses, serve, versioned
from carbon_accounting.intake import imports
from carbon_accounting.models import ImportJob

app = create_app()


@app.get("/v1/invoices/bulk/<job_id>", responses=responses(200, 404), tags=["Invoices"])
def get_bulk_import(job_id: UUID, caller: CurrentCaller) -> Response[ImportJob]:
    return versioned(imports.get_import(caller, job_id))


lambda_handler = serve(app)
