"""Schema versions. A new database gets the current tables; an older one is
migrated forward, one step at a time, inside one write transaction; a newer
one is refused. The same path serves SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from schedtui.domain.errors import DeskError

if TYPE_CHECKING:
    from sqlalchemy import inspect, text
    from sqlalchemy.engine import Connection
    from sqlmodel import SQLModel

    from schedtui.store.engine import Store

APP_NAME = "schedtui"
META_TABLE = "schedtui_meta"
SCHEMA_VERSION = 8


def _v1_to_v2(connection: Connection) -> None:
    """Registrations: attendees, registrations, seat entries, the outbox,
    idempotency keys, and two series settings."""
    from schedtui.store import models

    false = "false" if connection.dialect.name == "postgresql" else "0"
    connection.execute(text("ALTER TABLE series ADD COLUMN max_seats INTEGER NOT NULL "
                            "DEFAULT 5"))
    connection.execute(text("ALTER TABLE series ADD COLUMN require_approval BOOLEAN NOT NULL "
                            f"DEFAULT {false}"))
    connection.execute(text("ALTER TABLE slot ADD COLUMN fixed_capacity BOOLEAN NOT NULL "
                            f"DEFAULT {false}"))
    tables = [models.Attendee, models.Registration, models.SeatEntry, models.Notice,
              models.IdempotencyKey]
    SQLModel.metadata.create_all(connection, tables=[t.__table__ for t in tables])


def _v2_to_v3(connection: Connection) -> None:
    """Drop three indexes no query reads: every change paid a page write for each
    (the audit log is read newest id first, the outbox in id order). Add the
    one an occurrence's attendee list reads a window at a time."""
    for name in ("ix_audit_at", "ix_audit_hub_id", "ix_notice_created_at"):
        connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
    connection.execute(text("CREATE INDEX IF NOT EXISTS ix_seat_occurrence_registration "
                            "ON seat_entry (occurrence_id, registration_id)"))


def _waitlist_rule(connection: Connection) -> None:
    """The series' waitlist rule: strict first come first served (the default,
    and what every existing series gets) or first that fits."""
    columns = {c["name"] for c in inspect(connection).get_columns("series")}
    if "waitlist" not in columns:
        connection.execute(text("ALTER TABLE series ADD COLUMN waitlist VARCHAR(16) NOT NULL "
                                "DEFAULT 'strict'"))


def _notice_sending(connection: Connection) -> None:
    """The outbox sends: each notice's state, tries, Message-ID, the server's reply,
    when to try again, and when it is due. (A database coming from schema 1 got
    the table as it is now, in step 1.)"""
    present = {c["name"] for c in inspect(connection).get_columns("notice")}
    for column in ("state VARCHAR(16) NOT NULL DEFAULT 'waiting'",
                   "tries INTEGER NOT NULL DEFAULT 0", "message_id VARCHAR(300)",
                   "sent_at TIMESTAMP", "reply VARCHAR(500)", "next_try_at TIMESTAMP",
                   "due_at TIMESTAMP"):
        if column.split()[0] not in present:
            connection.execute(text(f"ALTER TABLE notice ADD COLUMN {column}"))


def _rule_sets(connection: Connection) -> None:
    """Rule sets: a series' other rules and dates (RRULE, RDATE, EXRULE, EXDATE
    lines) beside its main rule."""
    columns = {c["name"] for c in inspect(connection).get_columns("series")}
    if "rule_extra" not in columns:
        connection.execute(text("ALTER TABLE series ADD COLUMN rule_extra TEXT NOT NULL "
                                "DEFAULT ''"))


def _import_uid(connection: Connection) -> None:
    """Series remember the UID of the calendar event they were imported from, so
    importing the same file again updates them instead of adding copies."""
    if "ics_uid" not in {c["name"] for c in inspect(connection).get_columns("series")}:
        connection.execute(text("ALTER TABLE series ADD COLUMN ics_uid VARCHAR(500)"))


