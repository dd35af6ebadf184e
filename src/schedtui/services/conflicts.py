"""Double-bookings: one host, or one place, in two occurrences at once.

Two occurrences double-book when their times overlap (UTC, the end exclusive;
a moment, a session of no length, overlaps a session running at its instant
and a moment at the same instant),
neither is cancelled, and they share a non-empty host, or a non-empty location
that is not a web address, compared trimmed and case-insensitive. Occurrences of
archived series never count; those of draft series only when they are the ones
being checked (a draft is not on anybody's calendar yet).

Finding the occurrences that may overlap some given ones is a range query on
``occurrence.start_utc`` (indexed) per stretch of time, cut by ``end_utc``: an
occurrence lasts at most LONGEST_SESSION (31 days and an hour), so whatever
overlaps [start, end) starts in [start - LONGEST_SESSION, end) and ends after
start.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, func, not_, or_
from sqlmodel import Session, col, select

from schedtui.domain.zones import LONGEST_SESSION, from_utc_naive, zone
from schedtui.services.agenda import Window, window, window_query
from schedtui.services.common import get, naive_now
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Hub, Occurrence, Series, Slot

LONGEST = LONGEST_SESSION
"""The longest an occurrence may last in real time (zones.MAX_SESSION_DAYS, and
an hour for a clock change)."""

_MERGE = timedelta(days=1)
_INSTANT = timedelta(microseconds=1)
_RANGES_PER_QUERY = 200  # two parameters each: well under SQLite's limit
_WEB = re.compile(r"^([a-z][a-z0-9+.\-]*://|www\.)", re.IGNORECASE)


def is_web_address(location: str) -> bool:
    return bool(_WEB.match(location.strip()))


@dataclass(frozen=True)
class Booked:
    """An occurrence with the host and place it has in effect."""

    id: int
    series_id: int
    series: str
    series_status: str
    timezone: str
    start: datetime  # naive UTC
    end: datetime
    host: str
    location: str
    booking: tuple[tuple[str, str, str], ...] = field(init=False, repr=False, compare=False)
    """(kind, compared key, name as written) for each thing it books (worked
    out once: a check compares thousands of occurrences)."""

    def __post_init__(self) -> None:
        found = []
        host = self.host.strip()
        if host:
            found.append(("host", host.casefold(), host))
        place = self.location.strip()
        if place and not is_web_address(place):
            found.append(("location", place.casefold(), place))
        object.__setattr__(self, "booking", tuple(found))


@dataclass(frozen=True)
class DoubleBooking:
    """One overlapping pair, the earlier occurrence first."""

    kind: str  # "host" or "location"
    name: str
    first: Booked
    second: Booked

    @property
    def occurrences(self) -> list[int]:
        return [self.first.id, self.second.id]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "occurrences": self.occurrences}


_COLUMNS = (Occurrence.id, Occurrence.series_id, Occurrence.start_utc, Occurrence.end_utc,
            Occurrence.host, Occurrence.location, Series.name, Series.status, Series.timezone,
            Series.host, Series.location, Slot.host)


def _booked(row) -> Booked:
    (occ_id, series_id, start, end, host, location, name, status, tz_name, series_host,
     series_location, slot_host) = row
    return Booked(occ_id, series_id, name, status, tz_name, start, end,
                  host if host is not None else (slot_host or series_host or ""),
                  location if location is not None else (series_location or ""))


def _live(query):
    return (query.join(Series, Series.id == Occurrence.series_id)
            .outerjoin(Slot, Slot.id == Occurrence.slot_id)
            .where(Occurrence.status != "cancelled")
            .where(Series.status != "archived"))


def _spans(items: Sequence[Booked]) -> list[tuple[datetime, datetime]]:
    """The stretches of time to ask about, overlapping ones merged: the rows
    wanted start before a stretch's end and end after its start. Stretches less
    than a day apart are merged (fewer ranges; the few rows between are
    compared and dropped)."""
    spans: list[list[datetime]] = []
    for item in sorted(items, key=lambda b: b.start):
        if spans and item.start - _MERGE <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], item.end)
        else:
            spans.append([item.start, item.end])
    return [(a, b) for a, b in spans]


_HOST = func.coalesce(Occurrence.host, case((func.coalesce(Slot.host, "") != "", Slot.host),
                                             else_=Series.host), "")
_PLACE = func.coalesce(Occurrence.location, Series.location, "")


def _keys(items: Sequence[Booked]) -> tuple[list[str], list[str]]:
    hosts = sorted({key for b in items for kind, key, _ in b.booking if kind == "host"})
    places = sorted({key for b in items for kind, key, _ in b.booking if kind == "location"})
    return hosts, places


def _matching(expr, keys: list[str], dialect: str) -> list:
    """Terms keeping the rows where ``expr``, trimmed and lowercased, is one of
    ``keys``. lower() may fold ASCII letters only (SQLite, a PostgreSQL database
    in the C locale): when a key has other letters, every row with such letters
    comes back too and is compared here, by casefold()."""
    if not keys:
        return []
    terms = [func.lower(func.trim(expr)).in_(keys)]
    if any(not k.isascii() for k in keys):
        terms.append(expr.op("GLOB")("*[^\x01-\x7f]*") if dialect == "sqlite"
                     else expr.op("~")("[^\x01-\x7f]"))
    return terms


def _sharing(items: Sequence[Booked], dialect: str):
    """A WHERE clause keeping the rows whose host or place is one of those of
    ``items``, so the rows that come back are the candidates, not everything
    that happens at the time."""
    hosts, places = _keys(items)
    terms = _matching(_HOST, hosts, dialect) + _matching(_PLACE, places, dialect)
    return or_(*terms) if terms else None


def _candidate_series(items: Sequence[Booked], dialect: str):
    """The ids of the series whose own host or place, or a time of day's host,
    is one of those of ``items`` (series and slots are few; occurrences many)."""
    hosts, places = _keys(items)
    slots = _matching(Slot.host, hosts, dialect)
    terms = _matching(Series.host, hosts, dialect) + _matching(Series.location, places, dialect)
    if slots:
        terms.append(col(Series.id).in_(select(Slot.series_id).where(or_(*slots))))
    return select(Series.id).where(or_(*terms)) if terms else None


def _around(session: Session, items: Sequence[Booked], held=None) -> list[Booked]:
    """Every live occurrence that may overlap one of ``items`` and shares a
    host or place with one: indexed range queries on start_utc, a few hundred
    ranges a query, asked of the occurrences of the series that share one, and
    of the occurrences with a host or place of their own (their own partial
    index; so a busy calendar costs the rows that match, not all that happens
    at the time). ``held``: a condition the rows the caller holds already
    meet (``items`` read by series), so they are not read a second time."""
    dialect = session.get_bind().dialect.name
    sharing = _sharing(items, dialect)
    if sharing is None:
        return []
    series = _candidate_series(items, dialect)
    spans = _spans(items)
    found: list[Booked] = []
    for i in range(0, len(spans), _RANGES_PER_QUERY):
        chunk = spans[i:i + _RANGES_PER_QUERY]
        in_spans = or_(*[and_(Occurrence.start_utc >= low - LONGEST,
                              Occurrence.start_utc <= high, Occurrence.end_utc >= low)
                         for low, high in chunk])
        # store/migrate.py's OWN_BOOKING: read from the partial index ix_occurrence_own
        own = or_(col(Occurrence.host).is_not(None), col(Occurrence.location).is_not(None))
        for which in (col(Occurrence.series_id).in_(series.scalar_subquery()), own):
            query = (_live(select(*_COLUMNS).select_from(Occurrence))
                     .where(which).where(in_spans).where(sharing))
            if held is not None:
                query = query.where(not_(held))
            found.extend(_booked(r) for r in session.exec(query).all())
    return found


def _load(session: Session, occurrence_ids: Iterable[int], column=Occurrence.id,
          since: datetime | None = None) -> list[Booked]:
    """The live occurrences of these ids (or of these series, with
    ``column=Occurrence.series_id``), those that end after ``since`` if given."""
    ids = sorted(set(occurrence_ids))
    found: list[Booked] = []
    for i in range(0, len(ids), 900):
        query = _live(select(*_COLUMNS).select_from(Occurrence)).where(
            col(column).in_(ids[i:i + 900]))
        if since is not None:
            query = query.where(Occurrence.end_utc > since)
        found.extend(_booked(r) for r in session.exec(query).all())
    return found


def _overlap(a: Booked, b: Booked) -> bool:
    """[start, end) against [start, end); a moment counts as its own instant."""
    return a.start < max(b.end, b.start + _INSTANT) and b.start < max(a.end, a.start + _INSTANT)


def _pairs(checked: Sequence[Booked], others: Sequence[Booked]) -> list[DoubleBooking]:
    """Each pair of one checked occurrence and any other that overlap and share
    a host or a place; each pair once. Others are grouped by what they book,
    so each checked occurrence looks only at those with its host or place that
    start no earlier than the longest of them lasts (not the 31 days any
    session may last: a room of hour-long sessions is searched an hour back)."""
    checked_ids = {b.id for b in checked}
    by_key: dict[tuple[str, str], list[Booked]] = {}
    for other in {b.id: b for b in others}.values():
        if other.series_status == "draft" and other.id not in checked_ids:
            continue
        for kind, key, _ in other.booking:
            by_key.setdefault((kind, key), []).append(other)
    # per host or place: its occurrences by start, their starts, the longest
    groups: dict[tuple[str, str], tuple[list[Booked], list[datetime], timedelta]] = {}
    for group, entries in by_key.items():
        entries.sort(key=lambda b: (b.start, b.id))
        groups[group] = (entries, [b.start for b in entries],
                         max(max(b.end - b.start, _INSTANT) for b in entries))
    seen: set[tuple[str, int, int]] = set()
    found = []
    for item in checked:
        for kind, key, _ in item.booking:
            group = groups.get((kind, key))
            if group is None:
                continue
            entries, starts, longest = group
            low = bisect_left(starts, item.start - longest)
            high = bisect_left(starts, max(item.end, item.start + _INSTANT), low)
            for other in entries[low:high]:
                if other.id == item.id or not _overlap(item, other):
                    continue
                first, second = ((item, other) if (item.start, item.id) < (other.start, other.id)
                                 else (other, item))
                if (kind, first.id, second.id) in seen:
                    continue
                seen.add((kind, first.id, second.id))
                name = next(n for k, c, n in first.booking if (k, c) == (kind, key))
                found.append(DoubleBooking(kind, name, first, second))
    found.sort(key=lambda d: (d.first.start, d.first.id, d.second.start, d.second.id, d.kind))
    return found


def double_bookings(session: Session, occurrence_ids: Iterable[int]) -> list[DoubleBooking]:
    """The double-bookings of the given occurrences with any other (including
    each other), inside the caller's transaction. Cancelled occurrences and
    those of archived series have none."""
    checked = _load(session, occurrence_ids)
    if not checked:
        return []
    return _pairs(checked, _around(session, checked))


def warnings(session: Session, occurrence_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The ``double_booked`` warnings a change that made or moved these
    occurrences returns: one per host or place and pair of series, naming how
    many times they clash and the first."""
    return _warnings_of(double_bookings(session, occurrence_ids))


