"""Events of several days and events of no length through the iCalendar import
and export, on both stores: what the desk holds, what it writes, and the file
it writes read back (by the desk and by recurring-ical-events). Berlin changes
its clocks on 2027-03-28."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schedtui.interop.ics import export_ics, import_ics
from schedtui.services import hubs, occurrences, series
from schedtui.store import open_store
from tests.interop.helpers import desk_instants, expander_instants

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//multiday//EN\r\n"
START, STOP = datetime(2027, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC)


def calendar(*lines: str) -> str:
    return HEAD + "BEGIN:VEVENT\r\n" + "\r\n".join(lines) + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Berlin", "Europe/Berlin")


def imported(store, hub, tmp_path, text):
    path = tmp_path / "in.ics"
    path.write_text(text)
    report = import_ics(store, path, hub.id)
    assert report.imported and not report.problems and len(report.events) == 1
    view = series.get_series(store, report.events[0].series_id)
    return view, occurrences.list_occurrences(store, view.id)


def round_trip(store, hub, tmp_path, clock, view) -> str:
    """Export the series, import the file into a fresh store, export that: the
    three agree with each other and with recurring-ical-events."""
    text = export_ics(store, None, series_id=view.id)
    path = tmp_path / "out.ics"
    path.write_text(text)
    other = open_store(str(tmp_path / "other.db"), clock=clock)
    try:
        target = hubs.create_hub(other, "Copy", "Europe/Berlin")
        report = import_ics(other, path, target.id)
        assert report.imported and not report.problems
        again = export_ics(other, None, hub_id=target.id)
        ours = desk_instants(store, [view.id])
        assert expander_instants(text, START, STOP) == ours
        assert expander_instants(again, START, STOP) == ours
        assert desk_instants(other, [e.series_id for e in report.events]) == ours
        assert series.get_series(other, report.events[0].series_id).duration_minutes == \
            view.duration_minutes
    finally:
        other.dispose()
    return text


def test_a_three_day_all_day_event_imports_and_exports_through_the_clock_change(
        store, hub, tmp_path, clock):
    view, occs = imported(store, hub, tmp_path, calendar(
        "UID:conference@example.org", "SUMMARY:Conference", "DTSTART;VALUE=DATE:20270326",
        "DTEND;VALUE=DATE:20270329", "RRULE:FREQ=WEEKLY;COUNT=3"))
    assert view.duration_minutes == 3 * 1440
    assert [(o.start, o.end) for o in occs] == [
        ("2027-03-26T00:00:00+01:00", "2027-03-29T00:00:00+02:00"),
        ("2027-04-02T00:00:00+02:00", "2027-04-05T00:00:00+02:00"),
        ("2027-04-09T00:00:00+02:00", "2027-04-12T00:00:00+02:00")]
    text = round_trip(store, hub, tmp_path, clock, view)
    assert "DURATION:P3D" in text


def test_a_timed_event_of_days_ends_at_its_local_time(store, hub, tmp_path, clock):
    view, occs = imported(store, hub, tmp_path, calendar(
        "UID:retreat@example.org", "SUMMARY:Retreat",
        "DTSTART;TZID=Europe/Berlin:20270326T090000",
        "DTEND;TZID=Europe/Berlin:20270328T170000", "RRULE:FREQ=YEARLY;COUNT=2"))
    assert view.duration_minutes == 2 * 1440 + 480
    assert [o.end for o in occs] == ["2027-03-28T17:00:00+02:00", "2028-03-28T17:00:00+02:00"]
    assert "DURATION:P2DT8H" in round_trip(store, hub, tmp_path, clock, view)


@pytest.mark.parametrize("end", ["DTEND;TZID=Europe/Berlin:20270301T213000", "DURATION:PT0S",
                                 None])
def test_an_event_of_no_length_is_a_moment(store, hub, tmp_path, clock, end):
    # RFC 5545 3.6.1: a date-time DTSTART without DTEND or DURATION ends where it starts
    lines = ["UID:karaoke@example.org", "SUMMARY:Karaoke",
             "DTSTART;TZID=Europe/Berlin:20270301T213000", "RRULE:FREQ=MONTHLY;COUNT=3"]
    view, occs = imported(store, hub, tmp_path, calendar(*lines, *([end] if end else [])))
    assert view.duration_minutes == 0
    assert [o.start == o.end for o in occs] == [True, True, True]
    assert "DURATION:P0D" in round_trip(store, hub, tmp_path, clock, view)


def test_an_event_longer_than_31_days_is_refused_by_name(store, hub, tmp_path):
    path = tmp_path / "long.ics"
    path.write_text(calendar("UID:season@example.org", "SUMMARY:Season",
                             "DTSTART;VALUE=DATE:20270301", "DTEND;VALUE=DATE:20270402",
                             "RRULE:FREQ=YEARLY;COUNT=2"))
    with pytest.raises(Exception) as caught:
        import_ics(store, path, hub.id)
    problems = caught.value.details["report"]["problems"]
    assert [p["uid"] for p in problems] == ["season@example.org"]
    assert "32 days" in problems[0]["reason"] and "at most 31 days" in problems[0]["reason"]
