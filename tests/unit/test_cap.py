from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from xml.etree import ElementTree

import pytest
import xmlschema

from gateway.incidents.models import IncidentRead, Location, Reporter
from gateway.partners.formats.cap import (
    CAP_CATEGORY_BY_CODE,
    CAP_NAMESPACE,
    SCHEMA_PATH,
    CapError,
    incident_to_cap,
    parse_cap,
)
from kernel.catalog import CATEGORIES

NS = {"cap": CAP_NAMESPACE}
SENDER = "jcp.dongying.example"


def _incident(**changes: Any) -> dict[str, Any]:
    incident = IncidentRead(
        id="0b7c6f0e-1111-4222-8333-444455556666",
        source_agency="oilfield",
        category="pipeline_tapping",
        level="II",
        status="dispatched",
        title="输油管线发现打孔盗油",
        description="巡线员发现阀门附近有新鲜开挖痕迹 & <疑似> 盗油点",
        location=Location(latitude=37.4363, longitude=118.6748, address="东营区胜利大街88号"),
        reporter=Reporter(name="张三", phone="13800000000"),
        reported_at=datetime(2026, 11, 25, 7, 58, 12, 345000, tzinfo=UTC),
        updated_at=datetime(2026, 11, 25, 8, 0, 0, 123456, tzinfo=UTC),
        drill=False,
        version=3,
    ).model_dump(mode="json")
    return incident | changes


def _partner_alert(info: str | None = None, **alert: str) -> bytes:
    """A partner bureau's alert as it would write it by hand."""
    fields = {
        "identifier": "DYPSB-2026-0042",
        "sender": "police.dongying.example",
        "sent": "2026-11-25T16:05:00+08:00",
        "status": "Actual",
        "msgType": "Alert",
        "scope": "Restricted",
    } | alert
    head = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())
    if info is None:
        info = (
            "<info><language>zh-CN</language><category>Security</category><event>打孔盗油</event>"
            "<urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>"
            "<eventCode><valueName>JCP</valueName><value>pipeline_tapping</value></eventCode>"
            "<headline>辛店输油管线疑似打孔</headline><description>群众报警称闻到原油气味</description>"
            "<area><areaDesc>辛店镇</areaDesc><circle>37.5000,118.5000 0.5</circle></area></info>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><alert xmlns="{CAP_NAMESPACE}">{head}{info}</alert>'.encode()
    )


def _without(document: bytes, path: str) -> bytes:
    root = ElementTree.fromstring(document)
    parent_path, _, name = path.rpartition("/")
    parent = (
        root.find("/".join(f"cap:{step}" for step in parent_path.split("/")), NS) if parent_path else root
    )
    assert parent is not None
    child = parent.find(f"cap:{name}", NS)
    assert child is not None
    parent.remove(child)
    return ElementTree.tostring(root, encoding="utf-8")


def _refusal(document: bytes) -> CapError:
    with pytest.raises(CapError) as caught:
        parse_cap(document)
    return caught.value


@pytest.mark.parametrize(
    ("category", "level", "drill"),
    [
        ("pipeline_tapping", "I", False),
        ("fire", "II", True),
        ("traffic_accident", "III", False),
        ("campus_safety", "IV", True),
    ],
)
def test_incident_round_trips_through_cap(category: str, level: str, drill: bool) -> None:
    incident = _incident(category=category, level=level, drill=drill)

    alert = parse_cap(incident_to_cap(incident, sender=SENDER))

    assert (alert.category, alert.level, alert.drill) == (category, level, drill)
    assert (alert.latitude, alert.longitude) == (37.4363, 118.6748)
    assert alert.area_desc == "东营区胜利大街88号"
    assert alert.headline == "输油管线发现打孔盗油"
    assert alert.description == "巡线员发现阀门附近有新鲜开挖痕迹 & <疑似> 盗油点"
    assert alert.sender == SENDER
    assert alert.sent == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_every_category_of_ours_is_shared_and_comes_back_exactly() -> None:
    assert set(CAP_CATEGORY_BY_CODE) == set(CATEGORIES)
    for code in CATEGORIES:
        assert parse_cap(incident_to_cap(_incident(category=code), sender=SENDER)).category == code


