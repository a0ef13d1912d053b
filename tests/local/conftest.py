"""Fixtures of the local stack's tests: the test template, local services, a function pool."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local.aws import Endpoints
from local.dynamodb_local import dynamodb_local as run_dynamodb_local
from local.dynamodb_local import unavailable_reason
from local.functions import FunctionPool
from local.moto_server import moto_server as run_moto_server
from local.template import Stack, load_stack
from tests.local.fixtures import TEST_TEMPLATE


def _eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.1)
    return result


@pytest.fixture
def eventually() -> Callable[..., Any]:
    """eventually(check, timeout=15) polls `check` until truthy (and returns it), else fails the test."""
    return _eventually


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The moto server's endpoint."""
    with run_moto_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    """DynamoDB Local's endpoint."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"DynamoDB Local unavailable: {reason}")
    with run_dynamodb_local() as endpoint:
        yield endpoint


@pytest.fixture
def endpoints(dynamodb_local: str, moto_server: str) -> Endpoints:
    return Endpoints(dynamodb=dynamodb_local, moto=moto_server)


@pytest.fixture
def moto_endpoints(moto_server: str) -> Endpoints:
    """Endpoints for tests that need no DynamoDB (moto stands in for it)."""
    return Endpoints(dynamodb=moto_server, moto=moto_server)


@pytest.fixture
def record_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "records"
    directory.mkdir()
    return directory


@pytest.fixture
def stack(record_dir: Path) -> Stack:
    """The test template, its functions recording into `record_dir`."""
    return load_stack(TEST_TEMPLATE, {"RecordDir": str(record_dir)})


@pytest.fixture
def recorded(record_dir: Path, stack: Stack) -> Callable[[str], list[Any]]:
    """recorded(function_id) -> the events that function received so far."""

    def read(function_id: str) -> list[Any]:
        path = record_dir / f"{stack.functions[function_id].name}.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    return read


@pytest.fixture
def log_lines() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def pool(stack: Stack, moto_endpoints: Endpoints, log_lines: list[tuple[str, str]]) -> Iterator[FunctionPool]:
    """Warm workers of the test template's functions; their output lines land in `log_lines`."""
    with FunctionPool(
        stack, moto_endpoints, log=lambda fid, line: log_lines.append((fid, line))
    ) as functions:
        yield functions
