"""Recurrence rules in plain English: what the desk shows beside a rule
("Every Monday at 10:00, 12 times"), from the parsed rule or rule set of
:mod:`schedtui.domain.recurrence`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from schedtui.domain.recurrence import (
    DAY_NAMES,
    MONTH_NAMES,
    TIMED_FREQS,
    ByDay,
    Rule,
    RuleSet,
)

_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last",
             -2: "second to last", -3: "third to last", -4: "fourth to last",
             -5: "fifth to last"}
_WEEKDAY_SET = frozenset(range(5))
_UNITS = {"HOURLY": "hour", "MINUTELY": "minute", "SECONDLY": "second"}


def _join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _nth(n: int) -> str:
    if n in _ORDINALS:
        return _ORDINALS[n]
    if n < 0:
        return f"{_nth(-n)} to last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _day_of_month(n: int) -> str:
    if n == -1:
        return "the last day"
    if n < 0:
        return f"the {_ORDINALS.get(n, str(n))} day"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"the {n}{suffix}"


def _weekdays_phrase(days: Sequence[ByDay]) -> str:
    plain = [d.weekday for d in days if not d.n]
    if not [d for d in days if d.n] and frozenset(plain) == _WEEKDAY_SET:
        return "weekday"
    return _join([DAY_NAMES[w] for w in sorted(plain)])


def _nth_phrase(rule: Rule) -> str:
    if rule.bysetpos and rule.byday and not any(d.n for d in rule.byday) \
            and not rule.bymonthday:
        target = _weekdays_phrase(rule.byday)
        return _join([f"the {_nth(p)} {target}" for p in rule.bysetpos])
    parts = []
    for d in rule.byday:
        parts.append(f"the {_nth(d.n)} {DAY_NAMES[d.weekday]}" if d.n
                     else DAY_NAMES[d.weekday] if rule.byweekno
                     else f"every {DAY_NAMES[d.weekday]}")
    parts += [_day_of_month(n) for n in rule.bymonthday]
    return _join(parts)


def rule_times(rule: Rule, at: time) -> list[time] | None:
    """The times of day a daily-or-longer timed rule names (from BYHOUR,
    BYMINUTE, BYSECOND, the rest from ``at``); None for a sub-daily rule."""
    if rule.freq in TIMED_FREQS:
        return None
    return sorted(time(h, m, s) for h in (rule.byhour or (at.hour,))
                  for m in (rule.byminute or (at.minute,))
                  for s in (rule.bysecond or (at.second,)))


def _clock(t: time) -> str:
    return f"{t:%H:%M:%S}" if t.second else f"{t:%H:%M}"


def _sub_daily(rule: Rule) -> str:
    unit = _UNITS[rule.freq]
    text = f"Every {unit}" if rule.interval == 1 else f"Every {rule.interval} {unit}s"
    if rule.byhour:
        text += " in the hours " + _join([f"{h:02d}:00" for h in sorted(rule.byhour)])
    if rule.byminute and rule.freq != "MINUTELY":
        text += ", at minute " + _join([str(m) for m in sorted(rule.byminute)])
    elif rule.byminute:
        text += " in the minutes " + _join([str(m) for m in sorted(rule.byminute)])
    if rule.bysecond:
        text += ", at second " + _join([str(s) for s in sorted(rule.bysecond)])
    days = []
    if rule.byday:
        days.append("on " + _weekdays_phrase(rule.byday))
    if rule.bymonthday:
        days.append("on " + _join([_day_of_month(n) for n in rule.bymonthday]))
    if days:
        text += " " + " ".join(days)
    return text


def _filters(rule: Rule) -> str:
    """The day filters a frequency's own phrase leaves out."""
    text = ""
    if rule.byyearday:
        text += " on the " + _join([_nth(n) for n in rule.byyearday]) + " day of the year"
    if rule.byweekno:
        weeks = [str(n) for n in rule.byweekno if n > 0]
        text += " in " + _join(([("week " if len(weeks) == 1 else "weeks ") + _join(weeks)]
                                if weeks else [])
                               + [f"the {_nth(n)} week" for n in rule.byweekno if n < 0])
    if rule.bymonth and rule.freq != "YEARLY":
        text += " in " + _join([MONTH_NAMES[m - 1] for m in rule.bymonth])
    return text


