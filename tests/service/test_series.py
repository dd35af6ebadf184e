"""Series planning and editing through the services: identities survive, the
past is never changed, hand edits are kept, and every change is audited."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import audit, hubs, occurrences, series
from tests.conftest import snapshot


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Team", "America/New_York")


def weekly(store, hub, **extra):
    settings = dict(hub_id=hub.id, name="Standup", start=date(2025, 1, 6),
                    rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=12", duration_minutes=15,
                    times=[(time(10), None)], capacity=10)
    settings.update(extra)
    return series.create_series(store, **settings)


def starts(store, series_id):
    return [(o.id, o.start[:16]) for o in occurrences.list_occurrences(store, series_id)]


def test_create_plans_every_occurrence(store, hub):
    view = weekly(store, hub)
    assert view.occurrence_count == 12
    assert view.summary == "Every Monday at 10:00, 12 times"
    assert view.timezone == "America/New_York"  # the hub's zone by default
    occ = occurrences.list_occurrences(store, view.id)
    assert occ[0].start == "2025-01-06T10:00:00-05:00"
    assert occ[0].start_utc == "2025-01-06T15:00:00Z"
    assert occ[9].start_utc == "2025-03-10T14:00:00Z"
    assert all(o.capacity == 10 and o.status == "scheduled" for o in occ)


def test_time_change_moves_future_occurrences_and_keeps_their_ids(store, hub, clock):
    view = weekly(store, hub)
    before = starts(store, view.id)
    clock.now = datetime(2025, 2, 1, tzinfo=clock.now.tzinfo)  # 4 Mondays are past
    _, report = series.edit_series(store, view.id, times=[(time(11, 30), None)])
    after = starts(store, view.id)
    assert [i for i, _ in after] == [i for i, _ in before]  # same identities
    assert after[:4] == before[:4]  # the past is never changed
    assert all(s.endswith("11:30") for _, s in after[4:])
    assert len(report.moved) == 8 and report.added == 0


def test_hand_edits_survive_a_series_edit(store, hub):
    view = weekly(store, hub)
    occ = occurrences.list_occurrences(store, view.id)
    occurrences.move_occurrence(store, occ[2].id, datetime(2025, 1, 21, 9, 0))
    occurrences.set_occurrence(store, occ[3].id, capacity=3)
    series.edit_series(store, view.id, times=[(time(12), None)], capacity=20)
    after = {o.id: o for o in occurrences.list_occurrences(store, view.id)}
    assert after[occ[2].id].start == "2025-01-21T09:00:00-05:00"
    assert after[occ[3].id].capacity == 3
    assert after[occ[4].id].capacity == 20 and after[occ[4].id].start.endswith("12:00:00-05:00")


def test_rule_change_adds_and_removes(store, hub):
    view = weekly(store, hub)
    monday_ids = [i for i, _ in starts(store, view.id)]
    _, report = series.edit_series(store, view.id, rrule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=12")
    after = occurrences.list_occurrences(store, view.id)
    assert len(after) == 12
    assert [o.id for o in after if o.start[:10] <= "2025-02-10" and
            datetime.fromisoformat(o.start).weekday() == 0] == monday_ids[:6]
    assert report.added == 6 and report.removed == 6


def test_zone_change_keeps_wall_clock_times(store, hub):
    view = weekly(store, hub)
    series.edit_series(store, view.id, timezone="Europe/Berlin")
    occ = occurrences.list_occurrences(store, view.id)
    assert occ[0].start == "2025-01-06T10:00:00+01:00"
    assert occ[0].start_utc == "2025-01-06T09:00:00Z"


def test_refused_edit_changes_nothing(store, hub):
    view = weekly(store, hub)
    before = snapshot(store)
    with pytest.raises(DeskError) as err:
        series.edit_series(store, view.id, rrule="FREQ=DAILY;COUNT=99999")
    assert err.value.code == "too_many_occurrences"
    assert snapshot(store) == before
    assert series.get_series(store, view.id).rrule == "FREQ=WEEKLY;BYDAY=MO;COUNT=12"


def test_split_this_and_following(store, hub):
    view = weekly(store, hub)
    occ = occurrences.list_occurrences(store, view.id)
    earlier, later = series.split_series(store, view.id, occ[6].id, times=[(time(16), None)],
                                         capacity=30)
    assert earlier.occurrence_count == 6 and later.occurrence_count == 6
    assert earlier.rrule == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20250216"
    assert later.rrule == "FREQ=WEEKLY;BYDAY=MO;COUNT=6" and later.start == "2025-02-17"
    moved = occurrences.list_occurrences(store, later.id)
    assert moved[0].id == occ[6].id  # the occurrence keeps its identity
    assert all(o.start[11:16] == "16:00" and o.capacity == 30 for o in moved)


def test_no_end_series_rolls_forward(store, hub, clock):
    view = series.create_series(store, hub_id=hub.id, name="Yoga", start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO,WE", duration_minutes=60,
                                times=[(time(9), None), (time(17), None)], horizon_weeks=4,
                                registration_option="multiple_sessions")
    assert view.occurrence_count == 4 * 2 * 2 + 2  # through 2025-01-29 inclusive
    assert view.summary == "Every Monday and Wednesday at 09:00 and 17:00"
    assert series.roll_horizons(store) == {}
    clock.now = datetime(2025, 1, 15, 12, tzinfo=clock.now.tzinfo)  # horizon: 2025-02-12
    added = series.roll_horizons(store)
    assert added == {view.id: 6}  # Feb 5, 10 and 12, twice a day
    assert series.get_series(store, view.id).occurrence_count == 24


def test_limits_and_bad_values(store, hub):
    cases = [
        (dict(name=""), "invalid_value"), (dict(name="x" * 10_000), "invalid_value"),
        (dict(timezone="America/New York"), "invalid_timezone"),
        (dict(timezone="../../etc/passwd"), "invalid_timezone"),
        (dict(duration_minutes=-1), "invalid_value"),
        (dict(duration_minutes=44_641), "invalid_value"),  # 31 days and a minute
        (dict(capacity=0), "invalid_value"), (dict(capacity=-3), "invalid_value"),
        (dict(rrule="FREQ=WEEKLY;UNTIL=20241231"), "no_occurrences"),
        (dict(location="http://insecure.example"), "invalid_value"),
        (dict(registration_option="some"), "invalid_value"),
        (dict(hub_id=999), "not_found"),
    ]
    for changes, code in cases:
        with pytest.raises(DeskError) as err:
            weekly(store, hub, **changes)
        assert err.value.code == code, changes
    assert series.list_series(store) == []


def test_aliases_work(store, hub):
    view = weekly(store, hub, timezone="US/Eastern")
    assert occurrences.list_occurrences(store, view.id)[0].start_utc == "2025-01-06T15:00:00Z"


def test_control_characters_are_stripped(store, hub):
    view = weekly(store, hub, name="Eve\x1b[31m\u202e standup\x07")
    assert view.name == "Eve[31m standup"


def test_occurrence_edits_and_undo(store, hub):
    view = weekly(store, hub)
    occ = occurrences.list_occurrences(store, view.id)[1]
    occurrences.move_occurrence(store, occ.id, datetime(2025, 1, 14, 10, 0), 30)
    occurrences.cancel_occurrence(store, occ.id)
    assert occurrences.get_occurrence(store, occ.id).status == "cancelled"
    action, now = occurrences.undo_last_edit(store, view.id)
    assert action == "cancel" and now.status == "scheduled"
    action, now = occurrences.undo_last_edit(store, view.id)
    assert action == "move" and now.start == occ.start and now.end == occ.end
    with pytest.raises(DeskError) as err:
        occurrences.undo_last_edit(store, view.id)
    assert err.value.code == "nothing_to_undo"


def test_moving_into_a_dst_gap_normalises(store, hub):
    view = weekly(store, hub, rrule="FREQ=WEEKLY;BYDAY=SU;COUNT=12", start=date(2025, 3, 1))
    occ = occurrences.list_occurrences(store, view.id)[0]
    moved = occurrences.move_occurrence(store, occ.id, datetime(2025, 3, 9, 2, 30))
    assert moved.start == "2025-03-09T03:30:00-04:00"


def test_past_occurrences_cannot_be_edited(store, hub, clock):
    view = weekly(store, hub)
    occ = occurrences.list_occurrences(store, view.id)[0]
    clock.now = datetime(2025, 2, 1, tzinfo=clock.now.tzinfo)
    for call in (lambda: occurrences.cancel_occurrence(store, occ.id),
                 lambda: occurrences.move_occurrence(store, occ.id, datetime(2025, 3, 1, 9))):
        with pytest.raises(DeskError) as err:
            call()
        assert err.value.code == "occurrence_started"


def test_every_change_is_audited_with_before_and_after(store, hub):
    view = weekly(store, hub)
    occ = occurrences.list_occurrences(store, view.id)[0]
    occurrences.set_occurrence(store, occ.id, capacity=4, host="Kim")
    series.set_status(store, view.id, "pause")
    log = audit.list_log(store, series_id=view.id)
    assert [e.action for e in log] == ["series.pause", "occurrence.set", "series.create"]
    assert log[0].before == {"status": "published"} and log[0].after == {"status": "paused"}
    assert log[1].before["capacity"] == 10 and log[1].after["capacity"] == 4
    assert log[1].actor == store.actor


def test_status_transitions(store, hub):
    view = weekly(store, hub, draft=True)
    assert view.status == "draft"
    with pytest.raises(DeskError):
        series.set_status(store, view.id, "resume")
    assert series.set_status(store, view.id, "publish").status == "published"
    assert series.set_status(store, view.id, "archive").status == "archived"
    with pytest.raises(DeskError) as err:
        series.edit_series(store, view.id, name="New")
    assert err.value.code == "series_archived"


def test_archive_hub_archives_its_series(store, hub):
    view = weekly(store, hub)
    hubs.archive_hub(store, hub.id)
    assert series.get_series(store, view.id).status == "archived"
    assert hubs.list_hubs(store) == []
    with pytest.raises(DeskError):
        weekly(store, hub)


def test_preview_shows_dst_shift():
    summary, items, blackout_note = series.preview(
        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=12", start=date(2025, 1, 6),
        timezone="America/New_York", times=[(time(10), None)],
        now=datetime.fromisoformat("2025-03-01T00:00:00+00:00"))
    assert summary == "Every Monday at 10:00, 12 times"
    assert blackout_note == ""  # no hub given: no blackout days read
    assert [i.utcoffset().total_seconds() / 3600 for i in items[:2]] == [-5, -4]


def test_each_time_of_day_has_its_own_capacity_and_host(store, hub):
    from schedtui.domain.parse import parse_times

    view = series.create_series(
        store, hub_id=hub.id, name="Yoga", start=date(2025, 1, 6),
        rrule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=2", duration_minutes=60, capacity=10,
        host="Studio team", times=parse_times("09:00=4@Ilse Brandt,17:00/MO"))
    assert [t.label() for t in view.times] == ["09:00=4@Ilse Brandt", "17:00/MO"]
    occ = occurrences.list_occurrences(store, view.id)
    assert [(o.start[8:16], o.capacity, o.host) for o in occ] == [
        ("06T09:00", 4, "Ilse Brandt"), ("06T17:00", 10, "Studio team"),
        ("08T09:00", 4, "Ilse Brandt")]
    series.edit_series(store, view.id, capacity=12)  # the 09:00 class keeps its own
    assert [o.capacity for o in occurrences.list_occurrences(store, view.id)] == [4, 12, 4]


def test_roll_reports_progress_over_the_series_that_are_due(store, hub, clock):
    for name in ("A", "B"):
        series.create_series(store, hub_id=hub.id, name=name, start=date(2025, 1, 6),
                             rrule="FREQ=WEEKLY;BYDAY=MO", duration_minutes=30,
                             times=[(time(9), None)], horizon_weeks=2)
    weekly(store, hub)  # has an end: never due
    seen = []
    assert series.roll_horizons(store, progress=lambda d, t: seen.append((d, t))) == {}
    assert seen == []
    clock.now = datetime(2025, 1, 20, 12, tzinfo=clock.now.tzinfo)
    added = series.roll_horizons(store, progress=lambda d, t: seen.append((d, t)))
    assert sorted(added.values()) == [2, 2] and seen == [(1, 2), (2, 2)]


def test_a_batch_of_series_is_one_transaction(store, hub):
    spec = dict(hub_id=hub.id, name="A", start=date(2025, 1, 6), duration_minutes=30,
                rrule="FREQ=DAILY;COUNT=3", times=[(time(9), None)])
    made = series.create_series_batch(store, [spec, spec | {"name": "B",
                                                            "rrule": "FREQ=DAILY;COUNT=2"}])
    assert [count for _, count in made] == [3, 2]
    before = snapshot(store)
    with pytest.raises(DeskError):
        series.create_series_batch(store, [spec, spec | {"rrule": "FREQ=DAILY;INTERVAL=0"}])
    assert snapshot(store) == before  # all or none


def test_bulk_written_times_compare_equal_in_sql(store, hub):
    """Occurrences are written in bulk; SQL comparisons against them must still hold."""
    view = weekly(store, hub)
    occ = occurrences.list_occurrences(store, view.id)
    with pytest.raises(DeskError) as err:
        occurrences.move_occurrence(store, occ[1].id, datetime(2025, 1, 20, 10, 0))
    assert err.value.code == "occurrence_clash"
    day = occurrences.list_occurrences(store, view.id, start=date(2025, 1, 20),
                                       end=date(2025, 1, 20))
    assert [o.id for o in day] == [occ[2].id]


def test_rolling_a_series_that_is_not_there_says_so(store):
    with pytest.raises(DeskError) as caught:
        series.roll_horizons(store, series_id=999)
    assert caught.value.code == "not_found"
