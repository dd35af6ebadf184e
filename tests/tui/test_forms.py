"""Forms and dialogs at 80x24: they fit (buttons and message in sight), open on
their first field, have no blind Tab stop, drop a refusal once a field is
fixed, speak in dates and names, and say who a change moved."""

from __future__ import annotations

from datetime import date, time

import pytest
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static

from schedtui.services import occurrences, registrations, series
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.calendar import CalendarScreen
from schedtui.tui.screens.confirm import ConfirmScreen
from schedtui.tui.screens.form import FormScreen
from schedtui.tui.screens.register_forms import RegisterForm, SwitchForm
from schedtui.tui.screens.series_form import SeriesForm, rule_from_fields
from schedtui.tui.screens.series_list import SeriesScreen
from tests.conftest import snapshot
from tests.tui.conftest import settle, until


def ten_sessions(store, hub_id: int, capacity: int = 5):
    return series.create_series(
        store, hub_id=hub_id, name="Ten mornings", start=date(2025, 3, 4),
        rrule="FREQ=DAILY;COUNT=10", times=[(time(9, 0), None)], duration_minutes=30,
        capacity=capacity, registration_option="multiple_sessions")


def in_sight(app, widget: Widget) -> bool:
    """Drawn whole on the screen, not scrolled or pushed out of it."""
    region = widget.region
    screen = app.screen.region
    return widget.display and region.area > 0 and screen.contains_region(region) and \
        widget.window_region.area == region.area


def error_text(form) -> str:
    box = form.query_one("#form-error", Static)
    return str(box.render()) if box.has_class("-shown") else ""


async def open_form(app, pilot, seeded, store, kind: str):
    """Open ``kind`` the way a person would, at the current size."""
    await settle(pilot)
    if kind in ("register", "switch"):
        ten = ten_sessions(store, seeded.hub_id)
        registrations.register(store, ten.id, email="ann@example.org", name="Ann",
                               occurrence_ids=[o.id for o in occurrences.list_occurrences(
                                   store, ten.id)][:2])
        await app.push_screen(AttendeesScreen(series_id=ten.id, title="Ten mornings"))
        await settle(pilot)
        await pilot.press("a" if kind == "register" else "s")
    elif kind in ("series", "hub", "export"):
        if kind != "hub":
            await app.push_screen(SeriesScreen(seeded.hub_id, "Platform team"))
            await settle(pilot)
        await pilot.press("X" if kind == "export" else "n")
    else:
        await app.push_screen(CalendarScreen(seeded.standup_id, "Weekly standup"))
        await settle(pilot)
        await pilot.press({"edit": "e", "move": "m", "cancel": "c"}[kind])
    await settle(pilot)
    await pilot.pause(0.2)
    return app.screen


KINDS = ["register", "switch", "series", "hub", "edit", "move", "cancel", "export"]


@pytest.mark.parametrize("kind", KINDS)
async def test_every_form_fits_80x24_and_opens_on_its_first_field(seeded, make_app, desk_store,
                                                                   kind):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, seeded, desk_store, kind)
        assert isinstance(form, FormScreen | ConfirmScreen), form
        buttons = list(form.query(Button).results())
        assert buttons and all(in_sight(app, b) for b in buttons if b.display)
        chain = form.focus_chain
        assert chain, "nothing to focus"
        if isinstance(form, FormScreen):
            assert app.focused is chain[0]  # the first field, whatever its kind
            assert not isinstance(app.focused, Button)
        for widget in chain:  # every Tab stop is a field or a button one can see
            assert isinstance(widget, Input | Select | Button) or \
                type(widget).__name__ == "SelectionList", widget
            assert widget.display and widget.region.area > 0, widget
        if isinstance(form, FormScreen):  # a refusal is in sight too
            form.refused(registrations.DeskError("invalid_value", "Refused, in words."))
            await pilot.pause()
            assert in_sight(app, form.query_one("#form-error", Static))
            assert all(in_sight(app, b) for b in buttons if b.display)


async def test_register_on_ten_sessions_shows_a_duplicate_email_refusal(seeded, make_app,
                                                                         desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, seeded, desk_store, "register")
        assert isinstance(form, RegisterForm)
        form.query_one("#name", Input).value = "Ann again"
        form.query_one("#email", Input).value = "ann@example.org"
        form.query_one("#pick").select_all()
        await pilot.press("enter")  # Enter in a field saves
        await settle(pilot)
        assert app.screen is form
        message = error_text(form)
        assert "ann@example.org" in message
        assert in_sight(app, form.query_one("#form-error", Static))
        await pilot.press("tab")  # the pick list: keyboard reaches every session
        assert isinstance(app.focused, Widget) and app.focused.id == "email"


async def test_a_refusal_goes_once_the_field_is_fixed(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, seeded, None, "edit")
        form.query_one("#capacity", Input).value = "0"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_text(form).startswith("Capacity 0")
        await pilot.pause()
        assert error_text(form)  # nothing changed yet: it stays
        form.query_one("#capacity", Input).value = "12"
        await pilot.pause()
        await pilot.pause()
        assert error_text(form) == ""


def test_a_bad_every_is_refused_in_the_forms_words():
    with pytest.raises(registrations.DeskError) as refused:
        rule_from_fields("WEEKLY", "TUE THU", "", 0, "", "never", "")
    assert refused.value.message == 'Every "TUE THU" is not a whole number.'
    assert "INTERVAL" not in refused.value.message
    with pytest.raises(registrations.DeskError) as refused:
        rule_from_fields("MONTHLY", "1", "", 0, "1,40", "never", "")
    assert "Month day \"40\"" in refused.value.message
    with pytest.raises(registrations.DeskError) as refused:
        rule_from_fields("DAILY", "1", "", 0, "", "count", "ten")
    assert refused.value.message.startswith('After (times) "ten"')
    assert rule_from_fields("WEEKLY", "2", "MO,WE", 0, "", "count", "12") == \
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=12"


