"""Opaque, tamper-evident pagination cursors (``next_token``).

A cursor is its JSON payload encrypted and authenticated with AES-256-GCM under a key derived from
the deployment's ``CURSOR_SIGNING_KEY``, with what it was issued for (the organization and the
listing's filters) as associated data. So a cursor reveals nothing (no organization, no keys, no
total), and one that was altered, issued by another deployment, or sent by another organization or
for other filters fails to decrypt: 400 INVALID_NEXT_TOKEN, never a query with a foreign start key.

``cryptography`` (already a dependency, for JWTs) is imported on first use, not at cold start.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from functools import cache
from typing import Any

from carbon_accounting.errors import BadRequest
from carbon_accounting.settings import get_settings

_NONCE_BYTES = 12
_KEY_CONTEXT = b"carbon-accounting next_token v1\x00"


@cache
def _cipher(secret: str) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not secret:
        raise RuntimeError("CURSOR_SIGNING_KEY is not set: cursors cannot be issued")
    return AESGCM(hashlib.sha256(_KEY_CONTEXT + secret.encode()).digest())


def _invalid() -> BadRequest:
    return BadRequest(
        "next_token is not one this API issued for this organization and these filters (or was altered)",
        "INVALID_NEXT_TOKEN",
    )


def encode(payload: dict[str, Any], issued_for: str) -> str:
    """A cursor holding ``payload``, valid only where ``decode`` is given the same ``issued_for``."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _cipher(get_settings().cursor_signing_key).encrypt(
        nonce, json.dumps(payload, separators=(",", ":")).encode(), issued_for.encode()
    )
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def decode(token: str, issued_for: str) -> dict[str, Any]:
    """The payload of a cursor ``encode`` made for ``issued_for``; 400 INVALID_NEXT_TOKEN otherwise."""
    from cryptography.exceptions import InvalidTag

    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise _invalid() from None
    if len(raw) <= _NONCE_BYTES:
        raise _invalid()
    try:
        plain = _cipher(get_settings().cursor_signing_key).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], issued_for.encode()
        )
    except InvalidTag:
        raise _invalid() from None
    payload: dict[str, Any] = json.loads(plain)
    return payload
