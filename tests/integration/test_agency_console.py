"""The agency's console over HTTP, on a real agency database (SQLite and PostgreSQL), with
operator tokens signed by a key made here and a clock the test moves.

The console is served as the agency process serves it (uvicorn in a thread) and called over
real HTTP. What it does goes through the agency's own service functions, so each test reads the
agency's outbox to prove an answer given here leaves exactly like one given over gRPC.
"""

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from infra.broker import free_port
from jcp.dispatch.v1 import dispatch_pb2
from jcp.incidents.v1 import events_pb2, incident_pb2
from jcp.roster.v1 import roster_pb2
from kernel import schema, sources
from kernel.bus.envelope import new_event
from kernel.bus.outbox import OutboxRecord
from kernel.db import make_engine, make_session_factory, transaction
from kernel.dispatch_store import TaskRow, UnitRow
from kernel.grpc_auth import Refused, check_caller
from kernel.identity import PublicKeys
from kernel.incidents import store as incident_store
from kernel.passwords import hash_password
from kernel.profiles import AgencyProfile, load
from services.agency import callups, dispatch
from services.agency.console.app import create_app
from services.agency.console.link_status import LinkStatus
from services.agency.console.serve import ConsoleServer
from services.agency.console.staff import cookie_name
from services.agency.main import event_handlers
from services.agency.schema import HISTORY as AGENCY
from tests.support import MovableClock, SigningKey, jwks, public_keys, wait_for

AGENCY_ID = "localgov"
SOURCE = sources.agency(AGENCY_ID)


@pytest.fixture(params=["sqlite", "postgresql"])
def agency_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'localgov.db'}"
    else:
        url = request.getfixturevalue("postgres")("console")
    engine = make_engine(url)
    schema.upgrade(engine, AGENCY)
    yield make_session_factory(engine)
    engine.dispose()


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@dataclass
class Console:
    client: httpx.Client
    clock: MovableClock
    key: SigningKey
    profile: AgencyProfile
    session_factory: sessionmaker[Session]

    def token(
        self, username: str = "localgov-duty", role: str = "agency_operator", agency: str | None = AGENCY_ID
    ) -> str:
        return self.key.operator_token(username, role, agency, now=self.clock())

    def as_staff(self, role: str = "agency_operator", agency: str | None = AGENCY_ID) -> dict[str, str]:
        username = f"{agency or 'command'}-{role}"
        return {"Authorization": f"Bearer {self.token(username, role, agency)}"}

    def outbox(self, event: str) -> list[OutboxRecord]:
        with self.session_factory() as session:
            return list(
                session.scalars(
                    select(OutboxRecord)
                    .where(OutboxRecord.event_type.endswith(event))
                    .order_by(OutboxRecord.id)
                )
            )

    # -- what arrives from the command room, through the agency's own event handlers ---------

    def incident_arrives(
        self, *, source_agency: str = "oilfield", title: str = "聚集上访", level: int = 3
    ) -> str:
        now = self.clock()
        incident = incident_pb2.Incident(
            id=str(uuid.uuid4()),
            source_agency=source_agency,
            category="mass_incident",
            level=level,
            title=title,
            description="二十余人聚集",
            status=incident_pb2.INCIDENT_STATUS_REPORTED,
            version=1,
            location=incident_pb2.Location(
                latitude=37.46, longitude=118.49, address="西城广场", admin_code="370502"
            ),
        )
        incident.reported_at.FromDatetime(now)
        incident.updated_at.FromDatetime(now)
        message = events_pb2.IncidentReported(incident=incident)
        with transaction(self.session_factory) as session:
            event = new_event(message=message, source=sources.GATEWAY, subject=incident.id, clock=self.clock)
            incident_store.apply_event(session=session, event=event, clock=self.clock)
        return incident.id

    def task_arrives(
        self,
        incident_id: str,
        *,
        acknowledge_in: timedelta = timedelta(minutes=10),
        units: tuple[str, ...] = (),
    ) -> str:
        now = self.clock()
        task = dispatch_pb2.Task(
            id=str(uuid.uuid4()),
            order_id=str(uuid.uuid4()),
            incident_id=incident_id,
            agency=AGENCY_ID,
            role=dispatch_pb2.TASK_ROLE_LEAD,
            unit_ids=list(units),
            status=dispatch_pb2.TASK_STATUS_ASSIGNED,
            version=1,
            instructions="到场疏导",
            updated_by="commander",
        )
        task.acknowledge_by.FromDatetime(now + acknowledge_in)
        task.on_scene_by.FromDatetime(now + acknowledge_in + timedelta(minutes=20))
        task.updated_at.FromDatetime(now)
        message = dispatch_pb2.TaskAssigned(task=task)
        with transaction(self.session_factory) as session:
            event = new_event(
                message=message, source=sources.GATEWAY_DISPATCH, subject=incident_id, clock=self.clock
            )
            dispatch.handle_event(
                session=session, event=event, profile=self.profile, source=SOURCE, clock=self.clock
            )
        return task.id

    def call_up_arrives(self, *, members: int = 3, incident_id: str = "") -> str:
        call_up = roster_pb2.CallUp(
            id=str(uuid.uuid4()),
            team_id="lg-police-reserve",
            agency=AGENCY_ID,
            incident_id=incident_id,
            assembly_point="区政府东广场",
            members=[
                roster_pb2.CalledMember(
                    member_id=f"lg-{n}", name=f"队员{n}", phone=f"1380000000{n}", role="member"
                )
                for n in range(members)
            ],
        )
        call_up.called_at.FromDatetime(self.clock())
        self._roster_event(roster_pb2.CallUpIssued(call_up=call_up), call_up.id)
        return call_up.id

    def call_up_closes(self, call_up_id: str, *, stood_down: bool, reason: str) -> None:
        message = roster_pb2.CallUpCancelled(
            call_up_id=call_up_id, agency=AGENCY_ID, reason=reason, stood_down=stood_down
        )
        message.cancelled_at.FromDatetime(self.clock())
        self._roster_event(message, call_up_id)

    def team_sent(
        self, *, statuses: tuple[str, ...], agency: str = AGENCY_ID, name: str = "区公安处突队"
    ) -> None:
        """The gateway's snapshot of one team, stamped with the test's clock."""
        message = roster_pb2.TeamRoster(
            team_id="lg-police-reserve",
            agency=agency,
            name=name,
            kind="police",
            assembly_point="区政府东广场",
            members=[
                roster_pb2.TeamMember(
                    member_id=f"lg-{n}",
                    name=f"队员{n}",
                    role="squad_leader" if n == len(statuses) - 1 else "member",
                    phone=f"1380000000{n}",
                    status=status,
                    qualifications=["防暴"],
                )
                for n, status in enumerate(statuses)
            ],
        )
        message.changed_at.FromDatetime(self.clock())
        self._roster_event(message, f"team:{message.team_id}")

    def _roster_event(self, message: Any, key: str) -> None:
        """Through the agency's own wiring, so an event type it does not register fails here."""
        registry, handler = event_handlers(self.profile, SOURCE)
        assert type(message) in registry.values()
        with transaction(self.session_factory) as session:
            event = new_event(message=message, source=sources.GATEWAY_ROSTER, subject=key, clock=self.clock)
            handler(session, event)


