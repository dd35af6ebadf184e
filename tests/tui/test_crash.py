"""A crash: the edit form that crashed on Enter, and what any crash leaves
behind (a non-zero exit status and the crash log's place, no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from textual.widgets import Input, Static

from schedtui.services import occurrences
from schedtui.tui.screens.occurrence_forms import OccurrenceForm
from tests.tui.conftest import settle
from tests.tui.test_calendar import open_calendar


def form_error(screen) -> str:
    box = screen.query_one("#form-error", Static)
    return str(box.render()) if box.has_class("-shown") else ""


@pytest.mark.parametrize("capacity", [None, "0", "lots"])
async def test_edit_occurrence_enter_with_nothing_changed_or_a_bad_capacity(
        seeded, make_app, desk_store, capacity):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        cal = await open_calendar(app, pilot, seeded.standup_id)
        occ = cal.selected()
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, OccurrenceForm)
        if capacity is not None:
            form.query_one("#capacity", Input).value = capacity
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form  # still open, saying why
        message = form_error(form)
        if capacity is None:
            assert message == "Nothing changed."
        else:
            assert message.startswith(f"Capacity {capacity}" if capacity == "0"
                                      else f'Capacity "{capacity}" is not a number')
        assert occurrences.get_occurrence(desk_store, occ.id).capacity == 10
    assert app.crash is None and not app.return_code


CRASHING = """
import sys
import schedtui.tui.app as desk

class Crashing(desk.DeskApp):
    def on_ready(self):
        self.set_timer(0.3, self.boom)

    def boom(self):
        raise AttributeError("'OccurrenceForm' object has no attribute 'changes'")

desk.DeskApp = Crashing
from schedtui.cli.main import main
sys.exit(main(["--db", sys.argv[1]]))
"""


def test_a_crash_exits_non_zero_and_says_where_the_log_is(tmp_path):
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"),
           "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver"}
    done = subprocess.run([sys.executable, "-c", CRASHING, str(tmp_path / "t.db")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    log = tmp_path / "state" / "schedtui" / "log" / "crash.log"
    assert f"Details were written to {log}." in done.stderr
    assert "The desk stopped on an error" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "has no attribute 'changes'" in log.read_text(encoding="utf-8")
    assert "in boom" in log.read_text(encoding="utf-8")  # the whole traceback


@pytest.mark.parametrize("path", ["x" * 5000 + ".csv", "a\x00b.csv"])
@pytest.mark.parametrize("writing", [True, False])
async def test_a_file_name_the_system_refuses_is_a_message_not_a_crash(make_app, seeded, path,
                                                                      writing):
    """Found by the walk: a pasted 10,000-character name crashed the path prompt."""
    from schedtui.tui.screens.interop import PathPrompt

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        prompt = PathPrompt("Export", "", writing=writing)
        await app.push_screen(prompt)
        await settle(pilot)
        prompt.query_one("#path", Input).value = path
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is prompt
        assert form_error(prompt).startswith("That file name cannot be used: ")
    assert app.crash is None
