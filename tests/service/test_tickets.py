"""Ticket types, payments, refunds, revenue and the cancellation cutoff, through
the services on both stores; every refusal leaves nothing behind."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import (
    audit,
    bulk,
    hubs,
    occurrences,
    outbox,
    payments,
    registrations,
    series,
    tickets,
)
from schedtui.services.registrations import register
from tests.conftest import snapshot


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Studio", "Europe/Berlin")


def make(store, hub, option="single_session", capacity=20, **extra):
    settings = dict(hub_id=hub.id, name="Class", start=date(2025, 1, 6),
                    rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6", duration_minutes=60,
                    times=[(time(18), None)], capacity=capacity, registration_option=option)
    settings.update(extra)
    view = series.create_series(store, **settings)
    return view, [o.id for o in occurrences.list_occurrences(store, view.id)]


def person(n: int) -> dict:
    return {"email": f"p{n}@example.org", "name": f"Person {n}"}


def refused(code: str, call, *args, **kwargs) -> DeskError:
    with pytest.raises(DeskError) as err:
        call(*args, **kwargs)
    assert err.value.code == code, err.value.message
    return err.value


def test_a_ticket_type_and_its_json(store, hub):
    view, _ = make(store, hub)
    made = tickets.add_ticket(store, view.id, name="Standard", price="12.5", currency="eur",
                              quantity=10, sales_from="2024-12-01T09:00",
                              sales_until="2025-02-01")
    data = made.to_json()
    assert set(data) == {"id", "series_id", "name", "price", "currency", "quantity", "sold",
                         "available", "sales_from", "sales_until", "archived"}
    assert data["price"] == "12.50" and isinstance(data["price"], str)
    assert (data["currency"], data["quantity"], data["sold"], data["available"]) == \
        ("EUR", 10, 0, 10)
    assert data["sales_from"] == "2024-12-01T09:00:00+01:00"  # the series' zone
    assert data["sales_until"] == "2025-02-01T00:00:00+01:00"
    free = tickets.add_ticket(store, view.id, name="Guest")
    assert (free.price, free.currency, free.quantity, free.available) == ("0.00", "EUR", None,
                                                                           None)
    assert [t.id for t in tickets.list_tickets(store, view.id)] == [made.id, free.id]


def test_money_rules_on_tickets(store, hub):
    view, _ = make(store, hub)
    before = snapshot(store)
    refused("invalid_amount", tickets.add_ticket, store, view.id, name="A", price="-5")
    refused("invalid_amount", tickets.add_ticket, store, view.id, name="A", price="12.345")
    refused("invalid_amount", tickets.add_ticket, store, view.id, name="A", price="1.5",
            currency="JPY")
    refused("unknown_currency", tickets.add_ticket, store, view.id, name="A", price="1",
            currency="EURO")
    assert snapshot(store) == before
    yen = tickets.add_ticket(store, view.id, name="Yen", price="1500", currency="JPY")
    assert yen.price == "1500"
    refused("currency_mismatch", tickets.add_ticket, store, view.id, name="B", price="1",
            currency="EUR")
    second = tickets.add_ticket(store, view.id, name="Also yen", price="700")
    assert second.currency == "JPY"  # the series' currency by default
    other, _ = make(store, hub, name="Kuwait")
    fils = tickets.add_ticket(store, other.id, name="KWD", price="2.125", currency="KWD")
    assert fils.price == "2.125"


def test_a_series_with_tickets_needs_one(store, hub):
    view, occs = make(store, hub)
    plain = register(store, view.id, occurrence_ids=[occs[0]], **person(0))
    assert (plain.ticket, plain.amount_due, plain.currency, plain.payment_status) == \
        (None, "0", None, "free")
    ticket = tickets.add_ticket(store, view.id, name="Standard", price="10", currency="EUR")
    other, other_occs = make(store, hub, name="Other")
    before = snapshot(store)
    refused("ticket_required", register, store, view.id, occurrence_ids=[occs[0]], **person(1))
    refused("not_found", register, store, view.id, occurrence_ids=[occs[0]], ticket_id=999,
            **person(1))
    refused("ticket_mismatch", register, store, other.id, occurrence_ids=[other_occs[0]],
            ticket_id=ticket.id, **person(1))
    assert snapshot(store) == before
    made = register(store, view.id, occurrence_ids=[occs[0]], seats=3, ticket_id=ticket.id,
                    **person(1))
    assert made.ticket == {"id": ticket.id, "name": "Standard"}
    assert (made.amount_due, made.paid, made.currency, made.payment_status) == \
        ("30.00", "0.00", "EUR", "unpaid")
    # the view read back says the same as the one the registration returned
    again = registrations.get_registration(store, made.id).to_json()
    assert {k: again[k] for k in ("ticket", "amount_due", "paid", "currency",
                                  "payment_status")} == \
        {"ticket": {"id": ticket.id, "name": "Standard"}, "amount_due": "30.00",
         "paid": "0.00", "currency": "EUR", "payment_status": "unpaid"}
    # archiving the only ticket makes the series free to register again
    tickets.archive_ticket(store, ticket.id)
    assert register(store, view.id, occurrence_ids=[occs[0]], **person(2)).ticket is None
    refused("ticket_not_on_sale", register, store, view.id, occurrence_ids=[occs[0]],
            ticket_id=ticket.id, **person(3))


def test_the_sales_window(store, hub, clock):
    view, occs = make(store, hub)
    # the clock is 2025-01-01T12:00Z, 13:00 in Berlin
    early = tickets.add_ticket(store, view.id, name="Later", price="5",
                               sales_from="2025-01-01T13:01")
    late = tickets.add_ticket(store, view.id, name="Gone", price="5",
                              sales_until="2025-01-01T13:00")
    ok = tickets.add_ticket(store, view.id, name="Now", price="5",
                            sales_from="2025-01-01T13:00", sales_until="2025-01-01T13:01")
    err = refused("ticket_not_on_sale", register, store, view.id, occurrence_ids=[occs[0]],
                  ticket_id=early.id, **person(1))
    assert "2025-01-01 13:01 Europe/Berlin" in err.message
    refused("ticket_not_on_sale", register, store, view.id, occurrence_ids=[occs[0]],
            ticket_id=late.id, **person(1))
    assert register(store, view.id, occurrence_ids=[occs[0]], ticket_id=ok.id,
                    **person(1)).ticket["id"] == ok.id
    clock.now += timedelta(minutes=1)
    assert register(store, view.id, occurrence_ids=[occs[1]], ticket_id=early.id,
                    **person(2)).ticket["id"] == early.id
    refused("invalid_value", tickets.add_ticket, store, view.id, name="Backwards",
            sales_from="2025-02-01", sales_until="2025-01-01")


def test_quantity_counts_seats_of_active_and_pending(store, hub):
    view, occs = make(store, hub, option="multiple_sessions")
    ticket = tickets.add_ticket(store, view.id, name="Few", price="3", quantity=5)
    a = register(store, view.id, occurrence_ids=[occs[0]], seats=2, ticket_id=ticket.id,
                 **person(1))
    register(store, view.id, occurrence_ids=[occs[1], occs[2]], seats=2, ticket_id=ticket.id,
             **person(2))
    err = refused("ticket_sold_out", register, store, view.id, occurrence_ids=[occs[0]],
                  seats=2, ticket_id=ticket.id, **person(3))
    assert err.details["available"] == 1
    register(store, view.id, occurrence_ids=[occs[0]], seats=1, ticket_id=ticket.id,
             **person(3))
    assert tickets.get_ticket(store, ticket.id).available == 0
    refused("quantity_below_sold", tickets.edit_ticket, store, ticket.id, quantity=4)
    registrations.cancel_registration(store, a.id)  # a cancelled registration frees its seats
    assert tickets.get_ticket(store, ticket.id).sold == 3
    register(store, view.id, occurrence_ids=[occs[3]], seats=2, ticket_id=ticket.id,
             **person(4))
    edited = tickets.edit_ticket(store, ticket.id, quantity="unlimited", price="4")
    assert (edited.quantity, edited.available, edited.price) == (None, None, "4.00")


def test_pending_registrations_hold_the_ticket(store, hub):
    view, occs = make(store, hub, require_approval=True)
    ticket = tickets.add_ticket(store, view.id, name="One", price="3", quantity=1)
    pending = register(store, view.id, occurrence_ids=[occs[0]], ticket_id=ticket.id,
                       **person(1))
    assert pending.status == "pending"
    refused("ticket_sold_out", register, store, view.id, occurrence_ids=[occs[1]],
            ticket_id=ticket.id, **person(2))
    registrations.decline(store, pending.id)
    register(store, view.id, occurrence_ids=[occs[1]], ticket_id=ticket.id, **person(2))


def test_a_price_change_leaves_sold_registrations_as_sold(store, hub):
    view, occs = make(store, hub)
    ticket = tickets.add_ticket(store, view.id, name="T", price="10")
    reg = register(store, view.id, occurrence_ids=[occs[0]], ticket_id=ticket.id, **person(1))
    tickets.edit_ticket(store, ticket.id, price="15")
    assert registrations.get_registration(store, reg.id).amount_due == "10.00"


def test_pay_and_refund(store, hub):
    view, occs = make(store, hub)
    ticket = tickets.add_ticket(store, view.id, name="T", price="0.10")
    reg = register(store, view.id, occurrence_ids=[occs[0]], seats=3, ticket_id=ticket.id,
                   **person(1))
    assert reg.amount_due == "0.30"
    part = payments.pay(store, reg.id, "0.1", method="card", reference="R-1")
    assert (part.paid, part.payment_status) == ("0.10", "partly_paid")
    full = payments.pay(store, reg.id, "0.2")  # 0.1 + 0.2 is exactly 0.30
    assert (full.paid, full.payment_status) == ("0.30", "paid")
    before = snapshot(store)
    refused("overpayment", payments.pay, store, reg.id, "0.01")
    refused("invalid_amount", payments.pay, store, reg.id, "0")
    refused("invalid_amount", payments.pay, store, reg.id, "0.001")
    refused("invalid_value", payments.pay, store, reg.id, "0.01", method="bitcoin")
    refused("over_refund", payments.refund, store, reg.id, "0.31")
    refused("not_found", payments.pay, store, 999, "1")
    assert snapshot(store) == before
    back = payments.refund(store, reg.id, "0.30")
    assert (back.paid, back.refunded, back.payment_status) == ("0.00", "0.30", "refunded")
    kinds = [p.kind for p in payments.list_payments(store, reg.id)]
    assert kinds == ["payment", "payment", "refund"]
    logged = [e for e in audit.list_log(store, series_id=view.id)
              if e.action in ("registration.payment", "registration.refund")]
    assert sorted(e.after["amount"] for e in logged) == ["0.10", "0.20", "0.30"]
    assert {e.after.get("reference") for e in logged} >= {"R-1"}


def test_a_free_registration_takes_no_payment(store, hub):
    view, occs = make(store, hub)
    reg = register(store, view.id, occurrence_ids=[occs[0]], **person(1))
    refused("overpayment", payments.pay, store, reg.id, "1")


def test_yen_and_dinar_payments(store, hub):
    view, occs = make(store, hub)
    yen = tickets.add_ticket(store, view.id, name="Yen", price="1500", currency="JPY")
    reg = register(store, view.id, occurrence_ids=[occs[0]], seats=2, ticket_id=yen.id,
                   **person(1))
    assert reg.amount_due == "3000"
    refused("invalid_amount", payments.pay, store, reg.id, "0.5")
    assert payments.pay(store, reg.id, "3000").payment_status == "paid"
    other, other_occs = make(store, hub, name="KWD")
    kwd = tickets.add_ticket(store, other.id, name="Dinar", price="1.005", currency="KWD")
    reg = register(store, other.id, occurrence_ids=[other_occs[0]], seats=3,
                   ticket_id=kwd.id, **person(2))
    assert reg.amount_due == "3.015"
    assert payments.pay(store, reg.id, "3.015").paid == "3.015"


# -- the cutoff -------------------------------------------------------------------------


def _paid_registration(store, hub, **series_settings):
    view, occs = make(store, hub, **series_settings)
    ticket = tickets.add_ticket(store, view.id, name="T", price="20")
    reg = register(store, view.id, occurrence_ids=[occs[1]], ticket_id=ticket.id, **person(1))
    payments.pay(store, reg.id, "20")
    return view, occs, reg


def _start(store, occ_id) -> datetime:
    return datetime.fromisoformat(occurrences.get_occurrence(store, occ_id).start).astimezone(UTC)


def test_cancelling_exactly_at_the_cutoff_is_in_time(store, hub, clock):
    _, occs, reg = _paid_registration(store, hub, refundable_hours=24)
    clock.now = _start(store, occs[1]) - timedelta(hours=24)
    cancelled = registrations.cancel_registration(store, reg.id)
    assert (cancelled.late, cancelled.refund_due, cancelled.payment_status) == \
        (False, "20.00", "refund_due")
    back = payments.refund(store, reg.id, "20")
    assert (back.refund_due, back.payment_status) == ("0.00", "refunded")


def test_a_second_after_the_cutoff_is_late(store, hub, clock):
    _, occs, reg = _paid_registration(store, hub, refundable_hours=24)
    clock.now = _start(store, occs[1]) - timedelta(hours=24) + timedelta(seconds=1)
    preview = registrations.cancel_registration(store, reg.id, dry_run=True)
    assert (preview.late, preview.refund_due) == (True, "0.00")
    cancelled = registrations.cancel_registration(store, reg.id)
    assert (cancelled.status, cancelled.late, cancelled.refund_due, cancelled.paid,
            cancelled.payment_status) == ("cancelled", True, "0.00", "20.00", "paid")


def test_a_late_cancellation_refunds_when_asked(store, hub, clock):
    _, occs, reg = _paid_registration(store, hub, refundable_hours=24)
    clock.now = _start(store, occs[1]) - timedelta(hours=1)
    cancelled = registrations.cancel_registration(store, reg.id, refund=True)
    assert (cancelled.late, cancelled.refund_due) == (True, "20.00")


def test_zero_hours_is_refundable_until_the_start(store, hub, clock):
    _, occs, reg = _paid_registration(store, hub, refundable_hours=0)
    clock.now = _start(store, occs[1]) - timedelta(seconds=1)
    cancelled = registrations.cancel_registration(store, reg.id)
    assert (cancelled.late, cancelled.refund_due) == (False, "20.00")


def test_the_cutoff_counts_real_hours_across_a_clock_change(store, hub, clock):
    """Berlin goes to summer time on 2025-03-30 at 02:00. A session on Monday
    31 March at 18:00 (16:00 UTC) with a 48-hour cutoff: 48 real hours before is
    Saturday 29 March 17:00 local (16:00 UTC), not 18:00 on the wall clock."""
    view, _ = make(store, hub, start=date(2025, 3, 31), rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2",
                   refundable_hours=48)
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    ticket = tickets.add_ticket(store, view.id, name="T", price="20")
    start = _start(store, occs[0])
    assert start == datetime(2025, 3, 31, 16, 0, tzinfo=UTC)
    at_cutoff = datetime(2025, 3, 29, 16, 0, tzinfo=UTC)  # 17:00 in Berlin, still winter time
    regs = []
    for n in range(2):
        reg = register(store, view.id, occurrence_ids=[occs[0]], ticket_id=ticket.id,
                       **person(n))
        payments.pay(store, reg.id, "20")
        regs.append(reg)
    clock.now = at_cutoff
    assert registrations.cancel_registration(store, regs[0].id).late is False
    clock.now = at_cutoff + timedelta(minutes=1)  # long before 18:00 on Saturday's wall clock
    assert registrations.cancel_registration(store, regs[1].id).late is True


def test_the_first_session_still_to_come_sets_the_cutoff(store, hub, clock):
    view, occs = make(store, hub, option="all_sessions")
    ticket = tickets.add_ticket(store, view.id, name="Course", price="60")
    reg = register(store, view.id, ticket_id=ticket.id, **person(1))
    payments.pay(store, reg.id, "60")
    # after the first session has begun, the second one sets the cutoff
    clock.now = _start(store, occs[0]) + timedelta(minutes=5)
    cancelled = registrations.cancel_registration(store, reg.id)
    assert (cancelled.late, cancelled.refund_due) == (False, "60.00")


# -- the organizer's cancellations -----------------------------------------------------


def test_an_occurrence_cancelled_by_the_organizer_is_refund_due(store, hub, clock):
    _, occs, reg = _paid_registration(store, hub)
    clock.now = _start(store, occs[1]) - timedelta(hours=1)  # long after the cutoff
    occurrences.cancel_occurrence(store, occs[1])
    view = registrations.get_registration(store, reg.id)
    assert (view.refund_due, view.payment_status) == ("20.00", "refund_due")
    notice = [n for n in outbox.list_notices(store) if n.kind == "occurrence_cancelled"][0]
    assert "refunded: 20.00 EUR" in notice.body
    occurrences.restore_occurrence(store, occs[1])  # back on: nothing owed back
    assert registrations.get_registration(store, reg.id).refund_due == "0.00"


def test_cancelling_some_sessions_owes_their_share(store, hub):
    view, occs = make(store, hub, option="multiple_sessions")
    ticket = tickets.add_ticket(store, view.id, name="Three", price="10.00")
    reg = register(store, view.id, occurrence_ids=occs[:3], ticket_id=ticket.id, **person(1))
    payments.pay(store, reg.id, "10")
    bulk.cancel_occurrences(store, [occs[0]])
    assert registrations.get_registration(store, reg.id).refund_due == "3.33"  # rounded down
    bulk.cancel_occurrences(store, occs[1:3])
    assert registrations.get_registration(store, reg.id).refund_due == "10.00"
    bodies = [n.body for n in outbox.list_notices(store)
              if n.kind == "occurrence_cancelled"]
    assert any("3.33 EUR" in b for b in bodies) and any("10.00 EUR" in b for b in bodies)


def test_paying_back_the_share_of_cancelled_sessions_leaves_the_rest_paid(store, hub):
    view, occs = make(store, hub, option="multiple_sessions")
    ticket = tickets.add_ticket(store, view.id, name="Three", price="30.00")
    reg = register(store, view.id, occurrence_ids=occs[:3], ticket_id=ticket.id, **person(1))
    payments.pay(store, reg.id, "30")
    bulk.cancel_occurrences(store, [occs[0]])
    assert registrations.get_registration(store, reg.id).refund_due == "10.00"
    payments.refund(store, reg.id, "10")
    after = registrations.get_registration(store, reg.id)
    # The two sessions that stand are paid for: not "partly_paid" against the full price.
    assert (after.refund_due, after.paid, after.payment_status) == ("0.00", "20.00", "paid")


def test_stats_give_revenue_per_ticket(store, hub, clock):
    view, occs = make(store, hub)
    standard = tickets.add_ticket(store, view.id, name="Standard", price="12.50")
    reduced = tickets.add_ticket(store, view.id, name="Reduced", price="7.50")
    a = register(store, view.id, occurrence_ids=[occs[0]], seats=2, ticket_id=standard.id,
                 **person(1))
    b = register(store, view.id, occurrence_ids=[occs[0]], ticket_id=reduced.id, **person(2))
    c = register(store, view.id, occurrence_ids=[occs[1]], ticket_id=reduced.id, **person(3))
    payments.pay(store, a.id, "25")
    payments.pay(store, b.id, "5")
    payments.pay(store, c.id, "7.50")
    registrations.cancel_registration(store, c.id)  # in time: 7.50 owed back
    figures = registrations.series_stats(store, view.id).to_json()["revenue"]
    assert (figures["currency"], figures["sold"], figures["paid"], figures["outstanding"],
            figures["refunded"], figures["refund_due"]) == \
        ("EUR", "32.50", "37.50", "2.50", "0.00", "7.50")
    per = {t["name"]: t for t in figures["tickets"]}
    assert (per["Standard"]["seats"], per["Standard"]["sold"], per["Standard"]["paid"]) == \
        (2, "25.00", "25.00")
    assert (per["Reduced"]["sold"], per["Reduced"]["outstanding"],
            per["Reduced"]["refund_due"]) == ("7.50", "2.50", "7.50")
    payments.refund(store, c.id, "7.50")
    after = registrations.series_stats(store, view.id).to_json()["revenue"]
    assert (after["paid"], after["refunded"], after["refund_due"]) == ("30.00", "7.50", "0.00")


def test_switch_keeps_the_ticket(store, hub):
    view, occs = make(store, hub)
    ticket = tickets.add_ticket(store, view.id, name="T", price="5")
    reg = register(store, view.id, occurrence_ids=[occs[0]], ticket_id=ticket.id, **person(1))
    payments.pay(store, reg.id, "5")
    moved = registrations.switch(store, reg.id, occs[0], occs[1])
    assert (moved.ticket["id"], moved.paid, moved.payment_status) == (ticket.id, "5.00", "paid")
    other, other_occs = make(store, hub, name="Other")
    tickets.add_ticket(store, other.id, name="Other ticket", price="5")
    refused("ticket_mismatch", registrations.switch, store, reg.id, occs[1], other_occs[0])


def test_the_demo_has_a_paid_series_with_two_tickets_and_payments(store):
    from schedtui import demo

    demo.load(store)
    paid = [v for v in series.list_series(store)
            if len(tickets.list_tickets(store, v.id)) == 2]
    assert len(paid) == 1 and paid[0].refundable_hours == 48
    sold = registrations.list_registrations(store, series_id=paid[0].id)
    assert {r.payment_status for r in sold} >= {"paid", "partly_paid"}
    revenue = registrations.series_stats(store, paid[0].id).revenue
    assert revenue.currency == "EUR" and revenue.paid != "0.00"
    assert [t.seats > 0 for t in revenue.tickets] == [True, True]
