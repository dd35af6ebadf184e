"""Parsing what people type (on the command line or in a form) into values.

Both edges use these, so "unlimited", "09:00/MO+WE" or "2025-03-09T02:30" mean
the same thing in the desk and in a script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from schedtui.domain.errors import DeskError, invalid
from schedtui.domain.recurrence import WEEKDAYS
from schedtui.domain.zones import MAX_SESSION_DAYS, MAX_SESSION_MINUTES

MAX_CAPACITY = 10_000
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
"""The span of days the desk plans in: time zone rules are known there, and
arithmetic on a day near year 1 or 9999 cannot run off Python's calendar."""


def parse_date(value: str, label: str = "Date", *, clamp: bool = False) -> date:
    """``YYYY-MM-DD``, within FIRST_DAY..LAST_DAY. With ``clamp`` (the ends of a
    range to search), a day outside the span is moved to its nearer end instead."""
    try:
        day = date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise invalid(f'{label} "{str(value)[:40]}" is not a date (YYYY-MM-DD).') from None
    if FIRST_DAY <= day <= LAST_DAY:
        return day
    if clamp:
        return min(max(day, FIRST_DAY), LAST_DAY)
    raise invalid(f"{label} {day.isoformat()} is outside the years {FIRST_DAY.year} to "
                  f"{LAST_DAY.year} the desk plans in.", field=label.lower())


def parse_time(value: str, label: str = "Time") -> time:
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not match or not (0 <= int(match[1]) <= 23 and 0 <= int(match[2]) <= 59):
        raise invalid(f'{label} "{str(value)[:40]}" is not a time of day (HH:MM, 00:00..23:59).')
    return time(int(match[1]), int(match[2]))


def parse_local_datetime(value: str, label: str = "Start") -> datetime:
    """``YYYY-MM-DDTHH:MM`` (a space works too), a wall-clock time without zone."""
    text = value.strip().replace(" ", "T") if isinstance(value, str) else ""
    if "T" not in text:
        raise invalid(f'{label} "{str(value)[:40]}" needs a date and a time (YYYY-MM-DDTHH:MM).')
    day, _, clock = text.partition("T")
    return datetime.combine(parse_date(day, label), parse_time(clock[:5] if len(clock) == 8
                                                                and clock.endswith(":00")
                                                                else clock, label))


def parse_start(value: str) -> tuple[date, time | None]:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``: the first day, and a time of day if given."""
    text = value.strip() if isinstance(value, str) else ""
    if "T" in text or " " in text:
        moment = parse_local_datetime(text, "Start")
        return moment.date(), moment.time()
    return parse_date(text, "Start"), None


def parse_capacity(value: str | int | None) -> int | None:
    """1..10000, or ``unlimited`` (None). 0 is refused as ambiguous."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("unlimited", "none", "∞"):
            return None
        if not re.fullmatch(r"[+-]?\d{1,9}", text):
            raise invalid(f'Capacity "{value[:20]}" is not a number; use 1..{MAX_CAPACITY} or '
                          "unlimited.", field="capacity")
        value = int(text)
    return check_capacity(value)


def check_capacity(value: int | None) -> int | None:
    if value is None:
        return None
    if value == 0:
        raise invalid("Capacity 0 is ambiguous: use 'unlimited' for no limit, or pause the "
                      "series to stop registrations.", field="capacity")
    if not 1 <= value <= MAX_CAPACITY:
        raise invalid(f"Capacity must be 1..{MAX_CAPACITY} or unlimited; got {value}.",
                      field="capacity")
    return value


def parse_weekdays(value: str) -> frozenset[int]:
    """``MO+WE`` (or ``MO WE``, ``mo,we``) as weekday numbers, 0 = Monday."""
    names = [n for n in re.split(r"[+ ,]", value.strip().upper()) if n]
    days = set()
    for name in names:
        if name[:2] not in WEEKDAYS:
            raise invalid(f'"{name[:10]}" is not a weekday (MO, TU, WE, TH, FR, SA, SU).')
        days.add(WEEKDAYS.index(name[:2]))
    if not days:
        raise invalid("A weekday list must name at least one day.")
    return frozenset(days)


@dataclass(frozen=True)
class SlotSpec:
    """A time of day a series meets at: optionally only on some weekdays, with
    its own capacity (else the series') and its own host (else the series')."""

    at: time
    weekdays: frozenset[int] | None = None
    capacity: int | None = None
    fixed_capacity: bool = False
    host: str = ""

    def label(self) -> str:
        text = f"{self.at:%H:%M}"
        if self.weekdays is not None:
            text += "/" + "+".join(WEEKDAYS[d] for d in sorted(self.weekdays))
        if self.fixed_capacity:
            text += "=" + ("unlimited" if self.capacity is None else str(self.capacity))
        if self.host:
            text += "@" + self.host
        return text


def slot_spec(value: SlotSpec | tuple) -> SlotSpec:
    """A SlotSpec from itself or from a ``(time, weekdays)`` pair."""
    return value if isinstance(value, SlotSpec) else SlotSpec(value[0], value[1])


def parse_times(value: str) -> list[SlotSpec]:
    """Times of day: ``HH:MM[/MO+WE][=CAPACITY][@HOST]``, comma separated, e.g.
    ``09:00/MO+WE=12@Ilse Brandt,17:00``."""
    from schedtui.domain.text import field

    result = []
    for part in [p for p in value.split(",") if p.strip()]:
        rest, _, host = part.partition("@")
        rest, _, capacity = rest.partition("=")
        clock, _, days = rest.partition("/")
        result.append(SlotSpec(
            at=parse_time(clock, "Time of day"),
            weekdays=parse_weekdays(days) if days else None,
            capacity=parse_capacity(capacity) if capacity else None,
            fixed_capacity=bool(capacity.strip()),
            host=field(host, "Host")))
    if not result:
        raise invalid("Give at least one time of day (HH:MM).")
    return result


def parse_positive(value: str | int, label: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(f'{label} "{str(value)[:20]}" is not a whole number.') from None
    if not low <= number <= high:
        raise invalid(f"{label} must be {low}..{high}; got {number}.")
    return number


_LENGTH = re.compile(r"^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$", re.IGNORECASE)


def parse_duration(value: str | int, label: str = "Duration") -> int:
    """A session's length in minutes: a whole number of minutes (``90``), or days,
    hours and minutes (``3d``, ``2d8h``, ``1h30m``); 0 minutes to MAX_SESSION_DAYS
    days. 0 is a moment (RFC 5545 allows an event with no length: it has a start,
    holds seats, and double-books a session running at that instant). Whole days
    are counted on the wall clock (see :func:`schedtui.domain.zones.session_end`)."""
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        minutes = int(text)
    else:
        found = _LENGTH.match(text) if text else None
        if found is None or not any(found.groups()):
            raise invalid(f'{label} "{text[:20]}" is not a length: give minutes (90) or '
                          "days, hours and minutes (3d, 2d8h, 1h30m).")
        days, hours, mins = (int(g or 0) for g in found.groups())
        minutes = (days * 24 + hours) * 60 + mins
    if not 0 <= minutes <= MAX_SESSION_MINUTES:
        raise invalid(f"{label} must be 0 minutes (a moment) to {MAX_SESSION_DAYS} days "
                      f"({MAX_SESSION_MINUTES:,} minutes); got {minutes:,} minutes.")
    return minutes


def require(condition: bool, code: str, message: str) -> None:
    if not condition:
        raise DeskError(code, message)
