"""A signal that something committed: a generation number that grows with each change, and
waiters on threads or on event loops woken at once instead of polling the database."""

import asyncio
import contextlib
import threading


class ChangeSignal:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._generation = 0
        self._loops: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def generation(self) -> int:
        return self._generation

    def notify(self) -> None:
        with self._condition:
            self._generation += 1
            self._condition.notify_all()
            loops = list(self._loops)
        for loop, woken in loops:
            loop.call_soon_threadsafe(woken.set)

    def wait(self, seen: int, timeout: float) -> int:
        """On a thread: the generation once it differs from ``seen``, or after ``timeout``."""
        with self._condition:
            self._condition.wait_for(lambda: self._generation != seen, timeout=timeout)
            return self._generation

    async def changed(self, seen: int, timeout: float) -> int:
        """On an event loop: as ``wait``, without holding a thread."""
        woken = asyncio.Event()
        waiter = (asyncio.get_running_loop(), woken)
        with self._condition:
            self._loops.add(waiter)
            current = self._generation
        try:
            if current == seen:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), timeout)
            return self._generation
        finally:
            with self._condition:
                self._loops.discard(waiter)
