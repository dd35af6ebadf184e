"""Opening a store: our files only, schema versions, and several processes at once."""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import sqlite3
from datetime import date, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, series
from schedtui.store import migrate, open_store


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("content", "why"), [
    (b"", "empty file"),
    (b"name,email\nAda,ada@example.org\n", "not a SQLite file"),
    (b"SQLite format 3\x00" + b"\x00" * 100, "cannot be read"),
])
def test_files_that_are_not_ours_are_refused_and_left_untouched(tmp_path, content, why):
    path = tmp_path / "x.db"
    path.write_bytes(content)
    before = digest(path)
    with pytest.raises(DeskError) as err:
        open_store(path)
    assert err.value.code == "not_a_database"
    assert "left untouched" in err.value.message
    assert digest(path) == before
    assert not (tmp_path / "x.db-wal").exists()


def test_a_foreign_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.commit()
    con.close()
    before = digest(path)
    with pytest.raises(DeskError) as err:
        open_store(path)
    assert err.value.code == "not_a_database" and "another program" in err.value.message
    assert digest(path) == before


def test_a_newer_schema_is_refused(db_path):
    open_store(db_path).dispose()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE schedtui_meta SET value = '999' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(DeskError) as err:
        open_store(db_path)
    assert err.value.code == "schema_too_new" and "newer schedtui" in err.value.message


def test_a_folder_that_does_not_exist_is_a_clear_error(tmp_path):
    with pytest.raises(DeskError) as err:
        open_store(tmp_path / "missing" / "x.db")
    assert err.value.code == "invalid_database"


def test_every_connection_is_set_up(db_path):
    store = open_store(db_path)
    with store.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_the_schema_version_and_the_database_identity_are_recorded(store):
    with store.read() as session:
        rows = dict(session.connection().exec_driver_sql(
            "SELECT key, value FROM schedtui_meta").all())
    identity = rows.pop("database_id")
    assert rows == {"app": "schedtui", "schema_version": str(migrate.SCHEMA_VERSION)}
    assert re.fullmatch(r"[0-9a-f]{16}", identity)


def test_a_write_that_fails_leaves_nothing_behind(store):
    hub = hubs.create_hub(store, "Team", "UTC")
    with pytest.raises(DeskError):
        series.create_series(store, hub_id=hub.id, name="X", start=date(2025, 1, 1),
                             rrule="FREQ=DAILY;COUNT=9000", duration_minutes=10,
                             times=[(time(9), None)])
    with store.read() as session:
        counts = [session.connection().exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                  for t in ("series", "slot", "occurrence")]
    assert counts == [0, 0, 0]


def _writer(url: str, worker: int, count: int, queue) -> None:
    try:
        opened = open_store(url)
        for i in range(count):
            hub = hubs.create_hub(opened, f"w{worker}-{i}", "UTC")
            series.create_series(opened, hub_id=hub.id, name=f"s{worker}-{i}",
                                 start=date(2030, 1, 1), rrule="FREQ=DAILY;COUNT=5",
                                 duration_minutes=30, times=[(time(9), None)])
        queue.put(("ok", worker))
    except Exception as exc:  # reported to the test, which fails on it
        queue.put(("error", repr(exc)))


def test_several_processes_write_one_store_at_once(store_url):
    open_store(store_url).dispose()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(store_url, w, 15, queue)) for w in range(4)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(kind == "ok" for kind, _ in results), results
    opened = open_store(store_url)
    assert len(hubs.list_hubs(opened)) == 60
    assert sum(s.occurrence_count for s in series.list_series(opened)) == 300


def test_a_write_transaction_holds_the_write_lock_from_its_first_statement(db_path):
    """BEGIN IMMEDIATE: a read-then-write transaction cannot interleave with
    another writer (the trap of the driver's default, which begins lazily)."""
    store = open_store(db_path)
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with store.write() as session:
            session.connection().exec_driver_sql("SELECT count(*) FROM hub").scalar()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once the transaction ends
        other.execute("ROLLBACK")
        with store.read() as session:  # reads never block a writer
            session.connection().exec_driver_sql("SELECT count(*) FROM hub").scalar()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_database_of_the_previous_schema_is_migrated_on_open(tmp_path, clock):
    from pathlib import Path

    from schedtui.services import occurrences, registrations

    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript((Path(__file__).parent.parent / "data" / "schema_v1.sql").read_text())
    con.close()
    opened = open_store(path, clock=clock)
    with opened.read() as session:
        version = session.connection().exec_driver_sql(
            "SELECT value FROM schedtui_meta WHERE key = 'schema_version'").scalar()
    assert version == str(migrate.SCHEMA_VERSION)
    assert _indexes(opened, "audit") == {"ix_audit_series_id"}  # schema 3 dropped the rest
    assert _indexes(opened, "notice") == set()
    kept = series.get_series(opened, 1)
    assert kept.name == "Standup" and kept.occurrence_count == 12 and kept.max_seats == 5
    assert occurrences.get_occurrence(opened, 3).status == "cancelled"
    reg = registrations.register(opened, 1, email="new@example.org", name="New")
    assert reg.status == "confirmed" and len(reg.occurrences) == 11  # one is cancelled


