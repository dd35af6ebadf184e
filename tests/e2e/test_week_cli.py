"""The week from the command line: ``agenda``, ``conflicts``, ``attendance``,
``export attendance``, and the double-booking warnings of the commands that
make or move occurrences. (The clock is fixed at 2025-01-01 12:00 UTC.)"""

from __future__ import annotations

import csv
import io

import pytest

AGENDA_FIELDS = {"id", "series_id", "series", "hub_id", "hub", "start", "end", "start_utc",
                 "timezone", "status", "capacity", "booked", "waitlisted", "host", "location"}


@pytest.fixture
def two_hubs(cli):
    assert cli("hub", "add", "New York", "--timezone", "America/New_York")[0] == 0
    assert cli("hub", "add", "Berlin", "--timezone", "Europe/Berlin")[0] == 0
    status, yoga = cli("series", "add", "--hub", "1", "--name", "Yoga", "--start",
                       "2025-01-06T10:00", "--duration", "60", "--rrule",
                       "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8", "--host", "Ana",
                       "--location", "Room 1", "--capacity", "2")
    assert status == 0 and yoga["warnings"] == []
    return yoga


def test_agenda_json_is_the_week_from_today_sorted_by_instant(cli, two_hubs):
    status, later = cli("series", "add", "--hub", "2", "--name", "Pilates", "--start",
                        "2025-01-06T15:30", "--duration", "45", "--rrule",
                        "FREQ=WEEKLY;BYDAY=MO;COUNT=4")
    assert status == 0
    status, items = cli("agenda")
    assert status == 0
    # today is 2025-01-01; the week runs to the 7th: Monday the 6th only
    assert [(i["series"], i["start"]) for i in items] == [
        ("Pilates", "2025-01-06T15:30:00+01:00"), ("Yoga", "2025-01-06T10:00:00-05:00")]
    assert AGENDA_FIELDS <= set(items[0])
    assert items[1]["start_utc"] == "2025-01-06T15:00:00Z"
    assert items[1]["hub"] == "New York" and items[1]["location"] == "Room 1"
    status, items = cli("agenda", "--hub", "2", "--from", "2025-01-06", "--to", "2025-01-31")
    assert [i["start"][:10] for i in items] == ["2025-01-06", "2025-01-13", "2025-01-20",
                                                "2025-01-27"]
    status, plain = cli("agenda", "--from", "2025-01-08", "--to", "2025-01-08", as_json=False)
    assert status == 0 and "2025-01-08 10:00" in plain and "Pilates" not in plain


def test_agenda_drafts_only_when_asked(cli, two_hubs):
    assert cli("series", "add", "--hub", "1", "--name", "Plan", "--draft", "--start",
               "2025-01-02T09:00", "--duration", "30", "--rrule", "FREQ=DAILY;COUNT=2")[0] == 0
    assert "Plan" not in {i["series"] for i in cli("agenda")[1]}
    status, items = cli("agenda", "--drafts")
    assert [i["start"][:10] for i in items if i["series"] == "Plan"] == ["2025-01-02",
                                                                      "2025-01-03"]
    assert "(draft)" in cli("agenda", "--drafts", as_json=False)[1]


@pytest.mark.parametrize("args, code", [
    (("agenda", "--from", "2025-13-01"), "invalid_value"),
    (("agenda", "--from", "2025-01-10", "--to", "2025-01-09"), "invalid_value"),
    (("agenda", "--hub", "9"), "not_found"),
    (("conflicts", "--to", "soon"), "invalid_value"),
    (("attendance", "9"), "not_found"),
    (("attendance", "1", "--from", "2025-02-01", "--to", "2025-01-01"), "invalid_value"),
])
def test_bad_windows_are_clear_errors(cli, two_hubs, args, code):
    status, body = cli(*args)
    assert status == 1 and body["error"]["code"] == code


