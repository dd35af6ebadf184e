"""Help (``?``): every key of the screen it was opened over."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

OURS = "schedtui."
"""Classes from this package declare the desk's keys; the rest are Textual's."""


def declared(cls: type) -> list[tuple[type, Binding]]:
    """The bindings ``cls`` and its bases declare in their public ``BINDINGS``,
    the class's own first, each with the class that declares it."""
    found = []
    for klass in cls.__mro__:
        if "BINDINGS" in klass.__dict__:
            found += [(klass, b) for b in Binding.make_bindings(klass.__dict__["BINDINGS"])]
    return found


def key_rows(screen: Screen) -> list[tuple[str, str, str, str]]:
    """(section, keys, description, tooltip) for every key of ``screen``: its own
    first, then those of the desk's widgets on it (the day cursor, the list's
    jumps), then the desk's app-wide keys, and last Textual's own keys.

    Reads the declared ``BINDINGS`` (public) rather than ``active_bindings``, so
    a key that a focused widget shadows (Enter on a table) is still listed; the
    key names come from ``App.get_key_display``."""
    app = screen.app
    widgets: list[type] = []
    for widget in screen.query("*"):
        if type(widget).__module__.startswith(OURS) and type(widget) not in widgets:
            widgets.append(type(widget))
    sources = [("This screen", declared(type(screen)), True)]
    sources += [("On this screen", declared(kind), True) for kind in widgets]
    sources += [("Everywhere", declared(type(app)), True),
                ("Textual", declared(type(screen)) + declared(type(app)), False)]
    rows: list[list[str]] = []
    seen: dict[tuple[str, str], int] = {}
    for section, bindings, ours in sources:
        for klass, binding in bindings:
            if klass.__module__.startswith(OURS) != ours:
                continue
            if binding.system or not binding.description:
                continue
            shown = binding.key_display or app.get_key_display(binding)
            ident = (binding.action, binding.description)
            if ident in seen:
                row = rows[seen[ident]]
                if shown not in row[1].split():
                    row[1] = f"{row[1]} {shown}"
                continue
            seen[ident] = len(rows)
            rows.append([section, shown, binding.description, binding.tooltip])
    return [(section, keys, what, tip) for section, keys, what, tip in rows]


class HelpScreen(ModalScreen[None]):
    """Every key binding of the current screen; the footer shows only the main ones."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close",
                        tooltip="Close the help", id="help.close")]

    def __init__(self, over: Screen) -> None:
        super().__init__()
        self.over = over

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Static(Text(f"Keys: {type(self.over).__name__.removesuffix('Screen')}"),
                         classes="form-title")
            table = DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Does", "")
            section = ""
            for where, keys, description, tip in key_rows(self.over):
                if where != section:
                    section = where
                    table.add_row(Text(where, "bold underline"), "", "")
                table.add_row(Text(keys, "bold"), Text(description), Text(tip, "dim"))
            yield table
            yield Static("Escape closes. Enter opens, Escape goes back, ctrl+p jumps by name.",
                         classes="field-hint")

    def action_close(self) -> None:
        self.dismiss(None)
