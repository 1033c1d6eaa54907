"""Demo incidents drawn from the district's own report (see docs/domain.md): loaded by
``make run`` through the public API and the agencies' gRPC API, like real reports.

Every demo report carries a fixed idempotency key, so loading twice changes nothing.
"""

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import grpc
import httpx

from gateway.auth.models import DEMO_PASSWORD
from infra import disputes_demo, factors_demo, roster_demo
from infra.platform import Platform
from jcp.incidents.v1 import agency_pb2, agency_pb2_grpc, incident_pb2
from jcp.roster.v1 import roster_pb2, roster_pb2_grpc
from kernel.catalog import AGENCIES
from kernel.incidents.proto import LEVEL_CODES

# Every demo account (one per role, named after it) signs in with this password (README).
PASSWORD = DEMO_PASSWORD
ROLES = ("operator", "commander", "coordinator", "auditor", "admin")
# Each agency's own staff: ``<agency>-duty`` and ``<agency>-commander`` (infra.platform.agency_username).
AGENCY_ROLES = ("agency_operator", "agency_commander")

# (key, agency, category, level, title, description, latitude, longitude, address)
GATEWAY_REPORTS = [
    (
        "demo-01",
        "oilfield",
        "pipeline_tapping",
        "II",
        "输油管线疑似打孔盗油",
        "巡线发现东辛采油厂3号输油管线压力异常，现场有新土和车辙。",
        37.4129,
        118.4531,
        "六户镇东辛输油管线 K12",
    ),
    (
        "demo-02",
        "oilfield",
        "illegal_crude_purchase",
        "III",
        "非法收油点",
        "群众举报村外院落夜间有油罐车进出。",
        37.3866,
        118.5412,
        "牛庄镇西刘村北",
    ),
    (
        "demo-03",
        "oilfield",
        "oil_area_dispute",
        "III",
        "油区工农纠纷",
        "井场施工占地补偿争议，十余名村民阻工。",
        37.4751,
        118.3958,
        "龙居镇油区 58 号井场",
    ),
    (
        "demo-04",
        "localgov",
        "police_call",
        "IV",
        "110 报警：饭店门口斗殴",
        "两人酒后争执，一人轻伤。",
        37.4612,
        118.4936,
        "文汇街道西四路 256 号",
    ),
    (
        "demo-05",
        "localgov",
        "construction_extortion",
        "III",
        "工地强揽工程",
        "施工方报称有人聚众阻挠进场，要求承揽土方。",
        37.4420,
        118.5618,
        "辛店街道府前大街工地",
    ),
    (
        "demo-06",
        "localgov",
        "wage_arrears",
        "III",
        "农民工讨薪聚集",
        "约 20 名农民工在项目部讨要工资。",
        37.4535,
        118.5240,
        "东城街道南一路项目部",
    ),
    (
        "demo-07",
        "localgov",
        "rental_housing",
        "IV",
        "出租房屋未登记",
        "流动人口协管员巡查发现 3 户出租房未登记。",
        37.4698,
        118.4850,
        "黄河路街道 12 号楼",
    ),
    (
        "demo-08",
        "localgov",
        "networked_alarm",
        "III",
        "联网报警：商铺夜间入侵",
        "联网报警中心收到防区 2 入侵报警。",
        37.4580,
        118.5032,
        "西城商业街 18 号",
    ),
    (
        "demo-09",
        "military",
        "militia_support",
        "III",
        "民兵应急分队待命支援",
        "区人武部民兵应急分队 30 人集结待命。",
        37.4490,
        118.5120,
        "区人武部",
    ),
    (
        "demo-10",
        "school",
        "campus_safety",
        "III",
        "校门口可疑人员",
        "学校保安报告放学时段校门口有可疑人员徘徊。",
        37.4655,
        118.4978,
        "东营区实验学校",
    ),
    (
        "demo-11",
        "school",
        "school_surroundings",
        "IV",
        "校园周边交通隐患",
        "校门口流动摊贩占道，接送车辆拥堵。",
        37.4572,
        118.5301,
        "东城第二小学",
    ),
    (
        "demo-12",
        "localgov",
        "mass_incident",
        "II",
        "征地补偿群体性聚集",
        "约 100 人在街道办事处门前聚集，涉及油田用地与地方补偿。",
        37.4444,
        118.5555,
        "辛店街道办事处",
    ),
]

