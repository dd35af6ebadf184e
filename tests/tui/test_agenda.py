"""The desk's agenda of the week, driven by keys as a person would: the desk
opens on it, the hubs one escape away; a list at 80x24 and a week grid at 160x48;
weeks with ``[`` ``]`` and ``t`` (a week with New York's clock change), one hub
with ``h``, attendees with ``enter``, blackout days marked, and bulk edits:
select with ``v`` / ``V``, ``b``, confirm, ``u`` to undo."""

from __future__ import annotations

from datetime import date, time

import pytest
from textual.widgets import DataTable, Input, Select, Static

from schedtui.services import blackouts, hubs, occurrences, registrations, series
from schedtui.tui.screens.agenda import AgendaScreen
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.bulk_form import BulkForm, parse_offset
from schedtui.tui.screens.calendar import CalendarScreen
from schedtui.tui.screens.confirm import ConfirmScreen
from schedtui.tui.screens.hubs import HubsScreen
from tests.tui.conftest import settle, until


def table(app) -> DataTable:
    return app.screen.query_one("#week", DataTable)


def list_rows(app) -> list[tuple[str, list[str]]]:
    """(row key, cells) of the agenda's list, cut from each line as drawn by the
    widths the screen laid it out with (a day's line: its date, then the note)."""
    t = table(app)
    widths = app.screen.list_widths
    rows = []
    for row in t.ordered_rows:
        line = t.get_row(row.key)[0].plain
        cells, at = [], 0
        for n, width in enumerate(widths):
            last = n == len(widths) - 1 or (row.key.value.startswith("day-") and n == 3)
            cells.append(line[at:] if last else line[at:at + width])
            at += width + 1
            if last:
                break
        rows.append((row.key.value, [c.strip() for c in cells]))
    return rows


def occurrence_rows(app) -> dict[int, list[str]]:
    return {int(key): cells for key, cells in list_rows(app) if key.isdigit()}


async def to_row(pilot, key: str) -> None:
    t = table(pilot.app)
    t.move_cursor(row=t.get_row_index(key), animate=False)
    await pilot.pause()


async def calm(pilot) -> None:
    """Let the workers end, a replaced load (cancelled) included, and land."""
    import asyncio

    for _ in range(3):
        await asyncio.gather(*(w.wait() for w in list(pilot.app.workers)),
                             return_exceptions=True)
        await pilot.pause()


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_the_desk_opens_on_the_week_and_the_hubs_are_one_key_away(make_app, seeded):
    app = make_app(start="agenda")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["AgendaScreen"]
        agenda = app.screen
        rows = list_rows(app)
        days = [cells[1] for key, cells in rows if key.startswith("day-")]
        assert days == ["Mon 03", "Tue 04", "Wed 05", "Thu 06", "Fri 07", "Sat 08", "Sun 09"]
        shown = occurrence_rows(app)
        names = [cells[3] for cells in shown.values()]
        assert names == ["Weekly standup", "Product webinar"]
        assert "Mon 03 Mar – Sun 09 Mar 2025" in text_of(app, "#title")
        # the cursor starts on the first occurrence, with its detail under the list
        assert "Weekly standup" in text_of(app, "#agenda-detail")
        assert "10:00–10:15 -05:00 (America/New_York)" in text_of(app, "#agenda-detail")
        await pilot.press("right_square_bracket")  # a week on, then to the hubs and back
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HubsScreen)
        assert app.screen.query_one("#list", DataTable).row_count == 2
        await pilot.press("escape")  # back to the agenda as it was left
        await settle(pilot)
        assert app.screen is agenda and "Mon 10 Mar" in text_of(app, "#title")
        await pilot.press("escape", "A")  # A on the hubs comes back too
        await settle(pilot)
        assert app.screen is agenda and len(app.screen_stack) == 2


