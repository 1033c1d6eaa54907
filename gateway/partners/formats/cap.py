"""Incidents as OASIS CAP 1.2 alerts, the format partner police bureaus exchange them in.

Inbound documents are parsed with DTDs refused outright (no entity is ever expanded, so XXE and
"billion laughs" fail instead of reaching a file or eating memory), then checked against the
official CAP 1.2 schema shipped beside this module, then mapped onto our incident vocabulary.
Every refusal is a ``CapError`` naming the offending element, so a partner can fix its message
without reading our logs.

Only the first ``<info>`` block is read: partners send one per language and any one of them
carries the whole incident.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree

import xmlschema
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from kernel.catalog import CATEGORIES

CAP_NAMESPACE: Final = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_PATH: Final = Path(__file__).with_name("CAP-v1.2.xsd")

# Our category code carried exactly, so a round trip through a partner loses nothing.
EVENT_CODE_NAME: Final = "JCP"
# Our lifecycle status, for partners that track more than CAP's urgency says.
STATUS_PARAMETER_NAME: Final = "JCP-status"
ADMIN_CODE_NAME: Final = "GB/T 2260"


@dataclass(frozen=True)
class CategoryMapping:
    """One of our categories and the CAP ``<category>`` it is shared under.

    ``inbound_default`` marks the code an inbound alert of that CAP category becomes when it
    carries no JCP eventCode: the most general of ours under it.
    """

    code: str
    cap_category: str
    inbound_default: bool = False


CATEGORY_MAPPINGS: Final = (
    CategoryMapping("pipeline_tapping", "Security"),
    CategoryMapping("illegal_crude_purchase", "Security"),
    CategoryMapping("oil_area_dispute", "Security"),
    CategoryMapping("police_call", "Security", inbound_default=True),
    CategoryMapping("civil_dispute", "Security"),
    CategoryMapping("construction_extortion", "Security"),
    CategoryMapping("construction_dispute", "Security"),
    CategoryMapping("wage_arrears", "Security"),
    CategoryMapping("floating_population", "Security"),
    CategoryMapping("rental_housing", "Security"),
    CategoryMapping("mass_incident", "Security"),
    CategoryMapping("key_person", "Security"),
    CategoryMapping("networked_alarm", "Security"),
    CategoryMapping("militia_support", "Rescue", inbound_default=True),
    CategoryMapping("campus_safety", "Safety", inbound_default=True),
    CategoryMapping("school_surroundings", "Safety"),
    CategoryMapping("fire", "Fire", inbound_default=True),
    CategoryMapping("traffic_accident", "Transport", inbound_default=True),
)
# CAP categories without a default here (Geo, Met, Health, Env, Infra, CBRNE, Other) are not
# incidents we handle; such alerts need a JCP eventCode to be accepted.

CAP_CATEGORY_BY_CODE: Final = {m.code: m.cap_category for m in CATEGORY_MAPPINGS}
CODE_BY_CAP_CATEGORY: Final = {m.cap_category: m.code for m in CATEGORY_MAPPINGS if m.inbound_default}
assert set(CAP_CATEGORY_BY_CODE) == set(CATEGORIES), "every category needs a CAP mapping"

SEVERITY_BY_LEVEL: Final = {"I": "Extreme", "II": "Severe", "III": "Moderate", "IV": "Minor"}
LEVEL_BY_SEVERITY: Final = {severity: level for level, severity in SEVERITY_BY_LEVEL.items()} | {
    "Unknown": "IV"
}

# Statuses after which nobody needs to act any more: CAP urgency "Past".
_SETTLED_STATUSES: Final = frozenset({"resolved", "closed", "cancelled", "merged"})
# Statuses that withdraw the incident: CAP msgType "Cancel".
_WITHDRAWN_STATUSES: Final = frozenset({"cancelled", "merged"})
# We store incidents, real or drill; tests, drafts and system messages are not incidents.
_STORED_STATUSES: Final = {"Actual": False, "Exercise": True}
_INCIDENT_MESSAGE_TYPES: Final = frozenset({"Alert", "Update", "Cancel"})


class CapError(ValueError):
    """A CAP document we refuse; ``element`` is its path below ``alert``, e.g. ``info/severity``."""

    def __init__(self, element: str, message: str) -> None:
        super().__init__(f"{element}: {message}")
        self.element = element
        self.message = message


@dataclass(frozen=True)
class CapAlert:
    """What a partner's alert tells us, in our words, with the CAP values kept for the record."""

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    headline: str
    description: str
    instruction: str
    event: str
    category: str
    level: str
    drill: bool
    area_desc: str
    latitude: float
    longitude: float
    cap_categories: tuple[str, ...]
    urgency: str
    severity: str
    certainty: str
    language: str
    references: str | None
    incidents: str | None
    note: str | None


@cache
def _schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMA_PATH)


def _tag(name: str) -> str:
    return f"{{{CAP_NAMESPACE}}}{name}"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(parent: ElementTree.Element, name: str) -> str | None:
    child = parent.find(_tag(name))
    if child is None:
        return None
    return (child.text or "").strip()