def _database_id(connection: Connection) -> None:
    """A random identity for the database, made once (a backup keeps it): it
    makes the outbox's Message-IDs unique across desks."""
    connection.execute(text(f"INSERT INTO {META_TABLE} (key, value) VALUES ('database_id', "
                            ":v) ON CONFLICT (key) DO NOTHING"), {"v": os.urandom(8).hex()})


def _blackouts(connection: Connection) -> None:
    """Bulk edits and blackouts: the audit log's batch (the entries of one bulk
    edit, undone as one step); hub blackout periods; each series' blackout
    policy (existing series: skip); the blackout an occurrence was cancelled
    or shifted by, and its start before a shift."""
    from schedtui.store import models

    SQLModel.metadata.create_all(connection, tables=[models.Blackout.__table__])
    found = inspect(connection)
    if "batch" not in {c["name"] for c in found.get_columns("audit")}:
        connection.execute(text("ALTER TABLE audit ADD COLUMN batch VARCHAR(32)"))
    if "on_blackout" not in {c["name"] for c in found.get_columns("series")}:
        connection.execute(text("ALTER TABLE series ADD COLUMN on_blackout VARCHAR(8) NOT NULL "
                                "DEFAULT 'skip'"))
    occurrence = {c["name"] for c in found.get_columns("occurrence")}
    stamp = "TIMESTAMP WITHOUT TIME ZONE" if connection.dialect.name == "postgresql" \
        else "DATETIME"
    if "blackout_id" not in occurrence:
        connection.execute(text("ALTER TABLE occurrence ADD COLUMN blackout_id INTEGER "
                                "REFERENCES blackout (id)"))
    if "blackout_start" not in occurrence:
        connection.execute(text(f"ALTER TABLE occurrence ADD COLUMN blackout_start {stamp}"))


def _v3_to_v4(connection: Connection) -> None:
    """Schema 4: the waitlist rule, the outbox's send state, rule sets, the
    imported event's UID, the database's identity, bulk edits and blackouts.
    Each part adds only what is missing, so a database made at an earlier step
    is safe."""
    for part in (_waitlist_rule, _notice_sending, _rule_sets, _import_uid, _database_id,
                 _blackouts):
        part(connection)


def _policies(connection: Connection) -> None:
    """A series' policies: one-off events beside series, the contact it asks
    for, privacy, reminder offsets; a hub's region for phone numbers."""
    false = "false" if connection.dialect.name == "postgresql" else "0"
    found = inspect(connection)
    series = {c["name"] for c in found.get_columns("series")}
    for column in ("kind VARCHAR(8) NOT NULL DEFAULT 'series'",
                   "contact VARCHAR(16) NOT NULL DEFAULT 'email'",
                   f"private BOOLEAN NOT NULL DEFAULT {false}",
                   "remind VARCHAR(100) NOT NULL DEFAULT ''"):
        if column.split()[0] not in series:
            connection.execute(text(f"ALTER TABLE series ADD COLUMN {column}"))
    if "region" not in {c["name"] for c in found.get_columns("hub")}:
        connection.execute(text("ALTER TABLE hub ADD COLUMN region VARCHAR(2) NOT NULL "
                                "DEFAULT ''"))


def _agenda_index(connection: Connection) -> None:
    """Seat counts by occurrence and status (the agenda's, the calendar's) read
    from the index alone: (occurrence, status) becomes (occurrence, status,
    seats), which serves every query the old one did, so it goes."""
    connection.execute(text("CREATE INDEX IF NOT EXISTS ix_seat_occurrence_status_seats "
                            "ON seat_entry (occurrence_id, status, seats)"))
    connection.execute(text("DROP INDEX IF EXISTS ix_seat_occurrence_status"))


