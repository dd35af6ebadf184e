"""The desk's footer: the keys that work now, with Quit and Help first.

Textual's footer lists the focused widget's keys, then the screen's, then the
app's, so at 80 columns the app's ``q`` and ``?`` were the first to be cut off.
Here they come first, and what follows is what the screen's ``check_action``
allows for the row under the cursor."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

PINNED = ("quit", "help")
"""Actions always shown first, in this order."""


class DeskFooter(Footer):
    def compose(self) -> ComposeResult:
        keys = list(super().compose())

        def rank(widget) -> int:
            action = getattr(widget, "action", None)  # a footer key's action
            return PINNED.index(action) if action in PINNED else len(PINNED)

        yield from sorted(keys, key=rank)  # stable: the rest keep their order
