"""Double-bookings of a change before it is made (what the desk's forms show
live): a series' plan, a move, a new host or place; the same warnings the
saved change returns, and nothing saved. On both stores."""

from __future__ import annotations

from datetime import date, datetime, time

from schedtui.domain import parse
from schedtui.services import occurrences, series
from schedtui.services.conflicts import (
    occurrence_change_warnings,
    occurrence_warnings,
    plan_warnings,
    series_warnings,
)
from tests.service.test_week import week  # noqa: F401 - a fixture


def settings_of(view) -> dict:
    return {"rrule": view.rrule, "start": date.fromisoformat(view.start),
            "timezone": view.timezone,
            "times": parse.parse_times(",".join(t.label() for t in view.times)),
            "duration_minutes": view.duration_minutes, "host": view.host,
            "location": view.location, "horizon_weeks": view.horizon_weeks}


def test_a_new_series_plan_warns_before_anything_is_saved(store, week):  # noqa: F811
    before = len(series.list_series(store))
    found = plan_warnings(store, rrule="FREQ=DAILY;COUNT=2", start=date(2027, 3, 10),
                          timezone="America/New_York", times=[(time(10, 30), None)],
                          duration_minutes=60, host="ANA ", name="Tai chi")
    [warning] = found
    assert warning["code"] == "double_booked"
    assert warning["occurrences"] == [o.id for o in week["yoga_occs"][2:4]]
    assert f"Yoga (series {week['yoga'].id}) and Tai chi (not saved yet)" in warning["message"]
    assert len(series.list_series(store)) == before  # nothing saved
    # a place that is a web address double-books nobody; another time neither
    assert plan_warnings(store, rrule="FREQ=DAILY;COUNT=2", start=date(2027, 3, 10),
                         timezone="America/New_York", times=[(time(10, 30), None)],
                         duration_minutes=60, location="https://meet.example.org/a") == []
    assert plan_warnings(store, rrule="FREQ=DAILY;COUNT=2", start=date(2027, 3, 10),
                         timezone="America/New_York", times=[(time(12, 0), None)],
                         duration_minutes=60, host="Ana") == []
    # a time of day's own host counts (09:00 is before Yoga; 10:00 is Yoga's)
    slots = parse.parse_times("10:00@Ana")
    assert plan_warnings(store, rrule="FREQ=DAILY;COUNT=1", start=date(2027, 3, 10),
                         timezone="America/New_York", times=slots, duration_minutes=30)


def test_an_edit_preview_is_what_the_saved_edit_reports(store, week):  # noqa: F811
    yoga = week["yoga"]
    unchanged = plan_warnings(store, series_id=yoga.id, name=yoga.name, **settings_of(yoga))
    assert unchanged == series_warnings(store, yoga.id) and unchanged  # Pilates' Ana
    moved = settings_of(yoga) | {"times": [(time(12, 0), None)]}
    assert plan_warnings(store, series_id=yoga.id, name=yoga.name, **moved) == []
    series.edit_series(store, yoga.id, times=[(time(12, 0), None)])
    assert series_warnings(store, yoga.id) == []


def test_a_move_or_a_new_host_previews_the_warnings_of_the_change(store, week):  # noqa: F811
    pilates = week["pilates_occs"][12]  # 2027-03-20, 15:30 Berlin, 14:30 UTC
    yoga = week["yoga_occs"][12]  # 2027-03-20 10:00 New York, 14:00 UTC
    away = datetime(2027, 3, 20, 18, 0)  # 17:00 UTC: clear of Yoga
    assert occurrence_change_warnings(store, pilates.id, start=away) == []
    occurrences.move_occurrence(store, pilates.id, away)
    assert occurrence_warnings(store, [pilates.id]) == []
    back = datetime(2027, 3, 20, 15, 30)
    ahead = occurrence_change_warnings(store, pilates.id, start=back)
    assert [w["occurrences"] for w in ahead] == [sorted([yoga.id, pilates.id])]
    assert occurrence_change_warnings(store, pilates.id, start=back, duration_minutes=15)
    assert occurrence_change_warnings(store, pilates.id, start=datetime(2027, 3, 20, 16, 0),
                                      duration_minutes=15) == []  # 15:00 UTC: Yoga's end
    occurrences.move_occurrence(store, pilates.id, back)
    assert occurrence_warnings(store, [pilates.id]) == ahead
    # another host: none; the place Yoga holds: one
    assert occurrence_change_warnings(store, pilates.id, host="Bea") == []
    place = occurrence_change_warnings(store, pilates.id, host="Bea", location=" ROOM 1")
    assert [w["occurrences"] for w in place] == [sorted([yoga.id, pilates.id])]
    assert 'Location "Room 1"' in place[0]["message"]
    occurrences.cancel_occurrence(store, pilates.id)
    assert occurrence_change_warnings(store, pilates.id, start=back) == []
