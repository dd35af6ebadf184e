"""Bulk edits from the command line: several ids change together or not at
all; one id keeps its single-occurrence JSON; undo takes the edit back."""

from __future__ import annotations

import pytest

from tests.e2e.test_cli import dump


@pytest.fixture
def seeded(cli):
    assert cli("hub", "add", "Team", "--timezone", "America/New_York")[0] == 0
    status, created = cli("series", "add", "--hub", "1", "--name", "Standup",
                          "--start", "2025-01-06T10:00", "--duration", "15",
                          "--rrule", "FREQ=WEEKLY;BYDAY=MO;COUNT=12", "--capacity", "10",
                          "--location", "Room 1")
    assert status == 0
    for who in ("ada", "bo"):
        status, _ = cli("reg", "add", "1", "--email", f"{who}@example.org", "--name", who)
        assert status == 0
    return created


def test_set_several_changes_only_what_is_given(seeded, cli):
    status, rows = cli("occ", "set", "2", "3", "4", "--location", "Room 4")
    assert status == 0 and isinstance(rows, list)
    assert [r["id"] for r in rows] == [2, 3, 4]
    assert {(r["location"], r["capacity"], r["host"]) for r in rows} == {("Room 4", 10, "")}
    assert cli("occ", "show", "5")[1]["location"] == "Room 1"
    status, one = cli("occ", "set", "6", "--capacity", "3")
    assert status == 0 and isinstance(one, dict) and one["capacity"] == 3


def test_cancel_restore_move_several_and_undo(seeded, cli):
    status, rows = cli("occ", "cancel", "2", "3")
    assert status == 0 and [r["status"] for r in rows] == ["cancelled", "cancelled"]
    status, undone = cli("occ", "undo", "1")
    assert status == 0 and undone["undone"] == "cancel"
    assert [o["status"] for o in undone["occurrences"]] == ["scheduled", "scheduled"]
    assert undone["occurrence"]["id"] == 2
    status, rows = cli("occ", "move", "4", "5", "--by", "-30")
    assert status == 0 and [r["start"] for r in rows] == ["2025-01-27T09:30:00-05:00",
                                                         "2025-02-03T09:30:00-05:00"]
    status, one = cli("occ", "move", "6", "--by", "45")
    assert status == 0 and one["start"] == "2025-02-10T10:45:00-05:00"
    status, rows = cli("occ", "cancel", "7", "8")
    assert status == 0
    status, rows = cli("occ", "restore", "7", "8")
    assert status == 0 and [r["booked"] for r in rows] == [2, 2]


def test_plain_output_counts_occurrences_and_people(seeded, cli):
    status, out = cli("occ", "cancel", "2", "3", as_json=False)
    assert status == 0 and "2 occurrences cancelled; 2 people holding seats told." in out
    status, out = cli("occ", "undo", "1", as_json=False)
    assert status == 0 and "Undid the cancel of 2 occurrences: 2, 3." in out


@pytest.mark.parametrize(("args", "code"), [
    (["occ", "cancel", "2", "3", "99"], "not_found"),
    (["occ", "restore", "2", "3"], "invalid_state"),
    (["occ", "set", "2", "3", "--capacity", "1", "--host", "Kim"], "capacity_below_booked"),
    (["occ", "move", "2", "3", "--by", "10080"], "occurrence_clash"),
    (["occ", "move", "2", "3", "--start", "2025-03-01T10:00"], "invalid_value"),
    (["occ", "move", "2", "3", "--by", "30", "--duration", "20"], "invalid_value"),
    (["occ", "move", "2", "3", "--by", "0"], "invalid_value"),
    (["occ", "set", "2", "3"], "invalid_value"),
])
def test_a_refused_bulk_edit_changes_nothing(seeded, cli, db_path, args, code):
    before = dump(db_path)
    status, body = cli(*args)
    assert status == 1 and body["error"]["code"] == code
    assert body["error"]["message"]
    assert dump(db_path) == before


def test_the_refusal_names_the_occurrence(seeded, cli):
    assert cli("occ", "cancel", "3")[0] == 0
    status, body = cli("occ", "cancel", "2", "3", "4")
    assert status == 1
    assert body["error"]["message"] == (
        "Nothing was changed; 1 of 3 occurrences refused: occurrence 3 (Standup, Mon 20 Jan "
        "2025 10:00 America/New_York) is already cancelled.")
    assert body["error"]["details"]["refused"] == [
        {"id": 3, "code": "invalid_state", "reason": "is already cancelled"}]


def test_move_needs_start_or_by(seeded, cli):
    assert cli("occ", "move", "2", "3")[0] == 2
    assert cli("occ", "move", "2", "--start", "2025-03-01T10:00", "--by", "5")[0] == 2


# -- blackouts and holidays ------------------------------------------------------------


def test_blackout_commands(seeded, cli, db_path):
    before = dump(db_path)
    status, body = cli("blackout", "add", "--hub", "1", "--from", "2025-01-13",
                       "--reason", "Snow")
    assert status == 1 and body["error"]["code"] == "has_registrations"
    assert body["error"]["details"] == {"occurrences": [2], "people": 2}
    assert dump(db_path) == before
    status, made = cli("blackout", "add", "--hub", "1", "--from", "2025-01-13",
                       "--reason", "Snow", "--confirm")
    assert status == 0 and made["cancelled"] == [2] and made["start"] == made["end"]
    shown = cli("occ", "show", "2")[1]
    assert (shown["status"], shown["blackout"]) == ("cancelled", "Snow")
    assert cli("occ", "show", "3")[1]["blackout"] is None
    status, rows = cli("blackout", "list", "--hub", "1")
    assert status == 0 and [(r["id"], r["reason"], r["cancelled"]) for r in rows] == [
        (made["id"], "Snow", [2])]
    status, out = cli("blackout", "list", "--hub", "1", as_json=False)
    assert status == 0 and "Snow" in out
    status, removed = cli("blackout", "remove", str(made["id"]))
    assert status == 0 and removed["cancelled"] == [2]
    assert cli("occ", "show", "2")[1]["booked"] == 2
    assert cli("blackout", "list", "--hub", "1")[1] == []


def test_holidays_command(seeded, cli, db_path):
    status, rows = cli("holidays", "--hub", "1", "--country", "US", "--year", "2026",
                       "--year", "2027")
    assert status == 0 and len(rows) >= 20
    assert {"2026-07-03", "2027-07-05"} <= {r["start"] for r in rows}  # observed days
    before = dump(db_path)
    status, body = cli("holidays", "--hub", "1", "--country", "DE", "--subdiv", "XY",
                       "--year", "2027")
    assert status == 1 and body["error"]["code"] == "invalid_value"
    assert "XY" in body["error"]["message"]
    assert cli("holidays", "--hub", "1", "--country", "Atlantis", "--year", "2027")[0] == 1
    assert cli("holidays", "--hub", "1", "--country", "DE", "--year", "1066")[0] == 1
    assert dump(db_path) == before


def test_series_blackout_policy_option(seeded, cli):
    status, made = cli("series", "add", "--hub", "1", "--name", "Late", "--start",
                       "2025-02-03T18:00", "--duration", "30", "--rrule",
                       "FREQ=WEEKLY;BYDAY=MO;COUNT=2", "--on-blackout", "shift")
    assert status == 0 and made["on_blackout"] == "shift"
    assert cli("series", "edit", str(made["id"]), "--on-blackout", "never")[0] == 2