@pytest.mark.parametrize(
    "incident",
    [
        _incident(),
        _incident(version=1, status="reported", description=""),
        _incident(status="cancelled", drill=True),
        {
            k: v
            for k, v in _incident().items()
            if k not in {"reporter", "description", "reported_at", "status"}
        },
        _incident(updated_at="2026-11-25T16:00:00.5+08:00"),
    ],
    ids=["dispatched", "first-report", "cancelled-drill", "redacted", "local-offset"],
)
def test_outgoing_alert_is_valid_cap_1_2(incident: dict[str, Any]) -> None:
    document = incident_to_cap(incident, sender=SENDER, note="按共享协议推送")

    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    xmlschema.XMLSchema(SCHEMA_PATH).validate(document)
    assert "输油管线发现打孔盗油" in document.decode("utf-8")


def test_outgoing_alert_is_one_stable_message_per_incident_version() -> None:
    first = incident_to_cap(_incident(version=1), sender=SENDER)
    again = incident_to_cap(_incident(version=1), sender=SENDER)
    later = incident_to_cap(_incident(version=2), sender=SENDER)

    assert first == again
    assert parse_cap(first).identifier == "jcp-0b7c6f0e-1111-4222-8333-444455556666-v1"
    assert parse_cap(later).identifier == "jcp-0b7c6f0e-1111-4222-8333-444455556666-v2"
    assert parse_cap(first).incidents == parse_cap(later).incidents


@pytest.mark.parametrize(
    ("changes", "msg_type"),
    [
        ({"version": 1}, "Alert"),
        ({"version": 4}, "Update"),
        ({"version": 4, "status": "cancelled"}, "Cancel"),
        ({"version": 4, "status": "merged"}, "Cancel"),
    ],
)
def test_message_type_follows_incident_version_and_status(changes: dict[str, Any], msg_type: str) -> None:
    assert parse_cap(incident_to_cap(_incident(**changes), sender=SENDER)).msg_type == msg_type


def test_drill_is_sent_as_exercise_and_real_as_actual() -> None:
    assert parse_cap(incident_to_cap(_incident(drill=True), sender=SENDER)).status == "Exercise"
    assert parse_cap(incident_to_cap(_incident(drill=False), sender=SENDER)).status == "Actual"


def test_sent_keeps_the_incident_offset_and_drops_fractions() -> None:
    document = incident_to_cap(_incident(updated_at="2026-11-25T16:00:00.5+08:00"), sender=SENDER)

    root = ElementTree.fromstring(document)
    assert root.findtext("cap:sent", namespaces=NS) == "2026-11-25T16:00:00+08:00"
    assert parse_cap(document).sent == datetime(2026, 11, 25, 16, 0, tzinfo=timezone(timedelta(hours=8)))


def test_outgoing_alert_refuses_a_time_without_offset() -> None:
    with pytest.raises(ValueError, match="offset"):
        incident_to_cap(_incident(updated_at="2026-11-25T08:00:00"), sender=SENDER)


def test_partner_alert_becomes_our_incident_fields() -> None:
    alert = parse_cap(_partner_alert())

    assert alert.identifier == "DYPSB-2026-0042"
    assert alert.sender == "police.dongying.example"
    assert alert.sent == datetime(2026, 11, 25, 8, 5, tzinfo=UTC)
    assert alert.sent.utcoffset() == timedelta(hours=8)
    assert (alert.category, alert.level, alert.drill) == ("pipeline_tapping", "I", False)
    assert alert.headline == "辛店输油管线疑似打孔"
    assert (alert.area_desc, alert.latitude, alert.longitude) == ("辛店镇", 37.5, 118.5)
    assert alert.cap_categories == ("Security",)
    assert (alert.urgency, alert.severity, alert.certainty) == ("Immediate", "Extreme", "Observed")