def test_series_add_and_occ_move_and_set_warn_of_double_bookings(cli, two_hubs, capsys):
    # Berlin 16:30 is New York 10:30 in January: Ana is in both
    status, made = cli("series", "add", "--hub", "2", "--name", "Pilates", "--start",
                       "2025-01-06T16:30", "--duration", "60", "--rrule",
                       "FREQ=WEEKLY;BYDAY=MO;COUNT=2", "--host", " ana")
    assert status == 0 and made["id"] == 2
    [warning] = made["warnings"]
    assert warning["code"] == "double_booked"
    assert "twice" in warning["message"] and "2 times" in warning["message"]
    assert warning["occurrences"] == [1, 3, 9, 10]
    status, found = cli("conflicts", "--to", "2025-01-31")
    assert found == [{"kind": "host", "name": "Ana", "occurrences": [1, 9]},
                     {"kind": "host", "name": "Ana", "occurrences": [3, 10]}]
    # moved away, no warning; moved onto Yoga's Wednesday, a warning
    status, moved = cli("occ", "move", "9", "--start", "2025-01-06T18:00")
    assert status == 0 and moved["warnings"] == []
    status, plain = cli("occ", "move", "9", "--start", "2025-01-08T16:00", as_json=False)
    assert status == 0 and "warning: Host" in plain
    status, moved = cli("occ", "move", "9", "--start", "2025-01-08T16:00")
    assert moved["start"] == "2025-01-08T16:00:00+01:00"
    assert moved["warnings"][0]["occurrences"] == [2, 9]
    # a change of place: Room 1 is Yoga's too
    status, changed = cli("occ", "set", "10", "--host", "Bea", "--location", " room 1")
    assert status == 0
    assert [w["occurrences"] for w in changed["warnings"]] == [[3, 10]]
    assert "Location" in changed["warnings"][0]["message"]
    status, changed = cli("occ", "set", "10", "--location", "https://meet.example.org/x")
    assert changed["warnings"] == []


def test_series_edit_and_split_warn_too(cli, two_hubs):
    assert cli("series", "add", "--hub", "2", "--name", "Pilates", "--start",
               "2025-01-06T18:00", "--duration", "60", "--rrule",
               "FREQ=WEEKLY;BYDAY=MO;COUNT=2", "--host", "Ana")[1]["warnings"] == []
    status, edited = cli("series", "edit", "2", "--at", "16:00")
    assert status == 0 and edited["warnings"][0]["code"] == "double_booked"
    status, plain = cli("series", "edit", "2", "--location", "Room 1", as_json=False)
    assert status == 0 and plain.count("warning: ") == 2  # the host and the room
    status, split = cli("series", "split", "2", "--at-occurrence", "10", "--host", "Bea")
    assert status == 0
    assert [w["message"].split('"')[1] for w in split["warnings"]] == ["Room 1"]


def test_attendance_and_its_csv_export(cli, two_hubs, tmp_path):
    for n, name in enumerate(["=cmd|' /C calc'!A0", "Bob", "ann"]):
        assert cli("reg", "add", "1", "--email", f"p{n}@example.org", "--name", name)[0] == 0
    status, grid = cli("attendance", "1", "--to", "2025-01-08")
    assert status == 0
    assert [c["start"] for c in grid["columns"]] == ["2025-01-06T10:00:00-05:00",
                                                     "2025-01-08T10:00:00-05:00"]
    assert [r["name"] for r in grid["rows"]] == ["=cmd|' /C calc'!A0", "ann", "Bob"]
    assert [r["cells"] for r in grid["rows"]] == [["confirmed"] * 2, ["waitlisted"] * 2,
                                                  ["confirmed"] * 2]
    assert [(c["booked"], c["attended"], c["no_shows"], c["held"]) for c in grid["columns"]] \
        == [(2, 0, 0, False)] * 2
    status, plain = cli("attendance", "1", as_json=False)
    assert status == 0 and "3 people, 8 sessions" in plain and "\x1b" not in plain
    out = tmp_path / "grid.csv"
    status, report = cli("export", "attendance", "1", "-o", str(out))
    assert status == 0 and report["rows"] == 3 and report["columns"] == 8
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Name", "Email", "2025-01-06 10:00"]
    assert rows[0][-3:] == ["Held", "Attended", "Rate"]
    assert rows[1][0] == "'=cmd|' /C calc'!A0"  # a formula start is guarded
    assert [r[0] for r in rows[1:4]] == ["'=cmd|' /C calc'!A0", "ann", "Bob"]
    assert rows[2][2:10] == ["waitlisted"] * 8
    assert [r[0] for r in rows[4:]] == ["Total booked", "Total attended", "Total no-shows"]
    assert rows[4][2:10] == ["2"] * 8
    for line in raw.decode("utf-8-sig").splitlines():  # read with ; as separator too
        assert not any(cell.lstrip().startswith(("=", "+", "-", "@"))
                       for cell in line.split(";"))
    status, text = cli("export", "attendance", "1", as_json=False)
    assert status == 0 and text.splitlines()[0].startswith("Name,Email,")
