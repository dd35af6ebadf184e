"""The occurrence calendar: navigation, move, cancel, restore, capacity, undo,
and the series form's live preview."""

from __future__ import annotations

from datetime import date, datetime

from textual.widgets import DataTable, Input, Static

from schedtui.services import occurrences, registrations, series
from schedtui.tui.screens.calendar import CalendarScreen
from schedtui.tui.screens.confirm import ConfirmScreen
from schedtui.tui.screens.help import HelpScreen
from schedtui.tui.screens.occurrence_forms import MoveForm
from schedtui.tui.screens.series_form import SeriesForm
from schedtui.tui.screens.series_list import SeriesScreen
from schedtui.tui.widgets.month_grid import MonthGrid
from tests.tui.conftest import series_form, settle, until


async def open_calendar(app, pilot, series_id: int) -> CalendarScreen:
    await settle(pilot)
    await app.push_screen(CalendarScreen(series_id, "cal"))
    await settle(pilot)
    assert isinstance(app.screen, CalendarScreen)
    return app.screen


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_calendar_starts_on_next_occurrence_and_moves_by_keys(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        grid = cal.query_one(MonthGrid)
        assert grid.cursor == date(2025, 3, 3) and grid.today == date(2025, 3, 3)
        assert cal.agenda.row_count == 1
        assert "Mon 03 Mar 2025: 1 occurrence" in text_of(cal, "#agenda-title")
        await pilot.press("l")
        assert grid.cursor == date(2025, 3, 4) and cal.agenda.row_count == 0
        await pilot.press("j", "h", "k", "down", "right")
        assert grid.cursor == date(2025, 3, 11)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert grid.cursor == date(2025, 4, 1)
        assert "April 2025" in text_of(cal, "#month-title")
        assert cal.loaded_range == (date(2025, 3, 31), date(2025, 5, 4))
        assert {datetime.fromisoformat(o.start).month for o in cal.month_occurrences} <= {3, 4, 5}
        await pilot.press("t")
        await settle(pilot)
        assert grid.cursor == date(2025, 3, 3)
        await pilot.press("w")
        assert "Week of Mon 03 Mar" in text_of(cal, "#agenda-title")


async def test_calendar_loads_only_the_visible_weeks(seeded, make_app, monkeypatch):
    calls = []
    original = occurrences.list_occurrences

    def spy(store, series_id, **kwargs):
        calls.append(kwargs)
        return original(store, series_id, **kwargs)

    monkeypatch.setattr(occurrences, "list_occurrences", spy)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_calendar(app, pilot, seeded.standup_id)
        await app.workers.wait_for_complete()
        assert calls == [{"start": date(2025, 2, 24), "end": date(2025, 4, 6)},  # March
                         # then, ahead, the months beside it
                         {"start": date(2025, 1, 27), "end": date(2025, 3, 2)},
                         {"start": date(2025, 3, 31), "end": date(2025, 5, 4)}]


async def test_the_months_beside_are_fetched_ahead_and_dropped_on_a_change(
        seeded, make_app, monkeypatch, desk_store):
    calls = []
    original = occurrences.list_occurrences

    def spy(store, series_id, **kwargs):
        calls.append(kwargs["start"])
        return original(store, series_id, **kwargs)

    monkeypatch.setattr(occurrences, "list_occurrences", spy)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        await app.workers.wait_for_complete()
        calls.clear()
        await pilot.press("right_square_bracket")  # April was fetched ahead: shown from it
        assert cal.loaded_month == date(2025, 4, 1)
        assert "Tue 01 Apr 2025: 0 occurrences" in text_of(cal, "#agenda-title")
        await pilot.press("down", "down", "left")  # Monday the 14th
        assert cal.grid.cursor == date(2025, 4, 14) and cal.agenda.row_count == 1
        await settle(pilot)
        await app.workers.wait_for_complete()
        assert calls == [date(2025, 4, 28)]  # April never read again; May fetched ahead
        assert sorted(cal.months) == [date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)]

        # A change, then a reload: the months fetched ahead are read again.
        may_5 = next(o for o in cal.months[date(2025, 5, 1)][1]
                     if o.start.startswith("2025-05-05"))
        occurrences.set_occurrence(desk_store, may_5.id, capacity=3)
        cal.reload()
        await settle(pilot)
        await app.workers.wait_for_complete()
        await pilot.press("right_square_bracket")
        assert cal.loaded_month == date(2025, 5, 1)
        assert next(o for o in cal.month_occurrences if o.id == may_5.id).capacity == 3


