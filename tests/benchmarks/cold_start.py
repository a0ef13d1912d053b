"""Cold start of every function of template.yaml, against the cost of `import boto3`.

Each sample is a fresh interpreter importing the function's module (Lambda's init phase) with the
function's environment from the template. Samples of the function and of `import boto3` alternate,
so the ratio compares the two under the same machine load; medians of SAMPLES each. Run: `make bench`.
The editable install's import finder adds ~15 ms here that a deployed layer does not pay.
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
    """Milliseconds for a fresh interpreter to import ``module`` (bytecode already cached)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout)


def paired_medians(
    module: str, cwd: Path, environment: dict[str, str], base: dict[str, str]
) -> tuple[float, float]:
    """Median init of ``module`` and of ``import boto3``, sampled alternately."""
    function_samples, boto3_samples = [], []
    for _ in range(SAMPLES):
        function_samples.append(import_ms(module, cwd, environment))
        boto3_samples.append(import_ms("boto3", ROOT, base))
    return statistics.median(function_samples), statistics.median(boto3_samples)


def main() -> None:
    stack = load_stack(ROOT / "template.yaml")
    base = {name: value for name, value in os.environ.items() if not name.startswith("AWS_ENDPOINT")}
    print(f"{'function':<36}{'init ms':>9}{'boto3 ms':>10}{'x boto3':>9}")
    for function in sorted(stack.functions.values(), key=lambda f: f.logical_id):
        environment = base | dict(function.environment) | {"PYTHONPATH": str(function.code_uri)}
        module = function.handler.rpartition(".")[0]
        elapsed, boto3_ms = paired_medians(module, function.code_uri, environment, base)
        print(f"{function.logical_id:<36}{elapsed:>9.1f}{boto3_ms:>10.1f}{elapsed / boto3_ms:>9.2f}")


if __name__ == "__main__":
    main()
