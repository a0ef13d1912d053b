"""The local stack for e2e tests: ``python -m local.dev`` with tests/e2e/seed.json, once per session.

It runs on a free port with its own state directory, so it never clashes with a developer's
``make dev``, and its whole process group (DynamoDB Local, workers) is stopped at teardown.
"""

from __future__ import annotations

import functools
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.launch import LocalStackProcess

SEED = Path(__file__).parent / "seed.json"
DEMO_SEED = Path(__file__).parent.parent.parent / "local" / "seed.json"


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """The running stack: ``.url`` is the API, ``.stack_json`` the parsed stack.json."""
    stack = LocalStackProcess(
        tmp_path_factory.mktemp("local-stack"), args=["--seed", str(SEED)], ready_timeout=90
    )
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """``make dev`` as a user starts it, with the demo seed: for the docs page and the fuzzer."""
    stack = LocalStackProcess(tmp_path_factory.mktemp("demo-stack"), args=["--seed", str(DEMO_SEED)])
    stack.start()
    yield stack
    stack.stop()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def request(url: str, method: str, path: str, headers: dict[str, str], body: Any = None) -> Reply:
    """One HTTP call to the stack at ``url``; a JSON ``body`` is sent as such."""
    data = None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    if data is not None:
        call.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            status, reply_headers, text = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, reply_headers, text = error.code, dict(error.headers), error.read()
    return Reply(status, reply_headers, json.loads(text) if text else None)


@pytest.fixture(scope="session")
def http(local_stack: LocalStackProcess) -> Callable[..., Reply]:
    """Call the local stack: ``http(method, path, headers, body=None)`` answers a ``Reply``."""
    return functools.partial(request, local_stack.url)
