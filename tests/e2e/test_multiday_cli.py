"""Sessions of several days from the command line: ``--duration`` in minutes or
days and hours, refused past 31 days, and the tables showing an end on another
day with its date. (The clock is fixed at 2025-01-01 12:00 UTC.)"""

from __future__ import annotations


def test_a_conference_of_three_days_from_the_command_line(cli):
    assert cli("hub", "add", "Berlin", "--timezone", "Europe/Berlin")[0] == 0
    status, conf = cli("series", "add", "--hub", "1", "--name", "Conference", "--start",
                       "2027-03-26T00:00", "--duration", "3d", "--rrule",
                       "FREQ=WEEKLY;COUNT=2", "--host", "Ada")
    assert status == 0 and conf["duration_minutes"] == 4320
    status, talk = cli("series", "add", "--hub", "1", "--name", "Talk", "--start",
                       "2027-03-27T10:00", "--duration", "1h30m", "--rrule",
                       "FREQ=DAILY;COUNT=1", "--host", "Ada")
    assert status == 0 and talk["duration_minutes"] == 90
    assert [w["code"] for w in talk["warnings"]] == ["double_booked"]
    status, occs = cli("occ", "list", str(conf["id"]))
    assert occs[0]["end"] == "2027-03-29T00:00:00+02:00"
    status, table = cli("occ", "list", str(conf["id"]), as_json=False)
    assert "2027-03-26 00:00  2027-03-29 00:00" in table
    status, items = cli("agenda", "--from", "2027-03-28", "--to", "2027-03-28")
    assert [i["series"] for i in items] == ["Conference"]
    status, text = cli("agenda", "--from", "2027-03-27", "--to", "2027-03-27", as_json=False)
    assert "2027-03-29 00:00" in text and "11:30" in text


def test_a_length_past_31_days_or_unreadable_is_refused(cli):
    assert cli("hub", "add", "Berlin", "--timezone", "Europe/Berlin")[0] == 0
    for value in ("32d", "44641", "three days"):
        status, body = cli("series", "add", "--hub", "1", "--name", "Long", "--start",
                           "2027-03-01T09:00", "--duration", value, "--rrule",
                           "FREQ=DAILY;COUNT=1")
        assert status == 1 and body["error"]["code"] == "invalid_value"
        assert "Duration" in body["error"]["message"]
    assert cli("series", "list")[1] == []
