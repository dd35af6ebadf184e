"""Composing the outbox: one plain-text message per person and event."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from schedtui.domain.zones import from_utc_naive, zone
from schedtui.services.common import naive_now
from schedtui.store import Store
from schedtui.store.hot import HotSQL
from schedtui.store.models import Attendee, Occurrence, Registration, Series

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
    "restored": "Back on: {series} on {when}",
    "approved": "Registration approved: {series}",
    "declined": "Registration declined: {series}",
    "cancelled": "Registration cancelled: {series}",
    "switched": "Session changed: {series}",
}
STATUS_WORDS = {"confirmed": "confirmed seat", "waitlisted": "on the waitlist",
                "cancelled": "cancelled", "pending": "awaiting approval"}


def when(occ: Occurrence, series: Series) -> str:
    """An occurrence's start in the series' zone, for people."""
    start = from_utc_naive(occ.start_utc, zone(series.timezone))
    return f"{start:%a %d %b %Y, %H:%M} ({series.timezone})"


def notify(session: Session, store: Store, kind: str, *, attendee: Attendee,
           registration: Registration | None, series: Series,
           lines: Sequence[tuple[Occurrence, str]] = (), occurrence: Occurrence | None = None,
           note: str = "") -> None:
    """Queue one message. ``lines`` lists the sessions it is about, with their status."""
    about = occurrence or (lines[0][0] if len(lines) == 1 else None)
    subject = SUBJECTS[kind].format(series=series.name,
                                    when=when(about, series) if about else "")
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
        "restored": "this session is back on.",
        "approved": "your registration was approved.",
        "declined": "your registration was declined.",
        "cancelled": "your registration is cancelled.",
        "switched": "your seat moved to another session.",
    }[kind]
    body.append(f"{series.name}: {intro}")
    if note:
        body += ["", note]
    if lines:
        body += ["", "Sessions:"]
        body += [f"  - {when(o, series)}: {STATUS_WORDS.get(status, status)}"
                 for o, status in lines]
    where = (occurrence.location if occurrence and occurrence.location is not None
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
