"""Information sharing with neighbouring bureaus, end to end: two partner systems against a
running platform, over the feed, webhooks and the gRPC stream, with the audit log checked."""

import hashlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import httpx
import jwt
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import text

from gateway.partners.access import signing
from gateway.partners.formats import cap
from infra import ops
from infra.partner_receiver import Receiver
from infra.platform import ROOT, Platform
from jcp.partners.v1 import feed_pb2, feed_pb2_grpc
from tests.conftest import database_urls, running_platform
from tests.support import engine_for, incident_body, wait_for

ID_NUMBER = "370502198805061234"
PHONE = "13912345678"
KFQ_AGREEMENT = {
    "categories": ["police_call", "mass_incident", "civil_dispute"],
    "levels": ["I", "II", "III", "IV"],
    "fields": ["title", "description", "location", "status", "reporter"],
}
BINHAI_AGREEMENT = {
    "categories": ["police_call", "mass_incident"],
    "levels": ["I", "II", "III"],
    "fields": ["title", "description", "location", "status", "reporter"],
    "mask_names": True,
    "mask_id_numbers": True,
    "mask_phones": True,
    "share_drills": False,
}
# The gateway's default limit on a partner request's body.
BODY_LIMIT = 64 * 1024
ENV = {
    "JCP_WEBHOOK_ATTEMPTS": "3",
    "JCP_WEBHOOK_FIRST_RETRY_S": "0.2",
    # Above what any test here polls at (under 20/s), low enough that a flood outruns the refill
    # even on a loaded machine.
    "JCP_PARTNER_RATE_PER_S": "25",
    "JCP_PARTNER_BURST": "50",
}


class PartnerClient:
    """A partner bureau's own system, as it would integrate: OAuth2 token, then the API."""

    def __init__(self, platform: Platform, client_id: str, client_secret: str) -> None:
        self.url = platform.config.gateway_url
        self.client_id, self.client_secret = client_id, client_secret
        self.api_key = f"{client_id}.{client_secret}"
        self.token = self.fetch_token()
        self.http = httpx.Client(
            base_url=self.url, timeout=10, headers={"Authorization": f"Bearer {self.token}"}
        )

    def fetch_token(self, scope: str | None = None) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        if scope:
            form["scope"] = scope
        answer = httpx.post(f"{self.url}/partner/v1/token", data=form)
        assert answer.status_code == 200, answer.text
        assert answer.json()["token_type"] == "Bearer"
        return str(answer.json()["access_token"])

    def feed(self, cursor: int = 0) -> tuple[list[dict[str, Any]], int]:
        answer = self.http.get("/partner/v1/feed", params={"cursor": cursor, "limit": 500})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        return page["items"], page["next_cursor"]

    def all_items(self) -> list[dict[str, Any]]:
        items, cursor = [], 0
        while True:
            page, cursor = self.feed(cursor)
            if not page:
                return items
            items.extend(page)


class Stream:
    """The gRPC Subscribe stream read in the background."""

    def __init__(self, platform: Platform, token: str) -> None:
        self.channel = grpc.insecure_channel(platform.config.partner_grpc_target)
        self.call = feed_pb2_grpc.PartnerFeedStub(self.channel).Subscribe(
            feed_pb2.SubscribeRequest(cursor=0), metadata=[("authorization", f"Bearer {token}")]
        )
        self.items: list[feed_pb2.FeedItem] = []
        self.ended: grpc.StatusCode | None = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for item in self.call:
                self.items.append(item)
        except grpc.RpcError as exc:
            self.ended = exc.code()

    def data(self, item_id: str) -> dict[str, Any] | None:
        for item in list(self.items):
            if item.id == item_id:
                return dict(json.loads(item.data_json))
        return None

    def close(self) -> None:
        self.call.cancel()
        self.channel.close()


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("partners"), ENV) as platform:
        yield platform


@pytest.fixture(scope="module")
def admin(platform: Platform) -> Iterator[httpx.Client]:
    with platform.client("admin") as client:
        yield client


