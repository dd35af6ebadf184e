"""IANA time zones: friendly validation, and wall-clock <-> UTC done right.

A wall-clock time that does not exist (the spring-forward gap) moves forward by
the gap's length, as RFC 5545 says; a time that occurs twice (fall back) takes
the first. ``zoneinfo`` with ``fold=0`` gives exactly that when a gap time is
converted to UTC and back, so both rules live in :func:`localize`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from schedtui.domain.errors import DeskError

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def _suggest(name: str) -> str:
    guess = name.strip().replace(" ", "_")
    lowered = {z.lower(): z for z in _known()}
    hit = lowered.get(guess.lower())
    return f' Did you mean "{hit}"?' if hit else ""


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """Return the zone for an IANA name, or raise ``invalid_timezone``."""
    raw = name if isinstance(name, str) else ""
    if not raw.strip():
        raise DeskError("invalid_timezone", "A time zone is required, such as Europe/Berlin.")
    if not _NAME.match(raw) or ".." in raw:
        raise DeskError(
            "invalid_timezone",
            f'"{raw[:80]}" is not a time zone name; use an IANA name such as '
            f"America/New_York.{_suggest(raw)}",
        )
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise DeskError(
            "invalid_timezone",
            f'Unknown time zone "{raw[:80]}"; use an IANA name such as America/New_York.'
            f"{_suggest(raw)}",
        ) from None


def localize(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The aware local datetime for a wall-clock ``at`` on ``day``.

    Gap times move forward by the gap's length; ambiguous times take the first.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz)


def to_utc_naive(moment: datetime) -> datetime:
    """An aware datetime as naive UTC, the form the store keeps."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_utc_naive(moment: datetime, tz: ZoneInfo) -> datetime:
    """A stored naive UTC datetime as aware local time in ``tz``."""
    return moment.replace(tzinfo=UTC).astimezone(tz)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 ending in Z, to the second, for a naive-UTC or aware datetime."""
    if moment.microsecond:  # (isoformat() without timespec is twice as fast)
        moment = moment.replace(microsecond=0)
    if moment.tzinfo is None:
        return moment.isoformat() + "Z"
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat()[:-6] + "Z"  # "+00:00" becomes "Z"


DAY_MINUTES = 1440

MAX_SESSION_DAYS = 31
"""The longest a session may last, in days: a month-long course or camp fits;
anything longer is a series of sessions, not one."""
MAX_SESSION_MINUTES = MAX_SESSION_DAYS * DAY_MINUTES
LONGEST_SESSION = timedelta(days=MAX_SESSION_DAYS, hours=1)
"""The longest a session can last in real time: its whole days are counted on
the wall clock, so a clock change inside it adds up to an hour."""


def session_end(start: datetime, minutes: int) -> datetime:
    """The end, as naive UTC, of a session starting at the aware local ``start``
    and lasting ``minutes``.

    Whole days are counted on the wall clock, as RFC 5545 counts the days of a
    DURATION (``P2DT8H``: two days later at the same local time, then eight
    hours): a session of 1,440 minutes from local midnight is a whole day and
    ends at the next midnight (23 or 25 hours on a clock-change day), three
    days from midnight end at midnight three days later, and a session from
    Friday 09:00 lasting 2 days 8 hours ends on Sunday at 17:00 even across a
    clock change. A session under a day lasts exactly its minutes."""
    days, rest = divmod(minutes, DAY_MINUTES)
    if not days:
        return to_utc_naive(start) + timedelta(minutes=minutes)
    wall = start.replace(tzinfo=None) + timedelta(days=days)
    return to_utc_naive(localize(wall.date(), wall.time(), start.tzinfo)) + \
        timedelta(minutes=rest)
