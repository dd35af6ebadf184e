"""Registrations: who holds which seats. The rules of the registration options,
approval, switching, check-in, figures and idempotent creation live here; the
seat arithmetic lives in :mod:`schedtui.services.seats`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import case
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from schedtui.domain import parse, policies, text
from schedtui.domain.errors import DeskError, invalid, not_found
from schedtui.domain.zones import from_utc_naive, iso_utc, zone
from schedtui.services import audit, idempotency, notices, payments, seats, tickets
from schedtui.services.common import get, naive_now, occurrence_label, sentence
from schedtui.services.registration_reads import (  # noqa: F401 - the read services
    count_registrations,
    get_registration,
    list_registrations,
    overall_status,
    registration_page,
    registration_views,
)
from schedtui.services.views import RegistrationView, SeatView
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.hot import HotSQL
from schedtui.store.models import (
    Attendee,
    Occurrence,
    Registration,
    SeatEntry,
    Series,
)

# The registration's own statements (see schedtui.store.hot).
_NEW_ATTENDEE = HotSQL(
    "INSERT INTO attendee (email_key, email, name, phone, created_at) "
    "VALUES (:email_key, :email, :name, :phone, :created_at) "
    "ON CONFLICT (email_key) DO NOTHING RETURNING id, email, name, phone")
_ATTENDEE_BY_KEY = HotSQL("SELECT id, email, name, phone FROM attendee WHERE email_key = :key")
_ATTENDEE_PHONE = HotSQL("UPDATE attendee SET phone = :phone WHERE id = :id")
_NEW_REGISTRATION = HotSQL(
    "INSERT INTO registration (series_id, attendee_id, seats, status, created_at, updated_at, "
    "ticket_id, unit_price, currency, paid, refunded, late_cancel, refund_on_cancel) "
    "VALUES (:series_id, :attendee_id, :seats, :status, :now, :now, :ticket_id, :unit_price, "
    ":currency, 0, 0, :no, :no) RETURNING id")
_NEW_SEATS = HotSQL(
    "INSERT INTO seat_entry (registration_id, occurrence_id, seats, status, attended, "
    "queued_at, confirmed_at, cancel_reason) VALUES (:registration_id, :occurrence_id, "
    ":seats, :status, :attended, :queued_at, :confirmed_at, '')")
# A person's seats among some occurrences, from their few registrations (not the
# occurrences' many entries).
_HELD = HotSQL(
    "SELECT DISTINCT s.occurrence_id FROM seat_entry s WHERE s.registration_id IN "
    "(SELECT r.id FROM registration r WHERE r.attendee_id = :person "
    "AND r.status IN ('active', 'pending') AND r.id != :ignore) "
    "AND s.occurrence_id IN (:occurrences) AND s.status != 'cancelled'")

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")


@dataclass(frozen=True)
class OccurrenceFigures:
    id: int
    start: str
    status: str
    capacity: int | None
    confirmed: int
    waitlisted: int
    pending: int
    attended: int
    fill_rate: float | None


@dataclass(frozen=True)
class SeriesFigures:
    series_id: int
    capacity: int | None
    confirmed: int
    waitlisted: int
    pending: int
    attended: int
    fill_rate: float | None
    registrations: int
    occurrences: list[OccurrenceFigures]
    revenue: payments.Revenue | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# -- reading ------------------------------------------------------------------


# -- creating -------------------------------------------------------------------


def _check_email(value: str) -> str:
    email = text.field(value, "Email", min_len=1, max_len=320)
    if not EMAIL.match(email):
        raise DeskError("invalid_email", f'"{email[:80]}" does not look like an email address.')
    return email


def _contact(session: Session, series_id: int, email: str | None,
             phone: str | None) -> tuple[str, str]:
    """The email and phone a registration gives, checked against the series'
    contact requirement: ``email`` (the default) needs an email; ``none``
    takes a name alone (a walk-in); ``email_and_phone`` needs both, the phone
    and a phone. Whatever the requirement, a phone given is validated
    (``phonenumbers``) and stored in E.164, read in the hub's region when it
    has no country code: "abc" is refused with ``invalid_phone``."""
    series = seats.series_row(session, series_id)
    contact = getattr(series, "contact", "email")
    raw_email = text.clean(email or "").strip()
    raw_phone = text.clean(phone or "").strip()
    if contact == "email_and_phone" and not raw_phone:
        raise DeskError("contact_required", f'"{series.name}" asks for an email and a phone '
                        "number: give --phone.", missing="phone")
    if email is None and contact != "none":  # (a blank one given is refused as a value)
        what = "an email and a phone number" if contact == "email_and_phone" else "an email"
        raise DeskError("contact_required", f'"{series.name}" asks for {what}: give --email.',
                        missing="email")
    clean_email = _check_email(raw_email) if raw_email or contact != "none" else ""
    if not raw_phone:
        return clean_email, ""
    return clean_email, policies.parse_phone(raw_phone, series.region or "")


def _attendee(session: Session, store: Store, email: str, name: str,
              phone: str) -> tuple[tuple, bool]:
    """The attendee with this email (compared without case), made if new.
    Returns it and whether it existed before. One statement for a newcomer: the
    insert gives way to an existing row (also one another writer just made).
    A walk-in (no email) is a new attendee every time: never merged."""
    key = email.lower() if email else f"walk-in:{uuid.uuid4().hex}"
    made = _NEW_ATTENDEE.first(session, email_key=key, email=email, name=name, phone=phone,
                               created_at=naive_now(store.now()))
    if made is not None:
        return made, False
    person = _ATTENDEE_BY_KEY.first(session, key=key)
    if phone and person.phone != phone:  # the newest number the person gave
        _ATTENDEE_PHONE.run(session, phone=phone, id=person.id)
    return person, True


def _open(series: Series | tuple) -> None:
    if series.status != "published":
        raise DeskError("series_not_open", f'"{series.name}" is {series.status}; it takes no '
                        "registrations.")


def _window(series: Series | tuple, occ: Occurrence | tuple, now_naive) -> str | None:
    """Why ``occ`` cannot be booked now, or None."""
    ahead = occ.start_utc - now_naive
    if series.booking_min_hours is not None and ahead < timedelta(hours=series.booking_min_hours):
        return f"bookings close {series.booking_min_hours} hours before the start"
    if series.booking_max_days is not None and ahead > timedelta(days=series.booking_max_days):
        return f"bookings open {series.booking_max_days} days before the start"
    return None


def _chosen(session: Session, store: Store, series: tuple,
            occurrence_ids: Sequence[int] | None) -> list[tuple]:
    """The occurrences a new registration covers, checked against the option
    and locked (in id order) for the seat decision."""
    now = naive_now(store.now())
    option = series.registration_option
    ids = list(dict.fromkeys(occurrence_ids or ()))
    if option == "all_sessions":
        if ids:
            raise DeskError("registration_option_mismatch", f'"{series.name}" registers for '
                            "all sessions; do not choose occurrences.")
        upcoming = sorted(seats.upcoming_for_booking(session, series.id, now),
                          key=lambda o: o.start_utc)
        if not upcoming:
            raise DeskError("occurrence_not_open", f'"{series.name}" has no upcoming '
                            "occurrences to register for.")
        # Sessions about to start are closed; booking opens with the first open one.
        closing = timedelta(hours=series.booking_min_hours or 0)
        bookable = [o for o in upcoming if o.start_utc - now >= closing]
        why = _window(series, bookable[0], now) if bookable else _window(series, upcoming[0],
                                                                          now)
        if why:
            raise DeskError("outside_booking_window", f'"{series.name}": {why}.')
        return bookable
    if option == "single_session" and len(ids) != 1:
        raise DeskError("registration_option_mismatch", f'"{series.name}" takes exactly one '
                        "chosen occurrence per registration.")
    if option == "multiple_sessions" and not ids:
        raise DeskError("registration_option_mismatch", f'"{series.name}" needs one or more '
                        "chosen occurrences.")
    found = seats.rows_for_booking(
        session, [i for i in ids if isinstance(i, int) and not isinstance(i, bool)])
    chosen = []
    for occ_id in ids:
        occ = found.get(occ_id)
        if occ is None:
            raise not_found("occurrence", occ_id)
        if occ.series_id != series.id:
            raise invalid(f"Occurrence {occ_id} is not in series {series.id}.")
        if occ.status != "scheduled":
            raise DeskError("occurrence_not_open",
                            f"{sentence(occurrence_label(occ, series))} is cancelled.")
        if occ.start_utc <= now:
            raise DeskError("occurrence_not_open",
                            f"{sentence(occurrence_label(occ, series))} has already started.")
        why = _window(series, occ, now)
        if why:
            raise DeskError("outside_booking_window",
                            f"{sentence(occurrence_label(occ, series))}: {why}.")
        chosen.append(occ)
    return sorted(chosen, key=lambda o: o.start_utc)


def _duplicates(session: Session, attendee_id: int, occ_ids: Sequence[int],
                ignore: int | None = None) -> list[int]:
    """The occurrences among ``occ_ids`` the person already holds a seat in
    (through another registration than ``ignore``)."""
    if not occ_ids:
        return []
    return sorted(r.occurrence_id for r in _HELD.rows(
        session, person=attendee_id, occurrences=list(occ_ids), ignore=ignore or 0))


@transaction
def register(store: Store, series_id: int, *, email: str | None, name: str,
             occurrence_ids: Sequence[int] | None = None, seats: int = 1, phone: str = "",
             idempotency_key: str | None = None, ticket_id: int | None = None
             ) -> RegistrationView:
    """Register a person for a series. Each covered occurrence gets a seat if
    it fits, or a waitlist place; a series that requires approval holds none yet.
    A series that sells tickets needs ``ticket_id`` (see :mod:`tickets`)."""
    key = idempotency.clean_key(idempotency_key)

    def attempt() -> RegistrationView:
        with store.write() as session:
            return add_registration(session, store, series_id, email=email, name=name,
                                    occurrence_ids=occurrence_ids, seats=seats, phone=phone,
                                    idempotency_key=key, ticket_id=ticket_id)

    try:
        return attempt()
    except IntegrityError:  # a concurrent first use of the same key or email: read it back
        return attempt()


def add_registration(session: Session, store: Store, series_id: int, *, email: str | None,
                     name: str,
                     occurrence_ids: Sequence[int] | None = None, seats: int = 1,
                     phone: str = "", idempotency_key: str | None = None,
                     ticket_id: int | None = None) -> RegistrationView:
    """:func:`register` inside the caller's write transaction (bulk imports use
    it to make a whole file one transaction). Same rules, same errors."""
    clean_email, clean_phone = _contact(session, series_id, email, phone)
    clean_name = text.field(name, "Name", min_len=1, max_len=200)
    count = parse.parse_positive(seats, "Seats", 1, 1_000_000)  # the series' maximum is a rule
    params = {"series": series_id, "email": clean_email.lower(), "name": clean_name,
              "occurrences": sorted(occurrence_ids or ()), "seats": count, "phone": clean_phone}
    if ticket_id is not None:
        params["ticket"] = ticket_id
    earlier = idempotency.claim(session, idempotency_key, "reg.add", params,
                                naive_now(store.now()))
    if earlier is not None:
        return registration_views(session, [earlier])[0]
    return _register(session, store, series_id, clean_email, clean_name, clean_phone, count,
                     occurrence_ids, idempotency_key, params, ticket_id)


class _Booked(NamedTuple):
    """A registration just made, as the notice needs it."""

    id: int
    seats: int


def _register(session: Session, store: Store, series_id: int, email: str, name: str,
              phone: str, count: int, occurrence_ids, key: str | None,
              params: dict[str, Any], ticket_id: int | None = None) -> RegistrationView:
    # The busiest write of the desk: plain rows and statements built once, no ORM objects.
    series = seats.series_row(session, series_id)
    _open(series)
    if count > series.max_seats:
        raise DeskError("too_many_seats", f"One registration may take at most "
                        f"{series.max_seats} seats in \"{series.name}\"; asked for {count}.")
    # The ticket's row is locked before the occurrences (the desk's lock order).
    sale = tickets.take(session, store, series, ticket_id, count) \
        if ticket_id is not None or series.tickets else tickets.FREE
    chosen = _chosen(session, store, series, occurrence_ids)
    person, known = _attendee(session, store, email, name, phone)
    clash = _duplicates(session, person.id, [o.id for o in chosen]) if known else []
    if clash:
        raise DeskError("duplicate_registration", f"{email} already holds a registration for "
                        f"occurrence{'s' if len(clash) > 1 else ''} "
                        f"{', '.join(map(str, clash))}.", occurrences=clash)
    now = naive_now(store.now())  # arrival: when the seats are decided, under the locks
    status = "pending" if series.require_approval else "active"
    registration = _Booked(_NEW_REGISTRATION.first(
        session, series_id=series.id, attendee_id=person.id, seats=count, status=status,
        now=now, ticket_id=sale.ticket_id, unit_price=sale.unit_price, currency=sale.currency,
        no=False).id, count)
    statuses = ([seats.book(session, occ, count, series) for occ in chosen] if status == "active"
                else ["pending"] * len(chosen))
    _NEW_SEATS.run_many(session, [
        {"registration_id": registration.id, "occurrence_id": occ.id, "seats": count,
         "status": entry, "attended": False, "queued_at": now,
         "confirmed_at": now if entry == "confirmed" else None}
        for occ, entry in zip(chosen, statuses, strict=True)])
    state = overall_status(status, statuses)
    notices.notify(session, store, state, attendee=person, registration=registration,
                   series=series, lines=list(zip(chosen, statuses, strict=True)))
    idempotency.remember(session, key, registration.id)
    after: dict[str, Any] = {"email": email, "seats": count, "status": state,
                             "occurrences": [o.id for o in chosen]}
    if sale.ticket_id is not None:
        after["ticket"] = sale.ticket_id
    audit.record(session, store, "registration.create", "registration", registration.id,
                 after=after,
                 series_id=series.id, hub_id=series.hub_id)
    tz = zone(series.timezone)
    return RegistrationView(
        id=registration.id, series_id=series.id, attendee_id=person.id, email=person.email,
        name=person.name, phone=phone or person.phone, seats=count, status=state,
        created_at=iso_utc(now),
        occurrences=[SeatView(o.id, entry, False,
                              from_utc_naive(o.start_utc, tz).isoformat(timespec="seconds"))
                     for o, entry in zip(chosen, statuses, strict=True)],
        **vars(payments.fresh_money(sale.unit_price, count, sale.currency, sale.ticket_id,
                                      sale.name)))


# -- changing -------------------------------------------------------------------


def _load(session: Session, registration_id: int) -> tuple[Registration, Series, Attendee]:
    """Lock and load a registration for a change of state, in the desk's fixed
    lock order: its series (shared: a series edit, split or roll, which add or
    drop occurrences and give all-sessions registrations their seats, locks it
    exclusively), then the registration itself (two changes of one
    registration run one after the other), then, by the caller, the
    occurrences it holds seats in (:func:`seats.lock_occurrences`, id order).
    Everything the change decides from is read after these locks are held, so
    on PostgreSQL it sees what the change it waited for committed. (SQLite's
    write transaction holds the whole database already.)"""
    if not isinstance(registration_id, int) or isinstance(registration_id, bool):
        raise not_found("registration", registration_id)
    series = session.exec(
        select(Series).where(Series.id == select(Registration.series_id)
                             .where(Registration.id == registration_id).scalar_subquery())
        .with_for_update(read=True).execution_options(populate_existing=True)).first()
    if series is None:
        raise not_found("registration", registration_id)
    # NO KEY UPDATE: notices and seat entries that merely refer to the
    # registration (a promotion elsewhere) are not held up by it.
    registration = session.exec(
        select(Registration).where(Registration.id == registration_id)
        .with_for_update(key_share=True).execution_options(populate_existing=True)).one()
    return registration, series, session.get(Attendee, registration.attendee_id)


def _held_occurrences(session: Session, registration: Registration) -> list[int]:
    """The occurrences a locked registration holds live entries in, to lock
    before reading the entries. Which occurrences they are changes only under
    the registration's or the series' lock (held); their statuses may change
    under an occurrence's lock until the caller holds it too."""
    return list(session.exec(select(SeatEntry.occurrence_id)
                             .where(SeatEntry.registration_id == registration.id)
                             .where(SeatEntry.status != "cancelled")))


