"""Recurrence rules: RFC 5545 RRULEs and rule sets, and their expansion in a
series' time zone (their plain-English reading is :mod:`schedtui.domain.describe`).

A series is a rule set (one or more RRULEs, RDATEs, EXRULEs, EXDATEs) and one
or more times of day (slots). A rule with no time-level part (FREQ=DAILY,
WEEKLY, MONTHLY or YEARLY without BYHOUR, BYMINUTE or BYSECOND) is a *date
rule*: it names dates, each date holds one occurrence per slot, and COUNT
counts dates. A rule with a time-level part (FREQ=HOURLY, MINUTELY or
SECONDLY, or BYHOUR, BYMINUTE, BYSECOND) is a *timed rule*: it names instants
itself, the series' one time of day is its DTSTART's (and the default of the
time parts it leaves out), and COUNT counts instants, as RFC 5545 says.

Every rule part of RFC 5545 section 3.3.10 is expanded: FREQ (all seven),
INTERVAL, COUNT, UNTIL, BYSECOND, BYMINUTE, BYHOUR, BYDAY (numbered in
monthly and yearly rules), BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYMONTH, BYSETPOS
and WKST. BYWEEKNO and BYYEARDAY in the frequencies RFC 5545 leaves them out of
(and BYMONTHDAY in a weekly rule) are read as filters, as python-dateutil reads
them. Refused, by name: a numbered weekday outside monthly and yearly rules,
BYEASTER and other non-RFC parts, a leap second (BYSECOND=60), and combinations
that can never match.

Expansion is bounded: a finite rule is searched until its COUNT or UNTIL is
met or the year 9999 ends, and may make at most ``MAX_OCCURRENCES``; a rule
with no end is only expanded up to a horizon. Rules that search long (a
filtered daily rule) are walked a year at a time, so hostile rules answer in
about a second at worst.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from schedtui.domain.errors import DeskError
from schedtui.domain.zones import session_end

MAX_OCCURRENCES = 5000
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
FREQS = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY, "YEARLY": du.YEARLY,
         "HOURLY": du.HOURLY, "MINUTELY": du.MINUTELY, "SECONDLY": du.SECONDLY}
TIMED_FREQS = frozenset({"HOURLY", "MINUTELY", "SECONDLY"})
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_KEYS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "COUNT", "UNTIL",
         "WKST", "BYYEARDAY", "BYWEEKNO", "BYHOUR", "BYMINUTE", "BYSECOND"}
_NOT_RFC = {
    "BYEASTER": "BYEASTER is python-dateutil's own extension, not part of RFC 5545",
    "BYWEEKDAY": "BYWEEKDAY is not an RFC 5545 rule part (BYDAY is)",
    "BYNWEEKDAY": "BYNWEEKDAY is not an RFC 5545 rule part (BYDAY takes 1MO, -1FR)",
    "RSCALE": "RSCALE (non-Gregorian calendars, RFC 7529) is not supported",
    "SKIP": "SKIP (RFC 7529) is not supported",
}
MAX_INTERVAL = 1000  # periods; a sub-daily rule may step as far as 1,000 days
_PER_DAY = {"HOURLY": 24, "MINUTELY": 1440, "SECONDLY": 86400}
MAX_COUNT = 1_000_000_000
LAST_DAY = date(9999, 12, 31)
_END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59)  # noqa: DTZ001 - a wall time


def _rule_error(message: str) -> DeskError:
    return DeskError("invalid_rule", message)


@dataclass(frozen=True)
class ByDay:
    """A weekday (0 = Monday), optionally the nth of its month or year (negative: from the end)."""

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
    byyearday: tuple[int, ...] = ()
    byweekno: tuple[int, ...] = ()
    byhour: tuple[int, ...] = ()
    byminute: tuple[int, ...] = ()
    bysecond: tuple[int, ...] = ()

    @property
    def has_end(self) -> bool:
        return self.count is not None or self.until is not None

    @property
    def timed(self) -> bool:
        """True when the rule names instants itself (a time-level part)."""
        return self.freq in TIMED_FREQS or bool(self.byhour or self.byminute or self.bysecond)

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
        for prefix in ("RRULE:", "EXRULE:"):
            if body.upper().startswith(prefix):
                body = body[len(prefix):]
        parts: dict[str, str] = {}
        for chunk in body.split(";"):
            if not chunk.strip():
                continue
            if "=" not in chunk:
                raise _rule_error(f'"{chunk[:40]}" in the rule is not of the form NAME=VALUE.')
            key, value = chunk.split("=", 1)
            key = key.strip().upper()
            value = value.strip().upper()
            if key in _NOT_RFC:
                raise _rule_error(_NOT_RFC[key] + "; the rule is refused.")
            if key not in _KEYS:
                raise _rule_error(f"{key[:40]} is not an RFC 5545 rule part; the rule is "
                                  "refused.")
            if key in parts:
                raise _rule_error(f"{key} appears twice in the rule.")
            if not value:
                raise _rule_error(f"{key} has no value.")
            parts[key] = value
        if "FREQ" not in parts:
            raise _rule_error("The rule needs a FREQ (DAILY, WEEKLY, MONTHLY or YEARLY, or "
                              "HOURLY, MINUTELY, SECONDLY).")
        freq = parts["FREQ"]
        if freq not in FREQS:
            raise _rule_error(f"FREQ={freq[:20]} is not a frequency.")
        interval = _int(parts.get("INTERVAL", "1"), "INTERVAL", 1,
                        MAX_INTERVAL * _PER_DAY.get(freq, 1))
        count = _int(parts["COUNT"], "COUNT", 1, MAX_COUNT) if "COUNT" in parts else None
        until = _parse_until(parts["UNTIL"]) if "UNTIL" in parts else None
        if count is not None and until is not None:
            raise _rule_error("A rule may end by COUNT or by UNTIL, not both.")
        byday = tuple(_parse_byday(v) for v in _split(parts.get("BYDAY")))
        bymonthday = tuple(_nonzero(v, "BYMONTHDAY", 31) for v in _split(parts.get("BYMONTHDAY")))
        bymonth = tuple(_int(v, "BYMONTH", 1, 12) for v in _split(parts.get("BYMONTH")))
        bysetpos = tuple(_nonzero(v, "BYSETPOS", 366) for v in _split(parts.get("BYSETPOS")))
        byyearday = tuple(_nonzero(v, "BYYEARDAY", 366) for v in _split(parts.get("BYYEARDAY")))
        byweekno = tuple(_nonzero(v, "BYWEEKNO", 53) for v in _split(parts.get("BYWEEKNO")))
        byhour = tuple(_int(v, "BYHOUR", 0, 23) for v in _split(parts.get("BYHOUR")))
        byminute = tuple(_int(v, "BYMINUTE", 0, 59) for v in _split(parts.get("BYMINUTE")))
        if "60" in _split(parts.get("BYSECOND")):
            raise _rule_error("BYSECOND=60 names a leap second, which the desk's clock (like "
                              "the zone database) does not have.")
        bysecond = tuple(_int(v, "BYSECOND", 0, 59) for v in _split(parts.get("BYSECOND")))
        if "WKST" in parts and parts["WKST"] not in WEEKDAYS:
            raise _rule_error(f"WKST={parts['WKST'][:10]} is not a weekday (MO..SU).")
        wkst = WEEKDAYS.index(parts["WKST"]) if "WKST" in parts else 0
        rule = cls(freq, interval, byday, bymonthday, bymonth, bysetpos, count, until, wkst,
                   byyearday, byweekno, byhour, byminute, bysecond)
        rule.check()
        return rule

    def check(self) -> None:
        """Refuse what RFC 5545 forbids, what can never match, or what the desk cannot plan."""
        if self.freq not in FREQS:
            raise _rule_error(f"FREQ={self.freq} is not supported.")
        top = MAX_INTERVAL * _PER_DAY.get(self.freq, 1)
        if not 1 <= self.interval <= top:
            raise _rule_error(f"INTERVAL must be 1..{top} with FREQ={self.freq}.")
        if self.count is not None and self.count < 1:
            raise _rule_error("COUNT must be at least 1.")
        if self.count is not None and self.until is not None:
            raise _rule_error("A rule may end by COUNT or by UNTIL, not both.")
        ordinals = [d for d in self.byday if d.n]
        for d in ordinals:
            if self.freq not in ("MONTHLY", "YEARLY"):
                raise _rule_error(f"BYDAY={d.to_text()}: a numbered weekday needs FREQ=MONTHLY "
                                  "or YEARLY (RFC 5545); in a "
                                  f"{self.freq.lower()} rule it has no meaning.")
            if self.freq == "YEARLY" and self.byweekno:
                raise _rule_error(f"BYDAY={d.to_text()}: a numbered weekday cannot be used "
                                  "with BYWEEKNO (RFC 5545).")
            within_month = self.freq == "MONTHLY" or self.bymonth
            top = 5 if within_month else 53
            if not 1 <= abs(d.n) <= top:
                raise _rule_error(f"BYDAY={d.to_text()}: the weekday number must be 1..{top} or "
                                  f"-1..-{top} (a {'month' if within_month else 'year'} has at "
                                  f"most {top} of a weekday).")
        if self.bysetpos and not (self.byday or self.bymonthday or self.bymonth or
                                  self.byyearday or self.byweekno or self.byhour or
                                  self.byminute or self.bysecond):
            raise _rule_error("BYSETPOS needs another BY... part beside it (RFC 5545).")
        if len(set(self.byday)) != len(self.byday):
            raise _rule_error("A weekday is listed twice in BYDAY.")

    def impossible(self) -> bool:
        """True when no date can ever match (checked without expanding)."""
        months = self.bymonth or range(1, 13)
        if self.bymonthday and not any(
            abs(d) <= _MONTH_DAYS[m - 1] for d in self.bymonthday for m in months
        ):
            return True
        if self.freq in _PERIOD_DAYS and not self.timed:
            largest = _PERIOD_DAYS[self.freq]
            if self.bysetpos and all(abs(p) > largest for p in self.bysetpos):
                return True
        return False

    def to_text(self) -> str:
        """Canonical RRULE text (without the ``RRULE:`` prefix)."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        for key, values in (("BYDAY", [d.to_text() for d in self.byday]),
                            ("BYMONTHDAY", self.bymonthday), ("BYYEARDAY", self.byyearday),
                            ("BYWEEKNO", self.byweekno), ("BYMONTH", self.bymonth),
                            ("BYHOUR", self.byhour), ("BYMINUTE", self.byminute),
                            ("BYSECOND", self.bysecond), ("BYSETPOS", self.bysetpos)):
            if values:
                parts.append(f"{key}=" + ",".join(map(str, values)))
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
        raise _rule_error("BYDAY: a weekday number cannot be 0.")
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