async def test_weeks_today_and_a_clock_change_in_new_york(make_app, desk_store, seeded):
    daily = series.create_series(
        desk_store, hub_id=seeded.hub_id, name="Early bird", start=date(2025, 3, 7),
        rrule="FREQ=DAILY;COUNT=5", times=[(time(9, 0), None)], duration_minutes=30,
        capacity=5)
    app = make_app(start="agenda")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        birds = {occ.id: occ for occ in occurrences.list_occurrences(desk_store, daily.id)}
        shown = occurrence_rows(app)
        # Fri 7 and Sat 8 (EST), Sun 9 (EDT from 02:00 that night): 09:00 each day
        week = [i for i in shown if i in birds]
        assert [shown[i][1] for i in week] == ["09:00", "09:00", "09:00"]
        assert [birds[i].start_utc[11:16] for i in week] == ["14:00", "14:00", "13:00"]
        await to_row(pilot, str(week[2]))
        assert "09:00–09:30 -04:00" in text_of(app, "#agenda-detail")
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "Mon 10 Mar – Sun 16 Mar 2025" in text_of(app, "#title")
        later = occurrence_rows(app)
        assert [later[i][1] for i in later if i in birds] == ["09:00", "09:00"]
        standup = next(cells for cells in later.values() if cells[3] == "Weekly standup")
        assert standup[1] == "10:00"  # 14:00 UTC now, 15:00 the week before
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert "Mon 24 Feb – Sun 02 Mar 2025" in text_of(app, "#title")
        assert not occurrence_rows(app)
        await pilot.press("t")
        await settle(pilot)
        assert "Mon 03 Mar – Sun 09 Mar 2025" in text_of(app, "#title")


async def test_h_keeps_the_hub_under_the_cursor_and_again_every_hub(make_app, desk_store,
                                                                       seeded):
    other = next(h for h in hubs.list_hubs(desk_store) if h.id != seeded.hub_id)
    series.create_series(desk_store, hub_id=other.id, name="Life drawing",
                         start=date(2025, 3, 5), rrule="FREQ=WEEKLY;COUNT=2",
                         times=[(time(18, 0), None)], duration_minutes=90, capacity=12)
    app = make_app(start="agenda")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert sorted(c[3] for c in occurrence_rows(app).values()) == [
            "Life drawing", "Product webinar", "Weekly standup"]
        drawing = next(i for i, c in occurrence_rows(app).items() if c[3] == "Life drawing")
        await to_row(pilot, str(drawing))
        await pilot.press("h")
        await settle(pilot)
        assert [c[3] for c in occurrence_rows(app).values()] == ["Life drawing"]
        assert "hub Riverside studio" in text_of(app, "#title")
        await pilot.press("h")
        await settle(pilot)
        assert len(occurrence_rows(app)) == 3 and "every hub" in text_of(app, "#title")


async def test_enter_opens_the_attendees_of_the_occurrence(make_app, desk_store, seeded):
    registrations.register(desk_store, seeded.standup_id, email="ann@example.org", name="Ann")
    app = make_app(start="agenda")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = occurrences.list_occurrences(desk_store, seeded.standup_id)[0]
        await to_row(pilot, str(first.id))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AttendeesScreen)
        assert app.screen.occurrence_id == first.id
        assert "Ann" in str(app.screen.query_one("#list", DataTable).get_row_at(0))


async def test_a_wide_terminal_shows_the_week_as_a_grid_and_resizing_switches(
        make_app, desk_store, seeded):
    blackouts.add_blackout(desk_store, seeded.hub_id, date(2025, 3, 5), date(2025, 3, 6),
                           reason="Offsite")
    app = make_app(start="agenda")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        t = table(app)
        assert t.cursor_type == "cell"
        labels = [str(c.label) for c in t.ordered_columns]
        assert labels[0].startswith("Mon 03 Mar") and "today" in labels[0]
        assert labels[2] == "Wed 05 Mar ■" and labels[3] == "Thu 06 Mar ■"
        assert "Offsite" in text_of(app, "#agenda-blackouts")
        webinar = occurrences.list_occurrences(desk_store, seeded.webinar_id)[0]
        assert str(t.get_cell_at((0, 1))) == " 14:00○ 0/∞\n Product webinar"
        await pilot.press("right")  # Mon -> Tue, the webinar
        await settle(pilot)
        assert "Product webinar" in text_of(app, "#agenda-detail")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AttendeesScreen)
        assert app.screen.occurrence_id == webinar.id
        await pilot.press("escape")
        await settle(pilot)
        await pilot.resize_terminal(80, 24)  # the app hands a resize on after a timer
        await until(pilot, lambda: table(app).cursor_type == "row", what="the list at 80x24")
        await settle(pilot)
        assert table(app).cursor_type == "row"
        notes = [c[3] for key, c in list_rows(app) if key.startswith("day-")]
        assert notes[2] == notes[3] == "■ blackout: Platform team: Offsite"
        await pilot.resize_terminal(160, 48)
        await until(pilot, lambda: table(app).cursor_type == "cell", what="the grid at 160x48")
        await settle(pilot)
        assert table(app).cursor_type == "cell"


