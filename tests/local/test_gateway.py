"""local.gateway: the API Gateway HTTP API event, response mapping, errors, over HTTP."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest

from local.functions import FunctionError, FunctionTimeout
from local.gateway import Gateway, HttpRequest, HttpResponse

ALLOW = [("x-allow", "yes")]


class FakeLambda:
    """Stands in for the function pool: records invocations; the authorizer allows `x-allow: yes`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.responses: dict[str, Callable[[Any], Any]] = {}

    def __call__(self, function_id: str, event: Any) -> Any:
        self.calls.append((function_id, event))
        if function_id in self.responses:
            return self.responses[function_id](event)
        if function_id == "AuthFunction":
            allowed = event["headers"].get("x-allow") == "yes" or "x-token" in event["headers"]
            return {"isAuthorized": allowed, "context": {"user": "u-1"}}
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}

    def events(self, function_id: str) -> list[Any]:
        return [event for called, event in self.calls if called == function_id]


@pytest.fixture
def fake() -> FakeLambda:
    return FakeLambda()


@pytest.fixture
def gateway(stack, fake) -> Gateway:
    return Gateway(stack.api, fake)


def _event(response: HttpResponse) -> dict[str, Any]:
    assert response.status == 200, response.body
    return json.loads(response.body)


def test_route_match_with_path_parameters(gateway):
    event = _event(gateway.handle(HttpRequest("GET", "/items/42", ALLOW)))
    assert event["routeKey"] == "GET /items/{item_id}"
    assert event["pathParameters"] == {"item_id": "42"}
    assert event["rawPath"] == "/items/42"
    assert event["requestContext"]["routeKey"] == "GET /items/{item_id}"


def test_literal_path_beats_variable_and_any_matches_every_method(gateway):
    special = _event(gateway.handle(HttpRequest("GET", "/items/special", ALLOW)))
    assert special["routeKey"] == "GET /items/special" and "pathParameters" not in special
    files = _event(gateway.handle(HttpRequest("DELETE", "/files/b%20c.txt", ALLOW)))
    assert files["routeKey"] == "ANY /files/{name}"
    assert files["pathParameters"] == {"name": "b c.txt"}


def test_unmatched_requests_go_to_the_default_route(stack, fake):
    fake.responses["FallbackFunction"] = lambda event: {"statusCode": 404, "body": event["routeKey"]}
    response = Gateway(stack.api, fake).handle(HttpRequest("PUT", "/items", ALLOW))
    assert (response.status, response.body) == (404, b"$default")
    (event,) = fake.events("FallbackFunction")
    assert event["requestContext"]["routeKey"] == "$default"
    assert event["requestContext"]["http"]["method"] == "PUT"


def test_query_parameters_and_headers_as_api_gateway_sends_them(gateway):
    headers = [
        *ALLOW,
        ("X-Custom", "one"),
        ("x-custom", "two"),
        ("User-Agent", "tests"),
        ("Cookie", "a=1; b=2"),
    ]
    event = _event(gateway.handle(HttpRequest("GET", "/items?status[]=a&status[]=b&q=x%20y&empty=", headers)))
    assert event["rawQueryString"] == "status[]=a&status[]=b&q=x%20y&empty="
    assert event["queryStringParameters"] == {"status[]": "a,b", "q": "x y", "empty": ""}
    assert event["headers"]["x-custom"] == "one,two"
    assert event["headers"]["user-agent"] == "tests"
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["requestContext"]["http"]["userAgent"] == "tests"


def test_request_context_shape(gateway, stack):
    event = _event(gateway.handle(HttpRequest("GET", "/items", [*ALLOW, ("Host", "127.0.0.1:3000")])))
    context = event["requestContext"]
    assert event["version"] == "2.0"
    assert "queryStringParameters" not in event and "pathParameters" not in event and "body" not in event
    assert event["isBase64Encoded"] is False
    assert context["accountId"] == "000000000000"
    assert context["apiId"] == stack.api.api_id
    assert (context["domainName"], context["domainPrefix"]) == ("127.0.0.1:3000", "127")
    assert context["http"] == {
        "method": "GET",
        "path": "/items",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "",
    }
    assert context["stage"] == "$default"
    assert context["requestId"] and isinstance(context["timeEpoch"], int)
    assert context["time"].endswith(" +0000")
    assert context["authorizer"] == {"lambda": {"user": "u-1"}}


