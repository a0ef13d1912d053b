"""The HTTP API's $default route: what no route serves answers in the API's format.

A path the API has, asked with a method it does not serve, answers 405 with ``Allow`` naming the
methods it does; any other path answers 404. The paths are read from the API's own document
(``openapi.json`` links to docs/openapi.json, which a test keeps equal to template.yaml's routes).
"""

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from carbon_accounting.api import create_app, error_response, serve
from carbon_accounting.errors import MethodNotAllowed, NotFound

app = create_app()  # no routes: every request takes the not-found answer below


@cache
def _paths() -> list[tuple[re.Pattern[str], str]]:
    """Each path of the document as a pattern (``{id}`` is one segment), with its ``Allow`` value;
    the most specific first, as API Gateway picks them (``/v1/invoices/bulk`` before
    ``/v1/invoices/{invoice_id}``)."""
    paths = json.loads(Path(__file__).with_name("openapi.json").read_text())["paths"]
    return [
        (
            re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"),
            ", ".join(map(str.upper, ops)),
        )
        for path, ops in sorted(paths.items(), key=lambda item: item[0].count("{"))
    ]


@app.not_found
def _not_served(_: NotFoundError) -> Response[Any]:
    event = app.current_event
    allow = next((methods for pattern, methods in _paths() if pattern.match(event.path)), None)
    if allow is None:
        return error_response(NotFound("Not found", "NOT_FOUND"))
    refusal = MethodNotAllowed(f"{event.http_method} is not allowed here; use {allow}", "METHOD_NOT_ALLOWED")
    return error_response(refusal, {"Allow": allow})


lambda_handler = serve(app)
