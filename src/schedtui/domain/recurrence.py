"""Recurrence rules: the RFC 5545 RRULE subset the desk supports, its expansion
in a series' time zone, and its plain-English reading.

Supported: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, INTERVAL, BYDAY (with an ordinal
1..5 or -1..-5 in monthly and yearly rules), BYMONTHDAY (-31..31), BYMONTH,
BYSETPOS, WKST, and an end by COUNT, by UNTIL or none. COUNT counts the rule's
dates; each date holds one occurrence per time of day (slot) that applies to it.

Expansion is bounded: dates are never looked for more than a century past the
start, a finite series may hold at most ``MAX_OCCURRENCES`` and a rule with no
end is only expanded up to a horizon. Hostile rules therefore answer quickly.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from schedtui.domain.errors import DeskError

MAX_OCCURRENCES = 5000
SEARCH_YEARS = 60
DAILY_FILTERED_SEARCH_YEARS = 12
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
FREQS = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY, "YEARLY": du.YEARLY}
_UNSUPPORTED_FREQ = {"SECONDLY", "MINUTELY", "HOURLY"}
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_KEYS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "COUNT", "UNTIL",
         "WKST"}
MAX_INTERVAL = 1000
MAX_COUNT = 1_000_000_000


def _rule_error(message: str) -> DeskError:
    return DeskError("invalid_rule", message)


@dataclass(frozen=True)
class ByDay:
    """A weekday (0 = Monday), optionally the nth of its month (negative: from the end)."""

    weekday: int
    n: int | None = None

    def to_text(self) -> str:
        return f"{self.n if self.n else ''}{WEEKDAYS[self.weekday]}"


@dataclass(frozen=True)
class Rule:
    """A parsed recurrence rule. ``until`` is a local date (inclusive), a naive
    local datetime, or an aware UTC datetime (inclusive)."""

    freq: str
    interval: int = 1
    byday: tuple[ByDay, ...] = ()
    bymonthday: tuple[int, ...] = ()
    bymonth: tuple[int, ...] = ()
    bysetpos: tuple[int, ...] = ()
    count: int | None = None
    until: date | datetime | None = None
    wkst: int = 0

    @property
    def has_end(self) -> bool:
        return self.count is not None or self.until is not None

    # -- text -------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Rule:
        """Parse RRULE text (with or without the ``RRULE:`` prefix). A rule is
        immutable, so the same text gives the same (shared) rule."""
        if not isinstance(text, str):
            raise _rule_error("A recurrence rule is required, such as FREQ=WEEKLY;BYDAY=MO.")
        return _parse_cached(text)

    @classmethod
    def _parse(cls, text: str) -> Rule:
        if not text.strip():
            raise _rule_error("A recurrence rule is required, such as FREQ=WEEKLY;BYDAY=MO.")
        body = text.strip()
        if len(body) > 1000:
            raise _rule_error("The recurrence rule is too long (over 1,000 characters).")
        if body.upper().startswith("RRULE:"):
            body = body[6:]
        parts: dict[str, str] = {}
        for chunk in body.split(";"):
            if not chunk.strip():
                continue
            if "=" not in chunk:
                raise _rule_error(f'"{chunk[:40]}" in the rule is not of the form NAME=VALUE.')
            key, value = chunk.split("=", 1)
            key = key.strip().upper()
            value = value.strip().upper()
            if key not in _KEYS:
                raise _rule_error(f"{key[:40]} is not supported in a series rule.")
            if key in parts:
                raise _rule_error(f"{key} appears twice in the rule.")
            if not value:
                raise _rule_error(f"{key} has no value.")
            parts[key] = value
        if "FREQ" not in parts:
            raise _rule_error("The rule needs a FREQ (DAILY, WEEKLY, MONTHLY or YEARLY).")
        freq = parts["FREQ"]
        if freq in _UNSUPPORTED_FREQ:
            raise _rule_error(f"FREQ={freq} is not supported: series recur by day, week, "
                              "month or year, with times of day set separately.")
        if freq not in FREQS:
            raise _rule_error(f"FREQ={freq[:20]} is not a frequency.")
        interval = _int(parts.get("INTERVAL", "1"), "INTERVAL", 1, MAX_INTERVAL)
        count = _int(parts["COUNT"], "COUNT", 1, MAX_COUNT) if "COUNT" in parts else None
        until = _parse_until(parts["UNTIL"]) if "UNTIL" in parts else None
        if count is not None and until is not None:
            raise _rule_error("A rule may end by COUNT or by UNTIL, not both.")
        byday = tuple(_parse_byday(v) for v in _split(parts.get("BYDAY")))
        bymonthday = tuple(_nonzero(v, "BYMONTHDAY", 31) for v in _split(parts.get("BYMONTHDAY")))
        bymonth = tuple(_int(v, "BYMONTH", 1, 12) for v in _split(parts.get("BYMONTH")))
        bysetpos = tuple(_nonzero(v, "BYSETPOS", 366) for v in _split(parts.get("BYSETPOS")))
        wkst = WEEKDAYS.index(parts["WKST"]) if parts.get("WKST") in WEEKDAYS else 0
        if "WKST" in parts and parts["WKST"] not in WEEKDAYS:
            raise _rule_error(f"WKST={parts['WKST'][:10]} is not a weekday (MO..SU).")
        rule = cls(freq, interval, byday, bymonthday, bymonth, bysetpos, count, until, wkst)
        rule.check()
        return rule

    def check(self) -> None:
        """Refuse combinations RFC 5545 forbids or the desk cannot plan."""
        if self.freq not in FREQS:
            raise _rule_error(f"FREQ={self.freq} is not supported.")
        if not 1 <= self.interval <= MAX_INTERVAL:
            raise _rule_error(f"INTERVAL must be 1..{MAX_INTERVAL}.")
        if self.count is not None and self.count < 1:
            raise _rule_error("COUNT must be at least 1.")
        if self.count is not None and self.until is not None:
            raise _rule_error("A rule may end by COUNT or by UNTIL, not both.")
        ordinals = [d for d in self.byday if d.n]
        if ordinals:
            if self.freq not in ("MONTHLY", "YEARLY"):
                raise _rule_error("A numbered weekday (like 1TU) needs FREQ=MONTHLY or YEARLY.")
            if self.freq == "YEARLY" and not self.bymonth:
                raise _rule_error("A numbered weekday in a yearly rule needs BYMONTH.")
            for d in ordinals:
                if not (1 <= d.n <= 5 or -5 <= d.n <= -1):
                    raise _rule_error(f"{d.to_text()}: the weekday number must be 1..5 or -1..-5.")
        if self.bymonthday and self.freq == "WEEKLY":
            raise _rule_error("BYMONTHDAY cannot be used with FREQ=WEEKLY.")
        if self.bysetpos and not (self.byday or self.bymonthday or self.bymonth):
            raise _rule_error("BYSETPOS needs BYDAY, BYMONTHDAY or BYMONTH beside it.")
        if len(set(self.byday)) != len(self.byday):
            raise _rule_error("A weekday is listed twice in BYDAY.")

    def impossible(self) -> bool:
        """True when no date can ever match (checked without expanding)."""
        months = self.bymonth or range(1, 13)
        if self.bymonthday and not any(
            abs(d) <= _MONTH_DAYS[m - 1] for d in self.bymonthday for m in months
        ):
            return True
        largest = _PERIOD_DAYS[self.freq]
        return bool(self.bysetpos) and all(abs(p) > largest for p in self.bysetpos)

    def to_text(self) -> str:
        """Canonical RRULE text (without the ``RRULE:`` prefix)."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.byday:
            parts.append("BYDAY=" + ",".join(d.to_text() for d in self.byday))
        if self.bymonthday:
            parts.append("BYMONTHDAY=" + ",".join(map(str, self.bymonthday)))
        if self.bymonth:
            parts.append("BYMONTH=" + ",".join(map(str, self.bymonth)))
        if self.bysetpos:
            parts.append("BYSETPOS=" + ",".join(map(str, self.bysetpos)))
        if self.wkst:
            parts.append(f"WKST={WEEKDAYS[self.wkst]}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            parts.append(f"UNTIL={format_until(self.until)}")
        return ";".join(parts)

    def without_end(self) -> Rule:
        return replace(self, count=None, until=None)

    def ending_on(self, last_day: date) -> Rule:
        return replace(self, count=None, until=last_day)


def format_until(until: date | datetime) -> str:
    if isinstance(until, datetime):
        if until.tzinfo is not None:
            return until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return until.strftime("%Y%m%dT%H%M%S")
    return until.strftime("%Y%m%d")


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",")] if value else []


