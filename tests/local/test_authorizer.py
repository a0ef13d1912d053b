"""local.authorizer through the gateway: API Gateway's Lambda authorizer rules."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from local.authorizer import LambdaAuthorizer, policy_allows
from local.functions import FunctionError
from local.gateway import Gateway, HttpRequest
from local.template import Authorizer


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
    response = Gateway(stack.http_apis["Api"], calls).handle(HttpRequest("GET", "/items"))
    assert _status(response) == (403, {"message": "Forbidden"})
    assert calls.of("EchoFunction") == []


def test_context_is_injected_into_the_route_event(stack):
    calls = Calls({"isAuthorized": True, "context": {"organization_id": "o-1", "n": 2}})
    response = Gateway(stack.http_apis["Api"], calls).handle(HttpRequest("GET", "/items/5"))
    assert response.status == 200
    (event,) = calls.of("EchoFunction")
    assert event["requestContext"]["authorizer"] == {"lambda": {"organization_id": "o-1", "n": 2}}


def test_authorizer_event_is_a_v2_request_event(stack):
    calls = Calls({"isAuthorized": True})
    api = stack.http_apis["Api"]
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
    response = Gateway(stack.http_apis["Api"], calls).handle(HttpRequest("GET", "/items"))
    assert _status(response) == (500, {"message": "Internal Server Error"})
    assert calls.of("EchoFunction") == []


def test_routes_with_auth_none_skip_the_authorizer(stack):
    calls = Calls({"isAuthorized": False})
    response = Gateway(stack.http_apis["Api"], calls).handle(HttpRequest("GET", "/public"))
    assert response.status == 200
    assert calls.of("AuthFunction") == []
    assert "authorizer" not in calls.of("EchoFunction")[0]["requestContext"]


def test_missing_identity_source_is_401_without_a_call(stack):
    calls = Calls({"isAuthorized": True})
    response = Gateway(stack.http_apis["CachedApi"], calls).handle(HttpRequest("GET", "/cached"))
    assert _status(response) == (401, {"message": "Unauthorized"})
    assert calls.events == []


def test_verdicts_are_cached_per_identity_source(stack):
    calls = Calls(lambda event: {"isAuthorized": event["identitySource"] == ["good"], "context": {"t": 1}})
    gateway = Gateway(stack.http_apis["CachedApi"], calls)
    statuses = [
        gateway.handle(HttpRequest("GET", "/cached", [("x-token", token)])).status
        for token in ("good", "good", "bad", "bad", "good")
    ]
    assert statuses == [200, 200, 403, 403, 200]
    assert [event["identitySource"] for event in calls.of("AuthFunction")] == [["good"], ["bad"]]
    assert all(
        event["requestContext"]["authorizer"] == {"lambda": {"t": 1}} for event in calls.of("EchoFunction")
    )


def test_cache_expires_after_reauthorize_every(stack):
    now = [0.0]
    config: Authorizer = stack.http_apis["CachedApi"].authorizers["TokenGate"]
    calls = Calls({"isAuthorized": True})
    authorizer = LambdaAuthorizer(config, calls, clock=lambda: now[0])
    event = {"headers": {"x-token": "t"}, "routeKey": "GET /cached"}
    for moment in (0.0, 59.0, 61.0):
        now[0] = moment
        assert authorizer.authorize(event, "arn").allowed
    assert len(calls.of("AuthFunction")) == 2  # ReauthorizeEvery: 60


def test_no_cache_without_identity_sources(stack):
    config = stack.http_apis["Api"].authorizers["Gate"]
    calls = Calls({"isAuthorized": True})
    authorizer = LambdaAuthorizer(dataclasses.replace(config, reauthorize_every=300), calls)
    for _ in range(3):
        authorizer.authorize({"headers": {}}, "arn")
    assert len(calls.of("AuthFunction")) == 3


ARN = "arn:aws:execute-api:us-east-1:000000000000:api/$default/GET/items/5"


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ARN}], True),
        (
            [
                {
                    "Effect": "Allow",
                    "Action": "execute-api:*",
                    "Resource": "arn:aws:execute-api:*:*:api/*/GET/*",
                }
            ],
            True,
        ),
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ["arn:*/POST/*"]}], False),
        (
            [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "*/items/?"},
            ],
            False,
        ),
        ([], False),
    ],
)
def test_iam_policy_evaluation(statements, allowed):
    assert policy_allows({"Version": "2012-10-17", "Statement": statements}, ARN) is allowed


def test_iam_policy_responses_when_simple_responses_are_off(stack):
    config = dataclasses.replace(stack.http_apis["Api"].authorizers["Gate"], simple_responses=False)
    deny = {
        "principalId": "u",
        "policyDocument": {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]},
    }
    allow = {
        "principalId": "u",
        "policyDocument": {
            "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]
        },
        "context": {"k": "v"},
    }
    assert LambdaAuthorizer(config, Calls(deny)).authorize({}, ARN).status == 403
    decision = LambdaAuthorizer(config, Calls(allow)).authorize({}, ARN)
    assert decision.allowed and decision.context == {"k": "v"}
    assert LambdaAuthorizer(config, Calls({"isAuthorized": True})).authorize({}, ARN).status == 500
