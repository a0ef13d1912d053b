"""The warm path: a warm function's request against the same DynamoDB calls made bare, at zero latency.

Each function is called in-process with the event API Gateway passes (the authorizer's verdict in it),
first against DynamoDB Local, where botocore's event hooks record every DynamoDB call it makes (its
parameters and the raw HTTP answer). Then the record is replayed: botocore's ``before-send`` hook
answers each request with the recorded bytes, so no time goes to the network or to DynamoDB, and
what is timed is our code and botocore's (serializing, signing, parsing). The bare figure is the
same recorded calls made on a plain ``boto3.client("dynamodb")``, answered the same way. Both are
timed call by call, alternating in rounds; the report gives each p50 and their ratio. For reference,
Powertools' validating resolver alone (one route, a small model, no DynamoDB) on the get's event:
the floor the framework sets under every handler.

Run: `make bench` (``python -m tests.benchmarks.warm_path [--smoke]``).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from pydantic import BaseModel

from local.template import load_stack
from tests.benchmarks.dynamodb import local_table
from tests.benchmarks.request_cost import _fill
from tests.conftest import ROOT

TARGET = 1.3
RESOLVER_ALONE = "Powertools' resolver alone"
LIST_SIZE = 50


@dataclass
class Call:
    operation: str
    parameters: dict[str, Any]
    status: int = 0
    headers: Any = None
    body: bytes = b""


class _Raw:
    """What ``AWSResponse.content`` reads its bytes from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> list[bytes]:
        return [self.body]


