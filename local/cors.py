"""CORS of an HTTP API, applied only when the template declares a CorsConfiguration.

As in API Gateway, preflight requests are answered without calling any function, and the CORS
headers of function responses are replaced by those of the configuration.
"""

from __future__ import annotations

from collections.abc import Mapping

from local.template import Cors


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    """An OPTIONS request carrying Origin and Access-Control-Request-Method."""
    return method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers


def _allowed_origin(cors: Cors, origin: str | None) -> str | None:
    if origin is None:
        return None
    if "*" in cors.allow_origins:
        return origin if cors.allow_credentials else "*"
    return origin if origin.lower() in (allowed.lower() for allowed in cors.allow_origins) else None


def preflight_headers(cors: Cors, headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """Headers of the 204 answer to a preflight request (none when the origin is not allowed)."""
    origin = _allowed_origin(cors, headers.get("origin"))
    if origin is None:
        return []
    answer = [
        ("access-control-allow-origin", origin),
        ("access-control-allow-methods", ",".join(cors.allow_methods)),
        ("access-control-allow-headers", ",".join(cors.allow_headers)),
    ]
    if cors.allow_credentials:
        answer.append(("access-control-allow-credentials", "true"))
    if cors.max_age is not None:
        answer.append(("access-control-max-age", str(cors.max_age)))
    return answer


def response_headers(
    cors: Cors, request_headers: Mapping[str, str], headers: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """A function response's headers with its CORS headers replaced by the configuration's."""
    kept = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
    origin = _allowed_origin(cors, request_headers.get("origin"))
    if origin is None:
        return kept
    kept.append(("access-control-allow-origin", origin))
    if cors.expose_headers:
        kept.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
    if cors.allow_credentials:
        kept.append(("access-control-allow-credentials", "true"))
    return kept
