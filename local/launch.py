"""Run ``python -m local.dev`` as a child process and wait until it serves (for tests and scripts)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from local.dev import READY
from local.net import LOOPBACK, free_port
from local.paths import REPO_ROOT
from local.state import STATE_FILE


class LocalStackProcess:
    """A dev stack in its own process group, on a free port and a private state directory.

    After `start`, `url` is the API and `stack_json` the parsed stack.json.
    """

    def __init__(self, state_dir: Path, *, args: Sequence[str] = (), ready_timeout: float = 90.0) -> None:
        self.state_dir = state_dir
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.stack_json: dict[str, Any] = {}
        self._args = list(args)
        self._ready_timeout = ready_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None

    def start(self) -> None:
        """Start the stack; raise RuntimeError (with its output) unless it is ready in time."""
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - read while it runs, closed by stop()
        command = [
            sys.executable,
            "-m",
            "local.dev",
            "--port",
            str(self.port),
            "--state-dir",
            str(self.state_dir),
        ]
        self._process = subprocess.Popen(
            [*command, *self._args],
            cwd=REPO_ROOT,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: teardown reaches Java and the workers too
        )
        deadline = time.monotonic() + self._ready_timeout
        while f"{READY} {self.url}" not in self.output():
            if self._process.poll() is not None or time.monotonic() > deadline:
                status, output = self._process.poll(), self.output()
                self.stop()
                reason = f"exited with status {status}" if status is not None else "timed out"
                raise RuntimeError(f"local stack {reason}; output:\n{output}")
            time.sleep(0.2)
        self.stack_json = json.loads((self.state_dir / STATE_FILE).read_text(encoding="utf-8"))

    def output(self) -> str:
        """Everything the stack printed so far."""
        if self._output is None:
            return ""
        self._output.seek(0)
        return self._output.read().decode(errors="replace")

    def stop(self) -> None:
        """SIGTERM the process group (a clean shutdown), SIGKILL it after 20 s."""
        if self._process is None:
            return
        for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
            try:
                os.killpg(self._process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self._process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        self._process = None
        if self._output is not None:
            self._output.close()
            self._output = None
