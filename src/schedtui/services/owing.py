"""What a registration owes or is owed, worked out from its rows whenever it is
shown (see :mod:`schedtui.services.payments` for the rules in words). Pure
arithmetic on a registration's fields and its seat entries' (status, reason):
no database access, so the read services use it without the ORM."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from schedtui.domain import money

# Entries a registration gave up itself or never held: not sessions it paid for.
_NOT_HELD = ("declined", "closed")


@dataclass(frozen=True)
class Money:
    """A registration's money, as its JSON shows it (amounts as decimal strings)."""

    ticket: dict[str, Any] | None
    amount_due: str
    paid: str  # paid less refunded: what the organizer holds
    refunded: str
    refund_due: str
    currency: str | None
    payment_status: str
    late: bool


def amount_text(minor: int, currency: str) -> str:
    return money.to_text(minor, currency) if currency else "0"


def _lost(entries: Iterable[tuple[str, str]]) -> tuple[int, int]:
    """(sessions the organizer cancelled, sessions held) of a registration's
    seat entries, given as (status, cancel_reason)."""
    held = lost = 0
    for status, reason in entries:
        if status == "cancelled" and reason in _NOT_HELD:
            continue
        held += 1
        if status == "cancelled" and reason == "occurrence":
            lost += 1
    return lost, held


def refund_owed(registration: Any, entries: Iterable[tuple[str, str]]) -> int:
    """What is owed back, in minor units. ``entries`` are the registration's
    seat entries as (status, cancel_reason)."""
    paid = registration.paid
    if not paid:
        return 0
    if registration.status == "declined" or (registration.status == "cancelled"
                                             and registration.refund_on_cancel):
        entitled = paid
    else:
        lost, held = _lost(entries)
        entitled = paid * lost // held if held else 0
    return max(entitled - registration.refunded, 0)


def status_of(due: int, paid: int, refunded: int, owed: int) -> str:
    """``due``: what the sessions that still stand cost (the price less the
    share of sessions the organizer cancelled)."""
    net = paid - refunded
    if owed > 0:
        return "refund_due"
    if refunded > 0 and net <= 0:
        return "refunded"
    if due == 0 and paid == 0:
        return "free"
    if net >= due:
        return "paid"
    return "partly_paid" if net > 0 else "unpaid"


FREE = Money(ticket=None, amount_due="0", paid="0", refunded="0", refund_due="0",
             currency=None, payment_status="free", late=False)


def money_of(registration: Any, entries: Iterable[tuple[str, str]],
             ticket_name: str | None) -> Money:
    if (registration.ticket_id is None and not registration.currency
            and not registration.unit_price and not registration.paid
            and not registration.refunded and not registration.late_cancel):
        return FREE  # most registrations: nothing sold, nothing paid
    currency = registration.currency or ""
    entries = list(entries)
    due = registration.unit_price * registration.seats
    owed = refund_owed(registration, entries)
    lost, held = _lost(entries)
    standing = due - due * lost // held if held else due  # the organizer's cancellations off
    return Money(
        ticket=None if registration.ticket_id is None else
        {"id": registration.ticket_id, "name": ticket_name},
        amount_due=amount_text(due, currency),
        paid=amount_text(registration.paid - registration.refunded, currency),
        refunded=amount_text(registration.refunded, currency),
        refund_due=amount_text(owed, currency),
        currency=currency or None,
        payment_status=status_of(standing, registration.paid, registration.refunded, owed),
        late=bool(registration.late_cancel))


def fresh_money(unit_price: int, seats: int, currency: str, ticket_id: int | None,
                ticket_name: str | None) -> Money:
    """A registration just made: owes its price, has paid nothing."""
    if ticket_id is None and not currency:
        return FREE  # the usual case, on the registration's hot path
    due = unit_price * seats
    return Money(ticket=None if ticket_id is None else {"id": ticket_id, "name": ticket_name},
                 amount_due=amount_text(due, currency), paid=amount_text(0, currency),
                 refunded=amount_text(0, currency), refund_due=amount_text(0, currency),
                 currency=currency or None, payment_status="free" if due == 0 else "unpaid",
                 late=False)


