"""Attendee list and outbox: register, waitlist and promote, check in, filter,
switch, approve; and user text shown exactly as typed everywhere."""

from __future__ import annotations

import asyncio
from datetime import date, time

from textual.widgets import DataTable, Input, Static

from schedtui.services import hubs, outbox, registrations, series
from schedtui.store import open_store
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.calendar import CalendarScreen
from schedtui.tui.screens.hubs import HubsScreen
from schedtui.tui.screens.outbox import OutboxScreen
from schedtui.tui.screens.register_forms import RegisterForm
from schedtui.tui.screens.series_list import SeriesScreen
from tests.tui.conftest import settle, until

TRAPS = ["[bold red]Eve[/]", "[/]", "[@click=app.quit]x[/]"]


def small_series(store, hub_id: int, **settings):
    return series.create_series(
        store, hub_id=hub_id, name="Drop-in", start=date(2025, 3, 4),
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=4", times=[(time(9, 30), None)],
        duration_minutes=90, capacity=1, registration_option="single_session", **settings)


def column(table: DataTable, index: int) -> list[str]:
    return [str(getattr(c, "plain", c)) for c in
            (table.get_row_at(i)[index] for i in range(table.row_count))]


async def test_register_from_the_calendar(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(CalendarScreen(seeded.standup_id, "Weekly standup"))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AttendeesScreen) and screen.occurrence_id
        await pilot.press("a")
        assert isinstance(app.screen, RegisterForm)
        await settle(pilot)
        app.screen.query_one("#name", Input).value = TRAPS[0]
        app.screen.query_one("#email", Input).value = "not-an-email"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegisterForm)  # refused in words, text kept
        assert app.screen.query_one("#name", Input).value == TRAPS[0]
        assert str(app.screen.query_one("#form-error", Static).render())
        app.screen.query_one("#email", Input).value = "eve@example.org"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert column(screen.table, 0) == [TRAPS[0]]
        assert column(screen.table, 3) == ["confirmed"]
        regs = registrations.list_registrations(desk_store, series_id=seeded.standup_id)
        assert [(r.name, r.email, r.status) for r in regs] == [
            (TRAPS[0], "eve@example.org", "confirmed")]


async def test_waitlist_promote_and_check_in(seeded, make_app, desk_store):
    drop_in = small_series(desk_store, seeded.hub_id)
    occ = registrations.series_stats(desk_store, drop_in.id).occurrences[0].id
    first = registrations.register(desk_store, drop_in.id, email="a@example.org", name="Ann",
                                   occurrence_ids=[occ])
    second = registrations.register(desk_store, drop_in.id, email="b@example.org", name="Bo",
                                    occurrence_ids=[occ])
    assert second.status == "waitlisted"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=drop_in.id, occurrence_id=occ))
        await settle(pilot)
        screen = app.screen
        assert column(screen.table, 3) == ["confirmed", "waitlisted 1st"]
        assert "1 confirmed · 1 waitlisted" in str(screen.query_one("#counts").render())
        await pilot.press("space")  # check in Ann: a day and more early, so it asks
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        seat = registrations.get_registration(desk_store, first.id).occurrences[0]
        assert seat.attended and column(screen.table, 4)[0] == "✓"
        await pilot.press("space")  # and undo it
        await settle(pilot)
        assert not registrations.get_registration(desk_store, first.id).occurrences[0].attended
        await pilot.press("down", "space")  # a waitlisted seat cannot be checked in:
        await settle(pilot)  # the footer greys the key, and it does nothing
        assert screen.check_action("check_in", ()) is None
        assert not registrations.get_registration(desk_store, second.id).occurrences[0].attended
        await pilot.press("up", "x")  # cancel Ann: Bo gets the seat
        await settle(pilot)  # (the question comes once the dry run has said who)
        await pilot.press("y")
        await settle(pilot)
        assert registrations.get_registration(desk_store, first.id).status == "cancelled"
        assert registrations.get_registration(desk_store, second.id).status == "confirmed"
        assert column(screen.table, 3) == ["cancelled", "confirmed"]


