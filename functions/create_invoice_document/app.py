"""POST /v1/invoices/documents: an invoice to be read from a PDF bill, and the presigned POST to upload it."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import examples
from carbon_accounting.api import CurrentCaller, IdempotencyKey, create_app, responses, serve
from carbon_accounting.intake.documents import drafts
from carbon_accounting.invoices.models import DocumentRequest, DocumentUpload

app = create_app()
NewDocument = Annotated[
    DocumentRequest,
    Body(openapi_examples=examples.openapi_examples(bill=("A Spanish electricity bill", examples.DOCUMENT))),
]


@app.post(
    "/v1/invoices/documents", status_code=201, responses=responses(201, idempotent=True), tags=["Invoices"]
)
def create_invoice_document(
    body: NewDocument, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> DocumentUpload:
    return drafts.announce_document(caller, body)


lambda_handler = serve(app, idempotent=True)
