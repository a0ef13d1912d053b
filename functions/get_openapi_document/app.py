"""GET /openapi.json: the API's OpenAPI document, public (no credentials), as committed in docs/.

``openapi.json`` here links to docs/openapi.json; ``sam build`` copies the file it links to. The
document is read once per container and served as it is.
"""

from functools import cache
from pathlib import Path

from aws_lambda_powertools.event_handler import Response, content_types

from carbon_accounting.api import create_app, serve

app = create_app()


@cache
def _document() -> str:
    return Path(__file__).with_name("openapi.json").read_text()


@app.get(
    "/openapi.json",
    responses={200: {"description": "The OpenAPI 3.1 document", "content": {"application/json": {}}}},
    tags=["Documentation"],
    summary="The API's OpenAPI document",
)
def get_openapi_document() -> Response[str]:
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=_document(),
        headers={"Cache-Control": "public, max-age=300"},
    )


lambda_handler = serve(app, public=True)
