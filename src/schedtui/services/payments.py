"""Payments and refunds, recorded (the desk is offline: nothing is charged),
and what each registration owes or is owed.

A registration sold with a ticket owes its price (when sold) times its seats.
``paid`` and ``refunded`` on the registration are the sums of its payment rows,
kept in the same transaction as each row. What is owed back is worked out from
its state whenever it is shown, so a restored occurrence or a later payment
never leaves a stale figure behind:

- a registration declined, or cancelled in time (before its series' cutoff, or
  late with ``--refund``): everything paid;
- otherwise the share of what was paid for the sessions the organizer cancelled
  (an occurrence cancelled or dropped by a series edit): paid x those sessions /
  the sessions it held, rounded down to the minor unit;

less what was refunded already. The cutoff is the start of the registration's
first session still to come less the series' ``refundable_hours``, in real
hours (across a clock change too): a cancellation at the cutoff itself is in time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from schedtui.domain import money, text
from schedtui.domain.errors import DeskError
from schedtui.services import audit
from schedtui.services.common import naive_now
from schedtui.services.owing import (  # noqa: F401 - what is owed, worked out from rows
    FREE,
    Money,
    amount_text,
    fresh_money,
    money_of,
    refund_owed,
    status_of,
)
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Payment, Registration, SeatEntry, Series, TicketType

METHODS = ("cash", "card", "transfer", "other")
STATUSES = ("free", "unpaid", "partly_paid", "paid", "refund_due", "refunded")


# -- the cutoff ---------------------------------------------------------------------


def cutoff(first_start: datetime | None, series: Series) -> datetime | None:
    """The last moment (naive UTC) a cancellation is refunded: the first session
    still to come less the series' refundable hours; None when none is to come."""
    if first_start is None:
        return None
    return first_start - timedelta(hours=series.refundable_hours)


def is_late(now: datetime, first_start: datetime | None, series: Series) -> bool:
    """Whether cancelling at ``now`` is after the cutoff (or nothing is to come)."""
    limit = cutoff(first_start, series)
    return limit is None or now > limit


# -- recording payments and refunds --------------------------------------------------


def _amount(amount: Any, registration: Registration) -> int:
    if not registration.currency:
        raise DeskError("overpayment", "This registration is free: nothing is due and "
                        "nothing was paid.")
    value = money.to_minor(amount, registration.currency)
    if value <= 0:
        raise DeskError("invalid_amount", "The amount must be more than 0.")
    return value


def _record(session: Session, store: Store, registration: Registration, series: Series,
            kind: str, value: int, method: str, reference: str) -> None:
    registration.updated_at = naive_now(store.now())
    session.add(registration)
    session.add(Payment(registration_id=registration.id, kind=kind, amount=value,
                        currency=registration.currency, method=method, reference=reference,
                        at=naive_now(store.now())))
    session.flush()
    audit.record(session, store, f"registration.{kind}", "registration", registration.id,
                 after={"amount": money.to_text(value, registration.currency),
                        "currency": registration.currency, "method": method,
                        "reference": reference},
                 series_id=series.id, hub_id=series.hub_id)


@transaction
def pay(store: Store, registration_id: int, amount: Any, *, method: str = "cash",
        reference: str = ""):
    """Record a payment. More than is still due is refused (``overpayment``)."""
    return _enter(store, registration_id, amount, method, reference, "payment")


@transaction
def refund(store: Store, registration_id: int, amount: Any, *, method: str = "cash",
           reference: str = ""):
    """Record a refund. More than was paid (less refunds) is refused (``over_refund``)."""
    return _enter(store, registration_id, amount, method, reference, "refund")


def _enter(store: Store, registration_id: int, amount: Any, method: str, reference: str,
           kind: str):
    """A payment or a refund, checked against what is due or was paid, with
    its audit entry."""
    from schedtui.services.registrations import _load, registration_views

    if method not in METHODS:
        raise DeskError("invalid_value", f"The method must be one of {', '.join(METHODS)}.")
    clean_reference = text.field(reference or "", "Reference", max_len=200)
    with store.write() as session:
        registration, series, _ = _load(session, registration_id)
        value = _amount(amount, registration)
        currency = registration.currency
        held = registration.paid - registration.refunded
        if kind == "payment":
            left = max(registration.unit_price * registration.seats - held, 0)
            if value > left:
                raise DeskError("overpayment", f"{money.show(left, currency)} is due; "
                                f"{money.show(value, currency)} is more.",
                                due=money.to_text(left, currency))
            registration.paid += value
        else:
            if value > held:
                raise DeskError("over_refund", f"{money.show(held, currency)} was paid and "
                                f"not refunded; {money.show(value, currency)} is more.",
                                paid=money.to_text(held, currency))
            registration.refunded += value
        _record(session, store, registration, series, kind, value, method, clean_reference)
        return registration_views(session, [registration.id])[0]


