"""Commands for tickets and money: ``ticket add/list/show/edit/archive``,
``reg pay``, ``reg refund`` and ``reg payments``. Each parses its arguments,
calls one service and prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from schedtui.cli import output
from schedtui.cli.helptext import command
from schedtui.domain.errors import invalid

IntType = Callable[[str], int]


def _store(args: argparse.Namespace):
    from schedtui.store import open_store

    return open_store(args.db)


def _print_tickets(rows) -> None:
    output.table(["ID", "Name", "Price", "Quantity", "Sold", "Available", "Sales from",
                  "Sales until", "Archived"],
                 [[t.id, t.name, f"{t.price} {t.currency}",
                   "unlimited" if t.quantity is None else t.quantity, t.sold,
                   "-" if t.available is None else t.available,
                   (t.sales_from or "-")[:16].replace("T", " "),
                   (t.sales_until or "-")[:16].replace("T", " "), t.archived] for t in rows])


def _emit(value, as_json: bool, human) -> None:
    if as_json:
        output.emit_json(value)
    else:
        human(value)


def _changes(args) -> dict:
    changes = {}
    for key in ("name", "price", "currency", "quantity", "sales_from", "sales_until"):
        value = getattr(args, key, None)
        if value is not None:
            changes[key] = value
    return changes


def ticket_add(args, as_json):
    from schedtui.services import tickets

    view = tickets.add_ticket(_store(args), args.series_id, **_changes(args))
    _emit(view, as_json, lambda t: _print_tickets([t]))


def ticket_list(args, as_json):
    from schedtui.services import tickets

    rows = tickets.list_tickets(_store(args), args.series_id, include_archived=not args.active)
    _emit(rows, as_json, _print_tickets)


def ticket_show(args, as_json):
    from schedtui.services import tickets

    _emit(tickets.get_ticket(_store(args), args.id), as_json, lambda t: _print_tickets([t]))


def ticket_edit(args, as_json):
    from schedtui.services import tickets

    changes = _changes(args)
    if not changes:
        raise invalid("Give at least one of --name, --price, --currency, --quantity, "
                      "--sales-from, --sales-until.")
    _emit(tickets.edit_ticket(_store(args), args.id, **changes), as_json,
          lambda t: _print_tickets([t]))


def ticket_archive(args, as_json):
    from schedtui.services import tickets

    _emit(tickets.archive_ticket(_store(args), args.id), as_json,
          lambda t: print(f"Ticket {t.id} archived: {output.cell(t.name)}; it is no longer "
                          "sold."))


def print_money(view) -> None:
    """A registration's money, under its fields (reg show, pay, refund, cancel)."""
    if view.currency is None and view.ticket is None:
        return
    rows = [("ticket", view.ticket["name"] if view.ticket else "-"),
            ("amount due", f"{view.amount_due} {view.currency or ''}".strip()),
            ("paid", view.paid), ("payment status", view.payment_status)]
    if view.refunded not in ("0", "0.00") and view.refunded.strip("0.") != "":
        rows.append(("refunded", view.refunded))
    if view.refund_due.strip("0.") != "":
        rows.append(("refund due", view.refund_due))
    output.fields(rows)


def _money_result(done: str):
    def human(view) -> None:
        print(f"{done} for registration {view.id} ({output.cell(view.name)}): paid "
              f"{view.paid} of {view.amount_due} {view.currency}; {view.payment_status}.")
    return human


def reg_pay(args, as_json):
    from schedtui.services import payments

    view = payments.pay(_store(args), args.id, args.amount, method=args.method,
                        reference=args.reference or "")
    _emit(view, as_json, _money_result("Payment recorded"))


def reg_refund(args, as_json):
    from schedtui.services import payments

    view = payments.refund(_store(args), args.id, args.amount, method=args.method,
                           reference=args.reference or "")
    _emit(view, as_json, _money_result("Refund recorded"))


def reg_payments(args, as_json):
    from schedtui.services import payments

    rows = payments.list_payments(_store(args), args.id)
    _emit(rows, as_json, lambda rs: output.table(
        ["ID", "At (UTC)", "Kind", "Amount", "Method", "Reference"],
        [[p.id, p.at, p.kind, f"{p.amount} {p.currency}", p.method, p.reference] for p in rs]))


