"""The military service restarted in the middle of a 300-member call-up: no acknowledgement is
lost and none is counted twice."""

import threading
import time
from collections.abc import Callable

import grpc
import pytest
from sqlalchemy import func, select

from infra import roster_demo
from infra.platform import Platform
from jcp.roster.v1 import roster_pb2 as pb
from jcp.roster.v1 import roster_pb2_grpc
from services.agency.callups import MemberAnswer
from tests.conftest import database_urls
from tests.support import engine_for, wait_for

MILITIA = next(team for team in roster_demo.TEAMS if team.id == "militia-emergency")


class Devices:
    """Members' phones: each keeps trying until its agency has taken the acknowledgement."""

    def __init__(self, channel: grpc.Channel, call_up_id: str, members: list[str]) -> None:
        self._stub = roster_pb2_grpc.AgencyRosterServiceStub(channel)
        self._call_up_id = call_up_id
        self._members = members
        self.answered = 0
        self.repeats = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for member_id in self._members:
            deadline = time.monotonic() + 90
            while True:
                try:
                    answer = self._stub.Respond(
                        pb.RespondRequest(
                            call_up_id=self._call_up_id,
                            member_id=member_id,
                            response=pb.RESPONSE_ACKNOWLEDGED,
                        ),
                        timeout=5,
                    )
                    break
                except grpc.RpcError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)  # a phone backs off before it tries again
            self.answered += 1
            self.repeats += not answer.first

    def join(self) -> None:
        self._thread.join(120)
        assert not self._thread.is_alive()


def answers_held(url: str, call_up_id: str) -> int:
    with engine_for(url).connect() as connection:
        return (
            connection.scalar(
                select(func.count()).select_from(MemberAnswer).where(MemberAnswer.call_up_id == call_up_id)
            )
            or 0
        )


@pytest.mark.slow
def test_military_restart_during_a_300_member_call_up_loses_and_doubles_no_acknowledgement(
    platform_factory: Callable[..., Platform],
) -> None:
    platform = platform_factory()
    api = platform.client("admin", timeout=30)
    api.post("/api/v1/roster/teams", json={"id": MILITIA.id, "agency": "military", "name": MILITIA.name})
    api.put(
        f"/api/v1/roster/teams/{MILITIA.id}/members.csv",
        content=roster_demo.team_csv(MILITIA).encode(),
        headers={"Content-Type": "text/csv"},
    ).raise_for_status()
    board = api.post("/api/v1/roster/callups", json={"team_id": MILITIA.id}).json()
    call_up_id = board["call_up_id"]
    members = [
        m["member_id"]
        for m in api.get(f"/api/v1/roster/callups/{call_up_id}/muster?members=true").json()["members"]
    ]
    assert len(members) == 300
    channel = platform.agency_channel("military")
    roster_demo.wait_for_call_up(roster_pb2_grpc.AgencyRosterServiceStub(channel), call_up_id)

    phones = Devices(channel, call_up_id, members)
    wait_for(lambda: phones.answered >= 100, timeout=60, message="a third of the militia acknowledged")
    platform.kill("military")
    platform.start_service("military")
    platform.wait_ready(services=["military"])
    phones.join()

    wait_for(
        lambda: api.get(f"/api/v1/roster/callups/{call_up_id}/muster").json()["acknowledged"] == 300,
        timeout=60,
        message="every acknowledgement reached the muster board",
    )
    assert answers_held(database_urls(platform)["military"], call_up_id) == 300
    muster = api.get(f"/api/v1/roster/callups/{call_up_id}/muster?members=true").json()
    assert muster["called"] == 300 and muster["acknowledged"] == 300
    assert all(m["acknowledged_at"] for m in muster["members"])
