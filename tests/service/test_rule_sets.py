"""Rule sets through the services: a series with several RRULEs, RDATEs,
EXRULEs and EXDATEs is stored, planned, edited and split by the same rules
as one with a single RRULE, on both stores."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from dateutil.rrule import rrulestr

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, occurrences, series
from schedtui.store import open_store


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Team", "UTC")


def starts(store, series_id) -> list[str]:
    return [o.start[:16] for o in occurrences.list_occurrences(store, series_id)
            if o.status == "scheduled"]


def dateutil_set(text: str) -> list[str]:
    """python-dateutil's reading of the same set (its rruleset)."""
    return [m.isoformat()[:16] for m in rrulestr(text, forceset=True)]


def test_a_rule_set_is_planned_as_rfc_5545_reads_it(store, hub):
    view = series.create_series(
        store, hub_id=hub.id, name="Set", start=date(2025, 3, 3), duration_minutes=30,
        times=[(time(10), None)], rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6",
        rrules=["FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3"], rdates=["2025-03-05T18:00", "2025-03-20"],
        exrules=["FREQ=MONTHLY;BYDAY=1MO;COUNT=2"], exdates=["2025-03-17"])
    expected = dateutil_set(
        "DTSTART:20250303T100000\nRRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6\n"
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3\nRDATE:20250305T180000,20250320T100000\n"
        "EXRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=2\nEXDATE:20250317T100000")
    assert [s.replace("+00:00", "") for s in starts(store, view.id)] == expected
    assert view.has_end and view.occurrence_count == len(expected)
    assert "RDATE:20250305T180000" in view.rule_extra
    assert "also on 5 March 2025 at 18:00" in view.summary
    assert "except on 17 March 2025" in view.summary


