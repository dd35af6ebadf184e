"""Forms of the attendee list: register someone, switch a seat."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from schedtui.domain import parse
from schedtui.domain.errors import invalid
from schedtui.domain.zones import zone
from schedtui.services import occurrences, registrations, series, tickets
from schedtui.services.registrations import RegistrationView
from schedtui.services.views import OccurrenceView
from schedtui.tui.format import seats, when
from schedtui.tui.screens.form import FormScreen, field


def upcoming(store, series_id: int) -> tuple:
    """The series and its occurrences from today on (for the pickers)."""
    view = series.get_series(store, series_id)
    today = store.now().astimezone(zone(view.timezone)).date()
    return view, [o for o in occurrences.list_occurrences(store, series_id, start=today)
                  if o.status == "scheduled"]


def occurrence_label(occ: OccurrenceView) -> str:
    return f"{when(occ.start)}  {seats(occ)}" + (f" +{occ.waitlisted}w" if occ.waitlisted else "")


class RegisterForm(FormScreen[RegistrationView]):
    """Name, email, seats; occurrences to pick where the series' option allows."""

    form_title = "Register someone"

    def __init__(self, series_id: int, occurrence_id: int | None = None) -> None:
        super().__init__()
        self.series_id = series_id
        self.occurrence_id = occurrence_id
        self.option = "all_sessions"

    def fields(self) -> ComposeResult:
        yield from field("Name", Input(id="name"))
        yield from field("Email", Input(id="email"))
        yield Label("Phone", id="phone-label", classes="field-label -hidden")
        yield Input(id="phone", placeholder="+49 30 901820, or a number in the hub's region",
                    classes="-hidden")
        yield from field("Seats", Input("1", id="seats"))
        yield Select([], prompt="Ticket", id="ticket", classes="-hidden")
        yield Static("", id="option-hint", classes="field-hint")
        yield SelectionList[int](id="pick", classes="-hidden")

    def on_mount(self) -> None:
        self.load(lambda: upcoming(self.store, self.series_id), self._options)
        self.load(lambda: tickets.list_tickets(self.store, self.series_id,
                                               include_archived=False), self._tickets,
                  group="tickets")

    def _tickets(self, sold: list) -> None:
        """A series that sells tickets: the ticket is picked here (the first by default)."""
        if not sold:
            return
        pick = self.query_one("#ticket", Select)
        pick.set_options([(f"{t.name}  {t.price} {t.currency}" + (
            "" if t.available is None else f"  ({t.available} left)"), t.id) for t in sold])
        pick.value = sold[0].id
        pick.remove_class("-hidden")

    def _options(self, data: tuple) -> None:
        view, occs = data
        self.option = view.registration_option
        if view.contact == "email_and_phone":  # the series asks for a phone
            for ident in ("#phone-label", "#phone"):
                self.query_one(ident).remove_class("-hidden")
        elif view.contact == "none":
            self.query_one("#email", Input).placeholder = "optional: a walk-in needs a name only"
        hint = self.query_one("#option-hint", Static)
        if self.option == "all_sessions":
            hint.update("This series books every session.")
            return
        hint.update("Pick the session" + (" (one)." if self.option == "single_session"
                                          else "s (space toggles)."))
        pick = self.query_one("#pick", SelectionList)
        pick.add_options([Selection(occurrence_label(o), o.id, o.id == self.occurrence_id)
                          for o in occs[:200]])
        pick.remove_class("-hidden")

    def build(self) -> Callable[[], RegistrationView]:
        name, email, phone = self.value("name"), self.value("email"), self.value("phone")
        count = parse.parse_positive(self.value("seats"), "Seats", 1, 1_000_000)
        chosen = None
        if self.option != "all_sessions":
            chosen = list(self.query_one("#pick", SelectionList).selected)
            if not chosen and self.occurrence_id:
                chosen = [self.occurrence_id]
        ticket = self.query_one("#ticket", Select).value
        ticket_id = ticket if isinstance(ticket, int) else None  # no ticket on offer
        return lambda: registrations.register(self.store, self.series_id, email=email,
                                              name=name, occurrence_ids=chosen, seats=count,
                                              phone=phone, ticket_id=ticket_id)


class SwitchForm(FormScreen[RegistrationView]):
    """Move one seat of a registration to another occurrence of the series."""

    form_title = "Switch occurrence"

    def __init__(self, reg: RegistrationView, occurrence_id: int | None) -> None:
        super().__init__()
        self.reg = reg
        self.occurrence_id = occurrence_id
        self.moved = ("", "")
        """The dates and times left and moved to, once saved (for the message)."""
        self.labels: dict[int, str] = {s.id: when(s.start) for s in reg.occurrences}

    def fields(self) -> ComposeResult:
        yield Static(Text(f"{self.reg.name} <{self.reg.email}>"))
        held = [s for s in self.reg.occurrences if s.status != "cancelled"]
        start = self.occurrence_id if any(s.id == self.occurrence_id for s in held) else \
            (held[0].id if held else Select.NULL)
        yield from field("From", Select([(f"{when(s.start)} ({s.status})", s.id) for s in held],
                                        value=start, id="from"))
        yield from field("To", Select([], id="to"))

    def on_mount(self) -> None:
        self.load(lambda: upcoming(self.store, self.reg.series_id), self._options)

    def _options(self, data: tuple) -> None:
        held = {s.id for s in self.reg.occurrences if s.status != "cancelled"}
        self.labels.update({o.id: when(o.start) for o in data[1]})
        self.query_one("#to", Select).set_options(
            [(occurrence_label(o), o.id) for o in data[1] if o.id not in held])

    def build(self) -> Callable[[], RegistrationView]:
        source = self.query_one("#from", Select).value
        target = self.query_one("#to", Select).value
        if source is Select.NULL or target is Select.NULL:
            raise invalid("Pick the occurrence to leave and the one to move to.")
        self.moved = (self.labels.get(source, "?"), self.labels.get(target, "?"))
        return lambda: registrations.switch(self.store, self.reg.id, source, target)