def _live_entries(session: Session, registration: Registration) -> list[SeatEntry]:
    """A registration's entries that are not cancelled, read fresh (call it
    once their occurrences are locked)."""
    return list(session.exec(select(SeatEntry).where(SeatEntry.registration_id == registration.id)
                             .where(SeatEntry.status != "cancelled").order_by(SeatEntry.id)
                             .execution_options(populate_existing=True)))


def _settle(session: Session, store: Store, registration: Registration, series: Series,
            person: Attendee, *, action: str, status: str, notice: str,
            lines: Sequence[tuple[Occurrence, str]] = ()) -> RegistrationView:
    """Give a registration its new status, tell the person, and audit it."""
    before = registration.status
    registration.status = status
    registration.updated_at = naive_now(store.now())
    session.add(registration)
    session.flush()
    notices.notify(session, store, notice, attendee=person, registration=registration,
                   series=series, lines=sorted(lines, key=lambda pair: pair[0].start_utc))
    audit.record(session, store, f"registration.{action}", "registration", registration.id,
                 before={"status": before}, after={"status": status}, series_id=series.id,
                 hub_id=series.hub_id)
    return registration_views(session, [registration.id])[0]


def _pending(registration: Registration, person: Attendee) -> None:
    if registration.status != "pending":
        raise DeskError("invalid_state", f"The registration of {_who(person)} is "
                        f"{registration.status}, not pending.")


