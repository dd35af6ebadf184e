"""The CLI's output with hostile text stored by another program: plain output
carries no control character, JSON carries the same data escaped, and a data
dump to a file or pipe stays exact."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys

HOSTILE = "RAW\x1b[2J\x1b]52;c;cmF3aGFja2Vk\x07\x1b]0;PWNTITLE\x07\x9b31m\r\u202eEND"
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]")
ENV = dict(os.environ, SCHEDTUI_NOW="2025-01-01T12:00:00+00:00")


def run(db, *args):
    return subprocess.run([sys.executable, "-m", "schedtui", "--db", str(db), *args],
                          capture_output=True, env=ENV, timeout=120, check=False)


def test_stored_control_sequences_never_reach_the_terminal(tmp_path):
    db = tmp_path / "desk.db"
    assert run(db, "hub", "add", "Team").returncode == 0
    assert run(db, "series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
               "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=3").returncode == 0
    assert run(db, "reg", "add", "1", "--email", "eve@example.org", "--name", "Eve"
               ).returncode == 0
    con = sqlite3.connect(db)
    con.execute("UPDATE attendee SET name = ?", (HOSTILE,))
    con.execute("UPDATE hub SET name = ?", (HOSTILE,))
    con.execute("UPDATE series SET name = ?", (HOSTILE,))
    con.commit()
    con.close()
    for args in (["reg", "list", "--series", "1"], ["reg", "show", "1"], ["hub", "list"],
                 ["hub", "show", "1"], ["series", "show", "1"], ["overview"], ["outbox", "list"],
                 ["series", "list"]):
        done = run(db, *args)
        assert done.returncode == 0, done.stderr
        assert b"RAW" in done.stdout or args[0] == "outbox", args
        assert not CONTROL_BYTES.search(done.stdout), (args, done.stdout)
        assert not CONTROL_BYTES.search(done.stderr), (args, done.stderr)
    shown = run(db, "reg", "show", "1", "--json")
    assert not CONTROL_BYTES.search(shown.stdout)
    assert json.loads(shown.stdout)["name"] == HOSTILE  # the same data, escaped
    refused = run(db, "series", "edit", "1", "--rrule", "FREQ=WEEKLY;BYDAY=XX")
    assert refused.returncode == 1 and not CONTROL_BYTES.search(refused.stderr)


def test_a_dump_to_a_file_stays_exact(tmp_path):
    db = tmp_path / "desk.db"
    run(db, "hub", "add", "Team")
    run(db, "series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
        "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=3")
    run(db, "reg", "add", "1", "--email", "eve@example.org", "--name", "Eve")
    con = sqlite3.connect(db)
    con.execute("UPDATE attendee SET name = 'Eve\x1bX'")
    con.commit()
    con.close()
    piped = run(db, "export", "csv", "--series", "1")
    assert "Eve\x1bX".encode() in piped.stdout  # a pipe gets the data as stored


def test_a_dump_to_a_terminal_is_cleaned(tmp_path):
    import pty

    db = tmp_path / "desk.db"
    run(db, "hub", "add", "Team")
    run(db, "series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
        "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=3")
    run(db, "reg", "add", "1", "--email", "eve@example.org", "--name", "Eve")
    con = sqlite3.connect(db)
    con.execute("UPDATE attendee SET name = ?", (HOSTILE,))
    con.commit()
    con.close()
    master, slave = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "schedtui", "--db", str(db), "export",
                               "csv", "--series", "1"], stdout=slave, stderr=subprocess.PIPE,
                              env=ENV, timeout=120, check=False)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    shown = b"".join(chunks).replace(b"\r\n", b"\n")  # the terminal's own line endings
    assert done.returncode == 0 and b"RAW" in shown and b"PWNTITLE" in shown
    assert not CONTROL_BYTES.search(shown), shown