def make_partner(
    admin: httpx.Client, partner_id: str, agreement: dict[str, Any], scopes: list[str] | None = None
) -> dict[str, Any]:
    made = admin.post("/api/v1/partners", json={"id": partner_id, "name": partner_id, "agreement": agreement})
    assert made.status_code == 201, made.text
    key = admin.post(f"/api/v1/partners/{partner_id}/keys", json={"scopes": scopes} if scopes else {})
    assert key.status_code == 201, key.text
    return dict(key.json())


def incident_version(client: httpx.Client, incident_id: str) -> int:
    return int(client.get(f"/api/v1/incidents/{incident_id}").json()["version"])


def share_a_case(kfq: PartnerClient, commander: httpx.Client) -> tuple[str, dict[str, Any]]:
    """kfq shares a case; it becomes an incident whose source is kfq, routed to a center."""
    case = {
        "case_id": "KFQ-2026-0042",
        "category": "mass_incident",
        "level": "II",
        "title": "开发区工地欠薪聚集",
        "description": f"组织者王小明，身份证{ID_NUMBER}，电话{PHONE}，约四十人聚集。",
        "location": {"latitude": 37.4420, "longitude": 118.5618, "address": "辛店街道府前大街工地"},
    }
    shared = kfq.http.post("/partner/v1/cases", json=case)
    assert shared.status_code == 201, shared.text
    incident_id = str(shared.json()["incident_id"])
    again = kfq.http.post("/partner/v1/cases", json=case)
    assert again.status_code == 200 and again.json()["incident_id"] == incident_id
    ours = commander.get(f"/api/v1/incidents/{incident_id}").json()
    assert ours["source_agency"] == "kfq"
    assert ID_NUMBER in ours["description"]
    assert commander.get(f"/api/v1/incidents/{incident_id}/handling").json()["center"] == "stability"
    return incident_id, case


def received_alike_on_every_channel(
    binhai: PartnerClient, receiver: Receiver, stream: "Stream", commander: httpx.Client, incident_id: str
) -> None:
    """binhai gets the case redacted, identically by feed, webhook and gRPC stream."""
    item_id = f"incident:{incident_id}:v1"
    items = {item["id"]: item for item in binhai.all_items()}
    data = items[item_id]["data"]
    assert ID_NUMBER not in data["description"] and "**************1234" in data["description"]
    assert PHONE not in data["description"] and "139****5678" in data["description"]
    assert "source_agency" not in data  # not among binhai's agreed fields
    wait_for(lambda: item_id in receiver.ids(), timeout=10, message="the webhook delivered the case")
    assert next(item for item in receiver.items if item["id"] == item_id)["data"] == data
    wait_for(lambda: stream.data(item_id) is not None, timeout=10, message="the gRPC stream carried it")
    assert stream.data(item_id) == data

    # An update is a new item with its own stable id; the first is not repeated.
    commander.post(f"/api/v1/incidents/{incident_id}/status", json={"status": "accepted"}).raise_for_status()
    wait_for(lambda: f"incident:{incident_id}:v2" in receiver.ids(), timeout=10, message="update delivered")
    assert [i["id"] for i in binhai.all_items()].count(item_id) == 1


def mutual_aid_both_ways(
    kfq: PartnerClient, binhai: PartnerClient, commander: httpx.Client, incident_id: str
) -> None:
    due = (datetime.now(UTC) + timedelta(hours=4)).isoformat()
    asked = binhai.http.post(
        "/partner/v1/aid",
        json={"request_id": "BH-ARREST-7", "kind": "arrest", "subject": "协助抓捕在逃人员", "due_at": due},
    )
    assert asked.status_code == 201, asked.text
    aid_id = asked.json()["id"]
    assert any(item["id"] == aid_id for item in commander.get("/api/v1/aid-requests").json())
    for status in ("accepted", "in_progress", "completed"):
        answered = commander.post(f"/api/v1/aid-requests/{aid_id}/status", json={"status": status})
        assert answered.status_code == 200, answered.text
    assert (
        commander.post(f"/api/v1/aid-requests/{aid_id}/status", json={"status": "accepted"}).status_code
        == 409
    )
    seen = [item["data"]["status"] for item in binhai.all_items() if item["data"].get("id") == aid_id]
    assert seen == ["requested", "accepted", "in_progress", "completed"]
    assert not any(item["data"].get("id") == aid_id for item in kfq.all_items())
    assert kfq.http.get(f"/partner/v1/aid/{aid_id}").status_code == 404

    ours = commander.post(
        "/api/v1/aid-requests",
        json={
            "partner": "kfq",
            "kind": "investigation",
            "subject": "协查嫌疑车辆",
            "due_at": due,
            "incident_id": incident_id,
        },
    )
    assert ours.status_code == 201, ours.text
    outbound = ours.json()["id"]
    assert any(item["data"].get("id") == outbound for item in kfq.all_items())
    assert (
        commander.post(f"/api/v1/aid-requests/{outbound}/status", json={"status": "accepted"}).status_code
        == 403
    )
    for status in ("accepted", "in_progress", "completed"):
        assert kfq.http.post(f"/partner/v1/aid/{outbound}/status", json={"status": status}).status_code == 200
    assert commander.get("/api/v1/aid-requests", params={"partner": "kfq"}).json()[0]["status"] == "completed"


