"""The gateway's team feed on each real backend: whatever path changes a team or its members,
the team is sent whole once per transaction; a rolled-back change sends nothing."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.roster import service, team_feed
from gateway.roster.models import Member, TeamCreate
from jcp.roster.v1 import roster_pb2 as pb
from kernel.bus.outbox import OutboxRecord
from kernel.db import transaction

CSV = "id,name,role,qualifications,phone,status\n"


def members_csv(*rows: tuple[str, str]) -> str:
    return CSV + "".join(
        f"{member_id},队员,member,crowd_control,13800000000,{status}\n" for member_id, status in rows
    )


def sent(factory: sessionmaker[Session]) -> list[pb.TeamRoster]:
    with factory() as session:
        rows = session.scalars(
            select(OutboxRecord)
            .where(OutboxRecord.event_type.endswith("TeamRoster"))
            .order_by(OutboxRecord.id)
        )
        return [pb.TeamRoster.FromString(row.payload) for row in rows]


@pytest.fixture
def feed(database: sessionmaker[Session]) -> sessionmaker[Session]:
    team_feed.install(database)
    with transaction(database) as session:
        service.create_team(session=session, data=TeamCreate(id="t1", agency="localgov", name="处突队"))
    return database


def test_a_new_team_and_each_change_to_its_members_send_the_team_whole(feed: sessionmaker[Session]) -> None:
    with transaction(feed) as session:
        service.import_members(
            session=session, team_id="t1", text=members_csv(("m1", "available"), ("m2", "available"))
        )
    with transaction(feed) as session:
        service.set_member_status(session=session, member_id="m2", status="on_leave")

    snapshots = sent(feed)

    assert [len(s.members) for s in snapshots] == [0, 2, 2]
    assert snapshots[0].agency == "localgov" and snapshots[0].name == "处突队"
    assert [(m.member_id, m.status) for m in snapshots[-1].members] == [
        ("m1", "available"),
        ("m2", "on_leave"),
    ]


def test_a_rolled_back_change_and_an_unrelated_commit_send_nothing(feed: sessionmaker[Session]) -> None:
    before = len(sent(feed))
    with pytest.raises(RuntimeError), transaction(feed) as session:
        session.add(
            Member(
                id="m9",
                team_id="t1",
                name="x",
                role="member",
                qualifications=[],
                phone="",
                status="available",
            )
        )
        session.flush()
        raise RuntimeError("refused")
    with transaction(feed) as session:
        session.execute(select(Member))

    assert len(sent(feed)) == before
