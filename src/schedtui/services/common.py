"""Helpers the services share: loading rows, turning them into views, planning."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, func, select

from schedtui.domain import recurrence as rec
from schedtui.domain.errors import not_found
from schedtui.domain.recurrence import Slot as PlanSlot
from schedtui.domain.zones import from_utc_naive, zone
from schedtui.services import reads
from schedtui.services.reads import FILL_DAYS, naive_now, occurrence_view  # noqa: F401 - shared
from schedtui.services.views import HubView, OccurrenceView, SeriesView
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
    return horizon_of(series.timezone, series.start_date, series.horizon_weeks, now)


def horizon_of(timezone: str, start: date, weeks: int, now: datetime) -> date:
    """:func:`horizon_for` a series of these settings, before there is one."""
    today = from_utc_naive(naive_now(now), zone(timezone)).date()
    return max(today, start) + timedelta(weeks=weeks)


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


def occurrence_views(session: Session, series: Series, rows: Sequence[Occurrence]
                     ) -> list[OccurrenceView]:
    """Views of these occurrences of one series, as the read services show them."""
    return reads.occurrence_views(session, series, [o.id for o in rows])


def series_view(session: Session, series: Series, now: datetime, *,
                fresh: bool = False) -> SeriesView:
    """The view of a series, as the read services show it. ``fresh``: it was
    just created, so it holds no seats and its fill rate needs no query."""
    return reads.series_views(session, [series.id], now, fresh=fresh)[0]


def hub_views(session: Session, hubs: Sequence[Hub], now: datetime) -> list[HubView]:
    """Views of several hubs in one query; the cost grows with their series,
    not with their occurrences."""
    return reads.hub_views(session, [h.id for h in hubs], now)


def hub_view(session: Session, hub: Hub, now: datetime) -> HubView:
    return hub_views(session, [hub], now)[0]
