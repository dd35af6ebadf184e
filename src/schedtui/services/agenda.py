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
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from schedtui.domain.errors import invalid
from schedtui.domain.zones import (
    LONGEST_SESSION,
    from_utc_naive,
    iso_utc,
    localize,
    to_utc_naive,
    zone,
)
from schedtui.services.reads import exists, naive_now
from schedtui.store.engine import Store, transaction
from schedtui.store.sql import LONG_SESSION, SQL

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
    kind: str = "series"  # "event": a one-off event
    private: bool = False  # left out of shared calendar exports

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
# slot host and seat sums (each sum read from the (occurrence, status, seats)
# index alone).
_SELECT = """
    SELECT o.id, o.series_id, o.start_utc, o.end_utc, o.status, o.capacity, o.host AS occ_host,
        o.location AS occ_location, s.name, s.hub_id, s.timezone, s.status AS series_status,
        s.host, s.location, h.name AS hub_name, sl.host AS slot_host, s.kind, s.private,
        (SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id
         AND e.status = 'confirmed') AS booked,
        (SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id
         AND e.status = 'waitlisted') AS waitlisted
    FROM occurrence o JOIN series s ON s.id = o.series_id JOIN hub h ON h.id = s.hub_id
    LEFT JOIN slot sl ON sl.id = o.slot_id"""
_WINDOW = """
    WHERE o.start_utc >= :earliest AND o.start_utc < :high AND o.end_utc > :low
    AND s.status IN (:statuses)"""
_IN_HUB = " AND s.hub_id = :hub"
_ORDER = " ORDER BY o.start_utc, o.id"
_TIMES = ("start_utc", "end_utc")
_ALL_ITEMS = SQL(_SELECT + _WINDOW + _ORDER, times=_TIMES)
_HUB_ITEMS = SQL(_SELECT + _WINDOW + _IN_HUB + _ORDER, times=_TIMES)
_ITEMS_BY_ID = SQL(_SELECT + " WHERE o.id IN (:ids)", times=_TIMES)


def _window_params(span: Window, now: datetime, hub_id: int | None,
                   drafts: bool) -> dict[str, Any]:
    low, high = span.utc_bounds(now)
    earliest = low - LONGEST_SESSION if low > _FIRST + LONGEST_SESSION else low
    params: dict[str, Any] = {"low": low, "earliest": earliest, "high": high,
                              "statuses": live_statuses(drafts)}
    if hub_id is not None:
        params["hub"] = hub_id
    return params


def agenda_items(target: Any, span: Window, now: datetime, *, hub_id: int | None = None,
                 drafts: bool = False) -> list[AgendaItem]:
    """:func:`agenda` inside the caller's transaction (a Reader or an ORM
    session): one query."""
    rows = (_ALL_ITEMS if hub_id is None else _HUB_ITEMS).rows(
        target, **_window_params(span, now, hub_id, drafts))
    return [_item(r) for r in rows if span.holds(r.start_utc, r.end_utc, r.timezone, now)]


def _item(r: Any) -> AgendaItem:
    tz = _zone(r.timezone)
    return AgendaItem(
        id=r.id, series_id=r.series_id, series=r.name, hub_id=r.hub_id, hub=r.hub_name,
        start=from_utc_naive(r.start_utc, tz).isoformat(timespec="seconds"),
        end=from_utc_naive(r.end_utc, tz).isoformat(timespec="seconds"),
        start_utc=iso_utc(r.start_utc), timezone=r.timezone, status=r.status,
        capacity=r.capacity, booked=int(r.booked or 0), waitlisted=int(r.waitlisted or 0),
        host=r.occ_host if r.occ_host is not None else (r.slot_host or r.host),
        location=r.occ_location if r.occ_location is not None else r.location,
        series_status=r.series_status, kind=r.kind, private=bool(r.private))


# -- a window of the week, for a screen that shows part of it -------------------------


MAX_PAGE_DAYS = 366


@dataclass(frozen=True)
class AgendaPage:
    """Part of an agenda, as a screen shows it: the occurrences of every day
    are in order of their local date, then start instant. ``per_day`` None:
    ``items`` are rows ``offset`` to ``offset + limit`` of that order, of
    ``total``; otherwise each day's rows ``offset`` to ``offset + limit``, and
    ``total`` is the most any day has. ``days`` counts each day's occurrences,
    ``count`` all of them (``cancelled`` of those are cancelled);
    :func:`agenda_ids` gives every one's id, in that order."""

    first: date
    last: date
    days: dict[date, int]
    total: int
    offset: int
    items: list[AgendaItem]
    count: int
    cancelled: int


