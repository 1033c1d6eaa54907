"""Incidents as NENA Emergency Incident Data Documents for partners' dispatch systems.

NENA-STA-021 defines the document in JSON (its current edition calls it an Emergency Incident
Data Object, EIDO); we write the components a partner needs to take over or follow an
incident, with NENA's camelCase names where NENA has one:

    $id                            "urn:uuid:" + uuid5 of the document's content, so the same
                                   facts always give the same id and any change a new one
    eidoVersion                    "1.0"
    issuingElementIdentification   the sending system (``sender``)
    incidentTrackingIdentifier     "urn:emergency:uid:incidentid:{id}:{sender}"
    incidentComponent              category, level as priority, status, title, description,
                                   drill, reported and updated times, version
    locationComponent              WGS-84 point, civic address text, GB/T 2260 admin code
    agencyComponent                the reporting agency and every tasked agency, with roles
    dispatchComponent              one per task: agency, role, status, units, deadlines
    notesComponent                 one per timeline entry, in the order given

The incident may be redacted for the partner: only id, category, level, title, updated_at and
location must be there, and anything else missing is left out of the document.
"""

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from kernel.catalog import CATEGORIES

EIDO_VERSION: Final = "1.0"
WGS84: Final = "urn:ogc:def:crs:EPSG::4326"
_DOCUMENT_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:jcp:partners:eido")


def _time(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _present(component: dict[str, Any]) -> dict[str, Any]:
    """Leave out what the incident did not carry (redacted or unknown) rather than send nulls."""
    return {key: value for key, value in component.items() if value is not None}


def _incident_component(incident: Mapping[str, Any]) -> dict[str, Any]:
    category = CATEGORIES.get(incident["category"])
    status = incident.get("status")
    return _present(
        {
            "$id": incident["id"],
            "lastUpdateTimeStamp": _time(incident["updated_at"]),
            "incidentTypeInternalCode": incident["category"],
            "incidentTypeInternalText": category.name_zh if category else None,
            "incidentStatusInternalText": [status] if status else None,
            "incidentPriorityInternalText": incident["level"],
            "incidentTitleText": incident["title"],
            "incidentDescriptionText": incident.get("description"),
            "incidentCreationTimeStamp": _time(incident.get("reported_at")),
            "incidentExerciseIndicator": incident.get("drill"),
            "incidentVersionNumber": incident.get("version"),
        }
    )


def _location_component(incident: Mapping[str, Any]) -> dict[str, Any]:
    location = incident["location"]
    return _present(
        {
            "$id": f"{incident['id']}:location:0",
            "locationTypeDescriptionRegistryText": "Incident",
            "locationGeodetic": {
                "srsName": WGS84,
                "latitude": float(location["latitude"]),
                "longitude": float(location["longitude"]),
            },
            "civicAddressText": location.get("address"),
            "civicAddressAdminCode": location.get("admin_code"),
        }
    )


def _agency_components(
    incident: Mapping[str, Any], tasks: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    roles: dict[str, list[str]] = {}
    owner = incident.get("source_agency")
    if owner:
        roles[owner] = ["Reporting"]
    for task in tasks:
        roles.setdefault(task["agency"], []).append("Lead" if task.get("role") == "lead" else "Supporting")
    return [
        {
            "$id": agency,
            "organizationIdentification": agency,
            "agencyRoleDescriptionRegistryText": agency_roles,
            "incidentOwningAgencyIndicator": agency == owner,
        }
        for agency, agency_roles in roles.items()
    ]


def _dispatch_component(task: Mapping[str, Any]) -> dict[str, Any]:
    return _present(
        {
            "$id": task["id"],
            "lastUpdateTimeStamp": _time(task.get("updated_at")),
            "updatedByAgentIdentifier": task.get("updated_by"),
            "organizationIdentification": task["agency"],
            "dispatchOrderIdentifier": task.get("order_id"),
            "dispatchRoleText": task.get("role"),
            "dispatchStatusText": task.get("status"),
            "unitIdentification": list(task.get("unit_ids") or []),
            "dispatchInstructionsText": task.get("instructions") or None,
            "dispatchNoteText": task.get("note") or None,
            "acknowledgeDueTimeStamp": _time(task.get("acknowledge_by")),
            "onSceneDueTimeStamp": _time(task.get("on_scene_by")),
        }
    )


def _note_text(entry: Mapping[str, Any]) -> str:
    if entry.get("summary"):
        return str(entry["summary"])
    # Timeline rows carry what happened as kind and action, and why (if anyone said) in data.
    text = " ".join(str(entry[key]) for key in ("kind", "action") if entry.get(key))
    data = entry.get("data") or {}
    why = data.get("reason") or data.get("note")
    return f"{text}: {why}" if why else text


def _notes_component(incident_id: str, index: int, entry: Mapping[str, Any]) -> dict[str, Any]:
    kind, action = entry.get("kind"), entry.get("action")
    return _present(
        {
            "$id": f"{incident_id}:note:{entry.get('id', index)}",
            "noteDateTimeStamp": _time(entry.get("at")),
            "noteAuthorIdentification": entry.get("actor"),
            "noteTypeRegistryText": ".".join(part for part in (kind, action) if part) or None,
            "noteText": _note_text(entry),
        }
    )


def incident_to_eidd(
    incident: Mapping[str, Any],
    *,
    timeline: Sequence[Mapping[str, Any]],
    tasks: Sequence[Mapping[str, Any]],
    sender: str,
) -> dict[str, Any]:
    """Our incident (``IncidentRead`` in JSON mode), its timeline (``ActivityRead``) and its
    tasks (``TaskRead``) as one EIDD JSON document for ``sender``'s partners."""
    document: dict[str, Any] = {
        "eidoVersion": EIDO_VERSION,
        "lastUpdateTimeStamp": _time(incident["updated_at"]),
        "issuingElementIdentification": sender,
        "incidentTrackingIdentifier": f"urn:emergency:uid:incidentid:{incident['id']}:{sender}",
        "incidentComponent": [_incident_component(incident)],
        "locationComponent": [_location_component(incident)],
        "agencyComponent": _agency_components(incident, tasks),
        "dispatchComponent": [_dispatch_component(task) for task in tasks],
        "notesComponent": [
            _notes_component(incident["id"], index, entry) for index, entry in enumerate(timeline)
        ],
    }
    content = json.dumps(document, sort_keys=True, ensure_ascii=False)
    return {"$id": f"urn:uuid:{uuid.uuid5(_DOCUMENT_NAMESPACE, content)}", **document}
