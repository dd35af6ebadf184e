"""The desk: a keyboard-driven Textual app over the services.

The app owns the store, the change poll and the app-wide keys; each screen
lives in its own module under ``screens/``. ``run(opener)`` is what
``schedtui`` (``cli.commands.run_desk``) calls.

The first screen does not wait for the database: the app paints the agenda of
the week (the hubs screen is one ``escape`` away), saying it is opening the
database, then opens the store in a thread and loads the week; only after its
rows are on screen does the horizon roll start. ``DeskApp(start="hubs")``
opens on the hubs screen alone, as the desk did before it had an agenda.
Importing this module therefore imports neither SQLAlchemy nor SQLModel
(the services are imported inside workers and methods); a test checks that.
"""

from __future__ import annotations

import gc
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import get_current_worker

from schedtui.tui.calls import ServiceCalls
from schedtui.tui.commands import JumpProvider

if TYPE_CHECKING:
    from schedtui.store import Store

POLL_SECONDS = 1.0
START_SCREENS = ("agenda", "hubs")
"""What the desk can open on (``DeskApp(start=...)``)."""
FIRST_PAINT_FILE = "SCHEDTUI_FIRST_PAINT_FILE"
"""Environment variable naming a file the desk appends its start marks to, one
JSON object a line: ``first_paint``, ``store_open`` and ``rows_shown``, each a
``time.monotonic()`` value (the benchmark reads them)."""