def _indexes(store, table: str) -> set[str]:
    from sqlalchemy import inspect

    with store.read() as session:
        return {i["name"] for i in inspect(session.connection()).get_indexes(table)}


SEAT_INDEXES = {"ix_seat_entry_registration_id", "ix_seat_occurrence_status_seats",
                "ix_seat_occurrence_registration"}


def test_a_new_store_has_only_the_indexes_queries_read(store):
    assert _indexes(store, "audit") == {"ix_audit_series_id"}
    assert _indexes(store, "notice") == set()
    assert _indexes(store, "seat_entry") == SEAT_INDEXES


def test_a_schema_4_store_gets_the_agendas_covering_index_of_schema_5(store_url, clock):
    from sqlalchemy import text

    opened = open_store(store_url, clock=clock)
    with opened.write() as session:
        conn = session.connection()
        conn.execute(text("DROP INDEX ix_seat_occurrence_status_seats"))
        conn.execute(text("CREATE INDEX ix_seat_occurrence_status ON seat_entry "
                          "(occurrence_id, status)"))
        conn.execute(text("UPDATE schedtui_meta SET value = '4' WHERE key = 'schema_version'"))
    opened.dispose()
    reopened = open_store(store_url, clock=clock)
    assert _indexes(reopened, "seat_entry") == SEAT_INDEXES
    reopened.dispose()


def test_a_schema_5_store_gets_the_agendas_window_index_of_schema_6(store_url, clock):
    from sqlalchemy import text

    opened = open_store(store_url, clock=clock)
    fresh = _indexes(opened, "occurrence")
    assert "ix_occurrence_start_end" in fresh
    with opened.write() as session:
        conn = session.connection()
        conn.execute(text("DROP INDEX ix_occurrence_start_end"))
        conn.execute(text("CREATE INDEX ix_occurrence_start_utc ON occurrence (start_utc)"))
        conn.execute(text("UPDATE schedtui_meta SET value = '5' WHERE key = 'schema_version'"))
    opened.dispose()
    reopened = open_store(store_url, clock=clock)
    assert _indexes(reopened, "occurrence") == fresh
    reopened.dispose()


@pytest.mark.parametrize(("index", "before", "partial"), [
    # schema 7: the sessions of more than a day, in each dialect's words
    ("ix_occurrence_long", "6", {"sqlite": ["julianday"], "postgresql": ["1 day"]}),
    # schema 8: the occurrences with a host or place of their own
    ("ix_occurrence_own", "7", {"sqlite": ["host IS NOT NULL", "location IS NOT NULL"],
                                "postgresql": ["host IS NOT NULL", "location IS NOT NULL"]}),
], ids=["schema 7", "schema 8"])
def test_an_older_store_gets_the_partial_index_of_its_next_schema(store_url, clock, index,
                                                                  before, partial):
    from sqlalchemy import text

    def definition(store) -> str:
        with store.read() as session:
            sql = (f"SELECT sql FROM sqlite_master WHERE name = '{index}'"
                   if store.is_sqlite else
                   f"SELECT indexdef FROM pg_indexes WHERE indexname = '{index}' "
                   "AND schemaname = current_schema()")  # (each test has a schema of its own)
            return session.connection().execute(text(sql)).scalar() or ""

    opened = open_store(store_url, clock=clock)
    fresh = _indexes(opened, "occurrence")
    made = definition(opened)
    assert index in fresh
    assert all(words in made for words in partial[opened.dialect]), made  # partial
    with opened.write() as session:
        conn = session.connection()
        conn.execute(text(f"DROP INDEX {index}"))
        conn.execute(text(f"UPDATE schedtui_meta SET value = '{before}' "
                          "WHERE key = 'schema_version'"))
    opened.dispose()
    reopened = open_store(store_url, clock=clock)
    assert _indexes(reopened, "occurrence") == fresh
    assert definition(reopened).replace("IF NOT EXISTS ", "") == made
    reopened.dispose()