async def test_cancelled_occurrences_are_listed_with_their_status(make_app, desk_store,
                                                                   seeded):
    first = occurrences.list_occurrences(desk_store, seeded.standup_id)[0]
    occurrences.cancel_occurrence(desk_store, first.id)
    app = make_app(start="agenda")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        cells = occurrence_rows(app)[first.id]
        assert cells[2] == "✕" and cells[6] == "cancelled"
        assert "1 occurrence, 1 cancelled" in text_of(app, "#title")


async def test_A_on_the_hubs_brings_the_one_agenda_back_with_its_week_read_again(
        make_app, desk_store, seeded):
    app = make_app(start="hubs")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        agenda = app.screen
        assert isinstance(agenda, AgendaScreen)
        await pilot.press("right_square_bracket")  # the week of Mon 10 Mar
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HubsScreen)
        later = next(o for o in occurrences.list_occurrences(desk_store, seeded.standup_id)
                     if o.start.startswith("2025-03-1"))
        assert {i.id: i.status for i in agenda.items}[later.id] == "scheduled"
        occurrences.cancel_occurrence(desk_store, later.id)  # as another process would
        await pilot.press("A")
        await settle(pilot)
        assert app.screen is agenda  # the same screen, where it was left...
        assert "Mon 10 Mar" in text_of(app, "#title")
        assert occurrence_rows(app)[later.id][6] == "cancelled"  # ...with the week read again
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["HubsScreen",
                                                                     "AgendaScreen"]


async def test_a_person_who_moves_on_while_the_week_is_read_stays_where_they_went(
        make_app, desk_store, seeded):
    import threading

    app = make_app(start="hubs")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        release = threading.Event()
        real_fetch = AgendaScreen._fetch

        def slow_fetch(self, key, limit):
            release.wait(10)
            return real_fetch(self, key, limit)

        AgendaScreen._fetch = slow_fetch
        try:
            await pilot.press("A")  # the week is being read...
            await pilot.pause()
            assert isinstance(app.screen, HubsScreen)  # ...and the hubs stay meanwhile
            await pilot.press("enter")  # the person opens a hub's series instead
            await pilot.pause()
            opened = app.screen
            assert not isinstance(opened, (HubsScreen, AgendaScreen))
            release.set()
            await settle(pilot)
        finally:
            AgendaScreen._fetch = real_fetch
            release.set()
        assert app.screen is opened  # the read that came in late did not take them away


async def test_the_agenda_follows_changes_made_elsewhere(make_app, desk_store, seeded):
    app = make_app(start="agenda", poll_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = occurrences.list_occurrences(desk_store, seeded.standup_id)[0]
        assert occurrence_rows(app)[first.id][6] == ""
        occurrences.cancel_occurrence(desk_store, first.id)  # as another process would
        await until(pilot, lambda: occurrence_rows(app)[first.id][6] == "cancelled",
                    what="the poll showing the cancellation")  # every 0.2 s, or later
        await settle(pilot)
        assert occurrence_rows(app)[first.id][6] == "cancelled"


async def bulk_form(pilot) -> BulkForm:
    await pilot.press("b")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BulkForm)
    return pilot.app.screen


