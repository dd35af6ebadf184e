"""Double-booking warnings of the commands that bring occurrences back or
onto the calendar: ``occ restore``, ``series publish`` (a draft counted for
nobody) and ``import ics``; the same shape as ``series add`` returns. (The
clock is fixed at 2025-01-01 12:00 UTC.)"""

from __future__ import annotations

import pytest

CLASH = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//test//EN
BEGIN:VEVENT
UID:clash-1@example.org
DTSTAMP:20241201T000000Z
SUMMARY:Tai chi
DTSTART;TZID=America/New_York:20250106T103000
DURATION:PT1H
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2
LOCATION:room 1
END:VEVENT
BEGIN:VEVENT
UID:apart-1@example.org
DTSTAMP:20241201T000000Z
SUMMARY:Apart
DTSTART;TZID=America/New_York:20250106T180000
DURATION:PT1H
LOCATION:Room 1
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def yoga(cli):
    """Yoga in New York, Mondays and Wednesdays 10:00 from 2025-01-06, Ana in Room 1."""
    assert cli("hub", "add", "New York", "--timezone", "America/New_York")[0] == 0
    status, made = cli("series", "add", "--hub", "1", "--name", "Yoga", "--start",
                       "2025-01-06T10:00", "--duration", "60", "--rrule",
                       "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8", "--host", "Ana",
                       "--location", "Room 1")
    assert status == 0 and made["warnings"] == []
    return made


def test_occ_restore_warns_when_the_restored_occurrence_double_books(cli, yoga):
    assert cli("occ", "cancel", "1")[0] == 0
    status, made = cli("series", "add", "--hub", "1", "--name", "Pilates", "--start",
                       "2025-01-06T10:15", "--duration", "30", "--rrule",
                       "FREQ=DAILY;COUNT=1", "--host", "ana")
    assert status == 0 and made["warnings"] == []  # Yoga's Monday is cancelled
    status, restored = cli("occ", "restore", "1")
    assert status == 0 and restored["status"] == "scheduled"
    [warning] = restored["warnings"]
    assert warning["code"] == "double_booked" and warning["occurrences"] == [1, 9]
    assert 'Host "Ana"' in warning["message"]
    assert cli("occ", "cancel", "1", "2")[0] == 0
    status, plain = cli("occ", "restore", "1", "2", as_json=False)
    assert status == 0 and plain.count("warning: Host") == 1
    status, alone = cli("occ", "restore", "3")  # not cancelled: refused, nothing to warn of
    assert status == 1 and alone["error"]["code"] == "invalid_state"


def test_publishing_a_draft_warns_of_what_it_now_double_books(cli, yoga):
    status, draft = cli("series", "add", "--hub", "1", "--name", "Plan", "--draft", "--start",
                        "2025-01-08T10:30", "--duration", "60", "--rrule",
                        "FREQ=DAILY;COUNT=1", "--location", "ROOM 1 ")
    assert status == 0 and draft["warnings"][0]["occurrences"] == [2, 9]  # for itself
    status, published = cli("series", "publish", str(draft["id"]))
    assert status == 0 and published["status"] == "published"
    [warning] = published["warnings"]
    assert warning["occurrences"] == [2, 9] and 'Location "Room 1"' in warning["message"]
    status, plain = cli("series", "pause", str(draft["id"]), as_json=False)
    assert status == 0 and "warning" not in plain
    status, paused = cli("series", "resume", str(draft["id"]))
    assert status == 0 and "warnings" not in paused


def test_ics_import_warns_of_the_series_it_double_books(cli, yoga, tmp_path):
    path = tmp_path / "clash.ics"
    path.write_text(CLASH)
    status, dry = cli("import", "ics", str(path), "--hub", "1", "--dry-run")
    assert status == 0 and not dry["imported"]
    [warning] = dry["warnings"]  # what the import would make
    assert warning["code"] == "double_booked" and "Tai chi" in warning["message"]
    status, report = cli("import", "ics", str(path), "--hub", "1")
    assert status == 0 and report["imported"]
    [warning] = report["warnings"]
    made = {e["name"]: e["series_id"] for e in report["events"]}
    assert f"(series {made['Tai chi']})" in warning["message"]
    assert f"(series {made['Apart']})" not in warning["message"]
    assert len(warning["occurrences"]) == 4  # two Mondays of each
    status, again = cli("import", "ics", str(path), "--hub", "1")  # unchanged: no news
    assert status == 0 and again["warnings"] == []
    path.write_text(CLASH.replace("20250106T103000", "20250106T090000")
                    .replace("DURATION:PT1H\nRRULE", "DURATION:PT2H\nRRULE"))
    status, plain = cli("import", "ics", str(path), "--hub", "1", as_json=False)
    assert status == 0 and "warning: Location" in plain  # the update still clashes
