"""Cold start of every function of template.yaml, against the cost of `import boto3`.

Each sample is a fresh interpreter importing the function's module (Lambda's init phase) with the
function's environment from the template. Median of N samples. Run: `make bench`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from local.template import load_stack

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = 9
PROBE = (
    "import time, importlib\n"
    "started = time.perf_counter()\n"
    "importlib.import_module({module!r})\n"
    "print((time.perf_counter() - started) * 1000)\n"
)


def import_ms(module: str, cwd: Path, environment: dict[str, str]) -> float:
    """Median milliseconds for a fresh interpreter to import ``module`` (bytecode already cached)."""
    samples = []
    for _ in range(SAMPLES):
        result = subprocess.run(
            [sys.executable, "-c", PROBE.format(module=module)],
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(float(result.stdout))
    return statistics.median(samples)


def main() -> None:
    stack = load_stack(ROOT / "template.yaml")
    base = {name: value for name, value in os.environ.items() if not name.startswith("AWS_ENDPOINT")}
    boto3_ms = import_ms("boto3", ROOT, base)
    print(f"{'function':<28}{'init ms':>9}{'x boto3':>9}")
    print(f"{'(import boto3)':<28}{boto3_ms:>9.1f}{1:>9.2f}")
    for function in sorted(stack.functions.values(), key=lambda f: f.logical_id):
        environment = base | dict(function.environment) | {"PYTHONPATH": str(function.code_uri)}
        elapsed = import_ms(function.handler.rpartition(".")[0], function.code_uri, environment)
        print(f"{function.logical_id:<28}{elapsed:>9.1f}{elapsed / boto3_ms:>9.2f}")


if __name__ == "__main__":
    main()
