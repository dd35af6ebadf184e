"""A yes/no question that names what will happen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ScrollBox(VerticalScroll):
    """Text that scrolls: a Tab stop only when there is something to scroll."""

    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses True for yes (y or Enter on Yes), False for no (n or Escape)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", tooltip="Do what the question says",
                id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", tooltip="Leave everything as it is",
                id="confirm.no"),
    ]

    def __init__(self, title: str, message: Text | str, yes: str = "Yes") -> None:
        super().__init__()
        self.title_text = title
        self.message = message if isinstance(message, Text) else Text(message)
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm"):
            yield Static(Text(self.title_text), classes="form-title")
            with ScrollBox(classes="form-body"):  # a long list of names scrolls
                yield Static(self.message, id="confirm-message")
            with Horizontal(classes="form-buttons form-foot"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes", compact=True)
                yield Button("No (n)", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


def check_in_early(screen: Any, start: str, name: str, noun: str, where: str,
                   go: Callable[[], None]) -> None:
    """Run ``go`` (a check-in), first asking when the session ``start`` is more
    than a day ahead, once per screen (``screen.early_ok`` remembers the yes)."""
    from schedtui.tui.format import when

    ahead = datetime.fromisoformat(start) - screen.store.now()
    if screen.early_ok or ahead <= timedelta(days=1):
        go()
        return
    days = ahead.days
    message = Text(f"This {noun} starts {when(start)}, {days} day{'s' if days != 1 else ''} "
                   f"from now. Check {name} in anyway?\n\n")
    message.append(f"(Asked once: later check-ins in this {where} go straight through.)",
                   "dim")

    def answered(yes: bool | None) -> None:
        if yes:
            screen.early_ok = True
            go()

    screen.app.push_screen(ConfirmScreen("Check in before the day", message, "Check in"),
                           answered)
