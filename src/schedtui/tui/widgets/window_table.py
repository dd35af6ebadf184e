"""A DataTable that shows one window of a long list the service pages through.

The table itself holds only the rows of the window; it tells its screen when
the cursor wants to go past either end of the whole list (``home``/``g``,
``end``/``G``) so the screen can load the first or the last window. Reaching
the edge of the window with the arrows is seen by the screen through
``RowHighlighted``."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable


class WindowTable(DataTable):
    """``home``/``g`` and ``end``/``G`` ask for the first and the last row of the list."""

    BINDINGS = [
        Binding("home,g", "edge('first')", "First row", show=False,
                tooltip="The first row of the whole list", id="window.first"),
        Binding("end,G", "edge('last')", "Last row", show=False,
                tooltip="The last row of the whole list", id="window.last"),
    ]

    @dataclass
    class Edge(Message):
        """The cursor should go to the ``first`` or ``last`` row of the whole list."""

        table: WindowTable
        which: str

    def action_edge(self, which: str) -> None:
        self.post_message(self.Edge(self, which))
