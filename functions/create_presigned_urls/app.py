"""POST /v1/files/presigned-urls: announce 1 to 10 files and get a presigned POST to upload each."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from carbon_accounting import examples, files
from carbon_accounting.api import CurrentCaller, IdempotencyKey, create_app, responses, serve
from carbon_accounting.models import MAX_FILES_PER_REQUEST, FileRequest, FileUpload

app = create_app()
FileRequests = Annotated[
    list[FileRequest],
    Body(
        min_length=1,
        max_length=MAX_FILES_PER_REQUEST,
        openapi_examples=examples.openapi_examples(readme=("A PDF bill", examples.FILES)),
    ),
]


@app.post(
    "/v1/files/presigned-urls", status_code=201, responses=responses(201, idempotent=True), tags=["Files"]
)
def create_presigned_urls(
    body: FileRequests, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> list[FileUpload]:
    return files.announce_files(caller, body)


lambda_handler = serve(app, idempotent=True)
