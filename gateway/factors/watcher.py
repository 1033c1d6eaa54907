"""The check-in watcher: raises every missed check-in once, on time, across restarts.

Watches are rows, so a restarted gateway picks up where the last one stopped; a miss is the
conditional update from on time to overdue, so two gateways (or a sweep racing a restart)
cannot both raise it. Check-ins come in over HTTP only, never through Kafka, so unlike the
response-clock watcher this one has no consumer to wait for before judging.
"""

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from gateway.centers.routing import RoutingRules
from gateway.factors import service
from kernel import metrics
from kernel.clock import Clock, utc_now
from kernel.db import transaction

log = logging.getLogger(__name__)


class CheckInWatcher:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        rules: RoutingRules,
        interval_s: float,
        clock: Clock = utc_now,
    ) -> None:
        self._session_factory = session_factory
        self._rules = rules
        self._interval = interval_s
        self._clock = clock
        self.missed = 0

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self._interval):
            try:
                self.sweep()
            except Exception:  # the next sweep tries again; a miss is only ever late, not lost
                log.exception("check-in sweep failed")

    def sweep(self) -> int:
        """Raise every missed check-in that is due, then end the watches whose period is over
        (in that order: a check-in missed just before its period ended, while no gateway ran,
        is still raised); how many misses this sweep raised."""
        now = self._clock()
        with self._session_factory() as session:
            due = service.due_watches(session=session, now=now)
            over = service.watches_over(session=session, now=now)
        raised = 0
        for watch_id in due:
            with transaction(self._session_factory) as session:
                center = service.miss_due(
                    session=session, watch_id=watch_id, rules=self._rules, clock=self._clock
                )
            if center is not None:
                raised += 1
                metrics.CHECK_INS_MISSED.labels(center).inc()
        for watch_id in over:
            with transaction(self._session_factory) as session:
                service.end_over(session=session, watch_id=watch_id)
        if raised:
            self.missed += raised
            log.warning("%d check-in(s) of instability factors missed and escalated", raised)
        return raised
