"""The organizer's week: every occurrence of every series in a window of days.

A window is a span of local dates, inclusive; each occurrence is judged by the
date it has in its own series' zone, as ``occ list`` shows it. The database is
asked for a range of ``occurrence.start_utc`` (indexed) wide enough for any
zone, and the few rows at the edges that fall outside their zone's dates are
dropped here: the cost follows the window, not the number of series.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_
from sqlmodel import Session, col, func, select

from schedtui.domain.errors import invalid
from schedtui.domain.zones import from_utc_naive, iso_utc, localize, to_utc_naive, zone
from schedtui.services.common import get, naive_now
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Hub, Occurrence, SeatEntry, Series, Slot

DEFAULT_DAYS = 7
"""Without ``--to``: the first day and the six after it."""

# UTC offsets run from -12:00 to +14:00: a local day starts at most 14 hours
# before the same UTC day does and ends at most 12 hours after it (an hour more
# each way for safety).
_EARLY = timedelta(hours=15)
_LATE = timedelta(hours=13)


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

    def holds(self, start_utc: datetime, tz_name: str, now: datetime) -> bool:
        first, last = self.dates(tz_name, now)
        return first <= from_utc_naive(start_utc, _zone(tz_name)).date() <= last


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
    """``columns`` of the occurrences starting in the window's UTC range, their
    series (and hub) joined, series filtered by status and hub."""
    low, high = span.utc_bounds(now)
    query = (select(*columns).select_from(Occurrence)
             .join(Series, Series.id == Occurrence.series_id)
             .where(Occurrence.start_utc >= low).where(Occurrence.start_utc < high)
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
    with store.read() as session:
        if hub_id is not None:
            get(session, Hub, hub_id, "hub")
        return agenda_items(session, span, store.now(), hub_id=hub_id, drafts=drafts)


_ITEM_COLUMNS = (Occurrence.id, Occurrence.series_id, Occurrence.start_utc, Occurrence.end_utc,
                 Occurrence.status, Occurrence.capacity, Occurrence.host, Occurrence.location,
                 Series.name, Series.hub_id, Series.timezone, Series.status, Series.host,
                 Series.location, Hub.name, Slot.host)


def agenda_items(session: Session, span: Window, now: datetime, *, hub_id: int | None = None,
                 drafts: bool = False) -> list[AgendaItem]:
    """:func:`agenda` inside the caller's transaction: two queries."""
    query = (window_query(_ITEM_COLUMNS, span, now, hub_id=hub_id, drafts=drafts)
             .join(Hub, Hub.id == Series.hub_id)
             .outerjoin(Slot, Slot.id == Occurrence.slot_id)
             .order_by(Occurrence.start_utc, Occurrence.id))
    rows = [r for r in session.exec(query).all() if span.holds(r[2], r[10], now)]
    counts = _seat_counts(session, span, now, hub_id=hub_id, drafts=drafts)
    return [_item(row, counts) for row in rows]


def _item(row: tuple, counts: dict[int, tuple[int, int]]) -> AgendaItem:
    (occ_id, series_id, start_utc, end_utc, status, capacity, occ_host, occ_location,
     name, hub, tz_name, series_status, host, location, hub_name, slot_host) = row
    tz = _zone(tz_name)
    booked, waitlisted = counts.get(occ_id, (0, 0))
    return AgendaItem(
        id=occ_id, series_id=series_id, series=name, hub_id=hub, hub=hub_name,
        start=from_utc_naive(start_utc, tz).isoformat(timespec="seconds"),
        end=from_utc_naive(end_utc, tz).isoformat(timespec="seconds"),
        start_utc=iso_utc(start_utc), timezone=tz_name, status=status,
        capacity=capacity, booked=booked, waitlisted=waitlisted,
        host=occ_host if occ_host is not None else (slot_host or host),
        location=occ_location if occ_location is not None else location,
        series_status=series_status)


# -- a window of the week, for a screen that shows part of it -------------------------


MAX_PAGE_DAYS = 366


@dataclass(frozen=True)
class AgendaPage:
    """Part of an agenda, as a screen shows it: the occurrences of every day
    are in order of their local date, then start instant. ``per_day`` None:
    ``items`` are rows ``offset`` to ``offset + limit`` of that order, of
    ``total``; otherwise each day's rows ``offset`` to ``offset + limit``, and
    ``total`` is the most any day has. ``days`` counts each day's occurrences;
    ``ids`` are every occurrence of the window, in that order."""

    first: date
    last: date
    days: dict[date, int]
    total: int
    offset: int
    items: list[AgendaItem]
    ids: list[int]
    cancelled: int


