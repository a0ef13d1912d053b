"""``.local/stack.json``: how to reach the running dev stack, for the other CLIs and for tests."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from local.aws import Endpoints

STATE_FILE = "stack.json"


class StackNotRunning(RuntimeError):
    """No stack.json: the dev stack is not running (with this state directory)."""


@dataclass(frozen=True)
class StackState:
    """What a running `local.dev` publishes about itself."""

    url: str
    pid: int
    template: str
    stack_name: str
    parameters: dict[str, str]
    endpoints: dict[str, str]  # "dynamodb", "moto"
    tables: dict[str, str]  # logical id -> table name
    buckets: dict[str, str]  # logical id -> bucket name
    functions: dict[str, str]  # logical id -> function name
    jwt: dict[str, str]  # issuer, audience, jwks_url, key_dir

    def service_endpoints(self) -> Endpoints:
        """The endpoints of the stack's local AWS services."""
        return Endpoints(dynamodb=self.endpoints["dynamodb"], moto=self.endpoints["moto"])

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StackState:
        """Build from the parsed stack.json."""
        return cls(**data)


def write_state(state_dir: Path, state: StackState) -> Path:
    """Write stack.json atomically; return its path."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / STATE_FILE
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def read_state(state_dir: Path) -> StackState:
    """Read stack.json; raise StackNotRunning with a hint when there is none."""
    path = state_dir / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StackNotRunning(
            f"no {path}: start the local stack first (make dev / python -m local.dev)"
        ) from None
    return StackState.from_json(data)


def remove_state(state_dir: Path) -> None:
    """Delete stack.json if it belongs to this process (a newer stack may have replaced it)."""
    path = state_dir / STATE_FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except FileNotFoundError:
        pass