ConsoleFactory = Callable[..., Console]


@pytest.fixture
def make_console(agency_database: sessionmaker[Session]) -> Iterator[ConsoleFactory]:
    """Consoles on one agency database, each served on its own port until the test ends."""
    stop = threading.Event()
    served: list[tuple[threading.Thread, httpx.Client]] = []
    profile = load(AGENCY_ID)
    clock = MovableClock()
    with transaction(agency_database) as session:
        dispatch.seed_units(session=session, profile=profile, source=SOURCE, clock=clock)

    def make(
        *,
        gateway_url: str | None = None,
        key: SigningKey | None = None,
        keys: PublicKeys | None = None,
        links: LinkStatus | None = None,
        break_glass_password_hash: str | None = None,
    ) -> Console:
        key = key or SigningKey()
        gateway_url = gateway_url or closed_port_url()
        app = create_app(
            profile=profile,
            session_factory=agency_database,
            keys=keys or public_keys(key),
            gateway_url=gateway_url,
            links=links or LinkStatus(gateway_url=gateway_url),
            clock=clock,
            break_glass_password_hash=break_glass_password_hash,
        )
        server = ConsoleServer(app, host="127.0.0.1", port=free_port())
        thread = threading.Thread(target=server.run, args=(stop,), daemon=True)
        thread.start()
        assert server.wait_started(timeout=10), "the console did not start"
        client = httpx.Client(base_url=server.address, timeout=10)
        served.append((thread, client))
        return Console(client=client, clock=clock, key=key, profile=profile, session_factory=agency_database)

    yield make
    stop.set()
    for thread, client in served:
        client.close()
        thread.join(timeout=10)


@pytest.fixture
def console(make_console: ConsoleFactory) -> Console:
    return make_console()


# -- who gets in ----------------------------------------------------------------------------


def test_the_agencys_own_staff_get_in_with_a_bearer_token_or_the_cookie(console: Console) -> None:
    me = console.client.get("/api/v1/auth/me", headers=console.as_staff("agency_commander"))
    assert me.status_code == 200
    assert me.json() == {
        "username": "localgov-agency_commander",
        "role": "agency_commander",
        "agency": AGENCY_ID,
        "permissions": ["answer", "audit", "decline", "muster", "report", "units", "view"],
    }

    console.client.cookies.set(cookie_name(AGENCY_ID), console.token())
    by_cookie = console.client.get("/api/v1/auth/me")
    assert by_cookie.status_code == 200
    assert "decline" not in by_cookie.json()["permissions"]


def test_another_agencys_staff_and_the_command_room_are_refused_with_403(console: Console) -> None:
    oilfield = console.client.get("/api/v1/tasks", headers=console.as_staff(agency="oilfield"))
    assert oilfield.status_code == 403
    assert "belongs to the oilfield agency" in oilfield.json()["message"]
    assert oilfield.json()["error"] == "forbidden"

    command_room = console.client.get(
        "/api/v1/tasks", headers=console.as_staff(role="commander", agency=None)
    )
    assert command_room.status_code == 403
    assert "command room" in command_room.json()["message"]

    wrong_role = console.client.get("/api/v1/tasks", headers=console.as_staff(role="auditor"))
    assert wrong_role.status_code == 403