# (key, agency, category, level, title, description, latitude, longitude, address)
AGENCY_REPORTS = [
    (
        "demo-a1",
        "oilfield",
        "illegal_crude_purchase",
        "III",
        "油区巡逻发现私设收油点",
        "油田保卫巡逻队在井区外发现私设收油点。",
        37.4012,
        118.4725,
        "史口镇油区外",
    ),
    (
        "demo-a2",
        "school",
        "campus_safety",
        "IV",
        "校内学生冲突",
        "课间两名学生冲突，已由老师制止。",
        37.4633,
        118.5102,
        "东营区第一中学",
    ),
]


# (incident key, [(agency, role, units)]): live joint responses on the boards.
DISPATCHES = [
    ("demo-12", [("localgov", "lead", ["swat-2"]), ("military", "supporting", ["militia-1"])]),
    ("demo-01", [("oilfield", "lead", ["oil-sec-1"]), ("localgov", "supporting", ["police-car-1"])]),
    ("demo-05", [("localgov", "lead", ["site-sec-1"])]),
]
DEMO_UNITS = 17
SHANGHAI = ZoneInfo("Asia/Shanghai")


def report_body(report: tuple[Any, ...], channel: str) -> dict[str, Any]:
    """One of GATEWAY_REPORTS as ``POST /api/v1/incidents`` takes it."""
    _key, agency, category, level, title, description, lat, lon, address = report
    return {
        "source_agency": agency,
        "category": category,
        "level": level,
        "title": title,
        "description": description,
        "location": {"latitude": lat, "longitude": lon, "address": address},
        "reporter": {"name": "值班员", "channel": channel},
    }


def _wait_for_units(client: httpx.Client, timeout: float = 60.0) -> None:
    """Units reach the gateway from their agencies over Kafka; dispatch needs them there."""
    deadline = time.monotonic() + timeout
    while len(client.get("/api/v1/units").json()) < DEMO_UNITS:
        if time.monotonic() > deadline:
            raise RuntimeError("the agencies' units did not reach the gateway in time")
        time.sleep(0.2)


def _dispatch(client: httpx.Client, incidents: dict[str, str]) -> None:
    """Send the demo orders once: an incident that already has tasks is left as it is."""
    _wait_for_units(client)
    for key, orders in DISPATCHES:
        incident_id = incidents[key]
        if client.get(f"/api/v1/incidents/{incident_id}/tasks").json():
            continue
        response = client.post(
            f"/api/v1/incidents/{incident_id}/dispatch",
            json={
                "tasks": [
                    {"agency": agency, "role": role, "unit_ids": units} for agency, role, units in orders
                ]
            },
        )
        response.raise_for_status()


