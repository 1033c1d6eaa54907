"""The key-person register through the gateway's routes on SQLite and PostgreSQL: masked for
every viewer, identities only with the permission and a reason, every read and every refusal in
the audit log, and links to incidents and factors shown only to those allowed."""

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.conftest import InProcessGateway
from tests.support import incident_body

PERSON = {
    "name": "李某某",
    "id_number": "370502199001011234",
    "phone": "13905461234",
    "address": "东营区西城某小区 3 号楼",
    "category": "petitioner",
    "responsible_officer": "赵民警",
    "notes": "多次赴市上访",
    "grid_cell": "37050200100101",
}


def register(commander: TestClient) -> dict[str, Any]:
    made = commander.post("/api/v1/key-persons", json=PERSON)
    assert made.status_code == 201, made.text
    return made.json()


def register_factor(commander: TestClient) -> str:
    made = commander.post(
        "/api/v1/factors",
        json={
            "category": "petition",
            "description": "安置户计划赴省上访",
            "responsible_unit": "东城街道信访办",
            "responsible_person": {"name": "周红", "phone": "13905463333"},
        },
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def audit(gateway: InProcessGateway, action: str) -> list[dict[str, Any]]:
    page = gateway.client("auditor").get("/api/v1/audit", params={"action": action})
    assert page.status_code == 200, page.text
    return page.json()["items"]


def test_every_viewer_sees_the_register_masked(gateway: InProcessGateway) -> None:
    person = register(gateway.client("commander"))
    assert person["name"] == "李**"
    for role in ("operator", "coordinator", "auditor", "commander"):
        listed = gateway.client(role).get("/api/v1/key-persons")
        assert listed.status_code == 200, (role, listed.text)
        assert listed.json() == [
            {
                "id": person["id"],
                "name": "李**",
                "id_number": "**************1234",
                "phone": "139****1234",
                "category": "petitioner",
                "responsible_officer": "赵民警",
                "grid_cell": "37050200100101",
                "links": 0,
            }
        ]
    assert "东营区西城" not in gateway.client("operator").get("/api/v1/key-persons").text
    assert gateway.client("operator").post("/api/v1/key-persons", json=PERSON).status_code == 403


def test_an_identity_read_needs_the_permission_and_a_reason_and_each_is_audited(
    gateway: InProcessGateway,
) -> None:
    person = register(gateway.client("commander"))
    path = f"/api/v1/key-persons/{person['id']}/identity"

    for role, body in (("operator", {"reason": "想看看"}), ("coordinator", {}), ("auditor", None)):
        refused = gateway.client(role).post(path, json=body)
        assert refused.status_code == 403, (role, refused.text)
        assert "key_persons" in refused.json()["message"]
        assert "李某某" not in refused.text
    refusals = audit(gateway, "key_person.identity_refused")
    assert [(e["actor"], e["subject"], e["detail"]) for e in refusals] == [
        ("operator", f"key_person:{person['id']}", {"reason": "想看看", "role": "operator"}),
        ("coordinator", f"key_person:{person['id']}", {"reason": None, "role": "coordinator"}),
        ("auditor", f"key_person:{person['id']}", {"reason": None, "role": "auditor"}),
    ]

    commander = gateway.client("commander")
    for body in ({}, {"reason": "   "}):
        unexplained = commander.post(path, json=body)
        assert unexplained.status_code == 422, unexplained.text
        assert [f["field"] for f in unexplained.json()["fields"]] == ["reason"]
    assert audit(gateway, "key_person.identity_read") == []

    gateway.clock.advance(minutes=5)
    read = commander.post(path, json={"reason": "核查信访事项，案号 2026-118"})
    assert read.status_code == 200, read.text
    identity = read.json()
    assert (identity["name"], identity["id_number"], identity["address"]) == (
        "李某某",
        "370502199001011234",
        "东营区西城某小区 3 号楼",
    )
    reads = audit(gateway, "key_person.identity_read")
    assert len(reads) == 1
    entry = reads[0]
    assert entry["seq"] == identity["audit_seq"]
    assert (entry["actor"], entry["subject"]) == ("commander", f"key_person:{person['id']}")
    assert entry["detail"] == {"reason": "核查信访事项，案号 2026-118", "role": "commander"}
    assert datetime.fromisoformat(entry["at"]) == gateway.clock()
    assert gateway.client("auditor").get("/api/v1/audit/verify").json()["ok"] is True

    assert commander.post("/api/v1/key-persons/nobody/identity", json={"reason": "x"}).status_code == 404


def test_links_to_incidents_and_factors_are_shown_only_to_those_allowed(gateway: InProcessGateway) -> None:
    commander = gateway.client("commander")
    person = register(commander)
    incident = commander.post(
        "/api/v1/incidents", json=incident_body(category="key_person", title="重点人员进入辖区")
    )
    assert incident.status_code == 201, incident.text
    incident_id = incident.json()["id"]
    factor_id = register_factor(commander)
    links = f"/api/v1/key-persons/{person['id']}/links"

    linked = commander.post(
        links, json={"subject_kind": "incident", "subject_id": incident_id, "note": "车站发现"}
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["person"]["name"] == "李**"
    again = commander.post(links, json={"subject_kind": "incident", "subject_id": incident_id})
    assert again.status_code == 409
    missing = commander.post(links, json={"subject_kind": "incident", "subject_id": "no-such-incident"})
    assert missing.status_code == 404
    factor = commander.post(links, json={"subject_kind": "factor", "subject_id": factor_id})
    assert factor.status_code == 201
    unknown = commander.post(links, json={"subject_kind": "factor", "subject_id": "no-such-factor"})
    assert unknown.status_code == 404
    assert "no-such-factor" in unknown.json()["message"]
    assert (
        gateway.client("operator").post(links, json={"subject_kind": "factor", "subject_id": "f"}).status_code
        == 403
    )

    shown = commander.get(f"/api/v1/incidents/{incident_id}/key-persons")
    assert shown.status_code == 200
    assert [(link["person"]["id"], link["note"]) for link in shown.json()] == [(person["id"], "车站发现")]
    assert shown.json()[0]["person"]["links"] == 2
    for role in ("operator", "coordinator", "auditor"):
        hidden = gateway.client(role).get(f"/api/v1/incidents/{incident_id}/key-persons")
        assert hidden.status_code == 403, role
        assert "key_persons" in hidden.json()["message"]
    by_factor = commander.get(
        "/api/v1/key-persons/links", params={"subject_kind": "factor", "subject_id": factor_id}
    )
    assert [link["person"]["id"] for link in by_factor.json()] == [person["id"]]

    identity = commander.post(
        f"/api/v1/key-persons/{person['id']}/identity", json={"reason": "处置事件"}
    ).json()
    assert {(link["subject_kind"], link["subject_id"]) for link in identity["linked"]} == {
        ("incident", incident_id),
        ("factor", factor_id),
    }
    removed = commander.delete(f"{links}/{factor.json()['id']}")
    assert removed.status_code == 204
    assert (
        commander.get(
            "/api/v1/key-persons/links", params={"subject_kind": "factor", "subject_id": factor_id}
        ).json()
        == []
    )
    assert [e["action"] for e in audit(gateway, "key_person.unlinked")] == ["key_person.unlinked"]


def test_a_factors_key_persons_are_shown_to_a_commander_only(gateway: InProcessGateway) -> None:
    commander = gateway.client("commander")
    person = register(commander)
    factor_id = register_factor(commander)
    path = f"/api/v1/factors/{factor_id}/key-persons"
    assert commander.get(path).json() == []

    linked = commander.post(
        f"/api/v1/key-persons/{person['id']}/links",
        json={"subject_kind": "factor", "subject_id": factor_id, "note": "安置户代表"},
    )
    assert linked.status_code == 201, linked.text
    shown = commander.get(path)
    assert shown.status_code == 200, shown.text
    assert [(link["person"]["id"], link["person"]["name"], link["note"]) for link in shown.json()] == [
        (person["id"], "李**", "安置户代表")
    ]
    assert "李某某" not in shown.text

    for role in ("operator", "coordinator", "auditor"):
        hidden = gateway.client(role).get(path)
        assert hidden.status_code == 403, (role, hidden.text)
        assert "key_persons" in hidden.json()["message"]
        assert "李**" not in hidden.text

    unknown = commander.get("/api/v1/factors/no-such-factor/key-persons")
    assert unknown.status_code == 404
    assert "no-such-factor" in unknown.json()["message"]
