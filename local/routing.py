"""Route selection of an API Gateway HTTP API.

API Gateway picks the most specific match: a full match of method and path first, then paths
with a greedy ``{proxy+}`` variable, then the ``$default`` route. Among full matches, fewer path
variables and an exact method beat ``{variables}`` and ``ANY``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from local.template import DEFAULT_ROUTE, Route

_VARIABLE = re.compile(r"^\{([^}+]+)(\+?)\}$")


@dataclass(frozen=True)
class RouteMatch:
    """The route a request goes to and the path variables it captured."""

    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    pattern: re.Pattern[str]
    variables: tuple[str, ...]
    greedy: bool

    @property
    def rank(self) -> tuple[bool, int, bool]:
        """Sort key: lower is more specific."""
        return (self.greedy, len(self.variables), self.route.method == "ANY")


def _compile(route: Route) -> _CompiledRoute:
    parts, variables, greedy = [], [], False
    for segment in route.path.strip("/").split("/"):
        variable = _VARIABLE.match(segment)
        if variable is None:
            parts.append(re.escape(segment))
            continue
        name, plus = variable.groups()
        variables.append(name)
        greedy = greedy or bool(plus)
        parts.append(f"(?P<v{len(variables) - 1}>.+)" if plus else f"(?P<v{len(variables) - 1}>[^/]+)")
    pattern = re.compile("/" + "/".join(parts))
    return _CompiledRoute(route, pattern, tuple(variables), greedy)


class Router:
    """Matches requests against the routes of one HttpApi."""

    def __init__(self, routes: Iterable[Route]) -> None:
        routes = list(routes)
        self._default = next((route for route in routes if route.path == DEFAULT_ROUTE), None)
        compiled = [_compile(route) for route in routes if route.path != DEFAULT_ROUTE]
        self._routes = sorted(compiled, key=lambda candidate: candidate.rank)

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route for `method` and (decoded) `path`, or None when nothing (not even $default) matches."""
        for candidate in self._routes:
            if candidate.route.method not in (method, "ANY"):
                continue
            found = candidate.pattern.fullmatch(path)
            if found:
                parameters = {name: found.group(f"v{i}") for i, name in enumerate(candidate.variables)}
                return RouteMatch(candidate.route, parameters)
        return RouteMatch(self._default, {}) if self._default else None
