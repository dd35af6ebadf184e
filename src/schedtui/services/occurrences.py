"""Occurrences: listing, and editing one occurrence without touching the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from schedtui.domain import parse, text
from schedtui.domain.errors import DeskError, invalid
from schedtui.domain.zones import from_utc_naive, localize, session_end, to_utc_naive, zone
from schedtui.services import audit, notices, seats
from schedtui.services.common import get, naive_now, occurrence_label, occurrence_views, sentence
from schedtui.services.reads import get_occurrence, list_occurrences  # noqa: F401 - reads
from schedtui.services.series import check_location
from schedtui.services.views import OccurrenceView
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import AuditEntry, Occurrence, Series

EDIT_FIELDS = ("start_utc", "end_utc", "status", "capacity", "location", "host", "edited")


def _load(session: Session, occurrence_id: int) -> tuple[Occurrence, Series]:
    occ = get(session, Occurrence, occurrence_id, "occurrence", lock=True)
    series = session.get(Series, occ.series_id)
    if series.status == "archived":
        raise DeskError("series_archived", f"Series {series.id} is archived; its occurrences "
                        "cannot be changed.")
    return occ, series


def _finish(session: Session, store: Store, action: str, occ: Occurrence, series: Series,
            before: dict[str, Any], undoing: bool) -> OccurrenceView:
    session.add(occ)
    session.flush()
    audit.record(session, store, action, "occurrence", occ.id, before=before,
                 after=audit.snapshot(occ, EDIT_FIELDS), series_id=series.id,
                 hub_id=series.hub_id, undone=undoing)  # an undo is not itself undone
    return occurrence_views(session, series, [occ])[0]


def _not_started(store: Store, occ: Occurrence, series: Series) -> None:
    if occ.start_utc < naive_now(store.now()):
        raise DeskError("occurrence_started", f"{sentence(occurrence_label(occ, series))} has "
                        "already started; the past is never changed.")


@transaction
def move_occurrence(store: Store, occurrence_id: int, start: datetime,
                    duration_minutes: int | None = None) -> OccurrenceView:
    """Move one occurrence to ``start`` (wall-clock time in the series' zone)."""
    if start.tzinfo is not None:
        raise invalid("Give the new start as a local time in the series' zone.")
    duration = None if duration_minutes is None else parse.parse_duration(duration_minutes)
    with store.write() as session:
        return _move(session, store, occurrence_id, start, duration)


def _move(session: Session, store: Store, occurrence_id: int, start: datetime,
          duration: int | None, undo: dict[str, Any] | None = None) -> OccurrenceView:
    occ, series = _load(session, occurrence_id)
    _not_started(store, occ, series)
    new_start = to_utc_naive(localize(start.date(), start.time(), zone(series.timezone)))
    if new_start < naive_now(store.now()):
        raise invalid("The new start is in the past.")
    length = occ.end_utc - occ.start_utc
    clash = session.exec(select(Occurrence.id).where(Occurrence.series_id == series.id)
                         .where(Occurrence.id != occ.id)
                         .where(Occurrence.start_utc == new_start)).first()
    if clash is not None:
        raise DeskError("occurrence_clash", f"Occurrence {clash} of this series already "
                        "starts at that time.")
    before = audit.snapshot(occ, EDIT_FIELDS)
    occ.start_utc, occ.end_utc = new_start, new_start + length
    if duration is not None:  # whole days on the wall clock, as a series' sessions
        occ.end_utc = session_end(from_utc_naive(new_start, zone(series.timezone)), duration)
    occ.mark_edited("start")
    if undo is not None:  # back to exactly what the move found, its mark included
        occ.start_utc, occ.end_utc = _utc(undo["start_utc"]), _utc(undo["end_utc"])
        occ.edited = undo["edited"]
    view = _finish(session, store, "occurrence.move", occ, series, before, undo is not None)
    seats.occurrence_moved(session, store, occ, series)
    return view


@transaction
def cancel_occurrence(store: Store, occurrence_id: int) -> OccurrenceView:
    """Cancel one occurrence; its seats are cancelled and the people told."""
    with store.write() as session:
        return _cancel(session, store, occurrence_id)


def _cancel(session: Session, store: Store, occurrence_id: int,
            undo: dict[str, Any] | None = None) -> OccurrenceView:
    occ, series = _load(session, occurrence_id)
    if occ.status == "cancelled":
        raise DeskError("invalid_state", f"{sentence(occurrence_label(occ, series))} is "
                        "already cancelled.")
    _not_started(store, occ, series)
    before = audit.snapshot(occ, EDIT_FIELDS)
    occ.status = "cancelled"
    occ.mark_edited("status")
    if undo is not None:
        occ.edited = undo["edited"]
    session.add(occ)
    seats.occurrence_cancelled(session, store, occ, series)
    return _finish(session, store, "occurrence.cancel", occ, series, before, undo is not None)


@transaction
def restore_occurrence(store: Store, occurrence_id: int) -> OccurrenceView:
    """Restore a cancelled occurrence; people get their seats back where there is room."""
    with store.write() as session:
        return _restore(session, store, occurrence_id)


def _restore(session: Session, store: Store, occurrence_id: int,
              undo: dict[str, Any] | None = None) -> OccurrenceView:
    # The series first (the desk's lock order): all-sessions registrations made
    # meanwhile take seats in the restored occurrence, so none may be made now.
    series_id = session.exec(select(Occurrence.series_id)
                             .where(Occurrence.id == occurrence_id)).first()
    if series_id is not None:
        get(session, Series, series_id, "series", lock=True)
    occ, series = _load(session, occurrence_id)
    if occ.status != "cancelled":
        raise DeskError("invalid_state", f"{sentence(occurrence_label(occ, series))} is not "
                        "cancelled.")
    _not_started(store, occ, series)
    before = audit.snapshot(occ, EDIT_FIELDS)
    occ.status = "scheduled"
    if undo is not None:  # an undone cancel: no longer marked as edited by hand
        occ.edited = undo["edited"]
    session.add(occ)
    session.flush()
    seats.occurrence_restored(session, store, occ, series)
    return _finish(session, store, "occurrence.restore", occ, series, before, undo is not None)


UNSET: Any = object()  # an argument not given (None means "unlimited")


@transaction
def set_occurrence(store: Store, occurrence_id: int, *, capacity: Any = UNSET,
                   location: str | None = None, host: str | None = None,
                   demote: bool = False) -> OccurrenceView:
    """Change one occurrence's capacity (int or None for unlimited), location or host.

    A capacity below the confirmed seats is refused unless ``demote``, which
    moves the newest confirmed seats to the waitlist."""
    changes = checked_changes(capacity=capacity, location=location, host=host)
    with store.write() as session:
        return _set(session, store, occurrence_id, changes, demote=demote)


@transaction
def step_capacity(store: Store, occurrence_id: int, by: int, *,
                  demote: bool = False) -> OccurrenceView:
    """Change one occurrence's capacity by ``by`` seats from what it is when the
    change is made (under its lock), not from what a screen last showed: two
    quick presses of ``-`` take two seats off. Same rules as :func:`set_occurrence`;
    an unlimited capacity has no number to step from."""
    with store.write() as session:
        occ = get(session, Occurrence, occurrence_id, "occurrence", lock=True)
        if occ.capacity is None:
            raise invalid("The capacity is unlimited: set a number first.", field="capacity")
        capacity = parse.check_capacity(occ.capacity + by)
        return _set(session, store, occurrence_id, {"capacity": capacity}, demote=demote)


def checked_changes(*, capacity: Any = UNSET, location: str | None = None,
                    host: str | None = None) -> dict[str, Any]:
    """The fields an occurrence edit gives (one occurrence or several), checked."""
    changes: dict[str, Any] = {}
    if capacity is not UNSET:
        changes["capacity"] = parse.check_capacity(capacity)
    if location is not None:
        changes["location"] = check_location(location)
    if host is not None:
        changes["host"] = text.field(host, "Host")
    if not changes:
        raise invalid("Nothing to change: give a capacity, location or host.")
    return changes


def _set(session: Session, store: Store, occurrence_id: int, changes: dict[str, Any], *,
         demote: bool = False, undoing: bool = False) -> OccurrenceView:
    occ, series = _load(session, occurrence_id)
    before = audit.snapshot(occ, EDIT_FIELDS)
    shown = notices.held(session, occurrence_ids=[occ.id], now=store.now())
    capacity_changed = "capacity" in changes and changes["capacity"] != occ.capacity
    if capacity_changed:
        seats.check_capacity_change(session, occ, changes["capacity"], demote=demote)
    for key, value in changes.items():
        setattr(occ, key, value)
    if not undoing:
        occ.mark_edited(*[k for k in changes if k != "edited"])
    session.add(occ)
    session.flush()
    if capacity_changed:
        seats.capacity_changed(session, store, occ, series, demote=demote)
    notices.tell_changes(session, store, shown)  # a new place or host
    return _finish(session, store, "occurrence.set", occ, series, before, undoing)


@transaction
def undo_last_edit(store: Store, series_id: int) -> tuple[str, OccurrenceView]:
    """Undo the newest occurrence edit of a series (move, cancel, restore, set)
    through the same rules, in one transaction. Repeated, it walks further back.
    Returns the action undone and the occurrence as it is now (of a bulk edit,
    the first of its occurrences: :func:`undo_last` gives them all)."""
    with store.write() as session:
        action, views = _undo(session, store, series_id)
        return action, views[0]


@transaction
def undo_last(store: Store, series_id: int) -> tuple[str, list[OccurrenceView]]:
    """As :func:`undo_last_edit`; a bulk edit is undone as one step, all of its
    occurrences (in every series it reached) put back. Returns the action
    undone and the occurrences as they are now."""
    with store.write() as session:
        return _undo(session, store, series_id)


def _undo(session: Session, store: Store, series_id: int) -> tuple[str, list[OccurrenceView]]:
    get(session, Series, series_id, "series")
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.series_id == series_id)
        .where(AuditEntry.entity == "occurrence")
        .where(AuditEntry.undone == False)  # noqa: E712 - SQL expression
        .order_by(col(AuditEntry.id).desc())).first()
    if entry is None:
        raise DeskError("nothing_to_undo", "There is no occurrence edit to undo in this "
                        "series.")
    if entry.batch is not None:
        from schedtui.services import bulk

        result = bulk.undo_batch(session, store, entry)
        return result.action, result.occurrences
    before = json.loads(entry.before or "{}")
    occ_id = entry.entity_id
    if entry.action == "occurrence.cancel":
        view = _restore(session, store, occ_id, undo=before)
    elif entry.action == "occurrence.restore":
        view = _cancel(session, store, occ_id, undo=before)
    elif entry.action == "occurrence.move":
        occ, series = _load(session, occ_id)
        old = _utc(before["start_utc"])
        local = old.replace(tzinfo=UTC).astimezone(zone(series.timezone))
        minutes = int((_utc(before["end_utc"]) - old).total_seconds() // 60)
        view = _move(session, store, occ_id, local.replace(tzinfo=None), minutes,
                     undo=before)
    else:
        view = _set(session, store, occ_id, {k: before[k] for k in
                                             ("capacity", "location", "host", "edited")},
                    demote=False, undoing=True)
    entry.undone = True
    session.add(entry)
    return entry.action.split(".", 1)[1], [view]


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.rstrip("Z"))