def _relative_path(path: str | None) -> str:
    """``/{ns}alert/{ns}info[2]/{ns}severity`` becomes ``info/severity``."""
    steps = [step for step in re.sub(r"\{[^}]*\}|\[\d+\]", "", path or "").split("/") if step]
    return "/".join(steps[1:]) or "alert"


def _error_element(error: xmlschema.XMLSchemaValidationError) -> str:
    parent = _relative_path(error.path)
    if isinstance(error, xmlschema.XMLSchemaChildrenValidationError):
        # A missing element is reported at its parent; name the first one that must be there.
        required = [p for p in error.expected or () if p.min_occurs > 0]
        if required:
            missing = required[0].local_name
        elif isinstance(error.invalid_child, ElementTree.Element):
            missing = _local(error.invalid_child.tag)
        else:
            return parent
        return missing if parent == "alert" else f"{parent}/{missing}"
    return parent


def _validated_root(document: bytes) -> ElementTree.Element:
    try:
        root = fromstring(document, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise CapError("alert", f"DTDs and entity declarations are refused ({type(exc).__name__})") from exc
    except ElementTree.ParseError as exc:
        raise CapError("alert", f"not well-formed XML: {exc}") from exc
    if _local(root.tag) != "alert":
        raise CapError("alert", f"the root element must be alert, not {_local(root.tag)}")
    if root.tag != _tag("alert"):
        raise CapError("alert", f"the alert must be in the namespace {CAP_NAMESPACE}")
    for error in _schema().iter_errors(root):
        raise CapError(_error_element(error), error.reason or str(error.message))
    return root


def _category(info: ElementTree.Element, cap_categories: tuple[str, ...]) -> str:
    for event_code in info.findall(_tag("eventCode")):
        if _text(event_code, "valueName") == EVENT_CODE_NAME:
            code = _text(event_code, "value") or ""
            if code not in CATEGORIES:
                raise CapError("info/eventCode", f"unknown {EVENT_CODE_NAME} category {code!r}")
            return code
    for cap_category in cap_categories:
        if cap_category in CODE_BY_CAP_CATEGORY:
            return CODE_BY_CAP_CATEGORY[cap_category]
    raise CapError(
        "info/eventCode",
        f"CAP category {', '.join(cap_categories)} has no incident category of ours; "
        f"name one in an eventCode with valueName {EVENT_CODE_NAME}",
    )


def _point(area: ElementTree.Element) -> tuple[float, float] | None:
    """The first usable point: a circle's centre, else the mean of a polygon's vertices."""
    for circle in area.findall(_tag("circle")):
        centre = (circle.text or "").split()
        points = _points(centre[:1])
        if points:
            return points[0]
    for polygon in area.findall(_tag("polygon")):
        points = _points((polygon.text or "").split())
        if points:
            if len(points) > 1 and points[0] == points[-1]:
                points = points[:-1]
            return (
                sum(lat for lat, _ in points) / len(points),
                sum(lon for _, lon in points) / len(points),
            )
    return None


def _points(pairs: list[str]) -> list[tuple[float, float]]:
    points = []
    for pair in pairs:
        lat_text, _, lon_text = pair.partition(",")
        try:
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            return []
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            return []
        points.append((lat, lon))
    return points


def _location(info: ElementTree.Element) -> tuple[str, float, float]:
    for area in info.findall(_tag("area")):
        point = _point(area)
        if point is not None:
            return _text(area, "areaDesc") or "", point[0], point[1]
    raise CapError("info/area", "no area with a usable circle or polygon (WGS-84 lat,lon)")


def parse_cap(document: bytes) -> CapAlert:
    """Read a partner's CAP 1.2 alert, refusing anything we cannot turn into an incident."""
    root = _validated_root(document)
    status = _text(root, "status") or ""
    if status not in _STORED_STATUSES:
        raise CapError("status", f"status {status} is not an incident; send Actual or Exercise")
    msg_type = _text(root, "msgType") or ""
    if msg_type not in _INCIDENT_MESSAGE_TYPES:
        raise CapError("msgType", f"msgType {msg_type} carries no incident; send Alert, Update or Cancel")
    info = root.find(_tag("info"))
    if info is None:
        raise CapError("info", "the alert has no info block, so no incident to take over")
    cap_categories = tuple(c.text or "" for c in info.findall(_tag("category")))
    event = _text(info, "event") or ""
    headline = _text(info, "headline") or event
    if not headline:
        raise CapError("info/headline", "neither headline nor event gives the incident a title")
    severity = _text(info, "severity") or ""
    area_desc, latitude, longitude = _location(info)
    try:
        sent = datetime.fromisoformat(_text(root, "sent") or "")
    except ValueError as exc:
        raise CapError("sent", f"not a time we can read: {exc}") from exc
    return CapAlert(
        identifier=_text(root, "identifier") or "",
        sender=_text(root, "sender") or "",
        sent=sent,
        status=status,
        msg_type=msg_type,
        scope=_text(root, "scope") or "",
        headline=headline,
        description=_text(info, "description") or "",
        instruction=_text(info, "instruction") or "",
        event=event,
        category=_category(info, cap_categories),
        level=LEVEL_BY_SEVERITY[severity],
        drill=_STORED_STATUSES[status],
        area_desc=area_desc,
        latitude=latitude,
        longitude=longitude,
        cap_categories=cap_categories,
        urgency=_text(info, "urgency") or "",
        severity=severity,
        certainty=_text(info, "certainty") or "",
        language=_text(info, "language") or "en-US",
        references=_text(root, "references"),
        incidents=_text(root, "incidents"),
        note=_text(root, "note"),
    )


def _cap_time(value: datetime | str) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset; CAP times must carry one")
    # The CAP schema's pattern allows neither fractions of a second nor "Z".
    return moment.replace(microsecond=0).isoformat()


def _add(parent: ElementTree.Element, name: str, text: str | None = None) -> ElementTree.Element:
    child = ElementTree.SubElement(parent, _tag(name))
    child.text = text
    return child


def _add_pair(parent: ElementTree.Element, name: str, value_name: str, value: str) -> None:
    pair = _add(parent, name)
    _add(pair, "valueName", value_name)
    _add(pair, "value", value)


def _identifier(incident: Mapping[str, Any], sent: str) -> str:
    version = incident.get("version")
    if version is not None:
        return f"jcp-{incident['id']}-v{version}"
    # Without a version the update time still tells one state of the incident from another.
    return f"jcp-{incident['id']}-t{sent[:19].replace('-', '').replace(':', '')}"


def _message_type(incident: Mapping[str, Any]) -> str:
    if incident.get("status") in _WITHDRAWN_STATUSES:
        return "Cancel"
    return "Alert" if incident.get("version") in (None, 1) else "Update"


def incident_to_cap(incident: Mapping[str, Any], *, sender: str, note: str | None = None) -> bytes:
    """Our incident (``IncidentRead`` dumped in JSON mode, possibly redacted) as a CAP 1.2 alert.

    The identifier is ``jcp-{id}-v{version}``, so every version is one alert and sending the
    same version twice sends the same alert; ``<incidents>`` groups all versions of an incident.
    Sharing is among agencies, never the public, hence scope Restricted. Reporter details are
    not carried: CAP has no place for the person who called.

    Raises ``ValueError`` for a sender CAP cannot carry (spaces, commas, ``<``, ``&``) or a
    time without a UTC offset; both are our own faults, not the partner's.
    """
    if not sender or any(c in sender for c in " ,<&"):
        raise ValueError(f"CAP sender {sender!r} must be non-empty without spaces, commas, < or &")
    sent = _cap_time(incident["updated_at"])
    status = incident.get("status")
    location = incident["location"]

    alert = ElementTree.Element(_tag("alert"))
    _add(alert, "identifier", _identifier(incident, sent))
    _add(alert, "sender", sender)
    _add(alert, "sent", sent)
    _add(alert, "status", "Exercise" if incident.get("drill") else "Actual")
    _add(alert, "msgType", _message_type(incident))
    if incident.get("source_agency"):
        _add(alert, "source", incident["source_agency"])
    _add(alert, "scope", "Restricted")
    _add(alert, "restriction", "Partner agencies under a sharing agreement")
    if note:
        _add(alert, "note", note)
    _add(alert, "incidents", f"jcp-{incident['id']}")

    info = _add(alert, "info")
    _add(info, "language", "zh-CN")
    _add(info, "category", CAP_CATEGORY_BY_CODE[incident["category"]])
    _add(info, "event", CATEGORIES[incident["category"]].name_zh)
    _add(info, "urgency", "Past" if status in _SETTLED_STATUSES else "Immediate")
    _add(info, "severity", SEVERITY_BY_LEVEL[incident["level"]])
    # A report nobody has taken up yet is likely; once accepted it has been looked at.
    _add(info, "certainty", "Likely" if status in (None, "reported") else "Observed")
    _add_pair(info, "eventCode", EVENT_CODE_NAME, incident["category"])
    if incident.get("reported_at"):
        _add(info, "onset", _cap_time(incident["reported_at"]))
    _add(info, "headline", incident["title"])
    if incident.get("description"):
        _add(info, "description", incident["description"])
    if status:
        _add_pair(info, "parameter", STATUS_PARAMETER_NAME, status)

    latitude, longitude = float(location["latitude"]), float(location["longitude"])
    area = _add(info, "area")
    _add(area, "areaDesc", location.get("address") or location.get("admin_code") or f"{latitude},{longitude}")
    # A circle of radius 0 is CAP's way of giving a point.
    _add(area, "circle", f"{latitude:.6f},{longitude:.6f} 0")
    if location.get("admin_code"):
        _add_pair(area, "geocode", ADMIN_CODE_NAME, location["admin_code"])

    body = ElementTree.tostring(alert, encoding="unicode", default_namespace=CAP_NAMESPACE)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}'.encode()
