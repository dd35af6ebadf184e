"""Archiving ends a series: upcoming sessions people hold seats in are not
left standing with their seats and money. Archiving is refused until the
organizer confirms (the refusal names who paid); confirmed, those sessions
are cancelled as the organizer cancels one, so every payment for them becomes
refund due and each person is told. Pausing changes none of it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, occurrences, outbox, payments, registrations, series, tickets
from schedtui.services.registrations import register
from tests.conftest import snapshot


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Studio", "Europe/Berlin")


def make(store, hub, option="all_sessions", name="Course"):
    view = series.create_series(store, hub_id=hub.id, name=name, start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6", duration_minutes=60,
                                times=[(time(18), None)], capacity=20,
                                registration_option=option)
    return view, [o.id for o in occurrences.list_occurrences(store, view.id)]


def start_of(store, occ_id) -> datetime:
    return datetime.fromisoformat(occurrences.get_occurrence(store, occ_id).start) \
        .astimezone(UTC)


def paid_course(store, hub):
    view, occs = make(store, hub)
    ticket = tickets.add_ticket(store, view.id, name="Course", price="60")
    ana = register(store, view.id, ticket_id=ticket.id, email="ana@example.org", name="Ana")
    payments.pay(store, ana.id, "60")
    bo = register(store, view.id, ticket_id=ticket.id, email="bo@example.org", name="Bo")
    return view, occs, ana, bo


def test_archiving_with_paid_upcoming_seats_is_refused_and_names_who_paid(store, hub):
    view, occs, ana, bo = paid_course(store, hub)
    before = snapshot(store)
    with pytest.raises(DeskError) as caught:
        series.set_status(store, view.id, "archive")
    error = caught.value
    assert error.code == "has_registrations"
    assert "Ana (60.00 EUR" in error.message and "refund due" in error.message
    assert error.details["occurrences"] == occs and error.details["people"] == 2
    assert [(p["name"], p["paid"], p["currency"]) for p in error.details["paid"]] == [
        ("Ana", "60.00", "EUR")]  # Bo has not paid: he holds a seat, he is not listed
    assert snapshot(store) == before


def test_archiving_confirmed_cancels_the_sessions_to_come_and_owes_their_share(store, hub,
                                                                               clock):
    view, occs, ana, bo = paid_course(store, hub)
    clock.now = start_of(store, occs[2]) - timedelta(hours=1)  # two sessions have been held
    archived = series.set_status(store, view.id, "archive", confirm=True)
    assert archived.status == "archived"
    states = [o.status for o in occurrences.list_occurrences(store, view.id)]
    assert states == ["scheduled", "scheduled"] + ["cancelled"] * 4  # the past is kept
    money = registrations.get_registration(store, ana.id)
    assert (money.refund_due, money.payment_status) == ("40.00", "refund_due")  # 4 of 6
    assert registrations.get_registration(store, bo.id).refund_due == "0.00"  # paid nothing
    told = {n.to_email: n.body for n in outbox.list_notices(store)
            if n.kind == "occurrence_cancelled"}
    assert set(told) == {"ana@example.org", "bo@example.org"}
    assert "refunded: 40.00 EUR" in told["ana@example.org"]
    assert "refunded" not in told["bo@example.org"]
    assert payments.refund(store, ana.id, "40").refund_due == "0.00"


def test_free_upcoming_seats_also_need_confirming(store, hub):
    view, occs = make(store, hub, option="single_session")
    register(store, view.id, occurrence_ids=[occs[3]], email="cy@example.org", name="Cy")
    with pytest.raises(DeskError) as caught:
        series.set_status(store, view.id, "archive")
    assert caught.value.details == {"occurrences": [occs[3]], "people": 1, "paid": []}
    series.set_status(store, view.id, "archive", confirm=True)
    states = {o.id: o.status for o in occurrences.list_occurrences(store, view.id)}
    assert states[occs[3]] == "cancelled"
    assert [s for i, s in states.items() if i != occs[3]] == ["scheduled"] * 5  # nobody's


def test_archiving_without_upcoming_seats_asks_nothing(store, hub, clock):
    view, occs, ana, _ = paid_course(store, hub)
    clock.now = start_of(store, occs[-1]) + timedelta(hours=2)  # all held
    assert series.set_status(store, view.id, "archive").status == "archived"
    assert registrations.get_registration(store, ana.id).payment_status == "paid"
    empty, _ = make(store, hub, name="Empty")
    assert series.set_status(store, empty.id, "archive").status == "archived"


def test_pausing_keeps_the_sessions_and_the_money(store, hub):
    view, occs, ana, _ = paid_course(store, hub)
    series.set_status(store, view.id, "pause")
    assert {o.status for o in occurrences.list_occurrences(store, view.id)} == {"scheduled"}
    assert registrations.get_registration(store, ana.id).payment_status == "paid"


def test_archiving_a_hub_ends_its_series_the_same_way(store, hub):
    view, occs, ana, _ = paid_course(store, hub)
    before = snapshot(store)
    with pytest.raises(DeskError) as caught:
        hubs.archive_hub(store, hub.id)
    assert caught.value.code == "has_registrations" and "Ana" in caught.value.message
    assert snapshot(store) == before
    hubs.archive_hub(store, hub.id, confirm=True)
    assert series.get_series(store, view.id).status == "archived"
    assert registrations.get_registration(store, ana.id).refund_due == "60.00"
