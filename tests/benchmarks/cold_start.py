"""Cold starts as Lambda runs them, for every function of template.yaml, against `import boto3`.

- **The layer as shipped**: built by its own Makefile (what `sam build` runs), for this machine's
  platform, bytecode included, then made read-only, as Lambda mounts /opt; and, to see what the
  bytecode is worth, the same layer without it (what the layer shipped before issue 16).
- **A runtime-like Python**: a virtualenv of python3.11 holding only boto3, as the Lambda runtime
  provides it; ``PYTHONDONTWRITEBYTECODE=1``, since /opt and /var/task cannot be written; the
  function's environment from the template; the function's code directory and the layer on the path.
- **Whole processes**, timed from outside (``time.perf_counter`` around each), the median of
  ``SAMPLES``, each sample of a function followed by one of ``python -c "import boto3"`` in the same
  runtime, so that the ratio compares the two under the same load.
- **The references**: a typical Powertools stack (Logger, Tracer with aws-xray-sdk, Metrics, a
  validating resolver, idempotency) built and measured the same way; and Powertools'
  ``event_handler`` package alone, on the layer, which every HTTP function imports.
- **The cold request**, init plus the first request (which imports botocore's service model and
  builds the client), for get, list and create, on DynamoDB Local: against the same call made bare
  (``import boto3``, a client, one call) in a fresh process.

Run: `make bench` (``python -m tests.benchmarks.cold_start [--smoke]``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.template import load_stack
from tests.benchmarks.dynamodb import local_table

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".benchmarks"
SAMPLES = 15
# The layer without its bytecode (as it shipped before issue 16) is timed for two of the functions
# issue 16 measured it on, the lightest and the heaviest: enough to show what the bytecode is worth.
WITHOUT_BYTECODE = {"AuthorizerFunction", "CreateInvoiceFunction"}
BOTO3 = "boto3==1.44.5"  # the development pin (pyproject.toml); the runtime's own is a little older
HOST_PLATFORM = {"x86_64": "manylinux2014_x86_64", "aarch64": "manylinux2014_aarch64"}[os.uname().machine]
REFERENCE_APP = """
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent
from pydantic import BaseModel

logger, tracer, metrics = Logger(), Tracer(), Metrics(namespace="Reference")
app = APIGatewayHttpResolver(enable_validation=True)
persistence = DynamoDBPersistenceLayer(table_name="reference")


class Item(BaseModel):
    id: str
    name: str


@app.get("/items/<item_id>")
@tracer.capture_method
def get_item(item_id: str) -> Item:
    return Item(id=item_id, name="x")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@idempotent(persistence_store=persistence)
def lambda_handler(event, context):
    return app.resolve(event, context)
