"""Running service calls off the UI thread.

Every database call goes through :class:`ServiceCalls`: the call runs in a
thread worker, a ``DeskError`` becomes a notification (or an inline message in
a form), the result comes back on the UI thread, and a worker that fails in an
unexpected way is reported by :meth:`on_worker_state_changed` instead of
crashing the desk.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual import work
from textual.worker import Worker, WorkerState, get_current_worker

from schedtui.domain.errors import DeskError

Done = Callable[[Any], None] | None
Fail = Callable[[DeskError], None] | None


class ServiceCalls:
    """Mixin for screens: ``load`` (latest wins) and ``act`` (every write reports)."""

    def load(self, fn: Callable[[], Any], done: Done = None, fail: Fail = None, *,
             group: str = "load") -> None:
        """Read: a newer load of the same ``group`` cancels the result of an older one
        (a screen that shows two independent things gives each its own group)."""
        self.run_worker(partial(self._call, fn, done, fail, write=False),  # type: ignore
                        thread=True, exclusive=True, exit_on_error=False, group=group)

    def act(self, fn: Callable[[], Any], done: Done = None, fail: Fail = None) -> None:
        """Write: runs to the end; the change token is taken right after it."""
        self._act_worker(fn, done, fail)

    @work(thread=True, exit_on_error=False, group="write")
    def _act_worker(self, fn: Callable[[], Any], done: Done, fail: Fail) -> None:
        self._call(fn, done, fail, write=True)

    def _call(self, fn: Callable[[], Any], done: Done, fail: Fail, *, write: bool) -> None:
        worker = get_current_worker()
        app = self.app  # type: ignore[attr-defined]
        try:
            result = fn()
            if write:
                app.note_own_write()
        except DeskError as exc:
            if not worker.is_cancelled:
                app.call_from_thread(self._deliver, worker, fail or self.show_error, exc)
            return
        if not worker.is_cancelled and done is not None:
            app.call_from_thread(self._deliver, worker, done, result)

    @staticmethod
    def _deliver(worker: Worker, callback: Callable[[Any], Any], value: Any) -> None:
        """On the UI thread: a load replaced after its worker finished (a newer
        one started meanwhile) delivers nothing, so an older result never lands
        after a newer one. A write's worker is never replaced."""
        if not worker.is_cancelled:
            callback(value)

    def show_error(self, exc: DeskError) -> None:
        self.app.notify(exc.message, title="Refused", severity="error",  # type: ignore
                        markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Anything unexpected in a worker becomes a notification, never a crash."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.app.notify(f"Something went wrong: {type(error).__name__}: {error}",  # type: ignore
                            title="Error", severity="error", markup=False, timeout=10)
