import json
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.activity.models import ActivityRead
from gateway.dispatch.models import TaskRead
from gateway.incidents.models import IncidentRead, Location, Reporter
from gateway.partners.formats.eidd import incident_to_eidd

SENDER = "jcp.dongying.example"
AT = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
INCIDENT_ID = "0b7c6f0e-1111-4222-8333-444455556666"


def _incident(**changes: Any) -> dict[str, Any]:
    incident = IncidentRead(
        id=INCIDENT_ID,
        source_agency="oilfield",
        category="pipeline_tapping",
        level="II",
        status="dispatched",
        title="输油管线发现打孔盗油",
        description="巡线员发现阀门附近有新鲜开挖痕迹",
        location=Location(latitude=37.4363, longitude=118.6748, address="东营区胜利大街88号"),
        reporter=Reporter(name="张三", phone="13800000000"),
        reported_at=AT - timedelta(minutes=5),
        updated_at=AT,
        drill=True,
        version=3,
    ).model_dump(mode="json")
    return incident | changes


def _timeline() -> list[dict[str, Any]]:
    entries = [
        ActivityRead(
            id=11,
            at=AT - timedelta(minutes=5),
            actor="oilfield:王五",
            kind="incident",
            action="reported",
            incident_id=INCIDENT_ID,
            center="oilfield",
            data={"title": "输油管线发现打孔盗油"},
        ),
        ActivityRead(
            id=14,
            at=AT,
            actor="localgov:李四",
            kind="incident",
            action="accepted",
            incident_id=INCIDENT_ID,
            center="localgov",
            data={"from": "reported", "reason": "核实为真"},
        ),
    ]
    return [entry.model_dump(mode="json") for entry in entries]


def _tasks() -> list[dict[str, Any]]:
    tasks = [
        TaskRead(
            id="task-1",
            order_id="order-1",
            incident_id=INCIDENT_ID,
            agency="localgov",
            role="lead",
            status="acknowledged",
            version=2,
            unit_ids=["patrol-3", "patrol-7"],
            instructions="封锁现场",
            note="",
            acknowledge_by=AT + timedelta(minutes=5),
            on_scene_by=AT + timedelta(minutes=20),
            updated_at=AT,
            updated_by="localgov:李四",
        ),
        TaskRead(
            id="task-2",
            order_id="order-1",
            incident_id=INCIDENT_ID,
            agency="military",
            role="supporting",
            status="assigned",
            version=1,
            unit_ids=[],
            instructions="",
            note="",
            acknowledge_by=AT + timedelta(minutes=5),
            on_scene_by=AT + timedelta(minutes=30),
            updated_at=AT,
            updated_by="localgov:李四",
        ),
    ]
    return [task.model_dump(mode="json") for task in tasks]


def _document(**changes: Any) -> dict[str, Any]:
    return incident_to_eidd(_incident(**changes), timeline=_timeline(), tasks=_tasks(), sender=SENDER)


def test_document_names_its_version_sender_and_incident() -> None:
    document = _document()

    assert document["$id"].startswith("urn:uuid:")
    assert document["eidoVersion"] == "1.0"
    assert document["issuingElementIdentification"] == SENDER
    assert document["incidentTrackingIdentifier"] == f"urn:emergency:uid:incidentid:{INCIDENT_ID}:{SENDER}"
    assert document["lastUpdateTimeStamp"] == "2026-11-25T08:00:00Z"


def test_incident_component_carries_type_priority_status_and_text() -> None:
    (incident,) = _document()["incidentComponent"]

    assert incident["$id"] == INCIDENT_ID
    assert incident["incidentTypeInternalCode"] == "pipeline_tapping"
    assert incident["incidentTypeInternalText"] == "打孔盗油"
    assert incident["incidentPriorityInternalText"] == "II"
    assert incident["incidentStatusInternalText"] == ["dispatched"]
    assert incident["incidentTitleText"] == "输油管线发现打孔盗油"
    assert incident["incidentDescriptionText"] == "巡线员发现阀门附近有新鲜开挖痕迹"
    assert incident["incidentExerciseIndicator"] is True
    assert incident["incidentVersionNumber"] == 3