"""


def _writable(path: Path) -> None:
    for each in [path, *path.rglob("*")]:
        if not each.is_symlink():
            each.chmod(each.stat().st_mode | stat.S_IWUSR)


def _read_only(path: Path) -> None:
    for each in [path, *path.rglob("*")]:
        if not each.is_symlink():
            each.chmod(each.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _fresh(path: Path) -> Path:
    if path.exists():
        _writable(path)
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def runtime_python() -> Path:
    """python3.11 in a virtualenv with only boto3 (made once, kept in .benchmarks/)."""
    venv = WORK / f"runtime-{BOTO3.replace('==', '-')}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run(["python3.11", "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", BOTO3], check=True)
    return python


def build_layer(bytecode: bool, platform: str = HOST_PLATFORM) -> Path:
    """The layer's python/ directory, built by its Makefile for ``platform`` (this machine's, to run
    it), then read-only."""
    name = "layer" if bytecode else "layer-without-bytecode"
    artifacts = _fresh(WORK / (name if platform == HOST_PLATFORM else f"{name}-{platform}"))
    subprocess.run(
        [
            "make",
            "--silent",
            "build-CarbonAccountingLayer",
            f"ARTIFACTS_DIR={artifacts}",
            f"PLATFORM={platform}",
        ],
        cwd=ROOT / "layers" / "carbon_accounting",
        check=True,
        capture_output=True,
    )
    if not bytecode:
        for cache in sorted((artifacts / "python").rglob("__pycache__")):
            shutil.rmtree(cache)
    _read_only(artifacts)
    return artifacts / "python"


def build_reference() -> Path:
    """A typical Powertools stack's function and its dependencies, compiled, then read-only."""
    target = _fresh(WORK / "reference")
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--only-binary=:all:",
            "--platform", HOST_PLATFORM, "--implementation", "cp", "--python-version", "3.11",
            "--target", str(target / "python"),
            "aws-lambda-powertools[tracer]==3.37.0", "pydantic==2.14.3",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (target / "python" / "reference_app.py").write_text(REFERENCE_APP)
    subprocess.run(
        ["python3.11", "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(target)],
        check=True,
    )
    _read_only(target)
    return target / "python"


@dataclass(frozen=True)
class Runtime:
    python: Path
    environment: dict[str, str]

    def process_ms(self, code: str, path: list[Path], extra: dict[str, str] | None = None) -> float:
        """Milliseconds of a whole fresh process running ``code`` with ``path`` first on sys.path."""
        environment = self.environment | (extra or {}) | {"PYTHONPATH": os.pathsep.join(map(str, path))}
        started = time.perf_counter()
        subprocess.run([str(self.python), "-c", code], env=environment, check=True, capture_output=True)
        return (time.perf_counter() - started) * 1000


def runtime(python: Path) -> Runtime:
    """The runtime's environment: nothing of this shell's but PATH, no AWS endpoint, no bytecode writes."""
    return Runtime(
        python,
        {
            "PATH": os.environ["PATH"],
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        },
    )


def paired(
    rt: Runtime,
    code: str,
    path: list[Path],
    extra: dict[str, str],
    samples: int,
    baseline: str = "import boto3",
) -> tuple[float, float]:
    """Median ms of ``code`` and of ``baseline``, sampled alternately."""
    measured, base = [], []
    for _ in range(samples):
        measured.append(rt.process_ms(code, path, extra))
        base.append(rt.process_ms(baseline, [], extra))
    return statistics.median(measured), statistics.median(base)


# ------------------------------------------------------------------ the cold request

REQUEST = """
import json, sys, uuid
event = json.load(open({event!r}))
import app

class Context:
    function_name = {function!r}
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + function_name
    aws_request_id = str(uuid.uuid4())
    def get_remaining_time_in_millis(self):
        return 20_000

status = app.lambda_handler(event, Context())["statusCode"]
assert status == {status}, status
"""
BARE = """
import boto3
answer = boto3.client("dynamodb").{operation}(**{arguments!r})
"""


@contextmanager
def seeded_dynamodb() -> Iterator[dict[str, Any]]:
    """DynamoDB Local with the template's table, the demo seed and one invoice: what the requests
    read, and the bare calls' arguments."""
    from carbon_accounting.seed import load_seed
    from tests.handlers.conftest import invoke

    table = "carbon-accounting-bench"
    with local_table(table) as endpoint:
        os.environ.update(AUTHORIZER_CACHE_SECONDS="0", POWERTOOLS_METRICS_DISABLED="true")
        seed = load_seed(ROOT / "local" / "seed.json")
        acme = seed.organizations[0]
        headers = {"x-api-key": acme.api_keys[0], "x-organization-id": str(acme.id)}
        created = invoke("create_invoice", headers, body=_invoice_body(acme))
        assert created.status == 201, created.body
        invoice_key = {"pk": {"S": f"ORG#{acme.id}"}, "sk": {"S": f"INVOICE#{created.body['id']}"}}
        yield {
            "endpoint": endpoint,
            "table": table,
            "organization": str(acme.id),
            "invoice": created.body["id"],
            "get_item": {"TableName": table, "Key": invoice_key},
            "query": {
                "TableName": table,
                "IndexName": "gsi2",
                "KeyConditionExpression": "gsi2pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": f"ORG#{acme.id}#INVOICE"}},
                "Limit": 10,
            },
            "put_item": {
                "TableName": table,
                "Item": {"pk": {"S": "BARE"}, "sk": {"S": "PUT"}, "n": {"N": "1"}},
            },
        }


def _invoice_body(acme: Any) -> dict[str, Any]:
    facility = next(facility for facility in acme.facilities if facility.country == "ES")
    return {
        "type": "electricity",
        "base_quantity": 2.5,
        "unit_id": "617e8ff3-f16b-556d-adf7-723f92996f0b",
        "start_date": "2024-11-01",
        "end_date": "2024-11-30",
        "facility_percentages": [
            {"organization_id": str(acme.id), "facility_id": str(facility.id), "percentage": 1.0}
        ],
    }


def _request_event(name: str, data: dict[str, Any], scratch: Path) -> Path:
    event = json.loads((ROOT / "events" / f"{name}.json").read_text())
    event["requestContext"]["authorizer"]["lambda"]["organization_id"] = data["organization"]
    event["headers"]["x-organization-id"] = data["organization"]
    event["headers"].pop("idempotency-key", None)
    if name == "get_invoice":
        event["pathParameters"] = {"invoice_id": data["invoice"]}
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/v3/invoices/{data['invoice']}"
    if name == "create_invoice":
        event["body"] = json.dumps(_invoice_body(_acme()))
    path = scratch / f"{name}.json"
    path.write_text(json.dumps(event))
    return path


