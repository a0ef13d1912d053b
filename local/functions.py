"""The parent side of the local Lambda runtime: warm worker processes, a few per function.

A worker (``local/lambda_runtime.py``) starts on a function's first invocation (the cold start)
and stays up, so module-level state survives between invocations as in a warm Lambda container.
It runs with this interpreter (the project venv, where the shared ``carbon_accounting`` package is
installed as the layer would be), a clean environment (the function's variables, Lambda's reserved
ones, endpoints of the local services and fake credentials) and ``-P`` so the repository is not on
its sys.path. Its output is forwarded line by line to the console, prefixed with the function id.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.aws import Endpoints
from local.lambda_runtime import END_MARKER
from local.template import Function, Stack

logger = logging.getLogger(__name__)

RUNTIME = Path(__file__).with_name("lambda_runtime.py")
INIT_TIMEOUT = 10.0  # Lambda's limit for the init phase of an on-demand function
LOG_DRAIN_TIMEOUT = 1.0  # how long a reply waits for the invocation's last log lines
# Variables a process needs to run at all; nothing else leaks from the developer's shell.
INHERITED_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")

LogSink = Callable[[str, str], None]  # (function logical id, one output line)
Invoke = Callable[[str, Any], Any]  # (function logical id, event) -> result; raises FunctionError

_print_lock = threading.Lock()


def print_log_line(function_id: str, line: str) -> None:
    """Default log sink: the line on stderr, prefixed with the function's logical id."""
    with _print_lock:
        print(f"[{function_id}] {line}", file=sys.stderr, flush=True)


class FunctionError(Exception):
    """An invocation failed: the handler raised, the runtime failed, or the function timed out."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []

    def payload(self) -> dict[str, Any]:
        """The error document the Lambda Invoke API would return."""
        return {"errorType": self.error_type, "errorMessage": self.message, "stackTrace": self.stack_trace}


class FunctionTimeout(FunctionError):
    """The function ran past its Timeout; its worker was killed."""


def _raise_on_error(reply: Mapping[str, Any]) -> None:
    if "error" in reply:
        error = reply["error"]
        raise FunctionError(error["errorType"], error["errorMessage"], error.get("stackTrace"))


def lambda_environment(function: Function, endpoints: Endpoints, log_stream: str) -> dict[str, str]:
    """The environment of a function's worker: what Lambda sets, pointed at the local services."""
    environment = {name: os.environ[name] for name in INHERITED_VARIABLES if name in os.environ}
    environment.update(function.environment)
    # Reserved variables come last: in Lambda a function cannot override them either.
    environment.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "LAMBDA_TASK_ROOT": str(function.code_uri),
            "_HANDLER": function.handler,
            "TZ": ":UTC",
            **endpoints.environment(),
        }
    )
    return environment


