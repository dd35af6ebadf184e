"""Editing several occurrences at once: set fields, cancel, restore, move by an offset.

Each bulk edit is one transaction. Every occurrence is checked before anything
changes; if any one is refused (not found, in an archived series, started,
already cancelled, a capacity below its confirmed seats without ``demote``, a
move onto another session of its series), nothing changes and the error names
each refused occurrence by its id, series and local start, and why.

Locks follow the house order: the series (by id), then the occurrences (by id).
Every audit entry of one bulk edit carries the same batch, so undo takes the
whole edit back as one step. People are told once per bulk edit and series,
in one notice listing their sessions.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from schedtui.domain import parse
from schedtui.domain.errors import DeskError, invalid, not_found
from schedtui.domain.zones import from_utc_naive, localize, to_utc_naive, zone
from schedtui.services import audit, notices, seats
from schedtui.services.common import get, naive_now, occurrence_views
from schedtui.services.common import occurrence_label as label
from schedtui.services.occurrences import UNSET, checked_changes
from schedtui.services.series import on_occurrences_cancelled
from schedtui.services.views import OccurrenceView
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Attendee, AuditEntry, Occurrence, Registration, SeatEntry, Series

EDIT_FIELDS = ("start_utc", "end_utc", "status", "capacity", "location", "host", "edited")
MAX_IDS = 5000
MAX_SHIFT = 366 * 24 * 60  # minutes: a year and a day either way
_CHUNK = 900  # ids per IN (...) under any SQLite's parameter limit


@dataclass(frozen=True)
class BulkResult:
    """What a bulk edit did: the occurrences as they are now, and how many
    people hold or await a seat in them (the people told)."""

    action: str
    occurrences: list[OccurrenceView]
    people: int

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "occurrences": [o.to_json() for o in self.occurrences],
                "people": self.people}


@dataclass(frozen=True)
class Impact:
    """What a bulk edit of these occurrences would reach, for a confirmation."""

    occurrences: int
    people: int

    def to_json(self) -> dict[str, Any]:
        return {"occurrences": self.occurrences, "people": self.people}


@dataclass
class _Batch:
    """The locked occurrences of one bulk edit, their series, and the refusals."""

    rows: list[Occurrence]
    series: dict[int, Series]
    refused: list[tuple[Occurrence, str, str]] = field(default_factory=list)

    def refuse(self, occ: Occurrence, code: str, why: str) -> None:
        self.refused.append((occ, code, why))

    def of(self, occ: Occurrence) -> Series:
        return self.series[occ.series_id]


def check_ids(ids: Iterable[Any]) -> list[int]:
    """Occurrence ids as a sorted list without repeats; at least one."""
    found: set[int] = set()
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise invalid(f'Occurrence id "{str(value)[:20]}" is not a positive whole number.')
        found.add(value)
    if not found:
        raise invalid("Give at least one occurrence.")
    if len(found) > MAX_IDS:
        raise invalid(f"At most {MAX_IDS} occurrences at once; got {len(found)}.")
    return sorted(found)


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i:i + _CHUNK]) for i in range(0, len(ids), _CHUNK)]


def _lock(session: Session, ids: list[int]) -> _Batch:
    """Lock the series of ``ids`` (by id), then the occurrences (by id)."""
    owners: dict[int, int] = {}
    for chunk in _chunks(ids):
        owners.update(session.exec(select(Occurrence.id, Occurrence.series_id)
                                   .where(col(Occurrence.id).in_(chunk))).all())
    missing = [i for i in ids if i not in owners]
    if missing:
        raise DeskError("not_found", "Nothing was changed: no occurrence with id "
                        f"{', '.join(map(str, missing))}.", kind="occurrence", id=missing)
    series = {sid: get(session, Series, sid, "series", lock=True)
              for sid in sorted(set(owners.values()))}
    rows: list[Occurrence] = []
    for chunk in _chunks(ids):  # ascending chunks keep the id order
        rows += seats.lock_occurrences(session, chunk)
    for occ in rows:  # moved to another series (a split) before the lock: lock that too
        if occ.series_id not in series:
            series[occ.series_id] = get(session, Series, occ.series_id, "series", lock=True)
    batch = _Batch(rows, series)
    for occ in rows:
        if batch.of(occ).status == "archived":
            batch.refuse(occ, "series_archived", "its series is archived")
    return batch


def _started(store: Store, batch: _Batch) -> None:
    now = naive_now(store.now())
    for occ in batch.rows:
        if occ.start_utc < now:
            batch.refuse(occ, "occurrence_started", "has already started; the past is never "
                         "changed")


def _refuse_any(batch: _Batch) -> None:
    """Raise one error naming every refused occurrence (nothing has changed)."""
    if not batch.refused:
        return
    seen: dict[int, list[str]] = {}
    codes: dict[int, str] = {}
    for occ, code, why in batch.refused:
        seen.setdefault(occ.id, []).append(why)
        codes.setdefault(occ.id, code)
    by_id = {o.id: o for o in batch.rows}
    parts = [f"{label(by_id[i], batch.of(by_id[i]))} {'; '.join(whys)}"
             for i, whys in sorted(seen.items())]
    total = len(batch.rows)
    head = ("Nothing was changed" if total == 1 else
            f"Nothing was changed; {len(seen)} of {total} occurrences refused")
    code = batch.refused[0][1]  # each was given to batch.refuse as a literal
    raise DeskError(code, f"{head}: {'. '.join(parts)}.",
                    refused=[{"id": i, "code": codes[i], "reason": "; ".join(seen[i])}
                             for i in sorted(seen)])


def _people(session: Session, ids: Sequence[int]) -> int:
    """People holding or awaiting a seat in these occurrences."""
    people: set[int] = set()
    for chunk in _chunks(list(ids)):
        people.update(session.exec(
            select(Registration.attendee_id).join(SeatEntry,
                                                  SeatEntry.registration_id == Registration.id)
            .where(col(SeatEntry.occurrence_id).in_(chunk))
            .where(col(SeatEntry.status).in_(notices.HOLDING)).distinct()).all())
    return len(people)


def _held(session: Session, store: Store, ids: Sequence[int]) -> dict[int, notices.Shown]:
    shown: dict[int, notices.Shown] = {}
    for chunk in _chunks(list(ids)):
        shown.update(notices.held(session, occurrence_ids=chunk, now=store.now()))
    return shown


def _tell_changes(session: Session, store: Store, batch: _Batch,
                  shown: dict[int, notices.Shown]) -> None:
    """One notice per person and series for the whole change."""
    owner = {o.id: o.series_id for o in batch.rows}
    for series_id in sorted(batch.series):
        part = {i: s for i, s in shown.items() if owner[i] == series_id}
        notices.tell_changes(session, store, part)


def _finish(session: Session, store: Store, action: str, batch: _Batch,
            before: dict[int, dict[str, Any]], undoing: bool, people: int) -> BulkResult:
    """Audit each occurrence under one batch; the views as they are now."""
    session.flush()
    tag = uuid.uuid4().hex
    views: list[OccurrenceView] = []
    for series_id in sorted(batch.series):
        series = batch.series[series_id]
        rows = [o for o in batch.rows if o.series_id == series_id]
        for occ in rows:
            audit.record(session, store, f"occurrence.{action}", "occurrence", occ.id,
                         before=before[occ.id], after=audit.snapshot(occ, EDIT_FIELDS),
                         series_id=series_id, hub_id=series.hub_id, undone=undoing,
                         batch=None if undoing else tag)
        if rows:
            views += occurrence_views(session, series, rows)
    views.sort(key=lambda v: v.id)
    return BulkResult(action, views, people)


def _snap(batch: _Batch) -> dict[int, dict[str, Any]]:
    return {o.id: audit.snapshot(o, EDIT_FIELDS) for o in batch.rows}


# -- impact ---------------------------------------------------------------------------


@transaction
def impact(store: Store, occurrence_ids: Iterable[Any]) -> Impact:
    """How many occurrences and people a bulk edit of these would reach."""
    ids = check_ids(occurrence_ids)
    with store.read() as session:
        found = sum(session.exec(select(func.count()).select_from(Occurrence)
                                 .where(col(Occurrence.id).in_(chunk))).one()
                    for chunk in _chunks(ids))
        if found != len(ids):
            known = {i for chunk in _chunks(ids) for i in session.exec(
                select(Occurrence.id).where(col(Occurrence.id).in_(chunk)))}
            raise not_found("occurrence", min(set(ids) - known))
        return Impact(len(ids), _people(session, ids))


# -- cancel and restore ---------------------------------------------------------------


@transaction
def cancel_occurrences(store: Store, occurrence_ids: Iterable[Any]) -> BulkResult:
    """Cancel several occurrences: their seats are cancelled (given back if one
    is restored) and each person told once per series, listing their sessions."""
    ids = check_ids(occurrence_ids)
    with store.write() as session:
        return _cancel(session, store, ids)


def _cancel(session: Session, store: Store, ids: list[int],
            undo: dict[int, dict[str, Any]] | None = None,
            blackout: int | None = None) -> BulkResult:
    batch = _lock(session, ids)
    for occ in batch.rows:
        if occ.status == "cancelled":
            batch.refuse(occ, "invalid_state", "is already cancelled")
    _started(store, batch)
    _refuse_any(batch)
    people = _people(session, ids)
    before = _snap(batch)
    for occ in batch.rows:
        occ.status = "cancelled"
        if blackout is not None:  # not a hand edit: removing the blackout undoes it
            occ.blackout_id = blackout
        else:
            occ.mark_edited("status")
        if undo is not None:
            occ.edited = undo[occ.id]["edited"]
        session.add(occ)
    session.flush()
    for series_id in sorted(batch.series):
        on_occurrences_cancelled(session, store, batch.series[series_id],
                                 [o.id for o in batch.rows if o.series_id == series_id])
    return _finish(session, store, "cancel", batch, before,
                   undo is not None or blackout is not None, people)


@transaction
def restore_occurrences(store: Store, occurrence_ids: Iterable[Any]) -> BulkResult:
    """Restore several cancelled occurrences: people get back the seats the
    cancellation took where there is room (the rest wait), each told once per
    series, listing their sessions."""
    ids = check_ids(occurrence_ids)
    with store.write() as session:
        return _restore(session, store, ids)


def _restore(session: Session, store: Store, ids: list[int],
             undo: dict[int, dict[str, Any]] | None = None,
             lifting: bool = False) -> BulkResult:
    batch = _lock(session, ids)
    for occ in batch.rows:
        if occ.status != "cancelled":
            batch.refuse(occ, "invalid_state", "is not cancelled")
    _started(store, batch)
    _refuse_any(batch)
    before = _snap(batch)
    for occ in batch.rows:
        occ.status = "scheduled"
        if undo is not None:  # an undone cancel: no longer marked as edited by hand
            occ.edited = undo[occ.id]["edited"]
        if lifting:
            occ.blackout_id = None
        session.add(occ)
    session.flush()
    told: dict[tuple[int, int], list[tuple[Occurrence, SeatEntry]]] = {}
    for occ in batch.rows:
        series = batch.of(occ)
        entries = session.exec(select(SeatEntry).where(SeatEntry.occurrence_id == occ.id)
                               .where(SeatEntry.status == "cancelled")
                               .where(SeatEntry.cancel_reason == "occurrence")
                               .order_by(SeatEntry.queued_at, SeatEntry.id)).all()
        for entry in entries:
            registration = session.get(Registration, entry.registration_id)
            if registration.status == "pending":
                seats.set_status(session, entry, "pending")
            elif registration.status == "active":
                seats.place(session, store, entry, occ, series)
            else:
                continue
            entry.cancel_reason = ""
            session.add(entry)
            told.setdefault((registration.attendee_id, series.id), []).append((occ, entry))
    session.flush()
    for (attendee_id, series_id), held in told.items():
        held.sort(key=lambda pair: (pair[0].start_utc, pair[0].id))
        notices.notify(session, store, "restored", attendee=session.get(Attendee, attendee_id),
                       registration=session.get(Registration, held[0][1].registration_id),
                       series=batch.series[series_id],
                       lines=[(occ, entry.status) for occ, entry in held])
    for series_id in sorted(batch.series):  # all-sessions bookings made meanwhile
        seats.cover_new_occurrences(session, store, batch.series[series_id])
    people = len({attendee for attendee, _ in told})
    return _finish(session, store, "restore", batch, before, undo is not None or lifting,
                   people)


# -- move ---------------------------------------------------------------------------


@transaction
def move_occurrences(store: Store, occurrence_ids: Iterable[Any], minutes: Any) -> BulkResult:
    """Move several occurrences by ``minutes`` (negative: earlier) on the wall
    clock of each series' zone, keeping their lengths; people told once per
    series, listing their sessions with what each was."""
    ids = check_ids(occurrence_ids)
    shift = parse.parse_positive(minutes, "Minutes", -MAX_SHIFT, MAX_SHIFT)
    if shift == 0:
        raise invalid("Nothing to change: move by a number of minutes other than 0.")
    with store.write() as session:
        def target(occ: Occurrence, series: Series) -> tuple[datetime, datetime]:
            tz = zone(series.timezone)
            local = from_utc_naive(occ.start_utc, tz).replace(tzinfo=None)
            moved = local + timedelta(minutes=shift)
            start = to_utc_naive(localize(moved.date(), moved.time(), tz))
            return start, start + (occ.end_utc - occ.start_utc)

        return _move(session, store, ids, target)


def _move(session: Session, store: Store, ids: list[int],
          target: Callable[[Occurrence, Series], tuple[datetime, datetime]],
          undo: dict[int, dict[str, Any]] | None = None, blackout: int | None = None,
          lifting: bool = False) -> BulkResult:
    batch = _lock(session, ids)
    _started(store, batch)
    now = naive_now(store.now())
    targets = {o.id: target(o, batch.of(o)) for o in batch.rows}
    taken: dict[tuple[int, datetime], int] = {}
    for occ in batch.rows:
        start = targets[occ.id][0]
        if start < now:
            batch.refuse(occ, "invalid_value", "would start in the past")
        key = (occ.series_id, start)
        if key in taken:
            batch.refuse(occ, "occurrence_clash", f"would start with occurrence {taken[key]} "
                         "of the same series")
        taken.setdefault(key, occ.id)
    moving = {o.id for o in batch.rows}
    for (series_id, start), occ_id in taken.items():
        others = session.exec(select(Occurrence.id).where(Occurrence.series_id == series_id)
                              .where(Occurrence.start_utc == start)).all()
        clash = [i for i in others if i not in moving]
        if clash:
            occ = next(o for o in batch.rows if o.id == occ_id)
            batch.refuse(occ, "occurrence_clash", f"would start at the time of occurrence "
                         f"{clash[0]} of its series")
    _refuse_any(batch)
    shown = _held(session, store, ids)
    people = _people(session, [i for i in ids if i in shown])
    before = _snap(batch)
    for occ in batch.rows:
        if blackout is not None:  # planned there now: the plan shifts it the same way
            occ.blackout_id, occ.blackout_start = blackout, occ.start_utc
        occ.start_utc, occ.end_utc = targets[occ.id]
        if blackout is not None or lifting:
            occ.original_start = occ.start_utc
        else:
            occ.mark_edited("start")
        if lifting:
            occ.blackout_id, occ.blackout_start = None, None
        if undo is not None:  # back to exactly what the move found, its mark included
            occ.edited = undo[occ.id]["edited"]
        session.add(occ)
    session.flush()
    _tell_changes(session, store, batch, shown)
    return _finish(session, store, "move", batch, before,
                   undo is not None or blackout is not None or lifting, people)


# -- set -------------------------------------------------------------------------------


@transaction
def set_occurrences(store: Store, occurrence_ids: Iterable[Any], *, capacity: Any = UNSET,
                    location: str | None = None, host: str | None = None,
                    demote: bool = False) -> BulkResult:
    """Give several occurrences a capacity (int or None for unlimited), location
    or host; only the fields given change. A capacity below an occurrence's
    confirmed seats is refused unless ``demote`` (the newest confirmed seats
    then wait)."""
    ids = check_ids(occurrence_ids)
    changes = checked_changes(capacity=capacity, location=location, host=host)
    with store.write() as session:
        return _set(session, store, ids, {i: changes for i in ids}, demote=demote)


def _set(session: Session, store: Store, ids: list[int], changes: dict[int, dict[str, Any]],
         *, demote: bool, undoing: bool = False) -> BulkResult:
    batch = _lock(session, ids)
    if not undoing:
        _started(store, batch)
    resized = [o for o in batch.rows if "capacity" in changes[o.id]
               and changes[o.id]["capacity"] != o.capacity]
    seats.count_confirmed(session, [o.id for o in resized])
    for occ in resized:
        try:
            seats.check_capacity_change(session, occ, changes[occ.id]["capacity"],
                                        demote=demote)
        except DeskError as exc:
            taken = exc.details.get("confirmed")
            batch.refuse(occ, exc.code, f"has {taken} confirmed seats, more than a capacity "
                         f"of {changes[occ.id]['capacity']} (choose at least {taken}, or "
                         "move the newest confirmed seats to the waitlist)")
    _refuse_any(batch)
    shown = _held(session, store, ids)
    people = _people(session, ids)
    before = _snap(batch)
    for occ in batch.rows:
        for key, value in changes[occ.id].items():
            setattr(occ, key, value)
        if not undoing:
            occ.mark_edited(*[k for k in changes[occ.id] if k != "edited"])
        session.add(occ)
    session.flush()
    for occ in resized:
        seats.capacity_changed(session, store, occ, batch.of(occ), demote=demote)
    _tell_changes(session, store, batch, shown)  # a new place or host
    return _finish(session, store, "set", batch, before, undoing, people)


# -- undo ------------------------------------------------------------------------------


def undo_batch(session: Session, store: Store, entry: AuditEntry) -> BulkResult:
    """Undo the bulk edit ``entry`` belongs to, all of it, through the same
    rules (called by :func:`schedtui.services.occurrences.undo_last_edit`)."""
    entries = list(session.exec(select(AuditEntry).where(AuditEntry.batch == entry.batch)
                                .where(AuditEntry.undone == False)  # noqa: E712
                                .order_by(AuditEntry.id)))
    before = {e.entity_id: json.loads(e.before or "{}") for e in entries}
    ids = sorted(before)
    later = session.exec(select(AuditEntry).where(AuditEntry.entity == "occurrence")
                         .where(col(AuditEntry.entity_id).in_(ids))
                         .where(AuditEntry.id > entries[-1].id)
                         .where(AuditEntry.undone == False)  # noqa: E712
                         .order_by(AuditEntry.id)).first()
    if later is not None:
        raise DeskError("invalid_state", f"Occurrence {later.entity_id} was changed after "
                        f"this bulk edit (in series {later.series_id}); undo that first.")
    action = entry.action.split(".", 1)[1]
    if action == "cancel":
        result = _restore(session, store, ids, undo=before)
    elif action == "restore":
        result = _cancel(session, store, ids, undo=before)
    elif action == "move":
        def back(occ: Occurrence, _series: Series) -> tuple[datetime, datetime]:
            return _utc(before[occ.id]["start_utc"]), _utc(before[occ.id]["end_utc"])

        result = _move(session, store, ids, back, undo=before)
    else:
        result = _set(session, store, ids, {i: {k: before[i][k] for k in
                                                ("capacity", "location", "host", "edited")}
                                            for i in ids}, demote=False, undoing=True)
    for e in entries:
        e.undone = True
        session.add(e)
    return BulkResult(action, result.occurrences, result.people)


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.rstrip("Z"))


# -- blackouts (services/blackouts.py): the same rules, undone by removing the blackout ----


def people_in(session: Session, ids: Sequence[int]) -> int:
    """People holding or awaiting a seat in these occurrences."""
    return _people(session, ids)


def cancel_for_series_end(session: Session, store: Store, ids: list[int]) -> BulkResult:
    """Cancel upcoming sessions of a series being archived (before its status
    changes): as the organizer's cancellation, so what was paid becomes due."""
    return _cancel(session, store, ids)


def cancel_for_blackout(session: Session, store: Store, ids: list[int],
                        blackout_id: int) -> BulkResult:
    return _cancel(session, store, ids, blackout=blackout_id)


def shift_for_blackout(session: Session, store: Store, ids: list[int], blackout_id: int,
                       target: Callable[[Occurrence, Series], tuple[datetime, datetime]]
                       ) -> BulkResult:
    return _move(session, store, ids, target, blackout=blackout_id)


def restore_from_blackout(session: Session, store: Store, ids: list[int]) -> BulkResult:
    return _restore(session, store, ids, lifting=True)


def unshift_from_blackout(session: Session, store: Store, ids: list[int],
                          back: dict[int, datetime]) -> BulkResult:
    def target(occ: Occurrence, _series: Series) -> tuple[datetime, datetime]:
        return back[occ.id], back[occ.id] + (occ.end_utc - occ.start_utc)

    return _move(session, store, ids, target, lifting=True)
