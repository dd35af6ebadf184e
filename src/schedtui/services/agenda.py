"""The organizer's week: every occurrence of every series in a window of days.

A window is a span of local dates, inclusive; each occurrence is judged by the
date it has in its own series' zone, as ``occ list`` shows it; a session of
more than a day that began before the window and runs into it is in the
window too. The database is asked for a range of ``occurrence.start_utc`` (indexed)
wide enough for any zone, widened by the longest a session may last and cut by
``end_utc``, and the few rows at the edges that fall outside their zone's dates
are dropped here: the cost follows the window, not the number of series.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from schedtui.domain.errors import invalid
from schedtui.domain.zones import LONGEST_SESSION, from_utc_naive, iso_utc, localize, zone
from schedtui.services.reads import exists, naive_now
from schedtui.store.engine import Store, transaction
from schedtui.store.sql import SQL

DEFAULT_DAYS = 7
"""Without ``--to``: the first day and the six after it."""

# UTC offsets run from -12:00 to +14:00: a local day starts at most 14 hours
# before the same UTC day does and ends at most 12 hours after it (an hour more
# each way for safety).
_EARLY = timedelta(hours=15)
_LATE = timedelta(hours=13)
_DAY = timedelta(days=1)
_FIRST = datetime(1, 1, 1)  # noqa: DTZ001 - naive UTC, as the store keeps


@dataclass(frozen=True)
class Window:
    """Local dates, inclusive. ``start`` None: today in each series' own zone
    (and ``days`` days from it when ``end`` is None too)."""

    start: date | None = None
    end: date | None = None
    days: int = DEFAULT_DAYS

    def dates(self, tz_name: str, now: datetime) -> tuple[date, date]:
        """The first and last local date of the window in a zone."""
        first = self.start or from_utc_naive(naive_now(now), _zone(tz_name)).date()
        return first, self.end or first + timedelta(days=self.days - 1)

    def utc_bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """A range of naive-UTC starts that holds the window in every zone."""
        moment = naive_now(now)
        if self.start is None:  # today began within the last 25 hours everywhere
            low = moment - timedelta(hours=25)
        else:
            low = _day_start(self.start, -_EARLY)
        if self.end is not None:
            high = _day_start(self.end + timedelta(days=1), _LATE) \
                if self.end < date.max else datetime.max  # noqa: DTZ901 - naive UTC
        elif self.start is None:  # and the last day ends within days + 25 hours
            high = moment + timedelta(days=self.days, hours=25)
        else:
            high = _day_start(self.start + timedelta(days=self.days), _LATE)
        return low, high

    def holds(self, start_utc: datetime, end_utc: datetime, tz_name: str, now: datetime
              ) -> bool:
        """Whether an occurrence starts on a day of the window in its zone, or
        lasts more than a day, started before the window and has not ended when
        its first day begins (a session of an evening that runs past midnight
        belongs to the day it starts on)."""
        first, last = self.dates(tz_name, now)
        day = from_utc_naive(start_utc, _zone(tz_name)).date()
        if day > last:
            return False
        if day >= first:
            return True
        begins = localize(first, datetime.min.time(), _zone(tz_name))
        return end_utc - start_utc > _DAY and end_utc > begins.astimezone(UTC).replace(
            tzinfo=None)


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return zone(name)


def _day_start(day: date, shift: timedelta) -> datetime:
    try:
        return datetime.combine(day, datetime.min.time()) + shift
    except OverflowError:
        # naive on purpose: the store keeps naive UTC
        return datetime.min if shift < timedelta(0) else datetime.max  # noqa: DTZ901


def window(start: date | None = None, end: date | None = None) -> Window:
    """A checked window: ``end`` before ``start`` is refused."""
    if start is not None and end is not None and end < start:
        raise invalid("--to is before --from.")
    return Window(start, end)


@dataclass(frozen=True)
class AgendaItem:
    """One occurrence as the agenda shows it: local times in its series' zone."""

    id: int
    series_id: int
    series: str
    hub_id: int
    hub: str
    start: str
    end: str
    start_utc: str
    timezone: str
    status: str
    capacity: int | None
    booked: int
    waitlisted: int
    host: str
    location: str
    series_status: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def live_statuses(drafts: bool) -> tuple[str, ...]:
    """The series statuses whose occurrences are on the calendar."""
    return ("published", "paused", "draft") if drafts else ("published", "paused")


