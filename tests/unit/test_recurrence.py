"""The recurrence rules, as tables: expansion in a zone, DST, odd calendars, English."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta

import pytest

from schedtui.domain.describe import describe
from schedtui.domain.errors import DeskError
from schedtui.domain.recurrence import Rule, Slot, expand
from schedtui.domain.zones import zone


def run(rrule: str, start: date, tz: str, *times: time, horizon: date | None = None):
    slots = [Slot(t, key=i) for i, t in enumerate(times or (time(10),))]
    return expand(Rule.parse(rrule), start, zone(tz), slots, horizon=horizon).items


def utc(items) -> list[str]:
    return [p.start_utc.strftime("%Y-%m-%dT%H:%MZ") for p in items]


def local(items) -> list[str]:
    return [p.start.strftime("%Y-%m-%d %H:%M%z") for p in items]


def test_twelve_mondays_in_new_york_keep_wall_time_across_dst():
    items = run("FREQ=WEEKLY;BYDAY=MO;COUNT=12", date(2025, 1, 6), "America/New_York", time(10))
    assert len(items) == 12
    stamps = utc(items)
    assert stamps[:9] == [f"2025-{d}T15:00Z" for d in (
        "01-06", "01-13", "01-20", "01-27", "02-03", "02-10", "02-17", "02-24", "03-03")]
    assert stamps[9:] == ["2025-03-10T14:00Z", "2025-03-17T14:00Z", "2025-03-24T14:00Z"]
    assert all(p.start.strftime("%H:%M") == "10:00" for p in items)


def test_first_tuesday_monthly_in_los_angeles():
    items = run("FREQ=MONTHLY;BYDAY=1TU;COUNT=6", date(2025, 2, 1), "America/Los_Angeles",
                time(14))
    assert [p.day.isoformat() for p in items] == [
        "2025-02-04", "2025-03-04", "2025-04-01", "2025-05-06", "2025-06-03", "2025-07-01"]
    assert utc(items)[:2] == ["2025-02-04T22:00Z", "2025-03-04T22:00Z"]
    assert utc(items)[2] == "2025-04-01T21:00Z"


def test_setpos_form_of_nth_weekday_is_the_same():
    a = run("FREQ=MONTHLY;BYDAY=1TU;COUNT=6", date(2025, 2, 1), "UTC")
    b = run("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1;COUNT=6", date(2025, 2, 1), "UTC")
    assert utc(a) == utc(b)


def test_monday_wednesday_twice_a_day_without_end_stops_at_horizon():
    items = run("FREQ=WEEKLY;BYDAY=MO,WE", date(2025, 1, 6), "Europe/Berlin", time(9),
                time(17), horizon=date(2025, 1, 19))
    assert local(items) == [
        "2025-01-06 09:00+0100", "2025-01-06 17:00+0100", "2025-01-08 09:00+0100",
        "2025-01-08 17:00+0100", "2025-01-13 09:00+0100", "2025-01-13 17:00+0100",
        "2025-01-15 09:00+0100", "2025-01-15 17:00+0100"]


def test_every_two_weeks_on_friday():
    items = run("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;COUNT=4", date(2025, 1, 1), "UTC", time(18, 30))
    assert [p.day.isoformat() for p in items] == [
        "2025-01-03", "2025-01-17", "2025-01-31", "2025-02-14"]


def test_first_monday_third_wednesday_second_friday_every_two_months():
    items = run("FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO,3WE,2FR;COUNT=6", date(2025, 1, 1), "UTC")
    assert [p.day.isoformat() for p in items] == [
        "2025-01-06", "2025-01-10", "2025-01-15", "2025-03-03", "2025-03-14", "2025-03-19"]


def test_every_weekday():
    items = run("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=7", date(2025, 1, 3), "UTC")
    assert [p.day.isoformat() for p in items] == [
        "2025-01-03", "2025-01-06", "2025-01-07", "2025-01-08", "2025-01-09", "2025-01-10",
        "2025-01-13"]


@pytest.mark.parametrize(("tz", "day", "at", "expected"), [
    # Spring forward: the missing wall time moves forward by the gap's length.
    ("America/New_York", date(2025, 3, 9), time(2, 30), "2025-03-09 03:30-0400"),
    ("Europe/Berlin", date(2025, 3, 30), time(2, 15), "2025-03-30 03:15+0200"),
    ("Australia/Lord_Howe", date(2025, 10, 5), time(2, 10), "2025-10-05 02:40+1100"),
    ("Australia/Sydney", date(2025, 10, 5), time(2, 30), "2025-10-05 03:30+1100"),
    # Fall back: an ambiguous wall time takes the first (daylight) instant.
    ("America/New_York", date(2025, 11, 2), time(1, 30), "2025-11-02 01:30-0400"),
    ("Europe/Berlin", date(2025, 10, 26), time(2, 30), "2025-10-26 02:30+0200"),
    ("Australia/Lord_Howe", date(2025, 4, 6), time(1, 45), "2025-04-06 01:45+1100"),
])
def test_dst_gaps_and_folds(tz, day, at, expected):
    items = run("FREQ=DAILY;COUNT=1", day, tz, at)
    assert local(items) == [expected]


def test_gap_day_in_a_daily_series_keeps_neighbours_at_wall_time():
    items = run("FREQ=DAILY;COUNT=3", date(2025, 3, 8), "America/New_York", time(2, 30))
    assert local(items) == ["2025-03-08 02:30-0500", "2025-03-09 03:30-0400",
                            "2025-03-10 02:30-0400"]


def test_a_vanished_day_never_makes_two_occurrences_at_one_instant():
    items = run("FREQ=DAILY;COUNT=3", date(2011, 12, 29), "Pacific/Apia", time(10))
    instants = [p.start_utc for p in items]
    assert len(instants) == len(set(instants))
    assert local(items) == ["2011-12-29 10:00-1000", "2011-12-31 10:00+1400"]


def test_the_31st_skips_short_months():
    items = run("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4", date(2025, 1, 1), "UTC")
    assert [p.day.isoformat() for p in items] == [
        "2025-01-31", "2025-03-31", "2025-05-31", "2025-07-31"]


def test_last_day_of_month():
    items = run("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", date(2024, 1, 15), "UTC")
    assert [p.day.isoformat() for p in items] == ["2024-01-31", "2024-02-29", "2024-03-31"]


def test_february_29_only_in_leap_years():
    items = run("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=3", date(2023, 1, 1), "UTC")
    assert [p.day.isoformat() for p in items] == ["2024-02-29", "2028-02-29", "2032-02-29"]


def test_last_weekday_of_the_month():
    items = run("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", date(2025, 5, 1), "UTC")
    assert [p.day.isoformat() for p in items] == ["2025-05-30", "2025-06-30", "2025-07-31"]


def test_last_friday_of_the_month():
    items = run("FREQ=MONTHLY;BYDAY=-1FR;COUNT=2", date(2025, 1, 1), "UTC")
    assert [p.day.isoformat() for p in items] == ["2025-01-31", "2025-02-28"]


def test_until_date_is_inclusive_in_the_series_zone():
    items = run("FREQ=DAILY;UNTIL=20250103", date(2025, 1, 1), "Asia/Tokyo", time(23))
    assert [p.day.isoformat() for p in items] == ["2025-01-01", "2025-01-02", "2025-01-03"]


def test_until_in_utc_is_an_instant():
    # 10:00 New York is 15:00Z in January: an UNTIL of 15:00Z keeps Jan 3, 14:59Z would not.
    kept = run("FREQ=DAILY;UNTIL=20250103T150000Z", date(2025, 1, 1), "America/New_York")
    cut = run("FREQ=DAILY;UNTIL=20250103T145900Z", date(2025, 1, 1), "America/New_York")
    assert len(kept) == 3 and len(cut) == 2


def test_occurrences_are_on_or_after_start_even_if_start_does_not_match():
    items = run("FREQ=WEEKLY;BYDAY=MO;COUNT=2", date(2025, 1, 1), "UTC")
    assert [p.day.isoformat() for p in items] == ["2025-01-06", "2025-01-13"]


def test_slot_limited_to_weekdays():
    slots = [Slot(time(9), key=1), Slot(time(17), frozenset({0}), key=2)]
    items = expand(Rule.parse("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=2"), date(2025, 1, 6), zone("UTC"),
                   slots).items
    assert [(p.day.isoformat(), p.slot.key) for p in items] == [
        ("2025-01-06", 1), ("2025-01-06", 2), ("2025-01-08", 1)]


def test_two_slots_at_one_time_need_disjoint_weekdays():
    rule = Rule.parse("FREQ=DAILY;COUNT=2")
    with pytest.raises(DeskError) as err:
        expand(rule, date(2025, 1, 1), zone("UTC"), [Slot(time(9)), Slot(time(9))])
    assert err.value.code == "invalid_value"
    ok = expand(rule, date(2025, 1, 6), zone("UTC"),
                [Slot(time(9), frozenset({0}), key=1), Slot(time(9), frozenset({1}), key=2)])
    assert len(ok.items) == 2


@pytest.mark.parametrize(("text", "english"), [
    ("FREQ=WEEKLY;BYDAY=MO;COUNT=12", "Every Monday at 10:00, 12 times"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;COUNT=6", "Every 2 weeks on Friday at 10:00, 6 times"),
    ("FREQ=MONTHLY;BYDAY=1TU;COUNT=6", "Monthly on the first Tuesday at 10:00, 6 times"),
    ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "Every weekday at 10:00"),
    ("FREQ=DAILY", "Every day at 10:00"),
    ("FREQ=WEEKLY;BYDAY=MO,WE", "Every Monday and Wednesday at 10:00"),
    ("FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20251231",
     "Monthly on the last day at 10:00, until 31 December 2025"),
    ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "Monthly on the last weekday at 10:00"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "Every year on the 29th of February at 10:00"),
    ("FREQ=DAILY;COUNT=1", "Every day at 10:00, once"),
])
def test_plain_english(text, english):
    assert describe(Rule.parse(text), [time(10)], date(2025, 1, 6)) == english


def test_plain_english_with_two_times():
    rule = Rule.parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;COUNT=6")
    assert describe(rule, [time(18, 30)]) == "Every 2 weeks on Friday at 18:30, 6 times"
    assert describe(Rule.parse("FREQ=WEEKLY;BYDAY=MO,WE"), [time(17), time(9)]) == \
        "Every Monday and Wednesday at 09:00 and 17:00"


@pytest.mark.parametrize("text", [
    "FREQ=WEEKLY;BYDAY=MO;COUNT=12", "FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO,3WE,2FR;COUNT=6",
    "FREQ=DAILY;UNTIL=20250103T150000Z", "FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20251231",
    "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;WKST=SU",
])
def test_rrule_text_round_trips(text):
    assert Rule.parse(Rule.parse(text).to_text()) == Rule.parse(text)
    assert Rule.parse("RRULE:" + text.lower()) == Rule.parse(text)


@pytest.mark.parametrize(("text", "code"), [
    ("", "invalid_rule"),
    ("FREQ=WEEKLY;INTERVAL=0", "invalid_rule"),
    ("FREQ=WEEKLY;INTERVAL=-2", "invalid_rule"),
    ("FREQ=DAILY;BYEASTER=0", "invalid_rule"),
    ("FREQ=DAILY;BYSECOND=60", "invalid_rule"),
    ("FREQ=FORTNIGHTLY", "invalid_rule"),
    ("BYDAY=MO", "invalid_rule"),
    ("FREQ=WEEKLY;BYDAY=XX", "invalid_rule"),
    ("FREQ=WEEKLY;BYDAY=1MO", "invalid_rule"),
    ("FREQ=MONTHLY;BYDAY=6MO", "invalid_rule"),
    ("FREQ=MONTHLY;BYMONTHDAY=0", "invalid_rule"),
    ("FREQ=MONTHLY;BYMONTHDAY=32", "invalid_rule"),
    ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=1MO", "invalid_rule"),
    ("FREQ=YEARLY;BYMONTH=3;BYDAY=6MO", "invalid_rule"),
    ("FREQ=DAILY;COUNT=3;UNTIL=20250101", "invalid_rule"),
    ("FREQ=DAILY;COUNT=0", "invalid_rule"),
    ("FREQ=DAILY;UNTIL=2025-01-01", "invalid_rule"),
    ("FREQ=DAILY;BYHOUR=24", "invalid_rule"),
    ("FREQ=HOURLY;BYDAY=1MO", "invalid_rule"),
    ("FREQ=DAILY;FREQ=WEEKLY", "invalid_rule"),
    ("FREQ=DAILY;COUNT", "invalid_rule"),
    ("FREQ=DAILY;BYSETPOS=1", "invalid_rule"),
])
def test_malformed_rules_are_refused(text, code):
    with pytest.raises(DeskError) as err:
        Rule.parse(text)
    assert err.value.code == code


@pytest.mark.parametrize(("text", "code"), [
    ("FREQ=DAILY;COUNT=1000000000", "too_many_occurrences"),
    ("FREQ=SECONDLY;COUNT=1000000000", "too_many_occurrences"),
    ("FREQ=MINUTELY;UNTIL=99991231", "too_many_occurrences"),
    ("FREQ=DAILY;INTERVAL=7;BYDAY=TU;COUNT=3", "no_occurrences"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;INTERVAL=4;COUNT=5000", "no_occurrences"),
    ("FREQ=DAILY;UNTIL=99991231", "too_many_occurrences"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=5", "no_occurrences"),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", "no_occurrences"),
    ("FREQ=DAILY;INTERVAL=3;BYMONTH=4;BYMONTHDAY=31;COUNT=2", "no_occurrences"),
    ("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=9;COUNT=2", "no_occurrences"),
    ("FREQ=DAILY;UNTIL=20200101", "no_occurrences"),
    ("FREQ=MONTHLY;BYDAY=5FR;BYMONTH=2;INTERVAL=12;COUNT=40", "no_occurrences"),
])
def test_hostile_rules_answer_quickly(text, code):
    started = clock.perf_counter()
    with pytest.raises(DeskError) as err:
        run(text, date(2025, 1, 1), "UTC", horizon=date(2026, 1, 1))
    assert err.value.code == code
    assert clock.perf_counter() - started < 5  # generous: the figure is well under a second


def test_too_many_says_how_many():
    with pytest.raises(DeskError) as err:
        run("FREQ=DAILY;COUNT=6000", date(2025, 1, 1), "UTC", time(9), time(17))
    assert "12,000" in err.value.message


def test_utc_instants_are_aware():
    items = run("FREQ=DAILY;COUNT=1", date(2025, 6, 1), "Asia/Kolkata", time(9))
    assert items[0].start_utc == datetime(2025, 6, 1, 3, 30, tzinfo=UTC)


def test_times_of_day_text():
    from schedtui.domain.parse import parse_times

    specs = parse_times("09:00/MO+WE=12@Ilse Brandt, 17:30=unlimited,08:15")
    assert [s.label() for s in specs] == ["09:00/MO+WE=12@Ilse Brandt", "17:30=unlimited",
                                          "08:15"]
    assert specs[1].capacity is None and specs[1].fixed_capacity
    for bad in ("", "9", "24:00", "09:00/XX", "09:00=0", "09:00=lots"):
        with pytest.raises(DeskError):
            parse_times(bad)


def test_occurrences_come_in_time_order_whatever_the_order_of_the_slots():
    items = run("FREQ=DAILY;COUNT=2", date(2025, 3, 10), "America/New_York", time(17), time(9))
    assert local(items) == ["2025-03-10 09:00-0400", "2025-03-10 17:00-0400",
                            "2025-03-11 09:00-0400", "2025-03-11 17:00-0400"]


def test_a_time_moved_out_of_the_spring_gap_takes_its_place_in_time_order():
    # 02:30 does not exist on 9 March 2025 in New York: it becomes 03:30, after 03:15.
    items = run("FREQ=DAILY;COUNT=2", date(2025, 3, 9), "America/New_York", time(2, 30),
                time(3, 15))
    assert local(items) == ["2025-03-09 03:15-0400", "2025-03-09 03:30-0400",
                            "2025-03-10 02:30-0400", "2025-03-10 03:15-0400"]


def test_utc_text_is_to_the_second_and_ends_in_z():
    from schedtui.domain.zones import iso_utc

    assert iso_utc(datetime(2025, 6, 1, 3, 30, 5, 999_999)) == "2025-06-01T03:30:05Z"
    assert iso_utc(datetime(2025, 6, 1, 3, 30, tzinfo=UTC)) == "2025-06-01T03:30:00Z"
    berlin = datetime(2025, 6, 1, 5, 30, 1, 5, tzinfo=zone("Europe/Berlin"))
    assert iso_utc(berlin) == "2025-06-01T03:30:01Z"


# -- wrong answers of the earlier engine (issue 13), each against dateutil's own reading --


def dateutil_days(text: str, start: date, count: int | None = None) -> list[str]:
    """The dates python-dateutil gives for the same rule from midnight on ``start``."""
    from dateutil.rrule import rrulestr

    rule = rrulestr(text, dtstart=datetime.combine(start, time()), cache=False)
    out = []
    for moment in rule:
        out.append(moment.date().isoformat())
        if count is not None and len(out) >= count:
            break
    return out


def test_daily_with_bymonth_is_every_day_of_those_months():
    items = run("FREQ=DAILY;COUNT=3;BYMONTH=1,3", date(1997, 9, 2), "UTC", time(9))
    assert [p.day.isoformat() for p in items] == ["1998-01-01", "1998-01-02", "1998-01-03"]
    feb = run("FREQ=DAILY;BYMONTH=2;COUNT=5", date(2025, 1, 30), "UTC")
    assert [p.day.isoformat() for p in feb] == [f"2025-02-0{d}" for d in range(1, 6)]
    summer = run("FREQ=DAILY;BYMONTH=7,8;COUNT=10", date(2025, 6, 1), "UTC")
    assert [p.day.isoformat() for p in summer] == [f"2025-07-{d:02d}" for d in range(1, 11)]
    december = run("FREQ=DAILY;BYMONTH=12;INTERVAL=3;COUNT=15", date(2025, 1, 1), "UTC")
    assert [p.day.isoformat() for p in december] == dateutil_days(
        "FREQ=DAILY;BYMONTH=12;INTERVAL=3;COUNT=15", date(2025, 1, 1))


@pytest.mark.parametrize(("text", "start"), [
    ("FREQ=YEARLY;COUNT=100", date(2025, 1, 1)),
    ("FREQ=YEARLY;INTERVAL=100;COUNT=3", date(1997, 9, 2)),
    ("FREQ=DAILY;INTERVAL=2;BYMONTHDAY=1;COUNT=200", date(2025, 1, 1)),
    ("FREQ=DAILY;INTERVAL=5;BYDAY=FR;BYMONTHDAY=13;COUNT=10", date(2003, 9, 25)),
    ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=29;COUNT=30", date(2025, 1, 1)),
    ("FREQ=DAILY;BYDAY=MO;BYMONTHDAY=13;BYMONTH=2;COUNT=12", date(2025, 1, 1)),
])
def test_count_is_never_cut_by_a_search_limit(text, start):
    items = run(text, start, "UTC")
    rule = Rule.parse(text)
    assert len(items) == rule.count
    assert [p.day.isoformat() for p in items] == dateutil_days(text, start, rule.count)


def test_a_count_the_calendar_cannot_reach_is_refused_saying_so():
    with pytest.raises(DeskError) as err:  # 29 February on a Monday, every 4 years: 2044 ...
        run("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=4000", date(2025, 1, 1), "UTC")
    assert err.value.code == "invalid_rule" and "COUNT=4000" in err.value.message


def test_daily_with_a_month_day_reads_the_day():
    rule = Rule.parse("FREQ=DAILY;INTERVAL=2;BYMONTHDAY=1")
    assert describe(rule, [time(10)]) == "Every 2 days on the 1st at 10:00"


@pytest.mark.parametrize(("text", "english"), [
    ("FREQ=HOURLY;INTERVAL=5;COUNT=10", "Every 5 hours, from 10:00, 10 times"),
    ("FREQ=DAILY;BYHOUR=6,18", "Every day at 06:00 and 18:00"),
    ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0,30", "Every day at 09:00 and 09:30"),
    ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "Every year on Monday in week 20 at 10:00"),
    ("FREQ=YEARLY;BYYEARDAY=1,100,-1",
     "Every year on the first, 100th and last day of the year at 10:00"),
    ("FREQ=YEARLY;BYDAY=20MO", "Every year on the 20th Monday of the year at 10:00"),
    ("FREQ=DAILY;BYMONTH=12;COUNT=5", "Every day in December at 10:00, 5 times"),
    ("FREQ=YEARLY;BYWEEKNO=1,-1", "Every year in week 1 and the last week at 10:00"),
])
def test_plain_english_of_the_newer_parts(text, english):
    assert describe(Rule.parse(text), [time(10)], date(2025, 1, 6)) == english


def test_a_timed_rule_makes_its_own_instants_and_counts_them():
    items = run("FREQ=DAILY;BYHOUR=6,18;COUNT=3", date(2025, 3, 8), "America/New_York",
                time(9))
    assert local(items) == ["2025-03-08 18:00-0500", "2025-03-09 06:00-0400",
                            "2025-03-09 18:00-0400"]
    with pytest.raises(DeskError) as err:  # its times are its own: one time of day only
        run("FREQ=DAILY;BYHOUR=6,18;COUNT=3", date(2025, 3, 8), "UTC", time(9), time(10))
    assert err.value.code == "invalid_rule" and "one time of day" in err.value.message


def test_sessions_that_would_overlap_themselves_are_refused():
    rule = Rule.parse("FREQ=MINUTELY;INTERVAL=20;COUNT=4")
    ok = expand(rule, date(2025, 1, 1), zone("UTC"), [Slot(time(9))],
                duration=timedelta(minutes=20))
    assert len(ok.items) == 4
    with pytest.raises(DeskError) as err:
        expand(rule, date(2025, 1, 1), zone("UTC"), [Slot(time(9))],
               duration=timedelta(minutes=21))
    assert err.value.code == "invalid_rule" and "overlap" in err.value.message
    assert "20 minutes apart" in err.value.message
