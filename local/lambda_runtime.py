"""The worker side of the local Lambda runtime: one warm execution environment for one function.

``local.functions`` runs this file as a script (``python -P lambda_runtime.py CODE_URI HANDLER``)
with the function's environment. Like a Lambda container it puts CodeUri first on sys.path (it is
/var/task), imports the handler's module once (the init phase), then serves invocations one at a
time. Standard library only: the function's dependencies are whatever its interpreter provides.

Protocol, one JSON document per line. The worker keeps the original stdout for it, because
functions log (JSON) to stdout: fd 1 is pointed at stderr, which the parent forwards to its console.

- worker -> parent, once: ``{"ready": true}`` or ``{"error": {...}}`` (then it exits);
- parent -> worker: ``{"event", "request_id", "deadline_ms", "invoked_function_arn"}``;
- worker -> parent: ``{"result": ...}`` or ``{"error": {"errorType", "errorMessage", "stackTrace"}}``.

Each invocation's logs sit between ``START RequestId: ...`` and ``END RequestId: ...`` lines on
stderr, as in CloudWatch; the parent waits for the END line before it logs the REPORT line.
"""

from __future__ import annotations

import decimal
import importlib
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

Handler = Callable[[Any, "LambdaContext"], Any]
END_MARKER = "END RequestId: "


class LambdaContext:
    """The context object handlers receive, as the Python Lambda runtime builds it."""

    def __init__(self, *, request_id: str, deadline_ms: int, invoked_function_arn: str) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out."""
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(exception: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """The error document Lambda returns for an exception (and logs, like the real runtime)."""
    stack = traceback.format_list(traceback.extract_tb(exception.__traceback__))
    error_type = error_type or type(exception).__name__
    print(f"[ERROR] {error_type}: {exception}", "".join(stack), sep="\n", file=sys.stderr)
    return {"errorType": error_type, "errorMessage": str(exception), "stackTrace": stack}


def _to_json(value: Any) -> str:
    def default(item: Any) -> Any:
        # The Python runtime serializes Decimal (what boto3's DynamoDB resources return) as a number.
        if isinstance(item, decimal.Decimal):
            return int(item) if item == item.to_integral_value() else float(item)
        raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")

    return json.dumps(value, default=default)


class _InitError(Exception):
    """The init phase failed (Runtime.ImportModuleError, Runtime.HandlerNotFound)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _load_handler(handler: str) -> Handler:
    module_name, _, function_name = handler.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from error
    function = getattr(module, function_name, None)
    if not callable(function):
        raise _InitError(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        )
    return function


def _invoke(handler: Handler, request: dict[str, Any]) -> str:
    context = LambdaContext(
        request_id=request["request_id"],
        deadline_ms=request["deadline_ms"],
        invoked_function_arn=request["invoked_function_arn"],
    )
    print(f"START RequestId: {context.aws_request_id} Version: $LATEST", file=sys.stderr)
    reply = _reply(handler, request["event"], context)
    # The parent waits for this line, so that the invocation's logs precede its REPORT line.
    print(f"{END_MARKER}{context.aws_request_id}", file=sys.stderr)
    return reply


def _reply(handler: Handler, event: Any, context: LambdaContext) -> str:
    try:
        result = handler(event, context)
    except Exception as error:
        return json.dumps({"error": _error(error)})
    try:
        return _to_json({"result": result})
    except (TypeError, ValueError) as error:
        return json.dumps({"error": _error(error, "Runtime.MarshalError")})


def serve(code_uri: str, handler_name: str, channel: TextIO) -> None:
    """Import the handler (init), then answer invocations read from stdin until it closes."""
    sys.path.insert(0, code_uri)
    try:
        handler = _load_handler(handler_name)
    except _InitError as error:
        channel.write(json.dumps({"error": _error(error, error.error_type)}) + "\n")
        return
    channel.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        channel.write(_invoke(handler, json.loads(line)) + "\n")


def main() -> None:
    """Entry point: set up the protocol channel and the function's stdout, then serve."""
    # Ctrl-C in the developer's terminal reaches the whole process group; the parent stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # the function's prints and log lines now go to stderr
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    code_uri, handler_name = sys.argv[1:3]
    serve(code_uri, handler_name, channel)


if __name__ == "__main__":
    main()
