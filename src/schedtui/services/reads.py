"""The reads scripts and the desk run most: hubs, series, a series'
occurrences, the audit log, each written once as SQL text
(:class:`schedtui.store.sql.SQL`).

The queries run on a :class:`~schedtui.store.sql.Reader` (a read transaction
on the driver, :meth:`Store.query`) for the read services, and inside an ORM
session for the views a change returns, so both see the same rows the same
way. Nothing here imports SQLAlchemy, SQLModel or the tables: a one-shot read
command (``hub list``, ``series list``, ``occ list``, ``agenda``, ``log``)
starts without loading the ORM, which costs several times what the command
itself does. The services these reads belong to (hubs, series, occurrences,
audit) re-export them, so callers keep their names.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from schedtui.domain.errors import not_found
from schedtui.domain.zones import from_utc_naive, iso_utc, to_utc_naive, zone
from schedtui.services.views import HubView, OccurrenceView, SeriesView, SlotView
from schedtui.store.engine import Store, transaction
from schedtui.store.sql import SQL


def naive_now(now: datetime) -> datetime:
    """An aware moment as the naive UTC the store keeps."""
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def exists(target: Any, table: str, ident: int, kind: str) -> None:
    """Raise ``not_found`` unless ``table`` holds a row with this id."""
    if not isinstance(ident, int) or isinstance(ident, bool) or \
            _EXISTS[table].first(target, id=ident) is None:
        raise not_found(kind, ident)


_EXISTS = {table: SQL(f"SELECT 1 AS found FROM {table} WHERE id = :id")
           for table in ("hub", "series", "occurrence", "registration")}


# -- hubs ---------------------------------------------------------------------

# The next scheduled start of each live series is one seek in the (series,
# start) index, however many occurrences it has; the hub's is the first of them.
_HUB_COLUMNS = """
    SELECT h.id, h.name, h.timezone, h.archived, h.region,
        (SELECT count(*) FROM series s WHERE s.hub_id = h.id AND s.status <> 'archived')
            AS series_count,
        (SELECT min(n.start_utc) FROM (
            SELECT (SELECT o.start_utc FROM occurrence o
                    WHERE o.series_id = s.id AND o.status = 'scheduled'
                    AND o.start_utc >= :now ORDER BY o.start_utc LIMIT 1) AS start_utc
            FROM series s WHERE s.hub_id = h.id AND s.status <> 'archived') n)
            AS next_start
    FROM hub h"""
_HUBS = SQL(f"{_HUB_COLUMNS} WHERE h.archived = false ORDER BY h.name, h.id",
            times=["next_start"])
_ALL_HUBS = SQL(f"{_HUB_COLUMNS} ORDER BY h.name, h.id", times=["next_start"])
_HUBS_BY_ID = SQL(f"{_HUB_COLUMNS} WHERE h.id IN (:ids)", times=["next_start"])


def _hub_view(row: Any) -> HubView:
    start = row.next_start
    return HubView(row.id, row.name, row.timezone, bool(row.archived), row.series_count,
                   from_utc_naive(start, zone(row.timezone)).isoformat(timespec="seconds")
                   if start else None, row.region or "")


def hub_views(target: Any, ids: Sequence[int], now: datetime) -> list[HubView]:
    """Views of these hubs, in this order (a Reader or an ORM session)."""
    if not ids:
        return []
    found = {r.id: _hub_view(r) for r in _HUBS_BY_ID.rows(target, ids=list(ids),
                                                          now=naive_now(now))}
    return [found[i] for i in ids]


@transaction
def list_hubs(store: Store, *, include_archived: bool = False) -> list[HubView]:
    """The hubs by name, with their live series and next occurrence."""
    with store.query() as reader:
        query = _ALL_HUBS if include_archived else _HUBS
        return [_hub_view(r) for r in query.rows(reader, now=naive_now(store.now()))]


@transaction
def get_hub(store: Store, hub_id: int) -> HubView:
    with store.query() as reader:
        exists(reader, "hub", hub_id, "hub")
        return hub_views(reader, [hub_id], store.now())[0]


# -- occurrences --------------------------------------------------------------

_SERIES = SQL("SELECT id, hub_id, name, timezone, location, host, status FROM series "
              "WHERE id = :id")
_OCCURRENCE_COLUMNS = """
    SELECT o.id, o.series_id, o.slot_id, o.original_start, o.start_utc, o.end_utc, o.status,
        o.capacity, o.location, o.host, o.edited, sl.host AS slot_host,
        b.reason AS blackout_reason,
        (SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id
         AND e.status = 'confirmed') AS booked,
        (SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id
         AND e.status = 'waitlisted') AS waitlisted
    FROM occurrence o LEFT JOIN slot sl ON sl.id = o.slot_id
    LEFT JOIN blackout b ON b.id = o.blackout_id"""
_OCC_TIMES = ("original_start", "start_utc", "end_utc")
_SERIES_OCCURRENCES = SQL(f"""{_OCCURRENCE_COLUMNS} WHERE o.series_id = :series
    AND o.start_utc >= :low AND o.start_utc < :high ORDER BY o.start_utc, o.id""",
                          times=_OCC_TIMES)
_OCCURRENCES_BY_ID = SQL(f"{_OCCURRENCE_COLUMNS} WHERE o.id IN (:ids)", times=_OCC_TIMES)


def occurrence_view(occ: Any, series: Any, counts: tuple[int, int] = (0, 0),
                    slot_host: str = "", blackout: str | None = None) -> OccurrenceView:
    """An occurrence (a row or an object) as the edges show it, in its series' zone."""
    tz = zone(series.timezone)
    start = from_utc_naive(occ.start_utc, tz)
    end = from_utc_naive(occ.end_utc, tz)
    return OccurrenceView(
        id=occ.id, series_id=occ.series_id,
        start=start.isoformat(timespec="seconds"), end=end.isoformat(timespec="seconds"),
        start_utc=iso_utc(occ.start_utc), end_utc=iso_utc(occ.end_utc), status=occ.status,
        capacity=occ.capacity, booked=counts[0], waitlisted=counts[1],
        original_start=from_utc_naive(occ.original_start, tz).isoformat(timespec="seconds"),
        location=occ.location if occ.location is not None else series.location,
        host=occ.host if occ.host is not None else (slot_host or series.host),
        moved=occ.start_utc != occ.original_start,
        edited=sorted(f for f in (occ.edited or "").split(",") if f),
        timezone=series.timezone, blackout=blackout,
    )


