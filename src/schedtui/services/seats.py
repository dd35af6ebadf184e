"""The seat engine: confirmed seats never exceed capacity, and seats that free
up go to the waiting entries in the same transaction, with a notice to each
person.

The waitlist is ordered by arrival (``queued_at``, then id), and each series
picks how it is served (``Series.waitlist``):

- ``strict`` (the default): first come first served. A request never jumps an
  earlier one still waiting in the same occurrence; a newcomer waits whenever
  someone waits before it, and freed seats go down the queue in order until
  the first request that does not fit. (A request larger than the whole
  capacity can never be served and holds up no one.)
- ``first_fit`` (as pretix serves its waiting list): freed seats go to the
  earliest requests that fit; a smaller later request may take seats a larger
  earlier one is still waiting for.

Every function here runs inside the caller's write transaction. Occurrence rows
are locked (``FOR UPDATE`` on PostgreSQL, ordered by id so two transactions
cannot deadlock); SQLite's ``BEGIN IMMEDIATE`` already serialises writers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import event
from sqlmodel import Session, col, select

from schedtui.domain.errors import DeskError, not_found
from schedtui.services import notices
from schedtui.services.common import get, naive_now, occurrence_label, sentence
from schedtui.store import Store
from schedtui.store.hot import HotSQL
from schedtui.store.models import Attendee, Occurrence, Registration, SeatEntry, Series

ACTIVE = ("confirmed", "waitlisted")
WAITLIST_RULES = ("strict", "first_fit")

# Booking runs for every registration (thousands a minute in an import): its
# statements are plain SQL on the driver and read plain rows, no ORM objects.
_BOOKING_COLUMNS = "o.id, o.series_id, o.status, o.start_utc, o.capacity, o.location"
# On SQLite a writer holds the whole database from BEGIN IMMEDIATE, so the
# confirmed seats (and the waiting entries) can be counted in the statement
# that reads the rows. On PostgreSQL they are counted after the row locks are
# held (a separate statement, so it sees what the writers it waited for
# committed).
_CONFIRMED_HERE = ("(SELECT coalesce(sum(s.seats), 0) FROM seat_entry s "
                   "WHERE s.occurrence_id = o.id AND s.status = 'confirmed') AS confirmed, "
                   "(SELECT count(*) FROM seat_entry w "
                   "WHERE w.occurrence_id = o.id AND w.status = 'waitlisted') AS waiting")
_CHOSEN = "FROM occurrence o WHERE o.id IN (:ids) ORDER BY o.id FOR UPDATE"
_UPCOMING = ("FROM occurrence o WHERE o.series_id = :series AND o.status = 'scheduled' "
             "AND o.start_utc > :now ORDER BY o.id FOR UPDATE")
_LOCK_FOR_BOOKING = HotSQL(f"SELECT {_BOOKING_COLUMNS} {_CHOSEN}", times=["start_utc"])
_LOCK_COUNTED = HotSQL(f"SELECT {_BOOKING_COLUMNS}, {_CONFIRMED_HERE} {_CHOSEN}",
                       times=["start_utc"])
_UPCOMING_FOR_BOOKING = HotSQL(f"SELECT {_BOOKING_COLUMNS} {_UPCOMING}", times=["start_utc"])
_UPCOMING_COUNTED = HotSQL(f"SELECT {_BOOKING_COLUMNS}, {_CONFIRMED_HERE} {_UPCOMING}",
                           times=["start_utc"])
_CONFIRMED = HotSQL("SELECT occurrence_id, "
                    "sum(CASE WHEN status = 'confirmed' THEN seats ELSE 0 END) AS seats, "
                    "sum(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END) AS waiting "
                    "FROM seat_entry WHERE occurrence_id IN (:ids) "
                    "AND status IN ('confirmed', 'waitlisted') GROUP BY occurrence_id")
_SERVABLE = HotSQL("SELECT 1 AS found FROM seat_entry WHERE occurrence_id = :id "
                   "AND status = 'waitlisted' AND seats <= :capacity LIMIT 1")
_SERIES_ROW = HotSQL("SELECT id, hub_id, name, timezone, location, status, "
                     "registration_option, booking_min_hours, booking_max_days, max_seats, "
                     "require_approval, waitlist, contact, remind, (SELECT count(*) "
                     "FROM ticket_type t WHERE t.series_id = series.id AND NOT t.archived) "
                     "AS tickets, (SELECT h.region FROM hub h WHERE h.id = series.hub_id) "
                     "AS region FROM series WHERE id = :id FOR SHARE")


def _forget(session: Session, _transaction) -> None:
    for key in ("seat_ledger", "wait_ledger", "locked", "pinned", "series_rows", "upcoming",
                "servable", "hub_blackouts"):
        session.info.pop(key, None)


def forget(session: Session) -> None:
    """Drop what the transaction remembers of seats (after rolling back a
    savepoint taken outside the session, which it does not see)."""
    _forget(session, None)


def pinned(session: Session, model, ident: int, kind: str):
    """A row loaded once per transaction (bulk work asks for the same series
    thousands of times)."""
    rows = _transaction_state(session, "pinned", dict)
    if (model, ident) not in rows:
        rows[(model, ident)] = get(session, model, ident, kind)
    return rows[(model, ident)]


event.listen(Session, "after_soft_rollback", _forget)


def _transaction_state(session: Session, key: str, factory):
    """Per-transaction memory (the seat ledger, the rows already locked),
    dropped on any rollback, savepoints included."""
    return session.info.setdefault(key, factory())


def lock_occurrences(session: Session, ids: Iterable[int]) -> list[Occurrence]:
    """Load and lock occurrences in id order (a fixed order: no deadlocks).
    Rows this transaction already locked are not asked for again."""
    wanted = sorted(set(ids))
    # Held here (not only in the session's weak identity map) for the transaction.
    locked: dict[int, Occurrence] = _transaction_state(session, "locked", dict)
    missing = [i for i in wanted if i not in locked]
    if missing:
        locked.update((r.id, r) for r in session.exec(
            select(Occurrence).where(col(Occurrence.id).in_(missing))
            .order_by(Occurrence.id).with_for_update()
            .execution_options(populate_existing=True)))
    return [locked[i] for i in wanted if i in locked]


def _ledger(session: Session) -> dict[int, int]:
    """Confirmed seats per occurrence, counted once per transaction and then
    kept up to date by :func:`set_status` (the occurrences are locked, so no
    one else can change them meanwhile). Dropped on any rollback."""
    return _transaction_state(session, "seat_ledger", dict)


def _waiting(session: Session) -> dict[int, int]:
    """Waitlisted entries per occurrence, kept beside :func:`_ledger`."""
    return _transaction_state(session, "wait_ledger", dict)


def strict(series: Series | tuple) -> bool:
    """Whether the series serves its waitlist strictly first come first served."""
    return series.waitlist != "first_fit"


def queue_ahead(session: Session, occ: Occurrence | tuple) -> bool:
    """Whether someone waits in ``occ`` who could be served (whose seats are
    within the capacity): under the strict rule a newcomer then waits too."""
    if occ.capacity is None:
        return False
    if not _waiting(session).get(occ.id):
        return False
    servable = session.info.get("servable")
    if servable is not None:  # an import (see hold_upcoming): it only adds entries, by book()
        if occ.id not in servable:
            servable[occ.id] = _SERVABLE.first(session, id=occ.id,
                                               capacity=occ.capacity) is not None
        return servable[occ.id]
    return _SERVABLE.first(session, id=occ.id, capacity=occ.capacity) is not None


def confirmed_seats(session: Session, occurrence_id: int) -> int:
    ledger = _ledger(session)
    if occurrence_id not in ledger:
        count_confirmed(session, [occurrence_id])
    return ledger[occurrence_id]


def count_confirmed(session: Session, occurrence_ids: Iterable[int]) -> None:
    """Count the confirmed seats of several occurrences in one query (into the ledger)."""
    ledger, waiting = _ledger(session), _waiting(session)
    missing = [i for i in occurrence_ids if i not in ledger]
    for start in range(0, len(missing), 900):
        chunk = missing[start:start + 900]
        ledger.update(dict.fromkeys(chunk, 0))
        waiting.update(dict.fromkeys(chunk, 0))
        for r in _CONFIRMED.rows(session, ids=chunk):
            ledger[r.occurrence_id] = int(r.seats)
            waiting[r.occurrence_id] = int(r.waiting)


# -- booking with plain rows (the registration path) --------------------------------


def series_row(session: Session, series_id: int) -> tuple:
    """A series as a plain row, read once per transaction and locked (shared)
    for it: a new registration and a series edit, split or roll (which lock
    the series exclusively) run one after the other, so an all-sessions
    registration never misses the occurrences an edit adds."""
    rows = _transaction_state(session, "series_rows", dict)
    if series_id not in rows:
        row = (_SERIES_ROW.first(session, id=series_id)
               if isinstance(series_id, int) and not isinstance(series_id, bool) else None)
        if row is None:
            raise not_found("series", series_id)
        rows[series_id] = row
    return rows[series_id]


def rows_for_booking(session: Session, ids: Iterable[int]) -> dict[int, tuple]:
    """Occurrences as plain rows, locked in id order (see :func:`lock_occurrences`)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    known = all(i in _ledger(session) for i in wanted)
    return {r.id: r for r in _read_for_booking(session, _LOCK_FOR_BOOKING, _LOCK_COUNTED,
                                               known, ids=wanted)}


