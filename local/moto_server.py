"""The moto server: S3, SQS and every other AWS service without a dedicated local engine."""

from __future__ import annotations

import logging

from moto.server import ThreadedMotoServer

from local.net import LOOPBACK, free_port

logger = logging.getLogger(__name__)


class MotoServer:
    """moto's threaded server on a free loopback port; use as a context manager."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = f"http://{LOOPBACK}:{self.port}"
        self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=self.port, verbose=False)

    def start(self) -> None:
        """Start serving (returns once the socket listens)."""
        self._server.start()
        logger.info("moto server listening on %s", self.endpoint)

    def stop(self) -> None:
        """Stop serving; moto's in-memory state is discarded with the process."""
        self._server.stop()

    def __enter__(self) -> MotoServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