def warnings_of_series(session: Session, series_ids: Iterable[int],
                       now: datetime) -> list[dict[str, Any]]:
    """:func:`warnings` for the occurrences of these series that have not
    ended at ``now``, read once by series (an import checks every occurrence
    of a file: the others around them are read without them)."""
    ids, since = sorted(set(series_ids)), naive_now(now)
    checked = _load(session, ids, Occurrence.series_id, since)
    if not checked:
        return []
    # the ids written into the statement (integers): a file may make thousands
    ids_in = bindparam("held_series", ids, expanding=True, literal_execute=True)
    held = and_(col(Occurrence.series_id).in_(ids_in), Occurrence.end_utc > since)
    return _warnings_of(_pairs(checked, _around(session, checked, held) + checked))


def _series_label(booked: Booked) -> str:
    return f"{booked.series} (series {booked.series_id})" if booked.series_id > 0 else \
        f"{booked.series or 'the new series'} (not saved yet)"


def _warnings_of(clashes: Iterable[DoubleBooking]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, int, int], list[DoubleBooking]] = {}
    for clash in clashes:
        pair = sorted((clash.first.series_id, clash.second.series_id))
        groups.setdefault((clash.kind, clash.name.casefold(), pair[0], pair[1]),
                          []).append(clash)
    found = []
    for (kind, _, _, _), clashes in groups.items():
        first = clashes[0]
        what = "Host" if kind == "host" else "Location"
        if first.first.series_id == first.second.series_id:
            between = f"{_series_label(first.first)} with itself"
        else:
            between = f"{_series_label(first.first)} and {_series_label(first.second)}"
        when = from_utc_naive(first.first.start, zone(first.first.timezone))
        times = "once" if len(clashes) == 1 else f"{len(clashes)} times"
        ids = sorted({i for c in clashes for i in c.occurrences if i > 0})
        found.append({
            "code": "double_booked",
            "message": f'{what} "{first.name}" is booked twice: {between} overlap {times}, '
                       f"first on {when:%Y-%m-%d %H:%M} ({first.first.timezone}).",
            "occurrences": ids,
        })
    return found


