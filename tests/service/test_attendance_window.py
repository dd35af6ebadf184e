"""The attendance grid a window at a time, as the desk pages it (people and
sessions), each person's totals over the whole series, a session's totals on
request, and the seat a cell's check-in goes through; on both stores."""

from __future__ import annotations

from datetime import date, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import registrations, series
from schedtui.services.attendance import attendance_grid, attendance_window, seat_of
from tests.service.test_week import _statements, grid_series  # noqa: F401 - a fixture


def test_a_window_of_people_and_sessions(store, grid_series):  # noqa: F811
    view, occs, regs = grid_series
    whole = attendance_grid(store, view.id)
    page = attendance_window(store, view.id, offset=1, limit=2, first_column=1, columns=2)
    assert (page.people, page.offset, page.sessions, page.first_column) == (4, 1, 4, 1)
    assert [c.id for c in page.columns] == occs[1:3]
    assert [r.name for r in page.rows] == ["bo", "Cy"]
    assert [r.cells for r in page.rows] == [r.cells[1:3] for r in whole.rows[1:3]]
    # the person's totals count every held session, not only the window's
    assert [(r.held, r.attended, r.rate) for r in page.rows] == [(2, 1, 0.5), (0, 0, None)]
    assert {(c.booked, c.attended) for c in page.columns} == {(None, None)}
    one = attendance_window(store, view.id, limit=0, first_column=1, columns=1, totals=True)
    assert one.rows == [] and one.people == 4
    assert [(c.id, c.booked, c.attended, c.no_shows) for c in one.columns] == [
        (occs[1], 2, 1, 1)]
    assert attendance_window(store, view.id, first_column=9).columns == []
    with pytest.raises(DeskError) as err:
        attendance_window(store, view.id, first_column=-1)
    assert err.value.code == "invalid_value"
    with pytest.raises(DeskError) as err:
        attendance_window(store, 999)
    assert err.value.code == "not_found"


def test_a_window_costs_the_same_however_many_sessions(store, clock):
    from datetime import UTC, datetime

    from schedtui.services import hubs

    clock.now = datetime(2024, 11, 30, tzinfo=UTC)  # to register before they start
    hub = hubs.create_hub(store, "Hall", "UTC")

    def course(count: int) -> int:
        made = series.create_series(store, hub_id=hub.id, name=f"C{count}",
                                    start=date(2024, 12, 1), rrule=f"FREQ=DAILY;COUNT={count}",
                                    duration_minutes=60, times=[(time(9), None)])
        for n in range(3):
            registrations.register(store, made.id, email=f"p{n}.{count}@x.org", name=f"P{n}")
        return made.id

    def statements(series_id: int) -> tuple[int, int]:
        seen, stop = _statements(store)
        try:
            grid = attendance_window(store, series_id, limit=2, columns=3)
        finally:
            stop()
        assert len(grid.columns) == 3 and len(grid.rows) == 2
        size = sum(len(p) if isinstance(p, (list, tuple, dict)) else 0 for _, p in seen)
        return len(seen), size

    small, big = course(5), course(80)
    clock.now = datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert statements(small) == statements(big)  # no parameter grows with the series
    row = attendance_window(store, big, limit=1, columns=1).rows[0]
    assert row.held == 32 and row.attended == 0  # 2024-12-01 to 2025-01-01 09:00


def test_the_seat_a_cell_checks_in_through(store, grid_series):  # noqa: F811
    view, occs, regs = grid_series
    grid = attendance_grid(store, view.id)
    people = {r.name: r.attendee_id for r in grid.rows}
    assert seat_of(store, view.id, people["Al"], occs[2]) == (regs["Al"], "confirmed")
    assert seat_of(store, view.id, people["Cy"], occs[0]) == (regs["Cy"], "waitlisted")
    assert seat_of(store, view.id, people["Di"], occs[0]) == (regs["Di"], "cancelled")
    assert seat_of(store, view.id, 999, occs[0]) is None
    # a cancelled registration and a new one: the live seat is the one
    registrations.cancel_registration(store, regs["Al"])
    again = registrations.register(store, view.id, email="al@x.org", name="Al")
    seat = next(o for o in again.occurrences if o.id == occs[2])
    assert seat_of(store, view.id, people["Al"], occs[2]) == (again.id, seat.status)
    assert again.id != regs["Al"]
    # a held session keeps the seat it had: the old registration's, checked in
    assert seat_of(store, view.id, people["Al"], occs[0]) == (regs["Al"], "confirmed")
