"""Read commands start without the ORM: on a SQLite file, ``hub list``,
``hub show``, ``occ list``, ``occ show``, ``series list`` and ``show``, ``overview``,
``agenda``, ``log``, ``reg list`` and ``reg show`` run their queries on the driver and
never import SQLAlchemy, SQLModel, Textual or the interop libraries (importing
SQLAlchemy alone costs several times what such a command does). The same reads
give the same answers on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from schedtui.cli.main import main

HEAVY = ("sqlalchemy", "sqlmodel", "textual", "icalendar", "holidays", "pydantic")
READS = [
    ("hub", "list"),
    ("hub", "list", "--all"),
    ("hub", "show", "1"),
    ("occ", "list", "1", "--from", "2027-03-01", "--to", "2027-03-31"),
    ("agenda", "--from", "2027-03-01", "--to", "2027-03-07"),
    ("agenda", "--hub", "1"),
    ("occ", "show", "2"),
    ("log",),
    ("series", "list"),
    ("series", "list", "--hub", "1"),
    ("series", "show", "1"),
    ("overview",),
    ("log", "--series", "1", "--limit", "3"),
    ("reg", "list", "--series", "1"),
    ("reg", "list", "--occ", "1"),
    ("reg", "show", "3"),
]
PROBE = """
import json, sys
from schedtui.cli.main import main
status = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(%r)))
print(json.dumps({"status": status, "heavy": heavy}), file=sys.stderr)
"""


def _seed(db: str) -> None:
    def run(*args: str) -> None:
        assert main(["--db", db, *args, "--json"]) == 0
    run("hub", "add", "Studio", "--timezone", "Europe/Berlin")
    run("hub", "add", "Old", "--timezone", "UTC")
    run("hub", "archive", "2")
    run("series", "add", "--hub", "1", "--name", "Yoga", "--start", "2027-03-01T18:00",
        "--duration", "60", "--rrule", "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=20", "--capacity", "2")
    for n in range(3):  # two confirmed and one on the waitlist in each occurrence
        run("reg", "add", "1", "--email", f"p{n}@example.org", "--name", f"P {n}")
    run("occ", "move", "2", "--start", "2027-03-03T19:00")


@pytest.fixture
def seeded(store_url, monkeypatch, capsys):
    monkeypatch.setenv("SCHEDTUI_NOW", "2027-02-01T08:00:00+00:00")
    _seed(store_url)
    capsys.readouterr()
    return store_url


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_read_commands_load_no_orm_on_sqlite(seeded, args, capsys):
    if "://" in seeded:
        pytest.skip("the driver-only start is SQLite's; PostgreSQL is checked below")
    argv = ["--db", seeded, *args, "--json"]
    assert main(argv) == 0
    expected = json.loads(capsys.readouterr().out)
    env = dict(os.environ, SCHEDTUI_NOW="2027-02-01T08:00:00+00:00")
    done = subprocess.run([sys.executable, "-c", PROBE % json.dumps(HEAVY), *argv],
                          capture_output=True, text=True, env=env, timeout=60)
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    assert probe == {"status": 0, "heavy": []}
    assert json.loads(done.stdout) == expected


def test_reads_answer_the_same_on_both_stores(seeded, capsys):
    def read(*args: str):
        assert main(["--db", seeded, *args, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    hubs = read("hub", "list")
    assert [(h["name"], h["series_count"]) for h in hubs] == [("Studio", 1)]
    assert hubs[0]["next_occurrence"] == "2027-03-01T18:00:00+01:00"
    assert [h["name"] for h in read("hub", "list", "--all")] == ["Old", "Studio"]
    rows = read("occ", "list", "1", "--from", "2027-03-01", "--to", "2027-03-08")
    assert [(r["start"], r["booked"], r["waitlisted"], r["moved"]) for r in rows] == [
        ("2027-03-01T18:00:00+01:00", 2, 1, False),
        ("2027-03-03T19:00:00+01:00", 2, 1, True),
        ("2027-03-08T18:00:00+01:00", 2, 1, False)]
    assert rows[1]["edited"] == ["start"]
    items = read("agenda", "--from", "2027-03-01", "--to", "2027-03-03")
    assert [(i["id"], i["hub"], i["booked"], i["waitlisted"]) for i in items] == [
        (1, "Studio", 2, 1), (2, "Studio", 2, 1)]
    (yoga,) = read("series", "list")
    assert (yoga["occurrence_count"], yoga["summary"], yoga["next_occurrence"]) == (
        20, "Every Monday and Wednesday at 18:00, 20 times", "2027-03-01T18:00:00+01:00")
    assert yoga["fill_rate"] is None  # the next four weeks start after the clock's
    assert read("series", "show", "1") == yoga
    shown = read("occ", "show", "2")
    assert (shown["start"], shown["booked"], shown["waitlisted"]) == (
        "2027-03-03T19:00:00+01:00", 2, 1)
    log = read("log", "--series", "1", "--limit", "2")
    assert [e["action"] for e in log] == ["occurrence.move", "registration.create"]
    assert log[0]["before"]["start_utc"] == "2027-03-03T17:00:00Z"
    people = read("reg", "list", "--occ", "2")
    assert [(r["email"], r["status"]) for r in people] == [
        ("p0@example.org", "confirmed"), ("p1@example.org", "confirmed"),
        ("p2@example.org", "waitlisted")]
    waiting = read("reg", "show", "3")
    assert len(waiting["occurrences"]) == 20 and waiting["payment_status"] == "free"
    assert {(s["status"], s["place"], s["attended"]) for s in waiting["occurrences"]} == {
        ("waitlisted", 1, False)}
    assert waiting["occurrences"][1]["start"] == "2027-03-03T19:00:00+01:00"
    assert read("reg", "list", "--series", "1") == people
    assert main(["--db", seeded, "occ", "list", "99", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "not_found"
    assert main(["--db", seeded, "reg", "list", "--occ", "999", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "not_found"
    assert main(["--db", seeded, "agenda", "--hub", "99", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "not_found"


def test_a_write_on_sqlite_loads_no_postgresql_dialect(tmp_path):
    """The ORM a write loads is SQLite's alone: a table declared with a
    PostgreSQL-only option made SQLAlchemy load that dialect on every start
    (some 2 MiB the desk held for nothing)."""
    db = tmp_path / "w.db"
    probe = (
        "import sys\n"
        "from schedtui.cli.main import main\n"
        f"assert main(['--db', {str(db)!r}, 'hub', 'add', 'Studio', '--timezone', 'UTC']) == 0\n"
        "assert 'sqlmodel' in sys.modules  # the write did load the ORM\n"
        "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.postgresql')))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
