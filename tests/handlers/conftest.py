"""Invoke functions in-process as API Gateway would: sample event, the authorizer, then the function."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import ROOT
from tests.faults import Fault, injected
from tests.functions import LambdaContext, load_function
from tests.streams import settle_rollups

# The functions that read the rollups, which the table's stream keeps (UpdateRollupsFunction).
ROLLUP_READERS = frozenset(
    {
        "list_invoices",
        "list_facility_invoices",
        "emissions_summary",
        "get_coverage",
        "list_supply_points",
        "get_supply_point",
        "get_inventory_report",
    }
)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


def sample_event(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / f"{name}.json").read_text())


def invoke(
    function: str,
    headers: dict[str, str],
    *,
    context: LambdaContext | None = None,
    fault: Fault | None = None,
    **request: Any,
) -> Answer:
    """Call ``function`` with ``api_event(function, headers, **request)`` (a ``fault`` is armed only
    around the function itself, not its authorizer)."""
    event = api_event(function, headers, **request)
    context = context or LambdaContext(function_name=function)
    with injected(fault) if fault else contextlib.nullcontext():
        response = load_function(function).lambda_handler(event, context)
    text, headers = response.get("body") or "", response.get("headers", {})
    if response.get("isBase64Encoded"):
        return Answer(response["statusCode"], headers, base64.b64decode(text))
    if not headers.get("Content-Type", "application/json").startswith("application/json"):
        return Answer(response["statusCode"], headers, text)  # a file: CSV
    return Answer(response["statusCode"], headers, json.loads(text) if text else None)


def api_event(
    function: str,
    headers: dict[str, str],
    *,
    path: dict[str, str] | None = None,
    query: dict[str, str | list[str]] | None = None,
    body: Any = None,
    raw_body: str | bytes | None = None,
    content_type: str | None = "application/json",
    request: str | None = None,
) -> dict[str, Any]:
    """``function``'s sample event from events/, reshaped by the arguments, as API Gateway passes it.

    ``request`` ("METHOD /path") is what the $default route is asked. ``headers`` replace the
    sample's credentials; the real authorizer function runs on them and its verdict goes into
    ``requestContext.authorizer.lambda``, as API Gateway does. A ``raw_body`` of bytes arrives
    base64-encoded, as API Gateway passes a body that is not text.
    """
    event = sample_event(function)
    event["headers"] = {
        name: value
        for name, value in event["headers"].items()
        if name not in ("x-api-key", "x-organization-id", "authorization", "if-match")
    } | {name.lower(): value for name, value in headers.items()}
    if request is not None:  # "METHOD /path": what the $default route is asked
        method, event["rawPath"] = request.split(" ", 1)
        event["requestContext"]["http"] |= {"method": method, "path": event["rawPath"]}
    if path is not None:
        event["pathParameters"] = path
        event["rawPath"] = event["requestContext"]["http"]["path"] = (
            event["routeKey"].split(" ", 1)[1].format(**path)
        )
    # API Gateway joins repeated query parameters with commas, and omits the field when there are none.
    event.pop("queryStringParameters", None)
    event["rawQueryString"] = urlencode(query or {}, doseq=True)
    if query:
        event["queryStringParameters"] = {
            name: ",".join(value) if isinstance(value, list) else value for name, value in query.items()
        }
    if body is not None:
        event["body"] = json.dumps(body)
    if isinstance(raw_body, bytes):
        event["body"], event["isBase64Encoded"] = base64.b64encode(raw_body).decode(), True
    elif raw_body is not None:
        event["body"] = raw_body
    event["headers"].pop("content-type", None)
    if content_type is not None and event.get("body") is not None:
        event["headers"]["content-type"] = content_type

    authorizer_event = copy.deepcopy(sample_event("authorizer")) | {"headers": event["headers"]}
    verdict = load_function("authorizer").lambda_handler(authorizer_event, LambdaContext())
    assert verdict["isAuthorized"] is True, "the authorizer always lets the function render the verdict"
    event["requestContext"]["authorizer"] = {"lambda": verdict["context"]}

    event["requestContext"]["requestId"] = str(uuid.uuid4())  # each request its own, as API Gateway gives
    return event


def settled_invoke(function: str, headers: dict[str, str], **request: Any) -> Answer:
    """``invoke``, a reader of the rollups finding them as it would a moment after the writes before
    it: the table's stream applied (UpdateRollupsFunction)."""
    if function in ROLLUP_READERS:
        settle_rollups()
    return invoke(function, headers, **request)


@pytest.fixture
def api(tenants):
    """The in-process API over a moto table holding the seeded tenants."""
    return settled_invoke