def _tickets(connection: Connection) -> None:
    """Tickets and payments: ticket types and the payment record; each
    registration's ticket, price when sold, sums paid and refunded and how a
    cancellation left it; each series' refundable hours (existing series: 24,
    existing registrations: free)."""
    from schedtui.store import models

    SQLModel.metadata.create_all(connection, tables=[models.TicketType.__table__,
                                                     models.Payment.__table__])
    found = inspect(connection)
    if "refundable_hours" not in {c["name"] for c in found.get_columns("series")}:
        connection.execute(text("ALTER TABLE series ADD COLUMN refundable_hours INTEGER NOT NULL "
                                "DEFAULT 24"))
    false = "false" if connection.dialect.name == "postgresql" else "0"
    present = {c["name"] for c in found.get_columns("registration")}
    for column in ("ticket_id INTEGER REFERENCES ticket_type (id)",
                   "unit_price BIGINT NOT NULL DEFAULT 0",
                   "currency VARCHAR(3) NOT NULL DEFAULT ''",
                   "paid BIGINT NOT NULL DEFAULT 0", "refunded BIGINT NOT NULL DEFAULT 0",
                   f"late_cancel BOOLEAN NOT NULL DEFAULT {false}",
                   f"refund_on_cancel BOOLEAN NOT NULL DEFAULT {false}"):
        if column.split()[0] not in present:
            connection.execute(text(f"ALTER TABLE registration ADD COLUMN {column}"))


def _v4_to_v5(connection: Connection) -> None:
    """Schema 5: policies, the agenda's covering index, tickets and payments. Each part
    adds only what is missing."""
    for part in (_policies, _agenda_index, _tickets):
        part(connection)


def _agenda_window_index(connection: Connection) -> None:
    """The occurrences of a window of days read from the index alone (the
    agenda's page, its sessions of days from before, double-bookings): the
    start index becomes (start, end, series, status), which serves every query
    the old one did, so it goes."""
    connection.execute(text("CREATE INDEX IF NOT EXISTS ix_occurrence_start_end ON occurrence "
                            "(start_utc, end_utc, series_id, status)"))
    connection.execute(text("DROP INDEX IF EXISTS ix_occurrence_start_utc"))


def _v5_to_v6(connection: Connection) -> None:
    """Schema 6: the agenda's window index. Each part adds only what is missing."""
    for part in (_agenda_window_index,):
        part(connection)


def _long_session_index(connection: Connection) -> None:
    """The sessions of more than a day, by start, in a partial index: the
    agenda finds what began days before its week and runs into it without
    reading every session of the 31 days before (the longest a session lasts)."""
    from schedtui.store.sql import LONG_SESSION

    where = LONG_SESSION[connection.dialect.name]
    connection.execute(text("CREATE INDEX IF NOT EXISTS ix_occurrence_long ON occurrence "
                            f"(start_utc, end_utc, series_id, status) WHERE {where}"))


def _v6_to_v7(connection: Connection) -> None:
    """Schema 7: the index of long sessions. Each part adds only what is missing."""
    for part in (_long_session_index,):
        part(connection)


OWN_BOOKING = "host IS NOT NULL OR location IS NOT NULL"
"""An occurrence with a host or place of its own (not its series'): the
predicate of the partial index ``ix_occurrence_own`` (schema 8), the same
words in both dialects; the double-booking check names it so (services/
conflicts.py) and the planner picks that index."""


def _own_booking_index(connection: Connection) -> None:
    """The occurrences with a host or place of their own, by start, in a partial
    index: a double-booking check finds them in its stretches of time without
    reading every occurrence of those days (a busy calendar has few)."""
    connection.execute(text("CREATE INDEX IF NOT EXISTS ix_occurrence_own ON occurrence "
                            f"(start_utc) WHERE {OWN_BOOKING}"))


def _v7_to_v8(connection: Connection) -> None:
    """Schema 8: the index of occurrences with a host or place of their own."""
    _own_booking_index(connection)


# MIGRATIONS[n] takes a database at version n to version n + 1.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3,
                                                       3: _v3_to_v4, 4: _v4_to_v5,
                                                       5: _v5_to_v6, 6: _v6_to_v7,
                                                       7: _v7_to_v8}


