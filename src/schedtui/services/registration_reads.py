"""Registrations as the edges show them: one, a list, a window of a long list
(the desk's attendee list), and the view a change returns. Written once as SQL
text, as :mod:`schedtui.services.reads` is: the read services run on the
driver (:meth:`Store.query`), and the changes in
:mod:`schedtui.services.registrations` build the view they return with the same
statements inside their ORM session. Nothing here imports SQLAlchemy, SQLModel
or the tables, so ``reg list`` starts without them.

A window of a list costs one statement, two with its length: the registrations
with their people, ticket names and seat entries (each with its session's
start), and, when some of those entries wait, one more for their queue places.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schedtui.domain import text
from schedtui.domain.errors import not_found
from schedtui.domain.zones import from_utc_naive, iso_utc, zone
from schedtui.services.owing import money_of
from schedtui.services.reads import exists
from schedtui.services.views import RegistrationView, SeatView
from schedtui.store.engine import Store, transaction
from schedtui.store.sql import SQL

CHUNK = 900
"""Ids per statement (SQLite's older builds take 999 parameters at most)."""

# A view's rows: one per seat entry (one for a registration without any), the
# registrations picked by a window of ids ``w`` that each statement writes first.
_VIEW_ROWS = """
    SELECT r.id, r.series_id, r.attendee_id, r.seats, r.status, r.created_at, r.ticket_id,
        r.unit_price, r.currency, r.paid, r.refunded, r.late_cancel, r.refund_on_cancel,
        a.email, a.name, a.phone, t.name AS ticket_name,
        e.id AS entry_id, e.occurrence_id, e.status AS entry_status, e.attended,
        e.cancel_reason, o.start_utc, s.timezone
    FROM {window} w JOIN registration r ON r.id = w.id
    JOIN attendee a ON a.id = r.attendee_id
    LEFT JOIN ticket_type t ON t.id = r.ticket_id
    LEFT JOIN seat_entry e ON e.registration_id = r.id
    LEFT JOIN occurrence o ON o.id = e.occurrence_id
    LEFT JOIN series s ON s.id = o.series_id
    ORDER BY r.id, o.start_utc, e.id"""
_TIMES = ("created_at", "start_utc")


def _view_rows(window: str) -> SQL:
    return SQL(_VIEW_ROWS.format(window=f"({window})"), times=_TIMES)


_BY_ID = _view_rows("SELECT id FROM registration WHERE id IN (:ids)")
# A waiting entry's place in its occurrence's queue (1 = next in line), in the
# order seats.promote serves it: queued first, then id.
_PLACES = SQL("""
    SELECT q.id, q.place FROM (
        SELECT e.id, row_number() OVER (PARTITION BY e.occurrence_id
                                        ORDER BY e.queued_at, e.id) AS place
        FROM seat_entry e
        WHERE e.occurrence_id IN (:occurrences) AND e.status = 'waitlisted') q
    WHERE q.id IN (:ids)""")


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK)]


def overall_status(status: str, entries: Sequence[str]) -> str:
    """A registration's status as people read it, from its own and its entries':
    pending, declined, cancelled; for an active registration, confirmed when
    every entry that is not cancelled is confirmed, waitlisted when none is,
    partial otherwise."""
    if status != "active":
        return status
    live = [e for e in entries if e != "cancelled"]
    if all(s == "confirmed" for s in live):
        return "confirmed"
    if not any(s == "confirmed" for s in live):
        return "waitlisted"
    return "partial"


def registration_views(target: Any, ids: Sequence[int]) -> list[RegistrationView]:
    """Views of these registrations, in this order (a Reader or an ORM session)."""
    rows = [row for chunk in _chunks(list(dict.fromkeys(ids)))
            for row in _BY_ID.rows(target, ids=chunk)]
    found = {view.id: view for view in _views(target, rows)}
    return [found[i] for i in ids]