def upcoming_for_booking(session: Session, series_id: int, now: datetime) -> list[tuple]:
    """A series' scheduled occurrences after ``now`` as plain rows, locked in id order."""
    held = session.info.get("upcoming")
    if held is not None and series_id in held:  # see hold_upcoming
        return [row for row in held[series_id] if row.start_utc > now]
    # A transaction that has booked before most likely knows these already.
    known = bool(_ledger(session))
    rows = _read_for_booking(session, _UPCOMING_FOR_BOOKING, _UPCOMING_COUNTED, known,
                             series=series_id, now=now)
    if held is not None:
        held[series_id] = rows
    return rows


def hold_upcoming(session: Session) -> None:
    """Keep a series' upcoming occurrences, once read and locked, for the rest
    of the transaction, and whether someone waiting in each could be served:
    for work that only registers people (an import), which changes no
    occurrence and adds entries only through :func:`book`. Dropped on any
    rollback, as the ledger is."""
    session.info.setdefault("upcoming", {})
    session.info.setdefault("servable", {})  # whether someone waiting could be served


def _read_for_booking(session: Session, plain: HotSQL, counted: HotSQL, known: bool,
                      **params) -> list:
    """``counted`` where SQLite can count the seats in the same read and some of
    them are not in the ledger yet (``known`` says whether all are), else
    ``plain`` and the ledger counts what it lacks."""
    ledger = _ledger(session)
    if known or session.get_bind().dialect.name != "sqlite":
        rows = plain.rows(session, **params)
        count_confirmed(session, [row.id for row in rows])
        return rows
    rows = counted.rows(session, **params)
    waiting = _waiting(session)
    for row in rows:
        if row.id not in ledger:
            ledger[row.id] = int(row.confirmed)
            waiting[row.id] = int(row.waiting)
    return rows


