"""The benchmark's PostgreSQL mode and scaling table, on a small data set: every
figure is measured against its psycopg floor, every scaling run ends with no
seat oversold and every attempt accounted for, and the private schema the
bench made is gone afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

PG_FIGURES = ("pg_registration", "pg_attendees_first", "pg_attendees_last",
              "pg_materialization")


@pytest.mark.postgres
def test_postgres_mode_measures_its_figures_and_the_scaling_table(pg_server, tmp_path):
    out = tmp_path / "pg.json"
    result = subprocess.run([sys.executable, "-m", "schedtui.bench", "--db", pg_server,
                             "--scale", "0.01", "--runs", "1", "--per-process", "4",
                             "--json", str(out)], capture_output=True, text=True,
                            timeout=1200, env={**os.environ}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert [f["key"] for f in data["figures"]] == list(PG_FIGURES)
    for figure in data["figures"]:
        assert figure["project"] > 0 and figure["floor"] > 0 and figure["ratio"] > 0
    rows = data["scaling"]
    assert {(r["store"], r["occurrences"], r["processes"]) for r in rows} == {
        (store, spread, count) for store in ("SQLite", "PostgreSQL") for spread in (1, 100)
        for count in (1, 2, 4, 8)}
    for row in rows:
        assert row["oversold"] == 0 and row["accounted"], row
        assert row["attempts"] == 4 * row["processes"] and row["rate"] > 0
    one = [r for r in rows if r["occurrences"] == 1 and r["processes"] == 8]
    assert all(r["confirmed"] == 20 and r["waitlisted"] == 12 for r in one), one
    assert "scaling: registrations per second" in result.stdout
    engine = create_engine(pg_server)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM information_schema.schemata WHERE "
                                     "schema_name = :s"), {"s": data["schema"]}).scalar() == 0
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_data_set_is_analyzed_before_it_is_measured(pg_server):
    """The planner's statistics exist before the figures run, as on a server
    whose autovacuum has seen the tables (only the bench's own schema)."""
    from schedtui.bench import server
    from schedtui.store import open_store

    with server.private_schema(pg_server) as url:
        open_store(url).dispose()  # the desk's tables, empty
        server.analyze(url)
        with server._connect(url) as con:
            analyzed = dict(con.execute(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema()").fetchall())
    assert analyzed and all(analyzed.values()), analyzed
    assert {"seat_entry", "registration", "occurrence"} <= set(analyzed)