def test_exercise_from_a_partner_is_a_drill() -> None:
    assert parse_cap(_partner_alert(status="Exercise")).drill is True


@pytest.mark.parametrize("status", ["Test", "Draft", "System"])
def test_partner_alerts_that_are_not_incidents_are_refused_at_status(status: str) -> None:
    assert _refusal(_partner_alert(status=status)).element == "status"


def test_acknowledgement_is_refused_at_msg_type() -> None:
    assert _refusal(_partner_alert(msgType="Ack")).element == "msgType"


@pytest.mark.parametrize(
    "element",
    [
        "identifier",
        "sender",
        "sent",
        "status",
        "msgType",
        "scope",
        "info/category",
        "info/event",
        "info/urgency",
        "info/severity",
        "info/certainty",
        "info/area/areaDesc",
    ],
)
def test_missing_required_element_is_named(element: str) -> None:
    error = _refusal(_without(_partner_alert(), element))

    assert error.element == element
    assert error.message


@pytest.mark.parametrize(
    ("alert", "element"),
    [
        ({"status": "Real"}, "status"),
        ({"msgType": "Notice"}, "msgType"),
        ({"scope": "Everyone"}, "scope"),
        ({"sent": "2026-11-25T08:05:00"}, "sent"),
        ({"sent": "2026-11-25T08:05:00Z"}, "sent"),
        ({"sent": "2026-11-25 08:05:00+08:00"}, "sent"),
    ],
)
def test_bad_alert_value_is_named(alert: dict[str, str], element: str) -> None:
    assert _refusal(_partner_alert(**alert)).element == element


@pytest.mark.parametrize(
    ("replace", "by", "element"),
    [
        ("<category>Security</category>", "<category>Crime</category>", "info/category"),
        ("<urgency>Immediate</urgency>", "<urgency>Now</urgency>", "info/urgency"),
        ("<severity>Extreme</severity>", "<severity>High</severity>", "info/severity"),
        ("<certainty>Observed</certainty>", "<certainty>Sure</certainty>", "info/certainty"),
    ],
)
def test_bad_info_value_is_named(replace: str, by: str, element: str) -> None:
    document = _partner_alert().replace(replace.encode(), by.encode())

    assert _refusal(document).element == element


@pytest.mark.parametrize(
    ("severity", "level"),
    [("Extreme", "I"), ("Severe", "II"), ("Moderate", "III"), ("Minor", "IV"), ("Unknown", "IV")],
)
def test_severity_becomes_our_level(severity: str, level: str) -> None:
    document = _partner_alert().replace(
        b"<severity>Extreme</severity>", f"<severity>{severity}</severity>".encode()
    )

    assert parse_cap(document).level == level


def _info(category: str, event_code: str = "", area: str = "<circle>37.5,118.5 0</circle>") -> str:
    return (
        f"<info><category>{category}</category><event>警情</event><urgency>Expected</urgency>"
        f"<severity>Moderate</severity><certainty>Likely</certainty>{event_code}"
        f"<area><areaDesc>东营区</areaDesc>{area}</area></info>"
    )


def test_our_event_code_wins_over_the_cap_category() -> None:
    code = "<eventCode><valueName>JCP</valueName><value>wage_arrears</value></eventCode>"

    assert parse_cap(_partner_alert(info=_info("Fire", code))).category == "wage_arrears"


@pytest.mark.parametrize(
    ("cap_category", "category"),
    [
        ("Security", "police_call"),
        ("Fire", "fire"),
        ("Transport", "traffic_accident"),
        ("Safety", "campus_safety"),
    ],
)
def test_without_our_event_code_the_cap_category_decides(cap_category: str, category: str) -> None:
    assert parse_cap(_partner_alert(info=_info(cap_category))).category == category


