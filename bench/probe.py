"""Reads the services' own SQLite files, so every figure is about what each service actually
stored and when (``incident_receipts.received_at``), not about what was sent."""

import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select

from bench.kafka_baseline import BenchError
from kernel.bus.inbox import ProcessedEvent
from kernel.bus.outbox import OutboxRecord
from kernel.bus.topics import INCIDENTS
from kernel.catalog import AGENCIES
from kernel.incidents.models import IncidentReceipt, IncidentRow

SNAPSHOT_TYPE = "jcp.incidents.v1.IncidentSnapshot"


class Databases:
    def __init__(self, data_dir: Path) -> None:
        self.engines: dict[str, Engine] = {
            name: create_engine(f"sqlite:///{data_dir / (name + '.db')}", connect_args={"timeout": 30})
            for name in (*AGENCIES, "gateway")
        }

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()

    def incident_count(self, name: str) -> int:
        with self.engines[name].connect() as connection:
            return connection.scalar(select(func.count()).select_from(IncidentRow)) or 0

    def agency_counts(self) -> dict[str, int]:
        return {agency: self.incident_count(agency) for agency in AGENCIES}

    def first_receipts(self, name: str, ids: Iterable[str]) -> dict[str, datetime]:
        """When each incident's version 1 was stored by this service."""
        wanted = list(ids)
        found: dict[str, datetime] = {}
        with self.engines[name].connect() as connection:
            for start in range(0, len(wanted), 500):
                rows = connection.execute(
                    select(IncidentReceipt.incident_id, IncidentReceipt.received_at).where(
                        IncidentReceipt.version == 1,
                        IncidentReceipt.incident_id.in_(wanted[start : start + 500]),
                    )
                )
                found.update({incident_id: received_at for incident_id, received_at in rows})
        return found

    def announced(self) -> int:
        """Incident events the gateway has put on its outbox so far."""
        with self.engines["gateway"].connect() as connection:
            return (
                connection.scalar(
                    select(func.count()).select_from(OutboxRecord).where(OutboxRecord.topic == INCIDENTS)
                )
                or 0
            )

    def unsent(self) -> int:
        with self.engines["gateway"].connect() as connection:
            return (
                connection.scalar(
                    select(func.count()).select_from(OutboxRecord).where(OutboxRecord.sent_at.is_(None))
                )
                or 0
            )

    def reannounced(self) -> int:
        """Snapshots the gateway's reconciler announced again (an agency looked behind)."""
        with self.engines["gateway"].connect() as connection:
            return (
                connection.scalar(
                    select(func.count())
                    .select_from(OutboxRecord)
                    .where(OutboxRecord.event_type == SNAPSHOT_TYPE)
                )
                or 0
            )

    def processed(self, name: str) -> int:
        with self.engines[name].connect() as connection:
            return connection.scalar(select(func.count()).select_from(ProcessedEvent)) or 0

    def is_quiet(self) -> bool:
        """Every event the gateway announced is sent and applied by every agency, so the next
        stage starts with no backlog of the previous one."""
        if self.unsent():
            return False
        announced = self.announced()
        held = self.incident_count("gateway")
        return all(
            self.processed(agency) >= announced and self.incident_count(agency) >= held for agency in AGENCIES
        )

    def wait_quiet(self, timeout: float) -> float:
        """Seconds until quiet; raises at the deadline."""
        started = time.monotonic()
        while not self.is_quiet():
            if time.monotonic() - started > timeout:
                raise BenchError(
                    f"platform still busy after {timeout:.0f}s: unsent {self.unsent()}, "
                    f"gateway holds {self.incident_count('gateway')}, agencies {self.agency_counts()}"
                )
            time.sleep(0.2)
        return time.monotonic() - started