# The page is worked out in the database: each occurrence's local date is the
# number of its zone's midnights at or before its start (a CASE on the series'
# zone, then on the start against that zone's midnights, over the start index),
# so only the days' counts and the page's ids come back, not the whole week.
# The day is computed once a row (grouped or sorted on, never filtered on): the
# rows of the UTC range that fall before or after the window in their zone are
# counted as days -1 and ``days`` and skipped by the offset.
_FROM = " FROM occurrence o JOIN series s ON s.id = o.series_id"
_LIVE = " AND s.status IN (:statuses)"
_ZONES = "SELECT DISTINCT s.timezone FROM series s WHERE s.status IN (:statuses)"
# Sessions that began before the window and may still run into it, and those
# the UTC range holds that start before their zone's first day (a few hours):
# from a day before on, any session; before that, only one of more than a day
# can reach the window, and those are few and in an index of their own.
_BEFORE = ("SELECT o.id, o.start_utc, o.end_utc, s.timezone" + _FROM +
           " WHERE o.start_utc >= :recent AND o.start_utc < :edge AND o.end_utc > :low"
           + _LIVE + "{hub} UNION ALL SELECT o.id, o.start_utc, o.end_utc, s.timezone" + _FROM +
           " WHERE {long} AND o.start_utc >= :earliest AND o.start_utc < :recent"
           " AND o.end_utc > :low" + _LIVE + "{hub}")


@lru_cache(maxsize=64)
def _page_sql(zones: int, days: int, hub: bool, early: bool, kind: str) -> SQL:
    """The statement of one kind (``zones``, ``before``, ``counts``, ``page``,
    ``per_day``, ``ids``) for ``zones`` zones and ``days`` days."""
    in_hub = " AND s.hub_id = :hub" if hub else ""
    if kind == "zones":
        return SQL(_ZONES + in_hub)
    if kind.startswith("before:"):  # before:DIALECT
        long = LONG_SESSION[kind.split(":")[1]].replace("end_utc", "o.end_utc").replace(
            "start_utc", "o.start_utc")
        return SQL(_BEFORE.format(hub=in_hub, long=long), times=_TIMES)
    case = " ".join(
        f"WHEN :z{z} THEN CASE "
        + " ".join(f"WHEN o.start_utc < :m{z}_{d} THEN {d - 1}" for d in range(days + 1))
        + f" ELSE {days} END" for z in range(zones))
    day = f"CASE s.timezone {case} END"
    rows = "o.start_utc >= :low AND o.start_utc < :high"
    if early:  # the sessions of days from before, on the first day
        day = f"CASE WHEN o.id IN (:early) THEN 0 ELSE {day} END"
        rows = f"(({rows}) OR o.id IN (:early))"
    inner = (f"SELECT o.id, o.start_utc, o.status, {day} AS day" + _FROM + f" WHERE {rows}"
             + _LIVE + in_hub)
    counts = ("SELECT t.day, count(*) AS n, sum(CASE WHEN t.status = 'cancelled' THEN 1 "
              "ELSE 0 END) AS cancelled, CAST(NULL AS INTEGER) AS id FROM {rows} t GROUP BY t.day")
    if kind == "counts":
        return SQL(counts.format(rows=f"({inner})"))
    if kind == "page":  # the counts and the list's page in one pass over the week
        return SQL(f"WITH w AS ({inner}) " + counts.format(rows="w") + " UNION ALL "
                   "SELECT * FROM (SELECT CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), "
                   "CAST(NULL AS INTEGER), p.id FROM w p WHERE p.day >= 0 "
                   "AND p.day < :days ORDER BY p.day, p.start_utc, p.id "
                   "LIMIT :limit OFFSET :offset) page")
    if kind == "per_day":
        return SQL("SELECT t.id, t.day FROM (SELECT i.id, i.day, row_number() OVER "
                   f"(PARTITION BY i.day ORDER BY i.start_utc, i.id) AS n FROM ({inner}) i) t "
                   "WHERE t.n > :offset AND t.n <= :stop ORDER BY t.day, t.n")
    return SQL(f"SELECT t.id FROM ({inner}) t ORDER BY t.day, t.start_utc, t.id")  # ids


def _day_params(reader: Any, span: Window, now: datetime, hub_id: int | None,
                drafts: bool) -> tuple[dict[str, Any], int, list[date]] | None:
    """The parameters of a page's statements (the window's range, each live
    zone with its midnights, the sessions of days from before as ``early``),
    the number of zones and the window's days; None: no live series."""
    params = _window_params(span, now, hub_id, drafts)
    hub = hub_id is not None
    zones = sorted(r.timezone for r in _page_sql(0, 0, hub, False, "zones").rows(
        reader, **{k: v for k, v in params.items() if k in ("statuses", "hub")}))
    if not zones:
        return None
    assert span.start is not None and span.end is not None
    days = [span.start + timedelta(days=n) for n in range((span.end - span.start).days + 2)]
    edges = {}
    for z, name in enumerate(zones):
        edges[name] = _midnights(tuple(days), name)
        params[f"z{z}"] = name
        params.update((f"m{z}_{d}", edge) for d, edge in enumerate(edges[name]))
    params["days"] = len(days) - 1
    before = _page_sql(0, 0, hub, False, f"before:{reader.dialect}").rows(
        reader, **params, edge=max(e[0] for e in edges.values()),
        recent=max(params["earliest"], params["low"] - _DAY))
    params["early"] = [r.id for r in sorted(before, key=lambda r: (r.start_utc, r.id))
                       if r.start_utc < edges[r.timezone][0]
                       and span.holds(r.start_utc, r.end_utc, r.timezone, now)]
    return params, len(zones), days[:-1]