def describe(rule: Rule | RuleSet, times: Sequence[time] = (), start: date | None = None
             ) -> str:
    """Read a rule or rule set as plain English: "Every 2 weeks on Friday at 18:30, 6 times"."""
    if isinstance(rule, RuleSet):
        return _describe_set(rule, times, start)
    n = rule.interval
    every = "Every" if n == 1 else f"Every {n}"
    if rule.freq in TIMED_FREQS:
        text = _sub_daily(rule)
        if times:
            text += ", from " + _join([_clock(t) for t in sorted(times)])
    else:
        if rule.freq == "DAILY":
            if rule.byday:
                text = f"Every {_weekdays_phrase(rule.byday)}"
                if n > 1:
                    text += f", every {n} days"
            else:
                text = "Every day" if n == 1 else f"Every {n} days"
            if rule.bymonthday:
                text += " on " + _join([_day_of_month(d) for d in rule.bymonthday])
        elif rule.freq == "WEEKLY":
            days = rule.byday or ((ByDay(start.weekday()),) if start else ())
            phrase = _weekdays_phrase(days) if days else ""
            if n == 1:
                text = f"Every {phrase}" if phrase else "Every week"
            else:
                text = f"Every {n} weeks" + (f" on {phrase}" if phrase else "")
            if rule.bymonthday:
                text += " on " + _join([_day_of_month(d) for d in rule.bymonthday])
        elif rule.freq == "MONTHLY":
            what = _nth_phrase(rule) if (rule.byday or rule.bymonthday) else (
                _day_of_month(start.day) if start and not (rule.byyearday or rule.byweekno)
                else "")
            text = ("Monthly" if n == 1 else f"{every} months") + (f" on {what}" if what else "")
        else:
            months = _join([MONTH_NAMES[m - 1] for m in rule.bymonth])
            if rule.byday or rule.bymonthday:
                what = f"{_nth_phrase(rule)} of {months}" if months else _nth_phrase(rule)
                if not months and not rule.bymonthday and not rule.byweekno and \
                        any(d.n for d in rule.byday):
                    what += " of the year"
            elif rule.byyearday or rule.byweekno:
                what = f"in {months}" if months else ""
            elif start:
                what = f"{start.day} {months or MONTH_NAMES[start.month - 1]}"
                if months and len(rule.bymonth) > 1:
                    what = f"{_day_of_month(start.day)} of {months}"
            else:
                what = months
            text = ("Every year" if n == 1 else f"{every} years") + (
                f" {what}" if what.startswith("in ") else f" on {what}" if what else "")
        text += _filters(rule)
        if rule.bysetpos and not (rule.freq == "MONTHLY" and rule.byday
                                  and not rule.bymonthday):
            if rule.freq != "YEARLY" or not rule.byday:
                text += ", keeping the " + _join([_nth(p) for p in rule.bysetpos]) + \
                    f" of each {_period(rule)}"
        own = rule_times(rule, times[0]) if rule.timed and times else None
        shown = own if own is not None else (list(times) if not rule.timed else [])
        if rule.timed and own is None:
            text += " at " + _join([f"{h:02d}" for h in rule.byhour]) + " o'clock"
        if shown:
            text += " at " + _join([_clock(t) for t in sorted(shown)])
    if rule.freq in TIMED_FREQS:
        text += _filters(rule)
    if rule.count is not None:
        text += ", once" if rule.count == 1 else f", {rule.count} times"
    elif isinstance(rule.until, datetime):
        text += f", until {rule.until:%d %B %Y %H:%M}" + (" UTC" if rule.until.tzinfo else "")
    elif isinstance(rule.until, date):
        text += f", until {rule.until.day} {rule.until:%B %Y}"
    return text


def _period(rule: Rule) -> str:
    return {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}.get(
        rule.freq, _UNITS.get(rule.freq, "period"))


def _moment_text(moment: date | datetime) -> str:
    if isinstance(moment, datetime):
        return f"{moment.day} {moment:%B %Y} at {_clock(moment.time())}"
    return f"{moment.day} {moment:%B %Y}"


def _describe_set(rules: RuleSet, times: Sequence[time], start: date | None) -> str:
    text = describe(rules.main, times, start)
    for extra in rules.rrules[1:]:
        text += "; and " + _lower(describe(extra, times, start))
    if rules.rdates:
        text += "; also on " + _join([_moment_text(m) for m in rules.rdates[:5]])
        if len(rules.rdates) > 5:
            text += f" and {len(rules.rdates) - 5} more dates"
    for ex in rules.exrules:
        text += "; except " + _lower(describe(ex, times, start))
    if rules.exdates:
        text += "; except on " + _join([_moment_text(m) for m in rules.exdates[:5]])
        if len(rules.exdates) > 5:
            text += f" and {len(rules.exdates) - 5} more dates"
    return text


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]
