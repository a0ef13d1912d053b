"""An API Gateway HTTP API (payload format 2.0) in front of the local functions.

`Gateway.handle` turns an `HttpRequest` into the event API Gateway would send (route match, path
parameters, comma-joined repeated headers and query parameters, cookies, base64 bodies), applies
the route's Lambda authorizer, invokes the function and maps its response back to HTTP, with API
Gateway's error answers. `Gateway.start` serves it over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local import cors
from local.authorizer import LambdaAuthorizer
from local.aws import ACCOUNT_ID, REGION
from local.functions import FunctionError, FunctionTimeout, Invoke
from local.net import LOOPBACK
from local.routing import RouteMatch, Router
from local.template import HttpApi

logger = logging.getLogger(__name__)

STAGE = "$default"
# Framing is the server's business: these headers of a function response are not passed on.
FRAMING_HEADERS = ("content-length", "transfer-encoding", "connection")
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as received: `target` is the raw request target (path and query)."""

    method: str
    target: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = LOOPBACK
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response to send back."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header `name` (any case), if any."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


class MalformedResponse(ValueError):
    """A function answered something API Gateway cannot turn into an HTTP response."""


def message_response(status: int, message: str) -> HttpResponse:
    """API Gateway's own JSON answers, e.g. 403 ``{"message": "Forbidden"}``."""
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("content-type", "application/json")], body)


def _is_text(content_type: str, body: bytes) -> bool:
    """Whether API Gateway passes the body as text (else it base64-encodes it)."""
    media_type = content_type.split(";")[0].strip().lower()
    textual = not media_type or media_type.startswith(TEXT_TYPES) or media_type.endswith(("+json", "+xml"))
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return textual