def test_bodies_are_text_or_base64(gateway):
    json_body = b'{"name": "x"}'
    text = _event(
        gateway.handle(
            HttpRequest("POST", "/items", [*ALLOW, ("Content-Type", "application/json")], json_body)
        )
    )
    assert (text["body"], text["isBase64Encoded"]) == ('{"name": "x"}', False)
    binary = bytes(range(256))
    encoded = _event(
        gateway.handle(HttpRequest("POST", "/items", [*ALLOW, ("Content-Type", "image/png")], binary))
    )
    assert encoded["isBase64Encoded"] is True
    assert base64.b64decode(encoded["body"]) == binary


# ---------------------------------------------------------------- responses


@pytest.mark.parametrize(
    ("result", "status", "headers", "body"),
    [
        ({"items": []}, 200, [("content-type", "application/json")], b'{"items": []}'),
        ("hello", 200, [("content-type", "application/json")], b'"hello"'),
        (
            {"statusCode": 201, "headers": {"Location": "/x"}, "cookies": ["a=1", "b=2"], "body": "made"},
            201,
            [
                ("Location", "/x"),
                ("set-cookie", "a=1"),
                ("set-cookie", "b=2"),
                ("content-type", "text/plain; charset=utf-8"),
            ],
            b"made",
        ),
        (
            {
                "statusCode": 200,
                "isBase64Encoded": True,
                "body": base64.b64encode(b"\x00\x01").decode(),
                "headers": {"content-type": "application/octet-stream"},
            },
            200,
            [("content-type", "application/octet-stream")],
            b"\x00\x01",
        ),
        # A response without content (DELETE's 204) gets no content type either.
        ({"statusCode": 204}, 204, [], b""),
    ],
)
def test_function_responses_map_to_http(gateway, fake, result, status, headers, body):
    fake.responses["EchoFunction"] = lambda event: result
    response = gateway.handle(HttpRequest("GET", "/items", ALLOW))
    assert response.status == status
    assert response.body == body
    for header in headers:
        assert header in response.headers
    assert response.header("apigw-requestid")


def _raise(error: Exception) -> Callable[[Any], Any]:
    def fail(event: Any) -> Any:
        raise error

    return fail


@pytest.mark.parametrize(
    ("behaviour", "status", "message"),
    [
        (_raise(FunctionError("ValueError", "boom")), 500, "Internal Server Error"),
        (_raise(FunctionTimeout("Sandbox.Timedout", "timed out")), 503, "Service Unavailable"),
        (lambda event: {"statusCode": "200", "body": "x"}, 500, "Internal Server Error"),
        (lambda event: {"statusCode": 200, "body": {"not": "a string"}}, 500, "Internal Server Error"),
    ],
)
def test_function_failures_answer_like_api_gateway(gateway, fake, behaviour, status, message):
    fake.responses["EchoFunction"] = behaviour
    response = gateway.handle(HttpRequest("GET", "/items", ALLOW))
    assert (response.status, json.loads(response.body)) == (status, {"message": message})
    assert response.header("content-type") == "application/json"


def test_no_route_and_no_default_route_is_404(stack, fake):
    routes = tuple(route for route in stack.api.routes if route.path != "$default")
    gateway = Gateway(dataclasses.replace(stack.api, routes=routes), fake)
    response = gateway.handle(HttpRequest("GET", "/nowhere"))
    assert (response.status, json.loads(response.body)) == (404, {"message": "Not Found"})
    assert fake.calls == []


# ---------------------------------------------------------------- over HTTP, with real functions


@pytest.fixture
def served(stack, pool):
    """The base URL of the gateway of the test template's functions, served over HTTP."""
    with Gateway(stack.api, pool.invoke).serve() as url:
        yield url


