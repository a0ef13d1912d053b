"""The Lambda authorizer (simple responses) through the gateway, as API Gateway applies it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.functions import FunctionError
from local.gateway import Gateway, HttpRequest


class Calls:
    """Invoke stand-in: the authorizer answers `answer(event)`, functions echo nothing special."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.events: list[tuple[str, Any]] = []

    def __call__(self, function_id: str, event: Any) -> Any:
        self.events.append((function_id, event))
        if function_id == "AuthFunction":
            return self.answer(event) if callable(self.answer) else self.answer
        return {"statusCode": 200, "body": json.dumps(event)}

    def of(self, function_id: str) -> list[Any]:
        return [event for called, event in self.events if called == function_id]


def _raise(event: Any) -> Any:
    raise FunctionError("RuntimeError", "authorizer crashed")


def _status(response) -> tuple[int, Any]:
    return response.status, json.loads(response.body)


def test_is_authorized_false_is_403_without_calling_the_route(stack):
    calls = Calls({"isAuthorized": False})
    response = Gateway(stack.api, calls).handle(HttpRequest("GET", "/items"))
    assert _status(response) == (403, {"message": "Forbidden"})
    assert calls.of("EchoFunction") == []


def test_context_is_injected_into_the_route_event(stack):
    calls = Calls({"isAuthorized": True, "context": {"organization_id": "o-1", "n": 2}})
    response = Gateway(stack.api, calls).handle(HttpRequest("GET", "/items/5"))
    assert response.status == 200
    (event,) = calls.of("EchoFunction")
    assert event["requestContext"]["authorizer"] == {"lambda": {"organization_id": "o-1", "n": 2}}


def test_authorizer_event_is_a_v2_request_event(stack):
    calls = Calls({"isAuthorized": True})
    api = stack.api
    headers = [("X-Api-Key", "k"), ("Cookie", "c=1")]
    Gateway(api, calls).handle(HttpRequest("GET", "/items/5?x=1&x=2", headers))
    (event,) = calls.of("AuthFunction")
    (route_event,) = calls.of("EchoFunction")
    assert event["version"] == "2.0" and event["type"] == "REQUEST"
    assert (
        event["routeArn"] == f"arn:aws:execute-api:us-east-1:000000000000:{api.api_id}/$default/GET/items/5"
    )
    assert "identitySource" not in event  # the authorizer declares no identity sources
    assert event["routeKey"] == "GET /items/{item_id}"
    assert (event["rawPath"], event["rawQueryString"]) == ("/items/5", "x=1&x=2")
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["pathParameters"] == {"item_id": "5"}
    assert event["headers"]["x-api-key"] == "k" and event["cookies"] == ["c=1"]
    assert event["requestContext"] == {
        k: v for k, v in route_event["requestContext"].items() if k != "authorizer"
    }


@pytest.mark.parametrize(
    "answer", [_raise, {"context": {}}, {"isAuthorized": "yes"}, None, {"isAuthorized": True, "context": []}]
)
def test_failing_or_malformed_authorizer_is_500(stack, answer):
    calls = Calls(answer)
    response = Gateway(stack.api, calls).handle(HttpRequest("GET", "/items"))
    assert _status(response) == (500, {"message": "Internal Server Error"})
    assert calls.of("EchoFunction") == []


def test_routes_with_auth_none_skip_the_authorizer(stack):
    calls = Calls({"isAuthorized": False})
    response = Gateway(stack.api, calls).handle(HttpRequest("GET", "/public"))
    assert response.status == 200
    assert calls.of("AuthFunction") == []
    assert "authorizer" not in calls.of("EchoFunction")[0]["requestContext"]
