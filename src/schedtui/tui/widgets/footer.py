"""The desk's footer: the keys that work now, with Quit and Help first.

Textual's footer lists the focused widget's keys, then the screen's, then the
app's, so at 80 columns the app's ``q`` and ``?`` were the first to be cut off.
Here they come first, and what follows is what the screen's ``check_action``
allows for the row under the cursor.

It is also cheaper to keep up to date. Textual's footer mounts its keys anew
whenever a screen's keys change, and each new key flips its ``-compact`` class
on and off as it mounts (two restylings a key, most of what opening a screen
cost). Here each key is made with the footer's ``compact`` already set, and
when only whether keys can be used changed (the cursor moved to a row where
``enter`` means nothing), the keys on screen are greyed or lit in place.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.compose import compose as compose_nodes
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PINNED = ("quit", "help")
"""Actions always shown first, in this order."""


def _identity(key: FooterKey) -> tuple:
    """What a key shows, apart from whether it can be used (and the compact
    style a mounted key takes from its ``compact`` reactive)."""
    return (key.key, key.key_display, key.description, key.action, key.tooltip,
            frozenset(key.classes - {"-disabled", "-compact"}))


class DeskFooter(Footer):
    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        for key in keys:  # a key bound to the footer's compact mounts as it is bound
            if isinstance(key, FooterKey) and "compact" in (key._reactive_connect or {}):
                key.set_reactive(FooterKey.compact, self.compact)

        def rank(widget) -> int:
            action = getattr(widget, "action", None)  # a footer key's action
            return PINNED.index(action) if action in PINNED else len(PINNED)

        yield from sorted(keys, key=rank)  # stable: the rest keep their order

    async def recompose(self) -> None:
        if not self.is_attached or self._pruning:
            return
        shown = list(self.children)
        wanted = compose_nodes(self)
        if (shown and len(shown) == len(wanted)
                and all(isinstance(w, FooterKey) for w in (*shown, *wanted))
                and all(_identity(a) == _identity(b) for a, b in zip(shown, wanted,
                                                                     strict=True))):
            for key, new in zip(shown, wanted, strict=True):
                if key._disabled != new._disabled:
                    key._disabled = new._disabled
                    key.set_class(new._disabled, "-disabled")
            return
        async with self.batch():
            await self.query_children("*").exclude(".-textual-system").remove()
            if self.is_attached:
                await self.mount_all(wanted)