def _int(value: str, key: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[+-]?\d{1,10}", value):
        raise _rule_error(f"{key}={value[:20]} is not a whole number.")
    number = int(value)
    if not low <= number <= high:
        raise _rule_error(f"{key} must be {low}..{high}; got {number}.")
    return number


def _nonzero(value: str, key: str, bound: int) -> int:
    number = _int(value, key, -bound, bound)
    if number == 0:
        raise _rule_error(f"{key} cannot be 0.")
    return number


def _parse_byday(value: str) -> ByDay:
    match = _BYDAY.match(value)
    if not match:
        raise _rule_error(f'BYDAY "{value[:20]}" is not a weekday such as MO, 1TU or -1FR.')
    n = int(match.group(1)) if match.group(1) else None
    if n == 0:
        raise _rule_error("A weekday number cannot be 0.")
    return ByDay(WEEKDAYS.index(match.group(2)), n)


def _parse_until(value: str) -> date | datetime:
    try:
        if re.fullmatch(r"\d{8}", value):
            return datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007 - a date
        if re.fullmatch(r"\d{8}T\d{6}Z", value):
            return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if re.fullmatch(r"\d{8}T\d{6}", value):
            return datetime.strptime(value, "%Y%m%dT%H%M%S")  # noqa: DTZ007 - local time
    except ValueError:
        pass
    raise _rule_error(f"UNTIL={value[:30]} is not a date (YYYYMMDD) or a UTC time "
                      "(YYYYMMDDTHHMMSSZ).")


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Rule:
    return Rule._parse(text)


# -- expansion ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """A time of day at which each date of the rule holds an occurrence,
    optionally only on some weekdays (0 = Monday)."""

    at: time
    weekdays: frozenset[int] | None = None
    key: int = 0

    def applies(self, day: date) -> bool:
        return self.weekdays is None or day.weekday() in self.weekdays


class Planned(NamedTuple):
    """One occurrence the rule asks for (a named tuple: a rule makes thousands)."""

    slot: Slot
    day: date
    start: datetime  # aware, in the series' zone, gap-normalised
    start_utc: datetime  # the same instant, aware UTC


@dataclass
class Plan:
    """The result of expanding a rule: the occurrences, and whether it ran to its end."""

    items: list[Planned] = field(default_factory=list)
    complete: bool = True  # False when a rule without end stopped at the horizon


def check_slots(slots: Sequence[Slot]) -> None:
    """Two slots may share a time of day only on disjoint weekdays."""
    if not slots:
        raise DeskError("invalid_value", "A series needs at least one time of day.")
    for i, a in enumerate(slots):
        for b in slots[i + 1:]:
            if a.at.replace(tzinfo=None) != b.at.replace(tzinfo=None):
                continue
            days_a = a.weekdays if a.weekdays is not None else frozenset(range(7))
            days_b = b.weekdays if b.weekdays is not None else frozenset(range(7))
            if days_a & days_b:
                raise DeskError(
                    "invalid_value",
                    f"Two sessions are at {a.at:%H:%M} on the same weekday; a time of day may "
                    "be shared only by sessions on different weekdays.",
                )


def rule_dates(rule: Rule, start: date, through: date | None = None) -> Iterator[date]:
    """The rule's dates on or after ``start`` (COUNT applied), bounded by
    ``through``, the rule's own UNTIL date and a century of search."""
    freq = rule.freq
    filtered = bool(rule.bymonthday or rule.bymonth)
    if freq == "DAILY" and filtered and not rule.bysetpos and rule.interval == 1:
        # The same set of dates; dateutil walks a month at a time instead of a day.
        freq = "MONTHLY"
    years = DAILY_FILTERED_SEARCH_YEARS if freq == "DAILY" and filtered else SEARCH_YEARS
    bound = _add_years(start, years)
    if through is not None:
        bound = min(bound, through)
    if isinstance(rule.until, datetime):
        # Instants are filtered exactly later; a day after covers any zone offset.
        bound = min(bound, rule.until.date() + timedelta(days=1)
                    if rule.until.date() < date.max else date.max)
    elif isinstance(rule.until, date):
        bound = min(bound, rule.until)
    if bound < start:
        return
    kwargs: dict = {
        "dtstart": datetime.combine(start, time()),
        "interval": rule.interval,
        "wkst": rule.wkst,
        "until": datetime.combine(bound, time()),
        "cache": False,
    }
    if rule.byday:
        kwargs["byweekday"] = [du.weekday(d.weekday, d.n) for d in rule.byday]
    if rule.bymonthday:
        kwargs["bymonthday"] = rule.bymonthday
    if rule.bymonth:
        kwargs["bymonth"] = rule.bymonth
    if rule.bysetpos:
        kwargs["bysetpos"] = rule.bysetpos
    produced = 0
    for moment in du.rrule(FREQS[freq], **kwargs):
        yield moment.date()
        produced += 1
        if rule.count is not None and produced >= rule.count:
            return


def expand(
    rule: Rule,
    start: date,
    tz: ZoneInfo,
    slots: Sequence[Slot],
    *,
    horizon: date | None = None,
    limit: int = MAX_OCCURRENCES,
) -> Plan:
    """Expand ``rule`` from ``start`` in ``tz`` at each slot.

    A rule with no end stops at ``horizon`` (required then). A finite rule that
    makes more than ``limit`` occurrences, or any rule that makes none at all,
    is refused with an error that says how many it would make.
    """
    check_slots(slots)
    if rule.impossible():
        raise DeskError("no_occurrences", "This rule can never match a date (for example the "
                        "30th of February); it makes no occurrences.")
    if not rule.has_end and horizon is None:
        raise ValueError("a rule with no end needs a horizon")
    through = None if rule.has_end else horizon
    plan = Plan(complete=rule.has_end)
    # Instants come in rising order but for clock changes and vanished days; only
    # one at or before the latest so far can repeat an earlier one, so the set of
    # earlier instants is built the first time that happens.
    latest: datetime | None = None
    seen: set[datetime] | None = None
    until = rule.until
    walls = [(slot, slot.at.replace(tzinfo=None, fold=0), slot.weekdays) for slot in slots]
    finite = rule.has_end
    for day in rule_dates(rule, start, through):
        for slot, wall, weekdays in walls:
            if weekdays is not None and day.weekday() not in weekdays:
                continue
            # zones.localize, inlined for speed: fold=0 maps a gap time forward by the
            # gap's length and an ambiguous time to the first instant.
            instant = datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)
            moment = instant.astimezone(tz)
            if until is not None and not _within_until(moment, until):
                continue
            if (latest is not None and instant <= latest) or seen is not None:
                if seen is None:
                    seen = {p.start_utc for p in plan.items}
                if instant in seen:  # a vanished day (Pacific/Apia 2011-12-30): the next
                    continue
                seen.add(instant)
            if latest is None or instant > latest:
                latest = instant
            # tuple.__new__ is Planned(...) without its Python-level __new__ (half the cost).
            plan.items.append(_new(Planned, (slot, day, moment, instant)))
        if finite and len(plan.items) > limit:
            raise DeskError(
                "too_many_occurrences",
                f"This rule would make {_estimate(rule, start, tz, slots)} occurrences; a series "
                f"may have at most {limit}. Shorten it with COUNT or UNTIL, or leave it without "
                "an end so it is planned a few weeks at a time.",
            )
    if not plan.items and (rule.has_end or not _ever(rule, start, tz, slots)):
        raise DeskError(
            "no_occurrences",
            "This rule makes no occurrences on or after the start date"
            + (" before its end." if rule.has_end else "."),
        )
    if seen is not None:  # else every instant came after the one before: in order already
        plan.items.sort(key=_BY_START)
    return plan