def book(session: Session, occ: tuple, seats: int, series: Series | tuple) -> str:
    """The status a new entry of ``seats`` seats takes in ``occ``: confirmed if
    it fits and (under the strict rule) nobody waits before it, else
    waitlisted; the ledger counts it from here on. The caller inserts the entry."""
    taken = confirmed_seats(session, occ.id)
    if fits(occ, taken, seats) and not (strict(series) and queue_ahead(session, occ)):
        _ledger(session)[occ.id] = taken + seats
        return "confirmed"
    waiting = _waiting(session)
    waiting[occ.id] = waiting.get(occ.id, 0) + 1
    servable = session.info.get("servable")
    if servable is not None and fits(occ, 0, seats):
        servable[occ.id] = True  # this entry could be served
    return "waitlisted"


def set_status(session: Session, entry: SeatEntry, status: str, reason: str = "") -> None:
    """The one way a seat entry changes status, so the ledger stays true."""
    ledger = session.info.get("seat_ledger")
    if ledger is not None and entry.occurrence_id in ledger:
        if entry.status == "confirmed":
            ledger[entry.occurrence_id] -= entry.seats
        if status == "confirmed":
            ledger[entry.occurrence_id] += entry.seats
    waiting = session.info.get("wait_ledger")
    if waiting is not None and entry.occurrence_id in waiting:
        if entry.status == "waitlisted":
            waiting[entry.occurrence_id] -= 1
        if status == "waitlisted":
            waiting[entry.occurrence_id] += 1
    entry.status = status
    if status == "cancelled":
        entry.cancel_reason = reason
    session.add(entry)


