"""The attendee list of an occurrence (or of a whole series): name, email,
seats, status, attended; register, cancel, approve, decline, switch, check in.

An occurrence may hold tens of thousands of registrations, so the table holds
one window of them (``WINDOW`` rows) that the service pages through, each
window and the list's length from one snapshot: the next or previous window
loads when the cursor reaches an edge, ``home``/``end`` go to the first or last
window, and the filter is a query to the service. Opening the list (and a
reload, and a new filter) fetches the last window in the same go as the first,
so ``end`` swaps it in without asking again; when the whole list fits in one
window, ``home``/``end`` only move the cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static

from schedtui.services import payments, registrations, series
from schedtui.services.registrations import RegistrationView, SeriesFigures
from schedtui.services.views import SeriesView
from schedtui.tui.format import plain
from schedtui.tui.screens.base import fill_table, selected_key
from schedtui.tui.screens.listing import FILTER_HINT, ListScreen
from schedtui.tui.widgets.footer import DeskFooter
from schedtui.tui.widgets.window_table import WindowTable

STATUS_STYLE = {"confirmed": "green", "waitlisted": "magenta", "partial": "yellow",
                "pending": "cyan", "cancelled": "bright_black", "declined": "bright_black"}

WINDOW = 150
"""Rows in the table at once (a few screens of a tall terminal); the service pages
through the rest. Each row put in costs Textual a measure of every cell."""
STEP = WINDOW // 2
"""How far the window slides when the cursor reaches one of its edges."""
FILTER_DELAY = 0.25
"""Seconds of quiet typing before the filter goes to the service."""


class DoorFilter(Input):
    """The filter; in check-in mode a space is not typed into it but checks the
    highlighted person in (the screen's space key), so names are typed without it."""

    def at_door(self, key: str) -> bool:
        return key == "space" and getattr(self.screen, "door", False)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return not self.at_door(key) and super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if self.at_door(event.key):  # not typed (Input's own handler is skipped): the
            event.prevent_default()  # key goes on to the screen's check-in binding


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def sessions(reg: RegistrationView) -> Text:
    """The sessions a registration holds, for the series list: up to two by date;
    beyond that the confirmed ones counted, and every waiting or pending one by
    date, a waiting one with its place in the queue (``Mon 03-10 10:00 waiting
    2nd``). The cell ends in an ellipsis where the column is too narrow."""
    text = Text(no_wrap=True, overflow="ellipsis")
    live = [s for s in reg.occurrences if s.status != "cancelled"]
    named = live if len(live) <= 2 else [s for s in live if s.status != "confirmed"]
    confirmed = len(live) - len([s for s in live if s.status != "confirmed"])
    if len(live) > 2 and confirmed:
        text.append(f"{confirmed} confirmed")
    for seat in named:
        if text.plain:
            text.append(", ")
        text.append(datetime.fromisoformat(seat.start).strftime("%a %m-%d %H:%M")
                    if seat.start else "?")
        if seat.status == "waitlisted":
            text.append(f" waiting {ordinal(seat.place)}" if seat.place else " waiting",
                        "magenta")
        elif seat.status != "confirmed":
            text.append(f" {seat.status}", "cyan")
    return text


def money_note(reg: RegistrationView) -> str:
    """`` · unpaid`` after the status of a registration sold with a ticket."""
    if reg.currency is None:
        return ""
    return f" · {reg.payment_status.replace('_', ' ')}"


def cancel_terms(preview: RegistrationView) -> Text:
    """What a cancellation does to the money, from the service's dry run: in
    time or late, and what would be owed back."""
    text = Text()
    if preview.currency is None:
        return text
    owed = f"{preview.refund_due} {preview.currency}"
    if preview.late:
        text.append("\n\nLate cancellation", "bold yellow")
        text.append(" (after the series' refundable hours): "
                    + (f"{owed} would be owed back (sessions the organizer cancelled)."
                       if preview.refund_due.strip("0.") else
                       f"nothing is owed back; {preview.paid} {preview.currency} paid is "
                       "kept (a refund can still be recorded with r)."))
    else:
        text.append("\n\nIn time", "bold green")
        text.append(f": {owed} would be owed back.")
    return text


def got_seats(promoted: list[str]) -> str:
    """`` Ann and Bob got a seat from the waitlist.`` (empty when nobody did)."""
    if not promoted:
        return ""
    names = promoted[0] if len(promoted) == 1 else \
        ", ".join(promoted[:-1]) + f" and {promoted[-1]}"
    return f" {names} got a seat from the waitlist."


@dataclass(frozen=True)
class Window:
    """One page of the list: the rows from ``offset`` on, out of ``total``."""

    total: int
    offset: int
    rows: list[RegistrationView]


class AttendeesScreen(ListScreen):
    """One row per registration; in an occurrence's list, its seat in that occurrence."""

    BINDINGS = [
        Binding("a", "add", "Add", tooltip="Register someone", id="att.add"),
        Binding("x", "cancel", "Cancel", tooltip="Cancel the registration (asks first)",
                id="att.cancel"),
        Binding("space", "check_in", "Check in", tooltip="Check in (again: undo)",
                id="att.check_in"),
        Binding("i", "door", "Check-in mode", tooltip="At the door: type a name, space checks "
                "the person in and moves to the next", id="att.door"),
        Binding("down", "door_key('down')", "Next person", show=False, priority=True,
                tooltip="At the door: the next person in the list", id="att.door_down"),
        Binding("up", "door_key('up')", "Previous person", show=False, priority=True,
                tooltip="At the door: the previous person in the list", id="att.door_up"),
        Binding("p", "approve", "Approve",
                tooltip="Approve the pending registration (seats as capacity allows)",
                id="att.approve"),
        Binding("d", "decline", "Decline",
                tooltip="Decline the pending registration (the person is told)", id="att.decline"),
        Binding("s", "switch", "Switch", show=False, tooltip="Move the seat to another occurrence",
                id="att.switch"),
        Binding("m", "pay", "Pay", show=False,
                tooltip="Record a payment for the registration's ticket", id="att.pay"),
        Binding("r", "refund", "Refund", show=False,
                tooltip="Record a refund of what was paid", id="att.refund"),
        Binding("dollar_sign", "payments", "Payments", show=False,
                tooltip="The registration's money and every payment and refund",
                id="att.payments"),
        Binding("E", "export", "Export CSV", show=False, tooltip="Write this list to a CSV file",
                id="att.export"),
        Binding("I", "import_csv", "Import CSV", show=False,
                tooltip="Register the people of a CSV file (a dry run first)", id="att.import"),
    ]

    def __init__(self, *, series_id: int, occurrence_id: int | None = None, title: str = "",
                 filter_text: str = "") -> None:
        super().__init__()
        self.series_id = series_id
        self.occurrence_id = occurrence_id
        self.title_text = title
        self.filter_text = filter_text
        self.first_row = 0
        """Position of the table's first row in the whole (filtered) list."""
        self.total = 0
        """Rows in the whole (filtered) list."""
        self.last_window: Window | None = None
        """The list's last window, fetched ahead for ``end``; None: not (yet) known."""
        self.by_key: dict[str, RegistrationView] = {}
        self.figures = ""
        """Seat counts of the occurrence or series, shown under the table."""
        self._filter_timer: Timer | None = None
        self.option = "all_sessions"
        """The series' registration option (an import into an occurrence names it)."""

    def compose(self) -> ComposeResult:
        yield Header()
        label = "Attendees of " + ("this occurrence: " if self.occurrence_id else "the series: ")
        yield Static(Text(label + self.title_text), classes="screen-title", id="title")
        table = WindowTable(id="list", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Email", "Seats", "Status", "Attended",
                          *([] if self.occurrence_id else ["Sessions"]))
        yield table
        yield Static("", id="counts")
        box = self.filter_input()
        if self.filter_text:
            box.value = self.filter_text
            box.remove_class("-hidden")
        yield box
        yield DeskFooter()

    def on_mount(self) -> None:  # DeskScreen.on_mount reloads
        self.table.focus()

    # -- loading a window ------------------------------------------------------------
    def scope(self) -> dict:
        """What the service lists: this occurrence or series, narrowed by the filter."""
        return {"series_id": None if self.occurrence_id else self.series_id,
                "occurrence_id": self.occurrence_id,
                "text_filter": self.filter_text.strip() or None}

    def reload(self) -> None:
        self.fetch(self.first_row, figures=True)

    def fetch(self, offset: int | None, cursor: str | None = None, *,
              figures: bool = False) -> None:
        """Load the window starting at ``offset`` (None: the last window); then put
        the cursor on the ``first`` or ``last`` row, or keep it on its registration.
        ``figures``: then the seat counts too (after the rows, which come first).
        Opening, a reload and a new filter (offset 0) also fetch the last window,
        in the same worker, ahead of an ``end``."""
        scope, store = self.scope(), self.store
        if offset is not None:  # a full window where the known length allows it
            offset = max(min(offset, self.total - WINDOW), 0)
        ahead = figures or offset == 0  # opening, a reload or a new filter
        if ahead:  # what was fetched ahead is old
            self.last_window = None

        def run() -> tuple[Window, Window | None]:
            window = self._page(store, scope, offset)
            if not ahead or window.total <= WINDOW or \
                    window.offset + len(window.rows) >= window.total:
                return window, None
            return window, self._page(store, scope, None)  # for ``end``, in the same go

        def show(windows: tuple[Window, Window | None]) -> None:
            window, last = windows
            if last is not None:
                self.last_window = last
            self._show_window(window, cursor, figures)

        self.load(run, show, group="window")

    @staticmethod
    def _page(store, scope: dict, offset: int | None) -> Window:
        """One window from one snapshot (offset None: the last window)."""
        total, rows = registrations.registration_page(
            store, **scope, offset=-WINDOW if offset is None else offset, limit=WINDOW)
        start = max(total - WINDOW, 0) if offset is None else offset
        return Window(total, start, rows)

    def _show_window(self, window: Window, cursor: str | None, figures: bool = False) -> None:
        self.first_row, self.total = window.offset, window.total
        self.items = window.rows
        self.by_key = {str(reg.id): reg for reg in window.rows}
        table = self.table
        fill_table(table, [self.row(reg) for reg in window.rows])
        if cursor == "first" and table.row_count:
            table.move_cursor(row=0, animate=False)
        elif cursor == "last" and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)
        self.after_rows(table.row_count)
        self.refresh_bindings()  # the footer follows the registration under the cursor
        if self.total <= WINDOW:
            self.last_window = None  # the whole list is on screen
        elif self.first_row + table.row_count >= self.total:
            self.last_window = window
        if figures:
            self.load(self._figures, self._show_figures, group="figures")

    @on(DataTable.RowHighlighted, "#list")
    def _at_edge(self) -> None:
        """Slide the window when the cursor sits on its first or last row. The
        table's cursor is read now, not from the event: a refill moves it."""
        table = self.table
        if not table.row_count:
            return
        row = table.cursor_row
        if row >= table.row_count - 1 and self.first_row + table.row_count < self.total:
            self.fetch(self.first_row + STEP)
        elif row <= 0 and self.first_row > 0:
            self.fetch(self.first_row - STEP)

    @on(WindowTable.Edge)
    def _to_edge(self, event: WindowTable.Edge) -> None:
        table = self.table
        if event.which == "first":
            if self.first_row == 0:  # the first window is on screen already
                table.move_cursor(row=0, animate=False)
            else:
                self.fetch(0, "first")
        elif self.first_row + table.row_count >= self.total:
            if table.row_count:  # the last window is on screen already
                table.move_cursor(row=table.row_count - 1, animate=False)
        elif self.last_window is not None:
            self._show_window(self.last_window, "last")  # fetched ahead
        else:
            self.fetch(None, "last")

    def filter_changed(self, text: str) -> None:
        """Typing narrows the list through the service, once the typing pauses."""
        if text == self.filter_text:
            return
        self.filter_text = text
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self.fetch(0, "first"))

    # -- rows and counts -------------------------------------------------------------
    def seat(self, reg: RegistrationView):
        return next((s for s in reg.occurrences if s.id == self.occurrence_id), None)

    def row(self, reg: RegistrationView) -> tuple[int, list]:
        if self.occurrence_id:
            seat = self.seat(reg)
            status = seat.status if seat and reg.status not in ("pending", "declined",
                                                                "cancelled") else reg.status
            if seat is not None and status == "waitlisted" and seat.place:
                status = f"waitlisted {ordinal(seat.place)}"
            attended = "✓" if seat and seat.attended else ""
            return reg.id, [plain(reg.name), plain(reg.email), str(reg.seats),
                            Text(status + money_note(reg),
                                 STATUS_STYLE.get(status.split()[0], "")), attended]
        status = reg.status
        done = sum(1 for s in reg.occurrences if s.attended)
        attended = f"{done}/{len(reg.occurrences)}" if done else ""
        return reg.id, [plain(reg.name), plain(reg.email), str(reg.seats),
                        Text(status + money_note(reg), STATUS_STYLE.get(status, "")), attended,
                        sessions(reg)]

    def current_item(self) -> RegistrationView | None:
        key = selected_key(self.table)
        return self.by_key.get(key) if key is not None else None

    def _figures(self) -> tuple[SeriesFigures, SeriesView]:
        return (registrations.series_stats(self.store, self.series_id),
                series.get_series(self.store, self.series_id))

    def _show_figures(self, data: tuple[SeriesFigures, SeriesView]) -> None:
        stats, view = data
        self.option = view.registration_option
        name = view.name
        if not self.title_text:
            self.title_text = name
            label = "Attendees of " + ("this occurrence: " if self.occurrence_id
                                       else "the series: ")
            self.query_one("#title", Static).update(Text(label + name))
        figures: Any = stats
        where = "seats"
        if self.occurrence_id:
            figures = next((f for f in stats.occurrences if f.id == self.occurrence_id), stats)
        else:
            live = sum(1 for f in stats.occurrences if f.status == "scheduled")
            where = f"seats in {live} occurrence{'s' if live != 1 else ''}"
        parts = [f"{getattr(figures, k)} {k}" for k in ("confirmed", "waitlisted", "pending")
                 if getattr(figures, k)]
        self.figures = f"{where}: " + " · ".join(parts + [f"{figures.attended} checked in"])
        revenue = stats.revenue
        if not self.occurrence_id and revenue is not None and revenue.currency is not None:
            self.figures += f" · paid {revenue.paid} of {revenue.sold} {revenue.currency}"
            if revenue.refund_due.strip("0.") != "":
                self.figures += f", refund due {revenue.refund_due}"
        self.after_rows(self.table.row_count)

    def after_rows(self, shown: int) -> None:
        what = "registration" + ("" if self.total == 1 else "s")
        if self.filter_text.strip():
            what += " matching the filter"
        rows = f"rows {self.first_row + 1}–{self.first_row + shown} of {self.total} {what}" \
            if shown else f"no {what}"
        counts = Text("CHECK-IN  ", "bold reverse green") if self.door else Text()
        counts.append(rows, "bold")
        if self.figures:
            counts.append(f" · {self.figures}")
        self.query_one("#counts", Static).update(counts)

    # -- actions -------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers what fits the registration under the cursor: approve
        and decline a pending one, check in a confirmed seat (in an occurrence's
        list only), switch or cancel a live one."""
        if action == "door_key":
            return self.door and self.query_one("#filter", Input).has_focus
        if action == "door":
            return bool(self.occurrence_id)
        if action in ("pay", "refund", "payments"):
            reg = self.current_item()
            return None if reg is None or reg.currency is None else True
        if action not in ("approve", "decline", "check_in", "switch", "cancel"):
            return super().check_action(action, parameters)
        if action == "check_in" and not self.occurrence_id:
            return False
        reg = self.current_item()
        if reg is None:
            return None
        if action in ("approve", "decline"):
            return reg.status == "pending"
        if action == "check_in":
            seat = self.seat(reg)
            return None if seat is None or seat.status != "confirmed" else True
        return reg.status not in ("cancelled", "declined")
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

        def ask(preview) -> None:
            """The question names who would get a seat (the service's dry run)."""
            message = Text("Cancel the registration of ")
            message.append(reg.name, "bold")
            message.append(f" ({reg.seats} seat{'s' if reg.seats != 1 else ''})? They are "
                           "told.")
            message.append(got_seats(preview.promoted).replace(" got a seat", " would get a "
                                                                "seat") or
                           " Nobody is waiting for the seat.")
            message.append_text(cancel_terms(preview))
            self.app.push_screen(ConfirmScreen("Cancel registration", message, "Cancel it"),
                                 answered)

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(lambda: registrations.cancel_registration(self.store, reg.id),
                         lambda r: self.done(f"Registration of {r.name} cancelled."
                                             + got_seats(r.promoted) + (
                                                 f" Refund due: {r.refund_due} {r.currency}."
                                                 if r.currency else "")))

        self.act(lambda: registrations.cancel_registration(self.store, reg.id, dry_run=True),
                 ask)

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
        if seat is None or not attended or not seat.start:
            self._check_in(reg, attended)
            return
        from schedtui.tui.screens.confirm import check_in_early

        check_in_early(self, seat.start, reg.name, "occurrence", "list",
                       lambda: self._check_in(reg, attended))

    early_ok = False
    """Checking in more than a day before the start was confirmed once here."""

    def _check_in(self, reg: RegistrationView, attended: bool) -> None:
        def done(r: RegistrationView) -> None:
            self.notify(f"{r.name} {'checked in' if attended else 'not checked in'}.",
                        markup=False)
            if not self.door:
                self.reload()
                return
            # at the door: the row shows the tick at once and the cursor goes on
            rows = [r if row.id == r.id else row for row in self.items]
            self._show_window(Window(self.total, self.first_row, rows), None)
            table = self.table
            if table.cursor_row < table.row_count - 1:
                table.move_cursor(row=table.cursor_row + 1, animate=False)
            self.load(self._figures, self._show_figures, group="figures")

        self.act(lambda: registrations.check_in(self.store, reg.id, self.occurrence_id,
                                                attended=attended), done)

    # -- check-in at the door --------------------------------------------------------
    door = False
    """Check-in mode: the filter keeps the focus, space checks in and moves on."""

    def action_door(self) -> None:
        box = self.query_one("#filter", Input)
        self.door = not self.door
        self.set_class(self.door, "-door")
        if self.door:
            box.placeholder = ("Check-in: type a name, space checks in the highlighted "
                               "person, ↑↓ move, Escape leaves")
            self.action_filter()
        else:
            box.placeholder = FILTER_HINT
            self.table.focus()
        self.after_rows(self.table.row_count)
        self.refresh_bindings()

    def filter_input(self) -> Input:
        box = DoorFilter(placeholder=FILTER_HINT, id="filter", classes="-hidden")
        return box

    def filter_submitted(self) -> None:
        if self.door:  # at the door Enter checks in too; the filter keeps the focus
            self.action_check_in()
        else:
            super().filter_submitted()

    def action_back(self) -> None:
        if self.door:  # Escape leaves check-in mode, with its filter
            box = self.query_one("#filter", Input)
            box.value = ""
            box.add_class("-hidden")
            self.action_door()
            return
        super().action_back()

    def action_door_key(self, what: str) -> None:
        """The arrows typed in the filter during check-in move the cursor."""
        table = self.table
        if what == "down" and table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        elif what == "up" and table.cursor_row > 0:
            table.move_cursor(row=table.cursor_row - 1)

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

    def action_pay(self) -> None:
        self._money("payment")

    def action_refund(self) -> None:
        self._money("refund")

    def action_payments(self) -> None:
        reg = self._need()
        if reg is None or reg.currency is None:
            return
        from schedtui.tui.screens.tickets import PaymentsScreen

        store = self.store

        def run():  # the registration afresh, with its payments
            return (registrations.get_registration(store, reg.id),
                    payments.list_payments(store, reg.id))

        self.load(run, lambda got: self.app.push_screen(PaymentsScreen(*got)), group="payments")

    def _money(self, kind: str) -> None:
        reg = self._need()
        if reg is None or reg.currency is None:
            return
        from schedtui.tui.screens.tickets import PaymentForm

        done = "Payment" if kind == "payment" else "Refund"
        self.app.push_screen(PaymentForm(reg, kind), lambda r: r and self.done(
            f"{done} recorded for {r.name}: paid {r.paid} of {r.amount_due} {r.currency}, "
            f"{r.payment_status.replace('_', ' ')}."))

    def action_switch(self) -> None:
        reg = self._need()
        if reg is not None:
            from schedtui.tui.screens.register_forms import SwitchForm

            form = SwitchForm(reg, self.occurrence_id)
            self.app.push_screen(form, lambda r: r and self.done(
                f"{r.name} moved from {form.moved[0]} to {form.moved[1]}." +
                got_seats(r.promoted)))

    # -- CSV export and import ------------------------------------------------------
    def action_export(self) -> None:
        from schedtui.interop import csvio
        from schedtui.tui.screens.interop import csv_export_report, default_path, run_export

        store = self.store
        target = {"occurrence_id": self.occurrence_id} if self.occurrence_id else \
            {"series_id": self.series_id}
        stem = "attendees-" + (f"occurrence-{self.occurrence_id}" if self.occurrence_id
                               else f"series-{self.series_id}")
        run_export(self, title="Export attendees to CSV", path=default_path(stem, ".csv"),
                   job=lambda path, progress: csvio.export_attendees(
                       store, path, **target, progress=progress),
                   render=csv_export_report)

    def action_import_csv(self) -> None:
        from schedtui.interop import csvio
        from schedtui.tui.screens.interop import csv_import_report, run_import

        store, series_id = self.store, self.series_id
        chosen = [self.occurrence_id] if self.occurrence_id and \
            self.option != "all_sessions" else None
        where = "this occurrence" if chosen else "the series"
        run_import(self, title=f"Import attendees into {where}",
                   job=lambda path, skip, dry_run, progress: csvio.import_attendees(
                       store, path, series_id, occurrence_ids=chosen, skip_bad_rows=skip,
                       dry_run=dry_run, progress=progress),
                   render=csv_import_report, done=self.reload,
                   hint="Columns found by their names: email, name, seats, phone",
                   option="Skip malformed rows (import the rest)")
