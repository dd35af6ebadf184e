"""The scripting CLI contract: JSON shapes, exit codes and error codes, and a
database left unchanged by every refusal."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest


def dump(path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


@pytest.fixture
def seeded(cli):
    assert cli("hub", "add", "Team", "--timezone", "America/New_York")[0] == 0
    status, created = cli("series", "add", "--hub", "1", "--name", "Standup",
                          "--start", "2025-01-06T10:00", "--duration", "15",
                          "--rrule", "FREQ=WEEKLY;BYDAY=MO;COUNT=12", "--capacity", "10")
    assert status == 0
    return created


def test_series_add_and_show(seeded, cli):
    assert seeded["id"] == 1 and seeded["occurrence_count"] == 12
    assert seeded["summary"] == "Every Monday at 10:00, 12 times"
    status, shown = cli("series", "show", "1")
    assert status == 0 and shown["occurrence_count"] == 12 and shown["status"] == "published"


def test_occ_list_json_contract(seeded, cli):
    status, rows = cli("occ", "list", "1", "--from", "2025-03-01", "--to", "2025-03-10")
    assert status == 0
    assert [r["start"] for r in rows] == ["2025-03-03T10:00:00-05:00", "2025-03-10T10:00:00-04:00"]
    assert [r["start_utc"] for r in rows] == ["2025-03-03T15:00:00Z", "2025-03-10T14:00:00Z"]
    first = rows[0]
    assert {"id", "series_id", "start", "end", "start_utc", "status", "capacity", "booked",
            "waitlisted", "original_start"} <= set(first)
    assert first["status"] == "scheduled" and first["capacity"] == 10
    assert first["booked"] == 0 and first["waitlisted"] == 0
    assert first["end"] == "2025-03-03T10:15:00-05:00"


def test_occurrence_commands(seeded, cli):
    status, moved = cli("occ", "move", "2", "--start", "2025-01-14T11:00", "--duration", "30")
    assert status == 0 and moved["start"] == "2025-01-14T11:00:00-05:00"
    assert moved["original_start"] == "2025-01-13T10:00:00-05:00"
    assert cli("occ", "cancel", "3")[1]["status"] == "cancelled"
    assert cli("occ", "restore", "3")[1]["status"] == "scheduled"
    status, changed = cli("occ", "set", "4", "--capacity", "unlimited", "--host", "Kim")
    assert status == 0 and changed["capacity"] is None and changed["host"] == "Kim"
    assert cli("occ", "show", "4")[1]["capacity"] is None
    status, undone = cli("occ", "undo", "1")
    assert status == 0 and undone["undone"] == "set" and undone["occurrence"]["capacity"] == 10


def test_series_edit_split_and_log(seeded, cli):
    status, edited = cli("series", "edit", "1", "--at", "11:00")
    assert status == 0 and edited["replan"]["moved"]
    status, parts = cli("series", "split", "1", "--at-occurrence", "7", "--capacity", "20")
    assert status == 0 and parts["later"]["occurrence_count"] == 6
    status, log = cli("log", "--series", "1")
    assert status == 0 and log[0]["action"] == "series.split"
    assert cli("series", "pause", "1")[1]["status"] == "paused"
    assert cli("series", "resume", "1")[1]["status"] == "published"
    assert cli("series", "archive", "2")[1]["status"] == "archived"


BAD = [
    (["hub", "add", "X", "--timezone", "America/New York"], "invalid_timezone"),
    (["hub", "add", "X", "--timezone", "../../etc/passwd"], "invalid_timezone"),
    (["hub", "add", "X", "--timezone", ""], "invalid_timezone"),
    (["hub", "add", "x" * 10_000], "invalid_value"),
    (["hub", "add", ""], "invalid_value"),
    (["hub", "show", "99"], "not_found"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
      "--duration", "15", "--rrule", "FREQ=WEEKLY;BYDAY=XX"], "invalid_rule"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
      "--duration", "15", "--rrule", "FREQ=WEEKLY;UNTIL=20241231"], "no_occurrences"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
      "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=100000"], "too_many_occurrences"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
      "--duration", "32d", "--rrule", "FREQ=DAILY;COUNT=2"], "invalid_value"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
      "--duration", "-5", "--rrule", "FREQ=DAILY;COUNT=2"], "invalid_value"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
      "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=2", "--capacity", "0"], "invalid_value"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
      "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=2", "--capacity", "-1"], "invalid_value"),
    (["series", "add", "--hub", "1", "--name", "x" * 10_000, "--start", "2025-01-06T10:00",
      "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=2"], "invalid_value"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-13-06",
      "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=2"], "invalid_value"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06",
      "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=2"], "invalid_value"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
      "--timezone", "Mars/Olympus", "--duration", "15", "--rrule", "FREQ=DAILY"],
     "invalid_timezone"),
    (["series", "add", "--hub", "42", "--name", "S", "--start", "2025-01-06T10:00",
      "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=2"], "not_found"),
    (["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06", "--at", "25:00",
      "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=2"], "invalid_value"),
    (["series", "show", "99"], "not_found"),
    (["series", "edit", "1", "--rrule", "FREQ=WEEKLY;UNTIL=20240101"], "no_occurrences"),
    (["series", "edit", "1", "--timezone", "Nowhere"], "invalid_timezone"),
    (["series", "edit", "1", "--capacity", "0"], "invalid_value"),
    (["series", "edit", "99", "--name", "N"], "not_found"),
    (["series", "split", "1", "--at-occurrence", "999"], "not_found"),
    (["series", "resume", "1"], "invalid_state"),
    (["series", "list", "--hub", "7"], "not_found"),
    (["occ", "list", "99"], "not_found"),
    (["occ", "list", "1", "--from", "2025-02-01", "--to", "2025-01-01"], "invalid_value"),
    (["occ", "list", "1", "--from", "yesterday"], "invalid_value"),
    (["occ", "show", "999"], "not_found"),
    (["occ", "move", "2", "--start", "2025-01-14"], "invalid_value"),
    (["occ", "move", "2", "--start", "2024-01-14T10:00"], "invalid_value"),
    (["occ", "move", "999", "--start", "2025-02-14T10:00"], "not_found"),
    (["occ", "move", "2", "--start", "2025-01-14T10:00", "--duration", "32d"], "invalid_value"),
    (["occ", "restore", "2"], "invalid_state"),
    (["occ", "set", "2", "--capacity", "0"], "invalid_value"),
    (["occ", "set", "2", "--capacity", "lots"], "invalid_value"),
    (["occ", "set", "2"], "invalid_value"),
    (["occ", "set", "2", "--location", "ftp://x"], "invalid_value"),
    (["occ", "undo", "1"], "nothing_to_undo"),
]


@pytest.mark.parametrize(("args", "code"), BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_refusals_have_codes_and_change_nothing(seeded, cli, db_path, args, code):
    before = dump(db_path)
    status, body = cli(*args)
    assert status == 1
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert dump(db_path) == before


@pytest.mark.parametrize("args", [
    ["hub"], ["hub", "show", "abc"], ["series", "add", "--hub", "1"], ["occ", "move", "1"],
    ["nonsense"], ["occ", "list", "1", "--bogus"],
])
def test_malformed_command_lines_exit_2(seeded, cli, args):
    status, body = cli(*args)
    assert status == 2 and body["error"]["code"] == "usage"


def run_process(*args, db, env_extra=None):
    env = dict(os.environ, SCHEDTUI_NOW="2025-01-01T12:00:00+00:00", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "schedtui", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_a_real_process_never_shows_a_traceback(tmp_path):
    db = tmp_path / "p.db"
    ok = run_process("--db", str(db), "hub", "add", "Studio", "--timezone", "US/Eastern",
                     "--json", db=db)
    assert ok.returncode == 0 and json.loads(ok.stdout)["id"] == 1
    bad = run_process("--db", str(db), "series", "show", "5", "--json", db=db)
    assert bad.returncode == 1 and json.loads(bad.stdout)["error"]["code"] == "not_found"
    assert "Traceback" not in bad.stderr
    usage = run_process("--db", str(db), "occ", "move", db=db)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello")
    refused = run_process("--db", str(text_file), "hub", "list", db=db)
    assert refused.returncode == 1 and "not a schedtui database" in refused.stderr
    assert text_file.read_text() == "hello"


def test_schedtui_db_environment_variable(tmp_path):
    db = tmp_path / "env.db"
    done = run_process("hub", "add", "Env", "--json", db=db, env_extra={"SCHEDTUI_DB": str(db)})
    assert done.returncode == 0 and db.exists()
    listed = run_process("--db", str(db), "hub", "list", db=db)
    assert "Env" in listed.stdout


def test_human_output_is_a_table(seeded, cli):
    status, text = cli("occ", "list", "1", "--to", "2025-01-13", as_json=False)
    assert status == 0
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["ID", "Start", "End"]
    assert "2025-01-06 10:00" in lines[2]


@pytest.fixture
def classes(cli):
    cli("hub", "add", "Studio", "--timezone", "Europe/Berlin")
    status, made = cli("series", "add", "--hub", "1", "--name", "Drop-in", "--start",
                       "2025-01-06T18:00", "--duration", "60", "--rrule",
                       "FREQ=WEEKLY;BYDAY=MO;COUNT=4", "--capacity", "1", "--registration",
                       "single_session", "--max-seats", "2")
    assert status == 0 and made["max_seats"] == 2
    return made


def test_registration_commands(classes, cli, tmp_path):
    status, reg = cli("reg", "add", "1", "--email", "ada@example.org", "--name", "Ada",
                      "--occ", "1", "--idempotency-key", "abc")
    assert status == 0
    assert {k: reg[k] for k in ("id", "series_id", "email", "name", "seats", "status")} == {
        "id": 1, "series_id": 1, "email": "ada@example.org", "name": "Ada", "seats": 1,
        "status": "confirmed"}
    assert reg["occurrences"] == [{"id": 1, "status": "confirmed", "attended": False,
                                   "start": "2025-01-06T18:00:00+01:00", "place": None}]
    assert cli("reg", "add", "1", "--email", "ada@example.org", "--name", "Ada", "--occ", "1",
               "--idempotency-key", "abc")[1]["id"] == 1
    status, waiting = cli("reg", "add", "1", "--email", "bo@example.org", "--name", "Bo",
                          "--occ", "1")
    assert waiting["status"] == "waitlisted"
    occ = cli("occ", "show", "1")[1]
    assert (occ["booked"], occ["waitlisted"]) == (1, 1)
    assert cli("checkin", "1", "--occ", "1")[1]["occurrences"][0]["attended"] is True
    assert cli("checkin", "1", "--occ", "1", "--undo")[1]["occurrences"][0]["attended"] is False
    switched = cli("reg", "switch", "1", "--from", "1", "--to", "2")[1]
    assert switched["occurrences"][0]["id"] == 2
    assert cli("reg", "show", "2")[1]["status"] == "confirmed"  # promoted
    assert [r["id"] for r in cli("reg", "list", "--series", "1")[1]] == [1, 2]
    assert [r["id"] for r in cli("reg", "list", "--occ", "2")[1]] == [1]
    assert cli("reg", "cancel", "2")[1]["status"] == "cancelled"
    stats = cli("series", "stats", "1")[1]
    assert stats["confirmed"] == 1 and stats["occurrences"][1]["fill_rate"] == 1.0
    kinds = [n["kind"] for n in cli("outbox", "list")[1]]
    assert kinds == ["confirmed", "waitlisted", "switched", "promoted", "cancelled"]
    exported = cli("outbox", "export", str(tmp_path / "mail"))[1]
    assert exported["exported"] == 5 and len(list((tmp_path / "mail").glob("*.eml"))) == 5


REG_BAD = [
    (["reg", "add", "1", "--email", "x@example.org", "--name", "X"],
     "registration_option_mismatch"),
    (["reg", "add", "1", "--email", "x@example.org", "--name", "X", "--occ", "1", "--occ", "2"],
     "registration_option_mismatch"),
    (["reg", "add", "1", "--email", "x@example.org", "--name", "X", "--occ", "1",
      "--seats", "3"], "too_many_seats"),
    (["reg", "add", "1", "--email", "nope", "--name", "X", "--occ", "1"], "invalid_email"),
    (["reg", "add", "1", "--email", "ADA@example.org", "--name", "X", "--occ", "1"],
     "duplicate_registration"),
    (["reg", "add", "1", "--email", "ada@example.org", "--name", "Ada", "--occ", "2",
      "--idempotency-key", "k"], "idempotency_conflict"),
    (["reg", "add", "9", "--email", "x@example.org", "--name", "X"], "not_found"),
    (["reg", "show", "9"], "not_found"),
    (["reg", "approve", "1"], "invalid_state"),
    (["reg", "switch", "1", "--from", "1", "--to", "9"], "not_found"),
    (["checkin", "1", "--occ", "3"], "not_found"),
    (["reg", "list"], "invalid_value"),
    (["occ", "set", "1", "--capacity", "1"], None),
    (["series", "stats", "9"], "not_found"),
]


@pytest.mark.parametrize(("args", "code"), [c for c in REG_BAD if c[1]],
                         ids=[" ".join(a)[:60] for a, c in REG_BAD if c])
def test_registration_refusals(classes, cli, db_path, args, code):
    cli("reg", "add", "1", "--email", "ada@example.org", "--name", "Ada", "--occ", "1",
        "--idempotency-key", "k")
    before = dump(db_path)
    status, body = cli(*args)
    assert status == 1 and body["error"]["code"] == code
    assert dump(db_path) == before


def test_capacity_below_booked_from_the_cli(classes, cli):
    cli("series", "edit", "1", "--capacity", "3")
    for n in range(3):
        cli("reg", "add", "1", "--email", f"p{n}@example.org", "--name", "P", "--occ", "3")
    status, body = cli("occ", "set", "3", "--capacity", "1")
    assert status == 1 and body["error"]["code"] == "capacity_below_booked"
    assert "2 seats over" in body["error"]["message"]
    status, done = cli("occ", "set", "3", "--capacity", "1", "--demote")
    assert status == 0 and (done["booked"], done["waitlisted"]) == (1, 2)


def test_create_commands_are_idempotent(cli):
    hub = cli("hub", "add", "Team", "--idempotency-key", "h1")[1]
    assert cli("hub", "add", "Team", "--idempotency-key", "h1")[1] == hub
    assert cli("hub", "add", "Other", "--idempotency-key", "h1")[1]["error"]["code"] == \
        "idempotency_conflict"
    args = ["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
            "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=2", "--idempotency-key", "s1"]
    first = cli(*args)[1]
    assert cli(*args)[1]["id"] == first["id"]
    assert len(cli("series", "list")[1]) == 1 and len(cli("hub", "list")[1]) == 1
    changed = [("30" if a == "15" else a) for a in args]
    status, body = cli(*changed)
    assert status == 1 and body["error"]["code"] == "idempotency_conflict"


def test_series_rule_sets_from_the_command_line(cli):
    assert cli("hub", "add", "Team", "--timezone", "UTC")[0] == 0
    status, made = cli("series", "add", "--hub", "1", "--name", "Set", "--start",
                       "2025-03-03T10:00", "--duration", "30",
                       "--rrule", "FREQ=WEEKLY;BYDAY=MO;COUNT=3",
                       "--rrule", "FREQ=MONTHLY;BYMONTHDAY=20;COUNT=1",
                       "--rdate", "2025-03-05T18:00", "--exrule", "FREQ=MONTHLY;BYDAY=2MO",
                       "--exdate", "2025-03-03")
    assert status == 0, made
    status, rows = cli("occ", "list", "1")
    assert [r["start"][:16] for r in rows] == ["2025-03-05T18:00", "2025-03-17T10:00",
                                               "2025-03-20T10:00"]
    assert made["rule_extra"].splitlines() == [
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=20;COUNT=1", "RDATE:20250305T180000",
        "EXRULE:FREQ=MONTHLY;BYDAY=2MO", "EXDATE;VALUE=DATE:20250303"]
    status, edited = cli("series", "edit", "1", "--exdate", "none", "--exrule", "none")
    assert status == 0 and edited["occurrence_count"] == 5
    status, error = cli("series", "edit", "1", "--rdate", "2025-03-05T25:00")
    assert status == 1 and error["error"]["code"] == "invalid_rule"