def test_location_component_carries_point_and_civic_address() -> None:
    (location,) = _document()["locationComponent"]

    assert location["locationGeodetic"] == {
        "srsName": "urn:ogc:def:crs:EPSG::4326",
        "latitude": 37.4363,
        "longitude": 118.6748,
    }
    assert location["civicAddressText"] == "东营区胜利大街88号"
    assert location["civicAddressAdminCode"] == "370502"


def test_timeline_becomes_notes_in_order() -> None:
    notes = _document()["notesComponent"]

    assert [note["noteDateTimeStamp"] for note in notes] == ["2026-11-25T07:55:00Z", "2026-11-25T08:00:00Z"]
    assert [note["noteAuthorIdentification"] for note in notes] == ["oilfield:王五", "localgov:李四"]
    assert [note["noteTypeRegistryText"] for note in notes] == ["incident.reported", "incident.accepted"]
    assert notes[1]["noteText"] == "incident accepted: 核实为真"
    assert notes[0]["$id"] == f"{INCIDENT_ID}:note:11"


def test_timeline_summary_is_used_when_given() -> None:
    entry = {"at": "2026-11-25T08:01:00Z", "kind": "incident", "actor": "partner", "summary": "移交公安"}

    document = incident_to_eidd(_incident(), timeline=[entry], tasks=[], sender=SENDER)

    assert document["notesComponent"][0]["noteText"] == "移交公安"


def test_tasks_become_dispatches_with_units_and_deadlines() -> None:
    lead, supporting = _document()["dispatchComponent"]

    assert lead["$id"] == "task-1"
    assert lead["organizationIdentification"] == "localgov"
    assert lead["dispatchRoleText"] == "lead"
    assert lead["dispatchStatusText"] == "acknowledged"
    assert lead["unitIdentification"] == ["patrol-3", "patrol-7"]
    assert lead["dispatchInstructionsText"] == "封锁现场"
    assert lead["onSceneDueTimeStamp"] == "2026-11-25T08:20:00Z"
    assert supporting["organizationIdentification"] == "military"
    assert supporting["unitIdentification"] == []
    assert "dispatchInstructionsText" not in supporting


def test_agencies_are_the_reporter_and_every_tasked_agency() -> None:
    agencies = {agency["$id"]: agency for agency in _document()["agencyComponent"]}

    assert set(agencies) == {"oilfield", "localgov", "military"}
    assert agencies["oilfield"]["incidentOwningAgencyIndicator"] is True
    assert agencies["oilfield"]["agencyRoleDescriptionRegistryText"] == ["Reporting"]
    assert agencies["localgov"]["agencyRoleDescriptionRegistryText"] == ["Lead"]
    assert agencies["military"]["agencyRoleDescriptionRegistryText"] == ["Supporting"]
    assert agencies["localgov"]["incidentOwningAgencyIndicator"] is False


def test_same_facts_give_the_same_document_and_new_facts_a_new_id() -> None:
    first, again = _document(), _document()
    later = _document(version=4)
    more_notes = incident_to_eidd(_incident(), timeline=_timeline()[:1], tasks=_tasks(), sender=SENDER)

    assert first == again
    assert len({first["$id"], later["$id"], more_notes["$id"]}) == 3


def test_redacted_incident_still_exports_without_nulls() -> None:
    required = {"id", "category", "level", "title", "updated_at", "location"}
    incident = {key: value for key, value in _incident().items() if key in required}

    document = incident_to_eidd(incident, timeline=[], tasks=[], sender=SENDER)

    text = json.dumps(document, ensure_ascii=False)
    assert "null" not in text
    assert "张三" not in text
    assert document["incidentComponent"][0]["incidentTitleText"] == "输油管线发现打孔盗油"
    assert document["agencyComponent"] == []
