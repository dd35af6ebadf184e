"""Hostile input on every command: each is refused with its own code (exit 1)
or as a malformed command line (exit 2), the database is left as it was, and
``internal_error`` never appears (it is kept for real defects)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from schedtui.cli.main import build_parser
from tests.e2e.test_cli import dump

BIG = "99999999999999999999"
TWO_TO_63 = str(2**63)
SERIES = ["series", "add", "--hub", "1", "--name", "S", "--duration", "15"]


@pytest.fixture
def seeded(cli):
    assert cli("hub", "add", "Team", "--timezone", "America/New_York")[0] == 0
    status, _ = cli("series", "add", "--hub", "1", "--name", "Standup", "--start",
                    "2025-01-06T10:00", "--duration", "15", "--rrule",
                    "FREQ=WEEKLY;BYDAY=MO;COUNT=12", "--capacity", "10")
    assert status == 0
    assert cli("reg", "add", "1", "--email", "ada@example.org", "--name", "Ada")[0] == 0


def _unwritable_folder() -> Path:
    """A folder no file can be created in, even by root (CI runs as root, and
    root ignores a folder's mode bits): /sys/kernel is refused by the kernel."""
    if os.geteuid() != 0:
        folder = Path(tempfile.mkdtemp())
        folder.chmod(0o555)
        return folder
    folder = Path("/sys/kernel")
    try:
        tempfile.mkstemp(dir=folder)
    except OSError:
        return folder
    pytest.skip("no folder refuses writes to root on this machine")


@pytest.fixture
def unwritable() -> Path:
    return _unwritable_folder()


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "people.fifo"
    os.mkfifo(path)
    return path


# (arguments, expected code). "{ro}" is a folder refusing writes, "{fifo}" a named
# pipe with no writer, "{dir}" an existing folder.
CASES = [
    # ids at or above 2**63 (and beyond the 32-bit keys of PostgreSQL)
    (["hub", "show", BIG], "usage"),
    (["hub", "show", TWO_TO_63], "usage"),
    (["hub", "show", "-" + BIG], "usage"),
    (["hub", "show", "2147483648"], "usage"),
    (["occ", "move", BIG, "--start", "2025-02-03T10:00"], "usage"),
    (["reg", "switch", "1", "--from", "1", "--to", TWO_TO_63], "usage"),
    (["log", "--limit", BIG], "usage"),
    (["log", "--limit", "0"], "invalid_value"),
    (["log", "--limit", "-1"], "invalid_value"),
    (["hub", "show", "-5"], "not_found"),
    (["hub", "show", "--", "-5"], "not_found"),
    (["hub", "show", "0"], "not_found"),
    # dates at the ends of the calendar
    (["occ", "move", "1", "--start", "9999-12-31T23:59"], "invalid_value"),
    (["occ", "move", "1", "--start", "0001-01-01T00:00"], "invalid_value"),
    (["occ", "move", "1", "--start", "10000-01-01T00:00"], "invalid_value"),
    (["occ", "list", "1", "--from", "0000-01-01"], "invalid_value"),
    ([*SERIES, "--start", "9999-12-31T10:00", "--rrule", "FREQ=DAILY;COUNT=2"],
     "invalid_value"),
    ([*SERIES, "--start", "0001-01-01T10:00", "--rrule", "FREQ=DAILY;COUNT=2"],
     "invalid_value"),
    ([*SERIES, "--start", "2025-01-06T10:00", "--rrule", "FREQ=DAILY;UNTIL=99991231"],
     "too_many_occurrences"),
    (["series", "edit", "1", "--start", "9999-12-01"], "invalid_value"),
    # empty strings and huge numbers
    (["hub", "add", ""], "invalid_value"),
    (["hub", "add", "X", "--timezone", ""], "invalid_timezone"),
    ([*SERIES, "--start", "", "--rrule", "FREQ=DAILY;COUNT=2"], "invalid_value"),
    ([*SERIES, "--start", "2025-01-06T10:00", "--rrule", ""], "invalid_rule"),
    ([*SERIES, "--start", "2025-01-06T10:00", "--rrule", "FREQ=DAILY;COUNT=" + BIG],
     "invalid_rule"),
    ([*SERIES, "--start", "2025-01-06T10:00", "--rrule", "FREQ=DAILY;COUNT=2", "--capacity",
      ""], "invalid_value"),
    ([*SERIES, "--start", "2025-01-06T10:00", "--rrule", "FREQ=DAILY;COUNT=2", "--capacity",
      BIG], "invalid_value"),
    ([*SERIES, "--start", "2025-01-06T10:00", "--rrule", "FREQ=DAILY;COUNT=2",
      "--booking-min-hours", BIG], "invalid_value"),
    (["series", "add", "--hub", "1", "--name", "S", "--duration", BIG, "--start",
      "2025-01-06T10:00", "--rrule", "FREQ=DAILY;COUNT=2"], "invalid_value"),  # a length
    (["reg", "add", "1", "--email", "", "--name", "B"], "invalid_value"),
    (["reg", "add", "1", "--email", "b@example.org", "--name", ""], "invalid_value"),
    (["reg", "add", "1", "--email", "b@example.org", "--name", "B", "--seats", BIG], "usage"),
    (["reg", "add", "1", "--email", "b@example.org", "--name", "B", "--seats", "-3"],
     "invalid_value"),
    (["hub", "add", "a\x00b"], "usage"),  # a real command line cannot carry NUL
    # files: devices, pipes, folders, missing, empty names
    (["import", "csv", "/dev/zero", "--series", "1"], "invalid_path"),
    (["import", "csv", "/dev/urandom", "--series", "1"], "invalid_path"),
    (["import", "csv", "{fifo}", "--series", "1"], "invalid_path"),
    (["import", "csv", "{dir}", "--series", "1"], "invalid_path"),
    (["import", "csv", "", "--series", "1"], "invalid_path"),
    (["import", "csv", "{dir}/missing.csv", "--series", "1"], "not_found"),
    (["import", "ics", "/dev/zero", "--hub", "1"], "invalid_path"),
    (["import", "ics", "{fifo}", "--hub", "1"], "invalid_path"),
    # writing into a folder that refuses it
    (["export", "ics", "--series", "1", "-o", "{ro}/x.ics"], "write_failed"),
    (["export", "csv", "--series", "1", "-o", "{ro}/x.csv"], "write_failed"),
    (["export", "csv", "--series", "1", "-o", "{dir}"], "invalid_path"),
    (["export", "csv", "--series", "1", "-o", ""], "invalid_path"),
    (["outbox", "export", "{ro}"], "write_failed"),
    (["outbox", "export", "{ro}/mail"], "invalid_path"),
    (["outbox", "export", ""], "invalid_path"),
    # the database itself (or its write-ahead log) named as the file to write
    (["export", "csv", "--series", "1", "-o", "{db}"], "invalid_path"),
    (["export", "ics", "--series", "1", "-o", "{db}-wal"], "invalid_path"),
    (["export", "ics", "--series", "1", "-o", "{db}-shm"], "invalid_path"),
    (["backup", "{db}-wal", "--force"], "invalid_path"),
    (["backup", "{db}", "--force"], "invalid_path"),
    (["series", "edit", "1", "--rrule", "FREQ=DAILY;UNTIL=99991231T235959Z"],
     "too_many_occurrences"),
    (["backup", "{ro}/copy.db"], "backup_failed"),
    (["backup", "{dir}"], "invalid_path"),
    (["backup", ""], "invalid_path"),
]


def _fill(args: list[str], tmp_path: Path, request) -> list[str]:
    out = []
    for arg in args:
        if "{ro}" in arg:
            arg = arg.replace("{ro}", str(request.getfixturevalue("unwritable")))
        if "{fifo}" in arg:
            arg = arg.replace("{fifo}", str(request.getfixturevalue("fifo")))
        out.append(arg.replace("{dir}", str(tmp_path)).replace("{db}",
                                                                str(tmp_path / "desk.db")))
    return out


@pytest.mark.parametrize(("args", "code"), CASES, ids=[" ".join(a)[:70] for a, _ in CASES])
def test_bad_input_is_refused_with_its_code(seeded, cli, db_path, tmp_path, request, args,
                                            code):
    args = _fill(args, tmp_path, request)
    before = dump(db_path)
    status, body = cli(*args)
    assert body["error"]["code"] == code, body
    assert status == (2 if code == "usage" else 1)
    assert body["error"]["message"]
    assert dump(db_path) == before


def _id_arguments():
    """Every command line that takes a whole number (an id, a count), found by
    walking the parser, so a new command is covered without being listed."""
    import argparse

    from schedtui.cli.main import _int

    found = []

    def walk(parser, prefix):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*prefix, name])
            elif action.type is _int:
                found.append((prefix, action))
    walk(build_parser(), [])
    return found