# -- rule sets ------------------------------------------------------------------

_MOMENT = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2}))?)?$")


def parse_moment(text: str, what: str = "RDATE") -> date | datetime:
    """A local date (``2025-03-01``, ``20250301``) or local date-time
    (``2025-03-01T10:00``, ``20250301T100000``) in the series' zone."""
    if not isinstance(text, str):
        raise _rule_error(f"{what} must be a date or a date and time.")
    match = _MOMENT.match(text.strip().upper())
    if not match:
        raise _rule_error(f'{what} "{str(text)[:30]}" is not a date (YYYY-MM-DD) or a local '
                          "date and time (YYYY-MM-DDTHH:MM).")
    year, month, day, hour, minute, second = match.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day))
        return datetime(int(year), int(month), int(day), int(hour),  # noqa: DTZ001 - local
                        int(minute), int(second or 0))
    except ValueError:
        raise _rule_error(f'{what} "{text[:30]}" is not a real date or time.') from None


def format_moment(moment: date | datetime) -> str:
    """The RFC 5545 form of a local date or date-time (``20250301``, ``20250301T100000``)."""
    if isinstance(moment, datetime):
        return moment.strftime("%Y%m%dT%H%M%S")
    return moment.strftime("%Y%m%d")


@dataclass(frozen=True)
class RuleSet:
    """An RFC 5545 recurrence set: the union of every RRULE's instances and the
    RDATEs, less every EXRULE's instances and the EXDATEs. Each rule keeps its
    own COUNT (it counts that rule's instances before any exclusion). RDATEs
    and EXDATEs are local dates (every time of day of the series on that date)
    or local date-times (that one instant) in the series' zone."""

    rrules: tuple[Rule, ...]
    rdates: tuple[date | datetime, ...] = ()
    exrules: tuple[Rule, ...] = ()
    exdates: tuple[date | datetime, ...] = ()

    @property
    def main(self) -> Rule:
        return self.rrules[0]

    @property
    def simple(self) -> bool:
        return len(self.rrules) == 1 and not (self.rdates or self.exrules or self.exdates)

    @property
    def has_end(self) -> bool:
        return all(r.has_end for r in self.rrules)

    @property
    def timed(self) -> bool:
        return any(r.timed for r in self.rrules + self.exrules)

    @classmethod
    def of(cls, rule: Rule | RuleSet) -> RuleSet:
        return rule if isinstance(rule, RuleSet) else cls((rule,))

    @classmethod
    def build(cls, rrule: str | Rule, rrules: Iterable[str] = (), rdates: Iterable = (),
              exrules: Iterable[str] = (), exdates: Iterable = ()) -> RuleSet:
        """A rule set from its parts as text (or dates), each checked."""
        main = rrule if isinstance(rrule, Rule) else Rule.parse(rrule)
        extra = tuple(Rule.parse(_text(r, "RRULE")) for r in _listed(rrules, "RRULE"))
        ex = tuple(Rule.parse(_text(r, "EXRULE")) for r in _listed(exrules, "EXRULE"))
        plus = tuple(_moment(m, "RDATE") for m in _listed(rdates, "RDATE"))
        minus = tuple(_moment(m, "EXDATE") for m in _listed(exdates, "EXDATE"))
        result = cls((main, *extra), _unique(plus), ex, _unique(minus))
        if len(result.rrules) + len(result.exrules) > 20 or \
                len(result.rdates) + len(result.exdates) > MAX_OCCURRENCES:
            raise _rule_error("The rule set is too large (at most 20 rules and 5,000 dates).")
        return result

    @classmethod
    def from_text(cls, rrule: str, extra: str = "") -> RuleSet:
        """The stored form: the main rule, and the other parts as RFC 5545 lines
        (``RRULE:``, ``RDATE:``, ``EXRULE:``, ``EXDATE:``), one per line."""
        if not extra:
            return cls((Rule.parse(rrule),))
        return _from_text_cached(rrule, extra)

    def split(self, start: date, day: date, at: time | None = None
              ) -> tuple[RuleSet, RuleSet]:
        """The set cut before ``day``: the part that ends the day before (every
        rule ending there) and the part from ``day`` on (each COUNT less what
        its rule made before ``day``; ``at`` is the first time of day, a timed
        rule's DTSTART)."""
        before = day - timedelta(days=1)
        later = []
        for rule in self.rrules:
            if rule.count is not None:
                if rule.timed:
                    first = datetime.combine(start, (at or time()).replace(tzinfo=None))
                    used = sum(1 for m in walk(rule, first, datetime.combine(before,
                                                                             time(23, 59, 59))))
                else:
                    used = sum(1 for _ in rule_dates(rule, start, before))
                rule = replace(rule, count=max(rule.count - used, 1))
            later.append(rule)
        early = RuleSet(tuple(r.ending_on(before) for r in self.rrules),
                        tuple(m for m in self.rdates if _moment_key(m).date() < day),
                        self.exrules,
                        tuple(m for m in self.exdates if _moment_key(m).date() < day))
        late = RuleSet(tuple(later), tuple(m for m in self.rdates if _moment_key(m).date() >= day),
                       self.exrules,
                       tuple(m for m in self.exdates if _moment_key(m).date() >= day))
        return early, late

    def extra_text(self) -> str:
        """The parts beside the main rule, as stored (see :meth:`from_text`)."""
        lines = [f"RRULE:{r.to_text()}" for r in self.rrules[1:]]
        lines += [_moment_line("RDATE", m) for m in self.rdates]
        lines += [f"EXRULE:{r.to_text()}" for r in self.exrules]
        lines += [_moment_line("EXDATE", m) for m in self.exdates]
        return "\n".join(lines)


