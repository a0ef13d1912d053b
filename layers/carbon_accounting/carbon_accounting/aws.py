"""How every function talks to AWS: one botocore configuration for the DynamoDB and S3 clients.

botocore's ``standard`` retry mode retries throttling, 5xx answers and connection errors with
exponential backoff and jitter, within a retry quota that stops retry storms when AWS is degraded.
``MAX_ATTEMPTS`` tries (the first plus two retries), each bounded by ``CONNECT_TIMEOUT`` and
``READ_TIMEOUT``; the backoff before retry i is at most 2^(i-1) s when throttled (much less
otherwise). So one call waits at most 3 x (1 + 2) s + (1 + 2) s = 12 s: inside the API functions'
20 s timeout (template.yaml, Globals), which lets a function answer 503 or 500 itself rather than
be cut off by Lambda. DynamoDB and S3 answer in milliseconds: these bounds only act on a fault.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config

MAX_ATTEMPTS = 3
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 2.0

# Error codes that mean "AWS asks you to slow down", answered 503 with Retry-After (not 500).
THROTTLING = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "SlowDown",
        "TooManyRequestsException",
    }
)


_RETRYABLE_CANCELLATIONS = frozenset(
    {"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"}
)


def config(**options: Any) -> Config:
    """The botocore configuration of every client, with a service's own ``options`` added."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        **options,
    )


def is_throttling(error: BaseException) -> bool:
    """Whether ``error`` (or what it was raised from) would succeed if sent again in a moment: AWS
    throttling the caller, or a transaction that met another on the same item."""
    seen: set[int] = set()  # a chain of causes can loop back on itself
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        response = getattr(cause, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code") in THROTTLING:
            return True
        if _cancelled_by_throttling(response):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _cancelled_by_throttling(response: Any) -> bool:
    """A cancelled transaction (TransactionCanceledException) that would succeed if sent again: one
    throttled, or in conflict with another transaction on the same item at the same moment."""
    if not isinstance(response, dict):
        return False
    reasons = response.get("CancellationReasons") or []
    return any(reason.get("Code") in _RETRYABLE_CANCELLATIONS for reason in reasons)
