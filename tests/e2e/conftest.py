"""The local stack for e2e tests: ``python -m local.dev`` with tests/e2e/seed.json, once per session.

It runs on a free port with its own state directory, so it never clashes with a developer's
``make dev``, and its whole process group (DynamoDB Local, workers) is stopped at teardown.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local.launch import LocalStackProcess

SEED = Path(__file__).parent / "seed.json"


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """The running stack: ``.url`` is the API, ``.stack_json`` the parsed stack.json."""
    stack = LocalStackProcess(
        tmp_path_factory.mktemp("local-stack"), args=["--seed", str(SEED)], ready_timeout=90
    )
    stack.start()
    yield stack
    stack.stop()
