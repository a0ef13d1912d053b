"""An API Gateway HTTP API (payload format 2.0) in front of the local functions.

`Gateway.handle` turns an `HttpRequest` into the event API Gateway would send (route match, path
parameters, comma-joined repeated headers and query parameters, cookies, base64 bodies), applies
the route's Lambda authorizer (simple responses), invokes the function and maps its response back
to HTTP, with API Gateway's own error answers. `Gateway.serve` serves it over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local.aws import ACCOUNT_ID, REGION
from local.functions import FunctionError, FunctionTimeout, Invoke
from local.net import LOOPBACK, QuietHandler, serve_http
from local.template import DEFAULT_ROUTE, HttpApi, Route

logger = logging.getLogger(__name__)

STAGE = "$default"
# API Gateway HTTP API quotas: a payload of 10 MB, request line and headers of 10 KB.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
MAX_HEADER_BYTES = 10 * 1024
# Framing is the server's business: these headers of a function response are not passed on.
FRAMING_HEADERS = ("content-length", "transfer-encoding", "connection")
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
# The fields an authorizer's REQUEST event shares with the route's event, when present.
AUTHORIZER_EVENT_FIELDS = (
    "routeKey",
    "rawPath",
    "rawQueryString",
    "cookies",
    "headers",
    "queryStringParameters",
    "requestContext",
    "pathParameters",
)


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as received: `target` is the raw request target (path and query)."""

    method: str
    target: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = LOOPBACK
    protocol: str = "HTTP/1.1"
    port: int | None = None  # the port it came in on, when served over HTTP


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response to send back."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header `name` (any case), if any."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


Site = Callable[[HttpRequest], HttpResponse | None]  # a page for a request, or None: not ours


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