def _moment_line(name: str, moment: date | datetime) -> str:
    value = "" if isinstance(moment, datetime) else ";VALUE=DATE"
    return f"{name}{value}:{format_moment(moment)}"


def _listed(values, what: str) -> list:
    if values is None:
        return []
    if isinstance(values, (str, date)):
        return [values]
    try:
        return list(values)
    except TypeError:
        raise _rule_error(f"{what} must be a list.") from None


def _text(value, what: str) -> str:
    if not isinstance(value, str):
        raise _rule_error(f"{what} must be rule text such as FREQ=WEEKLY;BYDAY=MO.")
    return value


def _moment(value, what: str) -> date | datetime:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise _rule_error(f"{what} {value:%Y-%m-%d %H:%M} must be a local time in the "
                              "series' zone, without an offset.")
        return value.replace(microsecond=0)
    if isinstance(value, date):
        return value
    return parse_moment(value, what)


def _unique(moments: tuple) -> tuple:
    return tuple(sorted(set(moments), key=_moment_key))


def _moment_key(moment: date | datetime) -> datetime:
    return moment if isinstance(moment, datetime) else datetime.combine(moment, time())


@functools.lru_cache(maxsize=1024)
def _from_text_cached(rrule: str, extra: str) -> RuleSet:
    parts: dict[str, list[str]] = {"RRULE": [], "RDATE": [], "EXRULE": [], "EXDATE": []}
    for line in extra.splitlines():
        if not line.strip():
            continue
        head, _, value = line.strip().partition(":")
        name = head.split(";")[0].upper()
        if name not in parts:
            raise _rule_error(f"{name[:20]} is not a part of a rule set.")
        if name in ("RDATE", "EXDATE"):
            parts[name] += [v for v in value.split(",") if v]
        else:
            parts[name].append(value)
    return RuleSet.build(rrule, parts["RRULE"], parts["RDATE"], parts["EXRULE"],
                         parts["EXDATE"])


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
    at: time  # the wall-clock time the rule names (the slot's, for a date rule)


