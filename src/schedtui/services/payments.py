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

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from schedtui.domain import money, text
from schedtui.domain.errors import DeskError
from schedtui.services import audit
from schedtui.services.common import naive_now
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Payment, Registration, SeatEntry, Series, TicketType

METHODS = ("cash", "card", "transfer", "other")
STATUSES = ("free", "unpaid", "partly_paid", "paid", "refund_due", "refunded")
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


def _text(minor: int, currency: str) -> str:
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


def refund_owed(registration: Registration, entries: Iterable[tuple[str, str]]) -> int:
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


def money_of(registration: Registration, entries: Iterable[tuple[str, str]],
             ticket_name: str | None) -> Money:
    currency = registration.currency or ""
    entries = list(entries)
    due = registration.unit_price * registration.seats
    owed = refund_owed(registration, entries)
    lost, held = _lost(entries)
    standing = due - due * lost // held if held else due  # the organizer's cancellations off
    return Money(
        ticket=None if registration.ticket_id is None else
        {"id": registration.ticket_id, "name": ticket_name},
        amount_due=_text(due, currency),
        paid=_text(registration.paid - registration.refunded, currency),
        refunded=_text(registration.refunded, currency), refund_due=_text(owed, currency),
        currency=currency or None,
        payment_status=status_of(standing, registration.paid, registration.refunded, owed),
        late=registration.late_cancel)


def money_fields(session: Session, registrations: list[Registration],
                 entries: dict[int, list[SeatEntry]]) -> dict[int, Money]:
    """:func:`money_of` for several registrations, their ticket names in one query."""
    ids = {r.ticket_id for r in registrations if r.ticket_id is not None}
    names = dict(session.exec(select(TicketType.id, TicketType.name)
                              .where(col(TicketType.id).in_(ids))).all()) if ids else {}
    return {r.id: money_of(r, [(e.status, e.cancel_reason) for e in entries.get(r.id, [])],
                           names.get(r.ticket_id)) for r in registrations}


FREE = Money(ticket=None, amount_due="0", paid="0", refunded="0", refund_due="0",
             currency=None, payment_status="free", late=False)


def fresh_money(unit_price: int, seats: int, currency: str, ticket_id: int | None,
                ticket_name: str | None) -> Money:
    """A registration just made: owes its price, has paid nothing."""
    if ticket_id is None and not currency:
        return FREE  # the usual case, on the registration's hot path
    due = unit_price * seats
    return Money(ticket=None if ticket_id is None else {"id": ticket_id, "name": ticket_name},
                 amount_due=_text(due, currency), paid=_text(0, currency),
                 refunded=_text(0, currency), refund_due=_text(0, currency),
                 currency=currency or None, payment_status="free" if due == 0 else "unpaid",
                 late=False)


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
    from schedtui.services.registrations import _load, _views

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
        return _views(session, [registration])[0]


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
        _text(v, cur) for v in totals[1:])
    for t in tickets:
        b = sums.get(t.id, [0, 0, 0, 0, 0, 0])
        result.tickets.append(TicketRevenue(t.id, t.name, money.to_text(t.price, t.currency),
                                            b[0], *(_text(v, t.currency) for v in b[1:])))
    return result
