"""Tickets and money in the desk: a series' ticket types (add, edit, archive)
with the revenue of each, the forms that record a payment or a refund for a
registration, and the list of a registration's payments."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Header, Input, Select, Static

from schedtui.services import payments, tickets
from schedtui.services.registrations import RegistrationView
from schedtui.services.tickets import TicketView
from schedtui.tui.format import plain, when
from schedtui.tui.screens.form import FormScreen, field
from schedtui.tui.screens.listing import ListScreen
from schedtui.tui.widgets.footer import DeskFooter


def _window(ticket: TicketView) -> str:
    start = (ticket.sales_from or "")[:16].replace("T", " ")
    end = (ticket.sales_until or "")[:16].replace("T", " ")
    if not start and not end:
        return "always"
    return f"{start or '…'} – {end or '…'}"


def revenue_line(revenue: payments.Revenue | None) -> str:
    """``Revenue: sold 30.00 · paid 20.00 · to pay 10.00 EUR`` (refunded and
    refund due where there are any); empty for a series that never sold."""
    if revenue is None or revenue.currency is None:
        return ""
    parts = [f"sold {revenue.sold}", f"paid {revenue.paid}", f"to pay {revenue.outstanding}"]
    for label, value in (("refunded", revenue.refunded), ("refund due", revenue.refund_due)):
        if value.strip("0.") != "":
            parts.append(f"{label} {value}")
    return "Revenue: " + " · ".join(parts) + f" {revenue.currency}"


class TicketsScreen(ListScreen):
    """A series' ticket types: price, quantity, sold, available, sales window,
    and what each brought in (paid, still to pay, refund due); the series'
    revenue below."""

    BINDINGS = [
        Binding("n", "new", "New", tooltip="A new ticket type for the series",
                id="tickets.new"),
        Binding("e", "edit", "Edit", tooltip="Name, price, quantity, sales window "
                "(sold registrations keep their price)", id="tickets.edit"),
        Binding("x", "archive", "Archive", tooltip="Stop selling the ticket (asks first)",
                id="tickets.archive"),
    ]

    def __init__(self, series_id: int, series_name: str = "") -> None:
        super().__init__()
        self.series_id = series_id
        self.series_name = series_name
        self.revenue: payments.Revenue | None = None
        """The series' revenue, per ticket type, as last loaded."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Ticket types of {self.series_name}"), classes="screen-title",
                     id="title")
        table = DataTable(id="list", cursor_type="row", zebra_stripes=True)
        table.add_columns("Ticket", "Price", "Quantity", "Sold", "Left", "Paid", "To pay",
                          "Refund due", "On sale")
        yield table
        yield Static("", id="counts")
        yield self.filter_input()
        yield DeskFooter()

    def reload(self) -> None:
        store, series_id = self.store, self.series_id
        self.load(lambda: (tickets.list_tickets(store, series_id),
                           payments.series_revenue(store, series_id)), self._loaded)

    def _loaded(self, data: tuple[list[TicketView], payments.Revenue]) -> None:
        items, self.revenue = data
        self.show_items(items)

    def row(self, t: TicketView) -> tuple[int, list]:
        name = plain(t.name)
        if t.archived:
            name.append(" (archived)", "bright_black")
        money = next((r for r in (self.revenue.tickets if self.revenue else []) if r.id == t.id),
                     None)
        figures = [money.paid, money.outstanding, money.refund_due] if money else ["-"] * 3
        return t.id, [name, f"{t.price} {t.currency}",
                      "unlimited" if t.quantity is None else str(t.quantity), str(t.sold),
                      "-" if t.available is None else str(t.available), *figures, _window(t)]

    def match_text(self, t: TicketView) -> str:
        return t.name

    def after_rows(self, shown: int) -> None:
        live = [t for t in self.items if not t.archived]
        text = (f"{len(live)} ticket type{'s' if len(live) != 1 else ''} on offer: every "
                "registration names one." if live else
                "No ticket on offer: registrations are free.")
        money = revenue_line(self.revenue) if self.items else ""
        self.query_one("#counts", Static).update(Text(text + (f"\n{money}" if money else "")))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "archive"):
            item = self.current_item()
            return None if item is None or item.archived else True
        return super().check_action(action, parameters)

    def action_new(self) -> None:
        self.app.push_screen(TicketForm(self.series_id), self._saved)

    def action_edit(self) -> None:
        item = self.current_item()
        if item is not None and not item.archived:
            self.app.push_screen(TicketForm(self.series_id, item), self._saved)

    def _saved(self, view: TicketView | None) -> None:
        if view is not None:
            self.notify(f"Ticket {view.name} saved: {view.price} {view.currency}.",
                        markup=False)
            self.reload()

    def action_archive(self) -> None:
        item = self.current_item()
        if item is None or item.archived:
            return
        from schedtui.tui.screens.confirm import ConfirmScreen

        message = Text("Stop selling ")
        message.append(item.name, "bold")
        message.append(f"? The {item.sold} seat{'s' if item.sold != 1 else ''} sold keep it "
                       "and what they owe.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(lambda: tickets.archive_ticket(self.store, item.id),
                         lambda v: (self.notify(f"Ticket {v.name} archived.", markup=False),
                                    self.reload()))

        self.app.push_screen(ConfirmScreen("Archive ticket", message, "Archive"), answered)