async def test_month_change_fetches_the_series_only_once(seeded, make_app, monkeypatch):
    asked = []
    original = series.get_series

    def spy(store, series_id, **kwargs):
        asked.append(series_id)
        return original(store, series_id, **kwargs)

    monkeypatch.setattr(series, "get_series", spy)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_calendar(app, pilot, seeded.standup_id)
        assert asked == [seeded.standup_id]
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert screen.loaded_month == date(2025, 5, 1)
        assert asked == [seeded.standup_id]  # month changes: occurrences only
        screen.reload()  # a change elsewhere: the series again
        await settle(pilot)
        assert asked == [seeded.standup_id] * 2


async def test_move_shows_zone_and_people_told(seeded, make_app, desk_store):
    for n in range(3):
        registrations.register(desk_store, seeded.standup_id, email=f"p{n}@example.org",
                               name=f"P{n}")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        occ = cal.selected()
        assert occ is not None and occ.booked == 3
        await pilot.press("down", "down")  # to Monday 17 March, after the clock change
        await settle(pilot)
        occ = cal.selected()
        reloads = []
        original = cal.reload
        cal.reload = lambda: (reloads.append(1), original())  # type: ignore[method-assign]
        await pilot.press("m")
        form = app.screen
        assert isinstance(form, MoveForm)
        form.query_one("#start", Input).value = "2025-03-18 11:30"
        await pilot.pause()
        preview = text_of(form, "#move-preview")
        assert "Tue 2025-03-18 11:30 -04:00 (America/New_York) = 15:30 UTC" in preview
        assert "3 people will be told (3 booked, 0 waitlisted)" in preview
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, MoveForm)
        moved = occurrences.get_occurrence(desk_store, occ.id)
        assert moved.start == "2025-03-18T11:30:00-04:00" and moved.moved
        assert any("3 people told" in m for m in app.told)
        assert cal.query_one(MonthGrid).cursor == date(2025, 3, 18)
        assert "moved from Mon 2025-03-17 10:00" in text_of(cal, "#detail")
        assert reloads == [1]  # after the form, once: not again for being back on top