def fits(occ: Occurrence | tuple, taken: int, seats: int) -> bool:
    return occ.capacity is None or taken + seats <= occ.capacity


def place(session: Session, store: Store, entry: SeatEntry, occ: Occurrence,
          series: Series) -> str:
    """Confirm ``entry`` (not waitlisted now) in ``occ`` if its seats fit and,
    under the strict rule, nobody waits before it; otherwise waitlist it.
    Because every change re-runs :func:`promote`, under the first-fit rule
    nobody waiting would fit, so a newcomer that fits takes nobody's place."""
    if fits(occ, confirmed_seats(session, occ.id), entry.seats) and not (
            strict(series) and queue_ahead(session, occ)):
        set_status(session, entry, "confirmed")
        entry.confirmed_at = naive_now(store.now())
    else:
        set_status(session, entry, "waitlisted")
    return entry.status


def promote(session: Session, store: Store, occ: Occurrence, series: Series) -> list[SeatEntry]:
    """Serve the waitlist by the series' rule (strict: in order, up to the first
    request that does not fit; first_fit: every request that fits, earliest
    first); tell each person."""
    if occ.status != "scheduled" or occ.start_utc < naive_now(store.now()):
        return []
    taken = confirmed_seats(session, occ.id)
    waiting = session.exec(select(SeatEntry).where(SeatEntry.occurrence_id == occ.id)
                           .where(SeatEntry.status == "waitlisted")
                           .order_by(SeatEntry.queued_at, SeatEntry.id)).all()
    promoted = []
    in_order = strict(series)
    for entry in waiting:
        if occ.capacity is not None and taken >= occ.capacity:
            break
        if fits(occ, taken, entry.seats):
            set_status(session, entry, "confirmed")
            entry.confirmed_at = naive_now(store.now())
            taken += entry.seats
            promoted.append(entry)
        elif in_order and (occ.capacity is None or entry.seats <= occ.capacity):
            break  # the first in line waits for more seats; nobody jumps it
    session.flush()
    for entry in promoted:
        _tell(session, store, "promoted", entry, occ, series)
    return promoted


def _tell(session: Session, store: Store, kind: str, entry: SeatEntry, occ: Occurrence,
          series: Series, note: str = "") -> None:
    registration = session.get(Registration, entry.registration_id)
    attendee = session.get(Attendee, registration.attendee_id)
    notices.notify(session, store, kind, attendee=attendee, registration=registration,
                   series=series, lines=[(occ, entry.status)], occurrence=occ, note=note)


def _entries(session: Session, occ_id: int, statuses: tuple[str, ...]) -> list[SeatEntry]:
    return list(session.exec(select(SeatEntry).where(SeatEntry.occurrence_id == occ_id)
                             .where(col(SeatEntry.status).in_(statuses))
                             .order_by(SeatEntry.queued_at, SeatEntry.id)))


# -- hooks called by occurrence and series edits ------------------------------------


def occurrence_moved(session: Session, store: Store, occ: Occurrence, series: Series) -> None:
    """Tell each person holding or awaiting a seat the new time, in the series' zone."""
    for entry in _entries(session, occ.id, ACTIVE + ("pending",)):
        _tell(session, store, "moved", entry, occ, series,
              note=f"New time: {notices.when(occ, series)}.")


def occurrence_cancelled(session: Session, store: Store, occ: Occurrence,
                         series: Series) -> None:
    """Cancel the seats of a cancelled occurrence and tell each person."""
    from schedtui.services.payments import refund_note

    for entry in _entries(session, occ.id, ACTIVE + ("pending",)):
        set_status(session, entry, "cancelled", "occurrence")
        session.flush()
        _tell(session, store, "occurrence_cancelled", entry, occ, series,
              note=refund_note(session, session.get(Registration, entry.registration_id)))
    session.flush()