def _filled(parser_path, target):
    """A command line for ``parser_path`` with every required argument given and
    ``BIG`` in ``target``'s place."""
    import argparse

    parser = build_parser()
    for name in parser_path:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    args = list(parser_path)
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        chosen = (action.dest, action.option_strings) == (target.dest, target.option_strings)
        value = BIG if chosen else ("1" if action.type is not None else "x")
        if action.option_strings:
            if chosen or action.required:
                args += [action.option_strings[-1], value]
        elif action.nargs != 0:
            args.append(value)
    return args


@pytest.mark.parametrize(("path", "action"), _id_arguments(),
                         ids=[" ".join(p) + " " + a.dest for p, a in _id_arguments()])
def test_every_number_argument_refuses_huge_values(seeded, cli, db_path, path, action):
    args = _filled(path, action)
    before = dump(db_path)
    status, body = cli(*args)
    assert status == 2 and body["error"]["code"] == "usage", (args, body)
    assert "out of range" in body["error"]["message"]
    assert dump(db_path) == before


def test_a_whole_calendar_range_lists_everything(seeded, cli):
    status, rows = cli("occ", "list", "1", "--from", "0001-01-01", "--to", "9999-12-31")
    assert status == 0 and len(rows) == 12


@pytest.mark.parametrize(("variable", "value", "code"), [
    ("SCHEDTUI_NOW", "garbage", "invalid_value"),
    ("SCHEDTUI_NOW", "99999-01-01", "invalid_value"),
    ("SCHEDTUI_NOW", "0001-01-01T00:00:00", "invalid_value"),
    ("SCHEDTUI_BUSY_TIMEOUT", "soon", "invalid_value"),
    ("SCHEDTUI_BUSY_TIMEOUT", "-1", "invalid_value"),
])
def test_bad_environment_is_refused(seeded, cli, db_path, monkeypatch, variable, value, code):
    before = dump(db_path)
    monkeypatch.setenv(variable, value)
    # the cli fixture sets SCHEDTUI_NOW itself; run main directly for the variable under test
    from schedtui.cli.main import main
    for args in (["hub", "list"], ["hub", "add", "Other"]):
        status = main(["--db", str(db_path), *args])
        assert status == 1
    assert dump(db_path) == before
    status, body = _json(["--db", str(db_path), "hub", "list"])
    assert body["error"]["code"] == code and variable in body["error"]["message"]