def _who(person: Attendee) -> str:
    """A person as a message names them: ``Ann Lee <ann@example.org>``."""
    return f"{person.name} <{person.email}>" if person.email else person.name


@transaction
def cancel_registration(store: Store, registration_id: int, *, dry_run: bool = False,
                        refund: bool = False) -> RegistrationView:
    """Cancel a registration; its seats in occurrences still to come are freed
    and go to the waitlist at once. With ``dry_run`` the same change is made and
    rolled back: the result says what it would do (who would get a seat), and
    nothing is kept.

    Money: a cancellation before the cutoff of the first session still to come
    (its start less the series' refundable hours) is owed back what was paid
    (``refund_due``); after it, the result says ``late`` and nothing is owed
    back unless ``refund`` (sessions the organizer cancelled excepted)."""
    try:
        with store.write() as session:
            registration, series, person = _load(session, registration_id)
            if registration.status in ("cancelled", "declined"):
                raise DeskError("invalid_state", f"The registration of {_who(person)} is "
                                f"already {registration.status}.")
            now = naive_now(store.now())
            locked = seats.lock_occurrences(session, _held_occurrences(session, registration))
            entries = {e.occurrence_id: e for e in _live_entries(session, registration)}
            freed = [o for o in locked if o.id in entries and o.start_utc > now]
            first = min((o.start_utc for o in freed if o.status == "scheduled"), default=None)
            registration.late_cancel = payments.is_late(now, first, series)
            registration.refund_on_cancel = not registration.late_cancel or refund
            for occ in freed:
                seats.set_status(session, entries[occ.id], "cancelled", "registration")
            session.flush()
            promoted = [e for occ in freed for e in seats.promote(session, store, occ, series)]
            view = _settle(session, store, registration, series, person, action="cancel",
                           status="cancelled", notice="cancelled",
                           lines=[(o, "cancelled") for o in freed])
            view = replace(view, promoted=seats.names(session, promoted))
            if dry_run:
                raise _Preview(view)
            return view
    except _Preview as preview:
        return preview.result


