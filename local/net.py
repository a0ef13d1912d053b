"""Loopback networking helpers: everything the local stack serves listens on 127.0.0.1 only."""

import socket
import time
from collections.abc import Callable

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """Return a TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def wait_until(ready: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.2) -> None:
    """Poll `ready` until it returns True; raise TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} was not ready after {timeout:.0f} s")
        time.sleep(interval)
