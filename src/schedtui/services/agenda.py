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

from sqlalchemy import and_
from sqlmodel import Session, col, func, select

from schedtui.domain.errors import invalid
from schedtui.domain.zones import LONGEST_SESSION, from_utc_naive, iso_utc, localize, zone
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
    with store.read() as session:
        if hub_id is not None:
            get(session, Hub, hub_id, "hub")
        return agenda_items(session, span, store.now(), hub_id=hub_id, drafts=drafts)


def agenda_items(session: Session, span: Window, now: datetime, *, hub_id: int | None = None,
                 drafts: bool = False) -> list[AgendaItem]:
    """:func:`agenda` inside the caller's transaction: two queries."""
    columns = (Occurrence.id, Occurrence.series_id, Occurrence.start_utc, Occurrence.end_utc,
               Occurrence.status, Occurrence.capacity, Occurrence.host, Occurrence.location,
               Series.name, Series.hub_id, Series.timezone, Series.status, Series.host,
               Series.location, Hub.name, Slot.host)
    query = (window_query(columns, span, now, hub_id=hub_id, drafts=drafts)
             .join(Hub, Hub.id == Series.hub_id)
             .outerjoin(Slot, Slot.id == Occurrence.slot_id)
             .order_by(Occurrence.start_utc, Occurrence.id))
    rows = [r for r in session.exec(query).all() if span.holds(r[2], r[3], r[10], now)]
    counts = _seat_counts(session, span, now, hub_id=hub_id, drafts=drafts)
    items = []
    for (occ_id, series_id, start_utc, end_utc, status, capacity, occ_host, occ_location,
         name, hub, tz_name, series_status, host, location, hub_name, slot_host) in rows:
        tz = _zone(tz_name)
        booked, waitlisted = counts.get(occ_id, (0, 0))
        items.append(AgendaItem(
            id=occ_id, series_id=series_id, series=name, hub_id=hub, hub=hub_name,
            start=from_utc_naive(start_utc, tz).isoformat(timespec="seconds"),
            end=from_utc_naive(end_utc, tz).isoformat(timespec="seconds"),
            start_utc=iso_utc(start_utc), timezone=tz_name, status=status,
            capacity=capacity, booked=booked, waitlisted=waitlisted,
            host=occ_host if occ_host is not None else (slot_host or host),
            location=occ_location if occ_location is not None else location,
            series_status=series_status))
    return items


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
