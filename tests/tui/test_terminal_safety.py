"""Text another program stored in a shared database (sqlite3, a script) with
terminal control sequences in it: the desk shows it without them, in tables,
titles and notifications, whichever widget it reaches."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, time

from textual.widgets import DataTable, Static

from schedtui.services import hubs, registrations, series
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.calendar import CalendarScreen
from tests.tui.conftest import settle, until

HOSTILE = "RAW\x1b[2J\x1b]52;c;cmF3aGFja2Vk\x07\x1b]0;PWNTITLE\x07\x9b31m\u202eEND"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]|&#(27|7|155);")


def _poison(path, store):
    """Names written straight into the file, past the services' input checks."""
    hub = hubs.create_hub(store, "Clean hub", "UTC")
    made = series.create_series(store, hub_id=hub.id, name="Clean series",
                                start=date(2025, 3, 4), rrule="FREQ=DAILY;COUNT=3",
                                times=[(time(9, 0), None)], duration_minutes=30)
    registrations.register(store, made.id, email="eve@example.org", name="Eve")
    con = sqlite3.connect(path)
    con.execute("UPDATE hub SET name = ?", (HOSTILE,))
    con.execute("UPDATE series SET name = ?, location = ?", (HOSTILE, HOSTILE))
    con.execute("UPDATE attendee SET name = ?", (HOSTILE,))
    con.commit()
    con.close()
    return made.id


def _cells(table: DataTable) -> list[str]:
    return [str(getattr(cell, "plain", cell)) for row in range(table.row_count)
            for cell in table.get_row_at(row)]


async def test_stored_control_sequences_never_reach_the_screen(desk_store, make_app, tmp_path):
    series_id = _poison(tmp_path / "t.db", desk_store)
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:  # toasts too
        await settle(pilot)
        hub_cells = _cells(app.screen.query_one("#list", DataTable))
        assert any(c.startswith("RAW") and "PWNTITLE" in c for c in hub_cells)
        assert not any(CONTROLS.search(c) for c in hub_cells)
        screens = [app.export_screenshot()]

        await app.push_screen(CalendarScreen(series_id, HOSTILE))
        await settle(pilot)
        assert "RAW" in str(app.screen.query_one("#title", Static).render())
        screens.append(app.export_screenshot())

        await app.push_screen(AttendeesScreen(series_id=series_id, title=HOSTILE))
        await settle(pilot)
        people = _cells(app.screen.query_one(DataTable))
        assert any(c.startswith("RAW") for c in people)
        assert not any(CONTROLS.search(c) for c in people)
        app.notify(f"Told {HOSTILE}", title=HOSTILE, markup=False)
        await until(pilot, lambda: any("Told" in str(toast.render())
                                       for toast in app.screen.query("Toast")),
                    what="the notification on screen")
        screens.append(app.export_screenshot())
    for svg in screens:
        assert "RAW" in svg and "PWNTITLE" in svg
        assert not CONTROLS.search(svg), CONTROLS.search(svg)
