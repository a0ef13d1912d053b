"""``.local/stack.json``: how to reach the running dev stack, for the other CLIs and for tests."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from local.aws import Endpoints

STATE_FILE = "stack.json"


@dataclass(frozen=True)
class StackState:
    """What a running `local.dev` publishes about itself."""

    url: str
    pid: int
    template: str
    parameters: dict[str, str]
    endpoints: dict[str, str]  # "dynamodb", "moto"
    tables: dict[str, str]  # logical id -> table name
    buckets: dict[str, str]  # logical id -> bucket name
    functions: dict[str, str]  # logical id -> function name
    jwt: dict[str, str]  # issuer, audience, jwks_url, key_dir

    def service_endpoints(self) -> Endpoints:
        """The endpoints of the stack's local AWS services."""
        return Endpoints(dynamodb=self.endpoints["dynamodb"], moto=self.endpoints["moto"])


def write_state(state_dir: Path, state: StackState) -> None:
    """Write stack.json atomically."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / STATE_FILE
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def read_state(state_dir: Path) -> StackState:
    """Read stack.json; without one the stack is not running, and the CLI exits (status 1) saying so."""
    path = state_dir / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"no {path}: start the local stack first (make dev / python -m local.dev)") from None
    return StackState(**data)


def remove_state(state_dir: Path) -> None:
    """Delete stack.json if it belongs to this process (a newer stack may have replaced it)."""
    path = state_dir / STATE_FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except FileNotFoundError:
        pass
