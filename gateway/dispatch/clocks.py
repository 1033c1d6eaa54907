"""The response-time clock watcher: raises every breach once, on time, across restarts.

Clocks are rows, so a restarted gateway picks up where the last one stopped; a breach is the
conditional update from running to breached, so two gateways (or a sweep racing a restart)
cannot both raise it. A gateway that has just started may hold answers not yet read from Kafka:
it waits until its consumer has caught up (at most ``max_defer_s``) before judging any clock, so
an acknowledgement made in time while it was down is not taken for a breach.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.centers.models import IncidentHandling
from gateway.centers.routing import RoutingRules
from gateway.dispatch import service
from gateway.dispatch.models import ResponseClock
from kernel import metrics
from kernel.clock import Clock, utc_now
from kernel.db import transaction
from kernel.incident_store import IncidentRow

log = logging.getLogger(__name__)


class ClockWatcher:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        rules: RoutingRules,
        interval_s: float,
        caught_up: Callable[[], bool] = lambda: True,
        max_defer_s: float = 30.0,
        clock: Clock = utc_now,
    ) -> None:
        self._session_factory = session_factory
        self._rules = rules
        self._interval = interval_s
        self._caught_up = caught_up
        self._max_defer_s = max_defer_s
        self._clock = clock
        self._started = time.monotonic()
        self.judging = False
        self.breaches = 0

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self._interval):
            try:
                self.sweep()
            except Exception:  # the next sweep tries again; a breach is only ever late, not lost
                log.exception("clock sweep failed")

    def sweep(self) -> int:
        """Raise every breach that is due; how many this sweep raised."""
        if not self.judging:
            self.judging = self._caught_up() or time.monotonic() - self._started > self._max_defer_s
            if not self.judging:
                return 0
        with self._session_factory() as session:
            due = service.due_clocks(session, self._clock())
        raised = 0
        for clock_id in due:
            with transaction(self._session_factory) as session:
                breach = service.breach_due(session, clock_id=clock_id, rules=self._rules, clock=self._clock)
            if breach is not None:
                raised += 1
                metrics.CLOCK_BREACHES.labels(*breach).inc()
        if raised:
            self.breaches += raised
            log.warning("%d response-time clock(s) breached and escalated", raised)
        return raised


def breaches_since(session: Session, *, center: str, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(ResponseClock)
            .join(IncidentHandling, IncidentHandling.incident_id == ResponseClock.incident_id)
            .join(IncidentRow, IncidentRow.id == ResponseClock.incident_id)
            .where(
                IncidentHandling.center == center,
                IncidentRow.drill.is_(False),  # drills stay out of the real figures
                ResponseClock.status == "breached",
                ResponseClock.settled_at >= since,
            )
        )
        or 0
    )
