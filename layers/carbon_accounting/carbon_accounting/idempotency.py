"""Idempotency-Key on the routes that create (the Stripe model), on Powertools' idempotency utility.

A create sent with ``Idempotency-Key: <1-255 printable ASCII>`` runs once per organization, function
and key for 24 hours. While it runs, its record in the main table says so, and the same request
again is 409 ``REQUEST_IN_PROGRESS`` with ``Retry-After``; once it succeeded, the same request
answers the stored response (status, body, ``Location``, ``ETag``) with ``Idempotent-Replayed:
true`` and creates nothing; the same key with another body is 422 ``IDEMPOTENCY_KEY_REUSED``. An
answer that is not a success (4xx: the request's fault; 5xx: a fault) is not stored, so the request
can be corrected or retried under the same key.

The record lives in the organization's own partition (``pk = ORG#<org>``, ``sk = IDEMPOTENCY#
<function>#<md5 of the organization and key>``), so two tenants never share a key, and DynamoDB's
TTL (``ttl``) removes it a day later. If the first attempt dies after writing but before its answer
was stored, its record stays in progress only until that attempt's Lambda timeout, and the retry
then re-runs the create with the same ids, derived from the request (``ids.derived_from``), and finds
everything already written.

Powertools and boto3 are imported on the first request that carries a key: cold start.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from uuid import UUID

from carbon_accounting import ids
from carbon_accounting.errors import InvalidHeader, RetryLater
from carbon_accounting.repository.table import client, org_pk
from carbon_accounting.settings import get_settings

HEADER = "idempotency-key"
KEY_PATTERN = r"^[\x20-\x7e]{1,255}$"
"""What a key may be: 1-255 printable ASCII characters (spaces included, as Stripe allows)."""
EXPIRES_AFTER_SECONDS = 24 * 3600
# The namespace every request's derived ids descend from (a fixed, arbitrary UUID).
_IDS = UUID("6f1d4c3e-5a0b-4f7e-9c2d-8b1a7e6f5d40")

Resolve = Callable[[], dict[str, Any]]


class _NotStored(Exception):
    """An answer that is not a success: given to the client, and not kept as the key's answer."""

    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response


def key_of(event: dict[str, Any]) -> str | None:
    """The request's Idempotency-Key header (API Gateway's HTTP API gives header names lower case)."""
    headers = event.get("headers") or {}
    return next((value for name, value in headers.items() if name.lower() == HEADER), None)


def answer_once(
    event: dict[str, Any], document: Any, context: Any, organization_id: UUID, key: str, resolve: Resolve
) -> dict[str, Any]:
    """``resolve()``'s answer to the first request with this key; the stored answer to its retries.

    ``document`` is the body as parsed JSON, so the same document in other spacing matches."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyInconsistentStateError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    scope = f"IDEMPOTENCY#{context.function_name}"
    store = DynamoDBPersistenceLayer(
        table_name=get_settings().table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=org_pk(organization_id),
        expiry_attr="ttl",
        status_attr="idempotency_status",
        boto3_client=client(),
    )
    config = IdempotencyConfig(
        event_key_jmespath="[organization, key]",
        payload_validation_jmespath="[body, query]",
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        response_hook=_replayed,
    )
    config.register_lambda_context(context)
    request = {
        "organization": str(organization_id),
        "key": key,
        "body": document,
        "query": event.get("queryStringParameters"),
    }

    # The ids descend from the request itself, body included: a key reused with another body once its
    # record has expired names other items, never those of the earlier request.
    request_text = json.dumps([scope, request], sort_keys=True, separators=(",", ":"))

    def first_answer(request: dict[str, Any]) -> dict[str, Any]:
        with ids.derived_from(uuid.uuid5(_IDS, request_text)):
            response = resolve()
        if not 200 <= response["statusCode"] < 300:
            raise _NotStored(response)
        return response

    once = idempotent_function(
        first_answer,
        data_keyword_argument="request",
        persistence_store=store,
        config=config,
        key_prefix=scope,
    )
    try:
        answer: dict[str, Any] = once(request=request)  # the first answer, or the stored one
        return answer
    except _NotStored as refused:
        return refused.response
    except IdempotencyValidationError:
        raise InvalidHeader(
            HEADER,
            "this Idempotency-Key was used with another body in the last 24 hours: use a new key",
            "idempotency_key_reused",
            "IDEMPOTENCY_KEY_REUSED",
        ) from None
    except (IdempotencyAlreadyInProgressError, IdempotencyInconsistentStateError):
        raise RetryLater(
            HTTPStatus.CONFLICT,
            "A request with this Idempotency-Key is still in progress: retry after a second",
            "REQUEST_IN_PROGRESS",
        ) from None
    except IdempotencyPersistenceLayerError as fault:
        raise fault.__cause__ or fault from None


def _replayed(response: Any, idempotent_data: Any) -> Any:
    """The stored answer, marked as a replay."""
    return {**response, "headers": {**response.get("headers", {}), "Idempotent-Replayed": "true"}}
