"""The shared-change log and the audit chain on real databases (SQLite and PostgreSQL): every
incident version logged once by the flush hook, read back through an agreement with the cursor
never skipping or repeating, and an audit chain that survives concurrent writers and shows an
edited or deleted entry."""

import threading
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.audit import service as audit
from gateway.audit.models import AuditEntry
from gateway.incidents import service as incidents
from gateway.incidents.models import IncidentCreate
from gateway.partners.models import Partner, SharedChange
from gateway.partners.outbound import changes
from kernel.change_signal import ChangeSignal
from kernel.db import transaction
from tests.support import incident_body

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def partner(categories: list[str], *, drills: bool = False) -> Partner:
    return Partner(
        id="kfq",
        name="kfq",
        created_at=NOW,
        categories=categories,
        levels=["I", "II", "III", "IV"],
        fields=["title", "description", "reporter"],
        mask_names=True,
        mask_id_numbers=True,
        mask_phones=True,
        share_drills=drills,
        agreement_version=1,
        webhook_url=None,
        webhook_secret=None,
    )


def report(factory: sessionmaker[Session], **overrides: object) -> str:
    with transaction(factory) as session:
        row, _ = incidents.create(
            session=session, data=IncidentCreate(**incident_body(**overrides)), idempotency_key=None
        )
        return row.id


def test_each_incident_version_is_logged_once_and_read_through_the_agreement(
    database: sessionmaker[Session],
) -> None:
    changes.install(database, ChangeSignal())
    shared = [report(database, category="police_call") for _ in range(3)]
    hidden = report(database, category="fire")
    drill = report(database, category="police_call", drill=True)
    with transaction(database) as session:
        row = incidents.locked(session=session, incident_id=shared[0], expected_version=None)
        incidents.advance(session=session, row=row, to_status="accepted", reason="", actor="commander")
    with database() as session:
        logged = session.scalars(select(SharedChange.item_id).order_by(SharedChange.seq)).all()
    assert len(logged) == len(set(logged)) == 6
    assert f"incident:{shared[0]}:v2" in logged

    reader = partner(["police_call"])
    seen: list[str] = []
    cursor = 0
    with database() as session:
        while True:
            items, next_cursor = changes.read(session=session, partner=reader, after=cursor, limit=1)
            assert next_cursor >= cursor
            if not items:
                break
            seen.extend(item.id for item in items)
            cursor = next_cursor
        assert cursor == changes.newest(session=session)
    assert seen == [f"incident:{i}:v1" for i in shared] + [f"incident:{shared[0]}:v2"]
    assert not any(hidden in item or drill in item for item in seen)

    with database() as session:
        items, _ = changes.read(
            session=session, partner=partner(["police_call"], drills=True), after=0, limit=100
        )
    drilled = next(item for item in items if item.data["id"] == drill)
    assert drilled.data["reporter"]["name"] == "张*" and drilled.data["reporter"]["phone"] == "138****0000"
    assert "location" not in drilled.data


def test_a_rolled_back_change_is_not_logged(database: sessionmaker[Session]) -> None:
    changes.install(database, ChangeSignal())
    incident_id = report(database, category="police_call")
    try:
        with transaction(database) as session:
            row = incidents.locked(session=session, incident_id=incident_id, expected_version=None)
            incidents.advance(session=session, row=row, to_status="accepted", reason="", actor="commander")
            session.flush()
            raise RuntimeError("the unit of work fails after the flush")
    except RuntimeError:
        pass
    with database() as session:
        assert session.scalar(select(func.count()).select_from(SharedChange)) == 1


def test_concurrent_audit_appends_keep_one_chain_and_tampering_shows(database: sessionmaker[Session]) -> None:
    def append(worker: int) -> None:
        for n in range(10):
            with transaction(database) as session:
                audit.append(
                    session=session,
                    actor=f"partner:{worker}",
                    action="feed.read",
                    subject="feed",
                    at=NOW,
                    detail={"n": n, "items": ["incident:x:v1"]},
                )

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database() as session:
        assert audit.verify(session=session).model_dump() == {
            "ok": True,
            "checked": 40,
            "first_broken": None,
            "problem": None,
        }
        seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()

    with database() as session:
        original = dict(session.get_one(AuditEntry, seqs[10]).detail)
    with transaction(database) as session:
        session.get_one(AuditEntry, seqs[10]).detail = {**original, "items": []}
    with database() as session:
        broken = audit.verify(session=session)
    assert (broken.ok, broken.first_broken, broken.checked) == (False, seqs[10], 10)
    assert broken.problem and "content" in broken.problem

    with transaction(database) as session:
        session.get_one(AuditEntry, seqs[10]).detail = original
    with transaction(database) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == seqs[20]))
    with database() as session:
        gone = audit.verify(session=session)
    assert (gone.ok, gone.first_broken, gone.checked) == (False, seqs[21], 20)
    assert gone.problem and "predecessor" in gone.problem