def test_a_schema_2_store_gets_the_indexes_of_schema_3(store_url, clock):
    from sqlalchemy import text

    opened = open_store(store_url, clock=clock)
    with opened.write() as session:
        conn = session.connection()
        conn.execute(text("DROP INDEX ix_seat_occurrence_registration"))
        conn.execute(text("CREATE INDEX ix_audit_at ON audit (at)"))
        conn.execute(text("CREATE INDEX ix_notice_created_at ON notice (created_at)"))
        conn.execute(text("UPDATE schedtui_meta SET value = '2' WHERE key = 'schema_version'"))
    opened.dispose()
    reopened = open_store(store_url, clock=clock)
    assert _indexes(reopened, "audit") == {"ix_audit_series_id"}
    assert _indexes(reopened, "notice") == set()
    assert _indexes(reopened, "seat_entry") == SEAT_INDEXES


def test_an_older_schema_is_migrated_forward_on_both_stores(store_url, clock):
    """Take a fresh store back to schema 1 (as the previous release wrote it),
    then open it: the migration path brings it to the current schema."""
    from sqlalchemy import text

    from schedtui.services import registrations

    opened = open_store(store_url, clock=clock)
    hub = hubs.create_hub(opened, "Old", "UTC")
    view = series.create_series(opened, hub_id=hub.id, name="Old", start=date(2025, 2, 3),
                                rrule="FREQ=WEEKLY;COUNT=3", duration_minutes=30,
                                times=[(time(9), None)])
    with opened.write() as session:
        conn = session.connection()
        for table in ("payment", "idempotency_key", "notice", "seat_entry", "registration",
                      "attendee"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE series DROP COLUMN max_seats"))
        conn.execute(text("ALTER TABLE series DROP COLUMN require_approval"))
        conn.execute(text("ALTER TABLE slot DROP COLUMN fixed_capacity"))
        conn.execute(text("CREATE INDEX ix_audit_at ON audit (at)"))  # as schemas 1 and 2 had
        conn.execute(text("CREATE INDEX ix_audit_hub_id ON audit (hub_id)"))
        conn.execute(text("UPDATE schedtui_meta SET value = '1' WHERE key = 'schema_version'"))
    opened.dispose()
    reopened = open_store(store_url, clock=clock)
    assert _indexes(reopened, "audit") == {"ix_audit_series_id"}
    assert series.get_series(reopened, view.id).occurrence_count == 3
    assert registrations.register(reopened, view.id, email="a@example.org",
                                  name="A").status == "confirmed"


def test_writing_connections_keep_a_larger_page_cache_than_reading_ones(db_path):
    """Readers are many and read a few pages; the one writer rewrites index pages
    in bulk work, which a small cache would spill and read back."""
    from schedtui.store.engine import READ_CACHE_KIB, WRITE_CACHE_KIB

    store = open_store(db_path)
    with store.read() as session:
        read = session.connection().exec_driver_sql("PRAGMA cache_size").scalar()
    with store.write() as session:
        write = session.connection().exec_driver_sql("PRAGMA cache_size").scalar()
    assert (read, write) == (-READ_CACHE_KIB, -WRITE_CACHE_KIB)
    assert READ_CACHE_KIB < WRITE_CACHE_KIB
    store.dispose()


def test_a_schema_3_outbox_gets_the_send_state_of_schema_4(store_url, clock):
    """Notices written before sending existed keep waiting, and can be sent."""
    from sqlalchemy import text

    from schedtui.services import outbox, registrations

    opened = open_store(store_url, clock=clock)
    hub = hubs.create_hub(opened, "Old", "UTC")
    view = series.create_series(opened, hub_id=hub.id, name="Old", start=date(2025, 2, 3),
                                rrule="FREQ=WEEKLY;COUNT=3", duration_minutes=30,
                                times=[(time(9), None)])
    registrations.register(opened, view.id, email="a@example.org", name="A")
    with opened.write() as session:
        conn = session.connection()
        for column in ("state", "tries", "message_id", "sent_at", "reply", "next_try_at",
                       "due_at"):
            conn.execute(text(f"ALTER TABLE notice DROP COLUMN {column}"))
        conn.execute(text("UPDATE schedtui_meta SET value = '3' WHERE key = 'schema_version'"))
    opened.dispose()
    reopened = open_store(store_url, clock=clock)
    [notice] = outbox.list_notices(reopened)
    assert (notice.state, notice.tries, notice.sent_at) == ("waiting", 0, None)
    registrations.register(reopened, view.id, email="b@example.org", name="B")
    assert [n.state for n in outbox.list_notices(reopened)] == ["waiting", "waiting"]
    reopened.dispose()
