"""The base of every full screen: the store, service calls, reload and back."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from schedtui.store import Store
from schedtui.tui.calls import ServiceCalls


class DeskScreen(ServiceCalls, Screen):
    """A screen that shows data: ``reload`` fetches it in a worker."""

    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the previous screen", id="back"),
    ]

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Fetch what the screen shows (override)."""

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()


def fill_table(table: DataTable, rows: list[tuple[int | str, list]]) -> None:
    """Refill ``table`` keeping the cursor on the same row key where it still exists."""
    current = selected_key(table)
    table.clear()
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