@dataclass
class Replay:
    """botocore hooks on a DynamoDB client: while ``recording``, keep each call and its answer; else
    answer each request from ``calls`` in order, checking that it is the call recorded there."""

    calls: list[Call] = field(default_factory=list)
    recording: bool = True
    position: int = 0

    def _hooks(self) -> dict[str, Callable[..., Any]]:
        return {
            "before-parameter-build.dynamodb": self._parameters,
            "before-send.dynamodb": self._send,
            "after-call.dynamodb": self._answer,
        }

    def attach(self, client: Any) -> Any:
        for event, hook in self._hooks().items():
            client.meta.events.register(event, hook)
        return client

    def detach(self, client: Any) -> None:
        for event, hook in self._hooks().items():
            client.meta.events.unregister(event, hook)

    def _parameters(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self.recording:
            self.calls.append(Call(model.name, copy.deepcopy(params)))
            return
        expected = self.calls[self.position % len(self.calls)].operation
        assert model.name == expected, f"call {self.position} is {model.name}, recorded {expected}"

    def _send(self, request: Any, **_: Any) -> AWSResponse | None:
        if self.recording:
            return None
        call = self.calls[self.position % len(self.calls)]
        self.position += 1
        return AWSResponse(request.url, call.status, call.headers, _Raw(call.body))

    def _answer(self, http_response: Any, **_: Any) -> None:
        if self.recording:
            call = self.calls[-1]
            call.status, call.headers, call.body = (
                http_response.status_code,
                http_response.headers,
                http_response.content,
            )


def timed_us(timed: Callable[[], Any], calls: int) -> list[float]:
    """Microseconds of each of ``calls`` calls of ``timed``."""
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        timed()
        times.append((time.perf_counter() - started) * 1e6)
    return times


def measure(
    function: str, event: dict[str, Any], ok: Callable[[dict], bool], rounds: int, calls: int
) -> dict:
    """p50 microseconds of ``function`` on ``event`` warm, and of its DynamoDB calls made bare."""
    import boto3
    from botocore import xform_name

    from carbon_accounting import repository
    from tests.functions import LambdaContext, load_function

    handler, context = load_function(function).lambda_handler, LambdaContext(function_name=function)

    def request() -> None:
        answer = handler(event, context)
        assert ok(answer), answer

    request()  # warm: the first call imports and builds what the warm path keeps
    replay = Replay()
    replay.attach(repository.client())
    request()
    replay.recording = False
    bare = Replay(replay.calls, recording=False).attach(boto3.client("dynamodb"))
    methods = [(getattr(bare, xform_name(call.operation)), call.parameters) for call in replay.calls]

    def bare_calls() -> None:
        for method, parameters in methods:
            method(**parameters)

    handler_us, bare_us = [], []
    try:
        for _ in range(rounds):
            handler_us += timed_us(request, calls)
            bare_us += timed_us(bare_calls, calls)
    finally:
        replay.detach(repository.client())
    handler_p50, bare_p50 = statistics.median(handler_us), statistics.median(bare_us)
    return {
        "calls": [call.operation for call in replay.calls],
        "p50_us": handler_p50,
        "bare_p50_us": bare_p50,
        "ratio": handler_p50 / bare_p50,
    }


class ReferenceItem(BaseModel):
    """What the resolver-alone reference answers."""

    id: str
    name: str


def resolver_alone_us(event: dict[str, Any], rounds: int, calls: int) -> float:
    """p50 microseconds of Powertools' validating resolver alone on ``event`` (a GET of one id): one
    route answering a small model, no DynamoDB, no logger or metrics; the floor under our handlers."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from tests.functions import LambdaContext

    app = APIGatewayHttpResolver(enable_validation=True)

    @app.get("/v3/invoices/<invoice_id>")
    def get(invoice_id: str) -> ReferenceItem:
        return ReferenceItem(id=invoice_id, name="reference")

    context = LambdaContext()
    assert app.resolve(event, context)["statusCode"] == 200
    return statistics.median(
        us for _ in range(rounds) for us in timed_us(lambda: app.resolve(event, context), calls)
    )


def _status(expected: int) -> Callable[[dict], bool]:
    return lambda answer: answer["statusCode"] == expected


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one round of 5 calls each: the command works")
    smoke = parser.parse_args(argv).smoke
    rounds, calls = (1, 5) if smoke else (10, 50)

    from carbon_accounting.seed import load_seed
    from tests.handlers.conftest import api_event, sample_event
    from tests.handlers.test_invoices import electricity
    from tests.tenants import ACME, ACME_KEY, ACME_MADRID, api_key_headers

    environment = load_stack(ROOT / "template.yaml").functions["GetInvoiceFunction"].environment
    figures = {}
    with local_table():  # which restores the environment after
        os.environ.update({name: value for name, value in environment.items() if name != "TABLE_NAME"})
        os.environ.update(AUTHORIZER_CACHE_SECONDS="0", CURSOR_SIGNING_KEY="bench")
        load_seed(ROOT / "tests" / "e2e" / "seed.json")
        own = _fill(LIST_SIZE, ACME, ACME_MADRID)
        headers = api_key_headers(ACME_KEY, ACME)
        requests = {
            "get invoice": ("get_invoice", {"path": {"invoice_id": str(own[0])}}, _status(200)),
            f"org list, {LIST_SIZE} invoices": (
                "list_invoices", {"query": {"size": str(LIST_SIZE)}}, _status(200)
            ),
            f"facility list, {LIST_SIZE} invoices": (
                "list_facility_invoices", {"path": {"facility_id": str(ACME_MADRID)}}, _status(200)
            ),
            "create invoice": ("create_invoice", {"body": electricity()}, _status(201)),
        }  # fmt: skip
        events = {
            name: (function, api_event(function, headers, **request), ok)
            for name, (function, request, ok) in requests.items()
        }
        events["authorizer"] = (
            "authorizer",
            sample_event("authorizer") | {"headers": headers},
            lambda answer: answer["isAuthorized"] and "organization_id" in answer["context"],
        )
        print(
            f"Warm requests, DynamoDB answers replayed; p50 of {rounds} rounds of {calls} calls, alternating"
        )
        print(f"{'request':<28}{'DynamoDB calls':<46}{'p50 us':>9}{'bare us':>9}{'ratio':>7}")
        for name, (function, event, ok) in events.items():
            with contextlib.redirect_stdout(io.StringIO()):  # the functions' log lines and metrics
                figures[name] = measure(function, event, ok, rounds, calls)
            shown = figures[name]
            print(
                f"{name:<28}{'+'.join(shown['calls']):<46}{shown['p50_us']:>9.0f}"
                f"{shown['bare_p50_us']:>9.0f}{shown['ratio']:>7.2f}"
            )
        alone = figures[RESOLVER_ALONE] = {
            "p50_us": resolver_alone_us(events["get invoice"][1], rounds, calls)
        }
        print(f"{RESOLVER_ALONE:<28}{'one route, no DynamoDB':<46}{alone['p50_us']:>9.0f}")
    return figures


if __name__ == "__main__":
    main()