def _json(argv):
    import contextlib
    import io
    import json

    from schedtui.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = main([*argv, "--json"])
    return status, json.loads(out.getvalue())


@pytest.mark.parametrize(("db", "code"), [
    ("", "invalid_database"),
    ("/tmp/" + "a" * 300 + ".db", "invalid_database"),
    ("/tmp/" + "a/" * 3000 + "x.db", "invalid_database"),
    ("/dev/null", "not_a_database"),
    ("/dev/zero", "not_a_database"),
    ("{dir}", "invalid_database"),
    ("{dir}/no/such/folder/x.db", "invalid_database"),
    ("mysql://x/y", "invalid_database"),
])
def test_bad_database_paths(tmp_path, db, code):
    status, body = _json(["--db", db.replace("{dir}", str(tmp_path)), "hub", "list"])
    assert status == 1 and body["error"]["code"] == code, body


@pytest.mark.parametrize(("sql", "code"), [
    ("UPDATE schedtui_meta SET value = 'abc' WHERE key = 'schema_version'", "damaged_database"),
    ("DELETE FROM schedtui_meta WHERE key = 'schema_version'", "damaged_database"),
    ("UPDATE schedtui_meta SET value = '-5' WHERE key = 'schema_version'", "damaged_database"),
    ("UPDATE schedtui_meta SET value = '0' WHERE key = 'schema_version'", "damaged_database"),
    ("UPDATE schedtui_meta SET value = '' WHERE key = 'schema_version'", "damaged_database"),
    ("UPDATE schedtui_meta SET value = '99' WHERE key = 'schema_version'", "schema_too_new"),
    ("DROP TABLE hub", "damaged_database"),
])
def test_a_damaged_schema_is_refused_untouched(seeded, db_path, sql, code):
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute(sql)
    con.commit()
    con.close()
    before = dump(db_path)
    for args in (["hub", "list"], ["hub", "add", "Other"]):
        status, body = _json(["--db", str(db_path), *args])
        assert status == 1 and body["error"]["code"] == code, body
    assert dump(db_path) == before


