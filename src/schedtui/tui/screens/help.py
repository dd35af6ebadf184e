"""Help (``?``): every key of the screen it was opened over."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


def key_rows(screen: Screen) -> list[tuple[str, str, str]]:
    """(keys, description, tooltip) for each binding of ``screen``: its own keys
    first, then the desk's, then those of its widgets (the day cursor).

    Walks the whole binding chain rather than ``active_bindings`` so a key that
    a focused widget shadows (Enter on a table) is still listed."""
    app = screen.app
    groups: list[list[tuple[str, str, str]]] = [[], [], []]
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    for node, bindings in screen._modal_binding_chain:
        if node is screen:
            group = 0
        elif node is app:
            group = 1
        elif type(node).__module__.startswith("schedtui."):
            group = 2
        else:
            continue
        for _key, binding in bindings:
            if binding.system or not binding.description:
                continue
            if app._check_action_state(binding.action, node) is False:
                continue
            shown = binding.key_display or app.get_key_display(binding)
            ident = (binding.action, binding.description)
            if ident in seen:
                g, i = seen[ident]
                keys, description, tip = groups[g][i]
                if shown not in keys.split():
                    groups[g][i] = (f"{keys} {shown}", description, tip)
                continue
            seen[ident] = (group, len(groups[group]))
            groups[group].append((shown, binding.description, binding.tooltip))
    return groups[0] + groups[1] + groups[2]


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
