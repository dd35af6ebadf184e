"""Series: creating, planning, editing, splitting, and rolling the horizon.

Planning is the heart of it. Occurrences are stored rows; a series edit
re-plans the future: an occurrence whose date (and time-of-day slot) survives
keeps its id and registrations and only moves, one edited by hand keeps its
edit, past ones are never touched, and one the new rule drops while people
hold seats in it is refused unless the organizer confirms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, func, select

from schedtui.domain import money, parse, policies, text
from schedtui.domain.describe import describe
from schedtui.domain.errors import DeskError, invalid
from schedtui.domain.parse import SlotSpec
from schedtui.domain.recurrence import (
    Planned,
    Rule,
    RuleSet,
    check_slots,
    expand,
)
from schedtui.domain.recurrence import Slot as PlanSlot
from schedtui.domain.zones import (
    DAY_MINUTES,
    from_utc_naive,
    localize,
    session_end,
    to_utc_naive,
    zone,
)
from schedtui.services import audit, idempotency, notices, seats
from schedtui.services.common import (
    get,
    horizon_for,
    naive_now,
    plan,
    plan_slots,
    rule_set,
    series_view,
    slots_of,
    weekday_names,
)
from schedtui.services.reads import get_series, list_series  # noqa: F401 - the read services
from schedtui.services.views import SeriesView
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.hot import HotSQL, driver_executemany
from schedtui.store.models import (
    Attendee,
    Hub,
    Notice,
    Occurrence,
    Registration,
    SeatEntry,
    Series,
    Slot,
)

STATUSES = ("draft", "published", "paused", "archived")
OPTIONS = ("all_sessions", "single_session", "multiple_sessions")
MAX_HORIZON_WEEKS = 104
# Settings that can change when, how long, where or with whom occurrences meet.
SHOWN_FIELDS = {"timezone", "start", "rrule", "rrules", "rdates", "exrules", "exdates",
                "duration_minutes", "location", "host", "horizon_weeks", "times", "on_blackout"}
# Settings that re-plan occurrences.
PLAN_FIELDS = SHOWN_FIELDS | {"capacity"}
# A series' policies (contact, privacy, reminders) and its kind: see :mod:`events`.
POLICY_FIELDS = ("kind", "contact", "private", "remind")
SERIES_FIELDS = ("name", "description", "timezone", "start", "rrule", "duration_minutes",
                 "capacity", "location", "host", "registration_option", "booking_min_hours",
                 "booking_max_days", "horizon_weeks", "times", "max_seats", "require_approval",
                 "waitlist", "on_blackout", "rrules", "rdates", "exrules", "exdates",
                 "refundable_hours", *POLICY_FIELDS)
# What a one-off event has no use for: it is one occurrence, without a rule.
RULE_ONLY = {"rrule", "rrules", "rdates", "exrules", "exdates", "horizon_weeks", "on_blackout"}
EVENT_RULE = "FREQ=DAILY;COUNT=1"
# The parts of a rule set beside the main rule (``rrule``): more rules, added
# dates, excluding rules, excluded dates.
RULE_PARTS = ("rrules", "rdates", "exrules", "exdates")

TimeSpec = SlotSpec | tuple[time, frozenset[int] | None]


@dataclass
class Replan:
    """What a re-plan did."""

    kept: int = 0
    moved: list[int] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    cancelled: list[int] = field(default_factory=list)
    told: list[str] = field(default_factory=list)  # people told their sessions changed


# -- settings ----------------------------------------------------------------


def check_location(value: str) -> str:
    location = text.field(value, "Location", max_len=500)
    if "://" in location:
        if not location.lower().startswith("https://") or " " in location or \
                len(location) <= len("https://"):
            raise invalid("An online location must be an https:// address.", field="location")
    return location


def _apply(series: Series, changes: dict[str, Any]) -> tuple[list[TimeSpec] | None, bool]:
    """Validate ``changes`` and set them on ``series``. Returns the new times of
    day (if given) and whether the occurrence plan is affected."""
    unknown = set(changes) - set(SERIES_FIELDS)
    if unknown:
        raise invalid(f"Unknown series setting: {', '.join(sorted(unknown))}.")
    replan = False
    times: list[SlotSpec] | None = None
    for key, value in changes.items():
        if key == "name":
            series.name = text.field(value, "Name", min_len=1, max_len=200)
        elif key == "description":
            series.description = text.field(value, "Description", max_len=5000, multiline=True)
        elif key == "timezone":
            zone(value)
            series.timezone = value
            replan = True
        elif key == "start":
            if not isinstance(value, date) or isinstance(value, datetime):
                raise invalid("The start must be a date.")
            series.start_date = value
            replan = True
        elif key == "rrule":
            series.rrule = Rule.parse(value).to_text()
            replan = True
        elif key == "duration_minutes":
            series.duration_minutes = parse.parse_duration(value)
            replan = True
        elif key == "capacity":
            series.capacity = parse.check_capacity(value)
            replan = True
        elif key == "location":
            series.location = check_location(value)
        elif key == "host":
            series.host = text.field(value, "Host", max_len=200)
        elif key == "registration_option":
            if value not in OPTIONS:
                raise invalid(f"Registration option must be one of {', '.join(OPTIONS)}.")
            series.registration_option = value
        elif key == "booking_min_hours":
            series.booking_min_hours = None if value is None else parse.parse_positive(
                value, "Booking minimum (hours before)", 0, 24 * 365)
        elif key == "booking_max_days":
            series.booking_max_days = None if value is None else parse.parse_positive(
                value, "Booking maximum (days ahead)", 1, 3650)
        elif key == "horizon_weeks":
            series.horizon_weeks = parse.parse_positive(value, "Horizon (weeks)", 1,
                                                        MAX_HORIZON_WEEKS)
            replan = True
        elif key == "times":
            times = [parse.slot_spec(v) for v in value]
            for spec in times:
                if spec.fixed_capacity:
                    parse.check_capacity(spec.capacity)
            check_slots([PlanSlot(t.at, t.weekdays) for t in times])
            replan = True
        elif key == "max_seats":
            series.max_seats = parse.parse_positive(value, "Max seats per booking", 1, 50)
        elif key == "require_approval":
            series.require_approval = bool(value)
        elif key == "waitlist":
            if value not in seats.WAITLIST_RULES:
                raise invalid("The waitlist rule must be one of "
                              f"{', '.join(seats.WAITLIST_RULES)}.", field="waitlist")
            series.waitlist = value
        elif key == "refundable_hours":
            series.refundable_hours = parse.parse_positive(value, "Refundable hours", 0,
                                                           24 * 365)
        elif key == "on_blackout":
            from schedtui.services.blackouts import check_policy

            series.on_blackout = check_policy(value)
            replan = True
        elif key in POLICY_FIELDS:
            _apply_policy(series, key, value)
    if "rrule" in changes or any(key in changes for key in RULE_PARTS):
        _set_rule_parts(series, changes)
        replan = True
    return times, replan


def _apply_policy(series: Series, key: str, value: Any) -> None:
    if key == "kind":
        if value not in policies.KINDS:
            raise invalid(f"The kind must be one of {', '.join(policies.KINDS)}.")
        series.kind = value
    elif key == "contact":
        series.contact = policies.check_contact(value)
    elif key == "private":
        series.private = bool(value)
    elif key == "remind":
        series.remind = ",".join(map(str, policies.parse_offsets(value)))


def check_event_changes(series: Series, changes: dict[str, Any]) -> None:
    """A one-off event keeps its one occurrence: rule changes, a horizon and
    several times of day are refused (``one_off_event``); the kind is set once."""
    if "kind" in changes and changes["kind"] != series.kind:
        raise DeskError("one_off_event", "A series cannot become a one-off event, nor an "
                        "event a series; add a new one instead.")
    if series.kind != "event":
        return
    refused = sorted(k for k in RULE_ONLY if k in changes and changes[k] not in (None, [])
                     and not (k == "rrule" and changes[k] == EVENT_RULE))
    if len(changes.get("times") or ()) > 1:
        refused.append("times")
    if refused:
        raise DeskError("one_off_event", f'"{series.name}" is a one-off event: it has no rule, '
                        f"so {', '.join(refused)} cannot be set. Give it a new --start or "
                        "--duration, or add a series.", fields=refused)


def _carry_event(session: Session, store: Store, series: Series,
                 changes: dict[str, Any]) -> None:
    """A one-off event that moves to another day stays the same occurrence
    (its seats and identity kept; the re-plan moves it and tells its people):
    its planned day is carried to the new one first. One that has started
    keeps its time."""
    occ = session.exec(select(Occurrence).where(Occurrence.series_id == series.id)
                       .order_by(Occurrence.id).with_for_update()).first()
    if occ is None:
        return
    if occ.start_utc <= naive_now(store.now()):
        raise DeskError("occurrence_started", f'"{series.name}" has begun or is past; its time '
                        "is kept as it was.")
    new_day = changes.get("start")
    if isinstance(new_day, date) and not isinstance(new_day, datetime):
        tz = zone(series.timezone)
        local = from_utc_naive(occ.original_start, tz)
        occ.original_start = to_utc_naive(localize(new_day, local.time(), tz))
        session.add(occ)
        session.flush()


def _set_rule_parts(series: Series, changes: dict[str, Any]) -> None:
    """Rebuild the series' rule set from its main rule, the parts it had and
    those ``changes`` gives (each given part replaces the old one whole)."""
    old = RuleSet.from_text(series.rrule, series.rule_extra) if series.rule_extra else None
    parts: dict[str, Any] = {
        "rrules": [r.to_text() for r in old.rrules[1:]] if old else [],
        "rdates": list(old.rdates) if old else [],
        "exrules": [r.to_text() for r in old.exrules] if old else [],
        "exdates": list(old.exdates) if old else [],
    }
    parts.update({key: changes[key] or [] for key in RULE_PARTS if key in changes})
    # An RDATE before the start is the set's first instance (RFC 5545 allows it);
    # the start stays the rules' DTSTART, which their meaning depends on.
    rules = RuleSet.build(series.rrule, **parts)
    series.rule_extra = rules.extra_text()


def _sync_slots(session: Session, series: Series, times: list[SlotSpec] | None
                ) -> tuple[list[Slot], list[Slot]]:
    """Keep slots in step with ``times`` (matched by position, so a time change
    moves the same slot) and with the series' capacity. Returns the slots in use
    and those no longer used (to delete once their occurrences are re-planned)."""
    rows = slots_of(session, series.id)
    if times is None:
        for row in rows:
            if not row.fixed_capacity:
                row.capacity = series.capacity
                session.add(row)
        return rows, []
    kept: list[Slot] = []
    for position, spec in enumerate(_ordered(times)):
        row = rows[position] if position < len(rows) else Slot(series_id=series.id)
        _set_slot(row, series, position, spec)
        session.add(row)
        kept.append(row)
    session.flush()
    return kept, rows[len(kept):]


def _ordered(times: list[SlotSpec]) -> list[SlotSpec]:
    return sorted(times, key=lambda t: (t.at, sorted(t.weekdays or ())))


def _set_slot(row: Slot | NewSlot, series: Series, position: int, spec: SlotSpec) -> None:
    row.position = position
    row.at = f"{spec.at:%H:%M}"
    row.weekdays = weekday_names(spec.weekdays)
    row.fixed_capacity = spec.fixed_capacity
    row.capacity = spec.capacity if spec.fixed_capacity else series.capacity
    row.host = spec.host


# A new series and its slots are written by plain inserts (a batch or an import
# makes thousands); the columns come from the tables, so none is forgotten.
_SERIES_COLUMNS = tuple(c.name for c in Series.__table__.columns if c.name != "id")
_NEW_SERIES = HotSQL(f"INSERT INTO series ({', '.join(_SERIES_COLUMNS)}) VALUES "
                     f"({', '.join(':' + c for c in _SERIES_COLUMNS)}) RETURNING id")
_SLOT_COLUMNS = tuple(c.name for c in Slot.__table__.columns if c.name != "id")
_NEW_SLOT = HotSQL(f"INSERT INTO slot ({', '.join(_SLOT_COLUMNS)}) VALUES "
                   f"({', '.join(':' + c for c in _SLOT_COLUMNS)}) RETURNING id")


@dataclass
class NewSlot:
    """A slot as a new series writes it: the columns of ``slot`` as plain values.
    Nothing holds it after the series is planned (a later read loads the stored
    row), so it needs no ORM object, which costs several times more to make."""

    series_id: int
    position: int = 0
    at: str = ""
    weekdays: str | None = None
    capacity: int | None = None
    fixed_capacity: bool = False
    host: str = ""
    id: int | None = None


def _insert_series(session: Session, series: Series, times: list[SlotSpec]) -> list[NewSlot]:
    """Write a new series and its slots. The series becomes a persistent object
    of the session, as if the session had written it (later changes to it are
    saved); the slots are returned for planning."""
    series.id = _NEW_SERIES.first(session, **{c: getattr(series, c)
                                              for c in _SERIES_COLUMNS}).id
    make_transient_to_detached(series)
    session.add(series)
    rows = []
    for position, spec in enumerate(_ordered(times)):
        row = NewSlot(series_id=series.id)
        _set_slot(row, series, position, spec)
        row.id = _NEW_SLOT.first(session, **{c: getattr(row, c) for c in _SLOT_COLUMNS}).id
        rows.append(row)
    return rows


def _update_plan(session: Session, store: Store, series: Series, changes: dict[str, Any],
                 times: list[SlotSpec] | None, old_tz: str, *, confirm: bool) -> Replan:
    """Bring slots and occurrences in line with the series' new settings."""
    if times is not None or "capacity" in changes:
        rows, unused = _sync_slots(session, series, times)
    else:
        rows, unused = slots_of(session, series.id), []
    report = _replan(session, store, series, rows, old_tz, confirm=confirm)
    for row in unused:
        past = session.exec(select(Occurrence).where(Occurrence.slot_id == row.id)).all()
        for occ in past:  # history keeps its rows; only the link to the old time goes
            occ.slot_id = None
            session.add(occ)
        session.delete(row)
    return report