def test_first_cap_category_of_ours_decides_among_several() -> None:
    info = _info("Met").replace(
        "<category>Met</category>", "<category>Met</category><category>Fire</category>"
    )

    assert parse_cap(_partner_alert(info=info)).category == "fire"


@pytest.mark.parametrize(
    "info",
    [
        _info("Met"),
        _info("Fire", "<eventCode><valueName>JCP</valueName><value>volcano</value></eventCode>"),
    ],
    ids=["cap-category-not-ours", "unknown-jcp-code"],
)
def test_unmappable_category_is_refused_at_event_code(info: str) -> None:
    assert _refusal(_partner_alert(info=info)).element == "info/eventCode"


def test_polygon_gives_its_centre() -> None:
    polygon = "<polygon>37.0,118.0 37.0,119.0 38.0,119.0 38.0,118.0 37.0,118.0</polygon>"

    alert = parse_cap(_partner_alert(info=_info("Security", area=polygon)))

    assert (alert.latitude, alert.longitude) == (37.5, 118.5)


@pytest.mark.parametrize(
    "area",
    ["", "<circle>north of the river 5</circle>", "<circle>137.5,118.5 0</circle>", "<polygon>x</polygon>"],
    ids=["no-shape", "words", "latitude-out-of-range", "bad-polygon"],
)
def test_area_without_usable_coordinates_is_refused(area: str) -> None:
    assert _refusal(_partner_alert(info=_info("Security", area=area))).element == "info/area"


def test_alert_without_area_is_refused_at_area() -> None:
    info = _info("Security").replace(
        "<area><areaDesc>东营区</areaDesc><circle>37.5,118.5 0</circle></area>", ""
    )

    assert _refusal(_partner_alert(info=info)).element == "info/area"


def test_alert_without_info_is_refused() -> None:
    assert _refusal(_partner_alert(info="")).element == "info"


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&secret;</identifier></alert>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE alert [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""


@pytest.mark.parametrize("document", [XXE, BILLION_LAUGHS], ids=["external-entity", "entity-expansion"])
def test_entities_are_refused_not_expanded(document: bytes) -> None:
    error = _refusal(document)

    assert error.element == "alert"
    assert "DTD" in error.message


def test_doctype_in_an_otherwise_valid_alert_is_refused() -> None:
    document = _partner_alert().replace(b"<alert ", b"<!DOCTYPE alert><alert ", 1)

    assert _refusal(document).element == "alert"


@pytest.mark.parametrize(
    "document",
    [b"", b"not xml at all", b'{"identifier": "x"}', b"<alert><unclosed></alert>"],
    ids=["empty", "text", "json", "malformed"],
)
def test_non_xml_is_refused(document: bytes) -> None:
    assert _refusal(document).element == "alert"


def test_wrong_root_is_refused() -> None:
    document = _partner_alert().replace(b"<alert ", b"<notice ").replace(b"</alert>", b"</notice>")

    error = _refusal(document)

    assert error.element == "alert"
    assert "notice" in error.message


def test_other_cap_version_is_refused() -> None:
    document = _partner_alert().replace(CAP_NAMESPACE.encode(), b"urn:oasis:names:tc:emergency:cap:1.1")

    error = _refusal(document)

    assert error.element == "alert"
    assert CAP_NAMESPACE in error.message


def test_bad_value_in_a_later_info_block_is_named_without_its_position() -> None:
    english = _info("Security").replace("<severity>Moderate</severity>", "<severity>High</severity>")
    document = _partner_alert().replace(b"</info>", f"</info>{english}".encode())

    assert _refusal(document).element == "info/severity"


@pytest.mark.parametrize("sender", ["", "jcp dongying", "jcp,dongying"])
def test_outgoing_alert_refuses_a_sender_cap_cannot_carry(sender: str) -> None:
    with pytest.raises(ValueError, match="sender"):
        incident_to_cap(_incident(), sender=sender)
