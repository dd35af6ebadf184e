"""The desk's iCalendar import report names the double-bookings the import
would make (the dry run) and made."""

from __future__ import annotations

from textual.widgets import Static

from schedtui.interop.ics import export_ics
from tests.tui.conftest import settle
from tests.tui.test_interop import answer_prompt


def report_text(app) -> str:
    return str(app.screen.query_one("#report", Static).render()).replace("\n", " ")


async def test_the_import_report_lists_double_bookings(seeded, make_app, desk_store,
                                                       tmp_path):
    path = tmp_path / "standup.ics"
    export_ics(desk_store, path, series_id=seeded.standup_id)  # Room 4, Mondays 10:00
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "I")  # into Riverside studio: the same room, same times
        await settle(pilot)
        await answer_prompt(app, pilot, path)
        dry = report_text(app)
        assert "Dry run" in dry and "Double-booked:" in dry
        assert 'Location "Room 4" is booked twice' in dry
        await pilot.press("y")
        await settle(pilot)
        done = report_text(app)
        assert "imported as series" in done and 'Location "Room 4"' in done