@transaction
def occurrence_warnings(store: Store, occurrence_ids: Sequence[int]) -> list[dict[str, Any]]:
    """:func:`warnings` for some occurrences, in a transaction of its own."""
    with store.read() as session:
        return warnings(session, occurrence_ids)


@transaction
def series_warnings(store: Store, series_id: int) -> list[dict[str, Any]]:
    """:func:`warnings` for the occurrences of a series that have not ended yet."""
    with store.read() as session:
        return warnings_of_series(session, [series_id], store.now())


@transaction
def conflicts(store: Store, *, hub_id: int | None = None, start: date | None = None,
              end: date | None = None) -> list[DoubleBooking]:
    """Every double-booking with at least one occurrence in the window (local
    dates, as the agenda's) and, given ``hub_id``, in that hub's series."""
    span = window(start, end)
    with store.read() as session:
        if hub_id is not None:
            get(session, Hub, hub_id, "hub")
        return conflicts_in(session, span, store.now(), hub_id=hub_id)


def conflicts_in(session: Session, span: Window, now: datetime, *,
                 hub_id: int | None = None) -> list[DoubleBooking]:
    query = window_query(_COLUMNS, span, now, hub_id=hub_id, drafts=False)
    query = (query.outerjoin(Slot, Slot.id == Occurrence.slot_id)
             .where(Occurrence.status != "cancelled"))
    checked = [b for b in map(_booked, session.exec(query).all())
               if span.holds(b.start, b.end, b.timezone, now)]
    if not checked:
        return []
    return _pairs(checked, _around(session, checked))


