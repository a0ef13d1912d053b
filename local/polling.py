"""Background pollers (event sources): a thread that polls until stopped."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


class PollingThread:
    """Calls `poll` in a daemon thread until `stop`; waits `interval` seconds after idle polls.

    Subclasses implement `poll`, returning True when it found work (then it is called again at
    once). Exceptions are logged and polling goes on, as an AWS event source mapping keeps trying.
    """

    interval = 0.5

    def __init__(self, name: str) -> None:
        self.name = name
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def poll(self) -> bool:
        """Do one round of work; return True when there may be more right away."""
        raise NotImplementedError

    def start(self) -> None:
        """Start polling in the background."""
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the thread to stop and wait for it (an invocation in flight may take a while)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def sleep(self, seconds: float) -> bool:
        """Wait `seconds`; return False (early) when stopping."""
        return not self._stopping.wait(seconds)

    @property
    def stopping(self) -> bool:
        """True once `stop` was called."""
        return self._stopping.is_set()

    def _run(self) -> None:
        while not self.stopping:
            try:
                busy = self.poll()
            except Exception:
                if self.stopping:  # the services may already be gone during shutdown
                    return
                logger.exception("%s: poll failed; retrying", self.name)
                busy = False
            if not busy:
                self.sleep(self.interval)

    def __enter__(self) -> PollingThread:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
