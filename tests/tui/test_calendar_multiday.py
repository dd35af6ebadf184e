"""The calendar screen with a session of several days: listed on each day it
covers, its end shown with its date (New York changes its clocks on 2025-03-09)."""

from __future__ import annotations

from datetime import date, time

from schedtui.services import hubs, series
from schedtui.tui.widgets.month_grid import MonthGrid
from tests.tui.conftest import settle
from tests.tui.test_calendar import open_calendar, text_of


async def test_a_session_of_three_days_shows_on_each_day_it_covers(desk_store, make_app):
    hub = hubs.create_hub(desk_store, "Studio", "America/New_York")
    view = series.create_series(desk_store, hub_id=hub.id, name="Retreat",
                                start=date(2025, 3, 7), rrule="FREQ=WEEKLY;COUNT=2",
                                times=[(time(0), None)], duration_minutes="3d")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        cal = await open_calendar(app, pilot, view.id)
        grid = cal.query_one(MonthGrid)
        assert grid.cursor == date(2025, 3, 7) and cal.agenda.row_count == 1
        assert "Mon 2025-03-10 00:00" in text_of(cal, "#detail")
        counts = []
        for _ in range(3):
            await pilot.press("l")
            await settle(pilot)
            counts.append((grid.cursor, cal.agenda.row_count))
        assert counts == [(date(2025, 3, 8), 1), (date(2025, 3, 9), 1), (date(2025, 3, 10), 0)]