def joined_headers(raw_headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased header names; repeated headers joined with commas, as in payload format 2.0."""
    headers: dict[str, str] = {}
    for name, value in raw_headers:
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers


def query_parameters(raw_query: str) -> dict[str, str]:
    """Decoded query parameters; repeated keys joined with commas, as API Gateway does."""
    parameters: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        parameters[key] = f"{parameters[key]},{value}" if key in parameters else value
    return parameters


def request_event(
    api: HttpApi, match: RouteMatch, request: HttpRequest, *, request_id: str, port: int | None = None
) -> dict[str, Any]:
    """The payload format 2.0 event of `request` for its matched route."""
    url = urlsplit(request.target)
    path = unquote(url.path)  # HTTP APIs hand functions the decoded path
    headers = joined_headers((name, value) for name, value in request.headers if name.lower() != "cookie")
    headers.setdefault("x-forwarded-for", request.source_ip)
    headers.setdefault("x-forwarded-proto", "http")
    if port is not None:
        headers.setdefault("x-forwarded-port", str(port))
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}")
    cookies = [
        cookie.strip()
        for name, value in request.headers
        if name.lower() == "cookie"
        for cookie in value.split(";")
        if cookie.strip()
    ]
    now = datetime.now(UTC)
    domain = headers.get("host", LOOPBACK)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route.route_key,
        "rawPath": path,
        "rawQueryString": url.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if url.query:
        event["queryStringParameters"] = query_parameters(url.query)
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": api.api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".")[0],
        "http": {
            "method": request.method,
            "path": path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": match.route.route_key,
        "stage": STAGE,
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    if request.body:
        text = _is_text(headers.get("content-type", ""), request.body)
        event["body"] = request.body.decode() if text else base64.b64encode(request.body).decode()
        event["isBase64Encoded"] = not text
    else:
        event["isBase64Encoded"] = False
    return event


def integration_response(result: Any) -> HttpResponse:
    """Map a function's payload format 2.0 response to HTTP.

    Anything but an object with a statusCode is taken as a JSON body with status 200, as API
    Gateway does. Raises MalformedResponse when the response cannot be mapped.
    """
    if not isinstance(result, dict) or "statusCode" not in result:
        return HttpResponse(200, [("content-type", "application/json")], json.dumps(result).encode())
    status = result["statusCode"]
    body = result.get("body") or ""
    if not isinstance(status, int) or not 100 <= status <= 599 or not isinstance(body, str):
        raise MalformedResponse(f"statusCode must be an HTTP status and body a string: {result!r}")
    # Header names keep the function's case (HTTP does not care, some clients' dicts do).
    headers = [(name, str(value)) for name, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(name, str(value)) for value in values]
    headers += [("set-cookie", cookie) for cookie in result.get("cookies") or []]
    if all(name.lower() != "content-type" for name, _ in headers):
        headers.append(("content-type", "text/plain; charset=utf-8"))  # API Gateway's default
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return HttpResponse(status, headers, data)


class Gateway:
    """API Gateway emulation for one HttpApi; `handle` is the whole request pipeline."""

    def __init__(self, api: HttpApi, invoke: Invoke) -> None:
        self.api = api
        self._invoke = invoke
        self._router = Router(api.routes)
        self._authorizers = {
            name: LambdaAuthorizer(config, invoke) for name, config in api.authorizers.items()
        }
        unsupported = [route.route_key for route in api.routes if route.payload_format != "2.0"]
        if unsupported:
            raise ValueError(f"only payload format 2.0 is emulated; not: {', '.join(unsupported)}")
        self._server: ThreadingHTTPServer | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        """Base URL of the running server."""
        return f"http://{LOOPBACK}:{self.port}"

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request as API Gateway would."""
        started = time.monotonic()
        request_id = base64.b64encode(uuid.uuid4().bytes[:10]).decode()  # API Gateway's id style
        try:
            answer, route_key = self._answer(request, request_id)
        except Exception:  # a bug here must still answer, as API Gateway always does
            logger.exception("%s %s failed", request.method, request.target)
            answer, route_key = message_response(500, "Internal Server Error"), None
        response = replace(answer, headers=[*answer.headers, ("apigw-requestid", request_id)])
        logger.info(
            "%s %s -> %d (%s, %.0f ms)",
            request.method,
            request.target,
            response.status,
            route_key or "no route",
            (time.monotonic() - started) * 1000,
        )
        return response

    def _answer(self, request: HttpRequest, request_id: str) -> tuple[HttpResponse, str | None]:
        headers = joined_headers(request.headers)
        if self.api.cors and cors.is_preflight(request.method, headers):
            return HttpResponse(204, cors.preflight_headers(self.api.cors, headers)), None
        match = self._router.match(request.method, unquote(urlsplit(request.target).path))
        if match is None:
            return message_response(404, "Not Found"), None
        event = request_event(self.api, match, request, request_id=request_id, port=self.port)
        response = self._call(match, event)
        if self.api.cors:
            response = replace(
                response, headers=cors.response_headers(self.api.cors, headers, response.headers)
            )
        return response, match.route.route_key

    def _call(self, match: RouteMatch, event: dict[str, Any]) -> HttpResponse:
        route = match.route
        if route.authorizer is not None:
            route_arn = (
                f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{self.api.api_id}/{STAGE}/"
                f"{event['requestContext']['http']['method']}{event['rawPath']}"
            )
            decision = self._authorizers[route.authorizer].authorize(event, route_arn)
            if not decision.allowed:
                return message_response(decision.status, decision.message)
            # A new dict: the authorizer's event shares the original requestContext.
            event["requestContext"] = {
                **event["requestContext"],
                "authorizer": {"lambda": dict(decision.context)},
            }
        try:
            return integration_response(self._invoke(route.function_id, event))
        except FunctionTimeout as error:
            logger.error("%s: %s", route.function_id, error)
            return message_response(503, "Service Unavailable")
        except (FunctionError, MalformedResponse) as error:
            logger.error("%s: %s", route.function_id, error)
            return message_response(500, "Internal Server Error")

    def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1:`port` (0 picks a free port) in a background thread."""
        self._server = ThreadingHTTPServer((LOOPBACK, port), _RequestHandler)
        self._server.daemon_threads = True
        self._server.gateway = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True).start()

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _RequestHandler(BaseHTTPRequestHandler):
    """Adapts http.server to `Gateway.handle`."""

    protocol_version = "HTTP/1.1"  # keep-alive, as API Gateway
    server_version = "local-api-gateway"
    sys_version = ""

    def _serve(self) -> None:
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=self._read_body(),
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        response: HttpResponse = self.server.gateway.handle(request)  # type: ignore[attr-defined]
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in FRAMING_HEADERS:
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's access log: `Gateway.handle` logs each request."""
