"""Sessions longer than a day (a 3-day conference, a week-long camp) and
sessions of no length (a moment), on both stores: their ends through a clock
change, the overlap of a series with itself, double-bookings and the agenda.
Berlin changes its clocks on 2027-03-28. (The clock is fixed at 2025-01-01.)"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, occurrences, series
from schedtui.services.agenda import agenda
from schedtui.services.conflicts import conflicts, double_bookings, series_warnings
from tests.conftest import snapshot


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Berlin", "Europe/Berlin")


def make(store, hub, name, start, at, minutes, rrule, **extra):
    view = series.create_series(store, hub_id=hub.id, name=name, start=start, rrule=rrule,
                                duration_minutes=minutes, times=[(at, None)], **extra)
    return view, occurrences.list_occurrences(store, view.id)


def hours(occ) -> float:
    begin = datetime.fromisoformat(occ.start_utc.rstrip("Z"))
    return (datetime.fromisoformat(occ.end_utc.rstrip("Z")) - begin) / timedelta(hours=1)


def test_a_three_day_all_day_session_ends_at_midnight_through_the_clock_change(store, hub):
    view, occs = make(store, hub, "Conference", date(2027, 3, 26), time(0), 3 * 1440,
                      "FREQ=WEEKLY;COUNT=2")
    assert view.duration_minutes == 4320
    assert [(o.start, o.end) for o in occs] == [
        ("2027-03-26T00:00:00+01:00", "2027-03-29T00:00:00+02:00"),
        ("2027-04-02T00:00:00+02:00", "2027-04-05T00:00:00+02:00")]
    assert [hours(o) for o in occs] == [71, 72]  # the first loses the hour of the change


def test_days_and_hours_end_at_the_same_local_time_across_the_change(store, hub):
    view, occs = make(store, hub, "Retreat", date(2027, 3, 26), time(9), "2d8h",
                      "FREQ=YEARLY;COUNT=2")
    assert view.duration_minutes == 2 * 1440 + 8 * 60
    assert occs[0].end == "2027-03-28T17:00:00+02:00" and hours(occs[0]) == 55
    assert occs[1].end == "2028-03-28T17:00:00+02:00" and hours(occs[1]) == 56


def test_a_week_long_session_every_week_fits_through_the_dst_week(store, hub):
    # The week of the change lasts 167 hours: a 7-day session ends at the next
    # Monday's midnight, exactly when the next one starts, and does not overlap it.
    view, occs = make(store, hub, "Camp", date(2027, 3, 22), time(0), 7 * 1440,
                      "FREQ=WEEKLY;COUNT=3")
    assert [o.end for o in occs][:2] == ["2027-03-29T00:00:00+02:00",
                                        "2027-04-05T00:00:00+02:00"]
    assert [o.start for o in occs][1] == occs[0].end
    assert view.occurrence_count == 3


def test_sessions_longer_than_the_gap_between_them_are_refused(store, hub):
    before = snapshot(store)
    with pytest.raises(DeskError) as err:
        make(store, hub, "Too long", date(2027, 3, 26), time(9), 2 * 1440,
             "FREQ=DAILY;COUNT=3")
    assert err.value.code == "invalid_rule"
    assert "overlap" in err.value.message and "2 days (2,880 minutes)" in err.value.message
    assert "1 day (1,440 minutes) apart" in err.value.message
    assert snapshot(store) == before
    view, _ = make(store, hub, "Every other day", date(2027, 3, 26), time(9), 2 * 1440,
                   "FREQ=DAILY;INTERVAL=2;COUNT=3")
    with pytest.raises(DeskError) as err:
        series.edit_series(store, view.id, duration_minutes="2d1m")
    assert err.value.code == "invalid_rule" and "overlap" in err.value.message


@pytest.mark.parametrize(("value", "minutes"), [
    (44_640, 44_640), ("31d", 44_640), ("90", 90), ("1h30m", 90), ("0", 0)])
def test_a_length_is_minutes_or_days_hours_and_minutes_up_to_31_days(store, hub, value,
                                                                     minutes):
    view, _ = make(store, hub, "Length", date(2027, 1, 4), time(0), value, "FREQ=YEARLY;COUNT=1")
    assert view.duration_minutes == minutes


@pytest.mark.parametrize("value", [44_641, "31d1m", -1, "3 days", "1.5", ""])
def test_a_length_beyond_31_days_or_unreadable_is_refused(store, hub, value):
    before = snapshot(store)
    with pytest.raises(DeskError) as err:
        make(store, hub, "Length", date(2027, 1, 4), time(0), value, "FREQ=YEARLY;COUNT=1")
    assert err.value.code == "invalid_value" and "Duration" in err.value.message
    assert snapshot(store) == before


def test_editing_the_length_to_days_replans_the_ends(store, hub):
    view, occs = make(store, hub, "Course", date(2027, 3, 22), time(0), 60,
                      "FREQ=WEEKLY;COUNT=2")
    edited, report = series.edit_series(store, view.id, duration_minutes="6d")
    after = occurrences.list_occurrences(store, view.id)
    assert [o.id for o in after] == [o.id for o in occs] and sorted(report.moved) == \
        [o.id for o in occs]
    assert [o.end for o in after] == ["2027-03-28T00:00:00+01:00", "2027-04-04T00:00:00+02:00"]


def test_moving_an_occurrence_with_a_length_of_days(store, hub):
    _, occs = make(store, hub, "Course", date(2027, 3, 1), time(9), 60, "FREQ=WEEKLY;COUNT=2")
    moved = occurrences.move_occurrence(store, occs[1].id, datetime(2027, 3, 27, 9), "2d")
    assert (moved.start, moved.end) == ("2027-03-27T09:00:00+01:00",
                                        "2027-03-29T09:00:00+02:00")
    point = occurrences.move_occurrence(store, occs[0].id, datetime(2027, 3, 2, 9), 0)
    assert point.start == point.end == "2027-03-02T09:00:00+01:00"  # a moment


@pytest.fixture
def conference(store, hub):
    view, occs = make(store, hub, "Conference", date(2027, 3, 26), time(0), 3 * 1440,
                      "FREQ=WEEKLY;COUNT=1", host="Ada")
    return occs[0]


def test_a_three_day_session_double_books_a_talk_on_its_second_day(store, hub, conference):
    _, talks = make(store, hub, "Talk", date(2027, 3, 27), time(10), 60,
                    "FREQ=DAILY;INTERVAL=2;COUNT=2", host=" ada ")
    # the talk of the 27th is inside the conference; that of the 29th is after its end
    with store.read() as session:
        found = double_bookings(session, [t.id for t in talks])
    assert [c.occurrences for c in found] == [[conference.id, talks[0].id]]
    # the window holds the talk only: the conference started the day before
    pairs = conflicts(store, start=date(2027, 3, 27), end=date(2027, 3, 27))
    assert [(c.kind, c.occurrences) for c in pairs] == [("host", [conference.id, talks[0].id])]
    # and a window on its last day holds the conference itself
    assert [c.occurrences for c in conflicts(store, start=date(2027, 3, 28),
                                             end=date(2027, 3, 28))] == \
        [[conference.id, talks[0].id]]


def test_a_double_booking_is_found_for_the_session_of_days_itself(store, hub):
    _, talks = make(store, hub, "Talk", date(2027, 3, 28), time(23), 30, "FREQ=DAILY;COUNT=1",
                    location="Hall A")
    view, occs = make(store, hub, "Fair", date(2027, 3, 26), time(0), 3 * 1440,
                      "FREQ=WEEKLY;COUNT=1", location="hall a")
    with store.read() as session:
        found = double_bookings(session, [occs[0].id])
    assert [(c.kind, c.occurrences) for c in found] == [("location", [occs[0].id,
                                                                      talks[0].id])]
    warned = series_warnings(store, view.id)
    assert [w["occurrences"] for w in warned] == [sorted([occs[0].id, talks[0].id])]


def test_the_agenda_finds_a_session_of_days_from_a_later_day(store, hub, conference):
    _, evening = make(store, hub, "Late", date(2027, 3, 26), time(23), 120,
                      "FREQ=DAILY;COUNT=1")
    ids = [i.id for i in agenda(store, start=date(2027, 3, 27), end=date(2027, 3, 28))]
    # the conference runs into the window; the evening session past midnight belongs
    # to the day it starts on
    assert ids == [conference.id]
    assert [i.id for i in agenda(store, start=date(2027, 3, 26), end=date(2027, 3, 26))] == [
        conference.id, evening[0].id]
    assert agenda(store, start=date(2027, 3, 29), end=date(2027, 4, 2)) == []  # ended at 00:00


def test_a_moment_double_books_a_session_running_at_its_instant(store, hub):
    view, moment = make(store, hub, "Deadline", date(2027, 3, 1), time(10, 30), 0,
                        "FREQ=DAILY;COUNT=2", host="Ada")
    assert view.duration_minutes == 0 and moment[0].start == moment[0].end
    _, talk = make(store, hub, "Talk", date(2027, 3, 1), time(10), 60, "FREQ=DAILY;COUNT=1",
                   host="Ada")
    _, later = make(store, hub, "Later", date(2027, 3, 2), time(9, 30), 60,
                    "FREQ=DAILY;COUNT=1", host="Ada")  # ends at 10:30, as the moment is
    with store.read() as session:
        found = double_bookings(session, [o.id for o in moment])
    assert [c.occurrences for c in found] == [[talk[0].id, moment[0].id]]
    assert [i.id for i in agenda(store, start=date(2027, 3, 2), end=date(2027, 3, 2))] == [
        later[0].id, moment[1].id]


def test_a_series_check_reads_its_sessions_once_and_finds_one_that_has_ended(store, hub,
                                                                            clock, monkeypatch):
    """The check of a series' sessions that have not ended (series add, an
    import) reads them once, by series, and still pairs them with one of its
    own that has ended while they overlap: the same warnings as the check of
    those sessions by id."""
    from schedtui.services import conflicts

    view, occs = make(store, hub, "Clinic", date(2027, 3, 1), time(10), 60,
                      "FREQ=DAILY;COUNT=4", location="Hall")
    occurrences.move_occurrence(store, occs[1].id, datetime(2027, 3, 1, 10, 30))
    clock.now = datetime(2027, 3, 1, 9, 10, tzinfo=clock.now.tzinfo)  # 10:10 in Berlin
    live = [o.id for o in occs[1:]]  # the first has ended, the moved one runs to 11:30
    with store.read() as session:
        by_id = conflicts.warnings(session, live)
    read = []
    real = conflicts._booked
    monkeypatch.setattr(conflicts, "_booked", lambda row: read.append(row[0]) or real(row))
    found = series_warnings(store, view.id)
    assert found == by_id
    assert [w["occurrences"] for w in found] == [[occs[0].id, occs[1].id]]
    assert sorted(read) == sorted([occs[0].id, *live])  # each once
