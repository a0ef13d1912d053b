"""Make the N-th AWS call of the functions' own clients fail, through botocore's event hooks.

``before`` a call, the fault stands for a request AWS never carried out (throttling after the SDK's
retries, a connection refused); ``after`` it, for one AWS carried out whose answer was lost on the
way back (a read timeout): the write is in the table, the caller saw an error. Either way the
function's code meets the exception exactly as botocore would raise it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from carbon_accounting import storage
from carbon_accounting.repository import table

ENDPOINT = "https://dynamodb.eu-west-1.amazonaws.com"


def _client_error(code: str, status: int, **extra: Any) -> Callable[[str], Exception]:
    def build(operation: str) -> Exception:
        response = {"Error": {"Code": code, "Message": f"injected {code}"}, **extra}
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
        if code == "TransactionCanceledException":
            return table.client().exceptions.TransactionCanceledException(response, operation)
        return ClientError(response, operation)

    return build


ERRORS: dict[str, Callable[[str], Exception]] = {
    "ProvisionedThroughputExceededException": _client_error("ProvisionedThroughputExceededException", 400),
    "ThrottlingException": _client_error("ThrottlingException", 400),
    "InternalServerError": _client_error("InternalServerError", 500),
    "TransactionCanceledException": _client_error(
        "TransactionCanceledException", 400, CancellationReasons=[{"Code": "TransactionConflict"}]
    ),
    "EndpointConnectionError": lambda _: EndpointConnectionError(endpoint_url=ENDPOINT),
    "ReadTimeoutError": lambda _: ReadTimeoutError(endpoint_url=ENDPOINT),
}
# What the API answers 503 with Retry-After: throttling, and a transaction that met another at once.
THROTTLING = {"ProvisionedThroughputExceededException", "ThrottlingException", "TransactionCanceledException"}


@dataclass
class Fault:
    """Fail the ``at``-th call (1-based) among those ``matching``, ``before`` or after it is made."""

    error: str
    at: int
    before: bool = True
    matching: Callable[[str, dict[str, Any]], bool] = lambda operation, params: True
    calls: list[str] = field(default_factory=list)
    fired: bool = False

    pending: bool = False

    def before_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if self.fired or not self.matching(model.name, params):
            return
        self.calls.append(model.name)
        if len(self.calls) == self.at:
            self.fired = True
            if self.before:
                raise ERRORS[self.error](model.name)
            self.pending = True

    def after_call(self, model: Any, **_: Any) -> None:
        if self.pending:
            self.pending = False
            raise ERRORS[self.error](model.name)


@contextmanager
def injected(fault: Fault) -> Iterator[Fault]:
    """``fault`` armed on the DynamoDB and S3 clients of the functions (not on the test's own)."""
    clients = [table.client(), storage.client()]
    for client in clients:
        client.meta.events.register("before-parameter-build.*.*", fault.before_call, unique_id="fault-before")
        client.meta.events.register("after-call.*.*", fault.after_call, unique_id="fault-after")
    try:
        yield fault
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build.*.*", unique_id="fault-before")
            client.meta.events.unregister("after-call.*.*", unique_id="fault-after")


def count_calls(action: Callable[[], Any]) -> int:
    """How many AWS calls ``action`` makes through the functions' clients."""
    counter = Fault("InternalServerError", at=0)
    with injected(counter):
        action()
    return len(counter.calls)
