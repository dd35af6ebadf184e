"""``schedtui batch``: one command a line through the one-shot parser and
handlers, one JSON result a line; ``--atomic`` saves all or nothing. In-process
on both stores, and as a real process reading a pipe."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from schedtui.cli.main import main
from schedtui.store import open_store
from tests.conftest import NOW, snapshot

SETUP = [
    "hub add Team --timezone Europe/Berlin",
    "series add --hub 1 --name Yoga --start 2025-01-06T10:00 --duration 60 "
    "--rrule 'FREQ=WEEKLY;COUNT=4' --capacity 1",
]


@pytest.fixture
def batch(monkeypatch, capsys):
    """Run ``schedtui --db URL batch [--json] [--atomic]`` in-process on ``text``:
    (status, the parsed result lines or the plain output)."""
    monkeypatch.setenv("SCHEDTUI_NOW", NOW.isoformat())

    def run(db: str, text: str, *flags: str, as_json: bool = True):
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
        status = main(["--db", db, "batch", *flags, *(["--json"] if as_json else [])])
        out = capsys.readouterr().out
        if not as_json:
            return status, out
        return status, [json.loads(line) for line in out.splitlines()]

    return run


def lines(*commands: str) -> str:
    return "".join(f"{c}\n" for c in commands)


def registrations(db: str) -> list[tuple[str, str]]:
    store = open_store(db)
    try:
        from schedtui.services import registrations as regs

        return sorted((r.email, r.status) for r in regs.list_registrations(store, series_id=1))
    finally:
        store.dispose()


def test_each_line_stands_alone(store_url, batch):
    status, out = batch(store_url, lines(
        *SETUP,
        "reg add 1 --email ada@example.org --name Ada",           # 3: confirmed
        "",                                                        # 4: no result
        "# a comment",                                             # 5: no result
        "reg add 1 --email ada@example.org --name Ada",           # 6: refused, duplicate
        'reg add 1 --email "bo@example.org --name Bo',            # 7: bad quoting
        "frobnicate 1",                                            # 8: unknown command
        '["reg", "add", 1, "--email", "bo@example.org"',           # 9: bad JSON
        '["reg", "add", 1, "--email", "bo@example.org", "--name", "Bo"]',  # 10: waitlisted
        "reg cancel 1",                                            # 11: Bo gets the seat
        "occ set 1 2 --location 'Room 4' --json",                  # 12: two occurrences
        "batch --atomic",                                          # 13: refused
        "--db other.db hub list",                                  # 14: refused
        "occ list --help",                                         # 15: refused
        "reg add 99 --email cy@example.org --name Cy",             # 16: not found
    ))
    assert status == 1
    assert [r["line"] for r in out] == [1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    by_line = {r["line"]: r for r in out}
    assert by_line[3]["ok"]["status"] == "confirmed"
    assert by_line[6]["error"]["code"] == "duplicate_registration"
    assert [by_line[n]["error"]["code"] for n in (7, 8, 9)] == ["usage"] * 3
    assert "quotation" in by_line[7]["error"]["message"]
    assert "frobnicate" in by_line[8]["error"]["message"]
    assert by_line[10]["ok"]["status"] == "waitlisted"
    assert by_line[11]["ok"]["status"] == "cancelled" and by_line[11]["ok"]["promoted"]
    assert [o["location"] for o in by_line[12]["ok"]] == ["Room 4", "Room 4"]
    assert [by_line[n]["error"]["code"] for n in (13, 14, 15)] == ["not_in_batch"] * 3
    assert by_line[16]["error"]["code"] == "not_found"
    # the lines after the refused ones were carried out and saved
    assert registrations(store_url) == [("ada@example.org", "cancelled"),
                                        ("bo@example.org", "confirmed")]


def test_a_batch_that_does_everything_exits_0(store_url, batch):
    status, out = batch(store_url, lines(*SETUP, "reg add 1 --email ada@example.org --name Ada",
                                         "reg list --series 1"))
    assert status == 0
    assert [r["line"] for r in out] == [1, 2, 3, 4] and all("ok" in r for r in out)
    assert [r["email"] for r in out[3]["ok"]] == ["ada@example.org"]


def test_atomic_refused_line_in_the_middle_changes_nothing(store_url, batch):
    assert batch(store_url, lines(*SETUP))[0] == 0
    store = open_store(store_url)
    before = snapshot(store)
    store.dispose()
    status, out = batch(store_url, lines(
        "reg add 1 --email ada@example.org --name Ada",
        "occ set 1 --location 'Room 9'",
        "reg add 1 --email bo@example.org --name Bo --idempotency-key bo-1",
        "reg add 1 --email ada@example.org --name Ada",   # refused: duplicate
        "reg cancel 1",
        "",
        "hub add Other --timezone UTC",
    ), "--atomic")
    assert status == 1
    assert [r["line"] for r in out] == [1, 2, 3, 4, 5, 7]
    assert [r["error"]["code"] for r in out] == ["batch_rolled_back"] * 3 + [
        "duplicate_registration"] + ["batch_rolled_back"] * 2
    assert out[0]["error"]["message"].startswith("Carried out, then undone: line 4")
    assert out[4]["error"]["message"].startswith("Not run: line 4")
    assert {r["error"].get("details", {}).get("refused_line") for r in out if r["line"] != 4
            } == {4}
    store = open_store(store_url)
    try:
        assert snapshot(store) == before  # not a row changed, in any table
    finally:
        store.dispose()
    # the key was never used for good: the same line now creates the registration
    status, out = batch(store_url, lines(
        "reg add 1 --email bo@example.org --name Bo --idempotency-key bo-1"), "--atomic")
    assert status == 0 and out[0]["ok"]["email"] == "bo@example.org"


def test_atomic_batch_sees_its_own_changes_and_saves_them_at_the_end(store_url, batch):
    status, out = batch(store_url, lines(
        *SETUP,
        "reg add 1 --email ada@example.org --name Ada",
        "reg add 1 --email bo@example.org --name Bo",         # waitlisted: capacity 1
        "reg cancel 1",                                        # Bo is promoted
        "reg list --series 1",
        "occ set 1 --capacity 2",
    ), "--atomic")
    assert status == 0, out
    assert [r["line"] for r in out] == [1, 2, 3, 4, 5, 6, 7]
    assert out[3]["ok"]["status"] == "waitlisted"
    assert out[4]["ok"]["promoted"]
    assert sorted((r["email"], r["status"]) for r in out[5]["ok"]) == [
        ("ada@example.org", "cancelled"), ("bo@example.org", "confirmed")]
    assert out[6]["ok"]["capacity"] == 2
    assert registrations(store_url) == [("ada@example.org", "cancelled"),
                                        ("bo@example.org", "confirmed")]


def test_atomic_batch_reads_on_the_driver_see_its_own_changes(store_url, batch):
    """hub list and occ list read without the ORM: inside an atomic batch they
    read on the batch's own transaction, so they see what it has written."""
    status, out = batch(store_url, lines(
        *SETUP,
        "reg add 1 --email ada@example.org --name Ada",
        "hub list",
        "occ list 1",
    ), "--atomic")
    assert status == 0, out
    assert [h["series_count"] for h in out[3]["ok"]] == [1]
    assert [o["booked"] for o in out[4]["ok"]] == [1, 1, 1, 1]


