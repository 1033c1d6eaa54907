"""Serving the console from the agency process: uvicorn in a worker thread beside the gRPC
server, stopped by the same stop event (SIGTERM, SIGINT) as the other workers.

A console that cannot take its port is a failed start, not a quiet one: the agency process
exits, so the launcher and the tests see it at once.
"""

import threading
import time

import uvicorn
from fastapi import FastAPI


class ConsoleServer:
    def __init__(self, app: FastAPI, *, host: str, port: int) -> None:
        self.address = f"http://{host}:{port}"
        self._server = uvicorn.Server(
            uvicorn.Config(
                app, host=host, port=port, log_config=None, access_log=False, timeout_graceful_shutdown=5
            )
        )
        self._ended = threading.Event()

    def run(self, stop: threading.Event) -> None:
        """Serves until ``stop`` is set (a worker's body)."""
        watcher = threading.Thread(target=self._stop_when, args=(stop,), name="console-stop", daemon=True)
        watcher.start()
        try:
            self._server.run()
        finally:
            self._ended.set()

    def _stop_when(self, stop: threading.Event) -> None:
        stop.wait()
        self._server.should_exit = True

    def wait_started(self, timeout: float) -> bool:
        """True once it listens; False if it ended first (its port taken) or took too long."""
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._ended.is_set() or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True
