"""Helpers the services share: loading rows, turning them into views, planning."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, func, select

from schedtui.domain import recurrence as rec
from schedtui.domain.describe import describe
from schedtui.domain.errors import not_found
from schedtui.domain.recurrence import Slot as PlanSlot
from schedtui.domain.zones import from_utc_naive, iso_utc, zone
from schedtui.services.views import HubView, OccurrenceView, SeriesView, SlotView
from schedtui.store.models import Hub, Occurrence, SeatEntry, Series, Slot

T = TypeVar("T", bound=SQLModel)


def get(session: Session, model: type[T], ident: int, kind: str, *, lock: bool = False) -> T:
    """Load a row by id or raise ``not_found``. ``lock`` takes a row lock (PostgreSQL)."""
    if not isinstance(ident, int) or isinstance(ident, bool):
        raise not_found(kind, ident)
    if lock:
        row = session.exec(select(model).where(model.id == ident)  # type: ignore[attr-defined]
                           .with_for_update()
                           .execution_options(populate_existing=True)).first()
    else:
        row = session.get(model, ident)  # from the session's identity map when it can
    if row is None:
        raise not_found(kind, ident)
    return row


def occurrence_label(occ: Occurrence | Any, series: Series | Any) -> str:
    """An occurrence as a person finds it, in a message: ``occurrence 12
    (Drop-in, Tue 04 Mar 2025 09:30 Europe/Berlin)``. (Rows or objects.)"""
    from schedtui.domain import text

    start = from_utc_naive(occ.start_utc, zone(series.timezone))
    return (f"occurrence {occ.id} ({text.clean(series.name)}, "
            f"{start:%a %d %b %Y %H:%M} {series.timezone})")


def sentence(words: str) -> str:
    """``words`` starting with a capital, to open a message."""
    return words[:1].upper() + words[1:]


def naive_now(now: datetime) -> datetime:
    """An aware moment as the naive UTC the store keeps."""
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def weekday_names(days: frozenset[int] | None) -> str | None:
    return None if days is None else ",".join(rec.WEEKDAYS[d] for d in sorted(days))


def slot_weekdays(row: Slot) -> frozenset[int] | None:
    if not row.weekdays:
        return None
    return frozenset(rec.WEEKDAYS.index(d) for d in row.weekdays.split(","))


def slots_of(session: Session, series_id: int) -> list[Slot]:
    return list(session.exec(select(Slot).where(Slot.series_id == series_id)
                             .order_by(Slot.position, Slot.id)))


def plan_slots(rows: Sequence[Slot]) -> list[PlanSlot]:
    return [PlanSlot(_time(r.at), slot_weekdays(r), r.id or 0) for r in rows]


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def horizon_for(series: Series, now: datetime) -> date:
    """The last local date a series with no end is planned through."""
    today = from_utc_naive(naive_now(now), zone(series.timezone)).date()
    return max(today, series.start_date) + timedelta(weeks=series.horizon_weeks)


def rule_set(series: Series) -> rec.RuleSet:
    """The series' rule set: its main rule and the other parts stored beside it."""
    return rec.RuleSet.from_text(series.rrule, getattr(series, "rule_extra", "") or "")


def plan(series: Series, rows: Sequence[Slot], now: datetime) -> rec.Plan:
    rules = rule_set(series)
    horizon = None if rules.has_end else horizon_for(series, now)
    return rec.expand(rules, series.start_date, zone(series.timezone), plan_slots(rows),
                      horizon=horizon, duration=timedelta(minutes=series.duration_minutes))