def _views(target: Any, rows: Sequence[Any]) -> list[RegistrationView]:
    """Views of the registrations in ``rows`` (as ``_VIEW_ROWS`` reads them), in
    their order. A registration whose window named it twice comes once."""
    registrations: dict[int, Any] = {}
    entries: dict[int, dict[int, Any]] = {}
    for row in rows:
        registrations.setdefault(row.id, row)
        mine = entries.setdefault(row.id, {})
        if row.entry_id is not None:
            mine.setdefault(row.entry_id, row)
    places = _places(target, [e for mine in entries.values() for e in mine.values()
                              if e.entry_status == "waitlisted"])
    starts: dict[tuple, str] = {}

    def start(entry: Any) -> str:
        key = (entry.start_utc, entry.timezone)
        if key not in starts:
            starts[key] = from_utc_naive(entry.start_utc, zone(entry.timezone)).isoformat(
                timespec="seconds")
        return starts[key]

    result = []
    for row in registrations.values():
        mine = list(entries[row.id].values())
        result.append(RegistrationView(
            id=row.id, series_id=row.series_id, attendee_id=row.attendee_id, email=row.email,
            name=row.name, phone=row.phone, seats=row.seats,
            status=overall_status(row.status, [e.entry_status for e in mine]),
            created_at=iso_utc(row.created_at),
            occurrences=[SeatView(e.occurrence_id, e.entry_status, bool(e.attended), start(e),
                                  places.get(e.entry_id)) for e in mine],
            **vars(money_of(row, [(e.entry_status, e.cancel_reason) for e in mine],
                            row.ticket_name))))
    return result


