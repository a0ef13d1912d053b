"""Optimistic concurrency: every mutable item has a ``version``, sent back by clients as ``If-Match``."""

from __future__ import annotations

import re

from carbon_accounting.errors import BadRequest

# ``*``, ``3``, ``"3"`` or ``W/"3"``: the pattern the document shows for the header, and the one checked.
IF_MATCH_PATTERN = r'^[ \t]*(?:\*|(?:W/)?"?[0-9]+"?)[ \t]*$'


def parse_if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` header asks for: ``3``, ``"3"`` or ``W/"3"``; None if absent."""
    if value is None:
        return None
    if not re.fullmatch(IF_MATCH_PATTERN, value):
        raise BadRequest('If-Match must be the version to update, e.g. "3"', "INVALID_IF_MATCH")
    version = value.strip(" \t").removeprefix("W/").strip('"')
    return None if version == "*" else int(version)