class DeskApp(ServiceCalls, App[int]):
    """Hubs, series, occurrence calendars and attendee lists, by keyboard."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "schedtui"
    COMMANDS = App.COMMANDS | {JumpProvider}
    BINDINGS = [
        Binding("q", "quit", "Quit", tooltip="Leave the desk", id="quit"),
        Binding("question_mark", "help", "Help", key_display="?",
                tooltip="Every key of this screen", id="help"),
        Binding("ctrl+p", "command_palette", "Jump", show=False, tooltip="Jump to a hub, series or "
                "attendee by name", id="palette"),
        Binding("o", "outbox", "Outbox", show=False, tooltip="Notices waiting to go out",
                id="outbox"),
    ]

    def get_line_filters(self):
        """Textual's filters, then TERMINAL_SAFE: no stored text reaches the
        terminal as a control sequence, whichever widget shows it."""
        from schedtui.tui.format import TERMINAL_SAFE

        return [*super().get_line_filters(), TERMINAL_SAFE]

    def __init__(self, store: Store | Callable[[], Store], *,
                 poll_seconds: float | None = POLL_SECONDS, roll_on_start: bool = True,
                 start: str = "agenda") -> None:
        super().__init__()
        if start not in START_SCREENS:
            raise ValueError(f"start must be one of {', '.join(START_SCREENS)}")
        self.start = start
        """The first screen: the week's agenda (over the hubs) or the hubs."""
        opener = store if callable(store) and not hasattr(store, "engine") else None
        self.store: Store | None = None if opener else store  # type: ignore[assignment]
        """The open database every screen reads and writes through the services;
        None until the opener has run (the first screen is up by then)."""
        self.opener: Callable[[], Store] | None = opener  # type: ignore[assignment]
        """Opens the store in a worker after the first paint (None: given open)."""
        self.open_error: BaseException | None = None
        """Why the store could not be opened; ``run`` raises it once the desk is gone."""
        self.poll_seconds = poll_seconds
        """How often to look for changes by other processes; None: never (tests)."""
        self.roll_on_start = roll_on_start
        """Plan open-ended series up to their horizon once the desk is on screen."""
        self.change_token = -1
        """The audit token the screens last saw."""
        self.roll_progress: tuple[int, int] | None = None
        """(done, total) series of a running horizon roll; None when none runs."""
        self.hubs_shown = False
        """The first screen's rows have been on screen once (the start roll waits
        for that)."""
        self.mark_file = os.environ.get(FIRST_PAINT_FILE) or None
        """Where the start marks go (see FIRST_PAINT_FILE); None: nowhere."""
        self.crash: BaseException | None = None
        """The unhandled exception that ended the desk; ``run`` raises it once the
        desk has left the terminal (the command line logs it and exits 1)."""

    # -- a crash: logged by the command line, never a traceback on the screen -------
    def _handle_exception(self, error: Exception) -> None:
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Leave at once, without Textual's traceback (with the locals of every
        frame) on the terminal: ``run`` raises the crash and the command line
        writes it to the crash log and says where."""
        self.bell()
        self._close_messages_no_wait()

    def on_mount(self) -> None:
        from schedtui.tui.screens.hubs import HubsScreen

        if self.start == "agenda":  # one screen to draw first; the hubs come on escape
            self.push_screen(self.agenda())
        else:
            self.push_screen(HubsScreen())
        self.call_after_refresh(self.mark, "first_paint")
        if self.store is None:
            self._open_worker()
        else:
            self._store_ready()

    def agenda(self):
        """The desk's agenda: one screen kept while the desk runs, so ``A`` on the
        hubs brings it back where it was left (its week, hub and selection) and
        only reads the week again, instead of composing a new screen each time."""
        from schedtui.tui.screens.agenda import AgendaScreen

        if not self.is_screen_installed("agenda"):
            self.install_screen(AgendaScreen(), "agenda")
        return self.get_screen("agenda", AgendaScreen)

    # -- opening the store after the first paint ------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="open")
    def _open_worker(self) -> None:
        assert self.opener is not None
        try:
            store = self.opener()
        except Exception as exc:  # noqa: BLE001 - raised again by run(), after the desk
            self.call_from_thread(self._open_failed, exc)
            return
        self.call_from_thread(self._store_opened, store)

    def _store_opened(self, store: Store) -> None:
        self.store = store
        self.mark("store_open")
        self._store_ready()
        from schedtui.tui.screens.base import DeskScreen

        for screen in self.screen_stack:  # screens opened meanwhile (the outbox, say)
            if isinstance(screen, DeskScreen):
                screen.reload()

    def _open_failed(self, exc: BaseException) -> None:
        """The desk cannot work without its database: leave with status 1; ``run``
        raises the error for the command line to print (no traceback)."""
        self.open_error = exc
        self.exit(1, return_code=1)

    def _store_ready(self) -> None:
        from schedtui.services import audit

        collect_again()

        self.load(lambda: audit.last_change(self.store), self._set_token, group="token")
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self.poll)

    def _set_token(self, token: int) -> None:
        self.change_token = token

    def first_rows_shown(self, screen: object) -> None:
        """A screen has put its loaded rows in: the first time that is the screen
        on top, once they are drawn, note the mark and start the horizon roll
        (so it never delays them)."""
        if self.hubs_shown or screen is not self.screen:
            return
        self.hubs_shown = True
        self.call_after_refresh(self._after_hub_rows)

    def _after_hub_rows(self) -> None:
        self.mark("rows_shown")
        if self.roll_on_start:
            self.roll_horizons(announce=False)

    def mark(self, name: str) -> None:
        """Append a start mark to the file named by SCHEDTUI_FIRST_PAINT_FILE."""
        if self.mark_file is None:
            return
        try:
            with open(self.mark_file, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({name: time.monotonic()}) + "\n")
        except OSError:
            self.mark_file = None  # a benchmark aid: never in the user's way

    # -- seeing other processes' changes ----------------------------------------
    def poll(self) -> None:
        self._poll_worker()

    @work(thread=True, exclusive=True, exit_on_error=False, group="poll")
    def _poll_worker(self) -> None:
        from schedtui.services import audit

        token = audit.last_change(self.store)
        if token != self.change_token and not get_current_worker().is_cancelled:
            self.call_from_thread(self.data_changed, token)

    def data_changed(self, token: int) -> None:
        """Another process (or a write here) moved the token: reload what is shown."""
        self.change_token = token
        from schedtui.tui.screens.base import DeskScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, DeskScreen):
                screen.reload()
                break

    def note_own_write(self) -> None:
        """Called in the worker thread after a write: the screen reloads by itself,
        so the poll need not reload again."""
        from schedtui.services import audit

        self.change_token = audit.last_change(self.store)

    # -- horizon roll: long work in a thread, with a progress bar -------------------
    def roll_horizons(self, *, announce: bool = True) -> None:
        """Plan open-ended series up to their horizon, one series at a time, in a
        thread; the hubs screen shows the progress. ``announce``: say so even when
        nothing was added (the desk's own roll at start only speaks when it adds)."""
        if self.store is None:
            if announce:
                self.notify("The database is still opening.")
            return
        if self.roll_progress is not None:
            if announce:
                self.notify("A horizon roll is already running.")
            return
        self.roll_progress = (0, 0)
        self._show_roll()
        self._roll_worker(announce)

    @work(thread=True, exclusive=True, exit_on_error=False, group="roll")
    def _roll_worker(self, announce: bool) -> None:
        from schedtui.services import audit, series

        def progress(done: int, total: int) -> None:
            self.call_from_thread(self._roll_step, done, total)

        try:
            added = sum(series.roll_horizons(self.store, progress=progress).values())
            token = audit.last_change(self.store)
        finally:
            self.call_from_thread(self._roll_step, None, 0)
        self.call_from_thread(self._rolled, added, announce, token)

    def _roll_step(self, done: int | None, total: int) -> None:
        self.roll_progress = None if done is None else (done, total)
        self._show_roll()

    def _show_roll(self) -> None:
        from schedtui.tui.screens.hubs import HubsScreen

        for screen in self.screen_stack:
            if isinstance(screen, HubsScreen):
                screen.show_roll(self.roll_progress)

    def _rolled(self, added: int, announce: bool, token: int) -> None:
        if added or announce:
            self.notify(f"Horizon roll done: {added} occurrence{'s' if added != 1 else ''} "
                        "added.")
        if added:
            self.data_changed(token)

    # -- app-wide actions ---------------------------------------------------------
    def get_system_commands(self, screen):
        """ctrl+p: the current screen's actions first, then Textual's own."""
        from schedtui.tui.commands import screen_commands

        yield from screen_commands(self, screen)
        yield from super().get_system_commands(screen)

    def action_help(self) -> None:
        from schedtui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_outbox(self) -> None:
        from schedtui.tui.screens.outbox import OutboxScreen

        if not isinstance(self.screen, OutboxScreen):
            self.push_screen(OutboxScreen())


def collect_again() -> None:
    """Turn the garbage collector back on, with everything made so far frozen.

    ``run`` starts the desk with the collector off. Its start makes some
    80,000 long-lived objects the collector tracks (Textual, SQLAlchemy,
    SQLModel, the desk's modules), and the full collections it would trigger
    (measured: 25 ms before the first screen, 60 ms before the hub rows) walk
    them all and free next to nothing.
    Frozen, they are never walked again, so later full collections, which can
    fall on any key press, stay short. Does nothing if the collector is on
    (a desk started without ``run``, as in the tests)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def run(store: Store | Callable[[], Store]) -> int:
    """Open the desk on ``store`` (or on what the callable opens, once the first
    screen is up); returns the exit status. An error opening the store is raised
    here, after the desk has left the terminal, for the command line to print;
    so is an unexpected error that ended the desk (the command line writes it to
    the crash log, says where, and exits with status 1)."""
    app = DeskApp(store)
    gc.disable()  # until the store is open: see collect_again
    try:
        result = app.run()
    finally:
        gc.enable()
        if app.opener is not None and app.store is not None:
            # The desk opened it, so the desk closes it: the last connection to
            # close takes the WAL files with it (objects frozen by collect_again
            # are never collected, so this cannot be left to the collector).
            app.store.dispose()
    if app.open_error is not None:
        raise app.open_error
    if app.crash is not None:
        raise app.crash
    if isinstance(result, int):
        return result
    return app.return_code or 0
