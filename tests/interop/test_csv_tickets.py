"""Tickets and money in attendee CSV: the export's ticket, amount, payment
and late-cancellation columns; the import's Ticket column, by name or id."""

from __future__ import annotations

import csv
import io
from datetime import date, time, timedelta

import pytest

from schedtui.domain.errors import DeskError
from schedtui.interop.csvio import export_attendees, import_attendees
from schedtui.services import hubs, occurrences, payments, registrations, series, tickets
from tests.conftest import snapshot


@pytest.fixture
def paid(store):
    hub = hubs.create_hub(store, "Studio", "Europe/Berlin")
    view = series.create_series(store, hub_id=hub.id, name="Class", start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", duration_minutes=60,
                                times=[(time(18), None)], capacity=10,
                                registration_option="single_session")
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    standard = tickets.add_ticket(store, view.id, name="Standard", price="12.50")
    reduced = tickets.add_ticket(store, view.id, name="Reduced", price="8", quantity=1)
    return view, occs, standard, reduced


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_carries_the_money(store, paid, clock):
    view, occs, standard, reduced = paid
    a = registrations.register(store, view.id, email="a@example.org", name="Ana",
                               occurrence_ids=[occs[0]], seats=2, ticket_id=standard.id)
    b = registrations.register(store, view.id, email="b@example.org", name="Bo",
                               occurrence_ids=[occs[0]], ticket_id=reduced.id)
    payments.pay(store, a.id, "10")
    payments.pay(store, b.id, "8")
    clock.now = clock.now + timedelta(days=5)  # 6 January 18:00 is a few hours ahead
    registrations.cancel_registration(store, b.id)
    rows = {r["Email"]: r for r in rows_of(export_attendees(store, None,
                                                            series_id=view.id).text)}
    assert {k: rows["a@example.org"][k] for k in ("Ticket", "Amount due", "Paid", "Currency",
                                                  "Payment status", "Late cancellation")} == \
        {"Ticket": "Standard", "Amount due": "25.00", "Paid": "10.00", "Currency": "EUR",
         "Payment status": "partly_paid", "Late cancellation": "no"}
    assert (rows["b@example.org"]["Payment status"],
            rows["b@example.org"]["Late cancellation"]) == ("paid", "yes")


def test_the_import_takes_a_ticket_column_by_name_or_id(store, paid, tmp_path):
    view, occs, standard, reduced = paid
    source = tmp_path / "people.csv"
    source.write_text("Name,Email,Ticket type,Seats\n"
                      "Ana,a@example.org,standard,2\n"
                      f"Bo,b@example.org,{reduced.id},1\n"
                      "Cy,c@example.org,Reduced,1\n"
                      "Di,d@example.org,VIP,1\n"
                      "Ed,e@example.org,,1\n", encoding="utf-8")
    report = import_attendees(store, source, view.id, occurrence_ids=[occs[1]])
    outcome = {r.email: (r.outcome, r.reason.split(":")[0]) for r in report.rows}
    assert outcome == {"a@example.org": ("confirmed", ""), "b@example.org": ("confirmed", ""),
                       "c@example.org": ("refused", "ticket_sold_out"),
                       "d@example.org": ("refused", "ticket_mismatch"),
                       "e@example.org": ("refused", "ticket_required")}
    made = {r.email: r for r in registrations.list_registrations(store, series_id=view.id)}
    assert (made["a@example.org"].ticket["name"], made["a@example.org"].amount_due) == \
        ("Standard", "25.00")
    assert made["b@example.org"].ticket["id"] == reduced.id


def test_a_file_without_a_ticket_column_is_refused_whole(store, paid, tmp_path):
    view, occs, *_ = paid
    source = tmp_path / "people.csv"
    source.write_text("Name,Email,Tickets\nAna,a@example.org,2\n", encoding="utf-8")
    before = snapshot(store)
    with pytest.raises(DeskError) as err:
        import_attendees(store, source, view.id, occurrence_ids=[occs[1]])
    assert err.value.code == "ticket_required" and "Ticket column" in err.value.message
    assert snapshot(store) == before
