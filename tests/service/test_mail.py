"""Sending the outbox to a real SMTP server on 127.0.0.1 (aiosmtpd): headers,
encodings, the calendar part, temporary and permanent failures, TLS, logins, the
send lock, and exactly-once across runs killed mid-send, on both stores."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time as _time
from datetime import date, time, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import text

from schedtui.domain.errors import DeskError
from schedtui.interop.ics import export_ics
from schedtui.services import hubs, mail, occurrences, outbox, series
from schedtui.services.mailconfig import SmtpUrl, load_settings, parse_smtp_url
from schedtui.services.registrations import register
from schedtui.store import open_store
from tests.conftest import NOW, snapshot
from tests.mailserver import Server, free_port, no_mail_settings, self_signed


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch):
    """Never the user's own config file or password."""
    no_mail_settings(monkeypatch, tmp_path / "no-config.toml")


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Studio", "Europe/Berlin")


def make(store, hub, capacity=5):
    view = series.create_series(store, hub_id=hub.id, name="Yoga", start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", duration_minutes=60,
                                times=[(time(18), None)], capacity=capacity,
                                registration_option="single_session", location="Hall 2")
    return view, [o.id for o in occurrences.list_occurrences(store, view.id)]


def settings(url: str, **extra):
    return load_settings(smtp=url, **extra)


def notice_rows(store) -> dict[int, dict]:
    with store.read() as session:
        rows = session.connection().execute(text(
            "SELECT id, state, tries, message_id, sent_at, reply, next_try_at FROM notice"))
        return {r.id: r._asdict() for r in rows}


def test_a_notice_goes_out_once_with_proper_headers_and_its_calendar(store, hub, server):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[1]], email="zoe@example.org",
             name="Zoë Ångström-Łukasiewicz")
    report = mail.send_outbox(store, settings(server.url(), sender="Studio Ünter <desk@ex.org>"))
    assert (report.sent, report.failed, report.waiting) == (1, [], 0)
    assert len(server.received) == 1
    got = server.received[0]
    assert got.mail_from == "desk@ex.org" and got.rcpt_tos == ["zoe@example.org"]
    raw_headers = got.data.split(b"\r\n\r\n")[0]
    assert raw_headers.isascii()  # names travel as RFC 2047 encoded words
    message = got.message
    assert message["To"].addresses[0].display_name == "Zoë Ångström-Łukasiewicz"
    assert message["To"].addresses[0].addr_spec == "zoe@example.org"
    assert message["From"].addresses[0].display_name == "Studio Ünter"
    assert message["Subject"] == "You're registered: Yoga"
    assert message["Date"].datetime.isoformat() == "2025-01-01T12:00:00+00:00"
    db_id = mail.database_id(store)
    assert message["Message-ID"] == f"<notice-1.{db_id}@ex.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_body(("plain",)).get_content()
    assert "Zoë Ångström-Łukasiewicz" in body and "Mon 13 Jan 2025, 18:00" in body
    part = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    event = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    feed = icalendar.Calendar.from_ical(export_ics(store, None, attendee_email="zoe@example.org"))
    assert event["UID"] == feed.walk("VEVENT")[0]["UID"] == f"occurrence-{occs[1]}@schedtui"
    assert event.decoded("dtstart").isoformat() == "2025-01-13T17:00:00+00:00"
    assert str(event["LOCATION"]) == "Hall 2" and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ATTENDEE"]) == "mailto:zoe@example.org"
    row = notice_rows(store)[1]
    assert row["state"] == "sent" and row["tries"] == 1 and row["sent_at"] is not None
    assert row["reply"] == "250 2.0.0 Ok: queued as Q1"
    assert outbox.list_notices(store) == []
    again = mail.send_outbox(store, settings(server.url()))
    assert again.sent == 0 and len(server.received) == 1


def test_a_cancelled_session_cancels_the_calendar_event(store, hub, server):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="ann@example.org", name="Ann")
    occurrences.cancel_occurrence(store, occs[0])
    mail.send_outbox(store, settings(server.url()))
    methods = []
    for got in server.received:
        parts = [p for p in got.message.iter_attachments()
                 if p.get_content_type() == "text/calendar"]
        methods.append(parts[0].get_param("method"))
        event = icalendar.Calendar.from_ical(parts[0].get_content()).walk("VEVENT")[0]
        assert event["UID"] == f"occurrence-{occs[0]}@schedtui"
    assert methods == ["CANCEL", "CANCEL"]  # the confirmation, sent after the cancellation
    last = icalendar.Calendar.from_ical(
        next(server.received[1].message.iter_attachments()).get_content()).walk("VEVENT")[0]
    assert str(last["STATUS"]) == "CANCELLED" and last["SEQUENCE"] == 2