def _statement(params: dict[str, Any], zones: int, days: list[date], hub_id: int | None,
               kind: str) -> SQL:
    return _page_sql(zones, len(days), hub_id is not None, bool(params["early"]), kind)


def _used(params: dict[str, Any]) -> dict[str, Any]:
    return params if params["early"] else {k: v for k, v in params.items() if k != "early"}


@transaction
def agenda_page(store: Store, *, start: date, end: date, hub_id: int | None = None,
                offset: int = 0, limit: int = 100, per_day: bool = False,
                drafts: bool = False) -> AgendaPage:
    """A page of :func:`agenda` (see :class:`AgendaPage`). Its cost follows the
    page, not the week: the database counts each day's occurrences and picks
    the page's ids, and only the page's rows and seat counts are read in full.
    A session of days that began before the window is listed on its first day."""
    span = window(start, end)
    if (end - start).days >= MAX_PAGE_DAYS:
        raise invalid(f"A page of the agenda spans at most {MAX_PAGE_DAYS} days.")
    now = store.now()
    offset = max(offset, 0)
    with store.query() as reader:
        if hub_id is not None:
            exists(reader, "hub", hub_id, "hub")
        found = _day_params(reader, span, now, hub_id, drafts)
        if found is None:
            return AgendaPage(start, end, {}, 0, offset, [], 0, 0)
        params, zones, days = found
        if per_day:
            counts = _statement(params, zones, days, hub_id, "counts").rows(
                reader, **_used(params))
        else:  # the rows of the page come with the counts (their id set, not their day)
            both = _statement(params, zones, days, hub_id, "page").rows(
                reader, **_used(params), offset=offset, limit=limit)
            counts = [r for r in both if r.id is None]
            wanted = [r.id for r in both if r.id is not None]
        inside = [r for r in counts if 0 <= r.day < len(days)]
        per = {days[r.day]: int(r.n) for r in sorted(inside)}
        cancelled = sum(int(r.cancelled or 0) for r in inside)
        count = sum(per.values())
        if per_day:
            wanted = [r.id for r in _statement(params, zones, days, hub_id, "per_day").rows(
                reader, **_used(params), offset=offset, stop=offset + limit)
                if 0 <= r.day < len(days)]
            total = max(per.values(), default=0)
        else:
            total = count
        items = {}
        for n in range(0, len(wanted), 900):
            items.update((r.id, _item(r)) for r in _ITEMS_BY_ID.rows(
                reader, ids=wanted[n:n + 900]))
        return AgendaPage(start, end, per, total, offset, [items[i] for i in wanted], count,
                          cancelled)


@transaction
def agenda_ids(store: Store, *, start: date, end: date, hub_id: int | None = None,
               drafts: bool = False) -> list[int]:
    """Every occurrence id of :func:`agenda_page`'s window, in its order."""
    span = window(start, end)
    if (end - start).days >= MAX_PAGE_DAYS:
        raise invalid(f"A page of the agenda spans at most {MAX_PAGE_DAYS} days.")
    with store.query() as reader:
        if hub_id is not None:
            exists(reader, "hub", hub_id, "hub")
        found = _day_params(reader, span, store.now(), hub_id, drafts)
        if found is None:
            return []
        params, zones, days = found
        counts = _statement(params, zones, days, hub_id, "counts").rows(reader, **_used(params))
        ahead = sum(int(r.n) for r in counts if r.day < 0)
        count = sum(int(r.n) for r in counts if 0 <= r.day < len(days))
        return [r.id for r in _statement(params, zones, days, hub_id, "ids").rows(
            reader, **_used(params))][ahead:ahead + count]


@lru_cache(maxsize=512)
def _midnights(days: tuple[date, ...], tz_name: str) -> tuple[datetime, ...]:
    """The naive-UTC instant each of ``days`` begins in a zone (kept: every page
    of a week asks for the same ones, some twenty zones of nine days each)."""
    tz = _zone(tz_name)
    out = []
    for day in days:
        try:
            out.append(to_utc_naive(localize(day, time(0), tz)))
        except OverflowError:
            out.append(datetime.min if day.year < 2 else datetime.max)  # noqa: DTZ901
    return tuple(out)
