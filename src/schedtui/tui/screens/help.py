"""Help (``?``): every key of the screen it was opened over."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


def key_rows(screen: Screen) -> list[tuple[str, str, str]]:
    """(keys, description, tooltip) for each active binding of ``screen``."""
    seen: dict[tuple[str, str], list[str]] = {}
    tips: dict[tuple[str, str], str] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        ident = (binding.action, binding.description)
        seen.setdefault(ident, []).append(screen.app.get_key_display(binding)
                                          if binding.key_display is None
                                          else binding.key_display)
        tips[ident] = binding.tooltip
    rows = []
    for (_, description), keys in seen.items():
        shown = " ".join(dict.fromkeys(keys))
        rows.append((shown, description, tips[(_, description)]))
    return rows


class HelpScreen(ModalScreen[None]):
    """Every key binding of the current screen; the footer shows only the main ones."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, over: Screen) -> None:
        super().__init__()
        self.over = over

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Static(Text(f"Keys: {type(self.over).__name__.removesuffix('Screen')}"),
                         classes="form-title")
            table = DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Does", "")
            for keys, description, tip in key_rows(self.over):
                table.add_row(Text(keys, "bold"), Text(description), Text(tip, "dim"))
            yield table
            yield Static("Escape closes. Enter opens, Escape goes back, ctrl+p jumps by name.",
                         classes="field-hint")

    def action_close(self) -> None:
        self.dismiss(None)