@dataclass
class Plan:
    """The result of expanding a rule: the occurrences, and whether it ran to its end."""

    items: list[Planned] = field(default_factory=list)
    complete: bool = True  # False when a rule without end stopped at the horizon
    merged: bool = False  # True when an instant asked for twice was kept once


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


def _dateutil_rule(rule: Rule, dtstart: datetime, bound: datetime
                   ) -> tuple[du.rrule | None, int]:
    """A dateutil rrule that walks the same instants from ``dtstart`` up to
    ``bound`` (None: it can never match), and the step in days its output
    must be thinned to (1: none).

    A filtered daily rule (BYMONTH, BYMONTHDAY, BYDAY, BYYEARDAY, BYWEEKNO and
    no BYSETPOS) is the same set as a yearly rule with the same filters, which
    dateutil walks a year at a time instead of a day; with INTERVAL=n it is
    that set thinned to every nth day from the start."""
    freq, interval, step = rule.freq, rule.interval, 1
    kwargs: dict = {}
    if rule.byday:
        kwargs["byweekday"] = [du.weekday(d.weekday, d.n) for d in rule.byday]
    for name in ("bymonthday", "bymonth", "bysetpos", "byyearday", "byweekno", "byhour",
                 "byminute", "bysecond"):
        values = getattr(rule, name)
        if values:
            kwargs[name] = values
    day_filters = rule.bymonth or rule.bymonthday or rule.byday or rule.byyearday or \
        rule.byweekno
    if freq == "DAILY" and day_filters and not rule.bysetpos:
        freq, step, interval = "YEARLY", interval, 1
        if step % 7 == 0:  # every nth day, n a multiple of 7: always DTSTART's weekday
            weekday = dtstart.weekday()
            if rule.byday and weekday not in {d.weekday for d in rule.byday}:
                return None, step
            kwargs["byweekday"] = [weekday]
        elif not (rule.bymonthday or rule.byday or rule.byyearday or rule.byweekno):
            kwargs["bymonthday"] = tuple(range(1, 32))  # else dateutil takes DTSTART's day
    try:
        walker = du.rrule(FREQS[freq], dtstart=dtstart, interval=interval, wkst=rule.wkst,
                          until=bound, cache=False, **kwargs)
    except ValueError as exc:  # dateutil refuses a time part its interval can never meet
        raise _rule_error(f"{rule.to_text()}: INTERVAL={rule.interval} never meets the "
                          f"BYHOUR/BYMINUTE/BYSECOND values ({exc}).") from None
    return walker, step