def _acme() -> Any:
    from carbon_accounting.seed import read_seed

    return read_seed(ROOT / "local" / "seed.json").organizations[0]


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="3 samples of 3 functions: the command works")
    arguments = parser.parse_args(argv)
    samples = 3 if arguments.smoke else SAMPLES
    stack = load_stack(ROOT / "template.yaml")
    functions = sorted(stack.functions.values(), key=lambda f: f.logical_id)
    if arguments.smoke:
        functions = [
            f
            for f in functions
            if f.logical_id in {"AuthorizerFunction", "GetInvoiceFunction", "CalculateEmissionsFunction"}
        ]
    rt = runtime(runtime_python())
    layer, bare_layer, reference = build_layer(bytecode=True), build_layer(bytecode=False), build_reference()
    report: dict[str, Any] = {"samples": samples, "machine": os.uname().machine, "init": {}, "requests": {}}

    print(f"Init: whole fresh processes, median of {samples}, alternating with `import boto3`")
    print(f"{'function':<36}{'ms':>8}{'boto3 ms':>10}{'x boto3':>9}{'x, no bytecode':>16}")
    for function in functions:
        extra = dict(function.environment)
        code_path = [function.code_uri, layer]
        shipped, boto3_ms = paired(rt, "import app", code_path, extra, samples)
        figures = report["init"][function.logical_id] = {
            "ms": shipped,
            "boto3_ms": boto3_ms,
            "ratio": shipped / boto3_ms,
        }
        if function.logical_id in WITHOUT_BYTECODE:
            unshipped, boto3_again = paired(rt, "import app", [function.code_uri, bare_layer], extra, samples)
            figures["without_bytecode_ratio"] = unshipped / boto3_again
        without = f"{figures['without_bytecode_ratio']:>16.2f}" if "without_bytecode_ratio" in figures else ""
        print(f"{function.logical_id:<36}{shipped:>8.1f}{boto3_ms:>10.1f}{shipped / boto3_ms:>9.2f}{without}")
    references = {
        "typical Powertools stack": ("import reference_app", reference),
        # What every HTTP function imports before any code of ours: the floor Powertools sets.
        "Powertools' event_handler alone": ("import aws_lambda_powertools.event_handler", layer),
    }
    for name, (code, path) in references.items():
        measured, boto3_ms = paired(rt, code, [path], {"POWERTOOLS_SERVICE_NAME": "reference"}, samples)
        report["init"][name] = {"ms": measured, "boto3_ms": boto3_ms, "ratio": measured / boto3_ms}
        print(f"{name:<36}{measured:>8.1f}{boto3_ms:>10.1f}{measured / boto3_ms:>9.2f}")

    print(f"\nThe cold request (init + first request) against the bare cold call, median of {samples}")
    calls = {
        "get invoice": ("get_invoice", "GetInvoiceFunction", 200, "get_item"),
        "org list": ("list_invoices", "ListInvoicesFunction", 200, "query"),
        "create invoice": ("create_invoice", "CreateInvoiceFunction", 201, "put_item"),
    }
    with seeded_dynamodb() as data, _scratch() as scratch:
        aws = {
            "AWS_ENDPOINT_URL_DYNAMODB": data["endpoint"],
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "TABLE_NAME": data["table"],
            "POWERTOOLS_METRICS_DISABLED": "true",
            "CURSOR_SIGNING_KEY": "bench",
        }
        for name, (event_name, logical_id, status, operation) in calls.items():
            function = stack.functions[logical_id]
            event = _request_event(event_name, data, scratch)
            code = REQUEST.format(event=str(event), function=logical_id, status=status)
            bare = BARE.format(operation=operation, arguments=data[operation])
            extra = dict(function.environment) | aws
            request_ms, bare_ms = paired(rt, code, [function.code_uri, layer], extra, samples, baseline=bare)
            report["requests"][name] = {"ms": request_ms, "bare_ms": bare_ms, "ratio": request_ms / bare_ms}
            print(f"{name:<36}{request_ms:>8.1f}{bare_ms:>10.1f}{request_ms / bare_ms:>9.2f}")
    return report


@contextmanager
def _scratch() -> Iterator[Path]:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory)


if __name__ == "__main__":
    main()
