"""Instability factors through the gateway's own HTTP API, in process, on a real gateway database
(SQLite and PostgreSQL) with a clock the test moves: watches and their check-ins, a missed
check-in raised once, the check-in link and its refusals, masking, a factor turned into an
incident, and the bulletin's figures."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.activity.models import ActivityRow
from gateway.app import create_app
from gateway.audit.models import AuditEntry
from gateway.context import GatewayContext
from gateway.factors import service
from gateway.factors.watcher import CheckInWatcher
from gateway.settings import GatewaySettings
from infra import factors_demo
from jcp.incidents.v1 import events_pb2
from kernel.bus.outbox import OutboxRecord
from tests.support import MovableClock

PASSWORD = "factor-test-2026"
ID_NUMBER = "370502198001011234"


@dataclass
class Gateway:
    http: TestClient
    clock: MovableClock
    context: GatewayContext
    tokens: dict[str, str]
    sign_in: Callable[[str], str]

    def as_role(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def call(self, method: str, path: str, role: str = "commander", **kwargs: Any) -> Any:
        return self.http.request(method, path, headers=self.as_role(role), **kwargs)

    def watcher(self) -> CheckInWatcher:
        return CheckInWatcher(
            session_factory=self.context.session_factory,
            rules=self.context.rules,
            interval_s=1,
            clock=self.clock,
        )

    def register(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "category": "wage_arrears",
            "description": f"农民工讨薪，代表电话 13812345678，身份证 {ID_NUMBER}",
            "parties": [
                {"name": "王建国", "id_number": ID_NUMBER, "phone": "13812345678", "role": "讨薪代表"}
            ],
            "location": {"latitude": 37.46, "longitude": 118.49, "place": "西城某工地"},
            "level": "III",
            "responsible_unit": "文汇街道综治中心",
            "responsible_person": {"name": "李明", "phone": "13900001111"},
            **overrides,
        }
        made = self.call("POST", "/api/v1/factors", json=body)
        assert made.status_code == 201, made.text
        return made.json()  # type: ignore[no-any-return]

    def watch(self, factor_id: str, *, minutes: int = 60, started_ago_min: int = 0, hours: int = 24) -> Any:
        starts = self.clock() - timedelta(minutes=started_ago_min)
        return self.call(
            "POST",
            f"/api/v1/factors/{factor_id}/watch",
            json={
                "name": "国庆期间",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=hours)).isoformat(),
                "interval_minutes": minutes,
            },
        )

    def history(self, factor_id: str) -> list[str]:
        answer = self.call("GET", f"/api/v1/factors/{factor_id}/history")
        assert answer.status_code == 200, answer.text
        return [event["action"] for event in answer.json()]


@pytest.fixture(params=["sqlite", "postgresql"])
def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Gateway]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = request.getfixturevalue("postgres")("factors")
    clock = MovableClock()
    settings = GatewaySettings(database_url=url, data_dir=tmp_path, bootstrap_admin_password=PASSWORD)
    app = create_app(settings, clock=clock)
    # No lifespan: no broker, relay or watchers; the test sweeps with its own clock.
    http = TestClient(app)

    def sign_in(username: str) -> str:
        answer = http.post("/api/v1/auth/sign-in", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]  # type: ignore[no-any-return]

    tokens = {"admin": sign_in("admin")}
    for role in ("commander", "coordinator", "operator"):
        made = http.post(
            "/api/v1/operators",
            json={"username": role, "role": role, "password": PASSWORD},
            headers={"Authorization": f"Bearer {tokens['admin']}"},
        )
        assert made.status_code == 201, made.text
        tokens[role] = sign_in(role)
    yield Gateway(http=http, clock=clock, context=app.state.context, tokens=tokens, sign_in=sign_in)
    http.close()
    app.state.context.session_factory.kw["bind"].dispose()


def test_a_factor_without_a_responsible_person_cannot_enter_a_watch(gateway: Gateway) -> None:
    factor = gateway.register(responsible_person=None)

    refused = gateway.watch(factor["id"])

    assert refused.status_code == 422, refused.text
    assert [field["field"] for field in refused.json()["fields"]] == ["responsible_person"]
    assert "responsible_person" in refused.json()["message"]
    assert gateway.call("GET", f"/api/v1/factors/{factor['id']}").json()["watch"] is None
    named = gateway.call(
        "PATCH",
        f"/api/v1/factors/{factor['id']}",
        json={"responsible_person": {"name": "赵亮", "phone": "139"}},
    )
    assert named.status_code == 200, named.text
    assert gateway.watch(factor["id"]).status_code == 201
    assert gateway.history(factor["id"]) == ["opened", "updated", "watch_started"]


def test_lists_mask_the_parties_and_only_factor_workers_read_them_whole(gateway: Gateway) -> None:
    factor = gateway.register()

    for role in ("commander", "operator"):
        listed = gateway.call("GET", "/api/v1/factors", role=role).json()["items"]
        [party] = listed[0]["parties"]
        assert party == {
            "name": "王**",
            "id_number": "*" * 14 + "1234",
            "phone": "138****5678",
            "role": "讨薪代表",
        }
        assert ID_NUMBER not in listed[0]["description"] and "13812345678" not in listed[0]["description"]
    whole = gateway.call("GET", f"/api/v1/factors/{factor['id']}", role="coordinator").json()
    assert whole["parties"][0]["id_number"] == ID_NUMBER
    masked = gateway.call("GET", f"/api/v1/factors/{factor['id']}", role="operator").json()
    assert masked["parties"][0]["name"] == "王**"
    assert gateway.call("POST", "/api/v1/factors", role="operator", json={}).status_code == 403
    corrected = gateway.call(
        "PATCH", f"/api/v1/factors/{factor['id']}", json={"description": "代表改用 13987654321 联系"}
    )
    assert corrected.status_code == 200, corrected.text
    history = gateway.call("GET", f"/api/v1/factors/{factor['id']}/history", role="operator").json()
    assert history[-1]["data"]["changed"]["description"][1] == "代表改用 139****4321 联系"
    assert ID_NUMBER not in str(history) and "13987654321" not in str(history)


def test_a_missed_check_in_is_raised_once_escalated_to_the_commander_and_shown_overdue(
    gateway: Gateway,
) -> None:
    factor = gateway.register()
    assert gateway.watch(factor["id"], minutes=60).status_code == 201
    watcher, rival = gateway.watcher(), gateway.watcher()
    gateway.clock.advance(minutes=59)
    assert watcher.sweep() == 0
    assert gateway.call("GET", "/api/v1/factors/overdue").json()["overdue"] == 0

    gateway.clock.advance(minutes=2)
    assert watcher.sweep() + rival.sweep() + watcher.sweep() == 1

    board = gateway.call("GET", "/api/v1/factors").json()
    assert board["overdue"] == 1 and board["items"][0]["watch"]["overdue"] is True
    assert board["items"][0]["watch"]["state"] == "overdue"
    assert gateway.call("GET", "/api/v1/factors/overdue?center=stability").json()["overdue"] == 1
    assert gateway.call("GET", "/api/v1/factors/overdue?center=population").json()["overdue"] == 0
    history = gateway.call("GET", f"/api/v1/factors/{factor['id']}/history").json()
    [missed] = [event for event in history if event["action"] == "check_in_missed"]
    assert missed["data"]["escalated_to"] == "commander.stability"
    with gateway.context.session_factory() as session:
        feed = session.scalars(select(ActivityRow).where(ActivityRow.action == "check_in_missed")).all()
        assert [(row.kind, row.center, row.data["factor_id"]) for row in feed] == [
            ("factor", "stability", factor["id"])
        ], "on the live stream once"

    checked = gateway.call("POST", f"/api/v1/factors/{factor['id']}/check-ins", json={"status": "人员已散去"})
    assert checked.status_code == 201, checked.text
    assert checked.json()["watch"]["overdue"] is False
    assert gateway.call("GET", "/api/v1/factors").json()["overdue"] == 0
    gateway.clock.advance(minutes=61)
    assert watcher.sweep() == 1, "a later deadline missed is raised again, once"
    assert gateway.history(factor["id"]).count("check_in_missed") == 2

    # The last check-in falls due after the period ends, and the watch ends by itself, once.
    gateway.clock.advance(hours=21, minutes=30)
    gateway.tokens["commander"] = gateway.sign_in("commander")  # a day later: a new shift
    assert watcher.sweep() == 0, "still overdue: a deadline is raised once, however late"
    gateway.call("POST", f"/api/v1/factors/{factor['id']}/check-ins", json={"status": "平稳"})
    gateway.clock.advance(hours=1)
    assert watcher.sweep() + rival.sweep() == 0
    assert gateway.history(factor["id"]).count("watch_ended") == 1
    assert gateway.call("GET", "/api/v1/factors").json()["items"][0]["watch"] is None


def test_the_check_in_link_checks_in_from_a_phone_and_refuses_forged_expired_and_other_factor_links(
    gateway: Gateway,
) -> None:
    factor, other = gateway.register(), gateway.register(description="征地补偿纠纷")
    assert gateway.watch(factor["id"], hours=6).status_code == 201
    assert gateway.watch(other["id"], hours=6).status_code == 201
    link = gateway.call("GET", f"/api/v1/factors/{factor['id']}/link").json()
    other_link = gateway.call("GET", f"/api/v1/factors/{other['id']}/link").json()
    assert gateway.call("GET", f"/api/v1/factors/{factor['id']}/link", role="operator").status_code == 403
    unwatched = gateway.register(description="未盯守")
    assert gateway.call("GET", f"/api/v1/factors/{unwatched['id']}/link").status_code == 409
    with gateway.context.session_factory() as session:
        issued = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "factor.check_in_link_issued")
        ).all()
        assert sorted(entry.subject for entry in issued) == sorted(
            f"factor:{f['id']}" for f in (factor, other)
        )

    page = gateway.http.get(link["path"])
    assert page.status_code == 200 and 'name="status"' in page.text and "王**" not in page.text
    assert page.headers["cache-control"] == "no-store"
    blank = gateway.http.post(link["path"] + "?lang=en", data={"status": "  "})
    assert blank.status_code == 422 and "Write what you see now" in blank.text
    sent = gateway.http.post(link["path"], data={"status": "现场平稳"}, follow_redirects=False)
    assert sent.status_code == 303
    assert gateway.http.get(sent.headers["location"]).text.count("报到已记录") == 1
    watch = gateway.call("GET", f"/api/v1/factors/{factor['id']}").json()["watch"]
    assert watch["last_status"] == "现场平稳"
    assert gateway.history(factor["id"])[-1] == "checked_in"

    token = link["path"].rsplit("/", 1)[1]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refusals = {
        "forged": gateway.http.get(f"/f/{factor['id']}/{forged}?lang=en"),
        "other": gateway.http.get(f"/f/{factor['id']}/{other_link['path'].rsplit('/', 1)[1]}?lang=en"),
        "posted_other": gateway.http.post(
            f"/f/{factor['id']}/{other_link['path'].rsplit('/', 1)[1]}", data={"status": "x"}
        ),
    }
    gateway.clock.advance(hours=7)
    refusals["expired"] = gateway.http.get(link["path"] + "?lang=en")
    assert {name: answer.status_code for name, answer in refusals.items()} == {
        "forged": 401,
        "other": 403,
        "posted_other": 403,
        "expired": 410,
    }
    assert "not valid" in refusals["forged"].text
    assert "another instability factor" in refusals["other"].text
    assert "has expired" in refusals["expired"].text
    for answer in refusals.values():
        assert answer.headers["content-type"].startswith("text/html") and "Traceback" not in answer.text
    assert gateway.history(other["id"]).count("checked_in") == 0


def test_a_factor_becomes_an_incident_in_one_step_linked_both_ways(gateway: Gateway) -> None:
    factor = gateway.register(center="stability")
    assert gateway.watch(factor["id"]).status_code == 201
    phone_link = gateway.call("GET", f"/api/v1/factors/{factor['id']}/link").json()
    body = {"source_agency": "localgov", "category": "wage_arrears", "title": "讨薪人员聚集", "level": "II"}
    assert (
        gateway.call(
            "POST", f"/api/v1/factors/{factor['id']}/escalate", role="coordinator", json=body
        ).status_code
        == 403
    )

    made = gateway.call("POST", f"/api/v1/factors/{factor['id']}/escalate", json=body)

    assert made.status_code == 201, made.text
    incident = made.json()
    after = gateway.call("GET", f"/api/v1/factors/{factor['id']}").json()
    assert (after["status"], after["incident_id"], after["watch"]) == (
        "became_incident",
        incident["id"],
        None,
    )
    timeline = gateway.call("GET", f"/api/v1/incidents/{incident['id']}/timeline").json()
    [link] = [
        event for event in timeline if (event["kind"], event["action"]) == ("factor", "became_incident")
    ]
    assert link["data"]["factor_id"] == factor["id"]
    handling = gateway.call("GET", f"/api/v1/incidents/{incident['id']}/handling").json()
    # wage arrears alone go to the construction center; a factor's incident stays with its center
    assert handling["center"] == "stability"
    with gateway.context.session_factory() as session:
        reported = session.scalars(
            select(OutboxRecord).where(
                OutboxRecord.event_type.endswith(events_pb2.IncidentReported.DESCRIPTOR.name)
            )
        ).all()
        assert len(reported) == 1, "announced to the agencies as any reported incident"
        assert service.linked_factor(session=session, incident_id=incident["id"]).id == factor["id"]  # type: ignore[union-attr]
    over = gateway.http.get(phone_link["path"] + "?lang=en")
    assert over.status_code == 410 and "needs no more check-ins" in over.text
    again = gateway.call("POST", f"/api/v1/factors/{factor['id']}/escalate", json=body)
    assert again.status_code == 409
    assert gateway.history(factor["id"])[-2:] == ["watch_ended", "became_incident"]


def test_the_bulletin_counts_what_happened_in_the_period(gateway: Gateway) -> None:
    start = gateway.clock()
    eased, resolved, escalated, missed, other_center = (gateway.register() for _ in range(5))
    gateway.call(
        "PATCH", f"/api/v1/factors/{other_center['id']}", json={"center": "construction", "level": "I"}
    )
    gateway.call("POST", f"/api/v1/factors/{eased['id']}/status", json={"status": "easing"})
    gateway.call("POST", f"/api/v1/factors/{resolved['id']}/status", json={"status": "resolved"})
    body = {"source_agency": "localgov", "category": "mass_incident", "title": "聚集"}
    assert gateway.call("POST", f"/api/v1/factors/{escalated['id']}/escalate", json=body).status_code == 201
    gateway.watch(missed["id"], minutes=30)
    gateway.clock.advance(minutes=31)
    assert gateway.watcher().sweep() == 1
    end = gateway.clock() + timedelta(seconds=1)
    gateway.clock.advance(hours=1)
    gateway.call("POST", f"/api/v1/factors/{eased['id']}/status", json={"status": "resolved"})

    with gateway.context.session_factory() as session:
        district = service.bulletin_figures(session=session, start=start, end=end, center=None)
        stability = service.bulletin_figures(session=session, start=start, end=end, center="stability")
        later = service.bulletin_figures(
            session=session, start=end, end=gateway.clock() + timedelta(1), center=None
        )

    assert district == service.FactorFigures(
        opened=5,
        eased=1,
        resolved=1,
        became_incident=1,
        missed_checkins=1,
        open_at_end=3,
        by_level={"I": 1, "II": 0, "III": 2, "IV": 0},
    )
    assert (stability.opened, stability.open_at_end, stability.by_level["I"]) == (4, 2, 0)
    assert (later.opened, later.resolved, later.open_at_end) == (0, 1, 2)


def test_the_demo_factors_show_one_overdue_check_in_once_the_watcher_has_swept(gateway: Gateway) -> None:
    gateway.http.headers["Authorization"] = f"Bearer {gateway.tokens['coordinator']}"
    assert factors_demo.load(gateway.http, now=gateway.clock()) == len(factors_demo.FACTORS)
    assert factors_demo.load(gateway.http, now=gateway.clock()) == 0, "loaded once"

    assert gateway.watcher().sweep() == 1
    board = gateway.call("GET", "/api/v1/factors").json()
    assert (board["total"], board["overdue"]) == (5, 1)
    assert board["items"][0]["category"] == "wage_arrears" and board["items"][0]["watch"]["overdue"]
    assert sum(item["watch"] is not None for item in board["items"]) == 4
