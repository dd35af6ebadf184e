"""Backups of a live database, and the export/import/backup commands (in
process through the ``cli`` fixture, and once in a real process)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from schedtui.domain.errors import DeskError
from schedtui.interop.backup import backup
from schedtui.store import open_store
from tests.interop.helpers import DATA, dump


@pytest.fixture
def desk(cli):
    assert cli("hub", "add", "Studio", "--timezone", "Europe/Berlin")[0] == 0
    status, made = cli("series", "add", "--hub", "1", "--name", "Class", "--start",
                       "2025-01-06T18:00", "--duration", "60", "--rrule",
                       "FREQ=WEEKLY;BYDAY=MO;COUNT=4", "--capacity", "2", "--registration",
                       "single_session")
    assert status == 0
    return made


def test_backup_holds_committed_data_only(desk, db_path, tmp_path):
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("PRAGMA wal_autocheckpoint = 0")  # keep new pages in the WAL
    holder.execute("INSERT INTO hub (name, timezone, archived, created_at) "
                   "VALUES ('Committed', 'UTC', 0, '2025-01-01 00:00:00')")
    assert os.path.getsize(f"{db_path}-wal") > 0
    holder.execute("BEGIN IMMEDIATE")  # another desk's open write transaction
    holder.execute("INSERT INTO hub (name, timezone, archived, created_at) "
                   "VALUES ('Uncommitted', 'UTC', 0, '2025-01-01 00:00:00')")
    try:
        report = backup(str(db_path), tmp_path / "copy.db")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    copy = sqlite3.connect(tmp_path / "copy.db")
    try:
        names = [r[0] for r in copy.execute("SELECT name FROM hub ORDER BY id")]
        assert names == ["Studio", "Committed"]
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        copy.close()
    assert report.bytes > 0 and not list(tmp_path.glob(".copy.db.*"))
    reopened = open_store(tmp_path / "copy.db")  # --db can point at the backup
    reopened.dispose()


def test_backup_refuses_to_overwrite_unless_forced(desk, cli, db_path, tmp_path):
    target = tmp_path / "b.db"
    target.write_text("keep me")
    status, body = cli("backup", str(target))
    assert status == 1 and body["error"]["code"] == "file_exists"
    assert target.read_text() == "keep me"
    status, body = cli("backup", str(target), "--force")
    assert status == 0 and body["target"] == str(target)
    assert dump(target) == dump(db_path)
    status, body = cli("backup", str(db_path), "--force")
    assert status == 1 and body["error"]["code"] == "invalid_path"


def test_postgres_is_pg_dumps_job():
    with pytest.raises(DeskError) as caught:
        backup("postgresql://desk@localhost/desk", "/tmp/never.db")
    assert caught.value.code == "unsupported" and "pg_dump" in caught.value.message


def test_export_and_import_commands(desk, cli, db_path, tmp_path):
    out = tmp_path / "cal.ics"
    status, body = cli("export", "ics", "--series", "1", "-o", str(out))
    assert status == 0 and body["events"] == 1 and out.read_text().startswith("BEGIN:VCALENDAR")
    status, text = cli("export", "ics", "--hub", "1", as_json=False)
    assert status == 0 and "UID:series-1-slot-1@schedtui" in text
    status, body = cli("import", "ics", str(DATA / "google.ics"), "--hub", "1", "--dry-run")
    assert status == 0 and body["imported"] is False and body["occurrences"] == 25
    before = dump(db_path)
    status, body = cli("import", "ics", str(DATA / "unsupported.ics"), "--hub", "1")
    assert status == 1 and body["error"]["code"] == "ics_unsupported"
    assert len(body["error"]["details"]["report"]["problems"]) == 1  # the RDATE event
    assert dump(db_path) == before
    status, body = cli("import", "csv", str(DATA / "attendees_excel.csv"), "--series", "1",
                       "--occ", "1")
    assert status == 0 and body["counts"] == {"confirmed": 1, "waitlisted": 2}
    status, body = cli("import", "csv", str(DATA / "attendees_bad.csv"), "--series", "1",
                       "--occ", "2")
    assert status == 1 and body["error"]["code"] == "csv_malformed"
    status, text = cli("export", "csv", "--occ", "1", as_json=False)
    assert status == 0 and text.splitlines()[1].startswith("Ada Lovelace,ada@example.org,'+44")
    status, body = cli("export", "ics", "--attendee", "ada@example.org")
    assert status == 0 and "occurrence-1@schedtui" in body["ics"]


@pytest.mark.parametrize("args", [
    ["export", "ics"], ["export", "ics", "--series", "1", "--hub", "1"], ["export", "csv"],
    ["import", "csv", "x.csv"], ["import", "ics", "x.ics"], ["backup"],
])
def test_malformed_command_lines_exit_2(desk, cli, args):
    status, body = cli(*args)
    assert status == 2 and body["error"]["code"] == "usage"


def test_a_real_process(tmp_path):
    db = tmp_path / "p.db"
    env = dict(os.environ, SCHEDTUI_NOW="2025-01-01T12:00:00+00:00")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "schedtui", "--db", str(db), *args],
                              capture_output=True, text=True, env=env, timeout=120, check=False)

    assert run("hub", "add", "Team", "--timezone", "America/New_York").returncode == 0
    done = run("import", "ics", str(DATA / "outlook.ics"), "--hub", "1", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["imported"] is True
    shown = run("export", "ics", "--hub", "1")
    assert shown.returncode == 0 and "TZID=Europe/Berlin" in shown.stdout
    refused = run("import", "csv", str(tmp_path / "missing.csv"), "--series", "1")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    copied = run("backup", str(tmp_path / "copy.db"))
    assert copied.returncode == 0 and (tmp_path / "copy.db").exists()