@pytest.mark.parametrize("atomic", [False, True])
def test_idempotency_keys_work_per_line(store_url, batch, atomic):
    flags = ("--atomic",) if atomic else ()
    assert batch(store_url, lines(*SETUP))[0] == 0
    status, out = batch(store_url, lines(
        "reg add 1 --email ada@example.org --name Ada --idempotency-key k1",
        "reg add 1 --email ada@example.org --name Ada --idempotency-key k1",
        "reg add 1 --email bo@example.org --name Bo --idempotency-key k1",
    ), *flags)
    assert status == 1
    if atomic:  # the conflict on line 3 undoes lines 1 and 2
        assert [r.get("error", {}).get("code") for r in out] == [
            "batch_rolled_back", "batch_rolled_back", "idempotency_conflict"]
        assert registrations(store_url) == []
    else:
        assert out[0]["ok"]["id"] == out[1]["ok"]["id"]
        assert out[2]["error"]["code"] == "idempotency_conflict"
        assert registrations(store_url) == [("ada@example.org", "confirmed")]
    # a later batch (or one-shot command) with the same key gets the first result
    status, again = batch(store_url, lines(
        "reg add 1 --email ada@example.org --name Ada --idempotency-key k1"))
    assert status == 0 and again[0]["ok"]["email"] == "ada@example.org"
    assert registrations(store_url) == [("ada@example.org", "confirmed")]


