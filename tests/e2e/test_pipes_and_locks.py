"""Real processes: output cut off by the reader, and a long writer holding the
database's write lock while others read and write."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

ENV = dict(os.environ, SCHEDTUI_NOW="2025-01-01T12:00:00+00:00")


def schedtui(*args, env=None, **kwargs):
    return subprocess.run([sys.executable, "-m", "schedtui", *args], capture_output=True,
                          text=True, env=env or ENV, timeout=120, check=False, **kwargs)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "desk.db"
    assert schedtui("--db", str(path), "hub", "add", "Team").returncode == 0
    assert schedtui("--db", str(path), "series", "add", "--hub", "1", "--name", "Standup",
                    "--start", "2025-01-06T10:00", "--duration", "15", "--rrule",
                    "FREQ=DAILY;COUNT=300").returncode == 0
    return path


def _closed_pipe_run(*args):
    """Run with standard output a pipe whose reader is gone before anything is
    written (what ``| head -0`` or a quitting pager does)."""
    read, write = os.pipe()
    os.close(read)
    try:
        process = subprocess.Popen([sys.executable, "-m", "schedtui", *args], stdout=write,
                                   stderr=subprocess.PIPE, env=ENV, text=True)
    finally:
        os.close(write)
    _, err = process.communicate(timeout=120)
    return process.returncode, err


@pytest.mark.parametrize("as_json", [False, True])
def test_a_closed_pipe_says_the_change_was_saved(db, as_json):
    status, err = _closed_pipe_run("--db", str(db), "hub", "add", "Piped",
                                   *(["--json"] if as_json else []))
    assert status == 1
    assert "carried out" in err and "saved" in err and "nothing was changed" not in err
    assert "Traceback" not in err and "BrokenPipeError" not in err
    hubs = json.loads(schedtui("--db", str(db), "hub", "list", "--json").stdout)
    assert sorted(h["name"] for h in hubs) == ["Piped", "Team"]


def test_head_cuts_a_long_listing_quietly(db):
    done = subprocess.run(f'"{sys.executable}" -m schedtui --db "{db}" occ list 1 | head -n 2; '
                          'echo "status=${PIPESTATUS[0]}"', shell=True, executable="/bin/bash",
                          capture_output=True, text=True, env=ENV, timeout=120, check=False)
    assert done.stdout.splitlines()[0].startswith("ID")
    assert "Traceback" not in done.stderr
    status = int(done.stdout.strip().rsplit("status=", 1)[1])
    assert status in (0, 1)
    if status == 1:
        assert "output could not be written" in done.stderr


def test_a_full_disk_on_output_is_reported(db):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "schedtui", "--db", str(db), "hub", "add",
                               "Full"], stdout=full, stderr=subprocess.PIPE, text=True,
                              env=ENV, timeout=120, check=False)
    assert done.returncode == 1 and "No space left" in done.stderr
    assert "Traceback" not in done.stderr
    hubs = json.loads(schedtui("--db", str(db), "hub", "list", "--json").stdout)
    assert "Full" in [h["name"] for h in hubs]


def test_a_long_writer_blocks_neither_readers_nor_the_start(db):
    holder = sqlite3.connect(db, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # what a long import holds
    holder.execute("INSERT INTO hub (name, timezone, archived, created_at) "
                   "VALUES ('Held', 'UTC', 0, '2025-01-01 00:00:00')")
    try:
        began = time.monotonic()
        listed = schedtui("--db", str(db), "occ", "list", "1", "--json")
        read_took = time.monotonic() - began
        assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 300
        assert read_took < 10  # a process start; the writer is never waited for
        hubs = json.loads(schedtui("--db", str(db), "hub", "list", "--json").stdout)
        assert [h["name"] for h in hubs] == ["Team"]  # uncommitted work is not seen

        env = dict(ENV, SCHEDTUI_BUSY_TIMEOUT="1.5")
        began = time.monotonic()
        refused = schedtui("--db", str(db), "hub", "add", "Waiting", "--json", env=env)
        write_took = time.monotonic() - began
        assert refused.returncode == 1
        assert json.loads(refused.stdout)["error"]["code"] == "database_busy"
        assert 1.5 <= write_took < 15  # waited for the busy timeout, then gave up
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert schedtui("--db", str(db), "hub", "add", "Later").returncode == 0


def test_a_writer_gets_in_once_the_lock_is_released(db):
    holder = sqlite3.connect(db, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    process = subprocess.Popen([sys.executable, "-m", "schedtui", "--db", str(db), "hub", "add",
                                "Patient", "--json"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env=dict(ENV, SCHEDTUI_BUSY_TIMEOUT="30"))
    time.sleep(2)
    holder.execute("COMMIT")
    holder.close()
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert json.loads(out)["name"] == "Patient"