async def test_move_refused_keeps_typed_text(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_calendar(app, pilot, seeded.standup_id)
        await pilot.press("m")
        form = app.screen
        form.query_one("#start", Input).value = "2024-12-01 10:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "in the past" in text_of(form, "#form-error")
        assert form.query_one("#start", Input).value == "2024-12-01 10:00"
        form.query_one("#start", Input).value = "tomorrow"
        await pilot.pause()
        assert "needs a date and a time" in text_of(form, "#move-preview")


async def test_cancel_names_people_then_restore_and_undo(seeded, make_app, desk_store):
    registrations.register(desk_store, seeded.standup_id, email="a@example.org", name="A",
                           seats=2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        occ = cal.selected()
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmScreen)
        message = str(app.screen.query_one("#confirm-message", Static).render())
        assert "2 people are affected (2 booked, 0 waitlisted) and will be told" in message
        await pilot.press("y")
        await settle(pilot)
        assert occurrences.get_occurrence(desk_store, occ.id).status == "cancelled"
        assert str(cal.agenda.get_row_at(0)[1]) == "✕"  # the glyph at 80 columns
        assert "cancelled" in text_of(cal, "#detail")
        await pilot.press("r")
        await settle(pilot)
        assert occurrences.get_occurrence(desk_store, occ.id).status == "scheduled"
        await pilot.press("u")  # undo the restore: cancelled again
        await settle(pilot)
        assert occurrences.get_occurrence(desk_store, occ.id).status == "cancelled"
        assert any("Undid the restore" in m for m in app.told)


async def test_capacity_keys_and_refusal_in_words(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        occ = cal.selected()
        await pilot.press("plus")
        await settle(pilot)
        assert occurrences.get_occurrence(desk_store, occ.id).capacity == 11
        await pilot.press("minus", "minus")
        await settle(pilot)
        assert occurrences.get_occurrence(desk_store, occ.id).capacity == 9
        assert cal.agenda.get_row_at(0)[2] == "0/9"
        await pilot.press("u")
        await settle(pilot)
        assert occurrences.get_occurrence(desk_store, occ.id).capacity == 10
        occurrences.set_occurrence(desk_store, occ.id, capacity=1)
        cal.reload()
        await settle(pilot)
        await pilot.press("minus")
        await settle(pilot)
        assert any("Capacity 0 is ambiguous" in m for m in app.told)
        assert app.is_running


async def test_edit_occurrence_location_and_host(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        occ = cal.selected()
        await pilot.press("e")
        app.screen.query_one("#location", Input).value = "Room [b]9[/b]"
        app.screen.query_one("#host", Input).value = "Sam"
        await pilot.press("ctrl+s")
        await settle(pilot)
        view = occurrences.get_occurrence(desk_store, occ.id)
        assert (view.location, view.host) == ("Room [b]9[/b]", "Sam")
        assert "Room [b]9[/b] · Sam" in text_of(cal, "#detail")


async def test_new_series_with_live_preview_showing_the_clock_change(seeded, make_app,
                                                                    desk_store):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(SeriesScreen(seeded.hub_id, "Platform team"))
        await settle(pilot)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, SeriesForm)
        form.query_one("#name", Input).value = "Yoga"
        form.query_one("#start", Input).value = "2025-03-03"
        form.query_one("#times", Input).value = "09:30"
        form.query_one("#weekdays", Input).value = "mo,we"
        form.query_one("#end-value", Input).value = ""
        # the preview comes once typing pauses (a timer): waited for by its summary
        await until(pilot, lambda: "Every Monday and Wednesday" in text_of(form, "#preview"),
                    what="the preview of the weekly rule")
        await settle(pilot)
        assert form.query_one("#rrule", Input).value == "FREQ=WEEKLY;BYDAY=MO,WE"
        preview = text_of(form, "#preview")
        assert "Every Monday and Wednesday at 09:30" in preview
        assert "Mon 2025-03-03 09:30 -05:00" in preview
        assert "Mon 2025-03-10 09:30 -04:00 ← clock change" in preview
        form.query_one("#rrule", Input).value = "FREQ=DAILY;COUNT=3"
        await until(pilot, lambda: "Every day at 09:30, 3 times" in text_of(form, "#preview"),
                    what="the preview of the daily rule")
        await settle(pilot)
        preview = text_of(form, "#preview")
        assert "Wed 2025-03-05 09:30" in preview and "Thu 2025-03-06" not in preview
        form.query_one("#rrule", Input).value = "FREQ=WEEKLY;BYDAY=1MO"  # refused by name
        await until(pilot, lambda: "numbered weekday" in text_of(form, "#preview"),
                    what="the preview's refusal")
        await settle(pilot)
        assert "numbered weekday" in text_of(form, "#preview")
        form.query_one("#rrule", Input).value = "FREQ=WEEKLY;BYDAY=MO;COUNT=4"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SeriesForm)
        created = [s for s in series.list_series(desk_store, hub_id=seeded.hub_id)
                   if s.name == "Yoga"]
        assert created and created[0].occurrence_count == 4
        assert created[0].rrule == "FREQ=WEEKLY;BYDAY=MO;COUNT=4"


async def test_this_and_following_splits_the_series(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        await pilot.press("down", "down")
        await settle(pilot)
        await pilot.press("f")
        form = app.screen
        assert isinstance(form, SeriesForm)
        form.query_one("#capacity", Input).value = "25"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CalendarScreen) and app.screen is not cal
        later = series.get_series(desk_store, app.screen.series_id)
        assert later.capacity == 25 and later.start == "2025-03-17"


async def test_help_lists_every_key_of_the_screen(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_calendar(app, pilot, seeded.standup_id)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#keys", DataTable)
        rows = {str(table.get_row_at(i)[1]): str(table.get_row_at(i)[0])
                for i in range(table.row_count)}
        for description, key in {"Previous month": "[", "Next month": "]", "Move": "m",
                                 "Cancel": "c", "Restore": "r", "Capacity +1": "+",
                                 "Capacity -1": "-",
                                 "Undo": "u", "Today": "t", "Help": "?", "Quit": "q",
                                 "Back": "esc", "This & following": "f"}.items():
            assert key in rows.get(description, "").split(), description
        assert "h" in rows["Day back"]
        await pilot.press("escape")
        assert isinstance(app.screen, CalendarScreen)


async def test_capacity_cut_below_confirmed_seats_asks_then_moves_the_newest(seeded, make_app,
                                                                            desk_store):
    from tests.tui.test_attendees import column

    for n in range(3):
        registrations.register(desk_store, seeded.standup_id, name=f"Person {n}",
                               email=f"p{n}@example.org")
    first = occurrences.list_occurrences(desk_store, seeded.standup_id)[0]
    occurrences.set_occurrence(desk_store, first.id, capacity=3)

    def seats_of(occ_id: int) -> dict[str, str]:
        regs = registrations.list_registrations(desk_store, occurrence_id=occ_id)
        return {r.name: next(s.status for s in r.occurrences if s.id == occ_id) for r in regs}

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        await pilot.press("tab", "minus")  # 3 -> 2 while 3 seats are confirmed
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmScreen)
        message = str(modal.query_one("#confirm-message", Static).render())
        assert message.startswith("Move the 1 newest confirmed seat to the waitlist?")
        await pilot.press("n")  # no: nothing changes
        await settle(pilot)
        assert app.screen is cal
        assert occurrences.get_occurrence(desk_store, first.id).capacity == 3
        await pilot.press("minus", "y")
        await settle(pilot)
        assert occurrences.get_occurrence(desk_store, first.id).capacity == 2
        assert seats_of(first.id) == {"Person 0": "confirmed", "Person 1": "confirmed",
                                      "Person 2": "waitlisted"}
        assert "2/2" in column(cal.agenda, 2)
        await pilot.press("e")  # the form: capacity 1 and a new room in one go
        await settle(pilot)
        app.screen.query_one("#capacity", Input).value = "1"
        app.screen.query_one("#location", Input).value = "Room 9"
        await pilot.press("ctrl+s")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmScreen)
        assert "Move the 1 newest confirmed seat" in str(
            modal.query_one("#confirm-message", Static).render())
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is cal
        occ = occurrences.get_occurrence(desk_store, first.id)
        assert (occ.capacity, occ.location, occ.booked, occ.waitlisted) == (1, "Room 9", 1, 2)
        assert seats_of(first.id)["Person 0"] == "confirmed"