def test_atomic_refuses_what_cannot_be_taken_back(db_path, batch, tmp_path):
    status, out = batch(str(db_path), lines(
        *SETUP, f"backup {tmp_path / 'copy.db'}"), "--atomic")
    assert status == 1 and out[2]["error"]["code"] == "not_in_batch"
    assert not (tmp_path / "copy.db").exists()
    status, out = batch(str(db_path), lines(*SETUP, f"backup {tmp_path / 'copy.db'}"))
    assert status == 0 and (tmp_path / "copy.db").exists()


def test_plain_output_shows_each_command_and_a_summary(db_path, batch):
    status, out = batch(str(db_path), lines(*SETUP, "reg add 1 --email ada@example.org "
                                            "--name Ada", "reg add 9 --email x@example.org "
                                            "--name X"), as_json=False)
    assert status == 1
    assert "line 1: ok\nHub 1 added: Team (Europe/Berlin)" in out
    assert "line 4: not_found: No series with id 9." in out
    assert out.rstrip().endswith("4 commands: 3 done, 1 refused.")


def _run(db, text: bytes, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCHEDTUI_NOW": NOW.isoformat()}
    return subprocess.run([sys.executable, "-m", "schedtui", "--db", str(db), "batch",
                           *flags, "--json"], input=text, capture_output=True, env=env,
                          timeout=120)


def test_process_answers_every_line_in_order(db_path):
    text = lines(*SETUP, "reg add 1 --email ada@example.org --name Ada",
                 "reg add 1 --email 'bo@example.org", "reg cancel 1",
                 "reg add 1 --email cy@example.org --name Cy").encode() + b"\xff\xfe bad\n"
    done = _run(db_path, text)
    assert done.returncode == 1 and done.stderr == b""
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["line"] for r in out] == [1, 2, 3, 4, 5, 6, 7]
    assert ["ok" in r for r in out] == [True, True, True, False, True, True, False]
    assert out[6]["error"]["code"] == "usage" and "UTF-8" in out[6]["error"]["message"]
    assert out[5]["ok"]["status"] == "confirmed"  # line 5 freed the seat


def test_process_atomic_rollback_keeps_the_database_as_it_was(db_path):
    assert _run(db_path, lines(*SETUP).encode()).returncode == 0
    done = _run(db_path, lines("reg add 1 --email ada@example.org --name Ada",
                               "occ set 1 --location Elsewhere",
                               "occ set 999 --location Nowhere",
                               "reg add 1 --email bo@example.org --name Bo").encode(),
                "--atomic")
    assert done.returncode == 1
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["error"]["code"] for r in out] == ["batch_rolled_back", "batch_rolled_back",
                                                "not_found", "batch_rolled_back"]
    assert registrations(str(db_path)) == []
    env = {**os.environ, "SCHEDTUI_NOW": NOW.isoformat()}
    shown = subprocess.run([sys.executable, "-m", "schedtui", "--db", str(db_path), "occ",
                            "show", "1", "--json"], capture_output=True, env=env, timeout=60)
    assert json.loads(shown.stdout)["location"] == ""


def test_process_answers_a_line_before_the_next_is_written(db_path):
    """A script can hold the batch open and talk to it: each answer is written
    (flushed) as soon as its line is done."""
    assert _run(db_path, lines(*SETUP).encode()).returncode == 0
    env = {**os.environ, "SCHEDTUI_NOW": NOW.isoformat()}
    proc = subprocess.Popen([sys.executable, "-m", "schedtui", "--db", str(db_path), "batch",
                             "--json"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        proc.stdin.write(b"reg add 1 --email ada@example.org --name Ada\n")
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())
        assert first["line"] == 1 and first["ok"]["status"] == "confirmed"
        proc.stdin.write(b"reg add 1 --email bo@example.org --name Bo\n")
        proc.stdin.close()
        assert json.loads(proc.stdout.readline())["ok"]["status"] == "waitlisted"
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()
