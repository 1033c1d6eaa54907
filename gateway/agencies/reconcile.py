"""Repair of the shared picture when Kafka lost records.

The embedded broker forgets everything on restart, and a consumer that was down at the time
never sees what it missed. Every interval the gateway compares a digest of its incidents with
each agency's; where they differ it lists the agency's (id, version) pairs, fetches what the
agency holds newer, and announces again (as snapshots) what an agency lacks or holds older.
"""

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import grpc
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.agencies.directory import AgencyDirectory
from gateway.centers import service as centers
from jcp.incidents.v1 import agency_pb2, events_pb2
from kernel import sources
from kernel.bus.outbox import OutboxRecord
from kernel.bus.topics import INCIDENTS
from kernel.clock import Clock, utc_now
from kernel.db import transaction
from kernel.incidents import store as incident_store
from kernel.incidents.digest import digest_of
from kernel.incidents.models import IncidentRow
from kernel.incidents.proto import to_proto

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    fetched: dict[str, int] = field(default_factory=dict)
    reannounced: int = 0
    unreachable: list[str] = field(default_factory=list)


class Reconciler:
    def __init__(
        self,
        *,
        directory: AgencyDirectory,
        session_factory: sessionmaker[Session],
        interval_s: float,
        grace_s: float,
        clock: Clock = utc_now,
    ) -> None:
        self._directory = directory
        self._session_factory = session_factory
        self._interval = interval_s
        self._grace = timedelta(seconds=grace_s)
        self._clock = clock

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self._interval):
            try:
                report = self.reconcile()
            except Exception:  # the next round tries again; the picture is only ever repaired
                log.exception("reconciliation failed")
                continue
            if report.reannounced or any(report.fetched.values()):
                log.info("reconciled: %s", report)

    def reconcile(self) -> ReconcileReport:
        report = ReconcileReport()
        lacking: set[str] = set()
        held = self._held()
        ours = digest_of([(key, value[0]) for key, value in held.items()])
        for agency in self._directory.agencies:
            try:
                theirs = self._directory.stub(agency).GetInventoryDigest(
                    agency_pb2.GetInventoryDigestRequest(), timeout=2.0
                )
                if theirs.count == ours.count and theirs.digest == ours.value:
                    continue
                listing = dict(self._directory.inventory(agency))
                # Read after the listing: what the gateway made meanwhile is not "newer there".
                report.fetched[agency] = self._fetch_newer(agency, listing, self._held())
            except grpc.RpcError as exc:
                report.unreachable.append(agency)
                log.debug("agency %s unreachable for reconciliation: %s", agency, exc.code().name)
                continue
            if not theirs.HasField("consumer_lag") or theirs.consumer_lag > 0:
                continue  # still catching up: what it lacks may be on its way
            settled_before = self._clock() - self._grace
            lacking.update(
                incident_id
                for incident_id, (version, received_at) in held.items()
                if listing.get(incident_id, 0) < version and received_at < settled_before
            )
        report.reannounced = self._reannounce(sorted(self._settled(lacking)))
        return report

    def _settled(self, incident_ids: set[str]) -> set[str]:
        """Leave out incidents whose latest event is unsent or was sent within the grace period:
        it is still on its way (a relay working through a backlog)."""
        if not incident_ids:
            return incident_ids
        recent = self._clock() - self._grace
        in_flight: set[str] = set()
        ids = sorted(incident_ids)
        with self._session_factory() as session:
            for start in range(0, len(ids), 500):
                in_flight.update(
                    session.scalars(
                        select(OutboxRecord.key).where(
                            OutboxRecord.topic == INCIDENTS,
                            OutboxRecord.key.in_(ids[start : start + 500]),
                            or_(OutboxRecord.sent_at.is_(None), OutboxRecord.sent_at >= recent),
                        )
                    )
                )
        return incident_ids - in_flight

    def _held(self) -> dict[str, tuple[int, datetime]]:
        with self._session_factory() as session:
            return {
                row.id: (row.version, row.received_at)
                for row in session.execute(
                    select(
                        IncidentRow.id,
                        IncidentRow.version,
                        IncidentRow.received_at,
                    )
                )
            }

    def _fetch_newer(
        self, agency: str, listing: dict[str, int], held: dict[str, tuple[int, datetime]]
    ) -> int:
        newer = [key for key, version in listing.items() if version > held.get(key, (0, None))[0]]
        stub = self._directory.stub(agency)
        fetched = 0
        for incident_id in newer:
            incident = stub.GetIncident(agency_pb2.GetIncidentRequest(id=incident_id), timeout=2.0)
            with transaction(self._session_factory) as session:
                if incident_store.adopt(
                    session=session, incident=incident, source=sources.GATEWAY_RECONCILER, clock=self._clock
                ):
                    fetched += 1
                    centers.handling_of(session=session, incident_id=incident.id)
        return fetched

    def _reannounce(self, incident_ids: list[str]) -> int:
        for start in range(0, len(incident_ids), 500):
            with transaction(self._session_factory) as session:
                for row in session.scalars(
                    select(IncidentRow).where(IncidentRow.id.in_(incident_ids[start : start + 500]))
                ):
                    incident_store.announce(
                        session=session,
                        message=events_pb2.IncidentSnapshot(incident=to_proto(row)),
                        source=sources.GATEWAY_RECONCILER,
                        clock=self._clock,
                    )
        return len(incident_ids)
