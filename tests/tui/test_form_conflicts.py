"""Double-bookings in the desk's forms: the series form's live preview and the
move and occurrence forms name who a change would book twice before it is
saved, and the saved change's warnings are told once the form closes."""

from __future__ import annotations

from datetime import date, time

from textual.widgets import Input, Static

from schedtui.services import occurrences, series
from schedtui.tui.screens.calendar import CalendarScreen
from schedtui.tui.screens.occurrence_forms import MoveForm, OccurrenceForm
from schedtui.tui.screens.series_form import SeriesForm
from tests.tui.conftest import series_form, settle, until


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def type_into(pilot, form, **values: str) -> None:
    for name, value in values.items():
        form.query_one(f"#{name}", Input).value = value
    await settle(pilot)  # the series form's preview waits for typing to pause: see previewed


async def previewed(pilot, condition, what: str) -> None:
    """The series form's preview (and its double-bookings) comes once typing
    pauses, on a timer: wait for it to show ``what``, however slow the machine."""
    await until(pilot, condition, what=what)
    await settle(pilot)


async def test_the_series_form_previews_double_bookings_and_tells_them_saved(seeded, make_app,
                                                                            desk_store):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await series_form(pilot, seeded.hub_id)
        # Dana runs the standup on Mondays 10:00-10:15 in Room 4
        await type_into(pilot, form, name="Retro", start="2025-03-10", times="10:10",
                        duration="30", host="dana ")
        await previewed(pilot, lambda: form.clashes, "Dana's double-booking")
        preview = form.plan_text.plain + "".join(w["message"] for w in form.clashes)
        assert "Double-booked" in text_of(form, "#preview")
        [clash] = form.clashes
        assert 'Host "Dana"' in clash["message"] and "Retro (not saved yet)" in preview
        await type_into(pilot, form, host="Eli")  # nobody else's: gone
        await previewed(pilot, lambda: not form.clashes, "no double-booking")
        assert form.clashes == [] and "Double-booked" not in text_of(form, "#preview")
        await type_into(pilot, form, location="room 4")
        await previewed(pilot, lambda: form.clashes, "the room's double-booking")
        assert [c["message"].split('"')[1] for c in form.clashes] == ["Room 4"]
        assert series.list_series(desk_store, hub_id=seeded.hub_id)[-1].name != "Retro"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SeriesForm)
        retro = next(s for s in series.list_series(desk_store) if s.name == "Retro")
        told = [t for t in app.told if 'Location "Room 4"' in t]
        assert len(told) == 1 and f"Retro (series {retro.id})" in told[0]


async def test_move_and_edit_forms_preview_double_bookings(seeded, make_app, desk_store):
    # a second Monday series of Dana's, at noon: clear of the standup
    lunch = series.create_series(desk_store, hub_id=seeded.hub_id, name="Lunch talk",
                                 start=date(2025, 3, 10), rrule="FREQ=WEEKLY;COUNT=2",
                                 times=[(time(12, 0), None)], duration_minutes=30,
                                 host="Dana")
    first = occurrences.list_occurrences(desk_store, lunch.id)[0]
    standup = occurrences.list_occurrences(desk_store, seeded.standup_id)[1]  # 03-10 10:00
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(CalendarScreen(lunch.id, "Lunch talk"))
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, MoveForm)
        assert "Double-booked" not in text_of(form, "#clashes")
        await type_into(pilot, form, start="2025-03-10 10:05")
        assert 'Host "Dana"' in text_of(form, "#clashes").replace("\n", " ")
        await type_into(pilot, form, duration="5")
        assert "Double-booked" in text_of(form, "#clashes")  # 10:05-10:10 is in it
        await type_into(pilot, form, start="2025-03-10 09:55")  # 09:55-10:00: clear
        assert text_of(form, "#clashes").strip() == ""
        await type_into(pilot, form, start="2025-03-10 10:05", duration="30")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, MoveForm)
        assert occurrences.get_occurrence(desk_store, first.id).start.startswith(
            "2025-03-10T10:05")
        told = [t for t in app.told if 'Host "Dana"' in t]
        assert len(told) == 1 and "Weekly standup" in told[0]
        # the edit form: a new host for the standup's session is no clash, Dana's place is
        await app.push_screen(CalendarScreen(seeded.standup_id, "Weekly standup"))
        await settle(pilot)
        await app.push_screen(OccurrenceForm(standup))
        await settle(pilot)
        form = app.screen
        await type_into(pilot, form, host="Eli")
        assert "Double-booked" not in text_of(form, "#clashes")
        await type_into(pilot, form, host="DANA")  # named as written on the earlier one
        assert 'Host "DANA" is booked twice' in text_of(form, "#clashes").replace("\n", " ")
