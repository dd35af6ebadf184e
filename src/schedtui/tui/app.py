"""The desk: a keyboard-driven Textual app over the services.

The app owns the store, the change poll and the app-wide keys; each screen
lives in its own module under ``screens/``. ``run(store)`` is what
``schedtui`` (``cli.commands.run_desk``) calls.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import get_current_worker

from schedtui.services import audit, series
from schedtui.store import Store
from schedtui.tui.calls import ServiceCalls
from schedtui.tui.commands import JumpProvider

POLL_SECONDS = 1.0


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

    def __init__(self, store: Store, *, poll_seconds: float | None = POLL_SECONDS,
                 roll_on_start: bool = True) -> None:
        super().__init__()
        self.store = store
        """The open database every screen reads and writes through the services."""
        self.poll_seconds = poll_seconds
        """How often to look for changes by other processes; None: never (tests)."""
        self.roll_on_start = roll_on_start
        """Plan open-ended series up to their horizon once the desk is on screen."""
        self.change_token = -1
        """The audit token the screens last saw."""
        self.roll_progress: tuple[int, int] | None = None
        """(done, total) series of a running horizon roll; None when none runs."""

    def on_mount(self) -> None:
        from schedtui.tui.screens.hubs import HubsScreen

        self.push_screen(HubsScreen())
        self.load(lambda: audit.last_change(self.store), self._set_token)
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self.poll)
        if self.roll_on_start:
            # after the first paint: the desk is usable while the roll runs
            self.call_after_refresh(self.roll_horizons, announce=False)

    def _set_token(self, token: int) -> None:
        self.change_token = token

    # -- seeing other processes' changes ----------------------------------------
    def poll(self) -> None:
        self._poll_worker()

    @work(thread=True, exclusive=True, exit_on_error=False, group="poll")
    def _poll_worker(self) -> None:
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
        self.change_token = audit.last_change(self.store)

    # -- horizon roll: long work in a thread, with a progress bar -------------------
    def roll_horizons(self, *, announce: bool = True) -> None:
        """Plan open-ended series up to their horizon, one series at a time, in a
        thread; the hubs screen shows the progress. ``announce``: say so even when
        nothing was added (the desk's own roll at start only speaks when it adds)."""
        if self.roll_progress is not None:
            if announce:
                self.notify("A horizon roll is already running.")
            return
        self.roll_progress = (0, 0)
        self._show_roll()
        self._roll_worker(announce)

    @work(thread=True, exclusive=True, exit_on_error=False, group="roll")
    def _roll_worker(self, announce: bool) -> None:
        try:
            ids = [s.id for s in series.list_series(self.store, include_archived=False)]
            self.call_from_thread(self._roll_step, 0, len(ids))
            added = 0
            for done, sid in enumerate(ids, 1):
                added += series.roll_horizons(self.store, series_id=sid).get(sid, 0)
                self.call_from_thread(self._roll_step, done, len(ids))
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
    def action_help(self) -> None:
        from schedtui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_outbox(self) -> None:
        from schedtui.tui.screens.outbox import OutboxScreen

        if not isinstance(self.screen, OutboxScreen):
            self.push_screen(OutboxScreen())


def run(store: Store) -> int:
    """Open the desk on ``store``; returns the exit status."""
    result = DeskApp(store).run()
    return result if isinstance(result, int) else 0
