"""Save SVG screenshots of the desk's main screens into docs/.

    python docs/screenshots.py

Runs the desk headless (App.run_test) on a temporary database filled with the
demo data and a fixed clock, so the pictures are the same on every run."""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from schedtui import demo
from schedtui.services import hubs, occurrences, series
from schedtui.store import open_store
from schedtui.tui.app import DeskApp
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.calendar import CalendarScreen
from schedtui.tui.screens.series_list import SeriesScreen

HERE = Path(__file__).parent
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
SIZE = (100, 30)


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def shoot(store, name: str, steps, *, start: str = "hubs", size=SIZE) -> None:
    app = DeskApp(store, poll_seconds=None, roll_on_start=False, start=start)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await steps(app, pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        app.save_screenshot(f"desk-{name}.svg", str(HERE))
    print(f"docs/desk-{name}.svg")


async def main() -> None:
    folder = Path(tempfile.mkdtemp())
    os.chdir(folder)  # the import picture reads a file named relative to here
    (folder / "new-people.csv").write_text(
        "Full name;E-mail;Tickets\nZoe Park;zoe.park@example.org;2\n"
        "Ada Fischer;ada.fischer@example.org;1\nNo address;;1\n", encoding="utf-8")
    store = open_store(folder / "shots.db", clock=lambda: NOW)
    demo.load(store)
    hub = hubs.list_hubs(store)[0]
    standup = next(s for s in series.list_series(store, hub_id=hub.id) if "standup" in s.name)
    first = occurrences.list_occurrences(store, standup.id, start=NOW.date())[0]

    async def nothing(app, pilot):
        pass

    async def series_list(app, pilot):
        await app.push_screen(SeriesScreen(hub.id, hub.name))

    async def calendar(app, pilot):
        await app.push_screen(CalendarScreen(standup.id, standup.name))

    async def attendees(app, pilot):
        await app.push_screen(AttendeesScreen(series_id=standup.id, occurrence_id=first.id,
                                              title=f"{standup.name}, {first.start[:16]}"))

    async def series_form(app, pilot):
        await series_list(app, pilot)
        await settle(pilot)
        await pilot.press("n")

    async def move(app, pilot):
        await calendar(app, pilot)
        await settle(pilot)
        await pilot.press("m")

    async def help_screen(app, pilot):
        await calendar(app, pilot)
        await settle(pilot)
        await pilot.press("question_mark")

    async def outbox(app, pilot):
        await pilot.press("o")

    async def csv_import(app, pilot):
        await attendees(app, pilot)
        await settle(pilot)
        await pilot.press("I")
        await settle(pilot)
        app.screen.query_one("#path").value = "new-people.csv"
        app.screen.query_one("#option").value = True  # skip the malformed row
        await pilot.press("ctrl+s")

    for name, steps in [("hubs", nothing), ("series", series_list), ("calendar", calendar),
                        ("attendees", attendees), ("series-form", series_form),
                        ("move", move), ("help", help_screen), ("outbox", outbox),
                        ("import", csv_import)]:
        await shoot(store, name, steps)

    async def pick(app, pilot):
        await pilot.press("down", "v", "down", "down", "v")  # two selected for a bulk edit

    await shoot(store, "agenda", pick, start="agenda")  # what the desk opens on
    await shoot(store, "agenda-week", nothing, start="agenda", size=(160, 40))
    await week_shots(store, hub, standup)
    store.dispose()


async def week_shots(store, hub, standup) -> None:
    """The attendance grid (a few people checked in) and the hub's blackouts."""
    from schedtui.services import blackouts, registrations
    from schedtui.tui.screens.attendance_grid import AttendanceScreen
    from schedtui.tui.screens.blackouts import BlackoutsScreen

    today = occurrences.list_occurrences(store, standup.id, start=NOW.date())[0]
    for reg in registrations.list_registrations(store, occurrence_id=today.id)[::2]:
        registrations.check_in(store, reg.id, today.id)
    blackouts.add_holidays(store, hub.id, "US", [2025], confirm=True)

    async def grid(app, pilot):
        await app.push_screen(AttendanceScreen(standup.id, standup.name))
        await settle(pilot)
        await pilot.press("down", *["right"] * 5)  # today's session

    async def blackout_list(app, pilot):
        await app.push_screen(BlackoutsScreen(hub.id, hub.name))
        await settle(pilot)
        await pilot.press("down", "down", "down")

    for name, steps in [("attendance", grid), ("blackouts", blackout_list)]:
        await shoot(store, name, steps)


if __name__ == "__main__":
    asyncio.run(main())
