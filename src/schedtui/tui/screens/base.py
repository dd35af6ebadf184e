"""The base of every full screen: the store, service calls, reload and back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from schedtui.tui.calls import Done, Fail, ServiceCalls

if TYPE_CHECKING:
    from schedtui.store import Store

MAX_COLUMN = 48
"""The widest a column grows; longer text ends in an ellipsis."""


class DeskScreen(ServiceCalls, Screen):
    """A screen that shows data: ``reload`` fetches it in a worker."""

    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the previous screen", id="back"),
    ]

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    @property
    def store_open(self) -> bool:
        """False while the desk is still opening its database (the app reloads
        every screen once it is open)."""
        return self.app.store is not None  # type: ignore[attr-defined]

    shown_token: int | None = None
    """The app's change token when this screen last loaded what it shows."""

    def on_mount(self) -> None:
        if self.store_open:
            self.reload()

    def reload(self) -> None:
        """Fetch what the screen shows (override)."""

    def load(self, fn: Callable[[], Any], done: Done = None, fail: Fail = None, *,
             group: str = "load") -> None:
        self.shown_token = self.app.change_token  # type: ignore[attr-defined]
        super().load(fn, done, fail, group=group)

    def on_screen_resume(self) -> None:
        """Back on top: what changed meanwhile (a write on a screen above, or
        another process) is shown. Checked once the resume is handled, so a
        screen that reloads itself on the way back (after a form) reloads once."""
        self.call_later(self._reload_if_changed)

    def _reload_if_changed(self) -> None:
        token = self.app.change_token  # type: ignore[attr-defined]
        if self.store_open and self.shown_token is not None and token != self.shown_token:
            self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """What the footer offers: ``escape`` only where it goes somewhere.
        Screens add the actions that depend on the row under the cursor (False:
        not offered here, None: shown but not possible now)."""
        if action == "back":
            return self.can_go_back()
        return True

    def can_go_back(self) -> bool:
        return len(self.app.screen_stack) > 2

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()


def fill_table(table: DataTable, rows: list[tuple[int | str, list]],
               max_width: int = MAX_COLUMN, labels: list[str] | None = None) -> None:
    """Refill ``table`` keeping the cursor on the same row key where it still exists;
    ``labels`` gives new columns (otherwise the table's stay).

    Column widths are computed here from the cells and set explicitly, which
    keeps the layout stable (and snapshot tests deterministic) whatever the
    timing of the table's own measuring."""
    if labels is None:
        labels = [column.label.plain for column in table.ordered_columns]
    widths = [cell_len(label) for label in labels]
    for _, cells in rows:
        for index, cell in enumerate(cells):
            size = cell_len(cell.plain if isinstance(cell, Text) else str(cell))
            widths[index] = max(widths[index], min(size, max_width))
    current = selected_key(table)
    table.clear(columns=True)
    for label, width in zip(labels, widths, strict=True):
        table.add_column(label, width=width)
    for key, cells in rows:
        table.add_row(*cells, key=str(key))
    if current is not None:
        try:
            table.move_cursor(row=table.get_row_index(current), animate=False)
        except Exception:  # noqa: BLE001 - the row is gone; keep the cursor where it is
            pass


def selected_key(table: DataTable) -> str | None:
    """The key of the row under the cursor, or None for an empty table."""
    if not table.row_count:
        return None
    try:
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    except Exception:  # noqa: BLE001 - cursor out of range after a clear
        return None