def test_an_international_address_is_exported_as_utf8_mail(seeded, cli, tmp_path):
    import email
    from email import policy

    status, reg = cli("reg", "add", "1", "--email", "ünï@exämple.org", "--name", "Zoë \"Z\" Ünal")
    assert status == 0 and reg["email"] == "ünï@exämple.org"
    status, done = cli("outbox", "export", str(tmp_path / "mail"))
    assert status == 0 and done["exported"] == 2
    raw = (tmp_path / "mail" / "notice-2.eml").read_bytes()
    message = email.message_from_string(raw.decode("utf-8"), policy=policy.SMTPUTF8)
    to = message["To"].addresses[0]
    # the local part as typed (RFC 6532), the domain in its ASCII form (IDNA)
    assert to.username == "ünï" and to.domain.encode().decode("idna") == "exämple.org"
    assert message["To"].addresses[0].display_name == 'Zoë "Z" Ünal'
    # an ASCII-only notice stays a plain RFC 5322 message
    assert (tmp_path / "mail" / "notice-1.eml").read_bytes().isascii()
    assert cli("outbox", "list")[1] == []


def test_an_unwritable_notice_exports_nothing(seeded, cli, db_path, tmp_path):
    cli("reg", "add", "1", "--email", "bo@example.org", "--name", "Bo")
    con = sqlite3.connect(db_path)  # another program stores a line break in a name
    con.execute("UPDATE notice SET to_name = 'Bo\nBcc: all@example.org' WHERE id = 2")
    con.commit()
    con.close()
    before = dump(db_path)
    status, body = cli("outbox", "export", str(tmp_path / "mail"))
    assert status == 1 and body["error"]["code"] == "invalid_email"
    assert "Notice 2" in body["error"]["message"]
    assert list((tmp_path / "mail").iterdir()) == []
    assert dump(db_path) == before


def test_a_write_failing_midway_leaves_no_file(seeded, cli, db_path, tmp_path, monkeypatch):
    cli("reg", "add", "1", "--email", "bo@example.org", "--name", "Bo")
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    before = dump(db_path)
    status, body = cli("outbox", "export", str(tmp_path / "mail"))
    assert status == 1 and body["error"]["code"] == "write_failed"
    assert list((tmp_path / "mail").iterdir()) == []
    assert dump(db_path) == before


def test_a_real_process_refuses_without_traceback(tmp_path, unwritable):
    env = dict(os.environ, SCHEDTUI_NOW="garbage")
    done = subprocess.run([sys.executable, "-m", "schedtui", "--db", str(tmp_path / "x.db"),
                           "hub", "list"], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert done.returncode == 1 and "SCHEDTUI_NOW" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreadable_file_is_refused(seeded, cli, db_path, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file; the mode bits cannot make one unreadable")
    people = tmp_path / "people.csv"
    people.write_text("email,name\nbo@example.org,Bo\n")
    people.chmod(0)
    before = dump(db_path)
    for args in (["import", "csv", str(people), "--series", "1"],
                 ["import", "ics", str(people), "--hub", "1"]):
        status, body = cli(*args)
        assert status == 1 and body["error"]["code"] == "read_failed", body
    assert dump(db_path) == before


@pytest.mark.postgres
def test_an_id_beyond_postgres_keys_is_a_refusal(pg_url, clock):
    """Past the command line's bound (the desk and scripts importing the
    services): PostgreSQL's numeric_value_out_of_range is a refusal too. (A
    read runs on the driver, which sends the id as a bigint: no such hub.)"""
    from schedtui.domain.errors import DeskError
    from schedtui.services import hubs
    from schedtui.store import open_store

    store = open_store(pg_url, clock=clock)
    try:
        with pytest.raises(DeskError) as refused:
            hubs.rename_hub(store, 2**40, name="Far")
        assert refused.value.code == "invalid_value"
        with pytest.raises(DeskError) as refused:
            hubs.get_hub(store, 2**40)
        assert refused.value.code == "not_found"
    finally:
        store.dispose()
