"""Member files, muster figures and watch schedules."""

from datetime import UTC, datetime, timedelta

from gateway.roster.checks import members_csv, muster_figures, parse_members_csv, uncovered_hours
from infra.roster_demo import TEAMS, members

HEADER = "id,name,role,qualifications,phone,status\n"
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_a_good_file_round_trips_through_export() -> None:
    team = members(TEAMS[1])
    lines, errors = parse_members_csv(members_csv(team))
    assert errors == []
    assert lines == team
    assert len(lines) == 300


def test_a_file_with_bad_rows_is_refused_whole_naming_every_row_and_column() -> None:
    text = HEADER + (
        "m-1,王伟,member,crowd_control,13900000000,available\n"
        "m-2,,captain,,phone!,available\n"
        "m-1,李强,member,,139,holiday\n"
    )
    lines, errors = parse_members_csv(text)
    assert lines == []
    assert {(e.row, e.column) for e in errors} == {
        (3, "name"),
        (3, "role"),
        (3, "phone"),
        (4, "id"),
        (4, "status"),
    }
    assert "duplicate of row 2" in next(e.message for e in errors if e.column == "id")


def test_a_missing_column_is_named() -> None:
    _, errors = parse_members_csv("id,name,role\nm-1,王伟,member\n")
    assert {e.column for e in errors} == {"qualifications", "phone", "status"}


def test_an_empty_file_is_an_error() -> None:
    assert parse_members_csv(HEADER)[1][0].message == "the file holds no members"


def test_muster_figures_count_time_to_first_acknowledgement_and_to_half_and_ninety_percent() -> None:
    arrivals = [T0 + timedelta(seconds=s) for s in range(10, 110, 10)]  # 10 of 10 arrive, 10 s apart
    figures = muster_figures(T0, 10, [T0 + timedelta(seconds=3), T0 + timedelta(seconds=1)], arrivals, 0)
    assert figures.first_acknowledgement_s == 1
    assert figures.mustered_50_s == 50
    assert figures.mustered_90_s == 90
    short = muster_figures(T0, 10, [], arrivals[:8], 1)
    assert short.mustered_90_s is None and short.mustered_50_s == 50 and short.declined == 1


def test_a_watch_schedule_must_cover_every_hour() -> None:
    assert uncovered_hours([(0, 8), (8, 16), (16, 24)]) == []
    assert uncovered_hours([(0, 8), (9, 24)]) == [8]
