"""A real terminal: the desk in tmux at 80x24, driven by keys, read back with
capture-pane. Skipped (with the reason) where tmux is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from shlex import quote

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed; the terminal check needs it")

NOW = "2025-03-03T12:00:00"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def desk(tmp_path):
    """The desk on demo data in a detached tmux session; yields a screen reader."""
    db = tmp_path / "desk.db"
    env = {**os.environ, "SCHEDTUI_NOW": NOW, "TERM": "xterm-256color"}
    subprocess.run([sys.executable, "-c", "from schedtui import demo; from schedtui.store "
                    f"import open_store; demo.load(open_store({str(db)!r}))"],
                   check=True, env=env)
    name = f"schedtui-{uuid.uuid4().hex[:8]}"
    status = tmp_path / "exit-status"
    # The pane's shell writes the desk's exit status down: tmux can be slow to
    # reap a pane's process (seen: a zombie for over ten seconds under load), so
    # its own #{pane_dead_status} is not something to wait on.
    command = (f"SCHEDTUI_NOW={NOW} {quote(sys.executable)} -m schedtui --db {quote(str(db))}; "
               f"echo $? > {quote(str(status))}")
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command)
    tmux("set-option", "-t", name, "remain-on-exit", "on")  # the screen it left behind

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", name)

    def wait_for(*texts: str, timeout: float = 15.0) -> str:
        """The screen once every one of ``texts`` is on it (a screen draws in parts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = screen()
            if all(text in shown for text in texts):
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{texts!r} not all on screen:\n{screen()}")

    def wait_gone(text: str, timeout: float = 15.0) -> str:
        """The screen once ``text`` has left it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = screen()
            if text not in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} still on screen:\n{screen()}")

    def keys(*names: str) -> None:
        for key in names:
            tmux("send-keys", "-t", name, key)
            # a lone Escape followed at once by another key reads as Alt+key
            time.sleep(0.6 if key == "Escape" else 0.15)

    def exit_status(timeout: float = 30.0) -> int | None:
        """The desk's exit status once it has left; None while it runs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            written = status.read_text() if status.exists() else ""
            if written.endswith("\n"):  # the whole line is there
                return int(written)
            time.sleep(0.2)
        return None

    screen.wait_for = wait_for  # type: ignore[attr-defined]
    screen.wait_gone = wait_gone  # type: ignore[attr-defined]
    screen.exit_status = exit_status  # type: ignore[attr-defined]
    screen.keys = keys  # type: ignore[attr-defined]
    screen.db = db  # type: ignore[attr-defined]
    yield screen
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def to_hubs(desk) -> None:
    """The desk opens on the week's agenda; the hubs are one escape away."""
    desk.wait_for("Agenda Mon 03 Mar", "esc Hubs")
    desk.keys("Escape")
    desk.wait_for("Riverside studio", "Platform team", "America/New_York", "n New hub")


def test_desk_in_a_real_terminal(desk):
    desk.wait_for("Agenda Mon 03 Mar – Sun 09 Mar 2025", "Weekly team standup", "Mon 03",
                  "today", "esc Hubs")  # the week, and its footer
    desk.keys("]")
    desk.wait_for("Agenda Mon 10 Mar – Sun 16 Mar 2025")
    desk.keys("t")
    desk.wait_for("Agenda Mon 03 Mar – Sun 09 Mar 2025")
    desk.keys("Escape")
    desk.wait_for("Riverside studio", "Platform team", "America/New_York",
                  "n New hub")  # the footer too
    desk.keys("Enter")
    desk.wait_for("Weekly team standup", "Series of Platform team")
    desk.keys("Down", "Enter")
    desk.wait_for("Every Monday at 10:00", "Mon    Tue    Wed", "○ free")
    desk.keys("?")
    desk.wait_for("Keys: Calendar", "Previous month", "Move")
    desk.keys("Escape")  # a busy desk could read an Escape and the next key as one Alt+key
    desk.wait_gone("Keys: Calendar")
    desk.keys("]")
    desk.wait_for("April 2025")
    desk.keys("t")
    desk.wait_for("March 2025")
    desk.keys("q")
    assert desk.exit_status() == 0
    assert "Mon    Tue" not in desk()  # the terminal is given back as it was
    assert not desk.db.with_name(desk.db.name + "-wal").exists()  # the store was closed


def test_another_process_change_shows_without_restart(desk):
    to_hubs(desk)
    env = {**os.environ, "SCHEDTUI_NOW": NOW}
    subprocess.run([sys.executable, "-m", "schedtui", "--db", str(desk.db), "hub", "add",
                    "Added by a script"], check=True, env=env, capture_output=True)
    desk.wait_for("Added by a script")  # the desk polls every second; a loaded one is late


def test_attendee_list_pages_and_exports_in_a_real_terminal(desk, tmp_path):
    to_hubs(desk)
    desk.keys("Enter")
    desk.wait_for("Weekly team standup")
    desk.keys("Down", "Enter")
    desk.wait_for("Every Monday at 10:00")
    desk.keys("a")  # the series' attendees
    desk.wait_for("rows 1–", "registrations", "a Add")  # rows, counts and footer
    desk.keys("End")
    desk.wait_for("rows 1–")  # a short list: one window, the cursor on its last row
    desk.keys("E")
    desk.wait_for("Export attendees to CSV")
    target = tmp_path / "out.csv"
    desk.keys("C-u")  # clear the suggested name
    desk.keys(str(target), "Enter")
    desk.wait_for("rows written")
    assert target.read_text(encoding="utf-8-sig").startswith("Name,Email")