def _comma_joined(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Repeated names joined with commas, as payload format 2.0 has headers and query parameters."""
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def _compile(route: Route) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """The pattern of a route's path (a group per ``{variable}`` segment) and its variable names."""
    parts, names = [], []
    for segment in route.path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            names.append(segment[1:-1])
            parts.append("([^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("/" + "/".join(parts)), tuple(names)


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
    headers += [("set-cookie", cookie) for cookie in result.get("cookies") or []]
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    if data and all(name.lower() != "content-type" for name, _ in headers):
        headers.append(("content-type", "text/plain; charset=utf-8"))  # API Gateway's default
    return HttpResponse(status, headers, data)


class Gateway:
    """API Gateway emulation for the HttpApi; `handle` is the whole request pipeline."""

    def __init__(self, api: HttpApi, invoke: Invoke, site: Site | None = None) -> None:
        self.api = api
        self._invoke = invoke
        self._site = site  # pages served beside the API (make dev's /docs), before any route
        self._default = next((route for route in api.routes if route.path == DEFAULT_ROUTE), None)
        # API Gateway picks the most specific route: fewer path variables, then a method over ANY.
        routes = sorted(
            (route for route in api.routes if route.path != DEFAULT_ROUTE),
            key=lambda route: (route.path.count("{"), route.method == "ANY"),
        )
        self._routes = [(route, *_compile(route)) for route in routes]

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

    def serve(self, port: int = 0) -> AbstractContextManager[str]:
        """Serve over HTTP on 127.0.0.1:`port` (0: a free port) for a with block, which gets the URL."""

        class GatewayHandler(_RequestHandler):
            gateway = self

        return serve_http(GatewayHandler, port)

    def _answer(self, request: HttpRequest, request_id: str) -> tuple[HttpResponse, str | None]:
        page = self._site(request) if self._site else None
        if page is not None:
            return page, None
        match = self._match(request.method, unquote(urlsplit(request.target).path))
        if match is None:
            return message_response(404, "Not Found"), None
        route, path_parameters = match
        event = self._event(request, route, path_parameters, request_id)
        if route.authorizer is not None:
            context = self._authorize(self.api.authorizers[route.authorizer], event)
            if isinstance(context, HttpResponse):
                return context, route.route_key
            # A new dict: the authorizer's event shares the original requestContext.
            event["requestContext"] = {**event["requestContext"], "authorizer": {"lambda": context}}
        try:
            return integration_response(self._invoke(route.function_id, event)), route.route_key
        except FunctionTimeout as error:
            logger.error("%s: %s", route.function_id, error)
            return message_response(503, "Service Unavailable"), route.route_key
        except (FunctionError, MalformedResponse) as error:
            logger.error("%s: %s", route.function_id, error)
            return message_response(500, "Internal Server Error"), route.route_key

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for `method` and (decoded) `path` with its path parameters; else $default, if any."""
        for route, pattern, names in self._routes:
            found = pattern.fullmatch(path) if route.method in (method, "ANY") else None
            if found:
                return route, dict(zip(names, found.groups(), strict=True))
        return (self._default, {}) if self._default else None

    def _event(
        self, request: HttpRequest, route: Route, path_parameters: dict[str, str], request_id: str
    ) -> dict[str, Any]:
        """The payload format 2.0 event of `request` for its route."""
        url = urlsplit(request.target)
        path = unquote(url.path)  # HTTP APIs hand functions the decoded path
        headers = _comma_joined(
            (name.lower(), value) for name, value in request.headers if name.lower() != "cookie"
        )
        headers.setdefault("x-forwarded-for", request.source_ip)
        headers.setdefault("x-forwarded-proto", "http")
        if request.port is not None:
            headers.setdefault("x-forwarded-port", str(request.port))
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
            "routeKey": route.route_key,
            "rawPath": path,
            "rawQueryString": url.query,
        }
        if cookies:
            event["cookies"] = cookies
        event["headers"] = headers
        if url.query:
            event["queryStringParameters"] = _comma_joined(parse_qsl(url.query, keep_blank_values=True))
        event["requestContext"] = {
            "accountId": ACCOUNT_ID,
            "apiId": self.api.api_id,
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
            "routeKey": route.route_key,
            "stage": STAGE,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        }
        if path_parameters:
            event["pathParameters"] = path_parameters
        if request.body:
            text = _is_text(headers.get("content-type", ""), request.body)
            event["body"] = request.body.decode() if text else base64.b64encode(request.body).decode()
            event["isBase64Encoded"] = not text
        else:
            event["isBase64Encoded"] = False
        return event

    def _authorize(self, function_id: str, event: dict[str, Any]) -> dict[str, Any] | HttpResponse:
        """Call a simple-response Lambda authorizer: its context, or the answer that ends the request.

        ``isAuthorized`` false gives 403; an authorizer that fails, times out or answers malformed
        gives 500, as in API Gateway.
        """
        method, path = event["requestContext"]["http"]["method"], event["rawPath"]
        route_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{self.api.api_id}/{STAGE}/{method}{path}"
        request = {"version": "2.0", "type": "REQUEST", "routeArn": route_arn}
        request |= {name: event[name] for name in AUTHORIZER_EVENT_FIELDS if name in event}
        try:
            response = self._invoke(function_id, request)
        except FunctionError as error:
            logger.error("authorizer %s failed: %s", function_id, error)
            return message_response(500, "Internal Server Error")
        if (
            not isinstance(response, dict)
            or not isinstance(response.get("isAuthorized"), bool)
            or not isinstance(response.get("context", {}), dict)
        ):
            logger.error("authorizer %s answered a malformed response: %r", function_id, response)
            return message_response(500, "Internal Server Error")
        if not response["isAuthorized"]:
            return message_response(403, "Forbidden")
        return dict(response.get("context") or {})


class _TooLarge(Exception):
    """The request is over one of API Gateway's quotas: answered 413, and the connection closed."""


class _RequestHandler(QuietHandler):
    """Adapts http.server to `Gateway.handle`; every refusal of its own is JSON, as API Gateway's."""

    gateway: Gateway
    protocol_version = "HTTP/1.1"  # keep-alive, as API Gateway
    server_version = "local-api-gateway"
    sys_version = ""

    def _serve(self) -> None:
        if sum(len(name) + len(value) for name, value in self.headers.items()) > MAX_HEADER_BYTES:
            self.send_error(431)
            return
        try:
            body = self._read_body()
        except _TooLarge:
            self._send(message_response(413, "Request Entity Too Large"), close=True)
            return
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
            port=self.server.server_address[1],
        )
        self._send(self.gateway.handle(request))

    def _send(self, response: HttpResponse, close: bool = False) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in FRAMING_HEADERS:
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        if close:
            self.close_connection = True
            self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, a header line too long, too many
        headers) as API Gateway's JSON, not an HTML page."""
        phrase = self.responses.get(code, ("Error",))[0]
        if not getattr(self, "command", None):
            self.command = "GET"  # no request line was read: there is still a body to send
        self._send(message_response(code, phrase), close=True)

    def _read_body(self) -> bytes:
        """The body; over the payload quota, it is read to the end and dropped (``_TooLarge``), so the
        client, still sending, reads the 413 instead of a reset connection."""
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while size := int(self.rfile.readline().split(b";")[0], 16):
                total += size
                chunk = self.rfile.read(size)
                if total <= MAX_PAYLOAD_BYTES:
                    chunks.append(chunk)
                self.rfile.readline()  # the CRLF after each chunk
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            if total > MAX_PAYLOAD_BYTES:
                raise _TooLarge
            return b"".join(chunks)
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            while length > 0 and (dropped := len(self.rfile.read(min(length, 2**20)))):
                length -= dropped
            raise _TooLarge
        return self.rfile.read(length)

    def __getattr__(self, name: str) -> Any:
        # Every method goes to the gateway, which answers one no route takes (TRACE...) 404, as
        # API Gateway does, instead of http.server's 501 page.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)
