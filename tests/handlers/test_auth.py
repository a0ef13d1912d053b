"""Who may call, for which organization: the authorizer and the functions' enforcement together."""

import json
import threading
import time
import uuid
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from carbon_accounting import auth, repository
from carbon_accounting.models import ApiKey
from carbon_accounting.settings import get_settings
from tests.tenants import (
    ACME,
    ACME_KEY,
    ACME_MADRID,
    ACME_USER,
    GLOBEX,
    GLOBEX_KEY,
    GLOBEX_USER,
    IBERIA,
    IBERIA_KEY,
    IBERIA_LISBON,
    IBERIA_USER,
    api_key_headers,
)

INVALID_API_KEY = {"detail": "Invalid API key", "code": "INVALID_API_KEY"}
INVALID_TOKEN = {"detail": "Invalid token", "code": "INVALID_TOKEN"}
FORBIDDEN = {"detail": "Not authorized", "code": "FORBIDDEN"}
ISSUER, AUDIENCE = "https://issuer.test/", "carbon-accounting"


def get_madrid(api, headers):
    return api("get_facility", headers, path={"facility_id": str(ACME_MADRID)})


# ------------------------------------------------------------------ API keys


@pytest.mark.parametrize(
    "headers",
    [
        {"x-organization-id": str(ACME)},
        {"x-api-key": "sk_test_not_a_key", "x-organization-id": str(ACME)},
        {"x-api-key": "", "x-organization-id": str(ACME)},
        {"x-api-key": "sk_test_not_a_key"},
    ],
)
def test_missing_or_unknown_key_is_401_invalid_api_key(api, headers):
    answer = get_madrid(api, headers)

    assert (answer.status, answer.body) == (401, INVALID_API_KEY)


def test_revoked_key_gets_exactly_the_answer_of_an_unknown_key(api):
    revoked = "sk_test_revoked"
    repository.put_api_key(
        ApiKey(key_hash=auth.hash_api_key(revoked), key_id="revoked", organization_id=ACME, revoked=True)
    )

    revoked_answer = get_madrid(api, api_key_headers(revoked, ACME))
    unknown_answer = get_madrid(api, api_key_headers("sk_test_unknown", ACME))

    assert (revoked_answer.status, revoked_answer.body) == (unknown_answer.status, unknown_answer.body)
    assert revoked_answer.body == INVALID_API_KEY


def test_keys_are_stored_only_as_sha256_hashes(api):

    items = repository.client().scan(TableName=get_settings().table_name)["Items"]  # test-only read
    stored = json.dumps(items)

    assert ACME_KEY not in stored
    assert auth.hash_api_key(ACME_KEY) in stored


@pytest.mark.parametrize(
    ("organization_header", "code"),
    [(None, "MISSING_ORGANIZATION_ID"), ("acme", "INVALID_ORGANIZATION_ID"), ("", "MISSING_ORGANIZATION_ID")],
)
def test_valid_key_without_a_usable_organization_header_is_400(api, organization_header, code):
    headers = {"x-api-key": ACME_KEY}
    if organization_header is not None:
        headers["x-organization-id"] = organization_header

    answer = get_madrid(api, headers)

    assert answer.status == 400
    assert answer.body["code"] == code
    assert "x-organization-id" in answer.body["detail"]


def test_credentials_are_checked_before_the_request_is_validated(api):
    answer = api("create_facility", {"x-api-key": "sk_test_unknown", "x-organization-id": str(ACME)}, body={})

    assert (answer.status, answer.body) == (401, INVALID_API_KEY)


@pytest.mark.parametrize(
    ("key", "organization"),
    [(GLOBEX_KEY, ACME), (IBERIA_KEY, ACME), (ACME_KEY, GLOBEX), (ACME_KEY, uuid.uuid4())],
    ids=["other tenant", "subsidiary acting for its parent", "parent for a stranger", "unknown organization"],
)
def test_key_acting_for_an_organization_it_does_not_cover_is_403(api, key, organization):
    answer = api("list_facilities", api_key_headers(key, organization))

    assert (answer.status, answer.body) == (403, FORBIDDEN)


def test_parent_key_acts_for_its_subsidiary_and_sees_only_the_subsidiarys_facilities(api):
    answer = api("list_facilities", api_key_headers(ACME_KEY, IBERIA))

    assert answer.status == 200
    assert [item["id"] for item in answer.body["items"]] == [str(IBERIA_LISBON)]