# -- what a change not yet saved would double-book (the desk's form previews) -----------


@dataclass(frozen=True)
class Proposed:
    """An occurrence as a change would make it: UTC instants (aware or naive),
    the host and the place it would have."""

    start: datetime
    end: datetime
    host: str = ""
    location: str = ""
    id: int = 0  # a stored occurrence the change moves or changes (0: a new one)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def proposed_in(session: Session, proposed: Sequence[Proposed], *, series_id: int = 0,
                name: str = "", timezone: str = "UTC",
                replacing: Iterable[int] = ()) -> list[DoubleBooking]:
    """The double-bookings occurrences not saved yet would make with those
    stored (and with each other), inside the caller's transaction. The stored
    occurrences in ``replacing`` (those the change moves or re-plans) do not
    count, nor those the proposed ones stand for (their ``id``). New ones
    carry ids -1, -2, ... and ``series_id`` (0: a new series)."""
    checked = [Booked(p.id or -n, series_id, name, "published", timezone, _naive(p.start),
                      _naive(p.end), p.host, p.location)
               for n, p in enumerate(proposed, 1)]
    if not checked:
        return []
    gone = set(replacing) | {p.id for p in proposed if p.id}
    others = [b for b in _around(session, checked) if b.id not in gone]
    return _pairs(checked, others + checked)