def _bound(rule: Rule, through: datetime | None) -> datetime:
    """The last wall time a walk may reach: ``through``, the rule's UNTIL, or
    the end of year 9999."""
    bound = _END_OF_TIME if through is None else min(through, _END_OF_TIME)
    until = rule.until
    if isinstance(until, datetime):
        if until.tzinfo is not None:
            # Instants are filtered exactly later; a day after covers any zone offset.
            wall = until.replace(tzinfo=None)
            if wall < _END_OF_TIME - timedelta(days=1):  # else the day after overflows
                bound = min(bound, wall + timedelta(days=1))
        else:
            bound = min(bound, until)
    elif isinstance(until, date):
        bound = min(bound, datetime.combine(until, time(23, 59, 59)))
    return bound


def walk(rule: Rule, dtstart: datetime, through: datetime | None = None) -> Iterator[datetime]:
    """The rule's naive wall times from ``dtstart`` (whose time of day is the
    default of the time parts the rule leaves out), COUNT applied, up to
    ``through`` (inclusive), the rule's UNTIL and the end of year 9999.
    A local UNTIL is applied exactly; a UTC one to within a day (callers that
    know the zone filter it exactly)."""
    bound = _bound(rule, through)
    if bound < dtstart:
        return
    walker, step = _dateutil_rule(rule, dtstart, bound)
    if walker is None:
        return
    remaining = rule.count
    first = dtstart.toordinal()
    try:
        for moment in walker:
            if step != 1 and (moment.toordinal() - first) % step:
                continue
            yield moment
            if remaining is not None:
                remaining -= 1
                if not remaining:
                    return
    except (ValueError, OverflowError):  # dateutil stepping past the year 9999
        pass
    if remaining is not None and remaining < rule.count and through is None:
        raise _rule_error(
            f"COUNT={rule.count} cannot be reached: {rule.to_text()} makes only "
            f"{rule.count - remaining:,} before the end of the year 9999. Lower the COUNT.")