def test_a_non_ascii_domain_is_sent_as_idna(store, hub, server):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="kim@bücher.example", name="Kim")
    report = mail.send_outbox(store, settings(server.url()))
    assert report.sent == 1
    assert server.received[0].rcpt_tos == ["kim@xn--bcher-kva.example"]
    assert server.received[0].message["To"].addresses[0].domain == "xn--bcher-kva.example"


def test_a_temporary_refusal_backs_off_then_succeeds(store, hub, server, clock):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="bo@example.org", name="Bo")
    server.handler.rcpt_replies["bo@example.org"] = ["450 4.2.1 Mailbox busy, try later"]
    first = mail.send_outbox(store, settings(server.url()))
    assert first.sent == 0 and first.waiting == 1
    assert [(f.id, f.to, f.reason) for f in first.failed] == [
        (1, "bo@example.org", "450 4.2.1 Mailbox busy, try later")]
    assert first.failed[0].retry_at == "2025-01-01T12:01:00Z"
    row = notice_rows(store)[1]
    assert (row["state"], row["tries"]) == ("failed", 1)
    assert mail.send_outbox(store, settings(server.url())).sent == 0  # not yet its time
    clock.now = NOW + timedelta(minutes=1)
    second = mail.send_outbox(store, settings(server.url()))
    assert (second.sent, second.failed, second.waiting) == (1, [], 0)
    assert len(server.received) == 1
    assert notice_rows(store)[1]["tries"] == 2
    assert mail.backoff(1) == timedelta(minutes=1) and mail.backoff(3) == timedelta(minutes=4)
    assert mail.backoff(30) == mail.BACKOFF_CAP


def test_a_permanent_refusal_is_recorded_and_not_retried(store, hub, server, clock):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="gone@example.org", name="Gone")
    register(store, view.id, occurrence_ids=[occs[0]], email="here@example.org", name="Here")
    server.handler.rcpt_replies["gone@example.org"] = ["550 5.1.1 No such user"] * 5
    report = mail.send_outbox(store, settings(server.url()))
    assert report.sent == 1 and report.given_up == 1 and report.waiting == 0
    assert [(f.to, f.reason, f.retry_at) for f in report.failed] == [
        ("gone@example.org", "550 5.1.1 No such user", None)]
    clock.now = NOW + timedelta(days=3)
    later = mail.send_outbox(store, settings(server.url()))
    assert later.sent == 0 and later.failed == [] and later.given_up == 1
    assert server.handler.rcpt_replies["gone@example.org"] == ["550 5.1.1 No such user"] * 4
    failed = [n for n in outbox.list_notices(store) if n.state == "failed"]
    assert [(n.to_email, n.reply, n.next_try_at) for n in failed] == [
        ("gone@example.org", "550 5.1.1 No such user", None)]


def test_a_reminder_due_later_waits_until_due(store, hub, server, clock):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="rae@example.org", name="Rae")
    with store.write() as session:
        session.connection().execute(text("UPDATE notice SET due_at = :at"),
                                     {"at": (NOW + timedelta(hours=2)).replace(tzinfo=None)})
    report = mail.send_outbox(store, settings(server.url()))
    assert (report.sent, report.waiting) == (0, 1) and server.received == []
    clock.now = NOW + timedelta(hours=2)
    assert mail.send_outbox(store, settings(server.url())).sent == 1


def test_limit_and_dry_run(store, hub, server):
    view, occs = make(store, hub)
    for n in range(3):
        register(store, view.id, occurrence_ids=[occs[0]], email=f"p{n}@example.org",
                 name=f"P{n}")
    mail.database_id(store)
    before = snapshot(store)
    dry = mail.send_outbox(store, load_settings(need_server=False), dry_run=True, limit=2)
    assert [m["to"] for m in dry.would_send] == ["p0@example.org", "p1@example.org"]
    assert all(m["calendar"] for m in dry.would_send)
    assert snapshot(store) == before and server.received == []
    report = mail.send_outbox(store, settings(server.url()), limit=2)
    assert (report.sent, report.waiting) == (2, 1)
    with pytest.raises(DeskError) as refused:
        mail.send_outbox(store, settings(server.url()), limit=0)
    assert refused.value.code == "invalid_value"


def test_an_unreachable_server_changes_nothing(store, hub):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="u@example.org", name="U")
    mail.database_id(store)
    before = snapshot(store)
    with pytest.raises(DeskError) as refused:
        mail.send_outbox(store, settings(f"smtp://127.0.0.1:{free_port()}"))
    assert refused.value.code == "smtp_unreachable"
    assert "Connection refused" in refused.value.message
    assert snapshot(store) == before


@pytest.fixture
def certificate(tmp_path):
    return self_signed(tmp_path)