def _http(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_http_round_trip_through_real_functions(served, recorded):
    assert served.startswith("http://127.0.0.1:")
    status, headers, body = _http(f"{served}/items/7?a=1&a=2", headers={"x-allow": "yes"})
    assert status == 200
    assert headers["content-type"] == "application/json"
    event = json.loads(body)
    assert (event["pathParameters"], event["queryStringParameters"]) == ({"item_id": "7"}, {"a": "1,2"})
    assert event["requestContext"]["authorizer"] == {"lambda": {"user": "u-1", "tier": 3}}
    assert event["headers"]["x-forwarded-port"] == str(urlsplit(served).port)
    (authorizer_event,) = recorded("AuthFunction")
    assert authorizer_event["type"] == "REQUEST"

    status, _, body = _http(
        f"{served}/items", "POST", {"x-allow": "yes", "content-type": "application/json"}, b'{"a": 1}'
    )
    assert (status, json.loads(json.loads(body)["body"])) == (200, {"a": 1})

    assert _http(f"{served}/items/7")[0] == 403
    assert _http(f"{served}/crash")[:3:2] == (500, b'{"message": "Internal Server Error"}')
    status, _, body = _http(f"{served}/slow")
    assert (status, json.loads(body)) == (503, {"message": "Service Unavailable"})
    status, _, body = _http(f"{served}/unknown/path", headers={"x-allow": "yes"})
    assert (status, json.loads(body)) == (404, {"message": "no route", "path": "/unknown/path"})
    assert _http(f"{served}/items", "HEAD", {"x-allow": "yes"})[2] == b""


def test_http_chunked_request_bodies(served):
    chunks = iter([b'{"par', b'ts": 2}'])  # an iterable body: urllib sends it chunked
    headers = {"x-allow": "yes", "content-type": "application/json"}
    status, _, body = _http(f"{served}/items", "POST", headers, chunks)  # type: ignore[arg-type]
    assert (status, json.loads(json.loads(body)["body"])) == (200, {"parts": 2})


def test_http_framing_headers_of_functions_are_not_passed_on(stack, fake):
    fake.responses["EchoFunction"] = lambda event: {
        "statusCode": 200,
        "headers": {"Content-Length": "999", "Connection": "close"},
        "body": "ok",
    }
    with Gateway(stack.api, fake).serve() as url:
        status, headers, body = _http(f"{url}/items", headers={"x-allow": "yes"})
    assert (status, body, headers.get_all("content-length")) == (200, b"ok", ["2"])
    assert headers["connection"] is None


# ---------------------------------------------------------------- bursts and gateway-level refusals


def test_twenty_simultaneous_requests_all_get_answers(stack, fake):
    started = threading.Barrier(20)

    def slow_echo(event):
        time.sleep(0.2)  # every request is in flight at once
        return {"statusCode": 200, "body": event["rawPath"]}

    fake.responses["EchoFunction"] = slow_echo
    with Gateway(stack.api, fake).serve() as url, ThreadPoolExecutor(20) as clients:

        def call(n):
            started.wait()
            return _http(f"{url}/items", headers={"x-allow": "yes", "x-n": str(n)})

        answers = list(clients.map(call, range(20)))

    assert [status for status, _, _ in answers] == [200] * 20


def test_a_function_scales_out_to_one_warm_worker_per_request_in_flight(pool, log_lines):
    with ThreadPoolExecutor(3) as clients:
        list(clients.map(lambda _: pool.invoke("SlowFunction", {"seconds": 0.5}), range(3)))
    pool.invoke("SlowFunction", {"seconds": 0})

    reports = [line for function_id, line in log_lines if line.startswith("REPORT")]
    assert len(reports) == 4
    assert sum("Init Duration" in line for line in reports) == 3, "three cold starts, then a warm one"


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW"])
def test_a_method_no_route_takes_is_a_json_404(stack, fake, method):
    routes = tuple(route for route in stack.api.routes if route.path != "$default")
    with Gateway(dataclasses.replace(stack.api, routes=routes), fake).serve() as url:
        status, headers, body = _http(f"{url}/items", method)

    assert (status, headers["content-type"], json.loads(body)) == (
        404,
        "application/json",
        {"message": "Not Found"},
    )


def test_oversized_headers_are_a_json_431(served):
    for headers in ({"x-big": "a" * 11_000}, {f"x-h{n}": "v" for n in range(120)}, {"x-huge": "a" * 70_000}):
        status, response_headers, body = _http(f"{served}/items", headers=headers)
        assert (status, response_headers["content-type"]) == (431, "application/json"), headers.keys()
        assert json.loads(body) == {"message": "Request Header Fields Too Large"}


def test_a_body_over_the_payload_quota_is_a_json_413_without_reaching_a_function(stack, fake):
    with Gateway(stack.api, fake).serve() as url:
        status, _, body = _http(
            f"{url}/items",
            "POST",
            {"x-allow": "yes", "content-type": "application/json"},
            b"x" * (10 * 2**20 + 1),
        )

    assert (status, json.loads(body)) == (413, {"message": "Request Entity Too Large"})
    assert fake.calls == []
