"""Demo instability factors: a few of the district's kinds of standing trouble, four of them
under a sensitive-period watch, one of which has already missed its check-in, so the factor
board shows one overdue check-in (and the center's commander has been alerted) right after
``make run``. Loaded through the public API, once: a gateway that already holds factors is
left as it is.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

# (category, level, description, place, latitude, longitude, unit, person, phone, parties,
#  watch: (started hours ago, interval minutes, period hours) or None)
FACTORS: list[tuple[Any, ...]] = [
    (
        "wage_arrears",
        "III",
        "西城某住宅工地约 40 名农民工反映被拖欠工资，扬言到区政府聚集",
        "西城某住宅项目工地",
        37.4563,
        118.4831,
        "文汇街道综治中心",
        "李明",
        "13905461111",
        [{"name": "王建国", "id_number": "370502198001011234", "phone": "13812345678", "role": "讨薪代表"}],
        (3, 120, 72),
    ),
    (
        "worker_farmer",
        "II",
        "胜利油田某采油队与辛店镇村民因井场占地补偿发生争执，村民多次堵路",
        "辛店镇某村井场",
        37.3902,
        118.5327,
        "胜利石油管理局治安保卫部",
        "孙海涛",
        "13905462222",
        [{"name": "刘德胜", "phone": "13698761234", "role": "村民代表"}],
        (0.5, 240, 72),
    ),
    (
        "petition",
        "III",
        "拆迁安置户 12 户计划敏感期间赴省上访",
        "东城某拆迁安置小区",
        37.4621,
        118.5722,
        "东城街道信访办",
        "周红",
        "13905463333",
        [{"name": "陈秀兰", "id_number": "370502196505054321", "role": "上访户"}],
        (1, 720, 168),
    ),
    (
        "campus",
        "IV",
        "某小学周边出现流动摊贩聚集，放学时段交通拥堵",
        "某小学东门",
        37.4498,
        118.5012,
        "区教育局安全科",
        "马丽",
        "13905464444",
        [],
        (0.25, 480, 48),
    ),
    (
        "pipeline",
        "IV",
        "牛庄镇输油管线附近发现可疑车辆多次停留",
        "牛庄镇输油管线段",
        37.3521,
        118.6104,
        "胜利石油管理局治安保卫部",
        None,
        None,
        [],
        None,
    ),
]


def load(client: httpx.Client, *, now: datetime | None = None) -> int:
    """Register the demo factors and start their watches; how many were registered."""
    if client.get("/api/v1/factors", params={"limit": 1}).json()["total"]:
        return 0
    now = now or datetime.now(UTC)
    for category, level, description, place, lat, lon, unit, person, phone, parties, watch in FACTORS:
        made = client.post(
            "/api/v1/factors",
            json={
                "category": category,
                "level": level,
                "description": description,
                "location": {"latitude": lat, "longitude": lon, "place": place},
                "responsible_unit": unit,
                "responsible_person": {"name": person, "phone": phone} if person else None,
                "parties": parties,
            },
        )
        made.raise_for_status()
        if watch is not None:
            started_hours_ago, interval_minutes, period_hours = watch
            starts = now - timedelta(hours=started_hours_ago)
            client.post(
                f"/api/v1/factors/{made.json()['id']}/watch",
                json={
                    "name": "敏感期（示例）",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=period_hours)).isoformat(),
                    "interval_minutes": interval_minutes,
                },
            ).raise_for_status()
    return len(FACTORS)