def test_starttls_with_a_self_signed_certificate(store, hub, certificate, monkeypatch):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    tls = Server(tls_context=context).start()
    try:
        view, occs = make(store, hub)
        register(store, view.id, occurrence_ids=[occs[0]], email="t@example.org", name="T")
        mail.database_id(store)
        before = snapshot(store)
        with pytest.raises(DeskError) as untrusted:  # the certificate is checked
            mail.send_outbox(store, settings(tls.url()))
        assert untrusted.value.code == "smtp_tls_failed"
        assert "certificate" in untrusted.value.message
        assert snapshot(store) == before
        monkeypatch.setenv("SCHEDTUI_SMTP_CAFILE", str(cert))
        assert mail.send_outbox(store, settings(tls.url())).sent == 1
        assert len(tls.received) == 1
        smtp = mail.connect(settings(tls.url()))
        try:
            assert isinstance(smtp.sock, ssl.SSLSocket)  # STARTTLS was used
        finally:
            smtp.quit()
    finally:
        tls.stop()


def test_smtps_speaks_tls_from_the_start(store, hub, certificate, monkeypatch):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    tls = Server(ssl_context=context).start()
    try:
        view, occs = make(store, hub)
        register(store, view.id, occurrence_ids=[occs[0]], email="s@example.org", name="S")
        monkeypatch.setenv("SCHEDTUI_SMTP_CAFILE", str(cert))
        assert tls.url().startswith("smtps://")
        assert mail.send_outbox(store, settings(tls.url())).sent == 1
    finally:
        tls.stop()


def test_starttls_is_required_away_from_this_machine(store, hub, server, monkeypatch):
    assert not parse_smtp_url("smtp://mail.example.org").loopback
    assert parse_smtp_url("smtp://mail.example.org").port == 587
    assert parse_smtp_url("smtps://mail.example.org").port == 465
    for local in ("smtp://localhost:1025", "smtp://127.0.0.1:25", "smtp://[::1]:25"):
        assert parse_smtp_url(local).loopback
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="r@example.org", name="R")
    # The test server is plain and local; seen as remote, it must be refused.
    monkeypatch.setattr(SmtpUrl, "loopback", property(lambda self: False))
    with pytest.raises(DeskError) as refused:
        mail.send_outbox(store, settings(server.url(), sender="desk@example.org"))
    assert refused.value.code == "smtp_tls_unavailable"
    assert server.received == [] and outbox.list_notices(store)[0].state == "waiting"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_takes_the_password_from_the_environment_only(store_url, clock, monkeypatch):
    store = open_store(store_url, clock=clock)
    guarded = Server(password="s3cret-Pw").start()
    try:
        hub = hubs.create_hub(store, "Studio", "Europe/Berlin")
        view, occs = make(store, hub)
        register(store, view.id, occurrence_ids=[occs[0]], email="l@example.org", name="L")
        with pytest.raises(DeskError) as missing:
            mail.send_outbox(store, settings(guarded.url("ada")))
        assert missing.value.code == "smtp_password_missing"
        monkeypatch.setenv("SCHEDTUI_SMTP_PASSWORD", "wrong")
        with pytest.raises(DeskError) as wrong:
            mail.send_outbox(store, settings(guarded.url("ada")))
        assert wrong.value.code == "smtp_auth_failed" and "wrong" not in wrong.value.message
        monkeypatch.setenv("SCHEDTUI_SMTP_PASSWORD", "s3cret-Pw")
        assert mail.send_outbox(store, settings(guarded.url("ada"))).sent == 1
        assert guarded.handler.logins[-1] == ("ada", "s3cret-Pw")
        assert "s3cret-Pw" not in json.dumps(snapshot(store), default=str)
        with pytest.raises(DeskError) as in_url:
            parse_smtp_url(f"smtp://ada:s3cret-Pw@127.0.0.1:{guarded.port}")
        assert in_url.value.code == "invalid_smtp_url" and "s3cret" not in in_url.value.message
    finally:
        guarded.stop()
        store.dispose()


def test_a_second_run_at_the_same_time_sends_nothing(store, hub, server):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="x@example.org", name="X")
    with mail.send_lock(store):
        with pytest.raises(DeskError) as busy:
            mail.send_outbox(store, settings(server.url()))
        assert busy.value.code == "outbox_busy"
    assert server.received == []
    assert mail.send_outbox(store, settings(server.url())).sent == 1


# -- runs in their own processes, killed mid-send ------------------------------------