def revoked_at_once(
    admin: httpx.Client, kfq: PartnerClient, binhai: PartnerClient, stream: "Stream", case: dict[str, Any]
) -> None:
    """Revoking binhai's key stops its API key, its token, new tokens and its stream at once."""
    assert binhai.http.get("/partner/v1/feed").status_code == 200
    revoked = admin.post(f"/api/v1/partners/binhai/keys/{binhai.client_id}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    (listed,) = admin.get("/api/v1/partners/binhai/keys").json()
    assert listed["revoked_at"] and not {"client_secret", "api_key", "secret_hash"} & set(listed)
    assert binhai.http.get("/partner/v1/feed").status_code == 401
    assert (
        httpx.get(f"{binhai.url}/partner/v1/feed", headers={"X-API-Key": binhai.api_key}).status_code == 401
    )
    form = {
        "grant_type": "client_credentials",
        "client_id": binhai.client_id,
        "client_secret": binhai.client_secret,
    }
    assert httpx.post(f"{binhai.url}/partner/v1/token", data=form).status_code == 401
    kfq.http.post("/partner/v1/cases", json={**case, "case_id": "KFQ-2026-0043"}).raise_for_status()
    wait_for(lambda: stream.ended is not None, timeout=10, message="the stream ended")
    assert stream.ended == grpc.StatusCode.UNAUTHENTICATED
    assert kfq.http.get("/partner/v1/feed").status_code == 200


def audit_verifies_until_tampered(platform: Platform) -> None:
    with platform.client("auditor") as auditor:
        log = auditor.get("/api/v1/audit", params={"limit": 1000}).json()["items"]
        actions = {(entry["actor"], entry["action"]) for entry in log}
        expected = {
            ("partner:kfq", "case.shared"),
            ("partner:kfq", "aid.answered"),
            ("partner:binhai", "feed.read"),
            ("partner:binhai", "aid.requested"),
            ("admin", "partner.created"),
            ("admin", "webhook.set"),
            ("admin", "key.revoked"),
        }
        assert expected <= actions
        verified = auditor.get("/api/v1/audit/verify").json()
        assert verified["ok"] is True and verified["checked"] >= len(log)
        victim = next(entry for entry in log if entry["action"] == "case.shared")
        tamper = text("UPDATE audit_log SET actor = :actor WHERE seq = :seq")
        gateway_db = engine_for(database_urls(platform)["gateway"])
        with gateway_db.begin() as connection:
            connection.execute(tamper, {"actor": "partner:binhai", "seq": victim["seq"]})
        broken = auditor.get("/api/v1/audit/verify").json()
        assert broken["ok"] is False and broken["first_broken"] == victim["seq"]
        assert ops.main(["verify-audit", "--gateway-database", database_urls(platform)["gateway"]]) == 1
        with gateway_db.begin() as connection:
            connection.execute(tamper, {"actor": victim["actor"], "seq": victim["seq"]})
        assert auditor.get("/api/v1/audit/verify").json()["ok"] is True


def test_two_partners_share_a_case_and_aid_and_a_revoked_key_stops_at_once(
    platform: Platform, admin: httpx.Client
) -> None:
    kfq_key = make_partner(admin, "kfq", KFQ_AGREEMENT)
    binhai_key = make_partner(admin, "binhai", BINHAI_AGREEMENT)
    kfq = PartnerClient(platform, kfq_key["client_id"], kfq_key["client_secret"])
    binhai = PartnerClient(platform, binhai_key["client_id"], binhai_key["client_secret"])
    receiver = Receiver("unset").start()
    receiver.secret = admin.put("/api/v1/partners/binhai/webhook", json={"url": receiver.url}).json()[
        "secret"
    ]
    stream = Stream(platform, binhai.token)
    commander = platform.client("commander")
    try:
        incident_id, case = share_a_case(kfq, commander)
        received_alike_on_every_channel(binhai, receiver, stream, commander, incident_id)
        mutual_aid_both_ways(kfq, binhai, commander, incident_id)
        revoked_at_once(admin, kfq, binhai, stream, case)
        audit_verifies_until_tampered(platform)
    finally:
        stream.close()
        receiver.stop()
        commander.close()


def test_a_partner_never_sees_another_partners_data_unshared_categories_or_fields(
    platform: Platform, admin: httpx.Client
) -> None:
    a_key = make_partner(
        admin, "matrix-a", {**KFQ_AGREEMENT, "categories": ["police_call"], "fields": ["title"]}
    )
    b_key = make_partner(
        admin, "matrix-b", {**KFQ_AGREEMENT, "categories": ["civil_dispute"], "share_drills": True}
    )
    a = PartnerClient(platform, a_key["client_id"], a_key["client_secret"])
    b = PartnerClient(platform, b_key["client_id"], b_key["client_secret"])
    with platform.client("operator") as operator:
        police = operator.post(
            "/api/v1/incidents", json=incident_body(category="police_call", level="IV")
        ).json()
        dispute = operator.post("/api/v1/incidents", json=incident_body()).json()
        drill = operator.post("/api/v1/incidents", json=incident_body(drill=True)).json()
    a_items = {item["data"]["id"]: item["data"] for item in a.all_items() if item["kind"] == "incident"}
    b_items = {item["data"]["id"]: item["data"] for item in b.all_items() if item["kind"] == "incident"}
    assert police["id"] in a_items and dispute["id"] not in a_items and drill["id"] not in a_items
    assert dispute["id"] in b_items and police["id"] not in b_items and drill["id"] in b_items
    assert set(a_items[police["id"]]) == {"id", "version", "category", "level", "updated_at", "title"}
    reporter = b_items[dispute["id"]]["reporter"]
    assert reporter == {"name": "张*", "phone": "138****0000", "channel": "test"}

    assert a.http.get(f"/partner/v1/incidents/{police['id']}").status_code == 200
    assert a.http.get(f"/partner/v1/incidents/{dispute['id']}").status_code == 404
    assert a.http.get(f"/partner/v1/incidents/{dispute['id']}/eidd").status_code == 404
    cap_read = a.http.get(f"/partner/v1/incidents/{dispute['id']}", headers={"Accept": "application/cap+xml"})
    assert cap_read.status_code == 404
    assert b.http.get(f"/partner/v1/incidents/{police['id']}").status_code == 404
    assert a.http.get("/partner/v1/incidents/no-such-incident").status_code == 404
    due = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    mine = a.http.post(
        "/partner/v1/aid", json={"request_id": "A-1", "kind": "investigation", "subject": "x", "due_at": due}
    )
    assert mine.status_code == 201
    assert b.http.get(f"/partner/v1/aid/{mine.json()['id']}").status_code == 404
    assert (
        b.http.post(f"/partner/v1/aid/{mine.json()['id']}/status", json={"status": "accepted"}).status_code
        == 404
    )
    assert all(item["partner"] == "matrix-b" for item in b.http.get("/partner/v1/aid").json())

    # Narrowing the agreement applies at once to what is read, including earlier changes.
    assert (
        admin.put("/api/v1/partners/matrix-b/agreement", json={**KFQ_AGREEMENT, "categories": []}).status_code
        == 200
    )
    assert not [item for item in b.all_items() if item["kind"] == "incident"]
    with platform.client("commander") as commander:
        assert commander.put("/api/v1/partners/matrix-b/agreement", json=KFQ_AGREEMENT).status_code == 403


def test_credentials_scopes_limits_and_bodies_are_enforced(platform: Platform, admin: httpx.Client) -> None:
    url = platform.config.gateway_url
    key = make_partner(admin, "narrow", KFQ_AGREEMENT, scopes=["feed:read"])
    partner = PartnerClient(platform, key["client_id"], key["client_secret"])
    assert httpx.get(f"{url}/partner/v1/feed").status_code == 401
    forged = partner.token[:-4] + ("AAAA" if not partner.token.endswith("AAAA") else "BBBB")
    assert (
        httpx.get(f"{url}/partner/v1/feed", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    )
    with platform.client("operator") as operator:
        operator_token = operator.headers["Authorization"]
    assert httpx.get(f"{url}/partner/v1/feed", headers={"Authorization": operator_token}).status_code == 401
    with engine_for(database_urls(platform)["gateway"]).connect() as connection:
        kid, signing_key = connection.execute(
            text("SELECT kid, private_pem FROM token_keys WHERE retired_at IS NULL")
        ).one()
    claims = jwt.decode(partner.token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60
    expired = jwt.encode(
        {**claims, "exp": int(datetime.now(UTC).timestamp()) - 1},
        signing_key,
        algorithm="ES256",
        headers={"kid": kid},
    )
    answer = httpx.get(f"{url}/partner/v1/feed", headers={"Authorization": f"Bearer {expired}"})
    assert answer.status_code == 401 and "expired" in answer.json()["message"]
    with engine_for(database_urls(platform)["gateway"]).connect() as connection:
        stored = connection.execute(
            text("SELECT * FROM partner_keys WHERE id = :id"), {"id": key["client_id"]}
        ).one()
    assert key["client_secret"] not in [str(value) for value in stored]
    assert hashlib.sha256(key["client_secret"].encode()).hexdigest() in list(stored)
    wrong_secret = {"X-API-Key": f"{key['client_id']}.not-the-secret"}
    assert httpx.get(f"{url}/partner/v1/feed", headers=wrong_secret).status_code == 401

    # Rotation: a second key works beside the first; revoking the first leaves the second.
    second = admin.post("/api/v1/partners/narrow/keys", json={"scopes": ["feed:read"]}).json()
    rotated = {"X-API-Key": second["api_key"]}
    assert httpx.get(f"{url}/partner/v1/feed", headers=rotated).status_code == 200
    assert partner.http.get("/partner/v1/feed").status_code == 200
    assert admin.post(f"/api/v1/partners/narrow/keys/{key['client_id']}/revoke").status_code == 200
    assert partner.http.get("/partner/v1/feed").status_code == 401
    assert httpx.get(f"{url}/partner/v1/feed", headers=rotated).status_code == 200
    key, partner = second, PartnerClient(platform, second["client_id"], second["client_secret"])

    scoped = partner.http.post("/partner/v1/cases", json={"case_id": "x"})
    assert scoped.status_code == 403 and "cases:write" in scoped.json()["message"]
    beyond = httpx.post(
        f"{url}/partner/v1/token",
        data={
            "grant_type": "client_credentials",
            "client_id": key["client_id"],
            "client_secret": key["client_secret"],
            "scope": "cases:write",
        },
    )
    assert beyond.status_code == 400 and beyond.json()["error"] == "invalid_scope"

    big = "x" * (BODY_LIMIT + 1)
    full_key = make_partner(admin, "bulky", KFQ_AGREEMENT)
    bulky = PartnerClient(platform, full_key["client_id"], full_key["client_secret"])
    too_large = bulky.http.post(
        "/partner/v1/cases", content=big, headers={"Content-Type": "application/json"}
    )
    assert too_large.status_code == 413

    flood_key = make_partner(admin, "flood", KFQ_AGREEMENT)
    headers = {"X-API-Key": f"{flood_key['client_id']}.{flood_key['client_secret']}"}
    # Eight clients at once until the limit answers: the burst of 50 drains as soon as the
    # gateway serves more than the 25/s refill, however slow the machine otherwise is.
    answers: list[httpx.Response] = []
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=url, headers=headers) as flood, ThreadPoolExecutor(8) as pool:
        while time.monotonic() < deadline and not any(a.status_code == 429 for a in answers):
            answers += pool.map(lambda _: flood.get("/partner/v1/aid"), range(80))
    limited = [answer for answer in answers if answer.status_code == 429]
    assert limited, f"a flood well over the burst must be limited ({len(answers)} requests answered)"
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert all(answer.status_code in (200, 429) for answer in answers)


def test_cap_in_and_out_and_eidd_export(platform: Platform, admin: httpx.Client) -> None:
    key = make_partner(admin, "capper", {**KFQ_AGREEMENT, "categories": ["fire", "police_call"]})
    partner = PartnerClient(platform, key["client_id"], key["client_secret"])
    alert = cap.incident_to_cap(
        {
            "id": "BH-FIRE-1",
            "version": 1,
            "category": "fire",
            "level": "II",
            "status": "reported",
            "title": "仓库起火",
            "description": "东营区西城一仓库冒烟",
            "location": {
                "latitude": 37.45,
                "longitude": 118.48,
                "address": "西城仓储区",
                "admin_code": "370502",
            },
            "updated_at": datetime.now(UTC).isoformat(),
            "drill": False,
        },
        sender="binhai.gaj",
    )
    cap_headers = {"Content-Type": "application/cap+xml"}
    created = partner.http.post("/partner/v1/cases/cap", content=alert, headers=cap_headers)
    assert created.status_code == 201, created.text
    incident_id = created.json()["incident_id"]
    assert (
        partner.http.post("/partner/v1/cases/cap", content=alert, headers=cap_headers).json()["incident_id"]
        == incident_id
    )

    with platform.client("operator") as operator:
        before = operator.get("/api/v1/incidents").json()["total"]
        broken = alert.replace(b"<severity>Severe</severity>", b"<severity>Bad</severity>")
        refused = partner.http.post("/partner/v1/cases/cap", content=broken, headers=cap_headers)
        assert refused.status_code == 422 and refused.json()["element"] == "info/severity"
        not_xml = partner.http.post("/partner/v1/cases/cap", content=b"{}", headers=cap_headers)
        assert not_xml.status_code == 422 and not_xml.json()["element"] == "alert"
        assert operator.get("/api/v1/incidents").json()["total"] == before
        fire = operator.get(f"/api/v1/incidents/{incident_id}").json()
        assert (fire["category"], fire["level"], fire["source_agency"]) == ("fire", "II", "capper")

    as_cap = partner.http.get(
        f"/partner/v1/incidents/{incident_id}", headers={"Accept": "application/cap+xml"}
    )
    assert as_cap.status_code == 200 and as_cap.headers["content-type"].startswith("application/cap+xml")
    parsed = cap.parse_cap(as_cap.content)
    assert (parsed.category, parsed.level, parsed.drill) == ("fire", "II", False)
    eidd = partner.http.get(f"/partner/v1/incidents/{incident_id}/eidd")
    assert eidd.status_code == 200
    assert incident_id in json.dumps(eidd.json())


def test_webhooks_retry_dead_letter_and_are_redelivered_and_replays_are_refused(
    platform: Platform, admin: httpx.Client
) -> None:
    make_partner(admin, "hooked", {**KFQ_AGREEMENT, "categories": ["traffic_accident"]})
    receiver = Receiver("unset").start()
    try:
        receiver.secret = admin.put("/api/v1/partners/hooked/webhook", json={"url": receiver.url}).json()[
            "secret"
        ]
        receiver.fail_next = 1
        with platform.client("operator") as operator:
            first = operator.post("/api/v1/incidents", json=incident_body(category="traffic_accident")).json()
            wait_for(
                lambda: f"incident:{first['id']}:v1" in receiver.ids(),
                timeout=15,
                message="delivered after a retry",
            )
            receiver.fail_next = 3  # every attempt of the next change fails
            second = operator.post(
                "/api/v1/incidents", json=incident_body(category="traffic_accident")
            ).json()
            letters = wait_for(
                lambda: admin.get("/api/v1/partners/hooked/webhook/dead-letters").json() or None,
                timeout=15,
                message="the change was dead-lettered",
            )
        assert letters[0]["item_id"] == f"incident:{second['id']}:v1" and letters[0]["attempts"] == 3
        assert "503" in letters[0]["reason"]
        redelivered = admin.post(f"/api/v1/partners/hooked/webhook/dead-letters/{letters[0]['id']}/redeliver")
        assert redelivered.status_code == 200 and redelivered.json()["redelivered_at"]
        assert f"incident:{second['id']}:v1" in receiver.ids()

        body = b'{"id": "replayed"}'
        old = int(datetime.now(UTC).timestamp()) - 3600
        replay = {
            signing.TIMESTAMP.lower(): str(old),
            signing.SIGNATURE.lower(): signing.sign(receiver.secret, old, body),
        }
        assert receiver.take(replay, body)[0] == 401
        now = int(datetime.now(UTC).timestamp())
        forged = {
            signing.TIMESTAMP.lower(): str(now),
            signing.SIGNATURE.lower(): signing.sign("guess", now, body),
        }
        assert receiver.take(forged, body)[0] == 401
        assert receiver.rejected[-2:] == ["outside the 300 s window", "bad signature"]
    finally:
        receiver.stop()


def test_the_partner_api_never_fails_with_a_server_error(platform: Platform, admin: httpx.Client) -> None:
    """Property-based: requests generated from the partner OpenAPI document, valid and not, with
    a partner's credentials; none may end in a 5xx."""
    url = platform.config.gateway_url
    key = make_partner(admin, "fuzzer", {**KFQ_AGREEMENT, "categories": ["police_call", "fire"]})
    headers = {"X-API-Key": key["api_key"]}
    schema = schemathesis.openapi.from_url(f"{url}/partner/v1/openapi.json")
    failures: list[str] = []
    answered: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            response = case.call(base_url=url, headers=headers)
            answered.append(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}"
                )

        call()
    assert failures == []
    # The credentials worked: generated requests were served, not only refused.
    assert len(answered) > 100 and sum(200 <= status < 300 for status in answered) > 10


def test_the_integration_guides_example_client_works(
    platform: Platform, admin: httpx.Client, tmp_path: Path
) -> None:
    key = make_partner(admin, "example", {**KFQ_AGREEMENT, "categories": ["police_call"]})
    command = [
        sys.executable,
        str(ROOT / "docs" / "examples" / "partner_client.py"),
        "--url",
        platform.config.gateway_url,
        "--client-id",
        key["client_id"],
        "--client-secret",
        key["client_secret"],
        "--cursor-file",
        str(tmp_path / "cursor"),
    ]
    first = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    incident_id = lines[0]["case"]["incident_id"]
    items = [line["item"] for line in lines if "item" in line]
    assert f"incident:{incident_id}:v1" in items
    assert any(item.startswith("aid:") for item in items)
    assert int((tmp_path / "cursor").read_text()) > 0

    again = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    repeated = [json.loads(line) for line in again.stdout.splitlines()]
    assert repeated[0]["case"] == {"case_id": "EXAMPLE-0001", "incident_id": incident_id, "created": False}
    assert not [line for line in repeated if "item" in line], "the saved cursor resumes after what was read"


def test_webhook_delivery_resumes_after_the_gateway_is_killed_mid_stream(
    platform: Platform, admin: httpx.Client
) -> None:
    make_partner(admin, "resumer", {**KFQ_AGREEMENT, "categories": ["construction_dispute"]})
    receiver = Receiver("unset").start()
    try:
        receiver.secret = admin.put("/api/v1/partners/resumer/webhook", json={"url": receiver.url}).json()[
            "secret"
        ]
        receiver.delay_s = 0.1  # a slow partner: deliveries are still going when the gateway dies
        body = incident_body(category="construction_dispute")
        with platform.client("operator") as operator:
            before = [operator.post("/api/v1/incidents", json=body).json()["id"] for _ in range(30)]
        wait_for(lambda: receiver.ids(), timeout=10, message="deliveries started")
        platform.restart("gateway", hard=True)
        cut_at = len(receiver.ids())
        assert cut_at < len(before), "the gateway died before it had delivered everything"
        receiver.delay_s = 0.0
        with platform.client("operator") as operator:
            after = [operator.post("/api/v1/incidents", json=body).json()["id"] for _ in range(10)]
        expected = {f"incident:{incident_id}:v1" for incident_id in before + after}
        wait_for(
            lambda: expected <= set(receiver.ids()),
            timeout=30,
            message="every change delivered after the restart",
        )
        assert receiver.rejected == []
    finally:
        receiver.stop()
