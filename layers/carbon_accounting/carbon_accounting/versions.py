"""Optimistic concurrency: every mutable item has a ``version``, sent back by clients as ``If-Match``."""

from __future__ import annotations

import re

from carbon_accounting.errors import BadRequest

_ENTITY_TAG = re.compile(r'^\s*(?:W/)?"?(?P<version>\d+)"?\s*$')


def parse_if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` header asks for: ``3``, ``"3"`` or ``W/"3"``; None if absent."""
    if value is None or value.strip() == "*":
        return None
    match = _ENTITY_TAG.match(value)
    if match is None:
        raise BadRequest('If-Match must be the facility\'s version, e.g. "3"', "INVALID_IF_MATCH")
    return int(match["version"])