def _send_process(store_url: str, url: str, pause: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "SCHEDTUI_NOW": NOW.isoformat()}
    env.pop(mail.PAUSE_ENV, None)
    if pause:
        env[mail.PAUSE_ENV] = pause
    return subprocess.Popen([sys.executable, "-m", "schedtui", "--db", store_url, "outbox",
                             "send", "--smtp", url, "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = _time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert _time.monotonic() < deadline, "the run never reached the pause"
        _time.sleep(0.05)


@pytest.fixture
def three_notices(store_url, clock):
    store = open_store(store_url, clock=clock)
    hub = hubs.create_hub(store, "Studio", "Europe/Berlin")
    view, occs = make(store, hub)
    for n in range(3):
        register(store, view.id, occurrence_ids=[occs[0]], email=f"k{n}@example.org",
                 name=f"K{n}")
    yield store
    store.dispose()


@pytest.mark.parametrize("point", ["after-commit", "after-reply"])
def test_a_run_killed_mid_send_neither_loses_nor_duplicates(three_notices, store_url, server,
                                                          tmp_path, point):
    store = three_notices
    marker = tmp_path / "paused"
    killed = _send_process(store_url, server.url(), f"{point}:1:{marker}")
    _wait_for(marker, killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert len(server.received) == 1
    first_id = server.received[0].message["Message-ID"]
    states = {i: r["state"] for i, r in notice_rows(store).items()}
    assert states == {1: "sent" if point == "after-commit" else "sending", 2: "waiting",
                      3: "waiting"}
    again = _send_process(store_url, server.url())
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    report = json.loads(out)
    resent = point == "after-reply"  # the one ambiguous moment: same Message-ID again
    assert report == {"sent": 2 + resent, "failed": [], "waiting": 0, "given_up": 0}
    counts = server.handler.by_message_id()
    assert counts[first_id] == 1 + resent
    assert sorted(counts.values()) == [1, 1, 1 + resent]
    assert {r["state"] for r in notice_rows(store).values()} == {"sent"}
    assert [m.message["To"].addresses[0].username for m in server.received][-2:] == ["k1", "k2"]


def test_two_runs_at_once_send_each_notice_once(three_notices, store_url, server):
    runs = [_send_process(store_url, server.url()) for _ in range(2)]
    results = [(r.wait(timeout=60), json.loads(r.communicate()[0])) for r in runs]
    for status, body in results:
        assert status == 0 or body["error"]["code"] == "outbox_busy"
    assert sorted(server.handler.by_message_id().values()) == [1, 1, 1]
    assert sum(body.get("sent", 0) for _, body in results) == 3


def test_an_address_that_needs_smtputf8_goes_only_where_it_is_offered(store, hub):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="jürgen@example.org",
             name="Jürgen")
    plain = Server().start()
    try:
        report = mail.send_outbox(store, settings(plain.url()))
        assert report.sent == 0 and plain.received == []
        assert report.failed[0].retry_at is None and "SMTPUTF8" in report.failed[0].reason
    finally:
        plain.stop()
    with store.write() as session:  # as if the organizer moved it back to waiting
        session.connection().execute(text("UPDATE notice SET state = 'waiting'"))
    modern = Server(smtputf8=True).start()
    try:
        assert mail.send_outbox(store, settings(modern.url())).sent == 1
        assert modern.received[0].rcpt_tos == ["jürgen@example.org"]
        assert "<jürgen@example.org>".encode() in modern.received[0].data  # as UTF-8
    finally:
        modern.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_password_can_come_from_the_system_keyring(store, hub, monkeypatch):
    """With the optional keyring library present, it is asked for service
    "schedtui" and user USER@HOST; the environment variable still wins."""
    import types

    asked = []
    keyring = types.ModuleType("keyring")

    def get_password(service, user):
        asked.append((service, user))
        return "from-the-keyring"

    keyring.get_password = get_password
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    guarded = Server(password="from-the-keyring").start()
    try:
        view, occs = make(store, hub)
        register(store, view.id, occurrence_ids=[occs[0]], email="k@example.org", name="K")
        chosen = settings(guarded.url("ada"))
        assert chosen.public()["password"] == "(hidden, from the system keyring)"
        assert mail.send_outbox(store, chosen).sent == 1
        assert asked == [("schedtui", "ada@127.0.0.1")]
        monkeypatch.setenv("SCHEDTUI_SMTP_PASSWORD", "env")
        assert settings(guarded.url("ada")).password == "env"
        monkeypatch.setitem(sys.modules, "keyring", None)  # the library absent
        monkeypatch.delenv("SCHEDTUI_SMTP_PASSWORD")
        assert settings(guarded.url("ada")).password is None
    finally:
        guarded.stop()


def test_a_certificate_file_that_is_not_one_is_a_clear_error(store, hub, server, tmp_path,
                                                             monkeypatch):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="c@example.org", name="C")
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate\n")
    monkeypatch.setenv("SCHEDTUI_SMTP_CAFILE", str(bogus))
    with pytest.raises(DeskError) as refused:
        mail.send_outbox(store, settings(server.url()))
    assert refused.value.code == "smtp_tls_failed" and server.received == []
    assert outbox.list_notices(store)[0].state == "waiting"
