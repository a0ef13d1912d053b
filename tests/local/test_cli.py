"""The CLIs against a running stack's stack.json: ``local.invoke`` and ``local.token``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from local.jwt_keys import local_issuer
from local.paths import REPO_ROOT
from local.state import StackState, write_state


@pytest.fixture
def state_dir(tmp_path, stack, moto_endpoints) -> Path:
    """stack.json of a (pretend) running stack of the test template, on the moto server."""
    directory = tmp_path / "state"
    with local_issuer(directory / "jwt") as jwt_settings:
        pass
    write_state(
        directory,
        StackState(
            url="http://127.0.0.1:1",
            pid=0,
            template=str(stack.template_path),
            parameters=dict(stack.parameters),
            endpoints={"dynamodb": moto_endpoints.dynamodb, "moto": moto_endpoints.moto},
            tables={"Table": stack.table.name},
            buckets=dict(stack.buckets),
            functions={fid: function.name for fid, function in stack.functions.items()},
            jwt=jwt_settings,
        ),
    )
    return directory


def _run(module: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_invoke_runs_the_function_with_the_stacks_environment(
    state_dir, tmp_path, stack, moto_endpoints, recorded
):
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps({"answer": 42}))
    result = _run(
        "local.invoke", "DescribeFunction", "--event", str(event_file), "--state-dir", str(state_dir)
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["event"] == {"answer": 42}
    assert output["function_name"] == stack.functions["DescribeFunction"].name
    assert output["environment"]["AWS_ENDPOINT_URL_DYNAMODB"] == moto_endpoints.dynamodb
    assert '[DescribeFunction] {"level": "INFO", "message": "describing"}' in result.stderr

    from_stdin = _run(
        "local.invoke", "EchoFunction", "--event", "-", "--state-dir", str(state_dir), stdin='{"x": 1}'
    )
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert recorded("EchoFunction") == [{"x": 1}]  # RecordDir came from stack.json's parameters


def test_invoke_reports_function_errors(state_dir):
    result = _run("local.invoke", "CrashFunction", "--state-dir", str(state_dir))
    assert result.returncode == 1
    assert json.loads(result.stdout)["errorType"] == "ValueError"


def test_invoke_rejects_unknown_functions(state_dir):
    result = _run("local.invoke", "NoSuchFunction", "--state-dir", str(state_dir))
    assert result.returncode == 2
    assert "DescribeFunction" in result.stderr


def test_clis_need_a_running_stack(tmp_path):
    for module, args in (("local.invoke", ["DescribeFunction"]), ("local.token", ["--user", "u"])):
        result = _run(module, *args, "--state-dir", str(tmp_path))
        assert result.returncode == 1
        assert "start the local stack first" in result.stderr


def test_token_prints_a_token_for_the_stacks_issuer(state_dir):
    result = _run(
        "local.token",
        "--user",
        "5b1f6d2e-0000-4000-8000-000000000001",
        "--ttl",
        "120",
        "--state-dir",
        str(state_dir),
    )
    assert result.returncode == 0, result.stderr
    settings = json.loads((state_dir / "stack.json").read_text())["jwt"]
    with local_issuer(Path(settings["key_dir"])) as issuer:  # same key, a new port
        key = jwt.PyJWKClient(issuer["jwks_url"]).get_signing_key_from_jwt(result.stdout.strip())
    claims = jwt.decode(
        result.stdout.strip(),
        key.key,
        algorithms=["RS256"],
        audience=settings["audience"],
        issuer=settings["issuer"],
    )
    assert claims["sub"] == "5b1f6d2e-0000-4000-8000-000000000001"
    assert claims["exp"] - claims["iat"] == 120
