"""Hubs and series screens: create, open, filter, pause, archive, the palette."""

from __future__ import annotations

from textual.css.query import NoMatches
from textual.widgets import DataTable, Input, Static

from schedtui.services import hubs, series
from schedtui.tui.screens.calendar import CalendarScreen
from schedtui.tui.screens.hub_form import HubForm
from schedtui.tui.screens.series_list import SeriesScreen
from tests.tui.conftest import series_form, settle, until


def cells(table: DataTable, column: int = 0) -> list[str]:
    return [str(getattr(c, "plain", c)) for c in
            (table.get_row_at(i)[column] for i in range(table.row_count))]


async def test_hubs_listed_with_zone_series_and_next(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#list", DataTable)
        assert cells(table) == ["Platform team", "Riverside studio"]
        assert table.get_row_at(0)[1].plain == "America/New_York"
        assert table.get_row_at(0)[2] == "2"
        assert table.get_row_at(0)[3] == "Mon 2025-03-03 10:00"


async def test_create_hub(desk_store, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, HubForm)
        app.screen.query_one("#name", Input).value = "Night school"
        app.screen.query_one("#timezone", Input).value = "Europe/Lisbon"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, HubForm)
        assert [(h.name, h.timezone) for h in hubs.list_hubs(desk_store)] == [
            ("Night school", "Europe/Lisbon")]
        assert cells(app.screen.query_one("#list", DataTable)) == ["Night school"]


async def test_refused_form_keeps_what_was_typed(desk_store, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.press(*"Night school")
        await pilot.press("tab", "ctrl+a")  # select the default zone text
        app.screen.query_one("#timezone", Input).value = "Mars/Olympus"
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, HubForm)
        error = str(form.query_one("#form-error", Static).render())
        assert "Mars/Olympus" in error and "Traceback" not in error
        assert form.query_one("#name", Input).value == "Night school"
        assert form.query_one("#timezone", Input).value == "Mars/Olympus"
        assert hubs.list_hubs(desk_store) == []
        await pilot.press("escape")
        assert not isinstance(app.screen, HubForm)


async def test_open_hub_then_series_calendar(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SeriesScreen) and screen.hub_id == seeded.hub_id
        table = screen.query_one("#list", DataTable)
        assert cells(table) == ["Product webinar", "Weekly standup"]
        assert cells(table, 4) == ["Monthly on the first Tuesday at 14:00, 6 times",
                                   "Every Monday at 10:00, 12 times"]
        assert cells(table, 3) == ["—", "0%"]  # unlimited; nobody booked yet
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CalendarScreen)
        assert app.screen.series_id == seeded.standup_id
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)
        assert cells(app.screen.query_one("#list", DataTable)) == ["Platform team",
                                                                   "Riverside studio"]


async def test_filter_by_typing(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("slash", *"stand")
        table = app.screen.query_one("#list", DataTable)
        assert cells(table) == ["Weekly standup"]
        await pilot.press("enter")  # keep the filter, back in the table
        assert table.has_focus
        await pilot.press("escape")  # clears the filter first
        assert cells(table) == ["Product webinar", "Weekly standup"]
        assert isinstance(app.screen, SeriesScreen)


async def test_pause_resume_and_archive(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("down", "p")
        await settle(pilot)
        assert series.get_series(desk_store, seeded.standup_id).status == "paused"
        assert cells(app.screen.query_one("#list", DataTable), 1)[1] == "paused"
        await pilot.press("p")
        await settle(pilot)
        assert series.get_series(desk_store, seeded.standup_id).status == "published"
        await pilot.press("x")
        await pilot.press("n")  # no: nothing happens
        await settle(pilot)
        assert series.get_series(desk_store, seeded.standup_id).status == "published"
        await pilot.press("x", "y")
        await settle(pilot)
        assert series.get_series(desk_store, seeded.standup_id).status == "archived"
        screen = app.screen  # an archived series is not offered archive, edit or pause:
        assert screen.check_action("archive", ()) is False
        assert screen.check_action("edit", ()) is False
        await pilot.press("x")  # so x asks nothing
        await settle(pilot)
        assert app.screen is screen


async def test_palette_jumps_to_series(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"webinar")
        await settle(pilot)  # the palette's search is a worker: done once it has listed
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CalendarScreen),
                    what="the jump to the webinar's calendar")
        await settle(pilot)
        assert isinstance(app.screen, CalendarScreen)
        assert app.screen.series_id == seeded.webinar_id
        await pilot.press("escape")
        assert isinstance(app.screen, SeriesScreen)


