"""Check-in at the door: the filter keeps the focus, space checks the
highlighted person in and moves on, and more than a day early asks first."""

from __future__ import annotations

from datetime import date, time

from textual.widgets import Input

from schedtui.services import occurrences, registrations, series
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import settle, until
from tests.tui.test_attendees import column


def tonight(store, hub_id: int, start: date):
    return series.create_series(
        store, hub_id=hub_id, name="Gala", start=start, rrule="FREQ=DAILY;COUNT=1",
        times=[(time(19, 0), None)], duration_minutes=120, capacity=50)


async def door(app, pilot, store, seeded, start: date, names: list[str]):
    gala = tonight(store, seeded.hub_id, start)
    occ = occurrences.list_occurrences(store, gala.id)[0]
    for name in names:
        registrations.register(store, gala.id, email=f"{name.split()[0].lower()}@example.org",
                               name=name)
    await settle(pilot)
    screen = AttendeesScreen(series_id=gala.id, occurrence_id=occ.id, title="Gala")
    await app.push_screen(screen)
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    return screen, occ


def attended(store, occ_id: int) -> dict[str, bool]:
    return {r.name: r.occurrences[0].attended
            for r in registrations.list_registrations(store, occurrence_id=occ_id)}


async def test_space_checks_in_and_moves_on_with_the_filter_focused(seeded, make_app,
                                                                    desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, occ = await door(app, pilot, desk_store, seeded, date(2025, 3, 3),
                                 ["Ann Lee", "Bob Moss", "Cy Park"])
        box = screen.query_one("#filter", Input)
        assert box.has_focus and screen.door
        await pilot.press("space")  # Ann, then the cursor is on Bob
        await settle(pilot)
        assert attended(desk_store, occ.id) == {"Ann Lee": True, "Bob Moss": False,
                                                "Cy Park": False}
        assert box.has_focus and screen.table.cursor_row == 1
        assert column(screen.table, 4) == ["✓", "", ""]
        await pilot.press(*"cy")  # a name typed narrows the list, once typing pauses
        await until(pilot, lambda: column(screen.table, 0) == ["Cy Park"],
                    what="the list narrowed to Cy")
        await settle(pilot)
        assert box.value == "cy" and column(screen.table, 0) == ["Cy Park"]
        await pilot.press("space")
        await settle(pilot)
        assert attended(desk_store, occ.id)["Cy Park"] is True
        assert box.has_focus and box.value == "cy"  # no space typed into the name
        await pilot.press("escape")  # leaves the mode
        await settle(pilot)
        assert not screen.door and screen.table.has_focus
        await pilot.press("space")  # space is the plain check-in key again
        await settle(pilot)
        assert isinstance(app.screen, AttendeesScreen)


async def test_checking_in_more_than_a_day_early_asks_first(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, occ = await door(app, pilot, desk_store, seeded, date(2025, 3, 10),
                                 ["Ann Lee", "Bob Moss"])
        await pilot.press("space")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "starts Mon 2025-03-10 19:00, 7 days from now" in str(
            question.query_one("#confirm-message").render())
        await pilot.press("n")
        await settle(pilot)
        assert attended(desk_store, occ.id) == {"Ann Lee": False, "Bob Moss": False}
        await pilot.press("space", "y")
        await settle(pilot)
        assert attended(desk_store, occ.id)["Ann Lee"] is True
        await pilot.press("space")  # asked once: Bob goes straight through
        await settle(pilot)
        assert attended(desk_store, occ.id) == {"Ann Lee": True, "Bob Moss": True}
