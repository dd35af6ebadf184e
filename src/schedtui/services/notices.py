"""Composing the outbox: one plain-text message per person and event."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists
from sqlmodel import Session, col, select

from schedtui.domain.zones import from_utc_naive, zone
from schedtui.services.common import naive_now
from schedtui.store import Store
from schedtui.store.hot import HotSQL
from schedtui.store.models import Attendee, Occurrence, Registration, SeatEntry, Series, Slot

# Every change writes one.
_INSERT = HotSQL(
    "INSERT INTO notice (created_at, kind, attendee_id, registration_id, occurrence_id, "
    "to_email, to_name, subject, body) VALUES (:created_at, :kind, :attendee_id, "
    ":registration_id, :occurrence_id, :to_email, :to_name, :subject, :body)")

SUBJECTS = {
    "confirmed": "You're registered: {series}",
    "waitlisted": "You're on the waitlist: {series}",
    "partial": "Registered, partly on the waitlist: {series}",
    "pending": "Registration received, awaiting approval: {series}",
    "promoted": "A seat opened up for you: {series}",
    "demoted": "Moved to the waitlist: {series}",
    "occurrence_cancelled": "Cancelled: {series} on {when}",
    "moved": "New time: {series} is now {when}",
    "changed": "Changed: {series}",
    "restored": "Back on: {series} on {when}",
    "approved": "Registration approved: {series}",
    "declined": "Registration declined: {series}",
    "cancelled": "Registration cancelled: {series}",
    "switched": "Session changed: {series}",
}
# The subject and opening of a notice about several sessions at once.
SUBJECTS_MANY = {"occurrence_cancelled": "Sessions cancelled: {series}",
                 "restored": "Back on: sessions of {series}"}
INTRO_MANY = {"occurrence_cancelled": "these sessions are cancelled. Your seats in them are "
                                      "released.",
              "restored": "these sessions are back on."}
STATUS_WORDS = {"confirmed": "confirmed seat", "waitlisted": "on the waitlist",
                "cancelled": "cancelled", "pending": "awaiting approval"}


def when(occ: Occurrence, series: Series) -> str:
    """An occurrence's start in the series' zone, for people."""
    return _when(occ.start_utc, series.timezone)


@functools.lru_cache(maxsize=4096)
def _when(start_utc, timezone: str) -> str:
    """(An import writes the same few sessions into thousands of notices.)"""
    start = from_utc_naive(start_utc, zone(timezone))
    return f"{start:%a %d %b %Y, %H:%M} ({timezone})"


def notify(session: Session, store: Store, kind: str, *, attendee: Attendee,
           registration: Registration | None, series: Series,
           lines: Sequence[tuple[Occurrence, str]] = (), occurrence: Occurrence | None = None,
           note: str = "") -> None:
    """Queue one message. ``lines`` lists the sessions it is about, with their status.
    A walk-in registered without an email gets none. The sessions it is about
    have their reminders brought in line before the commit."""
    if getattr(series, "remind", ""):
        from schedtui.services import reminders

        reminders.mark(session, store, [o.id for o, _ in lines] +
                       ([occurrence.id] if occurrence is not None else []))
    if not attendee.email:
        return
    about = occurrence or (lines[0][0] if len(lines) == 1 else None)
    many = about is None and len(lines) > 1 and kind in SUBJECTS_MANY
    subject = (SUBJECTS_MANY if many else SUBJECTS)[kind].format(
        series=series.name, when=when(about, series) if about else "")
    body = [f"Hello {attendee.name},", ""]
    intro = {
        "confirmed": "your registration is confirmed.",
        "waitlisted": "the sessions you chose are full, so you are on the waitlist. We will "
                      "write again if a seat opens up.",
        "partial": "your registration is in; some sessions are full and you are on their "
                   "waitlist.",
        "pending": "we received your registration. The organizer reviews it and will write "
                   "again.",
        "promoted": "a seat opened up and is now yours.",
        "demoted": "the session's capacity was reduced and your seat moved to the waitlist.",
        "occurrence_cancelled": "this session is cancelled. Your seat in it is released.",
        "moved": "this session has a new time.",
        "changed": "the organizer changed sessions you hold a seat in.",
        "restored": "this session is back on.",
        "approved": "your registration was approved.",
        "declined": "your registration was declined.",
        "cancelled": "your registration is cancelled.",
        "switched": "your seat moved to another session.",
    }[kind]
    if many:
        intro = INTRO_MANY[kind]
    body.append(f"{series.name}: {intro}")
    if note:
        body += ["", note]
    if lines:
        body += ["", "Sessions:"]
        body += [f"  - {when(o, series)}: {STATUS_WORDS.get(status, status)}"
                 for o, status in lines]
    where = (about.location if about is not None and about.location is not None
             else series.location)
    if where:
        body += ["", f"Where: {where}"]
    body += ["", f"Seats: {registration.seats}" if registration else "", "",
             "-- sent from the schedtui desk"]
    _INSERT.run(session, **{
        "created_at": naive_now(store.now()), "kind": kind, "attendee_id": attendee.id,
        "registration_id": registration.id if registration else None,
        "occurrence_id": about.id if about else None, "to_email": attendee.email,
        "to_name": attendee.name, "subject": subject,
        "body": "\n".join(line for line in body if line is not None).strip() + "\n"})


# -- changes to occurrences people hold seats in ----------------------------------------

HOLDING = ("confirmed", "waitlisted", "pending")


@dataclass(frozen=True)
class Shown:
    """An occurrence as its people see it: when, how long, where, with whom."""

    start_utc: datetime
    end_utc: datetime
    timezone: str
    location: str
    host: str

    def when(self) -> str:
        start = from_utc_naive(self.start_utc, zone(self.timezone))
        return f"{start:%a %d %b %Y, %H:%M} ({self.timezone})"

    def minutes(self) -> int:
        return int((self.end_utc - self.start_utc).total_seconds() // 60)


def held(session: Session, *, series_id: int | None = None,
         occurrence_ids: Sequence[int] = (), now: datetime) -> dict[int, Shown]:
    """The upcoming scheduled occurrences (of a series, or these ones) that
    someone holds or awaits a seat in, as their people see them now: taken
    before a change, and given to :func:`tell_changes` after it."""
    query = (select(Occurrence).where(Occurrence.status == "scheduled")
             .where(Occurrence.start_utc >= naive_now(now))
             .where(exists().where(SeatEntry.occurrence_id == Occurrence.id)  # an index seek
                    .where(col(SeatEntry.status).in_(HOLDING))))
    if series_id is not None:
        query = query.where(Occurrence.series_id == series_id)
    else:
        query = query.where(col(Occurrence.id).in_(list(occurrence_ids)))
    return _shown(session, list(session.exec(query.order_by(Occurrence.start_utc,
                                                            Occurrence.id))))


def _shown(session: Session, rows: Sequence[Occurrence]) -> dict[int, Shown]:
    found: dict[int, Shown] = {}
    series_of: dict[int, Series] = {}
    hosts: dict[int, str] = {}
    for occ in rows:
        series = series_of.get(occ.series_id) or session.get(Series, occ.series_id)
        series_of[occ.series_id] = series
        if occ.slot_id is not None and occ.slot_id not in hosts:
            slot = session.get(Slot, occ.slot_id)
            hosts[occ.slot_id] = slot.host if slot is not None else ""
        host = occ.host if occ.host is not None else (hosts.get(occ.slot_id) or series.host)
        found[occ.id] = Shown(occ.start_utc, occ.end_utc, series.timezone,
                              occ.location if occ.location is not None else series.location,
                              host)
    return found


def tell_changes(session: Session, store: Store, before: dict[int, Shown]) -> list[str]:
    """Tell each person holding or awaiting a seat in an occurrence of
    ``before`` that changed (time, length, place, host) since: one notice per
    person for the whole change, listing each of their sessions with what it
    was. Cancelled and removed occurrences have notices of their own.
    Returns the names of the people told, one notice each."""
    if not before:
        return []
    session.flush()
    rows = [o for chunk in _chunks(list(before)) for o in session.exec(
        select(Occurrence).where(col(Occurrence.id).in_(chunk))) if o.status == "scheduled"]
    after = _shown(session, rows)
    changed = {i: shown for i, shown in after.items() if shown != before[i]}
    if not changed:
        return []
    entries = sorted((e for chunk in _chunks(list(changed)) for e in session.exec(
        select(SeatEntry).where(col(SeatEntry.occurrence_id).in_(chunk))
        .where(col(SeatEntry.status).in_(HOLDING)))), key=lambda e: e.id)
    occ_rows = {o.id: o for o in rows}
    per_person: dict[int, list[SeatEntry]] = {}
    registrations: dict[int, Registration] = {}
    for entry in entries:
        registration = registrations.get(entry.registration_id) or session.get(
            Registration, entry.registration_id)
        registrations[registration.id] = registration
        per_person.setdefault(registration.attendee_id, []).append(entry)
    told = []
    for attendee_id, held_entries in per_person.items():
        held_entries.sort(key=lambda e: (occ_rows[e.occurrence_id].start_utc,
                                         e.occurrence_id))
        lines = []
        only_times = True
        for entry in held_entries:
            old, new = before[entry.occurrence_id], changed[entry.occurrence_id]
            what = _what_changed(old, new)
            only_times &= (old.location, old.host) == (new.location, new.host)
            lines.append((occ_rows[entry.occurrence_id],
                          f"{STATUS_WORDS.get(entry.status, entry.status)}; {what}"))
        registration = registrations[held_entries[0].registration_id]
        series = session.get(Series, occ_rows[held_entries[0].occurrence_id].series_id)
        person = session.get(Attendee, attendee_id)
        notify(session, store, "moved" if only_times and len(lines) == 1 else "changed",
               attendee=person, registration=registration, series=series, lines=lines)
        told.append(person.name or person.email)
    return told


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    """Ids in groups small enough for any SQLite's limit on parameters."""
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _what_changed(old: Shown, new: Shown) -> str:
    parts = []
    if (old.start_utc, old.timezone) != (new.start_utc, new.timezone):
        parts.append(f"was {old.when()}")
    if old.minutes() != new.minutes():
        parts.append(f"now {new.minutes()} minutes (was {old.minutes()})")
    if old.location != new.location:
        parts.append(f"now at {new.location or 'no place given'} "
                     f"(was {old.location or 'no place given'})")
    if old.host != new.host:
        parts.append(f"now with {new.host or 'no host given'} "
                     f"(was {old.host or 'no host given'})")
    return "; ".join(parts)