def _occurrence_view(row: Any, series: Any) -> OccurrenceView:
    return occurrence_view(row, series, (int(row.booked or 0), int(row.waitlisted or 0)),
                           row.slot_host or "", row.blackout_reason)


def occurrence_views(target: Any, series: Any, ids: Sequence[int]) -> list[OccurrenceView]:
    """Views of these occurrences of one series (a row or an object), in this
    order, with their seats (a Reader or an ORM session)."""
    found: dict[int, OccurrenceView] = {}
    for start in range(0, len(ids), 900):
        for row in _OCCURRENCES_BY_ID.rows(target, ids=list(ids[start:start + 900])):
            found[row.id] = _occurrence_view(row, series)
    return [found[i] for i in ids]


_LOWEST = datetime(1, 1, 1)  # noqa: DTZ001 - naive UTC, as the store keeps
_HIGHEST = datetime(9999, 12, 31, 23, 59)  # noqa: DTZ001


@transaction
def list_occurrences(store: Store, series_id: int, *, start: date | None = None,
                     end: date | None = None) -> list[OccurrenceView]:
    """Occurrences of a series ordered by start; ``start``/``end`` are local dates, inclusive."""
    with store.query() as reader:
        if not isinstance(series_id, int) or isinstance(series_id, bool):
            raise not_found("series", series_id)
        series = _SERIES.first(reader, id=series_id)
        if series is None:
            raise not_found("series", series_id)
        tz = zone(series.timezone)
        low = _LOWEST if start is None else to_utc_naive(
            datetime.combine(start, datetime.min.time(), tz))
        high = _HIGHEST if end is None else to_utc_naive(
            datetime.combine(end + timedelta(days=1), datetime.min.time(), tz))
        return [_occurrence_view(r, series) for r in
                _SERIES_OCCURRENCES.rows(reader, series=series_id, low=low, high=high)]


_SERIES_OF_OCCURRENCE = SQL("SELECT s.id, s.hub_id, s.name, s.timezone, s.location, s.host, "
                            "s.status FROM occurrence o JOIN series s ON s.id = o.series_id "
                            "WHERE o.id = :id")


