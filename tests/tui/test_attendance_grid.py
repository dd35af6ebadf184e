"""The attendance grid from the series list: people by sessions, glyphs and
totals, space checks in the cell under the cursor (and refuses, saying why,
where nobody can be checked in). Driven by keys, as a person would."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import Static

from schedtui.services import occurrences, registrations
from schedtui.services.attendance import attendance_grid
from schedtui.tui.screens.attendance_grid import FIXED, AttendanceScreen
from schedtui.tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import rich_world, settle


def row_of(screen: AttendanceScreen, name: str) -> list[str]:
    table = screen.table
    for i in range(table.row_count):
        cells = table.get_row_at(i)
        if cells[0].plain == name:
            return [str(c.plain if hasattr(c, "plain") else c) for c in cells]
    raise AssertionError(f"{name} not in the grid")


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_grid(app, pilot) -> AttendanceScreen:
    await settle(pilot)
    await pilot.press("enter")  # the hub: its series
    await settle(pilot)
    await pilot.press("down", "g")  # the second series, Weekly standup: its grid
    await settle(pilot)
    assert isinstance(app.screen, AttendanceScreen)
    return app.screen


async def test_the_grid_shows_cells_totals_and_checks_in_with_space(desk_store, make_app):
    world = rich_world(desk_store)
    occs = occurrences.list_occurrences(desk_store, world.standup_id)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_grid(app, pilot)
        assert screen.series_id == world.standup_id
        person0 = row_of(screen, "Person 0")
        # today's session, the next two, a cancelled one (3rd), ...
        assert person0[:FIXED] == ["Person 0", "—"]
        assert person0[FIXED:FIXED + 4] == ["●", "●", "●", "✕"]
        assert "◍" in row_of(screen, "Person 7")[FIXED + 2]  # demoted to the waitlist
        assert "✓ attended" in text_of(screen, "#legend")
        assert "people 1–9 of 9" in text_of(screen, "#counts")
        assert "sessions 1–12 of 12" in text_of(screen, "#counts")
        # the cursor on Person 0 (after "[bold red]Eve[/]" by name), today's session
        first = [r.name for r in screen.grid.rows].index("Person 0")
        assert first == 1
        screen.table.move_cursor(row=first, column=FIXED - 1)
        await pilot.press("right")
        await settle(pilot)
        assert "Mon 2025-03-03 10:00" in text_of(screen, "#detail")
        assert "9 booked, 0 attended (not held yet)" in text_of(screen, "#detail")
        await pilot.press("space")  # starts in 3 hours: straight through
        await settle(pilot)
        assert row_of(screen, "Person 0")[FIXED] == "✓"
        regs = {r.name: r for r in registrations.list_registrations(
            desk_store, occurrence_id=occs[0].id)}
        assert regs["Person 0"].occurrences[0].attended
        assert "Person 0 checked in for Mon 2025-03-03 10:00." in app.told
        assert "1 attended" in text_of(screen, "#detail")
        await pilot.press("space")  # again: undone
        await settle(pilot)
        assert row_of(screen, "Person 0")[FIXED] == "●"
        assert not attendance_grid(desk_store, world.standup_id).columns[0].attended


async def test_space_refuses_where_nobody_can_be_checked_in(desk_store, make_app):
    world = rich_world(desk_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_grid(app, pilot)
        grid = screen.grid
        names = [r.name for r in grid.rows]
        cancelled = FIXED + 3
        screen.table.move_cursor(row=names.index("Person 0"), column=cancelled)
        await pilot.press("space")
        await settle(pilot)
        assert any("was cancelled: nobody can be checked in" in t for t in app.told)
        screen.table.move_cursor(row=names.index("Person 7"), column=FIXED + 2)
        await pilot.pause()
        await pilot.press("space")
        await settle(pilot)
        assert any("Person 7 is on the waitlist" in t for t in app.told)
        screen.table.move_cursor(row=names.index("Person 0"), column=0)
        await pilot.pause()
        await pilot.press("space")
        await settle(pilot)
        assert any("Put the cursor on a session" in t for t in app.told)
        grid = attendance_grid(desk_store, world.standup_id)
        assert sum(c.attended for c in grid.columns) == 0  # nothing changed


async def test_a_session_days_ahead_asks_once(desk_store, make_app):
    world = rich_world(desk_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_grid(app, pilot)
        screen.table.move_cursor(row=1, column=FIXED + 1)  # Person 0, next Monday
        await pilot.pause()
        await pilot.press("space")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert row_of(screen, "Person 0")[FIXED + 1] == "✓"
        screen.table.move_cursor(row=2, column=FIXED + 1)
        await pilot.pause()
        await pilot.press("space")  # asked once: straight through now
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        grid = attendance_grid(desk_store, world.standup_id)
        assert grid.columns[1].attended == 2
        assert datetime.fromisoformat(grid.columns[1].start_utc) > datetime(2025, 3, 4,
                                                                            tzinfo=UTC)
