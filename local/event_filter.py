"""Lambda event filtering (FilterCriteria patterns) for event source mappings.

A pattern is a JSON object mirroring the record: nested objects select fields, and a list at a
leaf lists the acceptable values, each either an exact value (string, number, boolean, null) or
a rule: ``{"prefix": s}``, ``{"suffix": s}``, ``{"equals-ignore-case": s}``, ``{"exists": bool}``,
``{"anything-but": value | [values] | {"prefix": s}}`` or ``{"numeric": [op, n, ...]}``. A record
passes when every field of the pattern matches; a mapping passes it when any filter does.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_MISSING = object()
_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _numeric(value: Any, conditions: list[Any]) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    pairs = zip(conditions[::2], conditions[1::2], strict=True)
    return all(_NUMERIC[op](value, bound) for op, bound in pairs)


def _anything_but(value: Any, excluded: Any) -> bool:
    if isinstance(excluded, dict) and "prefix" in excluded:
        return isinstance(value, str) and not value.startswith(excluded["prefix"])
    return value not in (excluded if isinstance(excluded, list) else [excluded])


# Rules on a present value ("exists" is the one that also sees a missing one).
_RULES: dict[str, Callable[[Any, Any], bool]] = {
    "prefix": lambda value, prefix: isinstance(value, str) and value.startswith(prefix),
    "suffix": lambda value, suffix: isinstance(value, str) and value.endswith(suffix),
    "equals-ignore-case": lambda value, text: isinstance(value, str) and value.lower() == text.lower(),
    "anything-but": _anything_but,
    "numeric": _numeric,
}


def _rule_matches(rule: Any, value: Any) -> bool:
    """One element of a pattern's value list against one value of the record."""
    if not isinstance(rule, dict):
        # Exact value; numbers compare numerically, but true is not 1.
        return value is not _MISSING and rule == value and isinstance(rule, bool) == isinstance(value, bool)
    ((kind, argument),) = rule.items()
    if kind == "exists":
        return (value is not _MISSING) == argument
    return value is not _MISSING and _RULES[kind](value, argument)


def unknown_rules(pattern: Mapping[str, Any]) -> set[str]:
    """The rules in `pattern` this filter does not implement (the template is refused for them)."""
    unknown: set[str] = set()
    for expected in pattern.values():
        if isinstance(expected, dict):
            unknown |= unknown_rules(expected)
        else:
            unknown |= {kind for rule in expected if isinstance(rule, dict) for kind in rule}
    return unknown - {"exists", *_RULES}


def matches(pattern: Mapping[str, Any], record: Any) -> bool:
    """Whether `record` passes `pattern`."""
    for key, expected in pattern.items():
        value = record.get(key, _MISSING) if isinstance(record, dict) else _MISSING
        if isinstance(expected, dict):
            if not matches(expected, value if value is not _MISSING else {}):
                return False
            continue
        # A list value in the record matches when any of its elements does (EventBridge semantics).
        candidates = value if isinstance(value, list) else [value]
        if not any(_rule_matches(rule, candidate) for rule in expected for candidate in candidates):
            return False
    return True


def passes(patterns: Iterable[Mapping[str, Any]], record: Any) -> bool:
    """Whether `record` passes the filters of a mapping (no filters: everything passes)."""
    patterns = list(patterns)
    return not patterns or any(matches(pattern, record) for pattern in patterns)
