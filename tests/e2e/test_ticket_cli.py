"""Tickets and money from the command line: JSON shapes, exit codes, error
codes, and a database left unchanged by every refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.test_cli import dump


@pytest.fixture
def paid(cli):
    assert cli("hub", "add", "Studio", "--timezone", "Europe/Berlin")[0] == 0
    status, made = cli("series", "add", "--hub", "1", "--name", "Workshop",
                       "--start", "2025-01-06T18:00", "--duration", "90",
                       "--rrule", "FREQ=WEEKLY;BYDAY=MO;COUNT=4", "--capacity", "10",
                       "--registration", "single_session", "--refundable-hours", "48")
    assert status == 0 and made["refundable_hours"] == 48
    status, ticket = cli("ticket", "add", "1", "--name", "Standard", "--price", "12.5",
                         "--currency", "EUR", "--quantity", "3")
    assert status == 0
    return ticket


def test_ticket_commands(paid, cli):
    assert paid == {"id": 1, "series_id": 1, "name": "Standard", "price": "12.50",
                    "currency": "EUR", "quantity": 3, "sold": 0, "available": 3,
                    "sales_from": None, "sales_until": None, "archived": False}
    status, edited = cli("ticket", "edit", "1", "--quantity", "unlimited", "--sales-until",
                         "2025-02-01T00:00")
    assert status == 0 and edited["quantity"] is None and edited["available"] is None
    assert edited["sales_until"] == "2025-02-01T00:00:00+01:00"
    status, rows = cli("ticket", "list", "1")
    assert status == 0 and [r["id"] for r in rows] == [1]
    status, archived = cli("ticket", "archive", "1")
    assert status == 0 and archived["archived"] is True
    assert cli("ticket", "list", "1", "--active")[1] == []
    assert cli("series", "show", "1")[1]["refundable_hours"] == 48


@pytest.mark.parametrize(("args", "code"), [
    (["--name", "X", "--price", "-1"], "invalid_amount"),
    (["--name", "X", "--price", "1.999"], "invalid_amount"),
    (["--name", "X", "--price", "1", "--currency", "JPY"], "currency_mismatch"),
    (["--name", "X", "--price", "1", "--currency", "ABC"], "unknown_currency"),
    (["--name", "X", "--quantity", "0"], "invalid_value"),
])
def test_ticket_refusals_change_nothing(paid, cli, db_path, args, code):
    before = dump(db_path)
    status, body = cli("ticket", "add", "1", *args)
    assert status == 1 and body["error"]["code"] == code
    assert dump(db_path) == before


def test_registration_pay_refund_and_cancel(paid, cli, db_path):
    status, body = cli("reg", "add", "1", "--email", "a@example.org", "--name", "Ana",
                       "--occ", "2")
    assert status == 1 and body["error"]["code"] == "ticket_required"
    status, reg = cli("reg", "add", "1", "--email", "a@example.org", "--name", "Ana",
                      "--occ", "2", "--seats", "2", "--ticket", "1")
    assert status == 0
    assert {k: reg[k] for k in ("ticket", "amount_due", "paid", "currency",
                                "payment_status")} == \
        {"ticket": {"id": 1, "name": "Standard"}, "amount_due": "25.00", "paid": "0.00",
         "currency": "EUR", "payment_status": "unpaid"}
    status, body = cli("reg", "add", "1", "--email", "b@example.org", "--name", "Bo",
                       "--occ", "3", "--seats", "2", "--ticket", "1")
    assert status == 1 and body["error"]["code"] == "ticket_sold_out"
    status, part = cli("reg", "pay", "1", "--amount", "10", "--method", "card",
                       "--reference", "R-1")
    assert status == 0 and (part["paid"], part["payment_status"]) == ("10.00", "partly_paid")
    before = dump(db_path)
    for args, code in ((["pay", "1", "--amount", "15.01"], "overpayment"),
                       (["pay", "1", "--amount", "1.001"], "invalid_amount"),
                       (["refund", "1", "--amount", "10.01"], "over_refund")):
        status, body = cli("reg", *args)
        assert status == 1 and body["error"]["code"] == code, body
    assert cli("reg", "pay", "1", "--amount", "1", "--method", "cheque")[0] == 2
    assert dump(db_path) == before
    status, full = cli("reg", "pay", "1", "--amount", "15")
    assert status == 0 and full["payment_status"] == "paid"
    status, history = cli("reg", "payments", "1")
    assert status == 0 and [(p["kind"], p["amount"], p["method"]) for p in history] == \
        [("payment", "10.00", "card"), ("payment", "15.00", "cash")]
    # the clock is 2025-01-01 12:00Z: occurrence 2 (13 January) is far beyond 48 hours
    status, cancelled = cli("reg", "cancel", "1")
    assert status == 0
    assert (cancelled["late"], cancelled["refund_due"], cancelled["payment_status"]) == \
        (False, "25.00", "refund_due")
    status, refunded = cli("reg", "refund", "1", "--amount", "25")
    assert status == 0 and refunded["payment_status"] == "refunded"
    status, stats = cli("series", "stats", "1")
    assert status == 0
    assert {k: stats["revenue"][k] for k in ("currency", "sold", "paid", "refunded")} == \
        {"currency": "EUR", "sold": "0.00", "paid": "0.00", "refunded": "25.00"}
    log = cli("log", "--series", "1")[1]
    assert [e["action"] for e in log].count("registration.payment") == 2
    assert [e["action"] for e in log].count("registration.refund") == 1


def test_human_output_names_the_money(paid, cli):
    cli("reg", "add", "1", "--email", "a@example.org", "--name", "Ana", "--occ", "2",
        "--ticket", "1")
    out = cli("reg", "pay", "1", "--amount", "12.50", as_json=False)[1]
    assert "paid 12.50 of 12.50 EUR; paid." in out
    out = cli("series", "stats", "1", as_json=False)[1]
    assert "outstanding" in out and "Standard" in out
    out = cli("reg", "cancel", "1", as_json=False)[1]
    assert "refund due 12.50 EUR" in out


def test_late_cancel_from_a_real_process(tmp_path):
    """The installed entry point, in a process of its own, with the clock
    after the cutoff: late, nothing owed back unless --refund."""
    db = str(tmp_path / "desk.db")
    env = dict(os.environ, SCHEDTUI_NOW="2025-01-12T12:00:00+00:00")

    def run(*args: str) -> tuple[int, dict]:
        done = subprocess.run([sys.executable, "-m", "schedtui", "--db", db, *args, "--json"],
                              capture_output=True, text=True, env=env, timeout=120)
        return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}

    assert run("hub", "add", "Studio", "--timezone", "Europe/Berlin")[0] == 0
    assert run("series", "add", "--hub", "1", "--name", "W", "--start", "2025-01-06T18:00",
               "--duration", "60", "--rrule", "FREQ=WEEKLY;COUNT=3",
               "--registration", "single_session")[0] == 0
    assert run("ticket", "add", "1", "--name", "Yen", "--price", "3000",
               "--currency", "JPY")[0] == 0
    for n in (1, 2):
        status, reg = run("reg", "add", "1", "--email", f"p{n}@example.org", "--name", "P",
                          "--occ", "2", "--ticket", "1")
        assert status == 0 and reg["amount_due"] == "3000"
        assert run("reg", "pay", str(reg["id"]), "--amount", "3000")[1]["paid"] == "3000"
    # occurrence 2 starts 2025-01-13 17:00Z; the default cutoff is 24 hours before it
    env["SCHEDTUI_NOW"] = "2025-01-12T18:00:00+00:00"  # 23 hours before: late
    status, late = run("reg", "cancel", "1")
    assert status == 0 and (late["late"], late["refund_due"]) == (True, "0")
    status, kind = run("reg", "cancel", "2", "--refund")
    assert status == 0 and (kind["late"], kind["refund_due"]) == (True, "3000")