class _Preview(Exception):
    """Carries a dry run's result out of its transaction, which it rolls back."""

    def __init__(self, result: Any) -> None:
        super().__init__("dry run")
        self.result = result


@transaction
def approve(store: Store, registration_id: int) -> RegistrationView:
    """Approve a pending registration: seats are confirmed or waitlisted as capacity allows."""
    with store.write() as session:
        registration, series, person = _load(session, registration_id)
        _pending(registration, person)
        now = naive_now(store.now())
        locked = seats.lock_occurrences(session, _held_occurrences(session, registration))
        entries = {e.occurrence_id: e for e in _live_entries(session, registration)}
        lines = []
        for occ in locked:
            entry = entries.get(occ.id)
            if entry is None:
                continue
            if occ.status != "scheduled" or occ.start_utc <= now:
                seats.set_status(session, entry, "cancelled", "closed")
            else:
                entry.queued_at = now
                seats.place(session, store, entry, occ, series)
            lines.append((occ, entry.status))
        return _settle(session, store, registration, series, person, action="approve",
                       status="active", notice="approved", lines=lines)


@transaction
def decline(store: Store, registration_id: int) -> RegistrationView:
    """Decline a pending registration; it never held a seat."""
    with store.write() as session:
        registration, series, person = _load(session, registration_id)
        _pending(registration, person)
        seats.lock_occurrences(session, _held_occurrences(session, registration))
        for entry in _live_entries(session, registration):
            seats.set_status(session, entry, "cancelled", "declined")
        return _settle(session, store, registration, series, person, action="decline",
                       status="declined", notice="declined")


