"""``outbox send`` and ``config show`` from the command line: the JSON report,
exit statuses, error codes, the config file, and a password never shown."""

from __future__ import annotations

import json

import pytest

from tests.mailserver import free_port, no_mail_settings


@pytest.fixture(autouse=True)
def config_file(tmp_path, monkeypatch):
    path = tmp_path / "config" / "config.toml"
    no_mail_settings(monkeypatch, path)
    return path


@pytest.fixture
def notices(cli):
    assert cli("hub", "add", "Team", "--timezone", "Europe/Berlin")[0] == 0
    assert cli("series", "add", "--hub", "1", "--name", "Yoga", "--start", "2025-01-06T18:00",
               "--duration", "60", "--rrule", "FREQ=WEEKLY;BYDAY=MO;COUNT=4",
               "--capacity", "1", "--registration", "single_session")[0] == 0
    for n, email in enumerate(["ann@example.org", "bob@example.org"]):
        assert cli("reg", "add", "1", "--email", email, "--name", f"P{n}", "--occ", "1")[0] == 0


def test_send_reports_sent_failed_and_waiting(cli, notices, server):
    server.handler.rcpt_replies["bob@example.org"] = ["550 5.1.1 No such user"]
    status, report = cli("outbox", "send", "--smtp", server.url(), "--from", "desk@example.org")
    assert status == 0
    assert report == {"sent": 1, "failed": [{"id": 2, "to": "bob@example.org",
                                              "reason": "550 5.1.1 No such user",
                                              "retry_at": None}],
                      "waiting": 0, "given_up": 1}
    assert [r.mail_from for r in server.received] == ["desk@example.org"]
    status, listed = cli("outbox", "list")
    assert [(n["id"], n["state"]) for n in listed] == [(2, "failed")]
    status, text = cli("outbox", "send", "--smtp", server.url(), as_json=False)
    assert status == 0 and "0 sent, 0 failed, 0 waiting, 1 given up." in text


def test_dry_run_needs_no_server_and_sends_nothing(cli, notices):
    status, report = cli("outbox", "send", "--dry-run")
    assert status == 0 and report["dry_run"] is True and report["sent"] == 0
    assert [m["to"] for m in report["would_send"]] == ["ann@example.org", "bob@example.org"]
    assert report["waiting"] == 2
    assert [n["state"] for n in cli("outbox", "list")[1]] == ["waiting", "waiting"]


def test_settings_come_from_the_config_file(cli, notices, server, config_file, capsys):
    config_file.parent.mkdir()
    config_file.write_text(f'[mail]\nsmtp = "{server.url("ada")}"\nfrom = "Desk <d@ex.org>"\n'
                           "timeout = 5\n", encoding="utf-8")
    status, shown = cli("config", "show")
    assert status == 0
    assert shown["mail"]["smtp"] == f"smtp://ada@127.0.0.1:{server.port}"
    assert shown["mail"]["from"] == "Desk <d@ex.org>" and shown["mail"]["password"] is None
    assert shown["mail"]["config_file"] == str(config_file) and shown["mail"]["config_found"]
    status, error = cli("outbox", "send")
    assert status == 1 and error["error"]["code"] == "smtp_password_missing"


def test_config_show_hides_the_password(cli, monkeypatch, config_file):
    monkeypatch.setenv("SCHEDTUI_SMTP_URL", "smtps://ada@mail.example.org")
    monkeypatch.setenv("SCHEDTUI_FROM", "ada@example.org")
    monkeypatch.setenv("SCHEDTUI_SMTP_PASSWORD", "hunter2-secret")
    status, shown = cli("config", "show")
    assert status == 0 and shown["mail"]["smtp"] == "smtps://ada@mail.example.org:465"
    assert shown["mail"]["password"] == "(hidden, from SCHEDTUI_SMTP_PASSWORD)"
    status, text = cli("config", "show", as_json=False)
    assert status == 0 and "hunter2" not in text and "mail.password" in text
    assert not config_file.exists()


@pytest.mark.parametrize("content, words", [
    ("[mail\nsmtp=", "not valid TOML"),
    ('[mail]\nsmtp = "smtp://a@b"\npassword = "x"\n', "holds a mail password"),
    ('[mail]\nsmpt = "smtp://b"\n', "unknown setting mail.smpt"),
    ("[mail]\ntimeout = \"soon\"\n", "mail.timeout must be a number"),
    ("[mail]\nsmtp = 5\n", "mail.smtp must be a string"),
    ("mail = 3\n", "[mail] must be a table"),
])
def test_a_bad_config_file_is_a_clear_error(cli, notices, config_file, content, words, capsys):
    config_file.parent.mkdir()
    config_file.write_text(content, encoding="utf-8")
    for command in (["config", "show"], ["outbox", "send"]):
        status, error = cli(*command)
        assert status == 1 and error["error"]["code"] == "invalid_config"
        assert words in error["error"]["message"]
        assert "Traceback" not in capsys.readouterr().err
    config_file.write_bytes(b"\xff\xfe[mail]")
    assert cli("config", "show")[1]["error"]["code"] == "invalid_config"


@pytest.mark.parametrize("args, code", [
    (["--smtp", "http://mail.example.org"], "invalid_smtp_url"),
    (["--smtp", "smtp://mail.example.org:99999"], "invalid_smtp_url"),
    (["--smtp", "smtp://ada:pw@mail.example.org"], "invalid_smtp_url"),
    (["--smtp", "smtp://"], "invalid_smtp_url"),
    (["--smtp", "smtp://mail.example.org/path"], "invalid_smtp_url"),
    (["--smtp", "smtp://mail.example.org"], "smtp_not_configured"),  # no sender
    (["--smtp", "smtp://127.0.0.1:1", "--from", "not an address"], "invalid_email"),
    ([], "smtp_not_configured"),
])
def test_bad_settings_are_refused_with_a_code(cli, notices, args, code):
    status, error = cli("outbox", "send", *args)
    assert status == 1 and error["error"]["code"] == code
    assert "pw@" not in json.dumps(error)
    assert [n["state"] for n in cli("outbox", "list")[1]] == ["waiting", "waiting"]


def test_an_unreachable_server_is_an_error_and_changes_nothing(cli, notices):
    status, error = cli("outbox", "send", "--smtp", f"smtp://127.0.0.1:{free_port()}")
    assert status == 1 and error["error"]["code"] == "smtp_unreachable"
    assert [n["state"] for n in cli("outbox", "list")[1]] == ["waiting", "waiting"]


def test_limit_must_be_a_number(cli, notices):
    status, error = cli("outbox", "send", "--limit", "many")
    assert status == 2 and error["error"]["code"] == "usage"
