"""Reminders: for a series with reminder offsets (``--remind 24h,1h``), every
confirmed seat in an upcoming occurrence has one notice in the outbox per
offset, due at the start minus the offset (``Notice.due_at``; the send waits
until then).

They are kept in step with the seats and times, not written by each change:
whatever a transaction does to an occurrence's seats or time also tells
someone (:func:`schedtui.services.notices.notify`), which marks the occurrence
here; before the transaction commits, the pending reminders of every marked
occurrence are brought in line with what it holds then. A move reschedules
them, a cancelled seat or occurrence drops them, a promotion adds them, and an
edit of the offsets re-plans them. A reminder due before now is not made (a
booking an hour before the start gets no 24-hour reminder), and one whose
session has started is never sent (:func:`drop_stale`, at send time)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlmodel import Session, col, delete, select

from schedtui.domain.policies import stored_offsets
from schedtui.domain.zones import from_utc_naive, zone
from schedtui.services.common import naive_now
from schedtui.store import Store
from schedtui.store.models import Attendee, Notice, Occurrence, Registration, SeatEntry, Series

KIND = "reminder"
_MARKED = "reminder_occurrences"
PENDING = ("waiting", "failed")  # not yet out, not being sent


def mark(session: Session, store: Store, occurrence_ids: Iterable[int]) -> None:
    """Bring these occurrences' reminders in line before the transaction commits."""
    found = session.info.setdefault(_MARKED, (store, set()))
    found[1].update(i for i in occurrence_ids if i is not None)


def mark_series(session: Session, store: Store, series_id: int) -> None:
    """Every upcoming occurrence of a series (its offsets changed)."""
    mark(session, store, session.exec(
        select(Occurrence.id).where(Occurrence.series_id == series_id)
        .where(Occurrence.start_utc > naive_now(store.now()))).all())


def _before_commit(session: Session) -> None:
    found = session.info.pop(_MARKED, None)
    if found and found[1]:
        sync(session, found[0], sorted(found[1]))


def _after_rollback(session: Session) -> None:
    session.info.pop(_MARKED, None)


event.listen(Session, "before_commit", _before_commit)
event.listen(Session, "after_rollback", _after_rollback)


def sync(session: Session, store: Store, occurrence_ids: list[int]) -> None:
    """Make the pending reminders of these occurrences what their series'
    offsets and confirmed seats ask for now: keep those that still fit,
    reschedule by dropping and remaking, add the missing ones that are not
    yet due."""
    now = naive_now(store.now())
    for start in range(0, len(occurrence_ids), 900):
        chunk = occurrence_ids[start:start + 900]
        wanted: dict[tuple[int, int, datetime], tuple] = {}
        rows = session.exec(
            select(Occurrence, Series).join(Series, Series.id == Occurrence.series_id)
            .where(col(Occurrence.id).in_(chunk))).all()
        live = {occ.id: (occ, series) for occ, series in rows
                if series.remind and occ.status == "scheduled" and series.status != "archived"
                and occ.start_utc > now}
        if live:
            seats = session.exec(
                select(SeatEntry.occurrence_id, Registration, Attendee)
                .join(Registration, Registration.id == SeatEntry.registration_id)
                .join(Attendee, Attendee.id == Registration.attendee_id)
                .where(col(SeatEntry.occurrence_id).in_(list(live)))
                .where(SeatEntry.status == "confirmed")
                .where(Registration.status == "active")).all()
            for occ_id, registration, attendee in seats:
                if not attendee.email:
                    continue  # a walk-in: no address to remind
                occ, series = live[occ_id]
                for minutes in stored_offsets(series.remind):
                    due = occ.start_utc - timedelta(minutes=minutes)
                    wanted[(occ_id, registration.id, due)] = (occ, series, registration,
                                                              attendee, minutes)
        existing = session.exec(
            select(Notice.id, Notice.occurrence_id, Notice.registration_id, Notice.due_at)
            .where(Notice.kind == KIND).where(col(Notice.occurrence_id).in_(chunk))
            .where(col(Notice.state).in_(PENDING)).where(col(Notice.exported_at).is_(None))
        ).all()
        stale = []
        for ident, occ_id, reg_id, due in existing:
            if wanted.pop((occ_id, reg_id, due), None) is None:
                stale.append(ident)
        if stale:
            session.execute(delete(Notice).where(col(Notice.id).in_(stale)))
        for (_, _, due), (occ, series, registration, attendee, minutes) in sorted(
                wanted.items(), key=lambda item: (item[0][2], item[0][0], item[0][1])):
            if due <= now:
                continue  # its moment has passed: no late reminder
            session.add(_notice(occ, series, registration, attendee, minutes, due, now))
    session.flush()


def _notice(occ: Occurrence, series: Series, registration: Registration, attendee: Attendee,
            minutes: int, due: datetime, now: datetime) -> Notice:
    start = from_utc_naive(occ.start_utc, zone(series.timezone))
    when = f"{start:%a %d %b %Y, %H:%M} ({series.timezone})"
    where = occ.location if occ.location is not None else series.location
    body = [f"Hello {attendee.name},", "", f"a reminder: {series.name} starts {_ahead(minutes)}.",
            "", f"When: {when}"]
    if where:
        body.append(f"Where: {where}")
    body += ["", f"Seats: {registration.seats}", "", "-- sent from the schedtui desk"]
    return Notice(created_at=now, kind=KIND, attendee_id=attendee.id,
                  registration_id=registration.id, occurrence_id=occ.id,
                  to_email=attendee.email, to_name=attendee.name,
                  subject=f"Reminder: {series.name} on {when}", body="\n".join(body) + "\n",
                  due_at=due)


def _ahead(minutes: int) -> str:
    if minutes % 1440 == 0:
        n, unit = minutes // 1440, "day"
    elif minutes % 60 == 0:
        n, unit = minutes // 60, "hour"
    else:
        n, unit = minutes, "minute"
    return f"in {n} {unit}{'s' if n != 1 else ''}"


def drop_stale(store: Store) -> int:
    """Drop pending reminders whose session has started or is no longer on (a
    send, or a clock that jumped past a start): a reminder never goes out late.
    Returns how many were dropped."""
    now = naive_now(store.now())
    with store.write() as session:
        gone = select(Occurrence.id).where(
            (Occurrence.start_utc <= now) | (Occurrence.status != "scheduled"))
        result = session.execute(delete(Notice).where(Notice.kind == KIND)
                              .where(col(Notice.state).in_(PENDING))
                              .where(col(Notice.exported_at).is_(None))
                              .where(col(Notice.occurrence_id).in_(gone)))
        return result.rowcount or 0


def still_due(store: Store, notice: Notice) -> bool:
    """Whether a reminder's session is still ahead and on (checked again just
    before it is sent)."""
    if notice.kind != KIND or notice.occurrence_id is None:
        return True
    with store.read() as session:
        occ = session.get(Occurrence, notice.occurrence_id)
        return occ is not None and occ.status == "scheduled" and \
            occ.start_utc > naive_now(store.now())