def window_query(columns: tuple, span: Window, now: datetime, *, hub_id: int | None,
                 drafts: bool):
    """``columns`` of the occurrences starting in the window's UTC range, or
    earlier and still running at its start (a session lasts at most
    LONGEST_SESSION, so the range on the indexed start is widened by that and
    cut by the end), their series (and hub) joined, series filtered by status
    and hub."""
    from sqlmodel import col, select

    from schedtui.store.models import Occurrence, Series

    low, high = span.utc_bounds(now)
    earliest = low - LONGEST_SESSION if low > _FIRST + LONGEST_SESSION else low
    query = (select(*columns).select_from(Occurrence)
             .join(Series, Series.id == Occurrence.series_id)
             .where(Occurrence.start_utc >= earliest).where(Occurrence.start_utc < high)
             .where(Occurrence.end_utc > low)
             .where(col(Series.status).in_(live_statuses(drafts))))
    if hub_id is not None:
        query = query.where(Series.hub_id == hub_id)
    return query


@transaction
def agenda(store: Store, *, hub_id: int | None = None, start: date | None = None,
           end: date | None = None, drafts: bool = False) -> list[AgendaItem]:
    """Every occurrence in the window across all series (or one hub's), sorted
    by start instant. Cancelled ones are listed with their status; archived
    series are left out, and draft series unless ``drafts``."""
    span = window(start, end)
    with store.query() as reader:
        if hub_id is not None:
            exists(reader, "hub", hub_id, "hub")
        return agenda_items(reader, span, store.now(), hub_id=hub_id, drafts=drafts)


# One query: the occurrences in the window's UTC range with their series, hub,
# slot host and seat sums (each sum one seek in the (occurrence, status) index).
_ITEMS = """
    SELECT o.id, o.series_id, o.start_utc, o.end_utc, o.status, o.capacity, o.host AS occ_host,
        o.location AS occ_location, s.name, s.hub_id, s.timezone, s.status AS series_status,
        s.host, s.location, h.name AS hub_name, sl.host AS slot_host,
        (SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id
         AND e.status = 'confirmed') AS booked,
        (SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id
         AND e.status = 'waitlisted') AS waitlisted
    FROM occurrence o JOIN series s ON s.id = o.series_id JOIN hub h ON h.id = s.hub_id
    LEFT JOIN slot sl ON sl.id = o.slot_id
    WHERE o.start_utc >= :earliest AND o.start_utc < :high AND o.end_utc > :low
    AND s.status IN (:statuses)"""
_ORDER = " ORDER BY o.start_utc, o.id"
_TIMES = ("start_utc", "end_utc")
_ALL_ITEMS = SQL(_ITEMS + _ORDER, times=_TIMES)
_HUB_ITEMS = SQL(_ITEMS + " AND s.hub_id = :hub" + _ORDER, times=_TIMES)


def agenda_items(target: Any, span: Window, now: datetime, *, hub_id: int | None = None,
                 drafts: bool = False) -> list[AgendaItem]:
    """:func:`agenda` inside the caller's transaction (a Reader or an ORM
    session): one query."""
    low, high = span.utc_bounds(now)
    earliest = low - LONGEST_SESSION if low > _FIRST + LONGEST_SESSION else low
    params: dict[str, Any] = {"low": low, "earliest": earliest, "high": high,
                              "statuses": live_statuses(drafts)}
    if hub_id is not None:
        params["hub"] = hub_id
    rows = (_ALL_ITEMS if hub_id is None else _HUB_ITEMS).rows(target, **params)
    items = []
    for r in rows:
        if not span.holds(r.start_utc, r.end_utc, r.timezone, now):
            continue
        tz = _zone(r.timezone)
        items.append(AgendaItem(
            id=r.id, series_id=r.series_id, series=r.name, hub_id=r.hub_id, hub=r.hub_name,
            start=from_utc_naive(r.start_utc, tz).isoformat(timespec="seconds"),
            end=from_utc_naive(r.end_utc, tz).isoformat(timespec="seconds"),
            start_utc=iso_utc(r.start_utc), timezone=r.timezone, status=r.status,
            capacity=r.capacity, booked=int(r.booked or 0), waitlisted=int(r.waitlisted or 0),
            host=r.occ_host if r.occ_host is not None else (r.slot_host or r.host),
            location=r.occ_location if r.occ_location is not None else r.location,
            series_status=r.series_status))
    return items