@transaction
def change_warnings(store: Store, proposed: Sequence[Proposed], *, series_id: int = 0,
                    name: str = "", timezone: str = "UTC",
                    replacing: Sequence[int] = ()) -> list[dict[str, Any]]:
    """The ``double_booked`` warnings a change would bring, before it is made
    (a move, a new host or place of one occurrence): :func:`proposed_in`
    grouped as the change's result would report them."""
    with store.read() as session:
        return _warnings_of(proposed_in(session, proposed, series_id=series_id, name=name,
                                        timezone=timezone, replacing=replacing))


@transaction
def plan_warnings(store: Store, *, rrule: str, start: date, timezone: str,
                  times: Sequence[Any], duration_minutes: int, host: str = "",
                  location: str = "", horizon_weeks: int = 26, series_id: int = 0,
                  name: str = "", since: datetime | None = None) -> list[dict[str, Any]]:
    """The ``double_booked`` warnings a series planned with these settings would
    bring (the series form's preview), before anything is saved: its
    occurrences that have not ended (from ``since``, a split's point, if
    given) against those stored. For an edit (``series_id``), the series' own
    occurrences from then on are the ones the plan replaces."""
    from schedtui.domain import parse
    from schedtui.domain.recurrence import RuleSet, expand
    from schedtui.domain.recurrence import Slot as PlanSlot
    from schedtui.domain.zones import session_end

    now = naive_now(store.now())
    since = _naive(since) if since is not None else now
    rule = RuleSet.build(rrule, (), (), (), ())
    tz = zone(timezone)
    today = from_utc_naive(now, tz).date()
    horizon = None if rule.has_end else max(start, today) + timedelta(weeks=horizon_weeks)
    specs = [parse.slot_spec(t) for t in times]
    result = expand(rule, start, tz, [PlanSlot(t.at, t.weekdays, i) for i, t in enumerate(specs)],
                    horizon=horizon, duration=timedelta(minutes=duration_minutes))
    proposed = []
    for item in result.items:
        begin = _naive(item.start)
        end = _naive(session_end(item.start, duration_minutes))
        if end <= since:
            continue
        proposed.append(Proposed(begin, end, specs[item.slot.key].host or host, location))
    with store.read() as session:
        replacing: list[int] = []
        if series_id:  # a planned time the series holds now keeps its occurrence
            stored = dict(session.exec(
                select(Occurrence.original_start, Occurrence.id)
                .where(Occurrence.series_id == series_id)
                .where(Occurrence.end_utc > since)).all())
            replacing = list(stored.values())
            proposed = [replace(p, id=stored.get(p.start, 0)) for p in proposed]
        return _warnings_of(proposed_in(session, proposed, series_id=series_id, name=name,
                                        timezone=timezone, replacing=replacing))


@transaction
def occurrence_change_warnings(store: Store, occurrence_id: int, *,
                               start: datetime | None = None,
                               duration_minutes: int | None = None, host: str | None = None,
                               location: str | None = None) -> list[dict[str, Any]]:
    """The ``double_booked`` warnings moving one occurrence (``start``: local
    wall-clock time in its series' zone, as ``occ move`` takes it) or giving it
    another host or place would bring, before the change is made: the same
    warnings the change's result will carry. A cancelled occurrence, or one
    of an archived series, books nobody: none."""
    from schedtui.domain.zones import localize, to_utc_naive

    with store.read() as session:
        found = _load(session, [occurrence_id])
        if not found:
            return []
        now = found[0]
        begin, end = now.start, now.end
        if start is not None:
            begin = to_utc_naive(localize(start.date(), start.time(), zone(now.timezone)))
            end = begin + (timedelta(minutes=duration_minutes) if duration_minutes
                           else now.end - now.start)
        change = Proposed(begin, end, now.host if host is None else host,
                          now.location if location is None else location, id=now.id)
        return _warnings_of(proposed_in(session, [change], series_id=now.series_id,
                                        name=now.series, timezone=now.timezone))
