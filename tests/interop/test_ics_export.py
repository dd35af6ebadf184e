"""iCalendar export checked against an independent expander: for hand-written
and generated series (DST zones, several times of day, weekday-limited slots,
moved and cancelled occurrences, series without an end), recurring-ical-events
reading the exported file gives exactly the desk's scheduled occurrences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedtui.domain.errors import DeskError
from schedtui.domain.recurrence import WEEKDAYS
from schedtui.domain.zones import zone
from schedtui.interop.ics import export_ics, import_ics
from schedtui.services import hubs, occurrences, registrations, series
from schedtui.store import open_store
from tests.interop.helpers import desk_instants, expander_instants, window

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def check(store, series_ids, text):
    if not desk_instants(store, series_ids) and not any(
            occurrences.list_occurrences(store, sid) for sid in series_ids):
        return  # a series without end whose first date lies past its horizon
    start, stop = window(store, series_ids)
    theirs = expander_instants(text, start, stop)
    mine = desk_instants(store, series_ids)
    assert [t[:2] for t in theirs] == [m[:2] for m in mine]  # every start, local and UTC
    zones = {v.start_utc: v.timezone for sid in series_ids
             for v in occurrences.list_occurrences(store, sid)}
    for (local, start_utc, their_end), (_, _, my_end) in zip(theirs, mine, strict=True):
        if their_end == my_end:
            continue
        # A clock change inside the instance: the desk keeps its exact length
        # (RFC 5545: DTEND gives every instance "the same exact duration"); this
        # expander adds the length to the wall-clock time instead. Nothing else differs.
        length = _instant(my_end) - _instant(start_utc)
        wall = datetime.fromisoformat(local).replace(tzinfo=None) + length
        expected = wall.replace(tzinfo=zone(zones[start_utc])).astimezone(UTC)
        assert _instant(their_end) == expected, (local, their_end, my_end)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def make(store, hub, rrule, times, start=date(2025, 1, 6), tz=None, **extra):
    return series.create_series(store, hub_id=hub.id, name="S", start=start, rrule=rrule,
                                duration_minutes=extra.pop("duration", 45), times=times,
                                timezone=tz, **extra)


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Studio", "America/New_York")


HAND_WRITTEN = [
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=30", [(time(9), None), (time(17, 30), frozenset({0, 2}))],
     "America/New_York"),
    ("FREQ=DAILY;UNTIL=20250415", [(time(2, 30), None)], "America/New_York"),  # DST gap
    ("FREQ=DAILY;COUNT=20", [(time(1, 30), None)], "Europe/London"),
    ("FREQ=MONTHLY;BYDAY=-1SU;COUNT=12", [(time(1, 30), None), (time(10), None)],
     "Europe/Berlin"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", [(time(2), frozenset({1})), (time(19), None)],
     "Australia/Lord_Howe"),
    ("FREQ=MONTHLY;COUNT=8", [(time(8), frozenset({0, 1, 2, 3, 4}))], "America/Sao_Paulo"),
    ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=6",
     [(time(12), frozenset({4})), (time(16), None)], "Pacific/Chatham"),
    ("FREQ=YEARLY;BYMONTH=3;BYDAY=2SU;COUNT=3", [(time(2, 30), None)], "America/New_York"),
]


@pytest.mark.parametrize(("rrule", "times", "tz"), HAND_WRITTEN,
                         ids=[r for r, _, _ in HAND_WRITTEN])
def test_hand_written_series_with_moves_and_cancellations(store, hub, rrule, times, tz):
    view = make(store, hub, rrule, times, tz=tz, start=date(2025, 1, 8))
    occs = occurrences.list_occurrences(store, view.id)
    occurrences.cancel_occurrence(store, occs[1].id)
    local = datetime.fromisoformat(occs[2].start).replace(tzinfo=None)
    occurrences.move_occurrence(store, occs[2].id, local + timedelta(hours=3), 20)
    if len(occs) > 4:
        occurrences.set_occurrence(store, occs[4].id, location="Room 9")
    text = export_ics(store, None, series_id=view.id)
    check(store, [view.id], text)
    assert "RECURRENCE-ID" in text and "EXDATE" in text and "BEGIN:VTIMEZONE" in text


def test_uids_are_stable_and_dtstart_is_the_first_occurrence(store, hub):
    view = make(store, hub, "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6",
                [(time(9), None), (time(18), frozenset({2}))], start=date(2025, 1, 2))
    first = export_ics(store, None, series_id=view.id)
    again = export_ics(store, None, series_id=view.id)
    cal = icalendar.Calendar.from_ical(first)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"series-1-slot-1@schedtui", "series-1-slot-2@schedtui"}
    assert events["series-1-slot-1@schedtui"]["DTSTART"].dt.date() == date(2025, 1, 6)  # Monday
    assert events["series-1-slot-2@schedtui"]["DTSTART"].dt.date() == date(2025, 1, 8)
    assert "BYDAY=WE" in events["series-1-slot-2@schedtui"]["RRULE"].to_ical().decode()
    strip = [line for line in first.splitlines() if not line.startswith("DTSTAMP")]
    assert strip == [line for line in again.splitlines() if not line.startswith("DTSTAMP")]


def test_a_series_without_end_has_an_open_rule(store, hub):
    view = make(store, hub, "FREQ=WEEKLY;BYDAY=SU", [(time(2, 30), None)], horizon_weeks=30)
    text = export_ics(store, None, series_id=view.id)
    rule = next(iter(icalendar.Calendar.from_ical(text).walk("VEVENT")))["RRULE"]
    assert "UNTIL" not in rule and "COUNT" not in rule
    check(store, [view.id], text)


def test_a_hub_export_and_an_edited_series(store, hub, clock):
    a = make(store, hub, "FREQ=DAILY;COUNT=40", [(time(7), None)])
    b = make(store, hub, "FREQ=WEEKLY;BYDAY=TU,TH", [(time(12), None)], tz="Asia/Kolkata")
    clock.now = datetime(2025, 1, 20, tzinfo=UTC)
    series.edit_series(store, a.id, times=[(time(8, 15), None)])  # the past keeps 07:00
    text = export_ics(store, None, hub_id=hub.id)
    check(store, [a.id, b.id], text)


def test_the_personal_feed_holds_confirmed_seats_only(store, hub):
    view = make(store, hub, "FREQ=WEEKLY;BYDAY=MO;COUNT=4", [(time(18), None)], capacity=1,
                registration_option="multiple_sessions")
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    registrations.register(store, view.id, email="bo@example.org", name="Bo",
                           occurrence_ids=[occs[0]])
    registrations.register(store, view.id, email="Ada@Example.org", name="Ada",
                           occurrence_ids=occs[:3])
    occurrences.cancel_occurrence(store, occs[2])
    text = export_ics(store, None, attendee_email="ada@example.org")
    cal = icalendar.Calendar.from_ical(text)
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [f"occurrence-{occs[1]}@schedtui"]
    with pytest.raises(DeskError) as caught:
        export_ics(store, None, attendee_email="nobody@example.org")
    assert caught.value.code == "not_found"


def test_round_trip_gives_the_same_occurrences(store, hub, tmp_path, clock):
    made = [make(store, hub, r, t, tz=z, start=date(2025, 1, 8)) for r, t, z in HAND_WRITTEN]
    made.append(make(store, hub, "FREQ=DAILY", [(time(6), None)], horizon_weeks=10))
    for view in made:
        occs = occurrences.list_occurrences(store, view.id)
        occurrences.cancel_occurrence(store, occs[0].id)
        local = datetime.fromisoformat(occs[1].start).replace(tzinfo=None)
        occurrences.move_occurrence(store, occs[1].id, local + timedelta(minutes=50))
    path = tmp_path / "out.ics"
    export_ics(store, path, hub_id=hub.id)
    other = open_store(tmp_path / "other.db", clock=clock)
    try:
        target = hubs.create_hub(other, "Copy", "UTC")
        report = import_ics(other, path, target.id)
        assert report.imported and not report.problems
        ids = [e.series_id for e in report.events]
        again = export_ics(other, None, hub_id=target.id)
        start = window(store, [v.id for v in made])[0]
        stop = window(store, [made[-1].id])[1]  # the horizon of the series without end
        cut = stop.strftime("%Y-%m-%dT%H:%M:%SZ")
        first = expander_instants(path.read_text(), start, stop)
        assert first == expander_instants(again, start, stop)
        assert first == [i for i in desk_instants(store, [v.id for v in made]) if i[1] < cut]
        assert first == [i for i in desk_instants(other, ids) if i[1] < cut]
    finally:
        other.dispose()


# -- generated series ---------------------------------------------------------------

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Sao_Paulo",
         "Pacific/Chatham", "Asia/Kolkata", "Europe/London", "America/St_Johns"]
TIMES = [time(0, 0), time(1, 30), time(2, 0), time(2, 30), time(9, 15), time(18), time(23, 45)]


@st.composite
def specs(draw):
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 3))}"]
    if freq in ("DAILY", "WEEKLY") and draw(st.booleans()):
        days = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1, max_size=4))
        parts.append("BYDAY=" + ",".join(sorted(days, key=WEEKDAYS.index)))
    if freq == "MONTHLY":
        kind = draw(st.sampled_from(["nth", "monthday", "setpos", "none"]))
        if kind == "nth":
            parts.append(f"BYDAY={draw(st.sampled_from([1, 2, -1]))}"
                         f"{draw(st.sampled_from(WEEKDAYS))}")
        elif kind == "monthday":
            parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 15, 30, -1]))}")
        elif kind == "setpos":
            parts.append(f"BYDAY=MO,TU,WE,TH,FR;BYSETPOS={draw(st.sampled_from([1, -1]))}")
    if freq == "YEARLY" and draw(st.booleans()):
        parts.append(f"BYMONTH={draw(st.integers(1, 12))}")
        parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 28]))}")
    end = draw(st.sampled_from(["count", "until", "none"]))
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 20))}")
    elif end == "until":
        parts.append(f"UNTIL={draw(st.dates(date(2025, 3, 1), date(2026, 12, 31))):%Y%m%d}")
    chosen = draw(st.lists(st.sampled_from(TIMES), min_size=1, max_size=3, unique=True))
    times = []
    for at in chosen:
        days = draw(st.one_of(st.none(), st.sets(st.integers(0, 6), min_size=1, max_size=6)))
        times.append((at, frozenset(days) if days else None))
    return {"rrule": ";".join(parts), "times": times, "tz": draw(st.sampled_from(ZONES)),
            "start": draw(st.dates(date(2025, 1, 2), date(2026, 6, 30))),
            "cancel": draw(st.integers(0, 5)), "move": draw(st.integers(0, 5)),
            "shift": draw(st.sampled_from([-90, 30, 24 * 60]))}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec=specs())
def test_generated_series_match_the_expander(spec):
    store = open_store(":memory:", clock=lambda: NOW)
    try:
        hub = hubs.create_hub(store, "H", spec["tz"])
        try:
            view = series.create_series(store, hub_id=hub.id, name="G", start=spec["start"],
                                        rrule=spec["rrule"], duration_minutes=30,
                                        times=spec["times"], horizon_weeks=12)
        except DeskError:
            return  # a rule that plans nothing or too much is refused before export
        occs = occurrences.list_occurrences(store, view.id)
        if len(occs) > spec["cancel"]:
            occurrences.cancel_occurrence(store, occs[spec["cancel"]].id)
        if len(occs) > spec["move"] and spec["move"] != spec["cancel"]:
            local = datetime.fromisoformat(occs[spec["move"]].start).replace(tzinfo=None)
            try:
                occurrences.move_occurrence(store, occs[spec["move"]].id,
                                            local + timedelta(minutes=spec["shift"]))
            except DeskError:
                pass  # a clash with another occurrence
        check(store, [view.id], export_ics(store, None, series_id=view.id))
    finally:
        store.dispose()


def test_every_day_in_december_five_times_stays_five_elsewhere(store, hub):
    view = make(store, hub, "FREQ=DAILY;BYMONTH=12;COUNT=5", [(time(9), None)],
                start=date(2025, 1, 6))
    text = export_ics(store, None, series_id=view.id)
    mine = desk_instants(store, [view.id])
    assert [m[0][:10] for m in mine] == [f"2025-12-0{d}" for d in range(1, 6)]
    far = datetime(2035, 1, 1, tzinfo=UTC)  # well past the last instance
    assert expander_instants(text, datetime(2025, 1, 1, tzinfo=UTC), far) == mine


RULE_SETS = [
    ({"rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=6", "rrules": ["FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3"],
      "rdates": ["2025-01-08T18:00", "2025-01-22"], "exrules": ["FREQ=MONTHLY;BYDAY=1MO"],
      "exdates": ["2025-01-20"]}, [(time(10), None)], "America/New_York"),
    ({"rrule": "FREQ=DAILY;BYDAY=TU,TH", "rdates": ["2025-03-09T02:30"],
      "exdates": ["2025-01-14T10:00"]}, [(time(10), None), (time(2, 30), frozenset({3}))],
     "America/New_York"),
    ({"rrule": "FREQ=HOURLY;INTERVAL=5;COUNT=40"}, [(time(9), None)], "Europe/Berlin"),
    ({"rrule": "FREQ=DAILY;BYHOUR=8,20;BYMINUTE=15;UNTIL=20250401"}, [(time(8, 15), None)],
     "America/New_York"),
    ({"rrule": "FREQ=YEARLY;BYWEEKNO=2,10;BYDAY=MO,FR;COUNT=8"}, [(time(9), None)], "UTC"),
    ({"rrule": "FREQ=YEARLY;BYYEARDAY=10,100,-1;COUNT=6"}, [(time(7), None)], "Asia/Kolkata"),
    ({"rrule": "FREQ=YEARLY;BYDAY=20MO;COUNT=3"}, [(time(7), None)], "Europe/London"),
]


@pytest.mark.parametrize(("parts", "times", "tz"), RULE_SETS,
                         ids=[p["rrule"] for p, _, _ in RULE_SETS])
def test_rule_sets_and_timed_rules_export_as_the_desk_plans_them(store, hub, parts, times, tz):
    parts = dict(parts)
    view = make(store, hub, parts.pop("rrule"), times, tz=tz, start=date(2025, 1, 8),
                horizon_weeks=12, duration=30, **parts)
    occs = occurrences.list_occurrences(store, view.id)
    occurrences.cancel_occurrence(store, occs[1].id)
    text = export_ics(store, None, series_id=view.id)
    check(store, [view.id], text)
    start, stop = window(store, [view.id])
    far = stop + timedelta(days=800) if view.has_end else stop
    assert expander_instants(text, start, far) == desk_instants(store, [view.id])
    if parts.get("rdates"):
        assert "RDATE" in text
    # The rules carry the plan: only the added dates are RDATEs.
    rdates = sum(len(r.dts) for e in icalendar.Calendar.from_ical(text).walk("VEVENT")
                 for r in (e.get("RDATE") if isinstance(e.get("RDATE"), list)
                           else [e["RDATE"]] if "RDATE" in e else []))
    assert rdates <= len(parts.get("rdates", []))
    if parts.get("exrules"):
        assert "EXRULE" in text
    if parts.get("rrules"):
        assert text.count("RRULE:") >= 2
