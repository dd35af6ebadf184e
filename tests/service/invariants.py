"""What must hold in any store after any mix of changes, however they interleaved.

:func:`problems` reads the whole store and returns a list of plain sentences,
one per broken rule (an empty list: all is well), so a failing test shows
every problem at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlmodel import select

from schedtui.services.common import naive_now
from schedtui.store.models import (
    Notice,
    Occurrence,
    Payment,
    Registration,
    SeatEntry,
    Series,
    TicketType,
)

REGISTRATION_NOTICES = {"confirmed", "waitlisted", "partial", "pending"}
"""The notice a new registration writes (one of them, once)."""


def problems(store, now: datetime) -> list[str]:
    """Every broken invariant, as sentences."""
    cutoff = naive_now(now)
    found: list[str] = []
    with store.read() as session:
        series = {s.id: s for s in session.exec(select(Series))}
        occs = {o.id: o for o in session.exec(select(Occurrence))}
        regs = {r.id: r for r in session.exec(select(Registration))}
        entries = session.exec(select(SeatEntry).order_by(SeatEntry.id)).all()
        notices = session.exec(select(Notice)).all()
        ticket_types = {t.id: t for t in session.exec(select(TicketType))}
        payment_rows = session.exec(select(Payment)).all()

    future = {i for i, o in occs.items() if o.start_utc > cutoff}
    confirmed: Counter[int] = Counter()
    live: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    held: defaultdict[int, set[int]] = defaultdict(set)
    waiting: defaultdict[int, list[SeatEntry]] = defaultdict(list)
    for e in entries:
        reg = regs[e.registration_id]
        if occs[e.occurrence_id].series_id != reg.series_id:
            found.append(f"entry {e.id} of registration {reg.id} (series {reg.series_id}) is "
                         f"in occurrence {e.occurrence_id} of series "
                         f"{occs[e.occurrence_id].series_id}")
        if e.status == "confirmed":
            confirmed[e.occurrence_id] += e.seats
            if reg.status in ("cancelled", "declined") and e.occurrence_id in future:
                found.append(f"registration {reg.id} is {reg.status} yet holds a confirmed "
                             f"seat in occurrence {e.occurrence_id}")
        if e.status != "cancelled":
            live[(reg.attendee_id, e.occurrence_id)].append(e.id)
            held[reg.id].add(e.occurrence_id)
            if reg.status == "pending" and e.status != "pending":
                found.append(f"pending registration {reg.id} has a {e.status} entry")
            if reg.status == "active" and e.status == "pending":
                found.append(f"active registration {reg.id} has a pending entry")
        if e.status == "waitlisted":
            waiting[e.occurrence_id].append(e)
        if e.seats != reg.seats:
            found.append(f"entry {e.id} has {e.seats} seats, its registration {reg.seats}")
    for (person, occ), ids in live.items():
        if len(ids) > 1:
            found.append(f"attendee {person} holds {len(ids)} live entries {ids} in "
                         f"occurrence {occ}")
    for occ_id, taken in confirmed.items():
        cap = occs[occ_id].capacity
        if cap is not None and taken > cap:
            found.append(f"occurrence {occ_id} holds {taken} confirmed seats over "
                         f"capacity {cap}")
    for occ_id, queue in waiting.items():
        occ = occs[occ_id]
        if occ.status != "scheduled" or occ_id not in future:
            continue
        free = None if occ.capacity is None else occ.capacity - confirmed[occ_id]
        queue.sort(key=lambda e: (e.queued_at, e.id))
        rule = series[occ.series_id].waitlist
        # Strict: the first in line who could ever be served must not fit the
        # free seats; first fit: no one waiting fits them.
        servable = [e for e in queue if occ.capacity is None or e.seats <= occ.capacity]
        ahead = servable[:1] if rule == "strict" else queue
        for e in ahead:
            if free is None or e.seats <= free:
                found.append(f"occurrence {occ_id} ({rule}): entry {e.id} waits for "
                             f"{e.seats} seats while {free} are free")
    for reg in regs.values():
        s = series[reg.series_id]
        if reg.status not in ("active", "pending") or s.registration_option != "all_sessions":
            continue
        due = {i for i in future if occs[i].series_id == s.id and occs[i].status == "scheduled"}
        missing = sorted(due - held[reg.id])
        if missing:
            found.append(f"all-sessions registration {reg.id} ({reg.status}) holds no seat "
                         f"in occurrences {missing}")
    found += _ticket_problems(regs, ticket_types, payment_rows)
    made = Counter(n.registration_id for n in notices if n.kind in REGISTRATION_NOTICES)
    for reg_id, count in made.items():
        if count > 1:
            found.append(f"registration {reg_id} got {count} registration notices")
    for kind in ("approved", "declined", "cancelled"):
        sent = Counter(n.registration_id for n in notices if n.kind == kind)
        for reg_id, count in sent.items():
            if count > 1:
                found.append(f"registration {reg_id} got {count} '{kind}' notices")
    return found


def _ticket_problems(regs: dict, ticket_types: dict, payment_rows: list) -> list[str]:
    """Tickets and money: no ticket sells more seats than its quantity (active
    and pending registrations), a registration's ticket is of its series and
    its price in the ticket's currency, and its paid and refunded sums are its
    payment rows, never more paid than due nor more refunded than paid."""
    found = []
    sold: Counter[int] = Counter()
    for reg in regs.values():
        if reg.ticket_id is None:
            continue
        ticket = ticket_types[reg.ticket_id]
        if ticket.series_id != reg.series_id:
            found.append(f"registration {reg.id} holds ticket {ticket.id} of series "
                         f"{ticket.series_id}")
        if reg.currency != ticket.currency:
            found.append(f"registration {reg.id} is in {reg.currency!r}, its ticket in "
                         f"{ticket.currency}")
        if reg.status in ("active", "pending"):
            sold[ticket.id] += reg.seats
    for ticket_id, seats in sold.items():
        quantity = ticket_types[ticket_id].quantity
        if quantity is not None and seats > quantity:
            found.append(f"ticket {ticket_id} sold {seats} seats over its quantity {quantity}")
    sums: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for payment in payment_rows:
        sums[payment.registration_id][payment.kind] += payment.amount
        if payment.amount <= 0:
            found.append(f"payment {payment.id} is {payment.amount}")
    for reg in regs.values():
        paid, refunded = sums[reg.id]["payment"], sums[reg.id]["refund"]
        if (reg.paid, reg.refunded) != (paid, refunded):
            found.append(f"registration {reg.id} says paid {reg.paid}, refunded {reg.refunded}; "
                         f"its payments say {paid}, {refunded}")
        if reg.paid - reg.refunded > reg.unit_price * reg.seats:
            found.append(f"registration {reg.id} holds {reg.paid - reg.refunded} of "
                         f"{reg.unit_price * reg.seats} due")
        if reg.refunded > reg.paid:
            found.append(f"registration {reg.id} refunded {reg.refunded} of {reg.paid} paid")
    return found


def notice_counts(store, registration_id: int) -> Counter[str]:
    """How many notices of each kind a registration got."""
    with store.read() as session:
        return Counter(session.exec(select(Notice.kind)
                                    .where(Notice.registration_id == registration_id)).all())
