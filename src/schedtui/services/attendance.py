"""Who came: a series' attendance as a grid, people as rows and occurrences as columns.

A cell is ``attended`` (a confirmed seat checked in), ``confirmed``,
``waitlisted``, ``pending``, ``cancelled``, or empty (no seat in that one).
Columns carry totals: ``booked`` (people with a confirmed seat, checked in or
not), ``attended`` and ``no_shows`` (booked, not checked in, in a session that
was held). A session is held once it has started and was not cancelled. Rows
carry the person's sessions held (held sessions where they had a confirmed
seat), attended, and the rate of the two.

The rows come a window at a time (``offset``/``limit``, ordered by name), so a
screen can page through thousands of people; the columns and their totals are
always whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from schedtui.domain.errors import invalid
from schedtui.domain.zones import from_utc_naive, iso_utc, to_utc_naive, zone
from schedtui.services.common import get, naive_now
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Attendee, Occurrence, Registration, SeatEntry, Series

# When a person holds several entries in one occurrence (a cancelled booking
# and a new one), the cell shows the one that says most.
_RANK = {"attended": 5, "confirmed": 4, "waitlisted": 3, "pending": 2, "cancelled": 1}


@dataclass(frozen=True)
class Column:
    id: int
    start: str  # local, in the series' zone
    start_utc: str
    status: str
    held: bool
    booked: int | None = None  # the totals: None when not asked for
    attended: int | None = None
    no_shows: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "start": self.start, "start_utc": self.start_utc,
                "status": self.status, "held": self.held, "booked": self.booked,
                "attended": self.attended, "no_shows": self.no_shows}


@dataclass(frozen=True)
class PersonRow:
    attendee_id: int
    name: str
    email: str
    cells: list[str]  # one per column, "" where the person has no seat
    held: int
    attended: int

    @property
    def rate(self) -> float | None:
        return round(self.attended / self.held, 4) if self.held else None

    def to_json(self) -> dict[str, Any]:
        return {"attendee_id": self.attendee_id, "name": self.name, "email": self.email,
                "cells": self.cells, "held": self.held, "attended": self.attended,
                "rate": self.rate}


@dataclass
class Grid:
    series_id: int
    series: str
    timezone: str
    columns: list[Column]
    people: int  # rows in all, whatever window was asked for
    offset: int
    rows: list[PersonRow] = field(default_factory=list)
    sessions: int = 0  # columns in all, whatever window of them was asked for
    first_column: int = 0  # where ``columns`` start among them

    def to_json(self) -> dict[str, Any]:
        return {"series_id": self.series_id, "series": self.series, "timezone": self.timezone,
                "people": self.people, "offset": self.offset,
                "columns": [c.to_json() for c in self.columns],
                "rows": [r.to_json() for r in self.rows]}


def _cell(status: str, attended: bool) -> str:
    return "attended" if attended and status == "confirmed" else status


@transaction
def attendance_grid(store: Store, series_id: int, *, start: date | None = None,
                    end: date | None = None, offset: int = 0, limit: int | None = None,
                    totals: bool = True) -> Grid:
    """The grid of a series' occurrences from ``start`` to ``end`` (local dates,
    inclusive; the whole series by default), rows ``offset`` to ``offset + limit``.
    A screen paging through the rows can leave out the column ``totals`` (one
    aggregate over every seat of the window) after the first page."""
    if start is not None and end is not None and end < start:
        raise invalid("--to is before --from.")
    if offset < 0 or (limit is not None and limit < 0):
        raise invalid("A window of rows needs a non-negative offset and limit.")
    with store.read() as session:
        return grid_in(session, store.now(), series_id, start, end, offset, limit,
                       totals=totals)


def _occurrence_filter(series: Series, start: date | None, end: date | None):
    tz = zone(series.timezone)
    query = select(Occurrence.id).where(Occurrence.series_id == series.id)
    if start is not None:
        query = query.where(Occurrence.start_utc >= to_utc_naive(
            datetime.combine(start, datetime.min.time(), tz)))
    if end is not None and end < date.max:
        query = query.where(Occurrence.start_utc < to_utc_naive(
            datetime.combine(end + timedelta(days=1), datetime.min.time(), tz)))
    return query


@transaction
def attendance_window(store: Store, series_id: int, *, offset: int = 0, limit: int = 150,
                      first_column: int = 0, columns: int = 30,
                      totals: bool = False) -> Grid:
    """One window of the grid for a screen: rows ``offset`` to ``offset + limit``
    (by name) and occurrences ``first_column`` to ``first_column + columns`` (by
    start). Each person's totals (held, attended) count every occurrence of the
    series, not just the window's; ``sessions`` says how many columns there are
    in all. Its cost follows the window, not the series. The columns' totals
    (booked, attended, no-shows) read every seat of those columns, thousands
    each in a big series, so they come only with ``totals``: a screen asks for
    them a column at a time (``limit=0, columns=1``), for the one it shows."""
    if offset < 0 or limit < 0 or first_column < 0 or columns < 0:
        raise invalid("A window of the grid needs non-negative offsets and sizes.")
    with store.read() as session:
        return grid_in(session, store.now(), series_id, None, None, offset, limit,
                       totals=totals, column_window=(first_column, columns))


def _person_totals(session: Session, series_id: int, attendee_ids: list[int],
                   held_ids) -> dict[int, tuple[int, int]]:
    """(held, attended) per person over the held occurrences ``held_ids`` (a
    subquery): occurrences with a confirmed seat, and those checked in."""
    found: dict[int, tuple[int, int]] = {}
    for attendee_id, held, came in session.exec(
            select(Registration.attendee_id,
                   func.count(func.distinct(SeatEntry.occurrence_id)),
                   func.count(func.distinct(case((col(SeatEntry.attended),
                                                  SeatEntry.occurrence_id)))))
            .join(Registration, Registration.id == SeatEntry.registration_id)
            .where(Registration.series_id == series_id)
            .where(col(Registration.attendee_id).in_(attendee_ids))
            .where(SeatEntry.status == "confirmed")
            .where(col(SeatEntry.occurrence_id).in_(held_ids))
            .group_by(Registration.attendee_id)).all():
        found[attendee_id] = (held, came)
    return found


def grid_in(session: Session, now: datetime, series_id: int, start: date | None,
            end: date | None, offset: int = 0, limit: int | None = None, *,
            totals: bool = True, column_window: tuple[int, int] | None = None) -> Grid:
    """:func:`attendance_grid` inside the caller's transaction; with
    ``column_window`` (first, how many) only those columns (see
    :func:`attendance_window`)."""
    series = get(session, Series, series_id, "series")
    tz = zone(series.timezone)
    in_window = _occurrence_filter(series, start, end)
    moment = naive_now(now)
    sessions = first_column = 0
    every_held = None
    if column_window is not None:
        first_column, wanted = column_window
        ordered = select(Occurrence).where(Occurrence.series_id == series.id)
        sessions = session.exec(select(func.count()).select_from(
            ordered.subquery())).one()
        occurrences = session.exec(ordered.order_by(Occurrence.start_utc, Occurrence.id)
                                   .offset(first_column).limit(wanted)).all()
        in_window = select(Occurrence.id).where(
            col(Occurrence.id).in_([o.id for o in occurrences]))
        every_held = (select(Occurrence.id).where(Occurrence.series_id == series.id)
                      .where(Occurrence.status != "cancelled")
                      .where(Occurrence.start_utc <= moment)).scalar_subquery()
    else:
        occurrences = session.exec(
            select(Occurrence).where(col(Occurrence.id).in_(in_window.scalar_subquery()))
            .order_by(Occurrence.start_utc, Occurrence.id)).all()
        sessions = len(occurrences)
    held = {o.id: o.status != "cancelled" and o.start_utc <= moment for o in occurrences}
    sums: dict[int, dict[str, int]] = {o.id: {"booked": 0, "attended": 0}
                                       for o in occurrences}
    if totals:
        for occ_id, attended, count in session.exec(
                select(SeatEntry.occurrence_id, SeatEntry.attended, func.count(SeatEntry.id))
                .where(col(SeatEntry.occurrence_id).in_(in_window.scalar_subquery()))
                .where(SeatEntry.status == "confirmed")
                .group_by(SeatEntry.occurrence_id, SeatEntry.attended)).all():
            sums[occ_id]["booked"] += count
            if attended:
                sums[occ_id]["attended"] += count
    columns = [Column(o.id, from_utc_naive(o.start_utc, tz).isoformat(timespec="seconds"),
                      iso_utc(o.start_utc), o.status, held[o.id])
               for o in occurrences]
    if totals:
        columns = [Column(c.id, c.start, c.start_utc, c.status, c.held,
                          sums[c.id]["booked"], sums[c.id]["attended"],
                          sums[c.id]["booked"] - sums[c.id]["attended"] if c.held else 0)
                   for c in columns]
    everyone = in_window if column_window is None else \
        select(Occurrence.id).where(Occurrence.series_id == series.id)
    people = (select(Attendee.id, Attendee.name, Attendee.email)
              .join(Registration, Registration.attendee_id == Attendee.id)
              .where(Registration.series_id == series.id)
              .where(select(SeatEntry.id).where(SeatEntry.registration_id == Registration.id)
                     .where(col(SeatEntry.occurrence_id).in_(everyone.scalar_subquery()))
                     .exists())
              .group_by(Attendee.id, Attendee.name, Attendee.email))
    count = session.exec(select(func.count()).select_from(people.subquery())).one()
    page = people.order_by(func.lower(Attendee.name), Attendee.id).offset(offset)
    if limit is not None:
        page = page.limit(limit)
    persons = session.exec(page).all()
    grid = Grid(series.id, series.name, series.timezone, columns, count, offset,
                sessions=sessions, first_column=first_column)
    if not persons:
        return grid
    cells: dict[int, dict[int, str]] = {p[0]: {} for p in persons}
    for attendee_id, occ_id, status, attended in session.exec(
            select(Registration.attendee_id, SeatEntry.occurrence_id, SeatEntry.status,
                   SeatEntry.attended)
            .join(Registration, Registration.id == SeatEntry.registration_id)
            .where(Registration.series_id == series.id)
            .where(col(Registration.attendee_id).in_(list(cells)))
            .where(col(SeatEntry.occurrence_id).in_(in_window.scalar_subquery()))).all():
        value = _cell(status, attended)
        mine = cells[attendee_id]
        if _RANK.get(value, 0) > _RANK.get(mine.get(occ_id, ""), 0):
            mine[occ_id] = value
    whole = None if every_held is None else \
        _person_totals(session, series.id, list(cells), every_held)
    for attendee_id, name, email in persons:
        mine = cells[attendee_id]
        row = [mine.get(c.id, "") for c in columns]
        if whole is not None:
            sat, came = whole.get(attendee_id, (0, 0))
        else:
            sat = sum(1 for c, v in zip(columns, row, strict=True)
                      if c.held and v in ("confirmed", "attended"))
            came = sum(1 for c, v in zip(columns, row, strict=True)
                       if c.held and v == "attended")
        grid.rows.append(PersonRow(attendee_id, name, email, row, sat, came))
    return grid


def grid_pages(session: Session, now: datetime, series_id: int, start: date | None,
               end: date | None, size: int = 1000) -> Iterator[Grid]:
    """The whole grid, ``size`` rows at a time, in one transaction."""
    offset = 0
    while True:
        grid = grid_in(session, now, series_id, start, end, offset, size, totals=offset == 0)
        yield grid
        offset += size
        if offset >= grid.people:
            return


@transaction
def seat_of(store: Store, series_id: int, attendee_id: int, occurrence_id: int
            ) -> tuple[int, str] | None:
    """The registration through which a person holds a seat in an occurrence
    of the series, and the seat's status (a live seat before a cancelled one),
    or None: no seat there. A grid cell's check-in goes through it to
    :func:`schedtui.services.registrations.check_in`."""
    with store.read() as session:
        found = session.exec(
            select(SeatEntry.registration_id, SeatEntry.status)
            .join(Registration, Registration.id == SeatEntry.registration_id)
            .where(Registration.series_id == series_id)
            .where(Registration.attendee_id == attendee_id)
            .where(SeatEntry.occurrence_id == occurrence_id)
            .order_by(SeatEntry.id)).all()
    if not found:
        return None
    live = [f for f in found if f[1] != "cancelled"]
    registration_id, status = (live or found)[-1]
    return registration_id, status
