"""What a team sharing one PostgreSQL server relies on: a dropped connection
comes back by itself, and an unreachable server is a clear error."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from schedtui.domain.errors import DeskError
from schedtui.services import hubs
from schedtui.store import open_store

pytestmark = pytest.mark.postgres


def test_a_dropped_connection_reconnects(pg_server, pg_url):
    name = f"drop_{uuid.uuid4().hex[:10]}"
    store = open_store(f"{pg_url}&application_name={name}")
    hubs.create_hub(store, "Before", "UTC")
    admin = create_engine(pg_server)
    with admin.begin() as conn:
        killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM "
                                   "pg_stat_activity WHERE application_name = :n"),
                              {"n": name}).scalar()
    admin.dispose()
    assert killed >= 1
    hubs.create_hub(store, "After", "UTC")  # the pool notices and reconnects
    assert [h.name for h in hubs.list_hubs(store)] == ["After", "Before"]


def test_an_unreachable_server_is_a_clear_error():
    with pytest.raises(DeskError) as err:
        open_store("postgresql+psycopg://nobody:x@127.0.0.1:1/none?connect_timeout=2")
    assert err.value.code == "database_unavailable"
    assert "Cannot open the database" in err.value.message
