"""The district's response teams as demo data: the 100-person police team, the 300-person
militia team, school guards and the oil field's security team, with plausible generated names.

Names and phones are generated from fixed lists, so every run (and every test) sees the same
people.
"""

import time
from dataclasses import dataclass

from gateway.roster.checks import MemberLine, members_csv
from jcp.roster.v1 import roster_pb2, roster_pb2_grpc

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰海鹏飞波宁凯浩东亮鑫"


@dataclass(frozen=True)
class TeamSpec:
    id: str
    agency: str
    name: str
    kind: str
    assembly_point: str
    size: int
    squad_size: int
    prefix: str
    qualifications: tuple[str, ...]

    def body(self) -> dict[str, str]:
        """The team as ``POST /api/v1/roster/teams`` takes it."""
        return {
            "id": self.id,
            "agency": self.agency,
            "name": self.name,
            "kind": self.kind,
            "assembly_point": self.assembly_point,
        }


TEAMS = (
    TeamSpec(
        "swat2-emergency",
        "localgov",
        "公安特警二大队应急处置队",
        "police_team",
        "特警二大队营区",
        100,
        10,
        "swat",
        ("crowd_control", "arrest", "first_aid", "driver", "negotiator"),
    ),
    TeamSpec(
        "militia-emergency",
        "military",
        "区人武部民兵应急分队",
        "militia_team",
        "区人武部训练场",
        300,
        10,
        "mil",
        ("crowd_control", "rescue", "first_aid", "driver"),
    ),
    TeamSpec(
        "school-guards",
        "school",
        "东营区学校护校队",
        "school_guard_team",
        "东营区实验学校",
        30,
        10,
        "guard",
        ("campus_safety", "first_aid"),
    ),
    TeamSpec(
        "oilfield-security",
        "oilfield",
        "胜利油田保卫应急分队",
        "security_team",
        "东辛采油厂保卫科",
        40,
        10,
        "oil",
        ("pipeline_patrol", "crowd_control", "first_aid", "driver"),
    ),
)


def name(index: int) -> str:
    surname = SURNAMES[index % len(SURNAMES)]
    given = GIVEN[(index * 7) % len(GIVEN)] + ("" if index % 3 else GIVEN[(index * 13 + 5) % len(GIVEN)])
    return surname + given


def members(team: TeamSpec, offset: int = 0) -> list[MemberLine]:
    """One commander, a squad leader per squad, the rest members; qualifications rotate."""
    lines = []
    for n in range(team.size):
        role = "commander" if n == 0 else "squad_leader" if n % team.squad_size == 1 else "member"
        quals = [team.qualifications[0]] + [
            q for k, q in enumerate(team.qualifications[1:], start=1) if (n + k) % (k + 2) == 0
        ]
        lines.append(
            MemberLine(
                id=f"{team.prefix}-{n + 1:03d}",
                name=name(offset + n),
                role=role,
                qualifications=sorted(set(quals)),
                phone=f"1390546{(offset + n) % 10000:04d}",
                status="available",
            )
        )
    return lines


def team_csv(team: TeamSpec, offset: int = 0) -> str:
    return members_csv(members(team, offset))


def wait_for_call_up(
    stub: roster_pb2_grpc.AgencyRosterServiceStub, call_up_id: str, timeout: float = 30.0
) -> None:
    """A call-up reaches the agency over Kafka; its members' devices can answer once it has."""
    deadline = time.monotonic() + timeout
    while not any(c.id == call_up_id for c in stub.ListCallUps(roster_pb2.ListCallUpsRequest()).call_ups):
        if time.monotonic() > deadline:
            raise TimeoutError(f"call-up {call_up_id} did not reach the agency within {timeout:.0f}s")
        time.sleep(0.05)


def answer(
    stub: roster_pb2_grpc.AgencyRosterServiceStub, call_up_id: str, member_ids: list[str], response: int
) -> None:
    """Simulated members' devices answering one after the other."""
    for member_id in member_ids:
        stub.Respond(roster_pb2.RespondRequest(call_up_id=call_up_id, member_id=member_id, response=response))