class TicketForm(FormScreen[TicketView]):
    """A new ticket type, or one changed."""

    form_title = "New ticket type"

    def __init__(self, series_id: int, existing: TicketView | None = None) -> None:
        super().__init__()
        self.series_id = series_id
        self.existing = existing
        if existing is not None:
            self.form_title = "Edit ticket type"

    def fields(self) -> ComposeResult:
        t = self.existing
        yield from field("Name", Input(t.name if t else "", id="name", placeholder="Standard"))
        yield from field("Price", Input(t.price if t else "", id="price", placeholder="12.50"),
                         "Empty or 0: free. No more decimals than the currency has.")
        yield from field("Currency", Input(t.currency if t else "", id="currency",
                                           placeholder="EUR"),
                         "ISO 4217 code; empty: the series' other tickets', else EUR")
        yield from field("Quantity", Input("" if t is None or t.quantity is None
                                           else str(t.quantity), id="quantity",
                                           placeholder="unlimited"),
                         "Seats it may sell (active and pending registrations)")
        yield from field("On sale from", Input((t.sales_from or "")[:16] if t else "",
                                               id="sales_from", placeholder="YYYY-MM-DDTHH:MM"))
        yield from field("On sale until", Input((t.sales_until or "")[:16] if t else "",
                                                id="sales_until",
                                                placeholder="YYYY-MM-DDTHH:MM"),
                         "Local to the series' zone; empty: no limit")

    def build(self) -> Callable[[], TicketView]:
        values = {key: self.value(key).strip() for key in
                  ("name", "price", "currency", "quantity", "sales_from", "sales_until")}
        if not values["currency"]:
            values.pop("currency")
        if not values["price"]:
            values["price"] = "0"
        store = self.store
        if self.existing is None:
            return lambda: tickets.add_ticket(store, self.series_id, **values)
        ticket_id = self.existing.id
        return lambda: tickets.edit_ticket(store, ticket_id, **values)


class PaymentForm(FormScreen[RegistrationView]):
    """Record a payment (``kind`` "payment") or a refund for a registration."""

    def __init__(self, reg: RegistrationView, kind: str = "payment") -> None:
        super().__init__()
        self.reg = reg
        self.kind = kind
        self.form_title = "Record a payment" if kind == "payment" else "Record a refund"

    def fields(self) -> ComposeResult:
        reg = self.reg
        due = f"{reg.amount_due} {reg.currency or ''}".strip()
        facts = Text()
        facts.append(reg.name, "bold")
        facts.append(f"\nDue {due}; paid {reg.paid}; {reg.payment_status.replace('_', ' ')}")
        if reg.refund_due.strip("0.") != "":
            facts.append(f"; refund due {reg.refund_due}")
        yield Static(facts, id="money-facts")
        suggested = reg.refund_due if self.kind == "refund" and \
            reg.refund_due.strip("0.") != "" else ""
        yield from field("Amount", Input(suggested, id="amount", placeholder="12.50"),
                         f"In {reg.currency or 'the registration’s currency'}")
        yield from field("Method", Select([(m, m) for m in payments.METHODS], value="cash",
                                          allow_blank=False, id="method"))
        yield from field("Reference", Input("", id="reference", placeholder="receipt, transfer"))

    def build(self) -> Callable[[], RegistrationView]:
        amount = self.value("amount").strip()
        method = str(self.query_one("#method", Select).value)
        reference = self.value("reference")
        call = payments.pay if self.kind == "payment" else payments.refund
        store, reg_id = self.store, self.reg.id
        return lambda: call(store, reg_id, amount, method=method, reference=reference)


class PaymentsScreen(ModalScreen[None]):
    """A registration's money and every payment and refund recorded for it,
    oldest first (``reg payments`` in the desk). Escape closes."""

    BINDINGS = [Binding("escape,q", "close", "Close", tooltip="Back to the list",
                        id="payments.close")]

    def __init__(self, reg: RegistrationView, rows: list[payments.PaymentView]) -> None:
        super().__init__()
        self.reg = reg
        self.rows = rows

    def compose(self) -> ComposeResult:
        reg = self.reg
        facts = Text()
        facts.append(reg.name, "bold")
        if reg.ticket:
            facts.append(f" · {reg.ticket.get('name', '')}")
        facts.append(f"\nDue {reg.amount_due} {reg.currency} · paid {reg.paid} · refunded "
                     f"{reg.refunded} · refund due {reg.refund_due} · "
                     f"{reg.payment_status.replace('_', ' ')}")
        with Vertical(id="dialog", classes="-wide payments"):
            yield Static(Text("Payments"), classes="form-title")
            yield Static(facts, id="payments-facts")
            table = DataTable(id="payments", cursor_type="row", zebra_stripes=True)
            table.add_columns("When (UTC)", "Kind", "Amount", "Method", "Reference")
            for p in self.rows:
                table.add_row(when(p.at), p.kind, f"{p.amount} {p.currency}", p.method,
                              plain(p.reference), key=str(p.id))
            yield table
            yield Static("" if self.rows else "No payment recorded yet (m records one).",
                         id="payments-empty")
            with Horizontal(classes="form-buttons form-foot"):
                yield Button("Close (escape)", id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#payments", DataTable).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