@transaction
def switch(store: Store, registration_id: int, from_occurrence: int,
           to_occurrence: int) -> RegistrationView:
    """Move a registration's seat from one occurrence to another in one step.
    If the target has no room, nothing changes and the error says so."""
    for occurrence_id in (from_occurrence, to_occurrence):
        if not isinstance(occurrence_id, int) or isinstance(occurrence_id, bool):
            raise not_found("occurrence", occurrence_id)
    with store.write() as session:
        registration, series, person = _load(session, registration_id)
        if registration.status not in ("active", "pending"):
            raise DeskError("invalid_state", f"The registration of {_who(person)} is "
                            f"{registration.status}.")
        _open(series)
        if from_occurrence not in _held_occurrences(session, registration):
            raise DeskError("not_found", f"Registration {registration_id} holds no seat in "
                            f"occurrence {from_occurrence}.")
        if from_occurrence == to_occurrence:
            raise invalid("The registration is already in that occurrence.")
        source, target = None, None
        for occ in seats.lock_occurrences(session, [from_occurrence, to_occurrence]):
            if occ.id == from_occurrence:
                source = occ
            else:
                target = occ
        entry = next((e for e in _live_entries(session, registration)
                      if e.occurrence_id == from_occurrence), None)
        if entry is None:  # the occurrence was cancelled while this waited for it
            raise DeskError("not_found", f"Registration {registration_id} holds no seat in "
                            f"occurrence {from_occurrence} any more.")
        if target is None:
            raise not_found("occurrence", to_occurrence)
        if registration.ticket_id is not None and target.series_id != series.id:
            raise DeskError("ticket_mismatch", f"The registration of {_who(person)} holds a "
                            f'ticket for "{series.name}"; '
                            f"{occurrence_label(target, session.get(Series, target.series_id))} "
                            "belongs to another series, with other tickets.",
                            ticket=registration.ticket_id)
        if target.series_id != series.id:
            raise invalid(f"Occurrence {to_occurrence} is not in series {series.id}.")
        now = naive_now(store.now())
        if target.status != "scheduled" or target.start_utc <= now:
            raise DeskError("occurrence_not_open", f"{sentence(occurrence_label(target, series))} "
                            "is not open (cancelled or started).")
        why = _window(series, target, now)
        if why:
            raise DeskError("outside_booking_window",
                            f"{sentence(occurrence_label(target, series))}: {why}.")
        if _duplicates(session, person.id, [to_occurrence]):
            raise DeskError("duplicate_registration", f"{person.email} already holds a seat "
                            f"in occurrence {to_occurrence}.")
        if entry.status != "pending":
            if not seats.fits(target, seats.confirmed_seats(session, target.id), entry.seats):
                free = (target.capacity or 0) - seats.confirmed_seats(session, target.id)
                raise DeskError("no_room", f"{sentence(occurrence_label(target, series))} has "
                                f"{max(free, 0)} free seats and {entry.seats} are needed; the "
                                f"registration keeps its seat in "
                                f"{occurrence_label(source, series)}.")
            if seats.strict(series) and seats.queue_ahead(session, target):
                raise DeskError("no_room", f"People are waiting for a seat in occurrence "
                                f"{to_occurrence}, first come first served; the registration "
                                f"keeps its seat in occurrence {from_occurrence}.")
        before = {"occurrence": from_occurrence, "status": entry.status}
        was = entry.status
        seats.set_status(session, entry, "pending")  # leaves the source before it moves
        entry.occurrence_id = target.id
        entry.attended = False
        entry.queued_at = now
        if was != "pending":
            seats.place(session, store, entry, target, series)
        session.add(entry)
        session.flush()
        notices.notify(session, store, "switched", attendee=person, registration=registration,
                       series=series, lines=[(source, "cancelled"), (target, entry.status)],
                       occurrence=target)
        # a seat freed, or (strict) the line moved
        promoted = seats.promote(session, store, source, series) if was in seats.ACTIVE else []
        audit.record(session, store, "registration.switch", "registration", registration.id,
                     before=before, after={"occurrence": to_occurrence, "status": entry.status},
                     series_id=series.id, hub_id=series.hub_id)
        return replace(registration_views(session, [registration.id])[0],
                       promoted=seats.names(session, promoted))