def print_revenue(revenue) -> None:
    """``series stats``: the money part, when the series sells or took any."""
    if revenue is None or revenue.currency is None:
        return
    print()
    output.fields([("currency", revenue.currency), ("sold", revenue.sold),
                   ("paid", revenue.paid), ("outstanding", revenue.outstanding),
                   ("refunded", revenue.refunded), ("refund due", revenue.refund_due)])
    if revenue.tickets:
        output.table(["Ticket", "Name", "Price", "Seats", "Sold", "Paid", "Outstanding",
                      "Refunded", "Refund due"],
                     [[t.id, t.name, t.price, t.seats, t.sold, t.paid, t.outstanding,
                       t.refunded, t.refund_due] for t in revenue.tickets])


def _ticket_options(p: argparse.ArgumentParser, int_type: IntType, *, creating: bool) -> None:
    p.add_argument("--name", required=creating, help="the ticket's name")
    p.add_argument("--price", metavar="AMOUNT",
                   help="a decimal amount, e.g. 12.50 (no more decimals than the currency "
                   "has; 0 or none: free)")
    p.add_argument("--currency", metavar="CODE",
                   help="ISO 4217 code, e.g. EUR, JPY, KWD (default: the series' other "
                   "tickets', else EUR)")
    p.add_argument("--quantity", metavar="N",
                   help="seats it may sell, 1..1000000, or unlimited (the default)")
    p.add_argument("--sales-from", dest="sales_from", metavar="DATETIME",
                   help="on sale from YYYY-MM-DDTHH:MM in the series' zone (none: at once)")
    p.add_argument("--sales-until", dest="sales_until", metavar="DATETIME",
                   help="on sale until YYYY-MM-DDTHH:MM in the series' zone (none: no end)")


def register(sub, int_type: IntType, reg: argparse._SubParsersAction) -> None:
    ticket = command(sub, "ticket", "ticket types: what a series sells, at what price"
                     ).add_subparsers(dest="action", required=True, metavar="ACTION",
                                      help="what to do; each has its own --help")
    p = command(ticket, "add", "add a ticket type to a series",
                "schedtui ticket add 3 --name Standard --price 12.50 --currency EUR "
                "--quantity 40",
                "schedtui ticket add 3 --name 'Early bird' --price 9 --sales-until "
                "2027-01-01T00:00")
    p.add_argument("series_id", type=int_type, metavar="SERIES", help="the series' id")
    _ticket_options(p, int_type, creating=True)
    p.set_defaults(handler=ticket_add)
    p = command(ticket, "list", "a series' ticket types, with seats sold and available",
                "schedtui ticket list 3")
    p.add_argument("series_id", type=int_type, metavar="SERIES", help="the series' id")
    p.add_argument("--active", action="store_true", help="leave archived tickets out")
    p.set_defaults(handler=ticket_list)
    p = command(ticket, "show", "one ticket type", "schedtui ticket show 2")
    p.add_argument("id", type=int_type, help="the ticket's id")
    p.set_defaults(handler=ticket_show)
    p = command(ticket, "edit", "change a ticket type (sold registrations keep their price)",
                "schedtui ticket edit 2 --price 14 --quantity 60")
    p.add_argument("id", type=int_type, help="the ticket's id")
    _ticket_options(p, int_type, creating=False)
    p.set_defaults(handler=ticket_edit)
    p = command(ticket, "archive", "stop selling a ticket type; its registrations keep it",
                "schedtui ticket archive 2")
    p.add_argument("id", type=int_type, help="the ticket's id")
    p.set_defaults(handler=ticket_archive)

    for name, summary, handler, example in (
            ("pay", "record a payment (more than is due is refused)", reg_pay,
             "schedtui reg pay 7 --amount 12.50 --method card --reference 'INV-7'"),
            ("refund", "record a refund (more than was paid is refused)", reg_refund,
             "schedtui reg refund 7 --amount 12.50")):
        p = command(reg, name, summary, example)
        p.add_argument("id", type=int_type, help="the registration's id")
        p.add_argument("--amount", required=True, metavar="AMOUNT",
                       help="a decimal amount in the registration's currency, e.g. 12.50")
        p.add_argument("--method", choices=("cash", "card", "transfer", "other"),
                       default="cash", help="how the money moved (default: cash)")
        p.add_argument("--reference", metavar="TEXT",
                       help="a receipt or transfer reference, up to 200 characters")
        p.set_defaults(handler=handler)
    p = command(reg, "payments", "a registration's payments and refunds",
                "schedtui reg payments 7")
    p.add_argument("id", type=int_type, help="the registration's id")
    p.set_defaults(handler=reg_payments)
