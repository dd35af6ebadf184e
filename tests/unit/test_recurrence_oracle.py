"""Expansion checked against an independent reading of the same rule: an
iCalendar event expanded by recurring-ical-events."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedtui.domain.errors import DeskError
from schedtui.domain.recurrence import WEEKDAYS, Rule, Slot, expand
from schedtui.domain.zones import zone

recurring_ical_events = pytest.importorskip(
    "recurring_ical_events", reason="the oracle comparisons need recurring-ical-events (the "
    "test extra), absent in the run on what a plain install resolves (see .ci/run)")

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/Sao_Paulo", "Pacific/Chatham", "America/St_Johns", "Europe/London"]
TIMES = [time(0, 0), time(1, 30), time(2, 0), time(2, 30), time(9, 15), time(12, 0),
         time(23, 45)]


@st.composite
def rules(draw):
    freq = draw(st.sampled_from(["DAILY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 3))}"]
    if freq in ("DAILY", "WEEKLY") and draw(st.booleans()):
        days = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1, max_size=4))
        parts.append("BYDAY=" + ",".join(sorted(days, key=WEEKDAYS.index)))
    if freq == "DAILY" and draw(st.booleans()):  # every day of some months (issue 13)
        months = draw(st.sets(st.integers(1, 12), min_size=1, max_size=3))
        parts.append("BYMONTH=" + ",".join(map(str, sorted(months))))
    if freq == "DAILY" and draw(st.integers(0, 3)) == 0:
        parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 13, 29, 31, -1]))}")
    if freq == "MONTHLY":
        kind = draw(st.sampled_from(["nth", "monthday", "setpos", "none"]))
        if kind == "nth":
            n = draw(st.sampled_from([1, 2, 3, 4, -1]))
            parts.append(f"BYDAY={n}{draw(st.sampled_from(WEEKDAYS))}")
        elif kind == "monthday":
            parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 5, 15, 28, 30, 31, -1]))}")
        elif kind == "setpos":
            days = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1, max_size=5))
            parts.append("BYDAY=" + ",".join(sorted(days, key=WEEKDAYS.index)))
            parts.append(f"BYSETPOS={draw(st.sampled_from([1, 2, -1, -2]))}")
    if freq == "WEEKLY" and any(p.startswith("BYDAY") for p in parts) and draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.sampled_from([1, -1]))}")
    if freq == "YEARLY" and draw(st.booleans()):
        parts.append(f"BYMONTH={draw(st.integers(1, 12))}")
        parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 10, 28, -1]))}")
    count = draw(st.one_of(st.integers(1, 25), st.integers(26, 400),
                           st.sampled_from([1000, 4999, 5000])))
    parts.append(f"COUNT={count}")
    return ";".join(parts)


def oracle(rule: Rule, first: datetime, count_window: datetime) -> list[datetime]:
    cal = icalendar.Calendar()
    event = icalendar.Event()
    event.add("uid", "x@test")
    event.add("dtstart", first)
    event.add("dtend", first + timedelta(minutes=30))
    event.add("rrule", icalendar.vRecur.from_ical(rule.to_text()))
    cal.add_component(event)
    found = recurring_ical_events.of(cal).between(first - timedelta(days=1), count_window)
    return sorted(e["DTSTART"].dt for e in found)


# Far past any instance the engine could have stopped short of: a rule cut by a
# search limit (60 years, once) shows up as instances the oracle has and it lacks.
FAR = datetime(2400, 1, 1, tzinfo=UTC)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=rules(), tz=st.sampled_from(ZONES), at=st.sampled_from(TIMES),
       start=st.dates(date(2019, 1, 1), date(2030, 12, 31)))
def test_expansion_matches_an_independent_expander(text, tz, at, start):
    rule = Rule.parse(text)
    try:
        mine = expand(rule, start, zone(tz), [Slot(at)]).items
    except DeskError as exc:  # a rule that makes none is refused; the oracle must agree
        if exc.code == "invalid_rule":  # a COUNT the calendar cannot reach before 9999
            assert f"COUNT={rule.count} cannot be reached" in exc.message
            return
        assert exc.code == "no_occurrences"
        first = datetime.combine(start, at, zone(tz))
        # recurring-ical-events counts DTSTART as an instance even when the rule never
        # names it (RFC 5545 leaves that undefined); the desk, like dateutil, does not.
        theirs = oracle(rule, first, datetime(2200, 1, 1, tzinfo=UTC))
        assert [t for t in theirs if t != first] == []
        return
    first = datetime.combine(mine[0].day, at, zone(tz))
    theirs = oracle(rule, first, max(FAR, mine[-1].start_utc + timedelta(days=400)))
    assert len(mine) == rule.count
    assert [t.astimezone(UTC) for t in theirs] == [m.start_utc for m in mine]
    for t, m in zip(theirs, mine, strict=True):
        wall = datetime.combine(m.day, at)
        if m.start.replace(tzinfo=None) == wall:  # outside a DST gap
            assert t.replace(tzinfo=None) == wall


def test_oracle_agrees_on_the_new_york_mondays():
    rule = Rule.parse("FREQ=WEEKLY;BYDAY=MO;COUNT=12")
    mine = expand(rule, date(2025, 1, 6), zone("America/New_York"), [Slot(time(10))]).items
    first = datetime(2025, 1, 6, 10, tzinfo=zone("America/New_York"))
    theirs = oracle(rule, first, datetime(2026, 1, 1, tzinfo=UTC))
    assert [t.astimezone(UTC) for t in theirs] == [m.start_utc for m in mine]
