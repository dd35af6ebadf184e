"""Schema 5 from a schema 4 database, on both stores: the ticket and payment
tables, the registration's money columns and the series' refundable hours are
added; what was there is kept, free and refundable 24 hours ahead."""

from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa
from sqlmodel import SQLModel

from schedtui.services import hubs, payments, registrations, series, tickets
from schedtui.store import migrate, open_store
from schedtui.store.models import Registration, Series

NEW_TABLES = ("ticket_type", "payment")
NEW_COLUMNS = {"registration": {"ticket_id", "unit_price", "currency", "paid", "refunded",
                                "late_cancel", "refund_on_cancel"},
               "series": {"refundable_hours"}}


def _schema_4() -> sa.MetaData:
    """Today's tables less what schema 5 adds (as schema 4 made them)."""
    old = sa.MetaData()
    for table in SQLModel.metadata.sorted_tables:
        if table.name in NEW_TABLES:
            continue
        drop = NEW_COLUMNS.get(table.name, set())
        sa.Table(table.name, old, *[c._copy() for c in table.columns if c.name not in drop])
    return old


def test_a_schema_4_database_gains_tickets(store_url, clock):
    from schedtui.store import models  # noqa: F401 - registers the tables

    engine = sa.create_engine(store_url if "://" in store_url else f"sqlite:///{store_url}")
    old = _schema_4()
    now = clock.now.replace(tzinfo=None)
    with engine.begin() as conn:
        old.create_all(conn)
        conn.execute(sa.text("INSERT INTO schedtui_meta (key, value) VALUES ('app', "
                             "'schedtui'), ('schema_version', '4')"))
        # rows in every table the step alters: a series and a registration of schema 4
        hub_id = conn.execute(old.tables["hub"].insert().values(
            name="Old", timezone="UTC", created_at=now)).inserted_primary_key[0]
        series_id = conn.execute(old.tables["series"].insert().values(
            hub_id=hub_id, name="Old class", timezone="UTC", start_date=date(2025, 1, 6),
            rrule="FREQ=WEEKLY;COUNT=1", duration_minutes=30, created_at=now,
            updated_at=now)).inserted_primary_key[0]
        person = conn.execute(old.tables["attendee"].insert().values(
            email_key="old@example.org", email="old@example.org", name="Old",
            created_at=now)).inserted_primary_key[0]
        reg_id = conn.execute(old.tables["registration"].insert().values(
            series_id=series_id, attendee_id=person, created_at=now,
            updated_at=now)).inserted_primary_key[0]
    engine.dispose()
    store = open_store(store_url, clock=clock)  # migrates
    try:
        with store.read() as session:
            conn = session.connection()
            version = conn.execute(sa.text(
                "SELECT value FROM schedtui_meta WHERE key = 'schema_version'")).scalar()
            found = sa.inspect(conn)
            tables = set(found.get_table_names())
            columns = {t: {c["name"] for c in found.get_columns(t)} for t in NEW_COLUMNS}
        assert version == str(migrate.SCHEMA_VERSION)
        assert set(NEW_TABLES) <= tables
        for table, added in NEW_COLUMNS.items():
            assert added <= columns[table]
        kept = registrations.get_registration(store, reg_id)
        assert (kept.name, kept.ticket, kept.amount_due, kept.payment_status, kept.late) == \
            ("Old", None, "0", "free", False)
        assert series.get_series(store, series_id).refundable_hours == 24
        hub = hubs.create_hub(store, "Studio", "Europe/Berlin")
        view = series.create_series(store, hub_id=hub.id, name="Class", start=date(2025, 1, 6),
                                    rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=3", duration_minutes=60,
                                    times=[(time(18), None)], registration_option="all_sessions")
        assert view.refundable_hours == 24
        free = registrations.register(store, view.id, email="a@example.org", name="A")
        assert (free.payment_status, free.amount_due) == ("free", "0")
        ticket = tickets.add_ticket(store, view.id, name="T", price="9.99")
        reg = registrations.register(store, view.id, email="b@example.org", name="B",
                                     ticket_id=ticket.id)
        assert payments.pay(store, reg.id, "9.99").payment_status == "paid"
    finally:
        store.dispose()


def test_a_half_migrated_database_is_safe(store_url, clock):
    """Each part adds only what is missing: running the step again changes nothing."""
    store = open_store(store_url, clock=clock)
    try:
        with store.write() as session:
            migrate._v4_to_v5(session.connection())
        with store.read() as session:
            cols = {c["name"] for c in sa.inspect(session.connection()).get_columns(
                Registration.__tablename__)}
            assert NEW_COLUMNS["registration"] <= cols
            assert "refundable_hours" in {c["name"] for c in sa.inspect(
                session.connection()).get_columns(Series.__tablename__)}
    finally:
        store.dispose()