async def test_the_rule_preview_wraps_between_parts_never_inside_a_number(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, seeded, None, "series")
        assert isinstance(form, SeriesForm)
        form.query_one("#interval", Input).value = "12"
        form.query_one("#weekdays", Input).value = "MO,TU,WE,TH,FR"
        form.query_one("#end", Select).value = "until"
        form.query_one("#end-value", Input).value = "2026-12-31"
        preview = form.query_one("#preview", Static)
        await until(pilot, lambda: "Every 12 weeks" in str(preview.render()),
                    what="the preview, once typing pauses")
        await settle(pilot)
        lines = [line.text for line in preview.render_lines(preview.region.reset_offset)]
        words = "\n".join(line.rstrip() for line in lines)
        for token in ("INTERVAL=12;", "UNTIL=20261231", "BYDAY=MO,TU,WE,TH,FR;"):
            assert token in words.replace("\n", " \n"), words


async def test_cancelling_a_registration_names_who_got_the_seat(seeded, make_app, desk_store):
    ten = ten_sessions(desk_store, seeded.hub_id, capacity=1)
    first = occurrences.list_occurrences(desk_store, ten.id)[0]
    ann = registrations.register(desk_store, ten.id, email="ann@example.org", name="Ann",
                                 occurrence_ids=[first.id])
    registrations.register(desk_store, ten.id, email="bob@example.org", name="Bob",
                           occurrence_ids=[first.id])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = AttendeesScreen(series_id=ten.id, occurrence_id=first.id, title="x")
        await app.push_screen(screen)
        await settle(pilot)
        screen.table.move_cursor(row=screen.table.get_row_index(str(ann.id)))
        before = snapshot(desk_store)
        await pilot.press("x")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen)  # it names who would get the seat,
        assert "Bob would get a seat from the waitlist." in str(  # from a dry run that
            question.query_one("#confirm-message").render())  # kept nothing
        assert snapshot(desk_store) == before
        await pilot.press("y")
        await settle(pilot)
        assert app.told[-1] == "Registration of Ann cancelled. Bob got a seat from the waitlist."


async def switch_form(pilot, occurrence_id: int, series_id: int, reg_id: int) -> SwitchForm:
    """The attendee list of the occurrence, with ``s`` pressed on a registration."""
    screen = AttendeesScreen(series_id=series_id, occurrence_id=occurrence_id, title="x")
    await pilot.app.push_screen(screen)
    await settle(pilot)
    screen.table.move_cursor(row=screen.table.get_row_index(str(reg_id)))
    await pilot.press("s")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, SwitchForm)
    return form


async def test_a_switch_names_its_target_and_who_was_promoted(seeded, make_app, desk_store):
    ten = ten_sessions(desk_store, seeded.hub_id, capacity=1)
    occs = occurrences.list_occurrences(desk_store, ten.id)
    ann = registrations.register(desk_store, ten.id, email="ann@example.org", name="Ann",
                                 occurrence_ids=[occs[0].id])
    registrations.register(desk_store, ten.id, email="bob@example.org", name="Bob",
                           occurrence_ids=[occs[0].id])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = await switch_form(pilot, occs[0].id, ten.id, ann.id)
        assert app.focused.id == "from"
        form.query_one("#to", Select).value = occs[3].id
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.told[-1] == ("Ann moved from Tue 2025-03-04 09:00 to Fri 2025-03-07 09:00. "
                                "Bob got a seat from the waitlist.")


async def test_a_switch_with_no_target_chosen_says_so(seeded, make_app, desk_store):
    """ctrl+s before a session to move to is picked (a restless person found
    this): the form says what is missing and nothing changes. The form tested
    the old name of the Select's empty value, so the service got Textual's
    NULL and failed on it."""
    ten = ten_sessions(desk_store, seeded.hub_id, capacity=1)
    occs = occurrences.list_occurrences(desk_store, ten.id)
    ann = registrations.register(desk_store, ten.id, email="ann@example.org", name="Ann",
                                 occurrence_ids=[occs[0].id])
    before = snapshot(desk_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = await switch_form(pilot, occs[0].id, ten.id, ann.id)
        assert form.query_one("#to", Select).value is Select.NULL
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert not any("went wrong" in told for told in app.told), app.told
        assert "Pick the occurrence to leave and the one to move to." in str(
            form.query_one("#form-error").render())
    assert snapshot(desk_store) == before


async def test_the_capacity_cut_question_names_who_would_wait(seeded, make_app, desk_store):
    first = occurrences.list_occurrences(desk_store, seeded.standup_id)[0]
    for name in ("Ann", "Bob", "Cy"):
        registrations.register(desk_store, seeded.standup_id, name=name,
                               email=f"{name.lower()}@example.org")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(CalendarScreen(seeded.standup_id, "Weekly standup"))
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#capacity", Input).value = "1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        text = str(question.query_one("#confirm-message", Static).render())
        assert "They are held by: Cy, Bob." in text
        assert "The occurrence of Mon 2025-03-03 10:00 has 3 confirmed seats" in text
        assert f"Occurrence {first.id}" not in text
        assert all(in_sight(app, b) for b in question.query(Button))


async def test_moving_an_occurrence_names_who_will_be_told(seeded, make_app, desk_store):
    for name in ("Ann", "Bob"):
        registrations.register(desk_store, seeded.standup_id, name=name,
                               email=f"{name.lower()}@example.org")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, seeded, None, "move")
        preview = str(form.query_one("#move-preview", Static).render())
        assert "2 people will be told (2 booked, 0 waitlisted): Ann, Bob." in preview
