"""Background workers and graceful shutdown, shared by every process.

Workers are daemon threads watching one stop event; SIGTERM and SIGINT set it, so a process
finishes its current batch, commits, and exits instead of dying mid-transaction.
"""

import logging
import signal
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Workers:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, name: str, target: Callable[[threading.Event], None]) -> None:
        def guarded() -> None:
            try:
                target(self.stop)
            except Exception:
                log.exception("worker %s died", name)
                raise

        thread = threading.Thread(target=guarded, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def shutdown(self, timeout: float = 10.0) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout)


def stop_on_signals(stop: threading.Event) -> None:
    def handle(signum: int, _frame: object) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