# ------------------------------------------------------------------ JWT


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def issuer_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def signing_key(issuer_key, tmp_path, monkeypatch):
    """An issuer with an RSA key, its JWKS served on loopback, trusted by the authorizer."""
    private_key = issuer_key
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    (tmp_path / "jwks.json").write_text(
        json.dumps({"keys": [jwk | {"kid": "test-key", "use": "sig", "alg": "RS256"}]})
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietFiles, directory=tmp_path))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    monkeypatch.setenv("JWT_ISSUER", ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("JWKS_URL", f"http://127.0.0.1:{server.server_port}/jwks.json")
    get_settings.cache_clear()
    auth._jwks_client.cache_clear()
    yield private_key
    server.shutdown()
    get_settings.cache_clear()
    auth._jwks_client.cache_clear()


def token(private_key, subject, **claims):
    now = int(time.time())
    payload = {"sub": str(subject), "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300} | claims
    return jwt.encode(payload, private_key, algorithm="RS256", headers={"kid": "test-key"})


def bearer(value, organization):
    return {"Authorization": f"Bearer {value}", "x-organization-id": str(organization)}


def test_member_with_a_valid_token_reads_its_organization(api, signing_key):
    answer = get_madrid(api, bearer(token(signing_key, ACME_USER), ACME))

    assert answer.status == 200
    assert answer.body["id"] == str(ACME_MADRID)


def test_member_of_a_parent_acts_for_the_subsidiary_but_not_the_other_way(api, signing_key):
    down = api("list_facilities", bearer(token(signing_key, ACME_USER), IBERIA))
    up = api("list_facilities", bearer(token(signing_key, IBERIA_USER), ACME))

    assert down.status == 200
    assert (up.status, up.body) == (403, FORBIDDEN)


def test_valid_token_of_a_non_member_is_403(api, signing_key):
    answer = get_madrid(api, bearer(token(signing_key, GLOBEX_USER), ACME))

    assert (answer.status, answer.body) == (403, FORBIDDEN)


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 60},
        {"iss": "https://someone-else.test/"},
        {"aud": "another-api"},
        {"sub": "not-a-uuid"},
    ],
    ids=["expired", "wrong issuer", "wrong audience", "subject not a user id"],
)
def test_token_that_does_not_verify_is_401_invalid_token(api, signing_key, claims):
    answer = get_madrid(api, bearer(token(signing_key, ACME_USER, **claims), ACME))

    assert (answer.status, answer.body) == (401, INVALID_TOKEN)


def test_token_signed_by_another_key_is_401(api, signing_key):
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    answer = get_madrid(api, bearer(token(impostor, ACME_USER), ACME))

    assert (answer.status, answer.body) == (401, INVALID_TOKEN)


@pytest.mark.parametrize("authorization", ["Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz"])
def test_malformed_authorization_is_401_invalid_token(api, signing_key, authorization):
    answer = get_madrid(api, {"Authorization": authorization, "x-organization-id": str(ACME)})

    assert (answer.status, answer.body) == (401, INVALID_TOKEN)


def test_tokens_are_refused_when_no_issuer_is_configured(api, issuer_key):
    answer = get_madrid(api, bearer(token(issuer_key, ACME_USER), ACME))

    assert (answer.status, answer.body) == (401, INVALID_TOKEN)


# ------------------------------------------------------------------ the authorizer's cache


def test_verdicts_are_cached_per_credential_and_organization(api, monkeypatch):
    monkeypatch.setenv("AUTHORIZER_CACHE_SECONDS", "300")
    get_settings.cache_clear()
    auth._verdicts.clear()
    lookups = []
    real_lookup = repository.get_api_key_and_organization
    monkeypatch.setattr(
        repository, "get_api_key_and_organization", lambda *args: lookups.append(args) or real_lookup(*args)
    )

    first = api("list_facilities", api_key_headers(ACME_KEY, ACME))
    again = api("list_facilities", api_key_headers(ACME_KEY, ACME))
    subsidiary = api("list_facilities", api_key_headers(ACME_KEY, IBERIA))

    assert first.status == again.status == subsidiary.status == 200
    assert len(lookups) == 2, "the same key and organization are looked up once; another organization again"
    auth._verdicts.clear()
    get_settings.cache_clear()
