"""The blackout list of a hub in the desk: add days (asking first where people
hold seats in sessions on them), remove them (what was cancelled comes back),
import public holidays (bad countries and subdivisions refused in the form)."""

from __future__ import annotations

from textual.widgets import Input, Static

from schedtui.services import blackouts, occurrences
from schedtui.tui.screens.blackouts import BlackoutForm, BlackoutsScreen, HolidaysForm
from schedtui.tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import rich_world, seed, settle


async def open_list(app, pilot) -> BlackoutsScreen:
    await settle(pilot)
    await pilot.press("b")  # on the first hub, Platform team
    await settle(pilot)
    assert isinstance(app.screen, BlackoutsScreen)
    return app.screen


async def fill(app, pilot, **values: str) -> None:
    for name, value in values.items():
        app.screen.query_one(f"#{name}", Input).value = value
    await pilot.pause()
    await pilot.press("ctrl+s")
    await settle(pilot)


def statuses(store, series_id: int) -> list[str]:
    return [o.status for o in occurrences.list_occurrences(store, series_id)]


async def test_days_over_held_seats_ask_first_then_removal_restores(desk_store, make_app):
    world = rich_world(desk_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        assert "No blackouts" in str(screen.query_one("#detail", Static).render())
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, BlackoutForm)
        await fill(app, pilot, **{"from": "2025-03-17", "reason": "Spring closure"})
        assert isinstance(app.screen, ConfirmScreen)  # people hold seats on the 17th
        question = app.screen.message.plain
        assert "(Weekly standup, Mon 17 Mar 2025 10:00 America/New_York)" in question
        assert "will be told" in question
        assert statuses(desk_store, world.standup_id)[2] == "scheduled"  # nothing yet
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert "Blacked out 2025-03-17 (Spring closure). 1 occurrence cancelled, 0 moved." \
            in app.told
        assert statuses(desk_store, world.standup_id)[2] == "cancelled"
        row = screen.table.get_row_at(0)
        assert [str(c) for c in row[:2]] == ["2025-03-17", "1"] and str(row[3]) == "1"
        assert "cancelled occurrences" in str(screen.query_one("#detail", Static).render())
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "restored" in app.screen.message.plain
        await pilot.press("y")
        await settle(pilot)
        assert statuses(desk_store, world.standup_id)[2] == "scheduled"
        assert blackouts.list_blackouts(desk_store, world.hub_id) == []
        assert screen.table.row_count == 0
        assert any("1 occurrence restored" in t for t in app.told)


async def test_saying_no_changes_nothing_and_empty_days_need_no_question(desk_store,
                                                                      make_app):
    world = rich_world(desk_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        await pilot.press("n")
        await settle(pilot)
        await fill(app, pilot, **{"from": "NaN"})  # refused in the form, not a crash
        assert isinstance(app.screen, BlackoutForm) and app.is_running
        assert 'From "NaN" is not a date' in str(
            app.screen.query_one("#form-error", Static).render())
        await fill(app, pilot, **{"from": "2025-03-17", "to": "2025-03-10"})
        assert isinstance(app.screen, BlackoutForm)  # backwards: refused in the form
        assert "before it starts" in str(app.screen.query_one("#form-error", Static).render())
        await fill(app, pilot, **{"from": "2025-03-10", "to": "2025-03-17"})
        await pilot.press("n")  # the question: no
        await settle(pilot)
        assert isinstance(app.screen, BlackoutForm)
        await pilot.press("escape")
        await settle(pilot)
        assert blackouts.list_blackouts(desk_store, world.hub_id) == []
        # a day whose only session (the webinar's) nobody booked: no question
        await pilot.press("n")
        await settle(pilot)
        await fill(app, pilot, **{"from": "2025-05-06"})
        assert app.screen is screen
        assert statuses(desk_store, world.webinar_id)[2] == "cancelled"
        assert screen.table.row_count == 1


async def test_public_holidays_with_clear_errors(desk_store, make_app):
    world = seed(desk_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HolidaysForm)
        await fill(app, pilot, country="XX")
        error = app.screen.query_one("#form-error", Static)
        assert 'Unknown country "XX"' in str(error.render())
        await fill(app, pilot, country="de", subdiv="ZZ")
        assert 'Unknown subdivision "ZZ" of DE' in str(error.render())
        await fill(app, pilot, country="US", subdiv="", years="2025 20x5")
        assert "Year" in str(error.render())
        await fill(app, pilot, country="US", years="2025")
        assert app.screen is screen
        made = blackouts.list_blackouts(desk_store, world.hub_id)
        assert len(made) >= 10 and "Independence Day" in {b.reason for b in made}
        assert f"{len(made)} public holidays added as blackouts. No session was on those " \
            "days." in app.told
        assert screen.table.row_count == len(made)