def occurrence_restored(session: Session, store: Store, occ: Occurrence,
                        series: Series) -> None:
    """Give back the seats the cancellation took, in their original queue order,
    where capacity allows (the rest wait), and tell each person."""
    entries = _entries(session, occ.id, ("cancelled",))
    for entry in entries:
        if entry.cancel_reason != "occurrence":
            continue
        registration = session.get(Registration, entry.registration_id)
        if registration.status == "pending":
            set_status(session, entry, "pending")
        elif registration.status == "active":
            place(session, store, entry, occ, series)
        else:
            continue
        entry.cancel_reason = ""
        session.add(entry)
        _tell(session, store, "restored", entry, occ, series)
    session.flush()
    cover_new_occurrences(session, store, series)  # all-sessions bookings made meanwhile


def check_capacity_change(session: Session, occ: Occurrence, capacity: int | None, *,
                          demote: bool) -> None:
    """Refuse a capacity below the confirmed seats unless ``demote``."""
    if capacity is None or demote:
        return
    taken = confirmed_seats(session, occ.id)
    if taken > capacity:
        over = taken - capacity
        going, left = [], taken
        for entry in _newest_confirmed(session, occ.id):
            if left <= capacity:
                break
            going.append(entry)
            left -= entry.seats
        raise DeskError(
            "capacity_below_booked",
            f"{sentence(occurrence_label(occ, session.get(Series, occ.series_id)))} has "
            f"{taken} confirmed seats; a capacity of {capacity} is "
            f"{over} seat{'s' if over != 1 else ''} over. Choose at least {taken}, or move the "
            "newest confirmed seats to the waitlist.",
            occurrence=occ.id, capacity=capacity, confirmed=taken, over=over,
            who=names(session, going))


def _newest_confirmed(session: Session, occ_id: int) -> list[SeatEntry]:
    """Confirmed entries, newest first: the first to go to the waitlist on a cut."""
    return list(session.exec(select(SeatEntry).where(SeatEntry.occurrence_id == occ_id)
                             .where(SeatEntry.status == "confirmed")
                             .order_by(col(SeatEntry.confirmed_at).desc(),
                                       col(SeatEntry.id).desc())))


def names(session: Session, entries: Iterable[SeatEntry]) -> list[str]:
    """The names of the people holding ``entries``, in their order (who a change
    touched, for the desk's and the command line's messages)."""
    found = []
    for entry in entries:
        registration = session.get(Registration, entry.registration_id)
        found.append(session.get(Attendee, registration.attendee_id).name)
    return found


def capacity_changed(session: Session, store: Store, occ: Occurrence, series: Series, *,
                     demote: bool = False) -> None:
    """After a capacity change: demote the newest confirmed seats that no longer
    fit (when asked), then promote whoever fits."""
    if demote and occ.capacity is not None:
        taken = confirmed_seats(session, occ.id)
        for entry in _newest_confirmed(session, occ.id):
            if taken <= occ.capacity:
                break
            set_status(session, entry, "waitlisted")
            entry.confirmed_at = None
            taken -= entry.seats
            _tell(session, store, "demoted", entry, occ, series)
        session.flush()
    promote(session, store, occ, series)


def cover_new_occurrences(session: Session, store: Store, series: Series) -> int:
    """All-sessions registrations take a seat (or wait) in occurrences added by
    the horizon or a series edit."""
    if series.registration_option != "all_sessions":
        return 0
    now = naive_now(store.now())
    registrations = session.exec(select(Registration).where(Registration.series_id == series.id)
                                 .where(col(Registration.status).in_(("active", "pending")))
                                 .order_by(Registration.created_at, Registration.id)).all()
    if not registrations:
        return 0
    upcoming = session.exec(select(Occurrence.id).where(Occurrence.series_id == series.id)
                            .where(Occurrence.status == "scheduled")
                            .where(Occurrence.start_utc >= now)).all()
    held = set(session.exec(select(SeatEntry.registration_id, SeatEntry.occurrence_id)
                            .join(Registration)
                            .where(Registration.series_id == series.id)).all())
    added = 0
    if series.remind:
        from schedtui.services import reminders

        reminders.mark(session, store, upcoming)
    for occ in lock_occurrences(session, upcoming):
        for registration in registrations:
            if (registration.id, occ.id) in held:
                continue
            entry = SeatEntry(registration_id=registration.id, occurrence_id=occ.id,
                              seats=registration.seats, status="pending", queued_at=now)
            if registration.status == "active":
                place(session, store, entry, occ, series)
            else:
                session.add(entry)
            added += 1
    session.flush()
    return added
