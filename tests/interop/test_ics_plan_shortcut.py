"""The export's shortcut: where ``plan_is_calendars`` says the exported rule of a
slot makes exactly the slot's planned instances, expanding that rule as a
calendar would (from the slot's first instance) must give those instances."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from schedtui.domain.errors import DeskError
from schedtui.domain.recurrence import Rule, RuleSet, Slot, expand
from schedtui.interop.ics import plan_is_calendars, slot_rule

RULES = [
    "FREQ=DAILY;COUNT=40",
    "FREQ=DAILY;INTERVAL=3;COUNT=30",
    "FREQ=DAILY;BYMONTH=3,10",
    "FREQ=WEEKLY;COUNT=25",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=50",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
    "FREQ=WEEKLY;BYDAY=SA,SU;UNTIL=20270301",
    "FREQ=MONTHLY;COUNT=12",
    "FREQ=MONTHLY;BYDAY=2TU,-1FR",
    "FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR",
    "FREQ=MONTHLY;BYMONTHDAY=1,15,-1",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    "FREQ=YEARLY;COUNT=5",
    "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "FREQ=YEARLY;BYYEARDAY=1,100,200",
    "FREQ=YEARLY;BYWEEKNO=10,20;BYDAY=MO,TH",
    "FREQ=YEARLY;BYWEEKNO=12",
]
WEEKDAYS = [None, frozenset({0}), frozenset({1, 3}), frozenset({4, 5, 6}), frozenset(range(6))]
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia"]


def _utc(items):
    return [p.start_utc for p in items]


@pytest.mark.parametrize("text", RULES)
@pytest.mark.parametrize("zone_name", ZONES)
def test_shortcut_matches_the_calendar_expansion(text, zone_name):
    tz = ZoneInfo(zone_name)
    rule = Rule.parse(text)
    checked = 0
    for start in (date(2026, 3, 20), date(2026, 10, 31), date(2011, 12, 25)):
        horizon = start + timedelta(weeks=30)
        for weekdays in WEEKDAYS:
            for at in (time(2, 30), time(9, 0)):  # a DST-gap time and a plain one
                if not plan_is_calendars(rule, start, weekdays):
                    continue
                slot = Slot(at, weekdays, 1)
                try:
                    plan = expand(RuleSet((rule,)), start, tz, [slot], horizon=horizon)
                except DeskError:
                    continue
                if not plan.items:
                    continue
                last = plan.items[-1].start if rule.has_end else None
                exported = slot_rule(rule, start, weekdays, last)
                anchor = plan.items[0]
                calendar = expand(RuleSet((exported,)), anchor.day, tz, [Slot(anchor.at)],
                                  horizon=None if rule.has_end else horizon)
                assert _utc(calendar.items) == _utc(plan.items), (text, start, weekdays, at)
                checked += 1
    if rule.interval == 1 and not rule.bysetpos:
        assert checked  # the shortcut applies to these rules at some slot


def test_shortcut_refused_where_the_export_widens_or_shifts():
    start = date(2026, 1, 5)
    assert not plan_is_calendars(Rule.parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"), start, None)
    assert not plan_is_calendars(
        Rule.parse("FREQ=MONTHLY;BYDAY=MO,FR;BYSETPOS=1"), start, frozenset({0}))
    # BYDAY entries on none of the slot's weekdays: the rule is exported wide
    assert not plan_is_calendars(Rule.parse("FREQ=WEEKLY;BYDAY=MO"), start, frozenset({2}))
    # a BYYEARDAY rule cannot be narrowed to weekdays: exported wide
    assert not plan_is_calendars(Rule.parse("FREQ=YEARLY;BYYEARDAY=5"), start, frozenset({2}))
    assert plan_is_calendars(Rule.parse("FREQ=YEARLY;BYYEARDAY=5"), start, None)
