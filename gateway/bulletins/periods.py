"""Which local days a bulletin covers, and which bulletins the morning owes.

Days are the district's (Asia/Shanghai by default): a day's bulletin counts what happened
between its two local midnights, whatever the server's own time zone.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.bulletins.models import SCOPES, Period


def bounds(kind: str, day: date) -> tuple[date, date]:
    """The first day of the period holding ``day``, and the day after its last."""
    if kind == "day":
        return day, day + timedelta(days=1)
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=7)
    if kind == "month":
        first = day.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1)
    first = day.replace(month=1, day=1)
    return first, first.replace(year=first.year + 1)


def period(*, scope: str, kind: str, day: date, timezone: str) -> Period:
    first, end = bounds(kind, day)
    zone = ZoneInfo(timezone)
    return Period(
        scope=scope,
        kind=kind,
        first=first,
        end=end,
        timezone=timezone,
        start=datetime.combine(first, time(), zone),
        stop=datetime.combine(end, time(), zone),
    )


def owed(*, now: datetime, timezone: str, at: time) -> list[Period]:
    """The bulletins the latest morning issue owes: the day before it for every scope, the
    week before on a Monday, the month before on the 1st, the year before on 1 January. Only
    the latest morning: a gateway down for a week catches up that morning's issue, not every
    one it missed."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    morning = local.date() if local.time() >= at else local.date() - timedelta(days=1)
    yesterday = morning - timedelta(days=1)
    kinds = ["day"]
    if morning.weekday() == 0:
        kinds.append("week")
    if morning.day == 1:
        kinds.append("month")
        if morning.month == 1:
            kinds.append("year")
    return [
        period(scope=scope, kind=kind, day=yesterday, timezone=timezone) for kind in kinds for scope in SCOPES
    ]
