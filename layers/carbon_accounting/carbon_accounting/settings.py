"""Runtime settings, read from the environment once, on first use (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Settings:
    table_name: str
    jwt_issuer: str
    jwt_audience: str
    jwks_url: str
    authorizer_cache_seconds: int
    cursor_signing_key: str
    bucket_name: str
    region: str
    document_extractor: str = "text_layer"  # or textract (template parameter DocumentExtractor)

    @property
    def jwt_enabled(self) -> bool:
        return bool(self.jwt_issuer and self.jwt_audience and self.jwks_url)


@cache
def get_settings() -> Settings:
    """The function's settings. ``TABLE_NAME`` is required; a missing one fails loudly at first use."""
    env = os.environ
    return Settings(
        table_name=env["TABLE_NAME"],
        jwt_issuer=env.get("JWT_ISSUER", ""),
        jwt_audience=env.get("JWT_AUDIENCE", ""),
        jwks_url=env.get("JWKS_URL", ""),
        authorizer_cache_seconds=int(env.get("AUTHORIZER_CACHE_SECONDS", "300")),
        cursor_signing_key=env.get("CURSOR_SIGNING_KEY", ""),
        bucket_name=env.get("BUCKET_NAME", ""),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", ""),
        document_extractor=env.get("DOCUMENT_EXTRACTOR", "text_layer"),
    )