def seat_counts(session: Session, occurrence_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Confirmed and waitlisted seats per occurrence."""
    ids = list(occurrence_ids)
    if not ids:
        return {}
    counts: dict[int, list[int]] = {}
    for chunk in _chunks(ids, 900):
        rows = session.exec(
            select(SeatEntry.occurrence_id, SeatEntry.status, func.sum(SeatEntry.seats))
            .where(col(SeatEntry.occurrence_id).in_(chunk))
            .where(col(SeatEntry.status).in_(("confirmed", "waitlisted")))
            .group_by(SeatEntry.occurrence_id, SeatEntry.status)
        ).all()
        for occ_id, status, seats in rows:
            pair = counts.setdefault(occ_id, [0, 0])
            pair[0 if status == "confirmed" else 1] += int(seats or 0)
    return {k: (v[0], v[1]) for k, v in counts.items()}


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def occurrence_view(occ: Occurrence, series: Series, counts: tuple[int, int] = (0, 0),
                    slot_host: str = "", blackout: str | None = None) -> OccurrenceView:
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
        moved=occ.start_utc != occ.original_start, edited=sorted(occ.edited_fields()),
        timezone=series.timezone, blackout=blackout,
    )


def occurrence_views(session: Session, series: Series, rows: Sequence[Occurrence]
                     ) -> list[OccurrenceView]:
    counts = seat_counts(session, [o.id for o in rows])
    hosts = {s.id: s.host for s in slots_of(session, series.id)}
    marked = [o.blackout_id for o in rows if o.blackout_id is not None]
    reasons: dict[int, str] = {}
    if marked:
        from schedtui.services.blackouts import blackout_reasons

        reasons = blackout_reasons(session, marked)
    return [occurrence_view(o, series, counts.get(o.id, (0, 0)), hosts.get(o.slot_id, ""),
                            reasons.get(o.blackout_id) if o.blackout_id else None)
            for o in rows]


def _next_scheduled(now: datetime):
    """The first scheduled start at or after ``now`` of the series of the outer
    query: one seek in the (series, start) index per series, however many
    occurrences it has (a scan from now on grows with the whole database)."""
    return (select(Occurrence.start_utc).where(Occurrence.series_id == Series.id)
            .where(Occurrence.status == "scheduled")
            .where(Occurrence.start_utc >= naive_now(now))
            .order_by(Occurrence.start_utc).limit(1).scalar_subquery())


def next_start(session: Session, series_ids: Sequence[int], now: datetime) -> dict[int, datetime]:
    if not series_ids:
        return {}
    found: dict[int, datetime] = {}
    for chunk in _chunks(list(series_ids), 900):
        rows = session.exec(select(Series.id, _next_scheduled(now))
                            .where(col(Series.id).in_(chunk))).all()
        found.update((sid, start) for sid, start in rows if start is not None)
    return found


FILL_DAYS = 28


def fill_rates(session: Session, series_ids: Sequence[int], now: datetime,
               days: int = FILL_DAYS) -> dict[int, float | None]:
    """Confirmed seats over capacity across each series' scheduled occurrences
    of the next ``days`` days (None where that includes an unlimited one, or
    there are none)."""
    if not series_ids:
        return {}
    start = naive_now(now)
    window = (select(Occurrence.id, Occurrence.series_id, Occurrence.capacity)
              .where(col(Occurrence.series_id).in_(series_ids))
              .where(Occurrence.status == "scheduled")
              .where(Occurrence.start_utc >= start)
              .where(Occurrence.start_utc < start + timedelta(days=days)))
    capacity: dict[int, int | None] = {}
    ids: dict[int, int] = {}
    for occ_id, series_id, cap in session.exec(window):
        ids[occ_id] = series_id
        if series_id not in capacity or capacity[series_id] is not None:
            capacity[series_id] = None if cap is None else capacity.get(series_id, 0) + cap
    taken: dict[int, int] = {}
    for occ_id, (confirmed, _) in seat_counts(session, list(ids)).items():
        taken[ids[occ_id]] = taken.get(ids[occ_id], 0) + confirmed
    return {sid: round(taken.get(sid, 0) / cap, 4) if cap else None
            for sid, cap in capacity.items()}


_COMPUTE: Any = object()


def series_view(session: Session, series: Series, now: datetime,
                fill: float | None = _COMPUTE, *, fresh: bool = False) -> SeriesView:
    """The view of a series. ``fresh``: it was just created, so it holds no
    seats and its fill rate needs no query."""
    rows = slots_of(session, series.id)
    rule = rule_set(series)
    count = session.exec(select(func.count()).select_from(Occurrence)
                         .where(Occurrence.series_id == series.id)).one()
    nxt = next_start(session, [series.id], now).get(series.id)
    if fresh:
        soon = nxt is not None and nxt < naive_now(now) + timedelta(days=FILL_DAYS)
        fill = 0.0 if soon and all(r.capacity is not None for r in rows) else None
    elif fill is _COMPUTE:
        fill = fill_rates(session, [series.id], now).get(series.id)
    tz = zone(series.timezone)
    return SeriesView(
        id=series.id, hub_id=series.hub_id, name=series.name, description=series.description,
        timezone=series.timezone, start=series.start_date.isoformat(), rrule=series.rrule,
        summary=describe(rule, [_time(r.at) for r in rows], series.start_date),
        times=[SlotView(r.at, r.weekdays.split(",") if r.weekdays else None, r.capacity,
                        r.fixed_capacity, r.host) for r in rows],
        duration_minutes=series.duration_minutes, capacity=series.capacity,
        location=series.location, virtual=series.location.startswith("https://"),
        host=series.host, status=series.status,
        registration_option=series.registration_option,
        booking_min_hours=series.booking_min_hours, booking_max_days=series.booking_max_days,
        horizon_weeks=series.horizon_weeks, has_end=rule.has_end, occurrence_count=count,
        next_occurrence=from_utc_naive(nxt, tz).isoformat(timespec="seconds") if nxt else None,
        max_seats=series.max_seats, require_approval=series.require_approval,
        fill_rate=fill, waitlist=series.waitlist, rule_extra=series.rule_extra or "",
        on_blackout=series.on_blackout, refundable_hours=series.refundable_hours,
    )


def hub_views(session: Session, hubs: Sequence[Hub], now: datetime) -> list[HubView]:
    """Views of several hubs in two queries; the cost grows with their series,
    not with their occurrences."""
    ids = [h.id for h in hubs]
    counts = dict(session.exec(select(Series.hub_id, func.count(Series.id))
                               .where(col(Series.hub_id).in_(ids))
                               .where(Series.status != "archived")
                               .group_by(Series.hub_id)).all()) if ids else {}
    nexts = (select(Series.hub_id, _next_scheduled(now).label("start"))
             .where(col(Series.hub_id).in_(ids)).where(Series.status != "archived")
             .subquery())
    firsts = dict(session.exec(select(nexts.c.hub_id, func.min(nexts.c.start))
                               .group_by(nexts.c.hub_id)).all()) if ids else {}
    return [HubView(h.id, h.name, h.timezone, h.archived, counts.get(h.id, 0),
                    from_utc_naive(firsts[h.id], zone(h.timezone)).isoformat(timespec="seconds")
                    if firsts.get(h.id) else None) for h in hubs]


def hub_view(session: Session, hub: Hub, now: datetime) -> HubView:
    return hub_views(session, [hub], now)[0]