class FunctionWorker:
    """One warm execution environment of a function; invocations are serialized."""

    def __init__(self, function: Function, endpoints: Endpoints, log: LogSink = print_log_line) -> None:
        self.function = function
        self._endpoints = endpoints
        self._log = log
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._ended = threading.Event()  # set when the worker logs the END line of an invocation

    def invoke(self, event: Any) -> Any:
        """Run the handler on `event` and return its result; raise FunctionError on failure."""
        with self._lock:
            init_ms = None if self._running() else self._start()
            request_id = str(uuid.uuid4())
            started = time.monotonic()
            self._ended.clear()
            deadline = time.time() + self.function.timeout
            self._send(
                {
                    "event": event,
                    "request_id": request_id,
                    "deadline_ms": int(deadline * 1000),
                    "invoked_function_arn": self.function.arn,
                }
            )
            try:
                reply = self._receive(self.function.timeout, request_id)
                self._ended.wait(LOG_DRAIN_TIMEOUT)  # its logs are forwarded: REPORT comes last
            finally:
                duration = (time.monotonic() - started) * 1000
                init = f" Init Duration: {init_ms:.2f} ms" if init_ms is not None else ""
                report = f"REPORT RequestId: {request_id} Duration: {duration:.2f} ms{init}"
                self._log(self.function.logical_id, report)
            _raise_on_error(reply)
            return reply["result"]

    def stop(self) -> None:
        """Shut the worker down: close its stdin (it exits), kill it if it lingers."""
        with self._lock:
            self._stop_process()

    def _running(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            self._process = None  # it died between invocations (os._exit, a crash...)
        return self._process is not None

    def _start(self) -> float:
        """Cold start: spawn the worker and wait for its init phase; return its duration in ms."""
        started = time.monotonic()
        log_stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self._replies = queue.Queue()
        self._process = subprocess.Popen(
            [sys.executable, "-P", str(RUNTIME), str(self.function.code_uri), self.function.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self.function.code_uri,
            env=lambda_environment(self.function, self._endpoints, log_stream),
            text=True,
            encoding="utf-8",
        )
        threading.Thread(target=self._read_replies, args=(self._process, self._replies), daemon=True).start()
        threading.Thread(target=self._forward_output, args=(self._process,), daemon=True).start()
        reply = self._receive(INIT_TIMEOUT, request_id=None)
        if "error" in reply:
            self._stop_process()  # like Lambda, the next invocation tries a fresh init
        _raise_on_error(reply)
        return (time.monotonic() - started) * 1000

    def _send(self, message: Mapping[str, Any]) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(json.dumps(message) + "\n")
        self._process.stdin.flush()

    def _receive(self, timeout: float, request_id: str | None) -> dict[str, Any]:
        try:
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            self._stop_process(kill=True)
            phase = f"RequestId: {request_id} Task" if request_id else "Init phase"
            raise FunctionTimeout(
                "Sandbox.Timedout", f"{phase} timed out after {timeout:.2f} seconds"
            ) from None
        if reply is None:  # the worker exited
            assert self._process is not None
            status = self._process.wait()
            self._process = None
            raise FunctionError("Runtime.ExitError", f"Runtime exited with error: exit status {status}")
        return reply

    def _read_replies(
        self, process: subprocess.Popen[str], replies: queue.Queue[dict[str, Any] | None]
    ) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            replies.put(json.loads(line))
        replies.put(None)

    def _forward_output(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self._log(self.function.logical_id, line.rstrip("\n"))
            if line.startswith(END_MARKER):
                self._ended.set()

    def _stop_process(self, kill: bool = False) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if not kill:
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(timeout=2)
                return
            except subprocess.TimeoutExpired:
                pass
        process.kill()
        process.wait()


class FunctionPool:
    """The warm workers of a stack's functions, started on demand; thread-safe.

    Like Lambda scaling out, a function has as many execution environments as it has requests at
    once, up to ``concurrency`` each: a request takes an idle warm worker, else cold-starts a new
    one, else waits for one to be free. A worker serves one invocation at a time, as in Lambda.
    """

    def __init__(
        self, stack: Stack, endpoints: Endpoints, log: LogSink = print_log_line, concurrency: int = 4
    ) -> None:
        self._stack = stack
        self._endpoints = endpoints
        self._log = log
        self._concurrency = concurrency
        self._workers: dict[str, list[FunctionWorker]] = {}  # every worker of a function
        self._idle: dict[str, list[FunctionWorker]] = {}  # the warm ones free right now
        self._freed = threading.Condition()

    def invoke(self, function_id: str, event: Any) -> Any:
        """Invoke the function with logical id `function_id` (see `FunctionWorker.invoke`)."""
        worker = self._take(function_id)
        try:
            return worker.invoke(event)
        finally:
            with self._freed:
                if worker in self._workers.get(function_id, ()):  # not closed meanwhile
                    self._idle[function_id].append(worker)
                self._freed.notify_all()

    def close(self) -> None:
        """Stop every worker."""
        with self._freed:
            workers = [worker for each in self._workers.values() for worker in each]
            self._workers, self._idle = {}, {}
        for worker in workers:
            worker.stop()

    def _take(self, function_id: str) -> FunctionWorker:
        with self._freed:
            function = self._stack.functions[function_id]  # KeyError for an unknown function
            self._workers.setdefault(function_id, [])
            self._idle.setdefault(function_id, [])
            while True:
                idle, workers = self._idle[function_id], self._workers[function_id]
                if idle:
                    return idle.pop()  # the most recently used: the warmest
                if len(workers) < self._concurrency:
                    worker = FunctionWorker(function, self._endpoints, self._log)
                    workers.append(worker)
                    return worker
                self._freed.wait()

    def __enter__(self) -> FunctionPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
