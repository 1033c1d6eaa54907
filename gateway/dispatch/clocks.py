"""Response-time clocks: settling them, finding and raising breaches, and the watcher that
raises every breach once, on time, across restarts.

Clocks are rows, so a restarted gateway picks up where the last one stopped; a breach is the
conditional update from running to breached, so two gateways (or a sweep racing a restart)
cannot both raise it. A gateway that has just started may hold answers not yet read from Kafka:
it waits until its consumer has caught up (at most ``max_defer_s``) before judging any clock, so
an acknowledgement made in time while it was down is not taken for a breach.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.activity import service as activity
from gateway.centers import service as centers
from gateway.centers.models import IncidentHandling
from gateway.centers.routing import RoutingRules
from gateway.dispatch.models import ResponseClock
from jcp.dispatch.v1 import dispatch_pb2 as pb
from kernel import metrics, sources
from kernel.bus.outbox import announce
from kernel.bus.topics import DISPATCH
from kernel.clock import Clock, utc_now
from kernel.db import transaction
from kernel.incidents.models import IncidentRow

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
            due = due_clocks(session=session, now=self._clock())
        raised = 0
        for clock_id in due:
            with transaction(self._session_factory) as session:
                breach = breach_due(session=session, clock_id=clock_id, rules=self._rules, clock=self._clock)
            if breach is not None:
                raised += 1
                metrics.CLOCK_BREACHES.labels(*breach).inc()
        if raised:
            self.breaches += raised
            log.warning("%d response-time clock(s) breached and escalated", raised)
        return raised


def breaches_since(*, session: Session, center: str, since: datetime) -> int:
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


def settle(*, session: Session, task_id: str, kinds: Sequence[str], status: str, now: datetime) -> list[str]:
    """Stop running clocks of a task; the kinds actually stopped."""
    stopped = []
    for clock_row in session.scalars(
        select(ResponseClock).where(
            ResponseClock.task_id == task_id,
            ResponseClock.kind.in_(kinds),
            ResponseClock.status == "running",
        )
    ):
        clock_row.status = status
        clock_row.settled_at = now
        stopped.append(clock_row.kind)
        if status == "met":
            metrics.RESPONSE_SECONDS.labels(clock_row.kind).observe(
                (now - clock_row.started_at).total_seconds()
            )
    return stopped


def of_tasks(*, session: Session, task_ids: Sequence[str]) -> dict[str, list[ResponseClock]]:
    found: dict[str, list[ResponseClock]] = {task_id: [] for task_id in task_ids}
    if task_ids:
        for row in session.scalars(
            select(ResponseClock).where(ResponseClock.task_id.in_(task_ids)).order_by(ResponseClock.deadline)
        ):
            found[row.task_id].append(row)
    return found


def breach_due(
    *, session: Session, clock_id: str, rules: RoutingRules, clock: Clock = utc_now
) -> tuple[str, str] | None:
    """Raise one clock's breach if it is still running: the conditional update makes it happen
    once, whichever gateway process or restart gets there first. The clock's kind and center
    when it was raised here."""
    now = clock()
    moved = session.execute(
        update(ResponseClock)
        .where(ResponseClock.id == clock_id, ResponseClock.status == "running", ResponseClock.deadline <= now)
        .values(status="breached", settled_at=now)
    ).rowcount
    if moved != 1:
        return None
    row = session.get_one(ResponseClock, clock_id)
    handling = centers.handling_of(session=session, incident_id=row.incident_id)
    commander = rules.centers[handling.center].commander
    breach = pb.ClockBreached(
        clock_id=row.id,
        task_id=row.task_id,
        incident_id=row.incident_id,
        agency=row.agency,
        kind=row.kind,
        center=handling.center,
        commander=commander,
    )
    breach.deadline.FromDatetime(row.deadline)
    breach.breached_at.FromDatetime(now)
    announce(
        session=session,
        topic=DISPATCH,
        source=sources.GATEWAY_DISPATCH,
        key=row.incident_id,
        message=breach,
        clock=clock,
    )
    activity.record(
        session=session,
        actor="clock",
        kind="clock",
        action="breached",
        incident_id=row.incident_id,
        center=handling.center,
        data={
            "clock_id": row.id,
            "task_id": row.task_id,
            "agency": row.agency,
            "clock": row.kind,
            "deadline": row.deadline.isoformat(),
            "late_s": (now - row.deadline).total_seconds(),
            "escalated_to": commander,
        },
        clock=clock,
    )
    return row.kind, handling.center


def due_clocks(*, session: Session, now: datetime, limit: int = 500) -> list[str]:
    return list(
        session.scalars(
            select(ResponseClock.id)
            .where(ResponseClock.status == "running", ResponseClock.deadline <= now)
            .order_by(ResponseClock.deadline)
            .limit(limit)
        )
    )
