"""GET /v1/files/{file_id}: a file's upload status, and a fresh download link once uploaded."""

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from carbon_accounting import files
from carbon_accounting.api import CurrentCaller, create_app, responses, serve, versioned
from carbon_accounting.models import File

app = create_app()


@app.get("/v1/files/<file_id>", responses=responses(200, 404), tags=["Files"])
def get_file(file_id: UUID, caller: CurrentCaller) -> Response[File]:
    return versioned(files.get_file(caller, file_id))


lambda_handler = serve(app)