def test_no_token_a_forged_one_or_an_expired_one_is_refused_with_401(console: Console) -> None:
    assert console.client.get("/api/v1/tasks").status_code == 401

    impostor = SigningKey(kid=console.key.kid)  # same key id, another key
    forged = impostor.operator_token("localgov-duty", "agency_operator", AGENCY_ID, now=console.clock())
    answer = console.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"

    unknown_key = SigningKey().operator_token(
        "localgov-duty", "agency_operator", AGENCY_ID, now=console.clock()
    )
    assert (
        console.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {unknown_key}"}).status_code
        == 401
    )
    assert (
        console.client.get("/api/v1/tasks", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    )

    headers = console.as_staff()
    assert console.client.get("/api/v1/tasks", headers=headers).status_code == 200
    console.clock.advance(hours=13)
    expired = console.client.get("/api/v1/tasks", headers=headers)
    assert expired.status_code == 401
    assert "expired" in expired.json()["message"]


# -- tasks --------------------------------------------------------------------------------------


def test_an_answer_is_stored_and_leaves_through_the_outbox_like_a_grpc_answer(console: Console) -> None:
    incident_id = console.incident_arrives(title="商户纠纷")
    task_id = console.task_arrives(incident_id, units=("police-car-1",))

    answer = console.client.post(
        f"/api/v1/tasks/{task_id}/answer",
        json={"status": "en_route", "note": "两车出警", "expected_version": 1},
        headers=console.as_staff(),
    )

    assert answer.status_code == 200, answer.text
    task = answer.json()
    assert (task["status"], task["status_word"], task["version"]) == ("en_route", "出警途中", 2)
    assert task["updated_by"] == "localgov-agency_operator"
    assert task["incident_title"] == "商户纠纷"
    assert task["next_statuses"] == ["on_scene"]
    updates = console.outbox("TaskUpdated")
    assert len(updates) == 1
    assert (updates[0].topic, updates[0].key, updates[0].sent_at) == ("dispatch.v1", incident_id, None)
    message = dispatch_pb2.TaskUpdated.FromString(updates[0].payload)
    assert message.task.status == dispatch_pb2.TASK_STATUS_EN_ROUTE
    assert message.from_status == dispatch_pb2.TASK_STATUS_ASSIGNED
    with console.session_factory() as session:
        assert session.get_one(UnitRow, "police-car-1").status == "en_route"


def test_an_answer_to_a_version_that_changed_meanwhile_is_refused_with_409(console: Console) -> None:
    task_id = console.task_arrives(console.incident_arrives())
    headers = console.as_staff()
    first = console.client.post(
        f"/api/v1/tasks/{task_id}/answer",
        json={"status": "acknowledged", "expected_version": 1},
        headers=headers,
    )
    assert first.status_code == 200

    stale = console.client.post(
        f"/api/v1/tasks/{task_id}/answer", json={"status": "en_route", "expected_version": 1}, headers=headers
    )

    assert stale.status_code == 409
    assert stale.json()["version"] == 2
    assert stale.json()["status"] == "acknowledged"
    assert "changed since you saw it" in stale.json()["message"]
    assert len(console.outbox("TaskUpdated")) == 1


def test_a_finished_task_takes_no_more_answers_and_says_why(console: Console) -> None:
    task_id = console.task_arrives(console.incident_arrives())
    headers = console.as_staff()
    for version, status in enumerate(("on_scene", "completed"), start=1):
        moved = console.client.post(
            f"/api/v1/tasks/{task_id}/answer",
            json={"status": status, "expected_version": version},
            headers=headers,
        )
        assert moved.status_code == 200, moved.text

    late = console.client.post(
        f"/api/v1/tasks/{task_id}/answer", json={"status": "en_route", "expected_version": 3}, headers=headers
    )

    assert late.status_code == 409
    assert late.json()["status"] == "completed"
    assert late.json()["allowed_actions"] == []
    assert "completed" in late.json()["message"]


def test_a_decline_needs_a_note_and_a_commander(console: Console) -> None:
    task_id = console.task_arrives(console.incident_arrives())
    body = {"status": "declined", "note": "", "expected_version": 1}

    by_operator = console.client.post(
        f"/api/v1/tasks/{task_id}/answer", json=body, headers=console.as_staff()
    )
    assert by_operator.status_code == 403
    assert by_operator.json()["permission"] == "decline"

    commander = console.as_staff("agency_commander")
    without_note = console.client.post(f"/api/v1/tasks/{task_id}/answer", json=body, headers=commander)
    assert without_note.status_code == 422
    assert "reason" in without_note.json()["message"]
    assert console.outbox("TaskUpdated") == []

    declined = console.client.post(
        f"/api/v1/tasks/{task_id}/answer", json={**body, "note": "警力全部外出"}, headers=commander
    )
    assert declined.status_code == 200
    assert declined.json()["status_word"] == "无法出警"


def test_unknown_tasks_and_bad_answers_are_refused_whole(console: Console) -> None:
    headers = console.as_staff()
    unknown = console.client.post(
        "/api/v1/tasks/nope/answer", json={"status": "acknowledged", "expected_version": 1}, headers=headers
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "notfound"

    task_id = console.task_arrives(console.incident_arrives())
    bad = console.client.post(
        f"/api/v1/tasks/{task_id}/answer",
        json={"status": "cancelled", "expected_version": 0},
        headers=headers,
    )
    assert bad.status_code == 422
    assert {field["field"] for field in bad.json()["fields"]} == {"status", "expected_version"}
    with console.session_factory() as session:
        assert session.get_one(TaskRow, task_id).version == 1


def test_another_agencys_task_is_refused_with_403(console: Console) -> None:
    task_id = console.task_arrives(console.incident_arrives())
    with transaction(console.session_factory) as session:
        session.get_one(TaskRow, task_id).agency = "oilfield"  # a row this database should never hold

    answer = console.client.post(
        f"/api/v1/tasks/{task_id}/answer",
        json={"status": "acknowledged", "expected_version": 1},
        headers=console.as_staff(),
    )

    assert answer.status_code == 403


def test_tasks_are_listed_open_first_most_urgent_first_in_the_agencys_words(console: Console) -> None:
    incident_id = console.incident_arrives()
    later = console.task_arrives(incident_id, acknowledge_in=timedelta(minutes=10))
    sooner = console.task_arrives(incident_id, acknowledge_in=timedelta(minutes=3))
    finished = console.task_arrives(incident_id)
    headers = console.as_staff("agency_commander")
    console.client.post(
        f"/api/v1/tasks/{finished}/answer",
        json={"status": "declined", "note": "无警力", "expected_version": 1},
        headers=headers,
    )

    everything = console.client.get("/api/v1/tasks?lang=en", headers=headers).json()
    open_only = console.client.get("/api/v1/tasks?open=true", headers=headers).json()

    assert [task["id"] for task in everything] == [sooner, later, finished]
    assert [task["status_word"] for task in everything] == ["Call waiting", "Call waiting", "Cannot attend"]
    assert [task["id"] for task in open_only] == [sooner, later]
    assert console.client.get("/api/v1/tasks?lang=fr", headers=headers).status_code == 422


# -- units --------------------------------------------------------------------------------------


def test_a_units_status_and_position_change_is_announced(console: Console) -> None:
    headers = console.as_staff()
    units = console.client.get("/api/v1/units?lang=en", headers=headers).json()
    assert {unit["id"] for unit in units} == {spec.id for spec in console.profile.units}
    assert {unit["status_word"] for unit in units} == {"On beat, available"}
    before = len(console.outbox("UnitChanged"))

    changed = console.client.post(
        "/api/v1/units/police-car-1",
        json={"status": "off_duty", "latitude": 37.45, "longitude": 118.5},
        headers=headers,
    )

    assert changed.status_code == 200, changed.text
    assert (changed.json()["status"], changed.json()["status_word"]) == ("off_duty", "下勤")
    assert changed.json()["position"]["latitude"] == 37.45
    assert len(console.outbox("UnitChanged")) == before + 1


def test_a_half_given_position_is_refused_and_changes_nothing(console: Console) -> None:
    headers = console.as_staff()
    before = len(console.outbox("UnitChanged"))
    for body in ({"latitude": 37.4}, {}, {"status": "flying"}, {"latitude": 91, "longitude": 0}):
        assert (
            console.client.post("/api/v1/units/police-car-1", json=body, headers=headers).status_code == 422
        )
    assert (
        console.client.post("/api/v1/units/nope", json={"status": "available"}, headers=headers).status_code
        == 404
    )
    assert len(console.outbox("UnitChanged")) == before


# -- incidents ----------------------------------------------------------------------------------


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "civil_dispute",
        "level": "III",
        "title": "邻里纠纷",
        "location": {"latitude": 37.46, "longitude": 118.49, "address": "文汇街道西四路"},
        "reporter": {"name": "王五", "phone": "13900000000"},
    }
    return {**body, **overrides}


def test_an_incident_reported_here_joins_the_shared_picture_through_the_outbox(console: Console) -> None:
    headers = {**console.as_staff(), "Idempotency-Key": "duty-0001"}

    reported = console.client.post("/api/v1/incidents", json=report_body(), headers=headers)
    again = console.client.post("/api/v1/incidents", json=report_body(), headers=headers)

    assert reported.status_code == 201, reported.text
    assert again.status_code == 200
    assert again.json()["id"] == reported.json()["id"]
    incident = reported.json()
    assert (incident["source_agency"], incident["status"], incident["ours"]) == (AGENCY_ID, "reported", True)
    assert incident["reporter"]["channel"] == "localgov-agency_operator"
    assert [row.key for row in console.outbox("IncidentReported")] == [incident["id"]]


def test_an_incident_outside_the_agencys_categories_is_refused(console: Console) -> None:
    headers = console.as_staff()
    wrong = console.client.post(
        "/api/v1/incidents", json=report_body(category="pipeline_tapping"), headers=headers
    )
    assert wrong.status_code == 422
    assert "not one localgov reports" in wrong.json()["message"]
    bad = console.client.post("/api/v1/incidents", json=report_body(level="V", title=""), headers=headers)
    assert bad.status_code == 422
    assert {field["field"] for field in bad.json()["fields"]} == {"level", "title"}
    assert console.outbox("IncidentReported") == []


def test_the_agency_lists_what_it_holds_and_what_is_its_own(console: Console) -> None:
    tasked = console.incident_arrives(title="有任务")
    console.task_arrives(tasked)
    console.clock.advance(minutes=1)
    elsewhere = console.incident_arrives(source_agency="school", title="别家的")
    headers = console.as_staff()
    console.clock.advance(minutes=1)
    own = console.client.post("/api/v1/incidents", json=report_body(), headers=headers).json()["id"]

    everything = console.client.get("/api/v1/incidents", headers=headers).json()
    ours = console.client.get("/api/v1/incidents?ours=true", headers=headers).json()

    assert [(i["id"], i["ours"]) for i in everything] == [(own, True), (elsewhere, False), (tasked, True)]
    assert [i["id"] for i in ours] == [own, tasked]


def test_an_incident_shows_its_tasks_here_and_its_timeline_as_the_agency_knows_it(console: Console) -> None:
    incident_id = console.incident_arrives(title="群体聚集")
    console.clock.advance(minutes=1)
    task_id = console.task_arrives(incident_id)
    console.clock.advance(minutes=2)
    headers = console.as_staff()
    console.client.post(
        f"/api/v1/tasks/{task_id}/answer",
        json={"status": "acknowledged", "expected_version": 1},
        headers=headers,
    )

    view = console.client.get(f"/api/v1/incidents/{incident_id}?lang=en", headers=headers)

    assert view.status_code == 200
    body = view.json()
    assert body["incident"]["title"] == "群体聚集"
    assert body["incident"]["ours"] is True
    assert [(t["id"], t["status_word"]) for t in body["tasks"]] == [(task_id, "Call taken")]
    assert [(e["kind"], e["version"], e.get("event"), e.get("status")) for e in body["timeline"]] == [
        ("incident", 1, "IncidentReported", None),
        ("task", 2, None, "acknowledged"),
    ]
    assert console.client.get("/api/v1/incidents/nope", headers=headers).status_code == 404


# -- the agency itself ----------------------------------------------------------------------


def test_the_agency_shows_its_words_and_that_its_links_are_down(console: Console) -> None:
    agency = console.client.get("/api/v1/agency")

    assert agency.status_code == 200
    body = agency.json()
    assert (body["id"], body["name_en"]) == (AGENCY_ID, "Dongying District local government")
    assert body["words"]["task"]["zh"]["assigned"] == "待接警"
    assert body["words"]["unit"]["en"]["off_duty"] == "Off shift"
    assert {c["code"] for c in body["categories"]} == set(console.profile.categories)
    assert body["links"] == {"gateway": "down", "broker": "down"}


def test_an_open_console_hears_at_once_that_the_agencys_data_changed(console: Console) -> None:
    incident_id = console.incident_arrives()
    with console.client.stream("GET", "/api/v1/changes", headers=console.as_staff()) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "retry: 1000"
        console.task_arrives(incident_id)
        frames = []
        for line in lines:
            frames.append(line)
            if line.startswith("data: "):
                break
        assert "event: changed" in frames, frames

    assert console.client.get("/api/v1/changes").status_code == 401


def test_an_unknown_path_is_refused_in_the_same_shape(console: Console) -> None:
    missing = console.client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert set(missing.json()) == {"error", "message"}


def test_the_api_docs_are_served_by_the_console_and_name_no_other_host(console: Console) -> None:
    page = console.client.get("/docs")

    assert page.status_code == 200
    assert re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", page.text) == []
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(loaded) == 3  # Swagger UI's script and style, the platform's icon
    for address in loaded:
        assert console.client.get(address).status_code == 200, address
    assert console.client.get("/openapi.json").json()["paths"]["/api/v1/break-glass/log"]
    assert console.client.get("/redoc").status_code == 404


# -- call-ups and members' links ------------------------------------------------------------


def test_call_ups_are_listed_with_their_muster_counts(console: Console) -> None:
    older = console.call_up_arrives(members=2)
    console.clock.advance(minutes=5)
    newer = console.call_up_arrives(members=4)
    with transaction(console.session_factory) as session:
        for member, response in (("lg-0", "acknowledged"), ("lg-1", "on_the_way"), ("lg-2", "arrived")):
            callups.respond(
                session=session,
                profile=console.profile,
                call_up_id=newer,
                member_id=member,
                response=callups.RESPONSE_CODES[response],
                reason="",
                source=SOURCE,
                clock=console.clock,
            )
    console.call_up_closes(older, stood_down=False, reason="误报")

    listed = console.client.get("/api/v1/callups", headers=console.as_staff()).json()

    assert [(c["id"], c["status"]) for c in listed] == [(newer, "open"), (older, "cancelled")]
    counts = {key: listed[0][key] for key in ("called", "acknowledged", "on_the_way", "arrived", "declined")}
    assert counts == {"called": 4, "acknowledged": 3, "on_the_way": 1, "arrived": 1, "declined": 0}
    assert listed[1]["close_reason"] == "误报"


def test_the_teams_show_each_members_status_and_the_call_up_they_are_out_on(console: Console) -> None:
    console.team_sent(statuses=("deployed", "deployed", "on_leave", "available"))
    call_up_id = console.call_up_arrives(members=2)

    teams = console.client.get("/api/v1/teams", headers=console.as_staff()).json()

    assert [team["id"] for team in teams] == ["lg-police-reserve"]
    team = teams[0]
    counts = {key: team[key] for key in ("members", "available", "on_leave", "deployed")}
    assert counts == {"members": 4, "available": 1, "on_leave": 1, "deployed": 2}
    assert team["open_call_ups"] == [call_up_id]
    # The squad leader first, then members by id; only the called members name the call-up.
    assert [(m["member_id"], m["role"], m["call_up_id"]) for m in team["roster"]] == [
        ("lg-3", "squad_leader", None),
        ("lg-0", "member", call_up_id),
        ("lg-1", "member", call_up_id),
        ("lg-2", "member", None),
    ]
    assert team["roster"][0]["qualifications"] == ["防暴"]

    console.call_up_closes(call_up_id, stood_down=True, reason="处置完毕")
    team = console.client.get("/api/v1/teams", headers=console.as_staff()).json()[0]
    assert team["open_call_ups"] == []
    assert all(m["call_up_id"] is None for m in team["roster"])


def test_a_newer_team_snapshot_replaces_the_old_and_a_replayed_older_one_changes_nothing(
    console: Console,
) -> None:
    console.team_sent(statuses=("available",), name="旧名")
    console.clock.advance(minutes=1)
    console.team_sent(statuses=("available", "available", "deployed"), name="新名")
    console.clock.advance(minutes=-1)
    console.team_sent(statuses=("on_leave",), name="旧名")

    team = console.client.get("/api/v1/teams", headers=console.as_staff()).json()[0]

    assert (team["name"], team["members"], team["deployed"]) == ("新名", 3, 1)


def test_another_agencys_team_is_not_kept_and_teams_need_a_signed_in_duty_room(console: Console) -> None:
    console.team_sent(statuses=("available",), agency="military")

    assert console.client.get("/api/v1/teams", headers=console.as_staff()).json() == []
    assert console.client.get("/api/v1/teams").status_code == 401
    refused = console.client.get("/api/v1/teams", headers=console.as_staff(agency="military"))
    assert refused.status_code == 403


def test_the_muster_board_gives_each_member_a_personal_link_and_its_qr_code(console: Console) -> None:
    call_up_id = console.call_up_arrives(members=2)
    headers = console.as_staff()

    board = console.client.get(f"/api/v1/callups/{call_up_id}", headers=headers)

    assert board.status_code == 200
    members = board.json()["members"]
    assert [(m["member_id"], m["name"], m["acknowledged_at"]) for m in members] == [
        ("lg-0", "队员0", None),
        ("lg-1", "队员1", None),
    ]
    link = members[0]["link"]
    assert link.startswith(f"{console.client.base_url}/m/")
    page = httpx.get(link)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    token = link.rsplit("/", 1)[1]
    assert console.client.get(f"/api/v1/m/{token}").json()["member"]["member_id"] == "lg-0"
    qr = console.client.get(members[0]["qr"], headers=headers)
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/svg+xml"
    assert qr.text.startswith("<svg")
    assert (
        console.client.get(f"/api/v1/callups/{call_up_id}/members/lg-9/qr.svg", headers=headers).status_code
        == 404
    )
    assert console.client.get("/api/v1/callups/nope", headers=headers).status_code == 404
    assert console.client.get(f"/api/v1/callups/{call_up_id}").status_code == 401


def member_token(console: Console, call_up_id: str, member_id: str) -> str:
    board = console.client.get(f"/api/v1/callups/{call_up_id}", headers=console.as_staff()).json()
    link = next(m["link"] for m in board["members"] if m["member_id"] == member_id)
    return str(link.rsplit("/", 1)[1])


def test_a_member_answers_from_the_link_and_each_answer_counts_once(console: Console) -> None:
    incident_id = console.incident_arrives(title="聚集")
    call_up_id = console.call_up_arrives(incident_id=incident_id)
    token = member_token(console, call_up_id, "lg-1")

    seen = console.client.get(f"/api/v1/m/{token}").json()
    assert (seen["call_up_id"], seen["member"]["name"], seen["assembly_point"]) == (
        call_up_id,
        "队员1",
        "区政府东广场",
    )
    assert seen["incident"]["title"] == "聚集"
    assert seen["answers"]["acknowledged_at"] is None

    first = console.client.post(f"/api/v1/m/{token}/answer", json={"answer": "on_the_way"})
    console.clock.advance(seconds=30)
    again = console.client.post(f"/api/v1/m/{token}/answer", json={"answer": "on_the_way"})
    arrived = console.client.post(f"/api/v1/m/{token}/answer", json={"answer": "arrived"})

    assert first.status_code == 200, first.text
    assert (first.json()["first"], again.json()["first"]) == (True, False)
    assert again.json()["at"] == first.json()["at"]
    assert first.json()["answers"]["acknowledged_at"] == first.json()["at"]
    assert arrived.json()["answers"]["on_the_way_at"] == first.json()["at"]
    announced = [
        roster_pb2.MemberResponded.FromString(row.payload) for row in console.outbox("MemberResponded")
    ]
    assert [(m.member_id, m.response) for m in announced] == [
        ("lg-1", roster_pb2.RESPONSE_ACKNOWLEDGED),
        ("lg-1", roster_pb2.RESPONSE_ON_THE_WAY),
        ("lg-1", roster_pb2.RESPONSE_ARRIVED),
    ]


def test_cannot_come_needs_a_reason_and_comes_first_or_not_at_all(console: Console) -> None:
    call_up_id = console.call_up_arrives()
    token = member_token(console, call_up_id, "lg-0")

    no_reason = console.client.post(f"/api/v1/m/{token}/answer", json={"answer": "declined"})
    assert no_reason.status_code == 422
    assert console.outbox("MemberResponded") == []

    console.client.post(f"/api/v1/m/{token}/answer", json={"answer": "acknowledged"})
    late = console.client.post(f"/api/v1/m/{token}/answer", json={"answer": "declined", "reason": "生病"})
    assert late.status_code == 409


def test_a_forged_link_is_401_and_an_expired_one_410(console: Console) -> None:
    call_up_id = console.call_up_arrives()
    token = member_token(console, call_up_id, "lg-0")

    assert console.client.get("/api/v1/m/not-a-link").status_code == 401
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert (
        console.client.post(f"/api/v1/m/{tampered}/answer", json={"answer": "acknowledged"}).status_code
        == 401
    )

    console.clock.advance(hours=24, seconds=1)
    expired = console.client.post(f"/api/v1/m/{token}/answer", json={"answer": "acknowledged"})
    assert expired.status_code == 410
    assert "expired" in expired.json()["message"]
    assert console.outbox("MemberResponded") == []


def test_a_link_answers_only_for_its_own_call_up(console: Console) -> None:
    first = console.call_up_arrives()
    second = console.call_up_arrives()
    token = member_token(console, first, "lg-0")

    console.client.post(f"/api/v1/m/{token}/answer", json={"answer": "acknowledged"})

    with console.session_factory() as session:
        assert callups.member_answer(session=session, call_up_id=first, member_id="lg-0") is not None
        assert callups.member_answer(session=session, call_up_id=second, member_id="lg-0") is None


@pytest.mark.parametrize(("stood_down", "said"), [(False, "it was cancelled"), (True, "stood down")])
def test_a_closed_call_up_tells_the_member_how_it_ended(
    console: Console, stood_down: bool, said: str
) -> None:
    call_up_id = console.call_up_arrives()
    token = member_token(console, call_up_id, "lg-2")
    console.call_up_closes(call_up_id, stood_down=stood_down, reason="警情已处置")

    seen = console.client.get(f"/api/v1/m/{token}")
    answered = console.client.post(f"/api/v1/m/{token}/answer", json={"answer": "arrived"})

    for refused in (seen, answered):
        assert refused.status_code == 410
        assert said in refused.json()["message"]
        assert "警情已处置" in refused.json()["message"]
    assert answered.json()["status"] == ("stood_down" if stood_down else "cancelled")
    assert console.outbox("MemberResponded") == []


# -- signing in through the gateway ---------------------------------------------------------

PASSWORD = "jcp-demo-2026"
ACCOUNTS = {
    "localgov-duty": ("agency_operator", AGENCY_ID),
    "localgov-commander": ("agency_commander", AGENCY_ID),
    "oilfield-duty": ("agency_operator", "oilfield"),
    "commander": ("commander", None),
}


@dataclass
class Gateway:
    """The gateway's side of signing in, as its contract says: accounts, ES256 tokens with a key
    id, the published keys and a health check, served over HTTP on a port of its own."""

    url: str
    key: SigningKey
    clock: MovableClock
    stop: threading.Event

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/api/v1/auth/sign-in")
        def sign_in(body: dict[str, str]) -> JSONResponse:
            account = ACCOUNTS.get(body.get("username", ""))
            if account is None or body.get("password") != PASSWORD:
                return JSONResponse(
                    {"error": "unauthorized", "message": "wrong user name or password"}, status_code=401
                )
            role, agency = account
            token = self.key.operator_token(body["username"], role, agency, now=self.clock())
            return JSONResponse(
                {"token": token, "expires_at": "", "operator": {"username": body["username"]}}
            )

        @app.get("/.well-known/jwks.json")
        def published() -> dict[str, Any]:
            return jwks(self.key)

        @app.get("/healthz")
        def healthz() -> dict[str, str]:
            return {"status": "ok"}

        return app


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    port = free_port()
    stop = threading.Event()
    stub = Gateway(url=f"http://127.0.0.1:{port}", key=SigningKey(), clock=MovableClock(), stop=stop)
    server = ConsoleServer(stub.app(), host="127.0.0.1", port=port)
    thread = threading.Thread(target=server.run, args=(stop,), daemon=True)
    thread.start()
    assert server.wait_started(timeout=10)
    yield stub
    stop.set()
    thread.join(timeout=10)


def test_signing_in_sets_the_cookie_that_carries_the_session(
    make_console: ConsoleFactory, gateway: Gateway
) -> None:
    console = make_console(gateway_url=gateway.url, key=gateway.key)

    signed_in = console.client.post(
        "/api/v1/auth/sign-in", json={"username": "localgov-duty", "password": PASSWORD}
    )

    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert body["operator"]["agency"] == AGENCY_ID
    assert body["expires_at"].startswith("2026-12-01T20:00")
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{cookie_name(AGENCY_ID)}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert console.client.get("/api/v1/auth/me").json()["username"] == "localgov-duty"

    signed_out = console.client.post("/api/v1/auth/sign-out")
    assert signed_out.status_code == 204
    assert console.client.get("/api/v1/auth/me").status_code == 401


def test_signing_in_with_another_agencys_account_is_refused_with_a_clear_message(
    make_console: ConsoleFactory, gateway: Gateway
) -> None:
    console = make_console(gateway_url=gateway.url, key=gateway.key)

    oilfield = console.client.post(
        "/api/v1/auth/sign-in", json={"username": "oilfield-duty", "password": PASSWORD}
    )
    command_room = console.client.post(
        "/api/v1/auth/sign-in", json={"username": "commander", "password": PASSWORD}
    )
    wrong = console.client.post(
        "/api/v1/auth/sign-in", json={"username": "localgov-duty", "password": "guess"}
    )

    assert oilfield.status_code == 403
    assert "oilfield" in oilfield.json()["message"]
    assert "sign in at your own console" in oilfield.json()["message"]
    assert "set-cookie" not in oilfield.headers
    assert command_room.status_code == 403
    assert wrong.status_code == 401
    assert wrong.json()["message"] == "wrong user name or password"


def test_signing_in_while_the_gateway_is_down_says_so_and_signed_in_staff_keep_working(
    console: Console,
) -> None:
    refused = console.client.post(
        "/api/v1/auth/sign-in", json={"username": "localgov-duty", "password": PASSWORD}
    )

    assert refused.status_code == 503
    assert "cannot be reached" in refused.json()["message"]
    assert console.client.get("/api/v1/tasks", headers=console.as_staff()).status_code == 200


def test_the_gateways_keys_are_learnt_kept_beside_the_database_and_used_while_it_is_down(
    make_console: ConsoleFactory, gateway: Gateway, tmp_path: Path
) -> None:
    cache = tmp_path / "localgov.jwks.json"
    keys = PublicKeys(jwks_url=f"{gateway.url}/.well-known/jwks.json", cache_file=cache)
    links = LinkStatus(gateway_url=gateway.url)
    console = make_console(gateway_url=gateway.url, keys=keys, links=links, key=gateway.key)
    assert console.client.get("/api/v1/agency").json()["links"]["gateway"] == "down"

    assert links.check_gateway()
    token = console.token()
    first = console.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})

    assert console.client.get("/api/v1/agency").json()["links"]["gateway"] == "up"
    assert first.status_code == 200, first.text
    assert gateway.key.kid in cache.read_text()
    gateway.stop.set()
    wait_for(lambda: not links.check_gateway(), timeout=10, message="the gateway went away")
    after_restart = make_console(
        gateway_url=gateway.url,
        keys=PublicKeys(jwks_url=f"{gateway.url}/.well-known/jwks.json", cache_file=cache),
    )
    me = after_restart.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