@transaction
def get_occurrence(store: Store, occurrence_id: int) -> OccurrenceView:
    with store.query() as reader:
        if not isinstance(occurrence_id, int) or isinstance(occurrence_id, bool):
            raise not_found("occurrence", occurrence_id)
        series = _SERIES_OF_OCCURRENCE.first(reader, id=occurrence_id)
        if series is None:
            raise not_found("occurrence", occurrence_id)
        return occurrence_views(reader, series, [occurrence_id])[0]


# -- the audit log ------------------------------------------------------------


@dataclass(frozen=True)
class AuditView:
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: int | None
    series_id: int | None
    before: dict | None
    after: dict | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


_LOG_COLUMNS = 'SELECT id, at, actor, action, entity, entity_id, series_id, "before", "after" ' \
               "FROM audit"
_LOG = SQL(f"{_LOG_COLUMNS} ORDER BY id DESC LIMIT :limit", times=["at"])
_SERIES_LOG = SQL(f"{_LOG_COLUMNS} WHERE series_id = :series ORDER BY id DESC LIMIT :limit",
                  times=["at"])
_LAST_CHANGE = SQL("SELECT max(id) AS last FROM audit")


@transaction
def list_log(store: Store, *, series_id: int | None = None, limit: int = 200) -> list[AuditView]:
    """The newest entries first, optionally for one series."""
    with store.query() as reader:
        rows = (_LOG.rows(reader, limit=limit) if series_id is None
                else _SERIES_LOG.rows(reader, series=series_id, limit=limit))
        return [AuditView(e.id, iso_utc(e.at), e.actor, e.action, e.entity, e.entity_id,
                          e.series_id, json.loads(e.before) if e.before else None,
                          json.loads(e.after) if e.after else None) for e in rows]


@transaction
def last_change(store: Store) -> int:
    """The id of the newest audit entry: a cheap token that changes with every
    write (any process), so a screen can poll it and refresh when it moves."""
    with store.query() as reader:
        return _LAST_CHANGE.first(reader).last or 0


# -- series -------------------------------------------------------------------

_SERIES_VIEW_ROWS = SQL("""
    SELECT s.id, s.hub_id, s.name, s.description, s.timezone, s.start_date, s.rrule,
        s.rule_extra, s.duration_minutes, s.capacity, s.location, s.host, s.status,
        s.registration_option, s.booking_min_hours, s.booking_max_days, s.horizon_weeks,
        s.max_seats, s.require_approval, s.waitlist, s.on_blackout,
        s.kind, s.contact, s.private, s.remind, s.refundable_hours,
        (SELECT count(*) FROM occurrence o WHERE o.series_id = s.id) AS occurrence_count,
        (SELECT o.start_utc FROM occurrence o WHERE o.series_id = s.id
         AND o.status = 'scheduled' AND o.start_utc >= :now ORDER BY o.start_utc LIMIT 1)
            AS next_start
    FROM series s WHERE s.id IN (:ids)""", times=["next_start"])
_SLOTS = SQL("SELECT series_id, at, weekdays, capacity, fixed_capacity, host FROM slot "
             "WHERE series_id IN (:ids) ORDER BY series_id, position, id")
# Confirmed seats against capacity over the scheduled occurrences of the next days.
_FILL = SQL("""
    SELECT o.series_id, o.capacity,
        (SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id
         AND e.status = 'confirmed') AS confirmed
    FROM occurrence o WHERE o.series_id IN (:ids) AND o.status = 'scheduled'
    AND o.start_utc >= :low AND o.start_utc < :high""")
_SERIES_IDS = "SELECT s.id FROM series s{where} ORDER BY s.name, s.id"
_SERIES_LISTS = {
    (hub, archived): SQL(_SERIES_IDS.format(where=" WHERE " + " AND ".join(conditions)
                                            if conditions else ""))
    for hub in (False, True) for archived in (False, True)
    for conditions in [[c for c, wanted in (("s.hub_id = :hub", hub),
                                            ("s.status <> 'archived'", not archived))
                        if wanted]]}