def rule_dates(rule: Rule, start: date, through: date | None = None) -> Iterator[date]:
    """The rule's dates on or after ``start`` (COUNT applied), bounded by
    ``through``, the rule's own UNTIL and the year 9999. For a timed rule, the
    dates of its instants from midnight on ``start``."""
    end = None if through is None else datetime.combine(through, time(23, 59, 59))
    last = None
    for moment in walk(rule, datetime.combine(start, time()), end):
        day = moment.date()
        if day != last:
            yield day
            last = day


def _too_many(count: str, limit: int, *, open_ended: bool = False) -> DeskError:
    if open_ended:
        return DeskError(
            "too_many_occurrences",
            f"This rule would make {count} occurrences within the planning horizon; a series "
            f"may have at most {limit:,} planned. Space its sessions further apart.")
    return DeskError(
        "too_many_occurrences",
        f"This rule would make {count} occurrences; a series may have at most {limit}. Shorten "
        "it with COUNT or UNTIL, or leave it without an end so it is planned a few weeks at a "
        "time.")


def expand(
    rule: Rule | RuleSet,
    start: date,
    tz: ZoneInfo,
    slots: Sequence[Slot],
    *,
    horizon: date | None = None,
    limit: int = MAX_OCCURRENCES,
    duration: timedelta | None = None,
) -> Plan:
    """Expand ``rule`` (a rule or a rule set) from ``start`` in ``tz`` at each slot.

    A rule with no end stops at ``horizon`` (required then). A finite rule that
    makes more than ``limit`` occurrences, or any rule that makes none at all,
    is refused with an error that says how many it would make. With a
    ``duration``, a timed rule or an RDATE whose occurrences of one time of day
    would overlap each other is refused.
    """
    check_slots(slots)
    rules = RuleSet.of(rule)
    for one in rules.rrules:
        if one.impossible():
            raise DeskError("no_occurrences", f"{one.to_text()} can never match a date (for "
                            "example the 30th of February); it makes no occurrences.")
    if not rules.has_end and horizon is None:
        raise ValueError("a rule with no end needs a horizon")
    if rules.simple and not rules.main.timed:
        plan = _expand_dates(rules.main, start, tz, slots, horizon, limit)
        if duration is not None and duration >= timedelta(days=1):
            _check_gaps(plan.items, duration, rules)  # a session of days may reach the next
    else:
        plan = _expand_set(rules, start, tz, slots, horizon, limit, duration)
    if not plan.items and (rules.has_end or not _ever(rules, start, slots)):
        raise DeskError(
            "no_occurrences",
            "This rule makes no occurrences on or after the start date"
            + (" before its end." if rules.has_end else "."),
        )
    return plan


def _expand_dates(rule: Rule, start: date, tz: ZoneInfo, slots: Sequence[Slot],
                  horizon: date | None, limit: int) -> Plan:
    """One date rule at each slot: the common case, kept lean."""
    through = None if rule.has_end else datetime.combine(horizon, time(23, 59, 59))
    plan = Plan(complete=rule.has_end)
    # Instants come in rising order but for clock changes and vanished days; only
    # one at or before the latest so far can repeat an earlier one, so the set of
    # earlier instants is built the first time that happens.
    latest: datetime | None = None
    seen: set[datetime] | None = None
    until = rule.until
    walls = [(slot, slot.at.replace(tzinfo=None, fold=0), slot.weekdays) for slot in slots]
    finite = rule.has_end
    items = plan.items
    for moment in walk(rule, datetime.combine(start, time()), through):
        day = moment.date()
        for slot, wall, weekdays in walls:
            if weekdays is not None and day.weekday() not in weekdays:
                continue
            # zones.localize, inlined for speed: fold=0 maps a gap time forward by the
            # gap's length and an ambiguous time to the first instant.
            instant = datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)
            local = instant.astimezone(tz)
            if until is not None and not _within_until(local, until):
                continue
            if (latest is not None and instant <= latest) or seen is not None:
                if seen is None:
                    seen = {p.start_utc for p in items}
                if instant in seen:  # a vanished day (Pacific/Apia 2011-12-30): the next
                    plan.merged = True
                    continue
                seen.add(instant)
            if latest is None or instant > latest:
                latest = instant
            # tuple.__new__ is Planned(...) without its Python-level __new__ (half the cost).
            items.append(_new(Planned, (slot, day, local, instant, wall)))
        if finite and len(items) > limit:
            raise _too_many(_estimate(RuleSet((rule,)), start, slots), limit)
    if seen is not None:  # else every instant came after the one before: in order already
        items.sort(key=_BY_START)
    return plan