# -- the break-glass account --------------------------------------------------------------------

BREAK_GLASS = "localgov-breakglass"
BREAK_GLASS_PASSWORD = "glass-2026-pane"


@pytest.fixture(scope="module")
def break_glass_hash() -> str:
    return hash_password(BREAK_GLASS_PASSWORD)


def break_glass_log(console: Console, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = console.client.get("/api/v1/break-glass/log", headers=headers)
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()
    return entries


def test_the_break_glass_account_signs_in_while_the_gateway_cannot_be_reached_and_every_use_is_logged(
    make_console: ConsoleFactory, break_glass_hash: str
) -> None:
    console = make_console(break_glass_password_hash=break_glass_hash)
    task_id = console.task_arrives(console.incident_arrives())

    signed_in = console.client.post(
        "/api/v1/auth/sign-in", json={"username": BREAK_GLASS, "password": BREAK_GLASS_PASSWORD}
    )

    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert body["operator"]["username"] == BREAK_GLASS
    assert body["operator"]["role"] == "agency_commander"
    assert body["expires_at"].startswith("2026-12-01T12:00")
    assert signed_in.headers["set-cookie"].startswith(f"{cookie_name(AGENCY_ID)}=")
    assert console.client.get("/api/v1/auth/me").json()["username"] == BREAK_GLASS
    answered = console.client.post(
        f"/api/v1/tasks/{task_id}/answer", json={"status": "acknowledged", "expected_version": 1}
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["updated_by"] == BREAK_GLASS
    assert (
        console.client.post(f"/api/v1/tasks/{task_id}/answer", json={"status": "nonsense"}).status_code == 422
    )

    log = break_glass_log(console, {"Authorization": f"Bearer {body['token']}"})
    # Newest first; reading the log is itself a request made with the account.
    assert [(entry["action"], entry["method"], entry["path"], entry["status"]) for entry in log] == [
        ("request", "POST", f"/api/v1/tasks/{task_id}/answer", 422),
        ("request", "POST", f"/api/v1/tasks/{task_id}/answer", 200),
        ("request", "GET", "/api/v1/auth/me", 200),
        ("signed_in", "POST", "/api/v1/auth/sign-in", None),
    ]
    assert log[-1]["client"] == "127.0.0.1"
    assert log[-1]["at"].startswith("2026-12-01T08:00")
    again = break_glass_log(console, console.as_staff("agency_commander"))
    assert again[0]["path"] == "/api/v1/break-glass/log"


def test_the_break_glass_session_lasts_four_hours_and_a_forged_one_is_refused_and_logged(
    make_console: ConsoleFactory, break_glass_hash: str
) -> None:
    console = make_console(break_glass_password_hash=break_glass_hash)
    token = console.client.post(
        "/api/v1/auth/sign-in", json={"username": BREAK_GLASS, "password": BREAK_GLASS_PASSWORD}
    ).json()["token"]
    console.client.cookies.clear()
    header, claims, _ = token.split(".")
    forged = f"{header}.{claims}.c2lnbmVkIGJ5IG5vYm9keQ"

    refused = console.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {forged}"})
    console.clock.advance(hours=4)
    expired = console.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})

    assert refused.status_code == 401
    assert expired.status_code == 401
    assert "expired" in expired.json()["message"]
    log = break_glass_log(console, console.as_staff("agency_commander"))
    assert [(entry["path"], entry["status"]) for entry in log[:2]] == [
        ("/api/v1/tasks", 401),
        ("/api/v1/tasks", 401),
    ]


