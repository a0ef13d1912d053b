"""The README's deploy walkthrough against the local stack: a new operator onboards an organization
with the admin CLI (as against a deployed table: ``--endpoint-url`` and ``--table``), calls the API
with its first key, rotates, revokes and expires keys; and ``make dev PERSIST=1`` keeps the table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.launch import LocalStackProcess
from tests.conftest import ROOT
from tests.e2e.conftest import request

pytestmark = pytest.mark.e2e

CACHE_SECONDS = 2  # the stack's AuthorizerCacheSeconds: how long a warm authorizer trusts a verdict
INVALID_API_KEY = {"detail": "Invalid API key", "code": "INVALID_API_KEY"}


@pytest.fixture(scope="module")
def fresh_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """A stack with nobody in it, as a deployed stack is after its first `make deploy`."""
    stack = LocalStackProcess(
        tmp_path_factory.mktemp("fresh-stack"),
        args=["--no-seed", "--parameter", f"AuthorizerCacheSeconds={CACHE_SECONDS}"],
    )
    stack.start()
    yield stack
    stack.stop()


def admin(stack: LocalStackProcess, *arguments: str, as_deployed: bool = True) -> Any:
    """The CLI as the walkthrough runs it: a table by name and endpoint, credentials from the
    environment (the local stack takes any); or, ``as_deployed`` False, with no option but the
    stack's state directory (what ``make admin`` does on the running ``make dev``)."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "TABLE_NAME"))
    }
    if as_deployed:
        environment |= {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
        target = [
            "--endpoint-url",
            stack.stack_json["endpoints"]["dynamodb"],
            "--table",
            stack.stack_json["tables"]["Table"],
            "--region",
            "us-east-1",
        ]
    else:
        target = ["--state-dir", str(stack.state_dir)]
    command = [sys.executable, "-m", "carbon_accounting.admin", *target, *arguments]
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def call(stack: LocalStackProcess, key: str, organization: str, method: str = "GET", body: Any = None):
    """``(status, body)`` of a call to the organization's facilities with ``key``."""
    headers = {"x-api-key": key, "x-organization-id": organization}
    reply = request(stack.url, method, "/v1/facilities", headers, body)
    return reply.status, reply.body


def test_an_operator_onboards_an_organization_and_calls_the_api_with_its_first_key(fresh_stack):
    organization = admin(fresh_stack, "organizations", "create", "Initech")["id"]
    key = admin(fresh_stack, "keys", "create", organization, "--name", "first")

    created = call(fresh_stack, key["api_key"], organization, "POST", {"name": "Austin HQ", "country": "US"})
    listed = call(fresh_stack, key["api_key"], organization)

    assert created[0] == 201 and listed[0] == 200
    assert [facility["name"] for facility in listed[1]["items"]] == ["Austin HQ"]
    (shown,) = admin(fresh_stack, "keys", "list", organization)
    assert shown["last_used_at"] is not None and shown["prefix"] == key["api_key"][:12]

    subsidiary = admin(fresh_stack, "organizations", "create", "Initech Europe", "--parent", organization)
    assert call(fresh_stack, key["api_key"], subsidiary["id"])[0] == 200, "the parent's key covers it"
    shown = admin(fresh_stack, "organizations", "show", organization, as_deployed=False)
    assert [each["name"] for each in shown["subsidiaries"]] == ["Initech Europe"]


def test_rotated_keys_overlap_until_the_expiry_and_revoked_or_expired_ones_are_refused(fresh_stack):
    organization = admin(fresh_stack, "organizations", "create", "Globex")["id"]
    old = admin(fresh_stack, "keys", "create", organization)
    assert call(fresh_stack, old["api_key"], organization)[0] == 200

    # Expiries of a few seconds leave room for a slow machine between the CLI's write and the calls.
    new = admin(fresh_stack, "keys", "rotate", organization, old["key_id"], "--old-expires-in", "5s")
    both = (
        call(fresh_stack, old["api_key"], organization)[0],
        call(fresh_stack, new["api_key"], organization)[0],
    )
    time.sleep(5.1)
    after_expiry = call(fresh_stack, old["api_key"], organization)

    assert both == (200, 200)
    assert after_expiry == (401, INVALID_API_KEY), "no warm authorizer trusts a key past its expiry"

    admin(fresh_stack, "keys", "revoke", organization, new["key_id"])
    time.sleep(CACHE_SECONDS + 0.1)
    assert call(fresh_stack, new["api_key"], organization) == (401, INVALID_API_KEY)

    short = admin(fresh_stack, "keys", "create", organization, "--expires-in", "5s")
    assert call(fresh_stack, short["api_key"], organization)[0] == 200
    time.sleep(5.1)
    assert call(fresh_stack, short["api_key"], organization) == (401, INVALID_API_KEY)
    statuses = sorted(each["status"] for each in admin(fresh_stack, "keys", "list", organization))
    assert statuses == ["expired", "expired", "revoked"]


def test_a_persisted_stack_resumes_its_table(tmp_path: Path):
    arguments = ["--persist", "--seed", str(ROOT / "tests" / "e2e" / "seed.json")]
    first = LocalStackProcess(tmp_path, args=arguments)
    first.start()
    try:
        organization = admin(first, "organizations", "create", "Kept Ltd")["id"]
        said_first = first.output()
    finally:
        first.stop()
    again = LocalStackProcess(tmp_path, args=arguments)
    again.start()
    try:
        names = {each["name"] for each in admin(again, "organizations", "list")}
        said_again = again.output()
    finally:
        again.stop()

    assert f"fresh, kept in {tmp_path / 'dynamodb'}" in said_first
    assert f"resumed from {tmp_path / 'dynamodb'}" in said_again
    assert "Kept Ltd" in names and organization
    assert {"Acme Group", "Acme Iberia", "Globex"} <= names, "the seed, loaded again, is still there once"