_BY_START = attrgetter("start_utc")
_new = tuple.__new__


def _within_until(moment: datetime, until: date | datetime) -> bool:
    if isinstance(until, datetime):
        if until.tzinfo is not None:
            return moment <= until
        return moment.replace(tzinfo=None) <= until
    return moment.date() <= until


def _ever(rule: Rule, start: date, tz: ZoneInfo, slots: Sequence[Slot]) -> bool:
    for day in rule_dates(rule, start):
        if any(s.applies(day) for s in slots):
            return True
    return False


def _estimate(rule: Rule, start: date, tz: ZoneInfo, slots: Sequence[Slot]) -> str:
    """How many occurrences a too-large rule would make: exact where cheap."""
    if rule.count is not None and all(s.weekdays is None for s in slots):
        return f"{rule.count * len(slots):,}"
    total = 0
    for index, day in enumerate(rule_dates(rule, start)):
        total += sum(1 for s in slots if s.applies(day))
        if index >= 200_000:
            return f"more than {total:,}"
    return f"{total:,}"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=min(day.year + years, 9999))
    except ValueError:  # 29 February
        return day.replace(year=min(day.year + years, 9999), day=28)


# -- plain English ---------------------------------------------------------

_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last",
             -2: "second to last", -3: "third to last", -4: "fourth to last",
             -5: "fifth to last"}
