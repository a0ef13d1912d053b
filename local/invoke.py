"""Invoke one function of the template against the running local stack.

    python -m local.invoke <FunctionLogicalId> [--event event.json | --event -] [--state-dir .local]

The function runs in a fresh worker of this process with the same environment the dev stack gives
it (template, parameter overrides, endpoints). Its result is printed as JSON on stdout, its logs
go to stderr; a failed invocation prints Lambda's error document and exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from local.functions import FunctionError, FunctionPool
from local.paths import STATE_DIR
from local.state import read_state
from local.template import load_stack


def _read_event(source: str | None) -> Any:
    if source is None:
        return {}
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    return json.loads(text)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__.splitlines()[0])
    parser.add_argument("function", help="logical id of the function in the template")
    parser.add_argument("--event", help="JSON event file, or - for stdin (default: {})")
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR, help="state directory of the stack")
    args = parser.parse_args(argv)
    state = read_state(args.state_dir)
    stack = load_stack(Path(state.template), state.parameters)
    if args.function not in stack.functions:
        print(
            f"no function {args.function!r}; functions: {', '.join(sorted(stack.functions))}", file=sys.stderr
        )
        return 2
    with FunctionPool(stack, state.service_endpoints()) as pool:
        try:
            result = pool.invoke(args.function, _read_event(args.event))
        except FunctionError as error:
            print(json.dumps(error.payload(), indent=2))
            return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