@transaction
def check_in(store: Store, registration_id: int, occurrence_id: int, *,
             attended: bool = True) -> RegistrationView:
    """Mark a confirmed seat as attended (or undo that)."""
    with store.write() as session:
        registration, series, _ = _load(session, registration_id)
        seats.lock_occurrences(session, [occurrence_id])
        found = session.exec(select(SeatEntry).where(SeatEntry.registration_id == registration.id)
                             .where(SeatEntry.occurrence_id == occurrence_id)
                             .order_by(SeatEntry.id)
                             .execution_options(populate_existing=True)).all()
        if not found:
            raise DeskError("not_found", f"Registration {registration_id} has no seat in "
                            f"occurrence {occurrence_id}.")
        # A seat given up there and one switched back in: the live one counts.
        entry = next((e for e in found if e.status != "cancelled"), found[-1])
        if entry.status != "confirmed":
            raise DeskError("invalid_state", f"Only a confirmed seat can be checked in; this "
                            f"one is {entry.status}.")
        before = entry.attended
        if before == attended:  # already so: nothing to change, nothing to log
            return registration_views(session, [registration.id])[0]
        entry.attended = attended
        session.add(entry)
        audit.record(session, store, "registration.checkin", "registration", registration.id,
                     before={"occurrence": occurrence_id, "attended": before},
                     after={"occurrence": occurrence_id, "attended": attended},
                     series_id=series.id, hub_id=series.hub_id)
        session.flush()
        return registration_views(session, [registration.id])[0]


