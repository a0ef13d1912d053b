"""Local JWT signing: an RSA key made once, its JWKS served on loopback, and RS256 user tokens.

The dev stack points the template's JWT parameters at these (issuer, audience and the JWKS URL),
so Bearer tokens minted here pass the authorizer as tokens of the real identity provider would.
The JWKS is served over HTTP because PyJWT's PyJWKClient only fetches http(s) URLs (it rejects
file://), like a real issuer's ``/.well-known/jwks.json``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from local.net import QuietHandler, serve_http

PRIVATE_KEY = "signing-key.pem"
JWKS = "jwks.json"
LOCAL_AUDIENCE = "carbon-accounting-local"
JWKS_PATH = "/local/.well-known/jwks.json"


def _thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 key thumbprint, a stable key id."""
    canonical = json.dumps({name: jwk[name] for name in ("e", "kty", "n")}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def ensure_keys(key_dir: Path) -> Path:
    """Create the signing key and its jwks.json in `key_dir` unless they exist; return jwks.json."""
    private_path, jwks_path = key_dir / PRIVATE_KEY, key_dir / JWKS
    if private_path.exists() and jwks_path.exists():
        return jwks_path
    key_dir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as private_file:
        private_file.write(pem)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk |= {"kid": _thumbprint(jwk), "use": "sig", "alg": "RS256"}
    jwks_path.write_text(json.dumps({"keys": [jwk]}, indent=2) + "\n", encoding="utf-8")
    return jwks_path


def mint(sub: str, issuer: str, audience: str, ttl: int = 3600, *, key_dir: Path) -> str:
    """An RS256 token for user `sub`, valid for `ttl` seconds, signed with the local key."""
    jwks_path = ensure_keys(key_dir)
    kid = json.loads(jwks_path.read_text(encoding="utf-8"))["keys"][0]["kid"]
    now = int(time.time())
    payload = {
        "sub": sub,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
    }
    private_key = (key_dir / PRIVATE_KEY).read_bytes()
    return jwt.encode(payload, private_key, algorithm="RS256", headers={"kid": kid})


@contextmanager
def local_issuer(key_dir: Path) -> Iterator[dict[str, str]]:
    """Serve the JWKS of `key_dir` on 127.0.0.1 (a free port) for the block.

    Yields the issuer's settings, as stack.json keeps them: issuer, audience, jwks_url, key_dir.
    """
    jwks = ensure_keys(key_dir).read_bytes()

    class JwksHandler(QuietHandler):
        def do_GET(self) -> None:
            found = self.path == JWKS_PATH
            self.send_response(200 if found else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(jwks) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(jwks)

    with serve_http(JwksHandler) as base_url:
        yield {
            "issuer": f"{base_url}/local",
            "audience": LOCAL_AUDIENCE,
            "jwks_url": base_url + JWKS_PATH,
            "key_dir": str(key_dir.resolve()),
        }
