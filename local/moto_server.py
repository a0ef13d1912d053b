"""The moto server: S3, SQS and every other AWS service without a dedicated local engine."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer

from local.net import LOOPBACK, free_port

logger = logging.getLogger(__name__)


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's threaded server on a free loopback port for the block; yields its endpoint.

    Its state is in memory: it is gone when the block ends.
    """
    port = free_port()
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
    server.start()  # returns once the socket listens
    endpoint = f"http://{LOOPBACK}:{port}"
    logger.info("moto server listening on %s", endpoint)
    try:
        yield endpoint
    finally:
        server.stop()