@dataclass(frozen=True)
class PaymentView:
    id: int
    registration_id: int
    kind: str
    amount: str
    currency: str
    method: str
    reference: str
    at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@transaction
def list_payments(store: Store, registration_id: int) -> list[PaymentView]:
    from schedtui.domain.zones import iso_utc
    from schedtui.services.common import get

    with store.read() as session:
        get(session, Registration, registration_id, "registration")
        rows = session.exec(select(Payment).where(Payment.registration_id == registration_id)
                            .order_by(Payment.id)).all()
        return [PaymentView(p.id, p.registration_id, p.kind, money.to_text(p.amount, p.currency),
                            p.currency, p.method, p.reference, iso_utc(p.at)) for p in rows]


# -- what the organizer's cancellations owe -----------------------------------------


def refund_note(session: Session, registration: Registration) -> str:
    """For the notice of a session the organizer cancelled: what is owed back."""
    if not registration.paid:
        return ""
    entries = session.exec(select(SeatEntry.status, SeatEntry.cancel_reason)
                           .where(SeatEntry.registration_id == registration.id)).all()
    owed = refund_owed(registration, entries)
    if not owed:
        return ""
    return (f"What you paid for it will be refunded: "
            f"{money.show(owed, registration.currency)} in all.")


# -- revenue -------------------------------------------------------------------------


@dataclass
class TicketRevenue:
    id: int
    name: str
    price: str
    seats: int = 0
    sold: str = "0"
    paid: str = "0"
    outstanding: str = "0"
    refunded: str = "0"
    refund_due: str = "0"


@dataclass
class Revenue:
    """A series' money: sold (what its active and pending registrations owe),
    paid (held: paid less refunded), outstanding (still to pay), refunded and
    refund due; in its currency, per ticket type."""

    currency: str | None
    sold: str = "0"
    paid: str = "0"
    outstanding: str = "0"
    refunded: str = "0"
    refund_due: str = "0"
    tickets: list[TicketRevenue] = field(default_factory=list)


@transaction
def series_revenue(store: Store, series_id: int) -> Revenue:
    """A series' revenue (as ``series stats`` gives it), read on its own."""
    from schedtui.services.common import get

    with store.read() as session:
        get(session, Series, series_id, "series")
        return revenue(session, series_id)


def revenue(session: Session, series_id: int) -> Revenue:
    tickets = session.exec(select(TicketType).where(TicketType.series_id == series_id)
                           .order_by(TicketType.id)).all()
    registrations = session.exec(select(Registration).where(Registration.series_id == series_id)
                                 .where((Registration.paid > 0) |
                                        col(Registration.ticket_id).is_not(None))).all()
    entries: dict[int, list[tuple[str, str]]] = {}
    ids = [r.id for r in registrations if r.paid]
    for start in range(0, len(ids), 900):
        for reg_id, status, reason in session.exec(
                select(SeatEntry.registration_id, SeatEntry.status, SeatEntry.cancel_reason)
                .where(col(SeatEntry.registration_id).in_(ids[start:start + 900]))):
            entries.setdefault(reg_id, []).append((status, reason))
    currency = next((t.currency for t in tickets if not t.archived), None) or \
        next((t.currency for t in tickets), None) or \
        next((r.currency for r in registrations if r.currency), None)
    sums: dict[int | None, list[int]] = {}
    for r in registrations:
        bucket = sums.setdefault(r.ticket_id, [0, 0, 0, 0, 0, 0])
        holding = r.status in ("active", "pending")
        due = r.unit_price * r.seats if holding else 0
        net = r.paid - r.refunded
        bucket[0] += r.seats if holding else 0
        bucket[1] += due
        bucket[2] += net
        bucket[3] += max(due - net, 0) if holding else 0
        bucket[4] += r.refunded
        bucket[5] += refund_owed(r, entries.get(r.id, []))
    cur = currency or ""
    result = Revenue(currency=currency)
    totals = [sum(b[i] for b in sums.values()) for i in range(6)]
    result.sold, result.paid, result.outstanding, result.refunded, result.refund_due = (
        amount_text(v, cur) for v in totals[1:])
    for t in tickets:
        b = sums.get(t.id, [0, 0, 0, 0, 0, 0])
        result.tickets.append(TicketRevenue(t.id, t.name, money.to_text(t.price, t.currency),
                                            b[0], *(amount_text(v, t.currency) for v in b[1:])))
    return result