async def test_filter_approve_decline_and_switch(seeded, make_app, desk_store):
    drop_in = small_series(desk_store, seeded.hub_id, require_approval=True)
    occs = [o.id for o in registrations.series_stats(desk_store, drop_in.id).occurrences]
    for name in ("Ann", "Bo", "Cy"):
        registrations.register(desk_store, drop_in.id, email=f"{name.lower()}@example.org",
                               name=name, occurrence_ids=[occs[0]])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=drop_in.id, title="Drop-in"))
        await settle(pilot)
        screen = app.screen
        assert column(screen.table, 3) == ["pending"] * 3
        await pilot.press("slash", *"bo@")  # the filter goes to the service once typing pauses
        await until(pilot, lambda: column(screen.table, 0) == ["Bo"], what="the filtered list")
        await settle(pilot)
        assert column(screen.table, 0) == ["Bo"]
        await pilot.press("enter", "p")
        await settle(pilot)
        assert column(screen.table, 3) == ["confirmed"]
        await pilot.press("escape")
        await until(pilot, lambda: column(screen.table, 0) == ["Ann", "Bo", "Cy"],
                    what="the whole list again")
        await settle(pilot)
        assert column(screen.table, 0) == ["Ann", "Bo", "Cy"]
        await pilot.press("down", "down", "d")
        await settle(pilot)
        assert column(screen.table, 3)[2] == "declined"
        await pilot.press("up", "s")
        await settle(pilot)
        form = app.screen
        form.query_one("#to").value = occs[2]
        await pilot.press("ctrl+s")
        await settle(pilot)
        bo = registrations.list_registrations(desk_store, email="bo@example.org")[0]
        assert [s.id for s in bo.occurrences if s.status != "cancelled"] == [occs[2]]
        await pilot.press("E")
        await settle(pilot)
        assert any("CSV export" in m or "Export" in m for m in app.told) or \
            not isinstance(app.screen, AttendeesScreen)


async def test_outbox_lists_notices_readably(seeded, make_app, desk_store):
    registrations.register(desk_store, seeded.standup_id, email="eve@example.org",
                           name=TRAPS[2])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OutboxScreen)
        waiting = outbox.list_notices(desk_store)
        assert screen.table.row_count == len(waiting) >= 1
        body = str(screen.query_one("#notice", Static).render())
        assert f"To: {TRAPS[2]} <eve@example.org>" in body
        assert waiting[0].subject in body


async def test_markup_names_shown_literally_and_harmless(desk_store, make_app):
    for name in TRAPS:
        hub = hubs.create_hub(desk_store, name, "UTC")
        series.create_series(desk_store, hub_id=hub.id, name=name, start=date(2025, 3, 4),
                             rrule="FREQ=DAILY;COUNT=2", times=[(time(9, 0), None)],
                             duration_minutes=30, location=name, host=name)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#list", DataTable)
        assert sorted(column(table, 0)) == sorted(TRAPS)
        await pilot.click("#list", offset=(3, 1))  # a click on a name must not quit
        await pilot.pause()
        assert app.is_running
        for row in range(3):
            await app.push_screen(HubsScreen())
            await settle(pilot)
            app.screen.table.move_cursor(row=row)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("enter")  # the series' calendar
            await settle(pilot)
            cal = app.screen
            assert isinstance(cal, CalendarScreen)
            assert str(cal.query_one("#title", Static).render()).startswith(cal.series.name)
            detail = str(cal.query_one("#detail", Static).render())
            assert f"{cal.series.name} · {cal.series.name}" in detail
            await pilot.click("#title")
            await pilot.click("#detail")
            assert app.is_running
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"click")
        await settle(pilot)  # the palette's search is a worker: done once it has listed
        assert app.is_running
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SeriesScreen),
                    what="the jump to the hub's series")
        await settle(pilot)
        assert isinstance(app.screen, SeriesScreen)  # the hub ranks first, then its series
        assert app.screen.hub_name == TRAPS[2]


async def test_changes_by_another_process_show_up(seeded, make_app, tmp_path):
    app = make_app(poll_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#list", DataTable)
        assert table.row_count == 2
        other = open_store(tmp_path / "t.db")
        await asyncio.to_thread(hubs.create_hub, other, "Added elsewhere", "UTC")
        other.dispose()
        await until(pilot, lambda: table.row_count == 3, what="a poll showing the new hub")
        assert "Added elsewhere" in column(table, 0)


async def test_unexpected_worker_failure_is_a_notification(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.act(lambda: 1 / 0)
        # polled, not settled: wait_for_complete would re-raise the worker's error
        await until(pilot, lambda: any("Something went wrong" in m for m in app.told),
                    what="the notification of the failure")
        assert app.is_running
        assert any("Something went wrong: ZeroDivisionError" in m for m in app.told)