_WEEKDAY_SET = frozenset(range(5))


def _join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


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
    if rule.bysetpos and rule.byday and not any(d.n for d in rule.byday):
        target = _weekdays_phrase(rule.byday)
        return _join([f"the {_ORDINALS.get(p, str(p))} {target}" for p in rule.bysetpos])
    parts = []
    for d in rule.byday:
        parts.append(f"the {_ORDINALS[d.n]} {DAY_NAMES[d.weekday]}" if d.n
                     else f"every {DAY_NAMES[d.weekday]}")
    parts += [_day_of_month(n) for n in rule.bymonthday]
    return _join(parts)


def describe(rule: Rule, times: Sequence[time] = (), start: date | None = None) -> str:
    """Read a rule as plain English: "Every 2 weeks on Friday at 18:30, 6 times"."""
    n = rule.interval
    every = "Every" if n == 1 else f"Every {n}"
    if rule.freq == "DAILY":
        if rule.byday:
            text = f"Every {_weekdays_phrase(rule.byday)}"
            if n > 1:
                text += f", every {n} days"
        else:
            text = "Every day" if n == 1 else f"Every {n} days"
    elif rule.freq == "WEEKLY":
        days = rule.byday or ((ByDay(start.weekday()),) if start else ())
        phrase = _weekdays_phrase(days) if days else ""
        if n == 1:
            text = f"Every {phrase}" if phrase else "Every week"
        else:
            text = f"Every {n} weeks" + (f" on {phrase}" if phrase else "")
    elif rule.freq == "MONTHLY":
        what = _nth_phrase(rule) if (rule.byday or rule.bymonthday) else (
            _day_of_month(start.day) if start else "")
        text = ("Monthly" if n == 1 else f"{every} months") + (f" on {what}" if what else "")
    else:
        months = _join([MONTH_NAMES[m - 1] for m in rule.bymonth]) or (
            MONTH_NAMES[start.month - 1] if start else "")
        if rule.byday or rule.bymonthday:
            what = f"{_nth_phrase(rule)} of {months}" if months else _nth_phrase(rule)
        elif start:
            what = f"{start.day} {months}"
        else:
            what = months
        text = ("Every year" if n == 1 else f"{every} years") + (f" on {what}" if what else "")
    if rule.bymonth and rule.freq != "YEARLY":
        text += " in " + _join([MONTH_NAMES[m - 1] for m in rule.bymonth])
    if times:
        text += " at " + _join([f"{t:%H:%M}" for t in sorted(times)])
    if rule.count is not None:
        text += ", once" if rule.count == 1 else f", {rule.count} times"
    elif isinstance(rule.until, datetime):
        text += f", until {rule.until:%d %B %Y %H:%M}" + (" UTC" if rule.until.tzinfo else "")
    elif isinstance(rule.until, date):
        text += f", until {rule.until.day} {rule.until:%B %Y}"
    return text
