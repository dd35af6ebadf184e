"""A screen built around one DataTable with filter-by-typing (``/``)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.binding import Binding
from textual.widgets import DataTable, Input

from schedtui.tui.screens.base import DeskScreen, fill_table, selected_key

FILTER_HINT = "Filter: type to narrow the list, Enter to keep, Escape to clear"


class ListScreen(DeskScreen):
    """Subclasses set ``items`` and implement ``row`` and ``match_text``."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/", tooltip="Filter by typing",
                id="filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Any] = []
        """Everything loaded; the table shows those matching the filter."""
        self.filter_text = ""

    @property
    def table(self) -> DataTable:
        return self.query_one("#list", DataTable)

    def filter_input(self) -> Input:
        return Input(placeholder=FILTER_HINT, id="filter", classes="-hidden")

    def row(self, item: Any) -> tuple[int | str, list]:
        raise NotImplementedError

    def match_text(self, item: Any) -> str:
        raise NotImplementedError

    def show_items(self, items: list[Any]) -> None:
        self.items = items
        self.show_rows()

    def show_rows(self) -> None:
        needle = self.filter_text.casefold()
        shown = [i for i in self.items if needle in self.match_text(i).casefold()]
        fill_table(self.table, [self.row(i) for i in shown])
        self.after_rows(len(shown))
        self.refresh_bindings()  # the row under the cursor may be another now

    def after_rows(self, shown: int) -> None:
        """Hook: update a count or a hint once the rows are in."""

    def current_key(self) -> int | None:
        key = selected_key(self.table)
        return int(key) if key is not None and key.lstrip("-").isdigit() else None

    def current_item(self) -> Any:
        key = selected_key(self.table)
        for item in self.items:
            if str(self.row(item)[0]) == key:
                return item
        return None

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-hidden")
        box.focus()
        self.refresh_bindings()

    def can_go_back(self) -> bool:
        """Escape also closes the filter (on the hubs screen, that is all it does)."""
        box = self.query_one("#filter", Input)
        return box.display and not box.has_class("-hidden") or bool(self.filter_text) or \
            super().can_go_back()

    @on(DataTable.RowHighlighted, "#list")
    def _row_changed(self) -> None:
        """The footer follows the row under the cursor (see ``check_action``)."""
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_changed(event.value)

    def filter_changed(self, text: str) -> None:
        """The filter text changed: narrow the loaded items (override to ask the service)."""
        self.filter_text = text
        self.show_rows()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.filter_submitted()

    def filter_submitted(self) -> None:
        """Enter in the filter: keep it and go to the list (override)."""
        self.table.focus()

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_focus or self.filter_text:
            box.value = ""
            box.add_class("-hidden")
            self.table.focus()
            self.refresh_bindings()
            return
        super().action_back()