def _places(target: Any, waiting: Sequence[Any]) -> dict[int, int]:
    """The queue place of each of these waiting entries, by entry id."""
    places: dict[int, int] = {}
    for start in range(0, len(waiting), CHUNK // 2):  # ids and occurrences: two lists
        chunk = waiting[start:start + CHUNK // 2]
        occurrences = sorted({e.occurrence_id for e in chunk})
        places.update((r.id, r.place) for r in _PLACES.rows(
            target, occurrences=occurrences, ids=[e.entry_id for e in chunk]))
    return places


# -- which registrations: a series', an occurrence's, a person's ----------------------


def _where(*, series_id: int | None, occurrence_id: int | None, email: str | None,
           text_filter: str | None) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (over ``_COLUMNS``) and its parameters of a filtered list."""
    parts, params = [], {}
    if series_id is not None:
        parts.append("r.series_id = :series")
        params["series"] = series_id
    if occurrence_id is not None:
        parts.append("r.id IN (SELECT e.registration_id FROM seat_entry e "
                     "WHERE e.occurrence_id = :occurrence)")
        params["occurrence"] = occurrence_id
    if email is not None:
        parts.append("a.email_key = :email")
        params["email"] = email.strip().lower()
    if text_filter:
        parts.append("(lower(a.name) LIKE :like OR a.email_key LIKE :like)")
        params["like"] = f"%{text.clean(text_filter).lower()}%"
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


_FILTERED: dict[tuple[str, str], SQL] = {}


def _filtered(kind: str, where: str) -> SQL:
    """The statement of one shape of filter (made once; a handful exist)."""
    key = (kind, where)
    if key not in _FILTERED:
        picked = f"FROM registration r JOIN attendee a ON a.id = r.attendee_id{where}"
        _FILTERED[key] = SQL(f"SELECT count(*) AS n {picked}") if kind == "count" else \
            _view_rows(f"SELECT r.id {picked} ORDER BY r.id LIMIT :limit OFFSET :offset")
    return _FILTERED[key]


def _check_filters(reader: Any, series_id: int | None, occurrence_id: int | None) -> None:
    if series_id is not None:
        exists(reader, "series", series_id, "series")
    if occurrence_id is not None:
        exists(reader, "occurrence", occurrence_id, "occurrence")


_NO_LIMIT = 2**62


@transaction
def get_registration(store: Store, registration_id: int) -> RegistrationView:
    with store.query() as reader:
        exists(reader, "registration", registration_id, "registration")
        return registration_views(reader, [registration_id])[0]


@transaction
def list_registrations(store: Store, *, series_id: int | None = None,
                       occurrence_id: int | None = None, email: str | None = None,
                       text_filter: str | None = None, offset: int = 0,
                       limit: int | None = None) -> list[RegistrationView]:
    """Registrations of a series, of an occurrence (those holding an entry in
    it) or of a person, oldest first; ``text_filter`` matches name or email.
    ``offset``/``limit`` page through long lists (see :func:`count_registrations`)."""
    with store.query() as reader:
        _check_filters(reader, series_id, occurrence_id)
        where, params = _where(series_id=series_id, occurrence_id=occurrence_id, email=email,
                               text_filter=text_filter)
        rows = _filtered("rows", where).rows(
            reader, **params, offset=max(offset, 0),
            limit=_NO_LIMIT if limit is None else max(limit, 0))
        return _views(reader, rows)


@transaction
def count_registrations(store: Store, *, series_id: int | None = None,
                        occurrence_id: int | None = None, email: str | None = None,
                        text_filter: str | None = None) -> int:
    """How many registrations :func:`list_registrations` would list."""
    with store.query() as reader:
        _check_filters(reader, series_id, occurrence_id)
        where, params = _where(series_id=series_id, occurrence_id=occurrence_id, email=email,
                               text_filter=text_filter)
        return int(_filtered("count", where).first(reader, **params).n)


@transaction
def registration_page(store: Store, *, series_id: int | None = None,
                      occurrence_id: int | None = None, text_filter: str | None = None,
                      offset: int = 0, limit: int = 200) -> tuple[int, list[RegistrationView]]:
    """One window of a long list and the list's length, from one snapshot, in
    the order the registrations were made. A negative ``offset`` counts from the
    end (-limit: the last window)."""
    with store.query() as reader:
        if occurrence_id is not None and series_id is None and not text_filter:
            return _occurrence_page(reader, occurrence_id, offset, limit)
        _check_filters(reader, series_id, occurrence_id)
        where, params = _where(series_id=series_id, occurrence_id=occurrence_id, email=None,
                               text_filter=text_filter)
        total = int(_filtered("count", where).first(reader, **params).n)
        start = max(total + offset, 0) if offset < 0 else offset
        rows = _filtered("rows", where).rows(reader, **params, offset=start,
                                             limit=max(limit, 0))
        return total, _views(reader, rows)


_HELD_COUNT = SQL("SELECT (SELECT count(*) FROM occurrence WHERE id = :occurrence) AS found, "
                  "(SELECT count(*) FROM seat_entry WHERE occurrence_id = :occurrence) AS n")
# A window of an occurrence's registrations straight from the seat index
# (occurrence, registration): it costs the window, not the occurrence's length.
# One in the second half is read from the end.
_WINDOW_FROM_START = _view_rows(
    "SELECT e.registration_id AS id FROM seat_entry e WHERE e.occurrence_id = :occurrence "
    "ORDER BY e.registration_id LIMIT :limit OFFSET :offset")
_WINDOW_FROM_END = _view_rows(
    "SELECT e.registration_id AS id FROM seat_entry e WHERE e.occurrence_id = :occurrence "
    "ORDER BY e.registration_id DESC LIMIT :limit OFFSET :offset")


def _occurrence_page(reader: Any, occurrence_id: int, offset: int,
                     limit: int) -> tuple[int, list[RegistrationView]]:
    held = (_HELD_COUNT.first(reader, occurrence=occurrence_id)
            if isinstance(occurrence_id, int) and not isinstance(occurrence_id, bool) else None)
    if held is None or not held.found:
        raise not_found("occurrence", occurrence_id)
    total = int(held.n)
    start = max(total + offset, 0) if offset < 0 else offset
    limit = max(min(limit, total - start), 0)
    if not limit:
        return total, []
    if start > total // 2:
        rows = _WINDOW_FROM_END.rows(reader, occurrence=occurrence_id, limit=limit,
                                     offset=total - start - limit)
    else:
        rows = _WINDOW_FROM_START.rows(reader, occurrence=occurrence_id, limit=limit,
                                       offset=start)
    return total, _views(reader, rows)