def _timed_slot(rule: Rule, slots: Sequence[Slot]) -> Slot:
    if len(slots) != 1 or slots[0].weekdays is not None:
        raise _rule_error(
            f"{rule.to_text()} sets its own times of day (FREQ={rule.freq}"
            + (", BYHOUR/BYMINUTE/BYSECOND" if rule.byhour or rule.byminute or rule.bysecond
               else "")
            + "); give the series one time of day, that of its first session, with no "
            "weekdays of its own.")
    return slots[0]


def _walls(rule: Rule, start: date, slots: Sequence[Slot], through: datetime | None,
           limit: int | None) -> Iterator[tuple[datetime, Slot]]:
    """(wall time, slot) of one rule: a timed rule's own instants at its one
    slot, or a date rule's dates at each slot that applies. Stops (refused)
    past ``limit`` items, when given."""
    made = 0
    if rule.timed:
        slot = _timed_slot(rule, slots)
        for moment in walk(rule, datetime.combine(start, slot.at.replace(tzinfo=None)),
                           through):
            yield moment, slot
            made += 1
            if limit is not None and made > limit:
                raise _too_many(f"more than {limit:,}", limit, open_ended=not rule.has_end)
        return
    for moment in walk(rule, datetime.combine(start, time()), through):
        day = moment.date()
        for slot in slots:
            if slot.applies(day):
                yield datetime.combine(day, slot.at.replace(tzinfo=None)), slot
                made += 1
        if limit is not None and made > limit:
            raise _too_many(f"more than {limit:,}", limit)


def _expand_set(rules: RuleSet, start: date, tz: ZoneInfo, slots: Sequence[Slot],
                horizon: date | None, limit: int, duration: timedelta | None) -> Plan:
    """A rule set, or a timed rule: every part walked to wall times, united,
    excluded, then placed in the zone."""
    through = None if rules.has_end else datetime.combine(horizon, time(23, 59, 59))
    first_slot = min(slots, key=lambda s: s.at.replace(tzinfo=None))
    wanted: dict[tuple[datetime, int], tuple[datetime, Slot, Rule | None]] = {}
    for rule in rules.rrules:
        cap = limit if rule.has_end or rule.timed else None
        for wall, slot in _walls(rule, start, slots, through, cap):
            if rule.until is not None and isinstance(rule.until, datetime) and \
                    rule.until.tzinfo is not None and \
                    not _within_until(_localize(wall, tz)[1], rule.until):
                continue
            wanted.setdefault((wall, slot.key), (wall, slot, rule))
            if rules.has_end and len(wanted) > limit:
                raise _too_many(_estimate(rules, start, slots), limit)
    for moment in rules.rdates:
        if through is not None and _moment_key(moment) > through:
            continue
        if isinstance(moment, datetime):
            slot = next((s for s in slots if s.at.replace(tzinfo=None) == moment.time()),
                        first_slot)
            wanted.setdefault((moment, slot.key), (moment, slot, None))
        else:
            for slot in slots:
                if slot.applies(moment):
                    wall = datetime.combine(moment, slot.at.replace(tzinfo=None))
                    wanted.setdefault((wall, slot.key), (wall, slot, None))
    if rules.has_end and len(wanted) > limit:
        raise _too_many(f"{len(wanted):,}", limit)
    if wanted and (rules.exrules or rules.exdates):
        last = max(wall for wall, _ in wanted)
        gone_days = {m for m in rules.exdates if not isinstance(m, datetime)}
        gone = {m for m in rules.exdates if isinstance(m, datetime)}
        for rule in rules.exrules:
            if rule.timed:
                gone.update(w for w, _ in _walls(rule, start, slots, last, None))
            else:
                gone_days.update(rule_dates(rule, start, last.date()))
        wanted = {k: v for k, v in wanted.items()
                  if k[0] not in gone and k[0].date() not in gone_days}
    plan = Plan(complete=rules.has_end)
    seen: set[datetime] = set()
    for wall, slot, _rule in sorted(wanted.values(), key=lambda v: (v[0], v[1].at)):
        instant, local = _localize(wall, tz)
        if instant in seen:
            continue
        seen.add(instant)
        plan.items.append(Planned(slot, wall.date(), local, instant, wall.time()))
    plan.items.sort(key=_BY_START)
    if not rules.has_end and rules.timed and len(plan.items) > limit:
        raise _too_many(f"more than {limit:,}", limit, open_ended=True)
    if duration is not None:
        _check_gaps(plan.items, duration, rules)
    return plan