async def test_series_fill_comes_from_the_service_in_one_list_call(seeded, make_app,
                                                                   desk_store, monkeypatch):
    from schedtui.services import occurrences, registrations

    for n in range(3):
        registrations.register(desk_store, seeded.standup_id, email=f"p{n}@example.org",
                               name=f"P {n}")
    expected = {v.id: v.fill_rate for v in series.list_series(desk_store,
                                                              hub_id=seeded.hub_id)}
    calls = []
    real_list = series.list_series

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return real_list(*args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("the series list must not list occurrences per series")

    monkeypatch.setattr(series, "list_series", counted)
    monkeypatch.setattr(occurrences, "list_occurrences", forbidden)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(SeriesScreen(seeded.hub_id, "Platform team"))
        await settle(pilot)
        table = app.screen.query_one("#list", DataTable)
        assert cells(table) == ["Product webinar", "Weekly standup"]
        assert cells(table, 3) == ["—", f"{round(100 * expected[seeded.standup_id])}%"]
        assert expected[seeded.standup_id] > 0
        assert [c for c in calls if c.get("hub_id")] == [{"hub_id": seeded.hub_id}]


async def test_palette_asks_the_service_and_jumps_to_an_attendee(seeded, make_app,
                                                                  desk_store, monkeypatch):
    from schedtui.services import registrations
    from schedtui.services import search as finder
    from schedtui.tui.screens.attendee_list import AttendeesScreen

    for name in ("Ann Lee", "Zed Quinn", "Bo Chan"):
        registrations.register(desk_store, seeded.standup_id, name=name,
                               email=f"{name.split()[0].lower()}@example.org")
    queries, listed = [], []
    real_search, real_page = finder.search, registrations.registration_page

    def search(store, text, **kwargs):
        queries.append((text, kwargs.get("limit")))
        return real_search(store, text, **kwargs)

    def registration_page(store, **kwargs):
        listed.append(kwargs)
        return real_page(store, **kwargs)

    monkeypatch.setattr(finder, "search", search)
    monkeypatch.setattr(registrations, "registration_page", registration_page)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"quinn")
        await settle(pilot)  # the palette's search is a worker: done once it has listed
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AttendeesScreen)
                    and cells(app.screen.table) == ["Zed Quinn"],
                    what="the attendee list filtered to the person")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AttendeesScreen) and screen.series_id == seeded.standup_id
        assert screen.query_one("#filter", Input).value == "zed@example.org"
        assert cells(screen.table) == ["Zed Quinn"]
        assert "Weekly standup" in str(screen.query_one("#title", Static).render())
        assert queries and all(limit for _, limit in queries)
        assert listed and all(call.get("limit") for call in listed)  # never everyone
        stack = [type(s).__name__ for s in app.screen_stack[1:]]
        assert stack == ["HubsScreen", "SeriesScreen", "CalendarScreen", "AttendeesScreen"]
        await pilot.press("escape", "escape")  # clear the filter, then back
        await settle(pilot)
        assert isinstance(app.screen, CalendarScreen)


async def test_series_edit_dropping_booked_occurrences_asks_then_cancels_and_tells(
        seeded, make_app, desk_store):
    from schedtui.services import occurrences, outbox, registrations
    from schedtui.tui.screens.series_form import SeriesForm

    for name in ("Ann", "Bo"):
        registrations.register(desk_store, seeded.standup_id, name=name,
                               email=f"{name.lower()}@example.org")
    before = {o.id: o.status for o in occurrences.list_occurrences(desk_store,
                                                                   seeded.standup_id)}
    assert len(before) == 12 and set(before.values()) == {"scheduled"}
    notices_before = len(outbox.list_notices(desk_store))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await series_form(pilot, seeded.hub_id, "down", "e")
        assert isinstance(form, SeriesForm) and form.existing.id == seeded.standup_id
        form.query_one("#end-value", Input).value = "4"  # 12 Mondays -> 4
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and form.confirm
        error = str(form.query_one("#form-error", Static).render())
        assert error.startswith("This drops 8 occurrences people hold seats in: "
                                "Mon 2025-03-31 10:00, Mon 2025-04-07 10:00, ")
        assert "and 2 more.\n2 people will be told: Ann, Bo.\nPress Save again" in error
        assert "(" not in error.split("\n")[0]  # dates, not ids
        assert str(form.query_one("#save").label) == "Confirm (ctrl+s)"
        assert set(o.status for o in occurrences.list_occurrences(
            desk_store, seeded.standup_id)) == {"scheduled"}  # nothing changed yet
        rule = form.query_one("#rrule", Input)
        rule.post_message(Input.Changed(rule, rule.value))  # a late echo of the rule's sync
        await settle(pilot)
        assert form.confirm  # the settings asked about did not change: still asked
        await pilot.press("ctrl+s")  # confirmed
        await settle(pilot)
        assert not isinstance(app.screen, SeriesForm)
        assert any("Weekly standup saved" in m for m in app.told)
    after = occurrences.list_occurrences(desk_store, seeded.standup_id)
    statuses = [o.status for o in sorted(after, key=lambda o: o.start)]
    assert statuses == ["scheduled"] * 4 + ["cancelled"] * 8
    assert series.get_series(desk_store, seeded.standup_id).rrule.endswith("COUNT=4")
    notices = outbox.list_notices(desk_store)[notices_before:]
    assert {n.to_email for n in notices} == {"ann@example.org", "bo@example.org"}


