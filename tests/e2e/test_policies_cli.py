"""The policies on the command line with --json: event add, --contact,
--private, --remind, the hub's --region, reg add without --email, outbox
list --due, export ics --include-private, and their refusals."""

from __future__ import annotations

import icalendar


def test_event_add_and_the_refusals_of_rule_only_actions(cli):
    assert cli("hub", "add", "Studio", "--timezone", "Europe/Berlin")[0] == 0
    status, event = cli("event", "add", "--hub", "1", "--name", "Open day", "--start",
                        "2025-02-01T10:00", "--duration", "240", "--capacity", "50",
                        "--location", "Hall", "--host", "Dana", "--require-approval",
                        "--booking-min-hours", "2", "--private", "--remind", "1d")
    assert status == 0
    assert (event["kind"], event["rrule"], event["occurrence_count"], event["private"],
            event["remind"], event["capacity"], event["require_approval"],
            event["booking_min_hours"]) == ("event", None, 1, True, ["1d"], 50, True, 2)
    assert event["warnings"] == []
    listed = cli("series", "list")[1]
    assert [(s["name"], s["kind"]) for s in listed] == [("Open day", "event")]
    agenda = cli("agenda", "--from", "2025-02-01", "--to", "2025-02-01")[1]
    assert "Open day" in str(agenda)
    occ = cli("occ", "list", "1")[1][0]["id"]
    for args in (("series", "split", "1", "--at-occurrence", str(occ)),
                 ("series", "edit", "1", "--rrule", "FREQ=DAILY;COUNT=2"),
                 ("series", "edit", "1", "--horizon-weeks", "4"),
                 ("roll", "--series", "1")):
        status, body = cli(*args)
        assert status == 1 and body["error"]["code"] == "one_off_event", args
    status, body = cli("event", "add", "--hub", "1", "--name", "X", "--start", "2025-02-01",
                       "--duration", "60")
    assert status == 1 and body["error"]["code"] == "invalid_value"
    ics = cli("export", "ics", "--series", "1")[1]["ics"]
    (vevent,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert "RRULE" not in vevent and str(vevent["CLASS"]) == "PRIVATE"


def test_contact_requirements_and_phone_numbers(cli):
    cli("hub", "add", "Studio", "--timezone", "Europe/Berlin", "--region", "DE")
    status, hub = cli("hub", "edit", "1", "--region", "jp")
    assert status == 0 and hub["region"] == "JP"
    status, body = cli("hub", "edit", "1", "--region", "XX")
    assert status == 1 and body["error"]["code"] == "invalid_value"
    base = ("series", "add", "--hub", "1", "--start", "2025-01-06T18:00", "--duration", "60",
            "--rrule", "FREQ=WEEKLY;COUNT=2")
    assert cli(*base, "--name", "Walk-ins", "--contact", "none")[1]["contact"] == "none"
    assert cli(*base, "--name", "Phones", "--contact", "email_and_phone")[0] == 0
    status, body = cli(*base, "--name", "Bad", "--contact", "phone")
    assert status == 2
    one = cli("reg", "add", "1", "--name", "Walk-in")[1]
    two = cli("reg", "add", "1", "--name", "Walk-in")[1]
    assert one["email"] == "" and one["attendee_id"] != two["attendee_id"]
    status, body = cli("reg", "add", "2", "--name", "Ana", "--email", "ana@example.org")
    assert status == 1 and body["error"]["code"] == "contact_required"
    status, body = cli("reg", "add", "2", "--name", "Ana", "--email", "ana@example.org",
                       "--phone", "abc")
    assert status == 1 and body["error"]["code"] == "invalid_phone"
    status, made = cli("reg", "add", "2", "--name", "Ana", "--email", "ana@example.org",
                       "--phone", "03-1234-5678")  # read in the hub's region: Japan
    assert status == 0 and made["phone"] == "+81312345678"
    assert cli("reg", "show", str(made["id"]))[1]["phone"] == "+81312345678"
    status, body = cli("reg", "add", "2", "--name", "Bo", "--email", "bo@example.org",
                       "--phone", "+44 20 7946 0018")
    assert status == 0 and body["phone"] == "+442079460018"


def test_any_phone_is_checked_and_walk_ins_come_from_csv(cli, tmp_path):
    cli("hub", "add", "Studio", "--timezone", "Europe/Berlin", "--region", "DE")
    base = ("series", "add", "--hub", "1", "--start", "2025-01-06T18:00", "--duration", "60",
            "--rrule", "FREQ=WEEKLY;COUNT=2")
    assert cli(*base, "--name", "Email only")[1]["contact"] == "email"
    assert cli(*base, "--name", "Walk-ins", "--contact", "none")[0] == 0
    status, body = cli("reg", "add", "1", "--name", "Ana", "--email", "ana@example.org",
                       "--phone", "ext. 12")
    assert status == 1 and body["error"]["code"] == "invalid_phone"
    status, made = cli("reg", "add", "1", "--name", "Ana", "--email", "ana@example.org",
                       "--phone", "030 901820")
    assert status == 0 and made["phone"] == "+4930901820"
    people = tmp_path / "people.csv"
    people.write_text("Name,Email,Phone\nWalk-in,,\nWalk-in,,0151 23456789\n"
                      "Bo,bo@example.org,abc\n", encoding="utf-8")
    status, report = cli("import", "csv", str(people), "--series", "2")
    assert status == 0
    assert [(r["line"], r["outcome"], r["reason"].split(":")[0]) for r in report["rows"]] == [
        (2, "confirmed", ""), (3, "confirmed", ""), (4, "refused", "invalid_phone")]
    listed = cli("reg", "list", "--series", "2")[1]
    assert sorted((r["name"], r["email"], r["phone"]) for r in listed) == [
        ("Walk-in", "", ""), ("Walk-in", "", "+4915123456789")]
    status, body = cli("import", "csv", str(people), "--series", "1")
    assert status == 1 and body["error"]["code"] == "csv_malformed"


def test_reminders_wait_in_the_outbox_until_due(cli):
    cli("hub", "add", "Studio", "--timezone", "Europe/Berlin")
    status, view = cli("series", "add", "--hub", "1", "--name", "Class", "--start",
                       "2025-01-06T18:00", "--duration", "60", "--rrule",
                       "FREQ=WEEKLY;COUNT=2", "--remind", "24h,1h")
    assert status == 0 and view["remind"] == ["1d", "1h"]
    status, body = cli("series", "edit", "1", "--remind", "1w")
    assert status == 1 and body["error"]["code"] == "invalid_value"
    cli("reg", "add", "1", "--name", "Ana", "--email", "ana@example.org")
    notices = cli("outbox", "list")[1]
    reminders = [n for n in notices if n["kind"] == "reminder"]
    assert sorted(n["due_at"] for n in reminders) == [
        "2025-01-05T17:00:00Z", "2025-01-06T16:00:00Z", "2025-01-12T17:00:00Z",
        "2025-01-13T16:00:00Z"]
    due = cli("outbox", "list", "--due")[1]
    assert [n["kind"] for n in due] == ["confirmed"]  # the clock says 1 January
    assert cli("series", "edit", "1", "--remind", "none")[0] == 0
    assert [n["kind"] for n in cli("outbox", "list")[1]] == ["confirmed"]


def test_private_series_are_left_out_of_the_hub_export_unless_asked(cli):
    cli("hub", "add", "Studio", "--timezone", "Europe/Berlin")
    base = ("series", "add", "--hub", "1", "--start", "2025-01-06T18:00", "--duration", "60",
            "--rrule", "FREQ=WEEKLY;COUNT=2")
    cli(*base, "--name", "Open")
    cli(*base, "--name", "Closed", "--private")
    assert cli("series", "edit", "2", "--public")[1]["private"] is False
    cli("series", "edit", "2", "--private")

    def names(*extra):
        ics = cli("export", "ics", "--hub", "1", *extra)[1]["ics"]
        return sorted(str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(ics).walk(
            "VEVENT"))

    assert names() == ["Open"]
    assert names("--include-private") == ["Closed", "Open"]