async def test_select_edit_confirm_and_undo_as_one_step(make_app, desk_store, seeded):
    for n in range(3):
        registrations.register(desk_store, seeded.standup_id, email=f"p{n}@example.org",
                               name=f"P {n}")
    app = make_app(start="agenda")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        standup = occurrences.list_occurrences(desk_store, seeded.standup_id)[0]
        webinar = occurrences.list_occurrences(desk_store, seeded.webinar_id)[0]
        await to_row(pilot, str(standup.id))
        await pilot.press("v")
        await to_row(pilot, str(webinar.id))
        await pilot.press("v")
        await settle(pilot)
        assert occurrence_rows(app)[standup.id][0] == "✓"
        assert "2 selected" in text_of(app, "#agenda-legend")
        form = await bulk_form(pilot)
        form.query_one("#location", Input).value = "Room 9"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one("#confirm-message", Static).render())
        assert "Set location Room 9 on 2 occurrences?" in question
        assert "3 people hold or await a seat" in question
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        after = {o.id: o.location for o in occurrences.list_occurrences(desk_store,
                                                                         seeded.standup_id)}
        assert after[standup.id] == "Room 9"
        assert occurrences.get_occurrence(desk_store, webinar.id).location == "Room 9"
        assert any("Changed 2 occurrences; 3 people told" in m for m in app.told)
        assert "selected:" not in text_of(app, "#agenda-legend")
        await pilot.press("u")
        await settle(pilot)
        assert occurrences.get_occurrence(desk_store, standup.id).location == "Room 4"
        assert occurrences.get_occurrence(desk_store, webinar.id).location == \
            "https://webinar.example.org/p"
        assert any("Undid the set of 2 occurrences" in m for m in app.told)


async def test_V_selects_the_week_and_a_move_and_a_cancel_apply_to_all(make_app, desk_store,
                                                                       seeded):
    app = make_app(start="agenda")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        ids = sorted(occurrence_rows(app))
        assert all(occurrence_rows(app)[i][0] == "✓" for i in ids)
        form = await bulk_form(pilot)
        form.query_one("#offset", Input).value = "+30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Move by +30 minutes 2 occurrences?" in str(
            app.screen.query_one("#confirm-message", Static).render())
        await pilot.press("y")
        await settle(pilot)
        moved = [occurrences.get_occurrence(desk_store, i) for i in ids]
        assert [m.start[11:16] for m in moved] == ["10:30", "14:30"]
        await pilot.press("V")
        form = await bulk_form(pilot)
        form.query_one("#status", Select).value = "cancel"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [occurrences.get_occurrence(desk_store, i).status for i in ids] == [
            "cancelled", "cancelled"]
        assert [occurrence_rows(app)[i][6] for i in ids] == ["cancelled", "cancelled"]
        await pilot.press("u")  # the cancel, both at once
        await settle(pilot)
        assert [occurrences.get_occurrence(desk_store, i).status for i in ids] == [
            "scheduled", "scheduled"]


