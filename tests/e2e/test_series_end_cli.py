"""`series archive` and `hub archive` with upcoming paid seats: refused with
the people who paid and nothing changed; with --confirm the sessions are
cancelled and what was paid for them is refund due."""

from __future__ import annotations

from tests.e2e.test_cli import dump


def _paid_course(cli):
    assert cli("hub", "add", "Studio", "--timezone", "Europe/Berlin")[0] == 0
    assert cli("series", "add", "--hub", "1", "--name", "Course", "--start",
               "2025-01-06T18:00", "--duration", "90", "--rrule",
               "FREQ=WEEKLY;BYDAY=MO;COUNT=4", "--registration", "all_sessions")[0] == 0
    assert cli("ticket", "add", "1", "--name", "Course", "--price", "80",
               "--currency", "EUR")[0] == 0
    status, reg = cli("reg", "add", "1", "--email", "ana@example.org", "--name", "Ana",
                      "--ticket", "1")
    assert status == 0
    assert cli("reg", "pay", str(reg["id"]), "--amount", "80")[0] == 0
    return reg


def test_series_archive_needs_confirm_and_then_owes_the_refund(cli, db_path):
    reg = _paid_course(cli)
    before = dump(db_path)
    status, body = cli("series", "archive", "1")
    assert status == 1 and body["error"]["code"] == "has_registrations"
    assert "Ana (80.00 EUR" in body["error"]["message"]
    assert [p["name"] for p in body["error"]["details"]["paid"]] == ["Ana"]
    assert dump(db_path) == before
    status, archived = cli("series", "archive", "1", "--confirm")
    assert status == 0 and archived["status"] == "archived"
    shown = cli("reg", "show", str(reg["id"]))[1]
    assert (shown["refund_due"], shown["payment_status"]) == ("80.00", "refund_due")
    assert {o["status"] for o in cli("occ", "list", "1")[1]} == {"cancelled"}
    notices = [n for n in cli("outbox", "list")[1] if n["kind"] == "occurrence_cancelled"]
    assert len(notices) == 1 and "80.00 EUR" in notices[0]["body"]


def test_hub_archive_needs_confirm_too(cli, db_path):
    reg = _paid_course(cli)
    before = dump(db_path)
    status, body = cli("hub", "archive", "1")
    assert status == 1 and body["error"]["code"] == "has_registrations"
    assert dump(db_path) == before
    assert cli("hub", "archive", "1", "--confirm")[0] == 0
    assert cli("reg", "show", str(reg["id"]))[1]["refund_due"] == "80.00"
