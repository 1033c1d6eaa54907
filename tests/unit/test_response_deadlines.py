"""Day and night response windows, in Asia/Shanghai time."""

from datetime import UTC, datetime, time, timedelta

import pytest

from gateway.dispatch.deadlines import ResponsePolicy

# 08:00 in Shanghai is 00:00 UTC.
SHANGHAI_MIDNIGHT_UTC = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "night"),
    [("05:59", True), ("06:00", False), ("12:00", False), ("21:59", False), ("22:00", True), ("00:30", True)],
)
def test_day_and_night_follow_the_local_clock(local: str, night: bool) -> None:
    hours, minutes = map(int, local.split(":"))
    at = SHANGHAI_MIDNIGHT_UTC + timedelta(hours=hours, minutes=minutes)
    assert ResponsePolicy().is_night(at) is night


def test_on_scene_is_ten_minutes_by_day_and_five_by_night() -> None:
    policy = ResponsePolicy()
    day = SHANGHAI_MIDNIGHT_UTC + timedelta(hours=10)
    night = SHANGHAI_MIDNIGHT_UTC + timedelta(hours=23)
    assert policy.deadlines(day) == (day + timedelta(minutes=2), day + timedelta(minutes=10))
    assert policy.deadlines(night)[1] == night + timedelta(minutes=5)


def test_windows_and_durations_are_configurable() -> None:
    policy = ResponsePolicy(
        day_starts=time(7, 0),
        night_starts=time(19, 0),
        acknowledge_s=30,
        on_scene_day_s=900,
        on_scene_night_s=420,
    )
    evening = SHANGHAI_MIDNIGHT_UTC + timedelta(hours=20)
    assert policy.is_night(evening)
    assert policy.deadlines(evening) == (evening + timedelta(seconds=30), evening + timedelta(seconds=420))


def test_a_night_window_that_does_not_cross_midnight_is_honoured() -> None:
    policy = ResponsePolicy(day_starts=time(20, 0), night_starts=time(8, 0))
    assert policy.is_night(SHANGHAI_MIDNIGHT_UTC + timedelta(hours=12))
    assert not policy.is_night(SHANGHAI_MIDNIGHT_UTC + timedelta(hours=22))
