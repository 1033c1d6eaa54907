"""The bulletins' and exports' HTTP routes, in process against the gateway app on each real
database: who may generate, the archive as a page, a zip and single CSVs, and the one-click
exports of an incident (CAP read back by the partner API's own reader, EIDD, ICS-201) and of
a period (ICS-209)."""

import io
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.partners.formats.cap import parse_cap
from gateway.settings import GatewaySettings
from tests.integration.test_bulletins import FixedClock

PASSWORD = "bulletin-test-2026"
# 10:00 in Dongying on 10 November 2026.
NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
REPORT = {
    "source_agency": "oilfield",
    "category": "pipeline_tapping",
    "level": "II",
    "title": "输油管线打孔盗油",
    "description": "巡线发现管线打孔痕迹",
    "location": {"latitude": 37.463912, "longitude": 118.497201, "address": "六户镇", "admin_code": "370502"},
}


@pytest.fixture(params=["sqlite", "postgresql"])
def admin(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """The app's routes alone, signed in as the first administrator: no lifespan, so no relay,
    consumer or schedule runs beside them."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = request.getfixturevalue("postgres")("api")
    settings = GatewaySettings(data_dir=str(tmp_path), database_url=url, bootstrap_admin_password=PASSWORD)
    app = create_app(settings, clock=FixedClock(NOW))
    client = TestClient(app)
    client.post("/api/v1/auth/sign-in", json={"username": "admin", "password": PASSWORD}).raise_for_status()
    yield client
    client.close()
    app.state.context.directory.close()
    app.state.context.session_factory.kw["bind"].dispose()


def signed_in_as(admin: TestClient, role: str) -> TestClient:
    admin.post(
        "/api/v1/operators",
        json={"username": role, "display_name": role, "role": role, "password": PASSWORD},
    ).raise_for_status()
    other = TestClient(admin.app)
    other.post("/api/v1/auth/sign-in", json={"username": role, "password": PASSWORD}).raise_for_status()
    return other


def reported(admin: TestClient) -> str:
    answer = admin.post("/api/v1/incidents", json=REPORT)
    assert answer.status_code == 201, answer.text
    incident_id = answer.json()["id"]
    order = admin.post(
        f"/api/v1/incidents/{incident_id}/dispatch",
        json={"tasks": [{"agency": "oilfield", "role": "lead", "instructions": "封控现场，保护管线"}]},
    )
    assert order.status_code == 201, order.text
    return incident_id


def test_bulletins_are_generated_by_commanders_and_read_back_as_page_zip_and_csv(admin: TestClient) -> None:
    reported(admin)
    operator = signed_in_as(admin, "operator")
    refused = operator.post(
        "/api/v1/bulletins", json={"scope": "district", "kind": "day", "day": "2026-11-10"}
    )
    assert refused.status_code == 403, refused.text

    made = admin.post("/api/v1/bulletins", json={"scope": "district", "kind": "day", "day": "2026-11-10"})
    assert made.status_code == 201, made.text
    bulletin = made.json()
    assert bulletin["id"] == "district-day-2026-11-10-1"
    assert (bulletin["period_start"], bulletin["period_end"], bulletin["edition"]) == (
        "2026-11-10",
        "2026-11-11",
        1,
    )
    assert bulletin["generated_by"] == "admin"

    listed = operator.get("/api/v1/bulletins", params={"scope": "district", "kind": "day"})
    assert [b["id"] for b in listed.json()] == [bulletin["id"]]
    assert operator.get("/api/v1/bulletins", params={"scope": "stability", "kind": "week"}).json() == []

    page = operator.get(f"/api/v1/bulletins/{bulletin['id']}/html")
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert "content-disposition" not in page.headers
    assert (
        "<td>pipeline_tapping</td><td>打孔盗油</td><td>Pipeline tapping</td><td class='n'>1</td>" in page.text
    )
    saved = operator.get(f"/api/v1/bulletins/{bulletin['id']}/html", params={"download": True})
    assert saved.headers["content-disposition"] == f'attachment; filename="bulletin-{bulletin["id"]}.html"'
    assert saved.text == page.text

    archive = operator.get(f"/api/v1/bulletins/{bulletin['id']}/csv")
    assert archive.headers["content-type"] == "application/zip"
    assert "attachment" in archive.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert sorted(opened.namelist()) == sorted(f"{name}.csv" for name in bulletin["tables"])
        one = operator.get(f"/api/v1/bulletins/{bulletin['id']}/tables/incidents_by_level.csv")
        assert one.content == opened.read("incidents_by_level.csv")
    assert one.content.decode("utf-8-sig").splitlines()[2] == "II,重大,II Serious,1"

    assert operator.get("/api/v1/bulletins/district-day-2026-11-10-9/html").status_code == 404
    assert operator.get(f"/api/v1/bulletins/{bulletin['id']}/tables/nothing.csv").status_code == 404
    empty = admin.post(
        "/api/v1/bulletins", json={"scope": "construction", "kind": "month", "day": "2025-02-14"}
    )
    assert empty.status_code == 201 and empty.json()["period_start"] == "2025-02-01"
    assert "无 · none" in operator.get(f"/api/v1/bulletins/{empty.json()['id']}/html").text


def test_an_incident_exports_as_cap_eidd_and_an_ics_201_briefing(admin: TestClient) -> None:
    incident_id = reported(admin)
    viewer = signed_in_as(admin, "auditor")

    cap = viewer.get(f"/api/v1/incidents/{incident_id}/export/cap")
    assert cap.status_code == 200, cap.text
    assert cap.headers["content-type"] == "application/cap+xml"
    assert cap.headers["content-disposition"] == f'attachment; filename="incident-{incident_id}.cap.xml"'
    alert = parse_cap(cap.content)
    assert (alert.category, alert.level, alert.drill, alert.headline) == (
        "pipeline_tapping",
        "II",
        False,
        REPORT["title"],
    )
    assert (round(alert.latitude, 6), round(alert.longitude, 6)) == (37.463912, 118.497201)
    assert alert.sender == "jcp.dongying.370502"

    eidd = viewer.get(f"/api/v1/incidents/{incident_id}/export/eidd")
    assert eidd.headers["content-disposition"] == f'attachment; filename="incident-{incident_id}.eidd.json"'
    document = eidd.json()
    assert document["incidentTrackingIdentifier"].startswith(f"urn:emergency:uid:incidentid:{incident_id}:")
    assert len(document["dispatchComponent"]) == 1
    assert document["locationComponent"][0]
    assert len(document["notesComponent"]) >= 3  # routed, reported, task assigned, ...

    briefing = viewer.get(f"/api/v1/incidents/{incident_id}/export/ics-201")
    assert briefing.headers["content-type"].startswith("text/html")
    assert "script-src" not in briefing.headers["content-security-policy"]
    text = briefing.text
    for expected in (
        "ICS-201",
        "37.463912, 118.497201",
        "六户镇",
        "巡线发现管线打孔痕迹",
        "封控现场，保护管线",
        "油地军校维稳联动中心",
        "task.assigned",
        "2026-11-10 10:00",
    ):
        assert expected in text, expected
    assert viewer.get("/api/v1/incidents/nothing/export/ics-201").status_code == 404
    assert viewer.get("/api/v1/incidents/nothing/export/cap").status_code == 404


def test_a_period_exports_as_an_ics_209_status_summary(admin: TestClient) -> None:
    incident_id = reported(admin)
    drill = admin.post("/api/v1/incidents", json={**REPORT, "title": "演练事件", "drill": True})
    assert drill.status_code == 201
    summary = admin.get("/api/v1/exports/ics-209", params={"day": "2026-11-10", "scope": "stability"})
    assert summary.status_code == 200, summary.text
    text = summary.text
    assert "ICS-209" in text and "油地军校维稳联动中心" in text
    assert "<td>接报事件</td><td>reported</td><td class='n'>1</td>" in text
    assert "<td>oilfield</td><td class='n'>1</td><td class='n'>1</td><td class='n'>0</td>" in text
    assert incident_id in text and "演练事件" not in text
    saved = admin.get("/api/v1/exports/ics-209", params={"day": "2026-11-10", "download": True})
    assert (
        saved.headers["content-disposition"] == 'attachment; filename="ics209-district-day-2026-11-10.html"'
    )
    other_day = admin.get("/api/v1/exports/ics-209", params={"day": "2026-11-11"})
    assert "<td>接报事件</td><td>reported</td><td class='n'>0</td>" in other_day.text


def test_bulletins_asked_for_at_the_same_moment_each_get_an_edition_of_their_own(admin: TestClient) -> None:
    reported(admin)
    body = {"scope": "stability", "kind": "week", "day": "2026-11-10"}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: admin.post("/api/v1/bulletins", json=body), range(4)))
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert sorted(a.json()["edition"] for a in answers) == [1, 2, 3, 4]
    assert {a.json()["period_start"] for a in answers} == {"2026-11-09"}
