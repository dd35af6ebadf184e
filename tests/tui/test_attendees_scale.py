"""The attendee list at scale: a window of rows paged by the service, jumps to
the first and last row, and the filter as a service query. (How fast the first
rows appear is a benchmark figure, ``attendees_open``, not a unit test.)"""

from __future__ import annotations

import shutil
from datetime import date
from datetime import time as clock_time

import pytest
from textual.widgets import DataTable, Input, Static

from schedtui.services import hubs, registrations, series
from schedtui.store import open_store
from schedtui.tui.screens import attendee_list
from schedtui.tui.screens.attendee_list import STEP, WINDOW, AttendeesScreen
from tests.tui.conftest import NOW, StillDesk, settle, until

PEOPLE = 3000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """A database with one occurrence holding PEOPLE registrations, made once
    (in one write transaction) and copied for each test."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    store = open_store(path, clock=lambda: NOW)
    hub = hubs.create_hub(store, "Town hall", "UTC")
    talk = series.create_series(store, hub_id=hub.id, name="Keynote", start=date(2025, 3, 10),
                                rrule="FREQ=DAILY;COUNT=1", times=[(clock_time(9, 0), None)],
                                duration_minutes=60, capacity=None)
    with store.write() as session:
        for n in range(PEOPLE):
            registrations.add_registration(session, store, talk.id, name=f"Person {n:05d}",
                                           email=f"p{n:05d}@example.org")
    store.dispose()
    return path, talk.id


@pytest.fixture
def big(big_file, tmp_path):
    source, series_id = big_file
    target = tmp_path / "big.db"
    shutil.copy(source, target)
    store = open_store(target, clock=lambda: NOW)
    occ = registrations.series_stats(store, series_id).occurrences[0].id
    yield store, series_id, occ
    store.dispose()


def names(table: DataTable) -> list[str]:
    return [table.get_row_at(i)[0].plain for i in range(table.row_count)]


def under_cursor(screen: AttendeesScreen) -> str:
    return screen.current_item().name


def counts(screen: AttendeesScreen) -> str:
    return str(screen.query_one("#counts", Static).render())


async def open_list(app, pilot, series_id: int, occ: int) -> AttendeesScreen:
    await settle(pilot)
    await app.push_screen(AttendeesScreen(series_id=series_id, occurrence_id=occ,
                                          title="Keynote"))
    await settle(pilot)
    return app.screen


async def test_a_window_of_rows_and_jumps_to_both_ends(big):
    store, series_id, occ = big
    app = StillDesk(store, poll_seconds=None, start="hubs")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, series_id, occ)
        table = screen.table
        assert table.row_count == WINDOW
        assert names(table)[:2] == ["Person 00000", "Person 00001"]
        assert f"rows 1–{WINDOW} of {PEOPLE} registrations" in counts(screen)
        assert f"{PEOPLE} confirmed" in counts(screen)
        await pilot.press("end")
        await settle(pilot)
        assert under_cursor(screen) == f"Person {PEOPLE - 1:05d}"
        assert table.cursor_row == table.row_count - 1
        assert f"rows {PEOPLE - WINDOW + 1}–{PEOPLE} of {PEOPLE}" in counts(screen)
        await pilot.press("g")
        await settle(pilot)
        assert under_cursor(screen) == "Person 00000" and screen.first_row == 0
        await pilot.press("G")
        await settle(pilot)
        assert under_cursor(screen) == f"Person {PEOPLE - 1:05d}"
        await pilot.press("home")
        await settle(pilot)
        assert under_cursor(screen) == "Person 00000"


async def test_end_swaps_in_the_last_window_fetched_ahead(big, monkeypatch):
    store, series_id, occ = big
    app = StillDesk(store, poll_seconds=None, start="hubs")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, series_id, occ)
        assert screen.last_window is not None  # fetched with the first rows
        assert screen.last_window.offset == PEOPLE - WINDOW
        asked = []
        monkeypatch.setattr(registrations, "registration_page",
                            lambda *a, **k: asked.append(k) or (0, []))
        await pilot.press("end")
        await pilot.pause()
        assert asked == []  # no query: the window was there
        assert under_cursor(screen) == f"Person {PEOPLE - 1:05d}"
        assert f"rows {PEOPLE - WINDOW + 1}–{PEOPLE} of {PEOPLE}" in counts(screen)


async def test_a_list_that_fits_one_window_only_moves_the_cursor(big, monkeypatch):
    store, series_id, occ = big
    app = StillDesk(store, poll_seconds=None, start="hubs")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, series_id, occ)
        await pilot.press("slash", *"person 029", "enter")
        await until(pilot, lambda: screen.total == 100, what="the list filtered to 100")
        await settle(pilot)
        assert screen.table.row_count == screen.total == 100
        assert screen.last_window is None
        asked = []
        real_page = registrations.registration_page
        monkeypatch.setattr(registrations, "registration_page",
                            lambda *a, **k: asked.append(k) or real_page(*a, **k))
        await pilot.press("end")
        await settle(pilot)
        assert under_cursor(screen) == "Person 02999" and asked == []
        await pilot.press("home")
        await settle(pilot)
        assert under_cursor(screen) == "Person 02900" and asked == []


async def test_the_window_slides_when_the_cursor_reaches_an_edge(big):
    store, series_id, occ = big
    app = StillDesk(store, poll_seconds=None, start="hubs")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, series_id, occ)
        table = screen.table
        table.move_cursor(row=WINDOW - 2)
        await settle(pilot)
        assert screen.first_row == 0
        await pilot.press("down")  # onto the window's last row: the next window loads
        await settle(pilot)
        assert screen.first_row == STEP
        assert under_cursor(screen) == f"Person {WINDOW - 1:05d}"
        await pilot.press("down")
        await settle(pilot)
        assert under_cursor(screen) == f"Person {WINDOW:05d}"  # past the first window
        assert f"rows {STEP + 1}–{STEP + WINDOW} of {PEOPLE}" in counts(screen)
        table.move_cursor(row=1)
        await settle(pilot)
        await pilot.press("up")  # onto the first row: the previous window loads
        await settle(pilot)
        assert screen.first_row == 0
        assert under_cursor(screen) == f"Person {STEP:05d}"
        await pilot.press("end", "up", "up")
        await settle(pilot)
        assert under_cursor(screen) == f"Person {PEOPLE - 3:05d}"


async def test_filter_is_a_service_query_after_typing_pauses(big, monkeypatch):
    store, series_id, occ = big
    asked = []
    real_page = registrations.registration_page

    def page(*args, **kwargs):
        asked.append(kwargs.get("text_filter"))
        return real_page(*args, **kwargs)

    monkeypatch.setattr(registrations, "registration_page", page)
    # A loaded machine can leave more than the desk's quarter second between two
    # simulated keys; a longer pause keeps "one query, not one a key" about the
    # desk and not about how busy the machine is.
    monkeypatch.setattr(attendee_list, "FILTER_DELAY", 2.0)
    app = StillDesk(store, poll_seconds=None, start="hubs")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot, series_id, occ)
        asked.clear()
        await pilot.press("slash", *"person 0299")
        assert asked == []  # nothing asked while typing
        await pilot.pause(2.5)
        await settle(pilot)
        assert asked == ["person 0299"]  # one query once typing paused, not one a key
        assert names(screen.table) == [f"Person {n:05d}" for n in range(2990, 3000)]
        assert "rows 1–10 of 10 registrations matching the filter" in counts(screen)
        await pilot.press("enter", "end")
        await settle(pilot)
        assert under_cursor(screen) == "Person 02999"
        await pilot.press("escape")  # clears the filter: the whole list again
        await pilot.pause(2.5)
        await settle(pilot)
        assert screen.table.row_count == WINDOW
        assert f"of {PEOPLE} registrations" in counts(screen)
        assert not screen.query_one("#filter", Input).value