def test_editing_the_set_replans_and_keeps_identities(store, hub):
    view = series.create_series(store, hub_id=hub.id, name="Set", start=date(2025, 3, 3),
                                duration_minutes=30, times=[(time(10), None)],
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4")
    before = {o.start: o.id for o in occurrences.list_occurrences(store, view.id)}
    edited, report = series.edit_series(store, view.id, rdates=["2025-03-04T12:00"],
                                        exdates=["2025-03-10"])
    after = {o.start[:16]: o.id for o in occurrences.list_occurrences(store, view.id)}
    assert sorted(after) == ["2025-03-03T10:00", "2025-03-04T12:00", "2025-03-17T10:00",
                             "2025-03-24T10:00"]
    kept = {k[:16]: v for k, v in before.items() if k[:16] in after}
    assert all(after[k] == v for k, v in kept.items())
    assert report.added == 1 and report.removed == 1
    cleared, _ = series.edit_series(store, view.id, exdates=[], rdates=[])
    assert cleared.rule_extra == "" and cleared.occurrence_count == 4


@pytest.mark.parametrize(("parts", "word"), [
    ({"rdates": ["2025-13-01"]}, "RDATE"),
    ({"exrules": ["FREQ=DAILY;BYEASTER=1"]}, "BYEASTER"),
    ({"rrules": ["FREQ=WEEKLY;BYDAY=1MO"]}, "BYDAY=1MO"),
    ({"rdates": ["2025-03-05T10:00+01:00"]}, "RDATE"),
])
def test_bad_parts_are_refused_by_name_and_change_nothing(store, hub, parts, word):
    with pytest.raises(DeskError) as err:
        series.create_series(store, hub_id=hub.id, name="Bad", start=date(2025, 3, 3),
                             duration_minutes=30, times=[(time(10), None)],
                             rrule="FREQ=WEEKLY;COUNT=2", **parts)
    assert err.value.code == "invalid_rule" and word in err.value.message
    assert series.list_series(store) == []


def test_an_rdate_before_the_start_is_the_first_instance(store, hub):
    view = series.create_series(store, hub_id=hub.id, name="Early", start=date(2025, 3, 3),
                                duration_minutes=30, times=[(time(10), None)],
                                rrule="FREQ=WEEKLY;COUNT=2", rdates=["2025-02-01T10:00"])
    expected = dateutil_set("DTSTART:20250303T100000\nRRULE:FREQ=WEEKLY;COUNT=2\n"
                            "RDATE:20250201T100000")
    assert [s.replace("+00:00", "") for s in starts(store, view.id)] == expected
    assert expected[0] == "2025-02-01T10:00"
    assert view.next_occurrence.startswith("2025-02-01T10:00")
    # the rule keeps its DTSTART: the weekly rule still falls on Mondays
    assert view.start == "2025-03-03"


def test_a_timed_rule_plans_several_sessions_a_day(store, hub):
    view = series.create_series(store, hub_id=hub.id, name="Shifts", start=date(2025, 3, 3),
                                duration_minutes=60, times=[(time(9), None)],
                                rrule="FREQ=HOURLY;INTERVAL=5;COUNT=6")
    assert starts(store, view.id) == [
        "2025-03-03T09:00", "2025-03-03T14:00", "2025-03-03T19:00", "2025-03-04T00:00",
        "2025-03-04T05:00", "2025-03-04T10:00"]
    assert view.summary.startswith("Every 5 hours")
    moved, report = series.edit_series(store, view.id, rrule="FREQ=HOURLY;INTERVAL=6;COUNT=6")
    assert report.kept == 6 and not report.added and not report.removed
    with pytest.raises(DeskError) as err:
        series.edit_series(store, view.id, duration_minutes=400)
    assert err.value.code == "invalid_rule" and "overlap" in err.value.message


def test_split_divides_the_set(store, hub, clock):
    view = series.create_series(
        store, hub_id=hub.id, name="Set", start=date(2025, 3, 3), duration_minutes=30,
        times=[(time(10), None)], rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6",
        rdates=["2025-03-05T18:00", "2025-04-02T18:00"], exdates=["2025-03-24"])
    whole = starts(store, view.id)
    at = next(o for o in occurrences.list_occurrences(store, view.id)
              if o.start.startswith("2025-03-31"))
    earlier, later = series.split_series(store, view.id, at.id)
    assert starts(store, earlier.id) + starts(store, later.id) == whole
    assert "RDATE:20250402T180000" in later.rule_extra
    assert "20250402" not in earlier.rule_extra


def test_a_schema_3_store_gains_the_rule_set_column(store_url, clock):
    from sqlalchemy import text

    opened = open_store(store_url, clock=clock)
    hub = hubs.create_hub(opened, "Old", "UTC")
    view = series.create_series(opened, hub_id=hub.id, name="Old", start=date(2025, 2, 3),
                                rrule="FREQ=WEEKLY;COUNT=3", duration_minutes=30,
                                times=[(time(9), None)])
    with opened.write() as session:
        conn = session.connection()
        conn.execute(text("ALTER TABLE series DROP COLUMN rule_extra"))
        conn.execute(text("UPDATE schedtui_meta SET value = '3' WHERE key = 'schema_version'"))
    opened.dispose()
    reopened = open_store(store_url, clock=clock)
    try:
        assert series.get_series(reopened, view.id).rule_extra == ""
        edited, _ = series.edit_series(reopened, view.id, rdates=["2025-02-04T09:00"])
        assert edited.occurrence_count == 4
    finally:
        reopened.dispose()


def test_preview_reads_a_set(store):
    summary, upcoming, blackout_note = series.preview(
        rrule="FREQ=DAILY;COUNT=3", rdates=["2025-03-10"], exdates=["2025-03-04"],
        start=date(2025, 3, 3), timezone="UTC", times=[(time(8), None)],
        now=datetime(2025, 3, 1, tzinfo=__import__("datetime").UTC))
    assert [u.isoformat()[:16] for u in upcoming] == [
        "2025-03-03T08:00", "2025-03-05T08:00", "2025-03-10T08:00"]
    assert summary.startswith("Every day at 08:00, 3 times; also on 10 March 2025")
    assert blackout_note == ""


def test_an_added_date_beside_a_session_leaves_that_session_where_it_was(store, hub):
    view = series.create_series(store, hub_id=hub.id, name="Daily", start=date(2025, 3, 3),
                                duration_minutes=30, times=[(time(10), None)],
                                rrule="FREQ=DAILY;COUNT=5")
    before = {o.start[:16]: o.id for o in occurrences.list_occurrences(store, view.id)}
    series.edit_series(store, view.id, rdates=["2025-03-05T08:00"])
    after = {o.start[:16]: o.id for o in occurrences.list_occurrences(store, view.id)}
    assert set(after) == set(before) | {"2025-03-05T08:00"}
    assert all(after[k] == v for k, v in before.items())  # none moved to 08:00
    series.edit_series(store, view.id, rdates=[])
    assert {o.start[:16]: o.id for o in occurrences.list_occurrences(store, view.id)} == before