def _localize(wall: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return instant, instant.astimezone(tz)


def _check_gaps(items: Sequence[Planned], duration: timedelta, rules: RuleSet) -> None:
    """Sessions of one time of day must not overlap each other: each must end
    (as :func:`session_end` places the end) by the time the next one starts."""
    minutes = int(duration.total_seconds()) // 60
    exact = duration < timedelta(days=1)
    last: dict[int, Planned] = {}
    for item in items:
        before = last.get(item.slot.key)
        if before is not None and (
                item.start_utc - before.start_utc < duration if exact else
                session_end(before.start, minutes) > item.start_utc.replace(tzinfo=None)):
            gap = item.start_utc - before.start_utc
            raise _rule_error(
                f"Sessions of {_span(duration)} would overlap: the rule set "
                f"({'; '.join(r.to_text() for r in rules.rrules)}) puts two of them "
                f"{_span(gap)} apart ({before.start:%Y-%m-%d %H:%M:%S} and "
                f"{item.start:%Y-%m-%d %H:%M:%S}). Space them further apart or shorten "
                "the sessions.")
        last[item.slot.key] = item


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 60:
        return f"{seconds} seconds"
    minutes = seconds // 60
    if minutes >= 1440 and not minutes % 60:
        days, hours = divmod(minutes // 60, 24)
        return f"{days} day{'s' if days != 1 else ''}" + (
            f" {hours} hour{'s' if hours != 1 else ''}" if hours else "") + \
            f" ({minutes:,} minutes)"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


_BY_START = attrgetter("start_utc")
_new = tuple.__new__


def _within_until(moment: datetime, until: date | datetime) -> bool:
    if isinstance(until, datetime):
        if until.tzinfo is not None:
            return moment <= until
        return moment.replace(tzinfo=None) <= until
    return moment.date() <= until


def _ever(rules: RuleSet, start: date, slots: Sequence[Slot]) -> bool:
    """Whether a rule set without end ever makes an occurrence (searched to 9999)."""
    if any(m for m in rules.rdates if _moment_key(m).date() >= start):
        return True
    for rule in rules.rrules:
        # The calendar repeats every 400 years (146,097 days, a whole number of
        # weeks), so a rule that matches nothing in 400 x INTERVAL years never
        # will; a rule filtered by weekdays alone repeats within 7 x INTERVAL weeks.
        filtered = (rule.bymonth or rule.bymonthday or rule.byyearday or rule.byweekno
                    or rule.bysetpos or any(d.n for d in rule.byday))
        if rule.freq in ("DAILY", "WEEKLY") and not filtered and not rule.timed:
            through = start + timedelta(weeks=7 * rule.interval + 1)
        else:
            through = _add_years(start, 400 * rule.interval + 1)
        for day in rule_dates(rule, start, through):
            if rule.timed or any(s.applies(day) for s in slots):
                return True
    return False


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=min(day.year + years, 9999))
    except ValueError:  # 29 February
        return day.replace(year=min(day.year + years, 9999), day=28)


def _estimate(rules: RuleSet, start: date, slots: Sequence[Slot]) -> str:
    """How many occurrences a too-large rule set would make: exact where cheap."""
    rule = rules.main
    if rules.simple and not rule.timed and rule.count is not None and \
            all(s.weekdays is None for s in slots):
        return f"{rule.count * len(slots):,}"
    if rules.simple and rule.timed and rule.count is not None:
        return f"{rule.count:,}"
    total = 0
    for one in rules.rrules:
        if one.timed:
            at = min(s.at for s in slots).replace(tzinfo=None)
            for index, _ in enumerate(walk(one, datetime.combine(start, at))):
                total += 1
                if index >= 20_000:
                    return f"more than {total:,}"
            continue
        for index, day in enumerate(rule_dates(one, start)):
            total += sum(1 for s in slots if s.applies(day))
            if index >= 20_000:
                return f"more than {total:,}"
    return f"{total:,}"
