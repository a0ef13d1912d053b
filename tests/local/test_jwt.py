"""local.jwt_keys: the local signing key, its JWKS (served on loopback) and minted tokens."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import jwt
import pytest

from local.jwt_keys import LOCAL_AUDIENCE, ensure_keys, local_issuer, mint


def test_tokens_verify_through_pyjwkclient(tmp_path):
    with local_issuer(tmp_path) as issuer:
        assert issuer["jwks_url"].startswith("http://127.0.0.1:")
        assert (issuer["audience"], issuer["key_dir"]) == (LOCAL_AUDIENCE, str(tmp_path))
        token = mint("user-1", issuer["issuer"], LOCAL_AUDIENCE, 600, key_dir=tmp_path)
        signing_key = jwt.PyJWKClient(issuer["jwks_url"]).get_signing_key_from_jwt(token)
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(issuer["jwks_url"].replace("jwks.json", "other"), timeout=5)
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        audience=LOCAL_AUDIENCE,
        issuer=issuer["issuer"],
        options={"require": ["exp", "iss", "aud", "sub"]},
    )
    assert claims["sub"] == "user-1"
    assert claims["exp"] - claims["iat"] == 600
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, signing_key.key, algorithms=["RS256"], audience="someone-else")


def test_pyjwkclient_refuses_file_urls(tmp_path):
    """Why the JWKS is served over HTTP: PyJWT rejects file:// JWKS URLs."""
    with pytest.raises(jwt.PyJWKClientError, match="scheme"):
        jwt.PyJWKClient(ensure_keys(tmp_path).as_uri())


def test_keys_are_made_once_with_a_kid(tmp_path):
    jwks_path = ensure_keys(tmp_path)
    (key,) = json.loads(jwks_path.read_text())["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig") and key["kid"]
    assert "d" not in key  # public part only
    assert ensure_keys(tmp_path).read_text() == jwks_path.read_text()
    assert jwt.get_unverified_header(mint("u", "i", "a", key_dir=tmp_path))["kid"] == key["kid"]
    assert (tmp_path / "signing-key.pem").stat().st_mode & 0o777 == 0o600
