"""The morning issue: every day at 08:00 (district time, configurable) the day before's
bulletin for the district and each center, on Mondays the week's, on the 1st the month's.

Issued once, across restarts and however many gateways run: the morning's bulletin of a period
is edition 0, whose id is the primary key, so a second insert fails and is taken as "already
issued". A gateway that was down at 08:00 issues the morning's bulletins when it starts.
"""

import logging
import threading
from datetime import time

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.bulletins import periods, service
from gateway.centers.routing import RoutingRules
from kernel.clock import Clock, utc_now
from kernel.db import transaction

log = logging.getLogger(__name__)

ACTOR = "schedule"


class BulletinScheduler:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        rules: RoutingRules,
        timezone: str,
        at: time,
        interval_s: float,
        clock: Clock = utc_now,
    ) -> None:
        self._session_factory = session_factory
        self._rules = rules
        self._timezone = timezone
        self._at = at
        self._interval = interval_s
        self._clock = clock

    def run(self, stop: threading.Event) -> None:
        """At once (a gateway that was down at 08:00 owes the morning's issue), then on every
        interval."""
        while True:
            try:
                self.sweep()
            except Exception:  # the next sweep tries again; an issue is only ever late, not lost
                log.exception("bulletin sweep failed")
            if stop.wait(self._interval):
                return

    def sweep(self) -> int:
        """Issue every bulletin the latest morning owes and nobody has issued; how many."""
        issued = 0
        for period in periods.owed(now=self._clock(), timezone=self._timezone, at=self._at):
            with self._session_factory() as session:
                if service.issued(session=session, period=period):
                    continue
            try:
                with transaction(self._session_factory) as session:
                    service.generate(
                        session=session,
                        period=period,
                        rules=self._rules,
                        actor=ACTOR,
                        scheduled=True,
                        clock=self._clock,
                    )
            except IntegrityError:
                continue  # another gateway issued it between our look and our insert
            issued += 1
        if issued:
            log.info("%d bulletin(s) issued", issued)
        return issued
