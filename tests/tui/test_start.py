"""Desk start: the first screen comes before the database. The app module
imports no database library, the store is opened by a callable after the
first paint, an error opening it ends the desk with status 1, and the start
marks for the benchmark land in SCHEDTUI_FIRST_PAINT_FILE."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest
from textual.widgets import DataTable, Static

from schedtui.domain.errors import DeskError
from schedtui.tui.app import DeskApp, run
from schedtui.tui.screens import agenda
from schedtui.tui.screens.agenda import AgendaScreen
from schedtui.tui.screens.hubs import OPENING, HubsScreen
from tests.tui.conftest import StillDesk, settle


def test_importing_the_desk_imports_no_database_library():
    code = ("import sys, schedtui.tui.app, schedtui.tui.screens.hubs, "
            "schedtui.tui.screens.agenda; "
            "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'schedtui.store') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


async def test_the_hubs_screen_is_drawn_before_the_store_opens(desk_store, seeded, tmp_path,
                                                                monkeypatch):
    import threading

    marks = tmp_path / "marks.jsonl"
    monkeypatch.setenv("SCHEDTUI_FIRST_PAINT_FILE", str(marks))
    gate = threading.Event()

    def opener():
        gate.wait(10)
        return desk_store

    app = StillDesk(opener, poll_seconds=None, roll_on_start=False, start="hubs")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HubsScreen) and app.store is None
        assert str(screen.query_one("#title", Static).render()) == OPENING
        assert screen.query_one("#list", DataTable).row_count == 0
        gate.set()
        await settle(pilot)
        assert app.store is desk_store
        assert screen.query_one("#list", DataTable).row_count == 2
        assert str(screen.query_one("#title", Static).render()) == "Hubs"
        await pilot.pause()
    names = [next(iter(json.loads(line))) for line in marks.read_text().splitlines()]
    assert names == ["first_paint", "store_open", "rows_shown"]


async def test_the_agenda_the_desk_opens_on_is_drawn_before_the_store_opens(
        desk_store, seeded, tmp_path, monkeypatch):
    import threading

    marks = tmp_path / "marks.jsonl"
    monkeypatch.setenv("SCHEDTUI_FIRST_PAINT_FILE", str(marks))
    gate = threading.Event()

    def opener():
        gate.wait(10)
        return desk_store

    app = StillDesk(opener, poll_seconds=None, roll_on_start=False)  # the real default
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AgendaScreen) and app.store is None
        assert str(screen.query_one("#title", Static).render()) == agenda.OPENING
        assert screen.query_one("#week", DataTable).row_count == 0
        gate.set()
        await settle(pilot)
        assert app.store is desk_store
        assert screen.query_one("#week", DataTable).row_count == 9  # 7 days, 2 sessions
        assert len(app.screen_stack) == 2  # one screen drawn at start: the hubs come later
        await pilot.pause()
    names = [next(iter(json.loads(line))) for line in marks.read_text().splitlines()]
    assert names == ["first_paint", "store_open", "rows_shown"]


async def test_an_error_opening_the_store_ends_the_desk_with_status_1():
    def opener():
        raise DeskError("not_a_database", "x.db is not a schedtui database.")

    app = DeskApp(opener, poll_seconds=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await settle(pilot)
    assert app.return_code == 1
    assert isinstance(app.open_error, DeskError)


def test_run_raises_the_open_error_for_the_command_line(monkeypatch):
    def fake_run(self, *args, **kwargs):
        self.open_error = DeskError("database_unavailable", "The database is locked.")
        return 1

    monkeypatch.setattr(DeskApp, "run", fake_run)
    with pytest.raises(DeskError, match="locked"):
        run(lambda: None)


def test_run_starts_the_desk_with_the_collector_off_and_leaves_it_on(monkeypatch):
    seen = []

    def fake_run(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(DeskApp, "run", fake_run)
    assert run(lambda: None) == 0
    assert seen == [False] and gc.isenabled()


async def test_the_collector_comes_back_on_once_the_store_is_open(desk_store):
    app = StillDesk(lambda: desk_store, poll_seconds=None, roll_on_start=False)
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.store is desk_store
            assert gc.isenabled()
            assert gc.get_freeze_count() > frozen  # the start's objects are never walked again
    finally:
        gc.enable()
        gc.unfreeze()


async def test_escape_and_A_while_the_store_opens_come_back_to_the_agenda(desk_store, seeded):
    """Before the store is open the agenda has read nothing yet: A on the hubs
    over it goes back to it (it reads its week once the store opens), and the
    screen is never pushed a second time."""
    import threading

    gate = threading.Event()

    def opener():
        gate.wait(10)
        return desk_store

    app = StillDesk(opener, poll_seconds=None, roll_on_start=False)  # opens on the agenda
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        agenda_screen = app.screen
        assert isinstance(agenda_screen, AgendaScreen) and not agenda_screen.loaded
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HubsScreen)
        await pilot.press("A")
        await pilot.pause()
        assert app.screen is agenda_screen and app.screen_stack.count(agenda_screen) == 1
        gate.set()
        await settle(pilot)
        assert agenda_screen.loaded and agenda_screen.page is not None
