"""The series form has every setting the command line has: approval, seats per
booking, the booking window, description, draft and horizon."""

from __future__ import annotations

from textual.widgets import Input, Select

from schedtui.services import series
from schedtui.tui.screens.series_form import SeriesForm
from schedtui.tui.screens.series_list import SeriesScreen
from tests.tui.conftest import settle


async def open_form(app, pilot, seeded, key: str) -> SeriesForm:
    await settle(pilot)
    await app.push_screen(SeriesScreen(seeded.hub_id, "Platform team"))
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(app.screen, SeriesForm)
    return app.screen


async def test_a_new_draft_with_every_setting(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, seeded, "n")
        values = {"name": "Yoga", "capacity": "12", "max-seats": "2", "booking-min": "3",
                  "booking-max": "14", "horizon": "8", "description": "Bring a mat"}
        for ident, value in values.items():
            form.query_one(f"#{ident}", Input).value = value
        form.query_one("#approval", Select).value = True
        form.query_one("#draft", Select).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SeriesForm), form.query_one("#form-error").render()
    made = next(v for v in series.list_series(desk_store, hub_id=seeded.hub_id)
                if v.name == "Yoga")
    assert (made.status, made.require_approval, made.max_seats, made.booking_min_hours,
            made.booking_max_days, made.horizon_weeks, made.description) == \
        ("draft", True, 2, 3, 14, 8, "Bring a mat")


async def test_editing_only_the_booking_window_changes_only_that(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, seeded, "e")  # the first row
        assert form.existing.name == "Product webinar"
        assert form.changes(form.settings()) == {}
        form.query_one("#booking-max", Input).value = "30"
        assert form.changes(form.settings()) == {"booking_max_days": 30}
        form.query_one("#max-seats", Input).value = "99"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Seats per booking must be 1..50; got 99." in str(
            form.query_one("#form-error").render())
        form.query_one("#max-seats", Input).value = "5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SeriesForm)
    assert series.get_series(desk_store, seeded.webinar_id).booking_max_days == 30
