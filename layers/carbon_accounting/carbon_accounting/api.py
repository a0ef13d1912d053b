"""HTTP plumbing every API function shares: the resolver, error rendering and the entrypoint.

A function's ``app.py`` is ``app = create_app()``, its routes, and ``lambda_handler = serve(app)``.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Callable
from http import HTTPStatus
from typing import Annotated, Any, Protocol, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.request import Request
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from carbon_accounting import aws, idempotency, versions
from carbon_accounting.auth import caller_from_event
from carbon_accounting.errors import ApiError, InternalError, MethodNotAllowed, NotFound, RetryLater
from carbon_accounting.models import Caller, ErrorBody, ValidationErrorBody


class Versioned(Protocol):
    version: int


logger = Logger()
metrics = Metrics()
# Most calls emit no business metric; the per-call warning about it would only be noise in the logs.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def responses(status: int, *errors: int, idempotent: bool = False) -> dict[int, OpenAPIResponse]:
    """OpenAPI ``responses`` of a route: its success (shaped by the handler's return annotation),
    400/401/403/413/415/422 (any request can carry a body that ``serve`` refuses), 503 (any call
    to AWS can be throttled), and the other ``errors`` it answers; an ``idempotent`` route's 409 and
    422 name the Idempotency-Key's codes."""
    success: OpenAPIResponse = {"description": HTTPStatus(status).phrase}
    if status == HTTPStatus.NO_CONTENT:
        success["content"] = {}  # no body, so no media type (not the return annotation's JSON null)
    described: dict[int, OpenAPIResponse] = {status: success}
    conflict, invalid = "Conflict with the resource's state", "Request validation error"
    if idempotent:
        conflict = (
            "A request with this Idempotency-Key is still in progress (REQUEST_IN_PROGRESS): see Retry-After"
        )
        invalid = "Request validation error, or the Idempotency-Key reused (IDEMPOTENCY_KEY_REUSED)"
    for code, description, body in [
        (400, "Bad request", ErrorBody),
        (401, "Invalid API key or token", ErrorBody),
        (403, "Not authorized for this organization", ErrorBody),
        (404, "Not found", ErrorBody),
        (409, conflict, ErrorBody),
        (412, "Version conflict", ErrorBody),
        (413, "Body over the size limit (PAYLOAD_TOO_LARGE)", ErrorBody),
        (415, "Body not sent as application/json (UNSUPPORTED_MEDIA_TYPE)", ErrorBody),
        (422, invalid, ValidationErrorBody),
        (
            503,
            "Busy: AWS throttled us, or a write met another (SERVICE_UNAVAILABLE); see Retry-After",
            ErrorBody,
        ),
    ]:
        if code in {400, 401, 403, 413, 415, 422, 503, *errors} or (idempotent and code == 409):
            described[code] = {"description": description, "content": {"application/json": {"model": body}}}
    return described


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers
    )


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> Response[Any]:
    """``{"detail", "code"}`` with the error's status and headers."""
    return _json(error.status, error.body(), {**error.headers(), **(headers or {})})


# The literal paths beside /v1/invoices/{invoice_id}, with the methods they serve. API Gateway sends
# their other methods to {invoice_id}'s routes (PATCH /v1/invoices/bulk is PATCH of invoice "bulk"),
# so those functions answer them 405, as the $default route answers any path's unserved method.
INVOICE_SIBLINGS = {
    "/v1/invoices/bulk": "POST",
    "/v1/invoices/documents": "POST",
    "/v1/invoices/recalculate": "POST",
}


def refuse_on_invoice_siblings(app: APIGatewayHttpResolver, method: str) -> None:
    """Register, before ``/v1/invoices/<invoice_id>``'s ``method`` route, a 405 for each sibling path."""
    for path, allow in INVOICE_SIBLINGS.items():
        app.route(path, method=method, include_in_schema=False)(_refusal(method, allow))


def _refusal(method: str, allow: str) -> Callable[[], Response[Any]]:
    def refuse() -> Response[Any]:
        refusal = MethodNotAllowed(f"{method} is not allowed here; use {allow}", "METHOD_NOT_ALLOWED")
        return error_response(refusal, {"Allow": allow})

    return refuse


def _validation_error(error: RequestValidationError) -> Response[Any]:
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
    return _json(HTTPStatus.UNPROCESSABLE_ENTITY, {"detail": detail, "code": "VALIDATION_ERROR"})


def _route_not_found(_: NotFoundError) -> Response[Any]:
    return error_response(NotFound("Not found", "NOT_FOUND"))


def _fault(error: BaseException) -> ApiError:
    """A fault of AWS or of ours, logged with the correlation id and never detailed: throttling (or a
    transaction conflict) is 503 ``SERVICE_UNAVAILABLE`` with ``Retry-After``; anything else is 500
    ``INTERNAL_ERROR``, naming the correlation id that finds its log lines."""
    if aws.is_throttling(error):
        logger.warning("Throttled by AWS", exc_info=error)
        return RetryLater(
            HTTPStatus.SERVICE_UNAVAILABLE, "The service is busy: retry after a second", "SERVICE_UNAVAILABLE"
        )
    logger.exception("Unhandled error", exc_info=error)
    return InternalError(
        f"Internal server error (correlation id {logger.get_correlation_id()})", "INTERNAL_ERROR"
    )


def fault_response(error: Exception) -> Response[Any]:
    return error_response(_fault(error))


def versioned(
    resource: Versioned, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response[Any]:
    """A resource's answer, with its ``version`` as the ETag that ``If-Match`` sends back."""
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=resource,
        headers={"ETag": f'"{resource.version}"', **(headers or {})},
    )