# -- what the audit log keeps of a series -------------------------------------


def _state(session: Session, series: Series) -> dict[str, Any]:
    """A series as the audit log keeps it: its settings and its times of day."""
    session.flush()
    return audit.snapshot(series) | {"times": [_slot_state(r)
                                               for r in slots_of(session, series.id)]}


def _slot_state(row: Slot) -> dict[str, Any]:
    return {"at": row.at, "weekdays": row.weekdays, "capacity": row.capacity,
            "fixed_capacity": row.fixed_capacity, "host": row.host}


def _occurrence_state(session: Session, series_ids: Sequence[int]) -> dict[int, dict]:
    """What a re-plan can change of each occurrence of these series."""
    session.flush()
    rows = session.exec(select(Occurrence.id, Occurrence.start_utc, Occurrence.end_utc,
                               Occurrence.status, Occurrence.capacity)
                        .where(col(Occurrence.series_id).in_(list(series_ids)))).all()
    return {r[0]: {"start_utc": r[1], "end_utc": r[2], "status": r[3], "capacity": r[4]}
            for r in rows}


def _occurrence_changes(before: dict[int, dict], after: dict[int, dict]
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of each occurrence that changed, before and after (None
    after: removed), and how many were added, for the audit entry."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for ident, was in before.items():
        now = after.get(ident)
        if now is None:
            old[str(ident)], new[str(ident)] = was, None
            continue
        keys = [k for k in was if was[k] != now[k]]
        if keys:
            old[str(ident)] = {k: was[k] for k in keys}
            new[str(ident)] = {k: now[k] for k in keys}
    return {"occurrences": old}, {"occurrences": new,
                                  "added": len(set(after) - set(before))}


# -- planning ----------------------------------------------------------------


def _insert_occurrences(session: Session, series: Series, fresh: Sequence[Planned],
                        capacity: dict[int, int | None]) -> None:
    """Write planned occurrences (``capacity`` per slot) in one executemany on the
    driver: materialization writes thousands of rows nobody holds yet, and
    SQLAlchemy's per-value type handling would dominate."""
    length = timedelta(minutes=series.duration_minutes)
    whole_days = series.duration_minutes >= DAY_MINUTES  # days on the wall clock: session_end
    as_text = session.get_bind().dialect.name == "sqlite"
    rows = []
    series_id, minutes = series.id, series.duration_minutes
    for item in fresh:
        start = item.start_utc.replace(tzinfo=None)
        end = session_end(item.start, minutes) if whole_days else start + length
        if as_text:  # sqlite_time, inlined (a series makes hundreds): as SQLAlchemy stores it
            text = start.isoformat(" ", "microseconds")
            rows.append((series_id, item.slot.key, text, text,
                         end.isoformat(" ", "microseconds"), capacity[item.slot.key]))
        else:
            rows.append((series_id, item.slot.key, start, start, end, capacity[item.slot.key]))
    driver_executemany(
        session, "INSERT INTO occurrence (series_id, slot_id, original_start, start_utc, "
        "end_utc, status, capacity, edited) VALUES (?, ?, ?, ?, ?, 'scheduled', ?, '')", rows)


def _under_blackouts(session: Session, series: Series, items: Sequence[Planned]
                     ) -> list[Planned]:
    """The plan under the hub's blackouts and the series' policy (skip, shift, ignore)."""
    from schedtui.services.blackouts import apply_to_plan

    return apply_to_plan(session, series, items)


def _materialize(session: Session, series: Series, rows: Sequence[Slot], now: datetime) -> int:
    """Insert every planned occurrence of a new series, in one bulk statement
    (the caller has set ``planned_through``)."""
    result = plan(series, rows, now)
    result.items = _under_blackouts(session, series, result.items)
    if result.items:
        _insert_occurrences(session, series, result.items, {r.id: r.capacity for r in rows})
    return len(result.items)


def holders(session: Session, occurrence_ids: Sequence[int]) -> dict[int, int]:
    """Seats held, waited for or awaiting approval, per occurrence."""
    found: dict[int, int] = {}
    ids = list(occurrence_ids)
    for start in range(0, len(ids), 900):
        found.update((occ, int(n)) for occ, n in session.exec(
            select(SeatEntry.occurrence_id, func.sum(SeatEntry.seats))
            .where(col(SeatEntry.occurrence_id).in_(ids[start:start + 900]))
            .where(col(SeatEntry.status).in_(("confirmed", "waitlisted", "pending")))
            .group_by(SeatEntry.occurrence_id)) if n)
    return found


def _with_history(session: Session, occurrence_ids: Sequence[int]) -> set[int]:
    """The occurrences among these that seat entries or notices refer to."""
    found: set[int] = set()
    ids = list(occurrence_ids)
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        for model in (SeatEntry, Notice):
            found.update(session.exec(select(model.occurrence_id).where(
                col(model.occurrence_id).in_(chunk)).distinct()))
    return found


def _pair(items: Sequence[Planned], existing: Sequence[Occurrence], old_zone, cutoff: datetime
          ) -> tuple[list[tuple[Planned, Occurrence | None]], dict[int, Occurrence]]:
    """Match each planned occurrence with the stored one it continues: same local
    date and slot, the same start first (an RDATE beside a rule's occurrence keeps
    each its own), then in order of start (a time-of-day change moves them). Returns
    the pairs and the future occurrences left over (by id), which the plan drops."""
    stored: dict[tuple[date, int | None], list[Occurrence]] = {}
    for occ in sorted(existing, key=lambda o: (o.original_start, o.id)):
        day = (from_utc_naive(occ.original_start, old_zone).date(), occ.slot_id)
        stored.setdefault(day, []).append(occ)
    planned: dict[tuple[date, int | None], list[Planned]] = {}
    for item in items:
        planned.setdefault((item.day, item.slot.key), []).append(item)
    matched: dict[int, Occurrence] = {}  # id(item) -> occurrence
    for day, group in planned.items():
        left = stored.pop(day, [])
        by_start = {o.original_start: o for o in left}
        rest = []
        for item in group:
            occ = by_start.pop(to_utc_naive(item.start), None)
            if occ is None:
                rest.append(item)
            else:
                matched[id(item)] = occ
        left = [o for o in left if o.original_start in by_start]
        for item, occ in zip(rest, left, strict=False):
            matched[id(item)] = occ
        if len(left) > len(rest):
            stored[day] = left[len(rest):]
    future = {o.id: o for group in stored.values() for o in group
              if not (o.start_utc < cutoff or o.original_start < cutoff)}
    return [(item, matched.get(id(item))) for item in items], future


def _replan(session: Session, store: Store, series: Series, rows: Sequence[Slot],
            old_tz: str, *, confirm: bool) -> Replan:
    now = store.now()
    cutoff = naive_now(now)
    result = plan(series, rows, now)
    result.items = _under_blackouts(session, series, result.items)
    old_zone = zone(old_tz)
    existing = list(session.exec(select(Occurrence).where(Occurrence.series_id == series.id)
                                 .order_by(Occurrence.id).with_for_update()
                                 .execution_options(populate_existing=True)))
    capacity = {r.id: r.capacity for r in rows}
    report = Replan()
    fresh = []
    resized: list[Occurrence] = []
    pairs, future = _pair(result.items, existing, old_zone, cutoff)
    for item, occ in pairs:
        if occ is None:
            if to_utc_naive(item.start) >= cutoff:
                fresh.append(item)
            continue
        if occ.start_utc < cutoff or occ.original_start < cutoff:
            continue  # the past is never changed
        edited = occ.edited_fields()
        planned = to_utc_naive(item.start)
        changed = False
        if "start" not in edited:
            end = session_end(item.start, series.duration_minutes)
            if (occ.start_utc, occ.end_utc) != (planned, end):
                occ.start_utc, occ.end_utc = planned, end
                report.moved.append(occ.id)
                changed = True
        if occ.original_start != planned:
            occ.original_start = planned
            changed = True
        if "capacity" not in edited and occ.capacity != capacity[item.slot.key]:
            seats.check_capacity_change(session, occ, capacity[item.slot.key], demote=False)
            occ.capacity = capacity[item.slot.key]
            resized.append(occ)
            changed = True
        if changed:
            session.add(occ)
        report.kept += 1
    dropped = list(future.values())
    if dropped:
        taken = holders(session, [o.id for o in dropped if o.status == "scheduled"])
        if taken and not confirm:
            names = ", ".join(
                f"{o.id} ({from_utc_naive(o.start_utc, old_zone):%Y-%m-%d %H:%M}, "
                f"{taken[o.id]} seats)" for o in dropped if o.id in taken)
            held = session.exec(select(SeatEntry)
                                .where(col(SeatEntry.occurrence_id).in_(list(taken)))
                                .where(SeatEntry.status != "cancelled")).all()
            raise DeskError(
                "has_registrations",
                f"The change drops {len(taken)} occurrence(s) that people hold seats in: {names}. "
                "Confirm to cancel them and tell the people affected.",
                occurrences=sorted(taken),
                when=[f"{from_utc_naive(o.start_utc, old_zone):%a %Y-%m-%d %H:%M}"
                      for o in dropped if o.id in taken],
                who=sorted(set(seats.names(session, held)), key=str.casefold),
            )
        # History (cancelled seats, notices sent about it) keeps its occurrence:
        # it is cancelled, not deleted.
        history = _with_history(session, [o.id for o in dropped])
        for occ in dropped:
            if occ.id in taken or occ.id in history:
                if occ.status == "scheduled":
                    occ.status = "cancelled"
                    report.cancelled.append(occ.id)
                occ.slot_id = None
                occ.mark_edited("status", "dropped")
                session.add(occ)
            else:
                session.delete(occ)
                report.removed += 1
        session.flush()
        if report.cancelled:
            on_occurrences_cancelled(session, store, series, report.cancelled)
    session.flush()
    for occ in resized:
        seats.promote(session, store, occ, series)
    if fresh:
        _insert_occurrences(session, series, fresh, capacity)
        report.added = len(fresh)
    series.planned_through = None if result.complete else horizon_for(series, now)
    return report


def on_occurrences_cancelled(session: Session, store: Store, series: Series,
                             occurrence_ids: list[int]) -> None:
    """Seats in occurrences a series edit dropped: cancelled (given back if
    one is restored), and each person told once, in one notice listing their
    sessions."""
    told: dict[int, list[tuple[Occurrence, SeatEntry]]] = {}
    for occ in seats.lock_occurrences(session, occurrence_ids):
        entries = session.exec(select(SeatEntry).where(SeatEntry.occurrence_id == occ.id)
                               .where(col(SeatEntry.status).in_(notices.HOLDING))
                               .order_by(SeatEntry.queued_at, SeatEntry.id)).all()
        for entry in entries:
            seats.set_status(session, entry, "cancelled", "occurrence")
            registration = session.get(Registration, entry.registration_id)
            told.setdefault(registration.attendee_id, []).append((occ, entry))
    session.flush()
    from schedtui.services.payments import refund_note

    for attendee_id, held in told.items():
        held.sort(key=lambda pair: (pair[0].start_utc, pair[0].id))
        registration = session.get(Registration, held[0][1].registration_id)
        notices.notify(session, store, "occurrence_cancelled",
                       attendee=session.get(Attendee, attendee_id), registration=registration,
                       series=series, lines=[(occ, entry.status) for occ, entry in held],
                       note=refund_note(session, registration))


def _serve_waitlists(session: Session, store: Store, series: Series) -> None:
    """After a change of the waitlist rule: serve each upcoming occurrence's
    waitlist by the new rule (first that fits may confirm people at once)."""
    waiting = select(SeatEntry.occurrence_id).where(SeatEntry.status == "waitlisted")
    ids = session.exec(select(Occurrence.id).where(Occurrence.series_id == series.id)
                       .where(Occurrence.status == "scheduled")
                       .where(Occurrence.start_utc > naive_now(store.now()))
                       .where(col(Occurrence.id).in_(waiting))).all()
    for occ in seats.lock_occurrences(session, ids):
        seats.promote(session, store, occ, series)


def on_occurrences_added(session: Session, store: Store, series: Series) -> None:
    """All-sessions registrations take seats in new occurrences."""
    seats.cover_new_occurrences(session, store, series)


# -- commands ----------------------------------------------------------------


@transaction
def create_series(store: Store, *, hub_id: int, name: str, start: date,
                  rrule: str, duration_minutes: int, timezone: str | None = None,
                  times: Sequence[TimeSpec] | None = None, start_time: time | None = None,
                  draft: bool = False, idempotency_key: str | None = None,
                  **settings: Any) -> SeriesView:
    """Create a series and plan its occurrences. Published unless ``draft``."""
    key = idempotency.clean_key(idempotency_key)
    settings = {"name": name, "start": start, "rrule": rrule, "timezone": timezone,
                "duration_minutes": duration_minutes, "times": times,
                "start_time": start_time, "draft": draft, **settings}
    params = {k: (v if k != "times" or not v else [parse.slot_spec(t).label() for t in v])
              for k, v in settings.items()} | {"hub": hub_id}
    with store.write() as session:
        earlier = idempotency.claim(session, key, "series.add", params, naive_now(store.now()))
        if earlier is not None:
            return series_view(session, get(session, Series, earlier, "series"), store.now())
        series = add_series(session, store, hub_id=hub_id, **settings)
        idempotency.remember(session, key, series.id)
        return series_view(session, series, store.now(), fresh=True)


@transaction
def create_series_batch(store: Store, specs: Sequence[dict[str, Any]],
                        progress: Callable[[int, int], None] | None = None
                        ) -> list[tuple[int, int]]:
    """Create many series in one transaction (all or none), each by the same
    rules as :func:`create_series`. Returns (series id, occurrences planned) for each."""
    ids = []
    with store.write() as session:
        for done, spec in enumerate(specs, 1):
            ids.append(add_series(session, store, **spec).id)
            if progress:
                progress(done, len(specs))
        counts = dict(session.exec(select(Occurrence.series_id, func.count(Occurrence.id))
                                   .where(col(Occurrence.series_id).in_(ids))
                                   .group_by(Occurrence.series_id)).all()) if ids else {}
    return [(sid, counts.get(sid, 0)) for sid in ids]


def add_series(session: Session, store: Store, *, hub_id: int, name: str, start: date,
               rrule: str, duration_minutes: int, timezone: str | None = None,
               times: Sequence[TimeSpec] | None = None, start_time: time | None = None,
               draft: bool = False, ics_uid: str | None = None, **settings: Any) -> Series:
    """:func:`create_series` inside the caller's write transaction (an import
    makes a whole file's series in one). Same rules, same errors, same audit.
    ``ics_uid``: the UID of the calendar event an import makes it from."""
    if not times:
        if start_time is None:
            raise invalid("Give a time of day: --at HH:MM, or a start of the form "
                          "YYYY-MM-DDTHH:MM.")
        times = [(start_time, None)]
    hub = seats.pinned(session, Hub, hub_id, "hub")  # a batch asks for the same few hubs
    if hub.archived:
        raise DeskError("invalid_state", f"Hub {hub_id} is archived; restore it or pick "
                        "another hub.")
    now = naive_now(store.now())
    series = Series(hub_id=hub_id, name="", timezone=timezone or hub.timezone, start_date=start,
                    rrule="", duration_minutes=1, status="draft" if draft else "published",
                    created_at=now, updated_at=now, ics_uid=ics_uid)
    new_times, _ = _apply(series, {"name": name, "start": start, "rrule": rrule,
                                   "duration_minutes": duration_minutes, "times": times,
                                   "timezone": series.timezone, **settings})
    # Known before planning, so the row is written once (no UPDATE after it).
    series.planned_through = (None if rule_set(series).has_end
                              else horizon_for(series, store.now()))
    rows = _insert_series(session, series, new_times)
    _materialize(session, series, rows, store.now())
    audit.record(session, store, "series.create", "series", series.id,
                 after=audit.snapshot(series) | {"times": [_slot_state(r) for r in rows]},
                 series_id=series.id, hub_id=hub_id)
    return series


def check_settings(**settings: Any) -> None:
    """Validate series settings without a database (an import checks a whole
    file before it writes anything)."""
    probe = Series(hub_id=0, name="", timezone="UTC", start_date=date.min, rrule="",
                   duration_minutes=1)
    _apply(probe, settings)


@transaction
def edit_series(store: Store, series_id: int, *, confirm: bool = False,
                **changes: Any) -> tuple[SeriesView, Replan]:
    """Change a series' settings; the future is re-planned when the plan is affected."""
    with store.write() as session:
        series = get(session, Series, series_id, "series", lock=True)
        report = update_series(session, store, series, confirm=confirm, **changes)
        return series_view(session, series, store.now()), report


def update_series(session: Session, store: Store, series: Series, *, confirm: bool = False,
                  action: str = "series.edit", **changes: Any) -> Replan:
    """:func:`edit_series` inside the caller's write transaction, on a series it
    holds locked (an iCalendar import updates the series it made before in one).
    Same rules, same errors, same notices and audit entry."""
    if series.status == "archived":
        raise DeskError("series_archived", f"Series {series.id} is archived and cannot be "
                        "changed.")
    check_event_changes(series, changes)
    if series.kind == "event" and {"start", "times", "timezone", "duration_minutes"} & set(
            changes):
        _carry_event(session, store, series, changes)
    before = _state(session, series)
    replanning = bool(PLAN_FIELDS & set(changes))
    occurrences_before = _occurrence_state(session, [series.id]) if replanning else {}
    shown = (notices.held(session, series_id=series.id, now=store.now())
             if SHOWN_FIELDS & set(changes) else {})
    old_tz = series.timezone
    times, affected = _apply(series, changes)
    series.updated_at = naive_now(store.now())
    session.add(series)
    report = Replan()
    if affected:
        report = _update_plan(session, store, series, changes, times, old_tz, confirm=confirm)
    session.add(series)
    session.flush()
    if report.added:
        on_occurrences_added(session, store, series)
    report.told = notices.tell_changes(session, store, shown)
    if before["waitlist"] != series.waitlist:
        _serve_waitlists(session, store, series)
    if before["remind"] != series.remind:
        from schedtui.services import reminders

        reminders.mark_series(session, store, series.id)
    after = _state(session, series)
    if replanning:
        old, new = _occurrence_changes(occurrences_before,
                                       _occurrence_state(session, [series.id]))
        before, after = before | old, after | new
    audit.record(session, store, action, "series", series.id, before=before, after=after,
                 series_id=series.id, hub_id=series.hub_id)
    return report


def end_upcoming(session: Session, store: Store, series: Series, *, confirm: bool) -> list[int]:
    """Archiving ends a series: its upcoming sessions that people hold, await
    or wait for seats in will not happen. Without ``confirm`` that is refused
    (``has_registrations``), naming the sessions and who has paid; confirmed,
    they are cancelled as the organizer cancels a session (people told once,
    what they paid for them refund due). Returns the occurrences cancelled.
    Upcoming sessions nobody holds stay as they are (an archived series is
    left out of the agenda, conflicts and rolls)."""
    now = naive_now(store.now())
    upcoming = session.exec(select(Occurrence).where(Occurrence.series_id == series.id)
                            .where(Occurrence.status == "scheduled")
                            .where(Occurrence.start_utc > now)
                            .order_by(Occurrence.start_utc, Occurrence.id)).all()
    taken = holders(session, [o.id for o in upcoming])
    if not taken:
        return []
    ids = [o.id for o in upcoming if o.id in taken]
    from schedtui.services import bulk

    if confirm:
        bulk.cancel_for_series_end(session, store, ids)
        return ids
    local = zone(series.timezone)
    shown = [f"{from_utc_naive(o.start_utc, local):%Y-%m-%d %H:%M}" for o in upcoming
             if o.id in taken]
    sessions = ", ".join(shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")
    people = bulk.people_in(session, ids)
    holding = select(SeatEntry.registration_id).where(col(SeatEntry.occurrence_id).in_(ids)) \
        .where(col(SeatEntry.status).in_(("confirmed", "waitlisted", "pending")))
    payers = session.exec(select(Registration, Attendee)
                          .join(Attendee, Attendee.id == Registration.attendee_id)
                          .where(Registration.series_id == series.id)
                          .where(Registration.paid > Registration.refunded)
                          .where(col(Registration.id).in_(holding))
                          .order_by(Registration.id)).all()
    paid = [{"registration_id": r.id, "name": a.name, "email": a.email,
             "paid": money.to_text(r.paid - r.refunded, r.currency), "currency": r.currency}
            for r, a in payers]
    named = "; ".join(f"{a.name} ({money.show(r.paid - r.refunded, r.currency)}, "
                      f"registration {r.id})" for r, a in payers[:8])
    more = f" and {len(paid) - 8} more" if len(paid) > 8 else ""
    who = (f" {len(paid)} of them paid: {named}{more}; what they paid becomes refund due."
           if paid else "")
    raise DeskError(
        "has_registrations",
        f'Archiving ends "{series.name}", but {people} '
        f"{'person holds or awaits' if people == 1 else 'people hold or await'} seats in "
        f"{len(ids)} upcoming session(s): {sessions}.{who} Confirm to cancel those sessions "
        "and tell the people affected.",
        occurrences=ids, people=people, paid=paid)


@transaction
def set_status(store: Store, series_id: int, action: str, *,
               confirm: bool = False) -> SeriesView:
    """publish, pause, resume or archive. Archiving a series whose upcoming
    sessions hold seats needs ``confirm`` and cancels those sessions (see
    :func:`end_upcoming`)."""
    moves = {"publish": ({"draft", "paused"}, "published"),
             "pause": ({"published"}, "paused"),
             "resume": ({"paused"}, "published"),
             "archive": ({"draft", "published", "paused"}, "archived")}
    if action not in moves:
        raise invalid(f"Unknown action {action}.")
    allowed, target = moves[action]
    with store.write() as session:
        series = get(session, Series, series_id, "series", lock=True)
        if series.status not in allowed:
            done = {"publish": "published", "pause": "paused", "resume": "resumed",
                    "archive": "archived"}[action]
            raise DeskError("invalid_state", f"Series {series_id} is {series.status}; it cannot "
                            f"be {done}.")
        before = series.status
        if target == "archived":
            end_upcoming(session, store, series, confirm=confirm)
        series.status = target
        series.updated_at = naive_now(store.now())
        session.add(series)
        if series.remind and "archived" in (before, target):
            from schedtui.services import reminders

            reminders.mark_series(session, store, series.id)
        audit.record(session, store, f"series.{action}", "series", series.id,
                     before={"status": before}, after={"status": target},
                     series_id=series.id, hub_id=series.hub_id)
        return series_view(session, series, store.now())


@transaction
def split_series(store: Store, series_id: int, at_occurrence: int, *, confirm: bool = False,
                 **changes: Any) -> tuple[SeriesView, SeriesView]:
    """Split a series at an occurrence: the earlier part keeps the old settings
    and ends the day before; the later part is a new series with ``changes``.
    Occurrences from the split on move to the new series and keep their ids."""
    with store.write() as session:
        series = get(session, Series, series_id, "series", lock=True)
        if series.status == "archived":
            raise DeskError("series_archived", f"Series {series_id} is archived.")
        if series.kind == "event":
            raise DeskError("one_off_event", f'"{series.name}" is a one-off event: there is '
                            "nothing to split.")
        occ = get(session, Occurrence, at_occurrence, "occurrence")
        if occ.series_id != series_id:
            raise invalid(f"Occurrence {at_occurrence} is not in series {series_id}.")
        tz = zone(series.timezone)
        split_day = from_utc_naive(occ.original_start, tz).date()
        if split_day <= series.start_date:
            raise invalid("That is the series' first day: edit the series instead of splitting.")
        if occ.start_utc < naive_now(store.now()):
            raise DeskError("occurrence_started", "The split must be at an occurrence that has "
                            "not started; the past is never changed.")
        before = _state(session, series)
        occurrences_before = _occurrence_state(session, [series.id])
        shown = notices.held(session, series_id=series.id, now=store.now())
        old_slots = slots_of(session, series.id)
        first_at = min(plan_slots(old_slots), key=lambda s: s.at).at if old_slots else None
        earlier_set, later_set = rule_set(series).split(series.start_date, split_day, first_at)
        series.rrule = earlier_set.main.to_text()
        series.rule_extra = earlier_set.extra_text()
        series.updated_at = naive_now(store.now())
        session.add(series)
        fields = {k: getattr(series, k) for k in Series.model_fields if k not in (
            "id", "start_date", "rrule", "rule_extra", "planned_through", "created_at",
            "updated_at")}
        later = Series(**fields, start_date=split_day, rrule=later_set.main.to_text(),
                       rule_extra=later_set.extra_text(),
                       created_at=series.updated_at, updated_at=series.updated_at)
        session.add(later)
        session.flush()
        slot_map = {}
        for row in old_slots:
            copy = Slot(series_id=later.id, position=row.position, at=row.at,
                        weekdays=row.weekdays, capacity=row.capacity, host=row.host)
            session.add(copy)
            session.flush()
            slot_map[row.id] = copy.id
        moving = session.exec(select(Occurrence).where(Occurrence.series_id == series_id)
                              .where(Occurrence.original_start >= occ.original_start)
                              .order_by(Occurrence.id).with_for_update()
                              .execution_options(populate_existing=True)).all()
        for row in moving:
            row.series_id = later.id
            row.slot_id = slot_map.get(row.slot_id)
            session.add(row)
        session.flush()
        changes.setdefault("start", split_day)
        old_tz = later.timezone
        times, _ = _apply(later, changes)
        _update_plan(session, store, later, changes, times, old_tz, confirm=confirm)
        series.planned_through = None
        session.add_all([series, later])
        session.flush()
        on_series_split(session, store, series, later)
        on_occurrences_added(session, store, later)
        notices.tell_changes(session, store, shown)
        old, new = _occurrence_changes(
            occurrences_before, _occurrence_state(session, [series.id, later.id]))
        audit.record(session, store, "series.split", "series", series.id,
                     before=before | old,
                     after=_state(session, series) | new | {"split_into": later.id},
                     series_id=series.id, hub_id=series.hub_id)
        audit.record(session, store, "series.create", "series", later.id,
                     after=_state(session, later) | {"split_from": series.id},
                     series_id=later.id, hub_id=later.hub_id)
        return series_view(session, series, store.now()), series_view(session, later, store.now())


def on_series_split(session: Session, store: Store, earlier: Series, later: Series) -> None:
    """Registrations follow their occurrences: a registration holding seats in
    occurrences that moved to the later series gets a twin there that owns them."""
    moved = select(Occurrence.id).where(Occurrence.series_id == later.id)
    entries = session.exec(select(SeatEntry).where(col(SeatEntry.occurrence_id).in_(moved))
                           .order_by(SeatEntry.id)).all()
    twins: dict[int, int] = {}
    for entry in entries:
        if entry.registration_id not in twins:
            old = session.get(Registration, entry.registration_id)
            twin = Registration(series_id=later.id, attendee_id=old.attendee_id,
                                seats=old.seats, status=old.status, created_at=old.created_at,
                                updated_at=naive_now(store.now()))
            session.add(twin)
            session.flush()
            twins[old.id] = twin.id
        entry.registration_id = twins[entry.registration_id]
        session.add(entry)
    session.flush()


@transaction
def roll_horizons(store: Store, *, series_id: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> dict[int, int]:
    """Plan series without an end up to their rolling horizon. Returns added
    occurrences per series. Each series rolls in its own transaction, so a
    long roll never holds the database; ``progress(done, total)`` follows it."""
    with store.read() as session:
        query = (select(Series.id, Series.rrule, Series.rule_extra, Series.planned_through,
                        Series.timezone, Series.start_date, Series.horizon_weeks)
                 .where(col(Series.status).in_(("published", "paused", "draft"))))
        if series_id is not None:
            found = get(session, Series, series_id, "series")  # one not there says so
            if found.kind == "event":
                raise DeskError("one_off_event", f'"{found.name}" is a one-off event: it has '
                                "no horizon to roll.")
            query = query.where(Series.id == series_id)
        candidates = session.exec(query).all()
    now = store.now()
    due = [row.id for row in candidates if not rule_set(row).has_end and
           (row.planned_through is None or row.planned_through < horizon_for(row, now))]
    added: dict[int, int] = {}
    for done, sid in enumerate(due, 1):
        count = _roll_one(store, sid)
        if count:
            added[sid] = count
        if progress:
            progress(done, len(due))
    return added


def _roll_one(store: Store, series_id: int) -> int:
    with store.write() as session:
        series = get(session, Series, series_id, "series", lock=True)
        if rule_set(series).has_end:
            return 0
        if series.planned_through and series.planned_through >= horizon_for(series, store.now()):
            return 0
        rows = slots_of(session, series.id)
        report = _replan(session, store, series, rows, series.timezone, confirm=False)
        session.add(series)
        session.flush()
        if report.added:
            on_occurrences_added(session, store, series)
            audit.record(session, store, "series.roll", "series", series.id,
                         after={"added": report.added,
                                "planned_through": series.planned_through},
                         series_id=series.id, hub_id=series.hub_id)
        return report.added


def preview(*, rrule: str, start: date, timezone: str, times: Sequence[TimeSpec],
            now: datetime, count: int = 10, rrules: Sequence[str] = (),
            rdates: Sequence[Any] = (), exrules: Sequence[str] = (),
            exdates: Sequence[Any] = (), duration_minutes: int | None = None,
            store: Store | None = None, hub_id: int | None = None,
            on_blackout: str = "ignore") -> tuple[str, list[datetime], str]:
    """The plain-English summary, the next ``count`` occurrences of a rule (or
    rule set) that is being written, and what the hub's blackout days do to
    them with ``on_blackout`` (read from ``store`` when given; the rest needs no
    database): what the series form shows live."""
    rule = RuleSet.build(rrule, rrules, rdates, exrules, exdates)
    tz = zone(timezone)
    today = now.astimezone(tz).date()
    horizon = None if rule.has_end else max(start, today) + timedelta(weeks=104)
    specs = [parse.slot_spec(t) for t in times]
    length = None if duration_minutes is None else timedelta(minutes=duration_minutes)
    result = expand(rule, start, tz, [PlanSlot(t.at, t.weekdays) for t in specs],
                    horizon=horizon, duration=length)
    items, note = list(result.items), ""
    if store is not None and hub_id is not None:
        from schedtui.services.blackouts import as_previewed

        items, note = as_previewed(store, hub_id, on_blackout, timezone, items)
    starts = [p.start for p in items]
    starts = [s for s in starts if s >= now] or starts
    return describe(rule if not rule.simple else rule.main, [t.at for t in specs], start), \
        starts[:count], note