async def test_help_lists_the_screens_own_keys_first_and_textuals_last(seeded, make_app):
    import re
    from pathlib import Path

    from schedtui.tui.screens import help as help_module
    from schedtui.tui.screens.help import key_rows

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        rows = key_rows(cal)
        sections = [section for section, *_ in rows]
        order = list(dict.fromkeys(sections))
        assert order == ["This screen", "On this screen", "Everywhere", "Textual"]
        assert sections == sorted(sections, key=order.index)  # grouped, in that order
        assert rows[0][2] == "Previous month"
        assert ("Textual", "tab", "Focus Next") == rows[-3][:3]
        await pilot.press("question_mark")
        table = app.screen.query_one("#keys", DataTable)
        assert str(table.get_row_at(0)[0]) == "This screen"
        assert str(table.get_row_at(1)[1]) == "Previous month"
    # only public Textual API: no private attribute of Textual's objects is read
    source = Path(help_module.__file__).read_text()
    assert not re.findall(r"\.\_[a-z]", source)


async def test_agenda_keeps_its_important_columns_at_80_and_shows_all_when_wide(seeded,
                                                                              make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        labels = [c.label.plain for c in cal.agenda.ordered_columns]
        assert labels == ["When", "", "Seats", "Wait"]
        width = sum(c.get_render_width(cal.agenda) for c in cal.agenda.ordered_columns)
        assert width <= cal.agenda.size.width  # nothing cut off
        assert cal.agenda.get_row_at(0)[0] == "10:00"
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        labels = [c.label.plain for c in cal.agenda.ordered_columns]
        assert labels == ["When", "Fill", "Seats", "Wait", "Location", "Host"]
        width = sum(c.get_render_width(cal.agenda) for c in cal.agenda.ordered_columns)
        assert width <= cal.agenda.size.width


async def test_series_form_fits_80x24_without_scrolling(seeded, make_app):
    from textual.widgets import Select

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await series_form(pilot, seeded.hub_id)
        body = form.query_one(".form-body")
        assert body.region.bottom <= 24  # the fields scroll inside the form
        assert all(select.size.height == 1 for select in form.query(Select))
        assert form.query_one("#save").region.bottom <= 24
        await pilot.press("shift+tab", "shift+tab", "shift+tab")  # back to the last field
        await until(pilot, lambda: body.region.contains_region(form.query_one("#draft").region),
                    what="the focused field scrolled into sight (an animation)")
        assert app.focused is form.query_one("#draft")  # scrolled into sight:
        assert body.region.contains_region(form.query_one("#draft").region)
        assert form.query_one("#save").region.bottom <= 24
        form.query_one("#name").focus()
        await pilot.pause(0.3)
        await pilot.press("tab", "tab")  # to the times: their hint shows
        assert "09:00/MO+WE" in str(form.query_one("#hint-line", Static).render())


async def test_back_from_the_attendee_list_the_calendar_shows_what_changed(seeded, make_app,
                                                                           monkeypatch):
    from schedtui.tui.screens.attendee_list import AttendeesScreen

    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        occurrence = cal.selected()
        assert occurrence is not None and occurrence.booked == 0
        fetches = []
        monkeypatch.setattr(cal, "reload", lambda original=cal.reload: (fetches.append(1),
                                                                       original()))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AttendeesScreen)
        app.screen.act(lambda: registrations.register(app.store, seeded.standup_id,
                                                      email="ada@example.org", name="Ada"),
                       lambda r: app.screen.done("registered"))
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is cal and fetches == [1]
        assert cal.selected().booked == 1
        await pilot.press("question_mark")  # nothing changes behind the help screen
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert fetches == [1]