async def test_the_bulk_form_refuses_mixed_or_empty_changes_and_keeps_what_was_typed(
        make_app, seeded):
    app = make_app(start="agenda")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        form = await bulk_form(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Nothing to change" in text_of(app, "#form-error")
        form.query_one("#host", Input).value = "Sam"
        form.query_one("#offset", Input).value = "+15"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "One kind of change at a time" in text_of(app, "#form-error")
        assert form.query_one("#host", Input).value == "Sam"
        form.query_one("#offset", Input).value = "soon"
        form.query_one("#host", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert 'Move by "soon"' in text_of(app, "#form-error")


async def test_a_capacity_cut_below_the_seats_is_offered_with_the_waitlist(
        make_app, desk_store, seeded):
    for n in range(4):
        registrations.register(desk_store, seeded.standup_id, email=f"p{n}@example.org",
                               name=f"P {n}")
    app = make_app(start="agenda")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        standup = occurrences.list_occurrences(desk_store, seeded.standup_id)[0]
        await to_row(pilot, str(standup.id))
        await pilot.press("v")
        form = await bulk_form(pilot)
        form.query_one("#capacity", Input).value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")  # apply
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # move the newest to the waitlist?
        assert "4 confirmed seats" in str(app.screen.query_one("#confirm-message",
                                                               Static).render())
        await pilot.press("y")
        await settle(pilot)
        now = occurrences.get_occurrence(desk_store, standup.id)
        assert (now.capacity, now.booked, now.waitlisted) == (2, 2, 2)


async def test_the_calendar_selects_and_edits_several_and_marks_blackout_days(
        make_app, desk_store, seeded):
    blackouts.add_blackout(desk_store, seeded.hub_id, date(2025, 3, 24), reason="Inventory")
    app = make_app()  # hubs first, as the other desk tests
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(CalendarScreen(seeded.standup_id, "Weekly standup"))
        await settle(pilot)
        screen = app.screen
        assert screen.grid.blackouts == {date(2025, 3, 24): "Inventory"}
        await pilot.press("tab")  # to the agenda of the day
        await pilot.press("v")
        await settle(pilot)
        first = occurrences.list_occurrences(desk_store, seeded.standup_id)[0]
        assert screen.picked == {first.id}
        await pilot.press("shift+tab", "down")  # the grid, a week on
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        second = occurrences.list_occurrences(desk_store, seeded.standup_id)[1]
        assert screen.picked == {first.id, second.id}
        await pilot.press("b")
        await settle(pilot)
        app.screen.query_one("#host", Input).value = "Robin"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        hosts = [o.host for o in occurrences.list_occurrences(desk_store, seeded.standup_id)]
        assert hosts[:3] == ["Robin", "Robin", "Dana"]
        await pilot.press("down", "down")  # Mon 24 March: a blackout day
        await settle(pilot)
        assert "■ blackout: Inventory" in text_of(app, "#agenda-title")
        await pilot.press("u")
        await settle(pilot)
        hosts = [o.host for o in occurrences.list_occurrences(desk_store, seeded.standup_id)]
        assert hosts[:2] == ["Dana", "Dana"]
        assert any("Undid the bulk set of 2 occurrences" in m for m in app.told)


@pytest.mark.parametrize("typed, minutes", [("+30", 30), ("-15", -15), ("45", 45),
                                            ("+1h", 60), ("-1h30", -90), ("2h5m", 125),
                                            ("90m", 90)])
def test_offsets_as_a_person_types_them(typed, minutes):
    assert parse_offset(typed) == minutes


@pytest.mark.parametrize("typed", ["0", "+0", "soon", "1.5h", "--5", "+h"])
def test_offsets_that_mean_nothing_are_refused(typed):
    from schedtui.domain.errors import DeskError

    with pytest.raises(DeskError):
        parse_offset(typed)


def test_the_agenda_needs_no_database_library_to_draw():
    import subprocess
    import sys

    code = ("import sys, schedtui.tui.app, schedtui.tui.screens.agenda; "
            "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'schedtui.store') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


async def test_a_busy_week_is_read_a_window_at_a_time_as_the_cursor_moves(
        make_app, desk_store, seeded):
    busy = series.create_series(
        desk_store, hub_id=seeded.hub_id, name="Open gym", start=date(2025, 3, 3),
        rrule="FREQ=DAILY;COUNT=7", times=[(time(h, 0), None) for h in range(7, 19)],
        duration_minutes=30, capacity=4)  # twelve a day: 84, and 2 more that week
    app = make_app(start="agenda")
    async with app.run_test(size=(80, 24)) as pilot:
        await calm(pilot)
        screen = app.screen
        assert screen.page.total == 86 and len(screen.page.items) == 60
        assert "rows 1–60 of 86" in text_of(app, "#title")
        last = screen.page.items[-1]
        await pilot.press("ctrl+end")  # the window's last row: it moves on by half
        await calm(pilot)
        assert "rows 31–86 of 86" in text_of(app, "#title")
        assert screen.current().id == last.id  # the cursor stayed on its occurrence
        await pilot.press("V")  # the whole week, not only the window
        await calm(pilot)
        assert len(screen.picked) == 86
        await pilot.press("ctrl+home")
        await calm(pilot)
        assert "rows 1–60 of 86" in text_of(app, "#title")
        opened = [o.id for o in occurrences.list_occurrences(desk_store, busy.id)]
        assert set(opened) <= screen.picked