FILL_DAYS = 28
"""A series' fill rate: confirmed seats over capacity in the next four weeks."""


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def series_views(target: Any, ids: Sequence[int], now: datetime, *,
                 fresh: bool = False) -> list[SeriesView]:
    """Views of these series, in this order (a Reader or an ORM session): four
    queries however many. ``fresh``: just created, so they hold no seats and
    their fill rate needs no query."""
    from schedtui.domain.describe import describe
    from schedtui.domain.recurrence import RuleSet

    moment = naive_now(now)
    rows: dict[int, Any] = {}
    slots: dict[int, list[Any]] = {i: [] for i in ids}
    fill: dict[int, list[int | None]] = {}
    for start in range(0, len(ids), 900):
        chunk = list(ids[start:start + 900])
        rows.update((r.id, r) for r in _SERIES_VIEW_ROWS.rows(target, ids=chunk, now=moment))
        for slot in _SLOTS.rows(target, ids=chunk):
            slots[slot.series_id].append(slot)
        if not fresh:
            for occ in _FILL.rows(target, ids=chunk, low=moment,
                                  high=moment + timedelta(days=FILL_DAYS)):
                pair = fill.setdefault(occ.series_id, [0, 0])
                pair[0] = None if pair[0] is None or occ.capacity is None \
                    else pair[0] + occ.capacity
                pair[1] += int(occ.confirmed or 0)
    views = []
    for sid in ids:
        s, times = rows[sid], slots[sid]
        rule = RuleSet.from_text(s.rrule, s.rule_extra or "")
        first = _day(s.start_date)
        nxt = s.next_start
        if fresh:
            soon = nxt is not None and nxt < moment + timedelta(days=FILL_DAYS)
            rate = 0.0 if soon and all(t.capacity is not None for t in times) else None
        else:
            capacity, taken = fill.get(sid, (None, 0))
            rate = round(taken / capacity, 4) if capacity else None
        views.append(SeriesView(
            id=s.id, hub_id=s.hub_id, name=s.name, description=s.description,
            timezone=s.timezone, start=first.isoformat(),
            rrule=None if s.kind == "event" else s.rrule,
            summary=(event_summary(first, times) if s.kind == "event" else
                     describe(rule, [_clock(t.at) for t in times], first)),
            times=[SlotView(t.at, t.weekdays.split(",") if t.weekdays else None, t.capacity,
                            bool(t.fixed_capacity), t.host) for t in times],
            duration_minutes=s.duration_minutes, capacity=s.capacity, location=s.location,
            virtual=s.location.startswith("https://"), host=s.host, status=s.status,
            registration_option=s.registration_option,
            booking_min_hours=s.booking_min_hours, booking_max_days=s.booking_max_days,
            horizon_weeks=s.horizon_weeks, has_end=rule.has_end,
            occurrence_count=s.occurrence_count,
            next_occurrence=from_utc_naive(nxt, zone(s.timezone)).isoformat(timespec="seconds")
            if nxt else None,
            max_seats=s.max_seats, require_approval=bool(s.require_approval), fill_rate=rate,
            waitlist=s.waitlist, rule_extra=s.rule_extra or "", on_blackout=s.on_blackout,
            kind=s.kind, contact=s.contact, private=bool(s.private),
            remind=_offsets_text(s.remind), refundable_hours=s.refundable_hours))
    return views


def event_summary(day: date, times: Sequence[Any]) -> str:
    """A one-off event in words: "Once, on Mon 4 Jan 2027 at 10:00"."""
    at = f" at {times[0].at}" if times else ""
    return f"Once, on {day:%a} {day.day} {day:%b %Y}{at}"


def _offsets_text(stored: str | None) -> list[str]:
    """A series' reminder offsets ("1440,60") as the command line writes them."""
    if not stored:
        return []
    from schedtui.domain.policies import offsets_text, stored_offsets

    return offsets_text(stored_offsets(stored)).split(",")


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@transaction
def list_series(store: Store, *, hub_id: int | None = None,
                include_archived: bool = True) -> list[SeriesView]:
    """Series by name, of every hub or one's."""
    with store.query() as reader:
        params: dict[str, Any] = {}
        if hub_id is not None:
            exists(reader, "hub", hub_id, "hub")
            params["hub"] = hub_id
        ids = [r.id for r in _SERIES_LISTS[hub_id is not None, include_archived].rows(
            reader, **params)]
        return series_views(reader, ids, store.now())


@transaction
def get_series(store: Store, series_id: int) -> SeriesView:
    with store.query() as reader:
        exists(reader, "series", series_id, "series")
        return series_views(reader, [series_id], store.now())[0]
