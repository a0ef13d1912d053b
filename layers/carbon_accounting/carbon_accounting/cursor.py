"""Opaque, tamper-evident pagination cursors (``next_token``).

A cursor is base64url JSON plus an HMAC-SHA256 of it under the deployment's signing key. A cursor
that was altered, or signed by another deployment, is refused. Cursors never carry an organization:
queries take it from the authorizer, so even a forged cursor could not reach another tenant.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from carbon_accounting.errors import BadRequest
from carbon_accounting.settings import get_settings


def _signature(body: bytes) -> str:
    key = get_settings().cursor_signing_key.encode()
    if not key:
        raise RuntimeError("CURSOR_SIGNING_KEY is not set: cursors cannot be signed")
    return base64.urlsafe_b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode().rstrip("=")


def encode(payload: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body.decode().rstrip('=')}.{_signature(body.rstrip(b'='))}"


def decode(token: str) -> dict[str, Any]:
    """The payload of a cursor made by ``encode``; 400 INVALID_NEXT_TOKEN for anything else."""
    body, _, signature = token.partition(".")
    if not hmac.compare_digest(signature, _signature(body.encode())):
        raise BadRequest("next_token is not one this API issued (or was altered)", "INVALID_NEXT_TOKEN")
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return payload