@transaction
def agenda_page(store: Store, *, start: date, end: date, hub_id: int | None = None,
                offset: int = 0, limit: int = 100, per_day: bool = False,
                drafts: bool = False) -> AgendaPage:
    """A page of :func:`agenda` (see :class:`AgendaPage`). Its cost follows the
    page, not the week: the week's occurrences are read as (id, start, zone)
    from the start index, and only the page's rows and seat counts in full."""
    span = window(start, end)
    if (end - start).days >= MAX_PAGE_DAYS:
        raise invalid(f"A page of the agenda spans at most {MAX_PAGE_DAYS} days.")
    now = store.now()
    with store.read() as session:
        if hub_id is not None:
            get(session, Hub, hub_id, "hub")
        light = window_query((Occurrence.id, Occurrence.start_utc, Series.timezone,
                              Occurrence.status), span, now, hub_id=hub_id, drafts=drafts)
        first_days = [start + timedelta(days=n) for n in range((end - start).days + 2)]
        edges: dict[str, list[datetime]] = {}
        keyed = []
        cancelled = 0
        # Core rows, not ORM ones (a week at scale 1 is some 5,000), and each
        # start's local date found among its zone's midnights by bisection.
        for occ_id, start_utc, tz_name, status in session.connection().execute(light).all():
            if tz_name not in edges:
                edges[tz_name] = _midnights(first_days, tz_name)
            at = bisect_right(edges[tz_name], start_utc) - 1
            if 0 <= at < len(first_days) - 1:
                keyed.append((first_days[at], start_utc, occ_id))
                cancelled += status == "cancelled"
        keyed.sort()
        days: dict[date, int] = {}
        for day, _, _ in keyed:
            days[day] = days.get(day, 0) + 1
        offset = max(offset, 0)
        if per_day:
            wanted, at = [], 0
            for day in sorted(days):
                wanted += [k[2] for k in keyed[at + offset:at + min(days[day], offset + limit)]]
                at += days[day]
            total = max(days.values(), default=0)
        else:
            wanted = [k[2] for k in keyed[offset:offset + limit]]
            total = len(keyed)
        items = _items(session, wanted)
        place = {occ_id: n for n, occ_id in enumerate(wanted)}
        items.sort(key=lambda item: place[item.id])
        return AgendaPage(start, end, days, total, offset, items, [k[2] for k in keyed],
                          cancelled)


def _midnights(days: list[date], tz_name: str) -> list[datetime]:
    """The naive-UTC instant each of ``days`` begins in a zone."""
    tz = _zone(tz_name)
    out = []
    for day in days:
        try:
            out.append(to_utc_naive(localize(day, time(0), tz)))
        except OverflowError:
            out.append(datetime.min if day.year < 2 else datetime.max)  # noqa: DTZ901
    return out


def _items(session: Session, ids: list[int]) -> list[AgendaItem]:
    """These occurrences as agenda items (any order), with their seat counts."""
    if not ids:
        return []
    rows = session.exec(select(*_ITEM_COLUMNS).select_from(Occurrence)
                        .join(Series, Series.id == Occurrence.series_id)
                        .join(Hub, Hub.id == Series.hub_id)
                        .outerjoin(Slot, Slot.id == Occurrence.slot_id)
                        .where(col(Occurrence.id).in_(ids))).all()
    counts: dict[int, list[int]] = {}
    for occ_id, status, seats in session.exec(
            select(SeatEntry.occurrence_id, SeatEntry.status, func.sum(SeatEntry.seats))
            .where(col(SeatEntry.occurrence_id).in_(ids))
            .where(col(SeatEntry.status).in_(("confirmed", "waitlisted")))
            .group_by(SeatEntry.occurrence_id, SeatEntry.status)).all():
        counts.setdefault(occ_id, [0, 0])[0 if status == "confirmed" else 1] += int(seats or 0)
    return [_item(row, {k: (v[0], v[1]) for k, v in counts.items()}) for row in rows]


def _seat_counts(session: Session, span: Window, now: datetime, *, hub_id: int | None,
                 drafts: bool) -> dict[int, tuple[int, int]]:
    """Confirmed and waitlisted seats of every occurrence in the window's UTC
    range, in one query (the rows outside a zone's dates are simply not asked for)."""
    query = (window_query((SeatEntry.occurrence_id, SeatEntry.status, func.sum(SeatEntry.seats)),
                          span, now, hub_id=hub_id, drafts=drafts)
             .join(SeatEntry, and_(SeatEntry.occurrence_id == Occurrence.id,
                                   col(SeatEntry.status).in_(("confirmed", "waitlisted"))))
             .group_by(SeatEntry.occurrence_id, SeatEntry.status))
    counts: dict[int, list[int]] = {}
    for occ_id, status, seats in session.exec(query).all():
        counts.setdefault(occ_id, [0, 0])[0 if status == "confirmed" else 1] += int(seats or 0)
    return {k: (v[0], v[1]) for k, v in counts.items()}