def _load_orm() -> None:
    """SQLAlchemy's ``text`` and ``inspect``, SQLModel and the tables, for the
    steps above: only creating or migrating a schema needs them. The usual open
    (a database at the current version) is checked on the driver without them,
    so a read command never loads the ORM."""
    global inspect, text, SQLModel
    from sqlalchemy import inspect, text  # noqa: F401
    from sqlmodel import SQLModel

    from schedtui.store import models  # noqa: F401 - registers the tables


def prepare(store: Store, *, create: bool = True) -> int:
    """Create, check and migrate the schema. Returns the version found before.

    The check is a read: a database at the current version (the usual case) is
    opened without the write lock, so a command starts while another program
    holds a long write (an import) and only waits if it writes itself. The write
    lock is taken only to create or migrate, and the check is repeated under it
    (another desk may have done the work meanwhile)."""
    with store.query() as reader:  # on the driver: the usual open loads no ORM
        cursor = reader.connection.cursor()
        found = _check(store, reader.dialect, lambda sql: cursor.execute(sql).fetchall(),
                       create=create)
    if found == SCHEMA_VERSION:
        return found
    _load_orm()
    with store.write() as session:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            # One desk at a time creates or migrates the schema.
            connection.execute(text("SELECT pg_advisory_xact_lock(5455243)"))
        found = _check(store, connection.dialect.name,
                       lambda sql: connection.exec_driver_sql(sql).all(), create=create)
        if found is None:
            SQLModel.metadata.create_all(connection)
            _long_session_index(connection)  # partial: in each dialect's words
            _own_booking_index(connection)
            connection.execute(text(f"INSERT INTO {META_TABLE} (key, value) VALUES "
                                    "('app', :app), ('schema_version', :v)"),
                               {"app": APP_NAME, "v": str(SCHEMA_VERSION)})
            _database_id(connection)
            found = 0
        version = found or SCHEMA_VERSION
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](connection)
            version += 1
        if version != found:
            connection.execute(text(f"UPDATE {META_TABLE} SET value = :v "
                                    "WHERE key = 'schema_version'"), {"v": str(version)})
    _fresh_readers(store)
    return found


def _fresh_readers(store: Store) -> None:
    """Reading connections that saw the schema before it was created or migrated
    are closed, so none answers from what it cached of the old one."""
    store.renew_readers()


_TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' "
              "AND name NOT LIKE 'sqlite~_%' ESCAPE '~'",
    "postgresql": "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                  "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                  "AND c.relkind IN ('r', 'p')",
}


def _check(store: Store, dialect: str, fetch: Callable[[str], list], *,
           create: bool) -> int | None:
    """The schema version of the database, None when it is empty (to be created),
    or a refusal: another program's tables, a newer or a damaged schema.
    ``fetch`` runs a statement and returns its rows (the statements are plain
    SQL: the check runs on the driver when the store opens)."""
    names = {r[0] for r in fetch(_TABLES[dialect])}
    if META_TABLE not in names:
        if names:
            raise DeskError("not_a_database", f"{store.label} holds tables of another "
                            "program, not a schedtui database; it was left untouched.")
        if not create:
            raise DeskError("not_a_database", f"{store.label} is empty.")
        return None
    rows = {k: v for k, v in fetch(f"SELECT key, value FROM {META_TABLE}")}
    if rows.get("app") != APP_NAME:
        raise DeskError("not_a_database", f"{store.label} is not a schedtui database; it "
                        "was left untouched.")
    raw = str(rows.get("schema_version", "")).strip()
    if not raw.isdigit() or not 1 <= int(raw) < 10**6:
        shown = "missing" if "schema_version" not in rows else f'"{raw[:20]}"'
        raise DeskError("damaged_database", f"{store.label} is a schedtui database, but its "
                        f"schema version is {shown} (in {META_TABLE}); it was left untouched. "
                        "Restore it from a backup, or set the version it really has.")
    found = int(raw)
    if found > SCHEMA_VERSION:
        raise DeskError("schema_too_new", f"{store.label} was written by a newer schedtui "
                        f"(schema {found}; this one knows {SCHEMA_VERSION}). Upgrade "
                        "schedtui to open it; the database was left untouched.")
    return found
