"""POST /v1/invoices/bulk: start a bulk import and get the presigned POST its CSV is uploaded with."""

from carbon_accounting import imports
from carbon_accounting.api import CurrentCaller, create_app, responses, serve
from carbon_accounting.models import ImportCreated, ImportRequest

app = create_app()


@app.post("/v1/invoices/bulk", status_code=201, responses=responses(201), tags=["Invoices"])
def create_bulk_import(body: ImportRequest, caller: CurrentCaller) -> ImportCreated:
    return imports.create_import(caller, body)


lambda_handler = serve(app)