def test_the_break_glass_account_is_refused_while_the_gateway_can_be_reached(
    make_console: ConsoleFactory, gateway: Gateway, break_glass_hash: str
) -> None:
    console = make_console(
        gateway_url=gateway.url, key=gateway.key, break_glass_password_hash=break_glass_hash
    )

    refused = console.client.post(
        "/api/v1/auth/sign-in", json={"username": BREAK_GLASS, "password": BREAK_GLASS_PASSWORD}
    )
    own_account = console.client.post(
        "/api/v1/auth/sign-in", json={"username": "localgov-commander", "password": PASSWORD}
    )

    assert refused.status_code == 403
    assert "sign in with your own account" in refused.json()["message"]
    assert "set-cookie" not in refused.headers
    assert own_account.status_code == 200
    log = break_glass_log(console, {"Authorization": f"Bearer {own_account.json()['token']}"})
    assert [(entry["action"], entry["path"]) for entry in log] == [("refused", "/api/v1/auth/sign-in")]
    assert "can be reached" in log[0]["detail"]


def test_a_wrong_break_glass_password_is_401_and_logged_as_refused(
    make_console: ConsoleFactory, break_glass_hash: str
) -> None:
    console = make_console(break_glass_password_hash=break_glass_hash)

    wrong = console.client.post("/api/v1/auth/sign-in", json={"username": BREAK_GLASS, "password": "guess"})

    assert wrong.status_code == 401
    assert wrong.json()["message"] == "wrong user name or password"
    assert "set-cookie" not in wrong.headers
    log = break_glass_log(console, console.as_staff("agency_commander"))
    assert [(entry["action"], entry["detail"]) for entry in log] == [
        ("refused", "wrong user name or password")
    ]


