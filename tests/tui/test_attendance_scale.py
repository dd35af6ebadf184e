"""The attendance grid at scale: 100 sessions and 5,000 people. The table
holds one window (ROWS people by COLUMNS sessions) that the service pages
through as the cursor reaches an edge; ``end`` and ``]`` reach the last
person and sessions, and space checks in there. (The database is written
with plain SQL once, 500,000 seats, and copied for each test. How long a
window takes is the service's to keep flat: its statements do not grow with
the series, tests/service/test_attendance_window.py.)"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from datetime import time as clock_time

import pytest
from textual.widgets import Static

from schedtui.services import hubs, series
from schedtui.services.attendance import attendance_grid
from schedtui.store import open_store
from schedtui.store.hot import sqlite_time
from schedtui.tui.screens.attendance_grid import COLUMNS, FIXED, ROWS, AttendanceScreen
from tests.tui.conftest import NOW, StillDesk, settle

PEOPLE = 5000
SESSIONS = 100
HELD = 62  # 2025-01-01 to 2025-03-03 09:00, before the clock (12:00)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("grid") / "grid.db"
    store = open_store(path, clock=lambda: NOW)
    hub = hubs.create_hub(store, "Town hall", "UTC")
    course = series.create_series(store, hub_id=hub.id, name="Course", start=date(2025, 1, 1),
                                  rrule=f"FREQ=DAILY;COUNT={SESSIONS}",
                                  times=[(clock_time(9, 0), None)], duration_minutes=60,
                                  capacity=None)
    store.dispose()
    stamp = sqlite_time(NOW.replace(tzinfo=None))
    db = sqlite3.connect(path)
    occs = [r[0] for r in db.execute("SELECT id FROM occurrence WHERE series_id = ? "
                                     "ORDER BY start_utc", (course.id,))]
    assert len(occs) == SESSIONS
    db.executemany("INSERT INTO attendee (id, email_key, email, name, phone, created_at) "
                   "VALUES (?, ?, ?, ?, '', ?)",
                   [(n + 1, f"p{n:05d}@example.org", f"p{n:05d}@example.org",
                     f"Person {n:05d}", stamp) for n in range(PEOPLE)])
    db.executemany("INSERT INTO registration (id, series_id, attendee_id, seats, status, "
                   "created_at, updated_at, late_cancel, refund_on_cancel) "
                   "VALUES (?, ?, ?, 1, 'active', ?, ?, 0, 0)",
                   [(n + 1, course.id, n + 1, stamp, stamp) for n in range(PEOPLE)])
    # every third held session attended
    db.executemany("INSERT INTO seat_entry (registration_id, occurrence_id, seats, status, "
                   "attended, queued_at, cancel_reason) VALUES (?, ?, 1, 'confirmed', ?, ?, '')",
                   ((n + 1, occ, (n + k) % 3 == 0 and k < HELD, stamp)
                    for n in range(PEOPLE) for k, occ in enumerate(occs)))
    db.commit()
    db.close()
    return path, course.id


@pytest.fixture
def big(big_file, tmp_path):
    source, series_id = big_file
    target = tmp_path / "grid.db"
    shutil.copy(source, target)
    store = open_store(target, clock=lambda: NOW)
    yield store, series_id
    store.dispose()


def counts(screen) -> str:
    return str(screen.query_one("#counts", Static).render())


async def test_the_grid_of_100_sessions_and_5000_people_pages_by_window(big):
    store, series_id = big
    app = StillDesk(store, poll_seconds=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendanceScreen(series_id, "Course"))
        await settle(pilot)
        screen = app.screen
        table = screen.table
        assert table.row_count == ROWS and len(table.columns) == FIXED + COLUMNS
        assert f"people 1–{ROWS} of {PEOPLE}" in counts(screen)
        assert f"sessions 1–{COLUMNS} of {SESSIONS}" in counts(screen)
        # the person's totals count every held session, not the window's 24
        whole = attendance_grid(store, series_id, offset=0, limit=1).rows[0]
        assert whole.held == HELD
        assert table.get_row_at(0)[1] == f"{whole.attended}/{HELD} " \
            f"{round(100 * whole.attended / HELD)}%"
        # the cursor at the window's right edge slides the sessions on
        table.move_cursor(row=0, column=FIXED + COLUMNS - 2)
        await pilot.press("right")
        await settle(pilot)
        assert screen.first_column > 0 and f"of {SESSIONS}" in counts(screen)
        assert screen.shown().column.id == screen.grid.columns[table.cursor_column - FIXED].id
        # the last person, the last sessions
        await pilot.press("end")
        await settle(pilot)
        assert screen.shown().person.name == f"Person {PEOPLE - 1:05d}"
        assert f"people {PEOPLE - ROWS + 1}–{PEOPLE} of {PEOPLE}" in counts(screen)
        for _ in range(SESSIONS // COLUMNS + 1):
            await pilot.press("right_square_bracket")
            await settle(pilot)
        assert f"sessions {SESSIONS - COLUMNS + 1}–{SESSIONS} of {SESSIONS}" in counts(screen)
        await pilot.press("home")
        await settle(pilot)
        assert screen.first_row == 0 and screen.shown().person.name == "Person 00000"
        # a page back: sessions 53-76, of which 53-62 were held
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert f"sessions {SESSIONS - 2 * COLUMNS + 1}–" in counts(screen)
        # space on a held session far into the grid checks in there
        table.move_cursor(row=10, column=FIXED + 2)
        await pilot.pause()
        await settle(pilot)
        assert "booked, " in str(screen.query_one("#detail", Static).render())
        here = screen.shown()
        assert here.column is not None and here.value in ("confirmed", "attended")
        await pilot.press("space")
        await settle(pilot)
        after = attendance_grid(store, series_id, offset=here.person.attendee_id - 1, limit=1)
        index = [c.id for c in after.columns].index(here.column.id)
        assert after.rows[0].cells[index] == ("confirmed" if here.value == "attended"
                                              else "attended")
