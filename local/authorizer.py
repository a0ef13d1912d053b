"""An HTTP API Lambda authorizer (payload format 2.0), applied as API Gateway applies it.

- declared identity sources (headers, query strings) must all be present, else 401 without a call;
- simple responses: ``isAuthorized`` false gives 403; IAM policy responses: no Allow for the
  route ARN (or any Deny) gives 403;
- an authorizer that fails, times out or answers malformed gives 500;
- otherwise the request goes on with ``requestContext.authorizer = {"lambda": <context>}``;
- verdicts are cached per identity-source values for ReauthorizeEvery seconds, and only when
  identity sources are declared (without them API Gateway cannot cache).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from local.functions import FunctionError, Invoke
from local.template import Authorizer

logger = logging.getLogger(__name__)

# The request fields a REQUEST authorizer event shares with the route's event, when present.
_SHARED_FIELDS = (
    "routeKey",
    "rawPath",
    "rawQueryString",
    "cookies",
    "headers",
    "queryStringParameters",
    "requestContext",
    "pathParameters",
    "stageVariables",
)


@dataclass(frozen=True)
class Decision:
    """What the gateway does with a request: go on (with the authorizer's context) or answer an error."""

    status: int = 200
    message: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        """True when the request may reach its route's function."""
        return self.status == 200


UNAUTHORIZED = Decision(401, "Unauthorized")
FORBIDDEN = Decision(403, "Forbidden")
FAILED = Decision(500, "Internal Server Error")


def _wildcard(pattern: str) -> re.Pattern[str]:
    """IAM wildcards: * is any run of characters, ? is one character."""
    return re.compile(".*".join(".".join(map(re.escape, part.split("?"))) for part in pattern.split("*")))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_allows(policy: Mapping[str, Any], route_arn: str) -> bool:
    """IAM evaluation of ``execute-api:Invoke`` on `route_arn`: an explicit Deny wins over Allow."""

    def applies(statement: Mapping[str, Any]) -> bool:
        actions = _as_list(statement.get("Action", []))
        resources = _as_list(statement.get("Resource", []))
        return any(_wildcard(action).fullmatch("execute-api:Invoke") for action in actions) and any(
            _wildcard(resource).fullmatch(route_arn) for resource in resources
        )

    statements = [s for s in _as_list(policy.get("Statement", [])) if applies(s)]
    if any(statement.get("Effect") == "Deny" for statement in statements):
        return False
    return any(statement.get("Effect") == "Allow" for statement in statements)


class LambdaAuthorizer:
    """Calls an authorizer function for requests of the routes it protects."""

    def __init__(
        self, config: Authorizer, invoke: Invoke, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if config.payload_format != "2.0":
            raise ValueError(f"authorizer {config.name}: only payload format 2.0 is emulated")
        self.config = config
        self._invoke = invoke
        self._clock = clock
        self._cache: dict[tuple[str, ...], tuple[float, Mapping[str, Any]]] = {}
        self._cache_lock = threading.Lock()

    def authorize(self, route_event: Mapping[str, Any], route_arn: str) -> Decision:
        """Decide on a request, given the event its route's function would receive."""
        identity = self._identity(route_event)
        if identity is None:
            return UNAUTHORIZED
        response = self._cached(identity)
        if response is None:
            event = {"version": "2.0", "type": "REQUEST", "routeArn": route_arn}
            if identity:
                event["identitySource"] = list(identity)
            event.update({name: route_event[name] for name in _SHARED_FIELDS if name in route_event})
            try:
                response = self._invoke(self.config.function_id, event)
            except FunctionError as error:
                logger.error("authorizer %s failed: %s", self.config.name, error)
                return FAILED
            if not self._valid(response):
                logger.error("authorizer %s answered a malformed response: %r", self.config.name, response)
                return FAILED
            self._remember(identity, response)
        return self._decide(response, route_arn)

    def _identity(self, event: Mapping[str, Any]) -> tuple[str, ...] | None:
        """Values of the identity sources, () when none are declared, None when one is missing."""
        headers = event.get("headers") or {}
        query = event.get("queryStringParameters") or {}
        values = [headers.get(name.lower()) for name in self.config.identity_headers]
        values += [query.get(name) for name in self.config.identity_query_strings]
        return None if any(not value for value in values) else tuple(values)  # type: ignore[arg-type]

    def _valid(self, response: Any) -> bool:
        if not isinstance(response, dict) or not isinstance(response.get("context", {}), dict):
            return False
        if self.config.simple_responses:
            return isinstance(response.get("isAuthorized"), bool)
        return isinstance(response.get("policyDocument"), dict)

    def _decide(self, response: Mapping[str, Any], route_arn: str) -> Decision:
        if self.config.simple_responses:
            allowed = response["isAuthorized"]
        else:
            allowed = policy_allows(response["policyDocument"], route_arn)
        return Decision(context=response.get("context") or {}) if allowed else FORBIDDEN

    def _cached(self, identity: tuple[str, ...]) -> Mapping[str, Any] | None:
        with self._cache_lock:
            expires, response = self._cache.get(identity, (0.0, None))
            return response if self._clock() < expires else None

    def _remember(self, identity: tuple[str, ...], response: Mapping[str, Any]) -> None:
        ttl = self.config.reauthorize_every
        if identity and ttl > 0:
            with self._cache_lock:
                self._cache[identity] = (self._clock() + ttl, response)