def _load_roster(client: httpx.Client, channels: dict[str, grpc.Channel]) -> None:
    """The teams, their members, a week of duty with one planted gap, and one finished drill."""
    for team in roster_demo.TEAMS:
        answer = client.post("/api/v1/roster/teams", json=team.body())
        if answer.status_code == 409:
            continue  # loaded before
        answer.raise_for_status()
        client.put(
            f"/api/v1/roster/teams/{team.id}/members.csv",
            content=roster_demo.team_csv(team).encode(),
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()
        if team.agency == "localgov":
            _duty(client)
    if not client.get("/api/v1/roster/drills").json():
        _demo_drill(client, channels)


def _duty(client: httpx.Client) -> None:
    """Three shifts of today's duty; the night shift has no vehicle, so the gaps panel shows it."""
    today = datetime.now(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    shifts = [
        (8, 16, "swat-001", ["swat-003", "swat-004"], "police-car-1"),
        (16, 24, "swat-002", ["swat-005", "swat-006"], "police-car-2"),
        (24, 32, "swat-012", ["swat-013", "swat-014"], None),
    ]
    for start, end, leader, staff, vehicle in shifts:
        client.post(
            "/api/v1/roster/shifts",
            json={
                "agency": "localgov",
                "starts_at": (today + timedelta(hours=start)).isoformat(),
                "ends_at": (today + timedelta(hours=end)).isoformat(),
                "leader_id": leader,
                "staff_ids": staff,
                "vehicle_unit_id": vehicle,
            },
        ).raise_for_status()


def _demo_drill(client: httpx.Client, channels: dict[str, grpc.Channel]) -> None:
    """The campus-safety drill, run and ended: the guards answer, two of them never arrive."""
    drill = client.post(
        "/api/v1/roster/drills",
        json={
            "name": "校园安全应急演练（示例）",
            "scenario": "campus-safety",
            "scheduled_for": datetime.now(UTC).isoformat(),
        },
    ).json()
    client.post(f"/api/v1/roster/drills/{drill['id']}/start").raise_for_status()
    (call_up,) = client.get("/api/v1/roster/callups", params={"status": "open"}).json()
    members = [
        m["member_id"]
        for m in client.get(
            f"/api/v1/roster/callups/{call_up['call_up_id']}/muster", params={"members": True}
        ).json()["members"]
    ]
    stub = roster_pb2_grpc.AgencyRosterServiceStub(channels["school"])
    roster_demo.wait_for_call_up(stub, call_up["call_up_id"])
    roster_demo.answer(stub, call_up["call_up_id"], members, roster_pb2.RESPONSE_ACKNOWLEDGED)
    roster_demo.answer(stub, call_up["call_up_id"], members[:-2], roster_pb2.RESPONSE_ARRIVED)
    deadline = time.monotonic() + 30
    while (
        client.get(f"/api/v1/roster/callups/{call_up['call_up_id']}/muster").json()["arrived"]
        < len(members) - 2
    ):
        if time.monotonic() > deadline:
            raise RuntimeError("the demo drill's answers did not reach the gateway in time")
        time.sleep(0.1)
    client.post(f"/api/v1/roster/drills/{drill['id']}/end").raise_for_status()


# The neighbouring bureaus of the district's report and what each agreement shares.
PARTNERS = [
    (
        "kfq",
        "开发区分局 (Development Zone sub-bureau)",
        {
            "categories": [
                "police_call",
                "mass_incident",
                "civil_dispute",
                "construction_extortion",
                "key_person",
            ],
            "levels": ["I", "II", "III", "IV"],
            "fields": ["title", "description", "location", "status", "reported_at", "reporter"],
        },
    ),
    (
        "binhai",
        "滨海公安局 (Binhai Public Security Bureau)",
        {
            "categories": ["mass_incident", "pipeline_tapping", "illegal_crude_purchase", "key_person"],
            "levels": ["I", "II", "III"],
            "fields": ["title", "description", "location", "status"],
        },
    ),
]


def _partners(admin: httpx.Client, data_dir: Path) -> None:
    """The two partner bureaus with a key each, written to data_dir/partner-keys.json (the only
    copy of the secrets), a case shared by kfq and an arrest-assistance request from binhai."""
    keys_file = data_dir / "partner-keys.json"
    keys: dict[str, dict[str, str]] = {}
    for partner_id, name, agreement in PARTNERS:
        made = admin.post("/api/v1/partners", json={"id": partner_id, "name": name, "agreement": agreement})
        if made.status_code == 409:
            return  # loaded before
        made.raise_for_status()
        issued = admin.post(f"/api/v1/partners/{partner_id}/keys", json={}).json()
        keys[partner_id] = {key: issued[key] for key in ("client_id", "client_secret", "api_key")}
    keys_file.write_text(json.dumps(keys, indent=2))
    keys_file.chmod(0o600)
    url = str(admin.base_url)
    httpx.post(
        f"{url}/partner/v1/cases",
        headers={"X-API-Key": keys["kfq"]["api_key"]},
        json={
            "case_id": "KFQ-2026-0107",
            "category": "key_person",
            "level": "III",
            "title": "重点人员进入东营区",
            "description": (
                "开发区分局通报：重点人员李某（身份证370502199001011234，电话13905461234）乘车前往西城。"
            ),
            "location": {"latitude": 37.4512, "longitude": 118.4921, "address": "东营区西城汽车站"},
        },
    ).raise_for_status()
    httpx.post(
        f"{url}/partner/v1/aid",
        headers={"X-API-Key": keys["binhai"]["api_key"]},
        json={
            "request_id": "BH-2026-031",
            "kind": "arrest",
            "subject": "协助抓捕涉油犯罪嫌疑人",
            "details": "嫌疑人可能藏匿于六户镇一带，请派员协助。",
            "due_at": (datetime.now(UTC) + timedelta(hours=6)).isoformat(),
        },
    ).raise_for_status()


# Key persons of the register (generated people; the report counts 931 under management), and
# the demo incident each is named in, if any.
KEY_PERSONS = (
    (
        {
            "name": "高振华",
            "id_number": "370502196505120418",
            "phone": "13905462231",
            "address": "辛店街道某村 12 号",
            "category": "petitioner",
            "responsible_officer": "辛店派出所 王警官",
            "notes": "就油田用地补偿多次赴市上访，组织过聚集。",
        },
        "demo-12",
    ),
    (
        {
            "name": "马立新",
            "id_number": "370502198211030035",
            "phone": "15806463390",
            "address": "东城街道某小区 5 号楼",
            "category": "mental_health_risk",
            "responsible_officer": "东城社区 张网格员",
            "notes": "严重精神障碍患者，监护人为其母，住处距东城第二小学约 300 米。",
        },
        "demo-11",
    ),
    (
        {
            "name": "韩志刚",
            "id_number": "370502197707260513",
            "phone": "13561091825",
            "address": "牛庄镇西刘村",
            "category": "released_prisoner",
            "responsible_officer": "牛庄司法所 李所长",
            "notes": "因盗窃原油获刑，今年刑满释放，安置帮教中。",
        },
        None,
    ),
    (
        {
            "name": "吴小军",
            "id_number": "370502200803140211",
            "phone": "",
            "address": "文汇街道某小区",
            "category": "key_youth",
            "responsible_officer": "文汇街道 团工委",
            "notes": "辍学，有结伙滋事记录。",
        },
        None,
    ),
)


def _key_persons(commander: httpx.Client, incidents: dict[str, str]) -> None:
    """The key-person register, each person linked to the incident that names them."""
    if commander.get("/api/v1/key-persons").json():
        return  # loaded before
    for person, incident_key in KEY_PERSONS:
        made = commander.post("/api/v1/key-persons", json=person)
        made.raise_for_status()
        if incident_key:
            commander.post(
                f"/api/v1/key-persons/{made.json()['id']}/links",
                json={"subject_kind": "incident", "subject_id": incidents[incident_key]},
            ).raise_for_status()


def _this_mornings_bulletin(client: httpx.Client, timeout: float = 30.0) -> None:
    """Today's district bulletin, so the Bulletins view opens on the demo's own day. The
    agencies' reports reach the gateway over Kafka: it waits for every demo incident first (a
    slow start gets a bulletin without the late ones rather than none). Once per day."""
    today = datetime.now(SHANGHAI).date().isoformat()
    held = client.get(
        "/api/v1/bulletins", params={"scope": "district", "kind": "day", "since": today, "until": today}
    )
    if held.raise_for_status().json():
        return
    deadline = time.monotonic() + timeout
    expected = len(GATEWAY_REPORTS) + len(AGENCY_REPORTS)
    while client.get("/api/v1/incidents", params={"limit": 1, "drill": "false"}).json()["total"] < expected:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    client.post(
        "/api/v1/bulletins", json={"scope": "district", "kind": "day", "day": today}
    ).raise_for_status()


def load(platform: Platform) -> int:
    """Make the demo accounts, report every demo incident and send the demo orders; returns how
    many incidents were new."""
    for role in ROLES:
        platform.credentials(role)
    for agency in AGENCIES:
        for role in AGENCY_ROLES:
            platform.credentials(role, agency)
    # The agencies' own duty operators report and answer, as they would from their consoles.
    channels = {agency: platform.agency_channel(agency) for agency in AGENCIES}
    created = 0
    incidents: dict[str, str] = {}
    with (
        platform.client("operator") as client,
        platform.client("commander") as commander,
        platform.client("coordinator") as coordinator,
    ):
        for report in GATEWAY_REPORTS:
            key = report[0]
            response = client.post(
                "/api/v1/incidents", headers={"Idempotency-Key": key}, json=report_body(report, "demo")
            )
            response.raise_for_status()
            created += response.status_code == 201
            incidents[key] = response.json()["id"]
        _dispatch(commander, incidents)
        _load_roster(coordinator, channels)
        _key_persons(commander, incidents)
        # A generated year of mediated disputes (infra/disputes_demo.py), then this year's open cases.
        if disputes_demo.load(platform.config.database_url("gateway"), now=datetime.now(UTC)):
            disputes_demo.open_cases(client)
        factors_demo.load(coordinator)
    with platform.client("admin") as admin:
        _partners(admin, platform.config.data_dir)
    for key, agency, category, level, title, description, lat, lon, address in AGENCY_REPORTS:
        agency_pb2_grpc.AgencyServiceStub(channels[agency]).SubmitIncident(
            agency_pb2.SubmitIncidentRequest(
                idempotency_key=key,
                incident=incident_pb2.Incident(
                    category=category,
                    level=LEVEL_CODES[level],
                    title=title,
                    description=description,
                    location=incident_pb2.Location(
                        latitude=lat, longitude=lon, address=address, admin_code="370502"
                    ),
                    reporter=incident_pb2.Reporter(name="值班员", channel="demo"),
                ),
            ),
            timeout=10.0,
        )
    for channel in channels.values():
        channel.close()
    with platform.client("commander") as commander:
        _this_mornings_bulletin(commander)
    return created