async def test_changing_a_field_after_the_question_asks_again(seeded, make_app, desk_store):
    from schedtui.services import registrations
    from schedtui.tui.screens.series_form import SeriesForm

    registrations.register(desk_store, seeded.standup_id, name="Ann", email="a@example.org")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await series_form(pilot, seeded.hub_id, "down", "e")
        form.query_one("#end-value", Input).value = "4"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form.confirm
        form.query_one("#end-value", Input).value = "2"  # a different cut: not confirmed
        await settle(pilot)
        assert not form.confirm
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SeriesForm)
        assert "This drops 10 occurrences" in str(form.query_one("#form-error", Static).render())
        assert series.get_series(desk_store, seeded.standup_id).rrule.endswith("COUNT=12")


async def test_horizon_roll_runs_after_the_first_paint_with_a_progress_bar(
        seeded, desk_store, tmp_path, monkeypatch):
    import threading
    from datetime import date, time, timedelta

    from textual.widgets import ProgressBar

    from schedtui.services import occurrences
    from schedtui.store import open_store
    from tests.tui.conftest import NOW, StillDesk

    weekly = series.create_series(desk_store, hub_id=seeded.hub_id, name="Open drop-in",
                                  start=date(2025, 3, 5), rrule="FREQ=WEEKLY;BYDAY=WE",
                                  times=[(time(18, 0), None)], duration_minutes=60)
    planned = len(occurrences.list_occurrences(desk_store, weekly.id))
    later = open_store(tmp_path / "t.db", clock=lambda: NOW + timedelta(weeks=10))
    gate = threading.Event()
    real_roll = series.roll_horizons
    rows_first = []

    def slow_roll(store, *, progress=None, **kwargs):
        rows_first.append(app.hubs_shown)  # the roll starts once the hub rows are shown

        def held(done: int, total: int) -> None:
            progress(done, total)
            assert gate.wait(10)

        return real_roll(store, progress=held, **kwargs)

    monkeypatch.setattr(series, "roll_horizons", slow_roll)
    app = StillDesk(later, poll_seconds=None, start="hubs")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            def shown():  # the hubs are shown while the roll waits
                try:
                    table = app.screen.query_one("#list", DataTable)
                    bar = app.screen.query_one("#progress", ProgressBar)
                except NoMatches:  # the hubs screen is not up yet
                    return None
                return (table, bar) if table.row_count and bar.total else None

            await until(pilot, shown, what="the hub rows and the roll's progress")
            table, bar = shown()
            assert cells(table) == ["Platform team", "Riverside studio"]
            assert app.roll_progress is not None and not bar.has_class("-hidden")
            assert bar.total == 1  # the series due to roll: the open-ended one
            assert rows_first == [True]
            gate.set()
            await settle(pilot)
            assert app.roll_progress is None and bar.has_class("-hidden")
            assert any("Horizon roll done" in m and "added" in m for m in app.told)
            await pilot.press("R")  # by hand: the same worker, and it always reports
            await settle(pilot)
            assert app.told[-1] == "Horizon roll done: 0 occurrences added."
    finally:
        later.dispose()
    assert len(occurrences.list_occurrences(desk_store, weekly.id)) > planned


async def test_no_roll_message_when_nothing_was_added(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.roll_progress is None
        assert not any("Horizon roll" in m for m in app.told)


async def test_moving_a_series_with_people_in_it_names_who_was_told(seeded, make_app,
                                                                     desk_store):
    from schedtui.services import outbox, registrations
    from schedtui.tui.screens.series_form import SeriesForm

    for name in ("Ann", "Bo"):
        registrations.register(desk_store, seeded.standup_id, name=name,
                               email=f"{name.lower()}@example.org")
    notices_before = len(outbox.list_notices(desk_store))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await series_form(pilot, seeded.hub_id, "down", "e")
        assert isinstance(form, SeriesForm) and form.existing.id == seeded.standup_id
        form.query_one("#location", Input).value = "Room 7"  # every session: a new place
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SeriesForm)
        assert any("saved" in m and "Told of the change: Ann, Bo." in m for m in app.told)
    told = outbox.list_notices(desk_store)[notices_before:]
    assert sorted(n.to_email for n in told) == ["ann@example.org", "bo@example.org"]