# -- figures ----------------------------------------------------------------------


@transaction
def series_stats(store: Store, series_id: int) -> SeriesFigures:
    """Capacity, confirmed, waitlisted, pending, attended and fill rate, per
    occurrence and for the series (scheduled occurrences only in the totals)."""
    with store.read() as session:
        series = get(session, Series, series_id, "series")
        tz = zone(series.timezone)
        occs = session.exec(select(Occurrence).where(Occurrence.series_id == series_id)
                            .order_by(Occurrence.start_utc)).all()
        sums: dict[tuple[int, str], int] = {}
        attended: dict[int, int] = {}
        came_seats = case((col(SeatEntry.attended), SeatEntry.seats), else_=0)
        rows = session.exec(select(SeatEntry.occurrence_id, SeatEntry.status,
                                   func.sum(SeatEntry.seats), func.sum(came_seats))
                            .join(Occurrence).where(Occurrence.series_id == series_id)
                            .group_by(SeatEntry.occurrence_id, SeatEntry.status)).all()
        for occ_id, status, total, came in rows:
            sums[(occ_id, status)] = int(total or 0)
            if status == "confirmed":
                attended[occ_id] = int(came or 0)
        figures = []
        for o in occs:
            confirmed = sums.get((o.id, "confirmed"), 0)
            figures.append(OccurrenceFigures(
                o.id, from_utc_naive(o.start_utc, tz).isoformat(timespec="seconds"), o.status,
                o.capacity, confirmed, sums.get((o.id, "waitlisted"), 0),
                sums.get((o.id, "pending"), 0), attended.get(o.id, 0),
                round(confirmed / o.capacity, 4) if o.capacity else None))
        live = [f for f in figures if f.status == "scheduled"]
        limited = [f for f in live if f.capacity is not None]
        capacity = sum(f.capacity for f in limited) if limited and len(limited) == len(live) \
            else None
        confirmed = sum(f.confirmed for f in live)
        registrations = session.exec(select(func.count()).select_from(Registration)
                                     .where(Registration.series_id == series_id)
                                     .where(col(Registration.status).in_(("active", "pending")))
                                     ).one()
        return SeriesFigures(
            series_id, capacity, confirmed, sum(f.waitlisted for f in live),
            sum(f.pending for f in live), sum(f.attended for f in figures),
            round(sum(f.confirmed for f in limited) / sum(f.capacity for f in limited), 4)
            if limited else None, registrations, figures, payments.revenue(session, series_id))
