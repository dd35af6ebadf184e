"""Snapshots of each screen at 80x24 and at 160x48, on fixed data and a fixed clock.

Update with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at
the SVGs in ``__snapshots__`` before committing them."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from schedtui.services import occurrences
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.calendar import CalendarScreen
from schedtui.tui.screens.series_list import SeriesScreen
from tests.tui.conftest import StillDesk, rich_world, settle, until

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def drawn(app, screen: str) -> bool:
    """What a timer brings is on screen: the series form's preview (once typing
    pauses), the door's list narrowed to the name typed (once typing pauses)."""
    if screen == "series_form":
        return "Every" in str(app.screen.query_one("#preview", Static).render())
    if screen == "door":
        table = app.screen.table
        names = [str(table.get_row_at(row)[0]) for row in range(table.row_count)]
        return bool(names) and all(name.startswith("Person") for name in names)
    return True


def opener(world, screen: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot)
        if screen in ("series", "calendar", "attendees", "move", "cancel", "series_form",
                      "csv_import", "door", "register", "edit"):
            await app.push_screen(SeriesScreen(world.hub_id, "Platform team"))
            await settle(pilot)
        if screen in ("calendar", "attendees", "move", "cancel", "csv_import", "door",
                      "register", "edit"):
            await app.push_screen(CalendarScreen(world.standup_id, "Weekly standup"))
            await settle(pilot)
        if screen in ("attendees", "csv_import", "door", "register"):
            first = occurrences.list_occurrences(app.store, world.standup_id)[0]
            await app.push_screen(AttendeesScreen(series_id=world.standup_id,
                                                  occurrence_id=first.id,
                                                  title="Weekly standup, Mon 2025-03-03"))
            await settle(pilot)
        keys = {"help": ["question_mark"], "move": ["m"], "cancel": ["c"],
                "series_form": ["n"], "outbox": ["o"], "calendar": ["down"],
                "door": ["i", "P", "e", "r"], "register": ["a"],
                "edit": ["e", "ctrl+a", "ctrl+k", "0", "enter"]}.get(screen, [])
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if screen == "csv_import":  # the dry run's report, with a refusal
            await pilot.press("I")
            await settle(pilot)
            app.screen.query_one("#path").value = "people.csv"
            await pilot.press("ctrl+s")
            await settle(pilot)
        await pilot.pause(0.3)
        await until(pilot, lambda: drawn(app, screen), what=f"the {screen} screen drawn")
        await settle(pilot)
    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", ["hubs", "series", "calendar", "attendees", "outbox",
                                    "help", "move", "cancel", "series_form", "csv_import",
                                    "door", "register", "edit"])
def test_screen(snap_compare, desk_store, size, screen, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "people.csv").write_text("name,email\nZoe Park,zoe@example.org\n"
                                         "Person 1,person1@example.org\n", encoding="utf-8")
    world = rich_world(desk_store)
    app = StillDesk(desk_store, poll_seconds=None, start="hubs")
    assert snap_compare(app, terminal_size=size, run_before=opener(world, screen))