def create_app() -> APIGatewayHttpResolver:
    """A validating resolver whose errors all answer ``{"detail": ..., "code": ...}``."""
    app = APIGatewayHttpResolver(enable_validation=True)
    app.exception_handler(ApiError)(error_response)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.not_found(_route_not_found)
    app.exception_handler(Exception)(fault_response)
    return app


def _current_caller(request: Request) -> Caller:
    return caller_from_event(request.resolved_event.raw_event)


CurrentCaller = Annotated[Caller, Depends(_current_caller)]
"""A route parameter of this type receives the authenticated caller."""
IfMatch = Annotated[
    str | None,
    Header(
        alias="if-match",
        description='The version to update (the ETag), e.g. "3"; without it the update is unconditional',
        json_schema_extra={"pattern": versions.IF_MATCH_PATTERN},
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=idempotency.HEADER,
        description=(
            "Makes the create safe to retry: the same key and body within 24 hours answer the first "
            "response (with Idempotent-Replayed: true) and create nothing; another body is 422 "
            "IDEMPOTENCY_KEY_REUSED; while the first is running, 409 REQUEST_IN_PROGRESS with Retry-After"
        ),
        pattern=idempotency.KEY_PATTERN,
    ),
]
"""A creating route's Idempotency-Key: declared (and so validated and documented) by the route,
acted on by ``serve`` (``idempotent=True``) around it."""


# ------------------------------------------------------------------ request bodies

MAX_BODY_BYTES = 256 * 1024  # the largest body a route takes is far smaller (1,000 invoice ids: 40 KB)
MAX_JSON_DEPTH = 32  # the deepest body a route takes is 4 levels (an invoice's facility_percentages)


class _BodyRefused(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body


def _invalid_body(message: str, kind: str = "json_invalid") -> _BodyRefused:
    detail = [{"loc": ["body"], "msg": message, "type": kind}]
    return _BodyRefused(HTTPStatus.UNPROCESSABLE_ENTITY, {"detail": detail, "code": "VALIDATION_ERROR"})


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _depth(document: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON document (iteratively: no recursion)."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
            pending.extend((child, depth + 1) for child in children)
    return deepest


def _check_body(event: dict[str, Any]) -> Any:
    """Hold a request's body to what every route takes: at most ``MAX_BODY_BYTES`` of UTF-8 JSON,
    ``Content-Type: application/json`` (any charset parameter, any case), nested at most
    ``MAX_JSON_DEPTH`` deep. On success the event carries the body as text, for the resolver, and
    the parsed document (None without a body) is returned.
    """
    body = event.get("body")
    if not body:
        return None
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            raise _invalid_body("the body is not valid base64") from None
    else:
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        detail = f"The body is {len(raw):,} bytes; a request takes at most {MAX_BODY_BYTES:,}"
        raise _BodyRefused(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"detail": detail, "code": "PAYLOAD_TOO_LARGE"}
        )
    headers = event.get("headers") or {}
    content_type = next((value for name, value in headers.items() if name.lower() == "content-type"), "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != content_types.APPLICATION_JSON:
        sent = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
        detail = f"The body must be JSON, sent as Content-Type: application/json ({sent} was sent)"
        raise _BodyRefused(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"detail": detail, "code": "UNSUPPORTED_MEDIA_TYPE"}
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _invalid_body(f"the body is not UTF-8 (byte {error.start}): JSON is sent as UTF-8") from None
    try:
        document = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise _invalid_body(f"JSON nested more than {MAX_JSON_DEPTH} deep", "json_too_deep") from None
    except ValueError as error:
        raise _invalid_body(f"the body is not valid JSON: {error}") from None
    if _depth(document) > MAX_JSON_DEPTH:
        raise _invalid_body(f"JSON nested more than {MAX_JSON_DEPTH} deep", "json_too_deep")
    event["body"], event["isBase64Encoded"] = text, False
    event["headers"] = {name: value for name, value in headers.items() if name.lower() != "content-type"} | {
        "content-type": content_types.APPLICATION_JSON
    }
    return document


def _plain_answer(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A response given outside routing (the resolver never saw the request, or saw it once before)."""
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": content_types.APPLICATION_JSON, **(headers or {})},
        "body": json.dumps(body, separators=(",", ":")),
    }


def serve(
    app: APIGatewayHttpResolver, public: bool = False, idempotent: bool = False
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda handler of an API function.

    The authorizer's verdict is enforced before routing, so an unauthenticated or foreign-tenant
    request is answered 401/403 before its body or parameters are even validated; then the body is
    held to ``_check_body`` (413, 415, 422), the same for every function. A ``public`` function's
    route has no authorizer (template.yaml: ``Auth: {Authorizer: NONE}``), so there is no verdict.
    An ``idempotent`` function (one that creates) answers a request sent with an Idempotency-Key
    once (``carbon_accounting.idempotency``); its routes declare the header as ``IdempotencyKey``.
    """

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            caller = None if public else caller_from_event(event)
            document = _check_body(event)
            key = idempotency.key_of(event) if idempotent and caller else None
            if key is None or caller is None:
                return app.resolve(event, context)
            return idempotency.answer_once(
                event, document, context, caller.organization_id, key, lambda: app.resolve(event, context)
            )
        except ApiError as denial:
            return _plain_answer(denial.status, denial.body(), denial.headers())
        except _BodyRefused as refused:
            return _plain_answer(refused.status, refused.body)
        except Exception as fault:  # the idempotency record's own reads and writes
            error = _fault(fault)
            return _plain_answer(error.status, error.body(), error.headers())

    # Powertools' decorators are untyped: the handler they return is this function, decorated.
    return cast(Callable[[dict[str, Any], LambdaContext], dict[str, Any]], lambda_handler)
