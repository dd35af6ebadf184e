"""The hot statements run on the driver: what they write reads back through the
ORM exactly as if the ORM had written it, and driver errors arrive as
SQLAlchemy's, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from schedtui.services import hubs, occurrences, registrations, series
from schedtui.store.hot import HotSQL
from schedtui.store.models import Attendee, Registration, SeatEntry


@pytest.fixture(params=[0, 123456], ids=["whole-second", "microseconds"])
def booked(store, clock, request):
    clock.now = clock.now.replace(microsecond=request.param)  # stored in the ORM's format
    hub = hubs.create_hub(store, "Studio", "Europe/Berlin")
    view = series.create_series(store, hub_id=hub.id, name="Class", start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=3", duration_minutes=60,
                                times=[(time(18), None)], capacity=1,
                                registration_option="multiple_sessions")
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    reg = registrations.register(store, view.id, email="Ann@Example.org", name="Ann",
                                 occurrence_ids=occs[:2])
    return reg, occs


def test_times_written_on_the_driver_compare_equal_through_the_orm(store, booked):
    reg, occs = booked
    now = store.now().replace(tzinfo=None)
    with store.read() as session:
        made = session.get(Registration, reg.id)
        assert made.created_at == now
        # A comparison in SQL (text on SQLite) finds the rows: same stored format.
        entries = session.exec(select(SeatEntry).where(SeatEntry.queued_at == now)
                               .where(SeatEntry.confirmed_at == now)).all()
        assert sorted(e.occurrence_id for e in entries) == occs[:2]
        person = session.exec(select(Attendee).where(Attendee.email_key == "ann@example.org")
                              ).one()
        assert (person.email, person.created_at) == ("Ann@Example.org", now)


def test_lists_expand_and_percent_signs_stay_literal(store, booked):
    reg, occs = booked
    query = HotSQL("SELECT occurrence_id FROM seat_entry WHERE occurrence_id IN (:ids) "
                   "AND status LIKE '%firm%' ORDER BY occurrence_id")
    with store.read() as session:
        assert [r.occurrence_id for r in query.rows(session, ids=occs)] == occs[:2]
        assert [r.occurrence_id for r in query.rows(session, ids=[occs[1]])] == [occs[1]]
        assert query.first(session, ids=[occs[2]]) is None


def test_driver_errors_are_raised_as_sqlalchemy_errors(store, booked):
    insert = HotSQL("INSERT INTO attendee (email_key, email, name, phone, created_at) "
                    "VALUES (:key, :key, 'Copy', '', :at)")
    with pytest.raises(IntegrityError), store.write() as session:
        insert.run(session, key="ann@example.org", at=datetime(2025, 1, 1))
    with store.read() as session:
        assert len(session.exec(select(Attendee)).all()) == 1


def test_pending_orm_changes_are_written_before_a_driver_statement(store, booked):
    reg, occs = booked
    count = HotSQL("SELECT count(*) AS n FROM seat_entry WHERE status = 'cancelled'")
    with pytest.raises(LookupError), store.write() as session:
        entry = session.exec(select(SeatEntry).where(SeatEntry.registration_id == reg.id)
                             ).first()
        entry.status = "cancelled"
        session.add(entry)
        assert count.first(session).n == 1
        raise LookupError("roll back")
    with store.read() as session:
        assert count.first(session).n == 0
