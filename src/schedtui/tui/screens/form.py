"""The base of the modal forms: fields, inline errors in words, Save and Cancel.

A form parses what was typed (``schedtui.domain.parse``), hands it to one
service call in a worker, and closes with the result. When the service refuses,
the form stays open with everything still typed and the refusal shown in it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from schedtui.domain.errors import DeskError
from schedtui.store import Store
from schedtui.tui.calls import ServiceCalls

T = TypeVar("T")


class FormScreen(ServiceCalls, ModalScreen[T]):
    """Subclasses give ``form_title``, ``fields()`` and ``build()``."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving", id="form.cancel"),
        Binding("ctrl+s", "submit", "Save", tooltip="Save (Enter in a field works too)",
                id="form.save"),
    ]
    AUTO_FOCUS = ".form-body *"
    """The first field takes the focus, whatever its kind (a Select in the switch form)."""
    form_title = "Form"
    wide = False

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="form -wide" if self.wide else "form"):
            yield Static(Text(self.form_title), classes="form-title")
            with Horizontal(classes="form-main"):
                with VerticalScroll(classes="form-body", can_focus=False):  # no blind Tab stop
                    yield from self.fields()
                yield from self.side()
            with Vertical(classes="form-foot"):  # docked: always in sight at 80x24
                yield Static("", id="form-error")
                with Horizontal(classes="form-buttons"):
                    yield Button("Save (ctrl+s)", variant="primary", id="save",
                                 compact=True)
                    yield Button("Cancel (esc)", id="cancel", compact=True)

    def fields(self) -> ComposeResult:
        yield from ()

    def side(self) -> ComposeResult:
        """An optional panel beside the fields (a live preview)."""
        yield from ()

    def build(self) -> Callable[[], Any]:
        """Parse the fields (raising DeskError) and return the service call to run."""
        raise NotImplementedError

    def action_submit(self) -> None:
        self.clear_error()
        try:
            call = self.build()
        except DeskError as exc:
            self.refused(exc)
            return
        self.act(call, self.saved, self.refused)

    def saved(self, result: Any) -> None:
        self.dismiss(result)

    def refused(self, exc: DeskError) -> None:
        """Show the refusal in the form; what was typed stays. It goes as soon as
        a field is changed (it spoke of the values as they were)."""
        box = self.query_one("#form-error", Static)
        box.update(Text(exc.message))
        box.add_class("-shown")
        self.refused_values = self.field_values()

    def clear_error(self) -> None:
        box = self.query_one("#form-error", Static)
        box.update("")
        box.remove_class("-shown")
        self.refused_values = None

    refused_values: dict[str, Any] | None = None
    """The fields' values when the shown refusal was made (None: none shown)."""

    def field_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for widget in self.query(".form-body Input, .form-body Select, .form-body Checkbox"):
            values[widget.id or str(id(widget))] = widget.value  # type: ignore[attr-defined]
        for pick in self.query(".form-body SelectionList"):
            values[pick.id or str(id(pick))] = tuple(pick.selected)  # type: ignore
        return values

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(SelectionList.SelectedChanged)
    def _field_changed(self) -> None:
        """A field fixed (or changed): the old refusal no longer applies."""
        if self.refused_values is not None and self.field_values() != self.refused_values:
            self.clear_error()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value


def row_field(label: str, widget: Any, hint: str = "") -> ComposeResult:
    """A field on one line, label beside it (long forms at 80x24); the hint is
    the widget's tooltip and shows in the form's hint line while it has focus."""
    if hint:
        widget.tooltip = hint
    with Horizontal(classes="field-row"):
        yield Label(label, classes="row-label")
        yield widget


def field(label: str, widget: Any, hint: str = "") -> ComposeResult:
    """A labelled field, with an optional hint under it."""
    yield Label(label, classes="field-label")
    yield widget
    if hint:
        yield Static(Text(hint), classes="field-hint")