def test_without_a_configured_hash_the_break_glass_name_is_just_an_unknown_account(
    make_console: ConsoleFactory, gateway: Gateway
) -> None:
    gateway_down = make_console()
    gateway_up = make_console(gateway_url=gateway.url, key=gateway.key)
    credentials = {"username": BREAK_GLASS, "password": BREAK_GLASS_PASSWORD}

    assert gateway_down.client.post("/api/v1/auth/sign-in", json=credentials).status_code == 503
    assert gateway_up.client.post("/api/v1/auth/sign-in", json=credentials).status_code == 401
    assert break_glass_log(gateway_up, gateway_up.as_staff("agency_commander")) == []


def test_a_break_glass_token_signed_by_the_agency_is_refused_when_the_account_is_off(
    make_console: ConsoleFactory, break_glass_hash: str
) -> None:
    on = make_console(break_glass_password_hash=break_glass_hash)
    token = on.client.post(
        "/api/v1/auth/sign-in", json={"username": BREAK_GLASS, "password": BREAK_GLASS_PASSWORD}
    ).json()["token"]
    off = make_console()  # the same database, the hash taken away

    assert off.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_break_glass_token_is_refused_by_the_agencys_grpc_api(
    make_console: ConsoleFactory, break_glass_hash: str
) -> None:
    console = make_console(break_glass_password_hash=break_glass_hash)
    token = console.client.post(
        "/api/v1/auth/sign-in", json={"username": BREAK_GLASS, "password": BREAK_GLASS_PASSWORD}
    ).json()["token"]

    with pytest.raises(Refused) as refused:
        check_caller(token, keys=public_keys(console.key), agency=AGENCY_ID, now=console.clock())

    assert refused.value.code == grpc.StatusCode.UNAUTHENTICATED


def test_only_a_commander_reads_the_break_glass_log(console: Console) -> None:
    assert console.client.get("/api/v1/break-glass/log", headers=console.as_staff()).status_code == 403
    assert (
        console.client.get(
            "/api/v1/break-glass/log", headers=console.as_staff("agency_commander")
        ).status_code
        == 200
    )
