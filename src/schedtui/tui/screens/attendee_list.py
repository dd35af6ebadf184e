"""The attendee list of an occurrence (or of a whole series): name, email,
seats, status, attended; register, cancel, approve, decline, switch, check in."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from schedtui.services import registrations
from schedtui.services.registrations import RegistrationView
from schedtui.tui.format import plain
from schedtui.tui.screens.listing import ListScreen

STATUS_STYLE = {"confirmed": "green", "waitlisted": "magenta", "partial": "yellow",
                "pending": "cyan", "cancelled": "bright_black", "declined": "bright_black"}


class AttendeesScreen(ListScreen):
    """One row per registration; in an occurrence's list, its seat in that occurrence."""

    BINDINGS = [
        Binding("a", "add", "Add", tooltip="Register someone", id="att.add"),
        Binding("x", "cancel", "Cancel", tooltip="Cancel the registration (asks first)",
                id="att.cancel"),
        Binding("space", "check_in", "Check in", tooltip="Check in (again: undo)",
                id="att.check_in"),
        Binding("p", "approve", "Approve", id="att.approve"),
        Binding("d", "decline", "Decline", id="att.decline"),
        Binding("s", "switch", "Switch", tooltip="Move the seat to another occurrence",
                id="att.switch"),
        Binding("E", "export", "Export CSV", id="att.export"),
    ]

    def __init__(self, *, series_id: int, occurrence_id: int | None = None, title: str = "",
                 filter_text: str = "") -> None:
        super().__init__()
        self.series_id = series_id
        self.occurrence_id = occurrence_id
        self.title_text = title
        self.filter_text = filter_text

    def compose(self) -> ComposeResult:
        yield Header()
        label = "Attendees of " + ("this occurrence: " if self.occurrence_id else "the series: ")
        yield Static(Text(label + self.title_text), classes="screen-title", id="title")
        table = DataTable(id="list", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Email", "Seats", "Status", "Attended")
        yield table
        yield Static("", id="counts")
        box = self.filter_input()
        if self.filter_text:
            box.value = self.filter_text
            box.remove_class("-hidden")
        yield box
        yield Footer()

    def on_mount(self) -> None:
        self.table.focus()
        self.reload()

    def reload(self) -> None:
        self.load(lambda: registrations.list_registrations(
            self.store, series_id=None if self.occurrence_id else self.series_id,
            occurrence_id=self.occurrence_id), self.show_items)

    def seat(self, reg: RegistrationView):
        return next((s for s in reg.occurrences if s.id == self.occurrence_id), None)

    def row(self, reg: RegistrationView) -> tuple[int, list]:
        if self.occurrence_id:
            seat = self.seat(reg)
            status = seat.status if seat and reg.status not in ("pending", "declined",
                                                                "cancelled") else reg.status
            attended = "✓" if seat and seat.attended else ""
        else:
            status = reg.status
            done = sum(1 for s in reg.occurrences if s.attended)
            attended = f"{done}/{len(reg.occurrences)}" if done else ""
        return reg.id, [plain(reg.name), plain(reg.email), str(reg.seats),
                        Text(status, STATUS_STYLE.get(status, "")), attended]

    def match_text(self, reg: RegistrationView) -> str:
        return f"{reg.name} {reg.email} {reg.status}"

    def after_rows(self, shown: int) -> None:
        counts = Counter(str(self.row(r)[1][3]) for r in self.items)
        seats = Counter()
        for reg in self.items:
            seats[str(self.row(reg)[1][3])] += reg.seats
        checked = sum(1 for r in self.items if self.row(r)[1][4])
        parts = [f"{len(self.items)} registrations"] + [
            f"{seats[k]} {k}" for k in ("confirmed", "waitlisted", "partial", "pending")
            if counts[k]] + [f"{checked} checked in"]
        if shown != len(self.items):
            parts.append(f"showing {shown}")
        self.query_one("#counts", Static).update(" · ".join(parts))

    # -- actions -------------------------------------------------------------------
    def _need(self) -> RegistrationView | None:
        reg = self.current_item()
        if reg is None:
            self.notify("No registration selected.", severity="warning")
        return reg

    def done(self, message: str) -> None:
        self.notify(message, markup=False)
        self.reload()

    def action_add(self) -> None:
        from schedtui.tui.screens.register_forms import RegisterForm

        self.app.push_screen(RegisterForm(self.series_id, self.occurrence_id),
                             lambda r: r and self.done(f"{r.name} registered: {r.status}."))

    def action_cancel(self) -> None:
        reg = self._need()
        if reg is None:
            return
        from schedtui.tui.screens.confirm import ConfirmScreen

        message = Text("Cancel the registration of ")
        message.append(reg.name, "bold")
        message.append(f" ({reg.seats} seat{'s' if reg.seats != 1 else ''})? They are told; "
                       "a waiting person may get the seat.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(lambda: registrations.cancel_registration(self.store, reg.id),
                         lambda r: self.done(f"Registration of {r.name} cancelled."))

        self.app.push_screen(ConfirmScreen("Cancel registration", message, "Cancel it"),
                             answered)

    def action_check_in(self) -> None:
        reg = self._need()
        if reg is None:
            return
        if not self.occurrence_id:
            self.notify("Check-in is per occurrence: open an occurrence's list "
                        "(Enter on the calendar).", severity="warning")
            return
        seat = self.seat(reg)
        attended = not (seat and seat.attended)
        self.act(lambda: registrations.check_in(self.store, reg.id, self.occurrence_id,
                                                attended=attended),
                 lambda r: self.done(f"{r.name} {'checked in' if attended else 'not checked in'}"
                                     "."))

    def action_approve(self) -> None:
        reg = self._need()
        if reg is not None:
            self.act(lambda: registrations.approve(self.store, reg.id),
                     lambda r: self.done(f"{r.name} approved: {r.status}."))

    def action_decline(self) -> None:
        reg = self._need()
        if reg is not None:
            self.act(lambda: registrations.decline(self.store, reg.id),
                     lambda r: self.done(f"{r.name} declined."))

    def action_switch(self) -> None:
        reg = self._need()
        if reg is not None:
            from schedtui.tui.screens.register_forms import SwitchForm

            self.app.push_screen(SwitchForm(reg, self.occurrence_id),
                                 lambda r: r and self.done(f"{r.name} switched."))

    def action_export(self) -> None:
        try:
            from schedtui.interop import csvio
        except ImportError:
            csvio = None
        if csvio is None or not hasattr(csvio, "export_attendees"):
            self.notify("CSV export is not available in this version.", severity="warning")
            return
        from schedtui.tui.screens.register_forms import ExportForm

        self.app.push_screen(ExportForm(self.series_id, self.occurrence_id),
                             lambda path: path and self.notify(f"Exported to {path}.",
                                                               markup=False))
