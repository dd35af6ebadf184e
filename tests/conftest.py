"""Shared fixtures: a temporary store with a fixed clock, and the CLI run in-process."""

from __future__ import annotations

import json
import os
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select, text
from sqlmodel import SQLModel

from schedtui.cli.main import main
from schedtui.store import open_store

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
PG_URL = os.environ.get("SCHEDTUI_TEST_PG",
                        "postgresql+psycopg://schedtui:schedtui@127.0.0.1:5432/postgres")


@pytest.fixture
def clock():
    """A settable clock: ``clock.now`` is what the store sees."""

    class Clock:
        now = NOW

        def __call__(self) -> datetime:
            return self.now

    return Clock()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "desk.db"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server the second half of the suite runs on, or a skip
    that says why (``.ci/run`` starts one; set SCHEDTUI_TEST_PG to use another)."""
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: no server here
        pytest.skip(f"PostgreSQL half skipped: no server at {PG_URL.split('@')[-1]} "
                    f"({type(exc).__name__}). Start one as .ci/run does, or set "
                    "SCHEDTUI_TEST_PG.")
    return PG_URL


@contextmanager
def pg_schema(server: str):
    """A private, empty schema on the server, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{server}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    """A fresh, empty store: a SQLite file, or a private schema on PostgreSQL."""
    if request.param == "sqlite":
        yield str(tmp_path / "desk.db")
        return
    with pg_schema(request.getfixturevalue("pg_server")) as url:
        yield url


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty store on PostgreSQL only."""
    with pg_schema(pg_server) as url:
        yield url


@pytest.fixture
def store(store_url, clock):
    opened = open_store(store_url, clock=clock)
    yield opened
    opened.dispose()


def snapshot(store) -> dict[str, list[tuple]]:
    """Every row of every table, in key order: equal snapshots mean nothing changed."""
    from schedtui.store import models  # noqa: F401 - registers the tables

    with store.read() as session:
        conn = session.connection()
        return {table.name: [tuple(r) for r in conn.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in SQLModel.metadata.sorted_tables}


@pytest.fixture
def cli(db_path, capsys, monkeypatch):
    """Run ``schedtui --db <tmp> ARGS --json`` in-process; returns (status, parsed JSON)."""
    monkeypatch.setenv("SCHEDTUI_NOW", NOW.isoformat())

    def run(*args: str, as_json: bool = True):
        argv = ["--db", str(db_path), *args] + (["--json"] if as_json else [])
        status = main(argv)
        out = capsys.readouterr().out
        return status, (json.loads(out) if as_json and out.strip() else out)

    return run


@pytest.fixture
def server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd), stopped afterwards."""
    from tests.mailserver import Server

    running = Server().start()
    yield running
    running.stop()
