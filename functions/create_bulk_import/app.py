"""POST /v1/invoices/bulk: start a bulk import and get the presigned POST its CSV is uploaded with."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import examples
from carbon_accounting.api import CurrentCaller, IdempotencyKey, create_app, responses, serve
from carbon_accounting.intake import imports
from carbon_accounting.models import ImportCreated, ImportRequest

app = create_app()
Import = Annotated[
    ImportRequest,
    Body(
        openapi_examples=examples.openapi_examples(
            readme=("docs/bulk-import-sample.csv", examples.BULK_IMPORT)
        )
    ),
]


@app.post("/v1/invoices/bulk", status_code=201, responses=responses(201, idempotent=True), tags=["Invoices"])
def create_bulk_import(
    body: Import, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> ImportCreated:
    return imports.create_import(caller, body)


lambda_handler = serve(app, idempotent=True)
