"""Sending the outbox by SMTP, exactly once.

One builder makes every message (:func:`build_message`), for sending and for the
.eml export alike: Date, From, To, Subject and a Message-ID, names and addresses
encoded for any server, a plain-text body, and for a session that belongs in the
person's calendar an iCalendar part (METHOD:REQUEST, or CANCEL when it no longer
does) with the same UID the personal calendar export uses.

A send run holds the outbox's send lock (a file lock beside a SQLite file, an
advisory lock on PostgreSQL) for as long as it talks to the server, so two runs
never send at once; the second is told ``outbox_busy``. Under the lock each
notice is claimed by a conditional update that moves it to ``sending`` and is
committed before the server hears of it, then moved to ``sent`` (with the
server's reply) or ``failed`` and committed after. A notice found in
``sending`` was left by a run that stopped between those two commits: the
server may or may not have taken it, so it goes out again with the same
Message-ID, and receivers drop the copy. Every other notice goes out once.

Temporary failures (a 4xx reply, a lost connection, a timeout) are tried again
on a later run, after 1, 2, 4 ... minutes, at most 6 hours apart, and given up
after :data:`MAX_TRIES`; a 5xx reply for the address gives up at once. A server
that cannot be reached at the start changes nothing: the run stops with an
error and every notice keeps waiting.
"""

from __future__ import annotations

import contextlib
import email.errors
import hashlib
import os
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, text, update
from sqlmodel import Session, col, select

from schedtui.domain.errors import DeskError
from schedtui.domain.zones import iso_utc
from schedtui.services import reminders
from schedtui.services.common import naive_now
from schedtui.services.mailconfig import MailSettings
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Notice, Occurrence, SeatEntry, Series

MAX_TRIES = 10
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
PRODID = "-//schedtui//schedtui desk//EN"
REQUEST_KINDS = frozenset({"confirmed", "promoted", "moved", "restored", "approved",
                           "switched"})
CANCEL_KINDS = frozenset({"occurrence_cancelled", "demoted"})
PAUSE_ENV = "SCHEDTUI_TEST_SEND_PAUSE"
"""Test hook: ``after-reply:N:FILE`` or ``after-commit:N:FILE`` makes a run stop
still after the N-th message's reply (or its commit), with FILE created, until
the test kills it."""


# -- the database's identity and Message-IDs ---------------------------------------


@transaction
def database_id(store: Store) -> str:
    """The database's random identity (made with the schema, kept by a backup):
    it makes Message-IDs unique across desks. Made here only for a database that
    lacks it."""
    query = text("SELECT value FROM schedtui_meta WHERE key = 'database_id'")
    with store.read() as session:
        found = session.connection().execute(query).scalar()
    if found:
        return found
    with store.write() as session:
        conn = session.connection()
        conn.execute(text("INSERT INTO schedtui_meta (key, value) VALUES ('database_id', :v) "
                          "ON CONFLICT (key) DO NOTHING"), {"v": os.urandom(8).hex()})
        return conn.execute(query).scalar_one()


def _ascii_domain(domain: str) -> str:
    try:
        domain.encode("ascii")
        return domain
    except UnicodeEncodeError:
        try:
            return domain.encode("idna").decode("ascii")
        except UnicodeError:
            return domain


def sender_address(sender: str) -> str:
    """The bare address of a ``Name <a@b>`` sender."""
    return getaddresses([sender])[0][1]


def message_id_for(notice_id: int, db_id: str, sender: str) -> str:
    """The notice's Message-ID: the same for every try of one notice."""
    domain = _ascii_domain(sender_address(sender).rpartition("@")[2] or "schedtui.localhost")
    return f"<notice-{notice_id}.{db_id}@{domain}>"


# -- building messages ------------------------------------------------------------


def _recipient(email: str) -> tuple[str, str, bool]:
    """(local part, ASCII domain, whether the local part needs SMTPUTF8)."""
    local, _, domain = email.rpartition("@")
    return local, _ascii_domain(domain), not local.isascii()


def build_message(*, notice_id: int, to_name: str, to_email: str, subject: str, body: str,
                  created_at: datetime, sender: str, message_id: str,
                  calendar: tuple[str, str] | None = None) -> EmailMessage:
    """One notice as a standard message; ``calendar`` is (METHOD, iCalendar text)."""
    local, domain, utf8 = _recipient(to_email)
    message = EmailMessage(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)
    message["From"] = sender
    message["To"] = Address(display_name=to_name, username=local, domain=domain)
    message["Subject"] = subject
    stamp = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    message["Date"] = format_datetime(stamp.astimezone(UTC))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    message["X-Schedtui-Notice"] = str(notice_id)
    message.set_content(body, cte="7bit" if body.isascii() else "quoted-printable")
    if calendar is not None:
        method, ics = calendar
        message.add_attachment(ics, subtype="calendar", cte="base64",
                               filename="cancel.ics" if method == "CANCEL" else "invite.ics",
                               params={"method": method})
    return message


def as_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes()


def _calendar(notice: Notice, occ: Occurrence, series: Series, sender: str,
              method: str) -> str:
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", occurrence_uid(occ.id))
    event.add("sequence", notice.id)  # later notices about it always count higher
    event.add("dtstamp", notice.created_at.replace(tzinfo=UTC))
    event.add("dtstart", occ.start_utc.replace(tzinfo=UTC))
    event.add("dtend", occ.end_utc.replace(tzinfo=UTC))
    event.add("summary", series.name)
    where = occ.location if occ.location is not None else series.location
    if where:
        event.add("location", where)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    name, address = getaddresses([sender])[0]
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    if name:
        organizer.params["cn"] = name
    event.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{notice.to_email}")
    attendee.params["cn"] = notice.to_name
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    event.add("attendee", attendee)
    cal.add_component(event)
    return cal.to_ical().decode("utf-8")


def occurrence_uid(occurrence_id: int) -> str:
    """The UID an occurrence has in a person's calendar (``export ics --attendee``)."""
    return f"occurrence-{occurrence_id}@schedtui"


def calendar_method(notice: Notice, occ: Occurrence | None, seat: str | None) -> str | None:
    """REQUEST when the session belongs in the person's calendar now (a scheduled
    occurrence they hold a confirmed seat in), CANCEL when a change took it out,
    None when the notice is not about one session's place in a calendar."""
    if occ is None:
        return None
    if notice.kind in CANCEL_KINDS:
        return "CANCEL"
    if notice.kind in REQUEST_KINDS:
        if occ.status == "cancelled":
            return "CANCEL"
        return "REQUEST" if seat == "confirmed" else None
    return None


def compose(session: Session, notices: list[Notice], sender: str, db_id: str
            ) -> dict[int, EmailMessage]:
    """The message for each notice, with its calendar part where one fits."""
    occ_ids = {n.occurrence_id for n in notices if n.occurrence_id is not None}
    places: dict[int, tuple[Occurrence, Series]] = {}
    seats: dict[tuple[int, int], str] = {}
    if occ_ids:
        for occ, series in session.exec(select(Occurrence, Series)
                                        .join(Series, Occurrence.series_id == Series.id)
                                        .where(col(Occurrence.id).in_(occ_ids))):
            places[occ.id] = (occ, series)
        reg_ids = {n.registration_id for n in notices if n.registration_id is not None}
        if reg_ids:
            for entry in session.exec(select(SeatEntry)
                                      .where(col(SeatEntry.occurrence_id).in_(occ_ids))
                                      .where(col(SeatEntry.registration_id).in_(reg_ids))):
                seats[(entry.registration_id, entry.occurrence_id)] = entry.status
    built = {}
    for notice in notices:
        calendar = None
        occ, series = places.get(notice.occurrence_id, (None, None))
        if occ is not None:
            seat = seats.get((notice.registration_id, occ.id))
            method = calendar_method(notice, occ, seat)
            if method:
                calendar = (method, _calendar(notice, occ, series, sender, method))
        built[notice.id] = build_message(
            notice_id=notice.id, to_name=notice.to_name, to_email=notice.to_email,
            subject=notice.subject, body=notice.body, created_at=notice.created_at,
            sender=sender, message_id=notice.message_id or message_id_for(notice.id, db_id,
                                                                          sender),
            calendar=calendar)
    return built


@transaction
def render(store: Store, notice_ids: list[int], sender: str) -> dict[int, bytes]:
    """The messages of these notices, as files (for the .eml export)."""
    db_id = database_id(store)
    with store.read() as session:
        rows = list(session.exec(select(Notice).where(col(Notice.id).in_(notice_ids))))
        try:
            return {i: as_bytes(m) for i, m in compose(session, rows, sender, db_id).items()}
        except _UNWRITABLE:
            pass
        for notice in rows:  # one at a time, to name the one that cannot be written
            try:
                as_bytes(compose(session, [notice], sender, db_id)[notice.id])
            except _UNWRITABLE as exc:
                raise DeskError("invalid_email", f"Notice {notice.id} to "
                                f"{notice.to_email[:80]!r} cannot be written as an e-mail "
                                f"({str(exc)[:120]}); nothing was exported.",
                                notice=notice.id) from None
        raise AssertionError("a message failed to build, then built one by one")


# What building a message from stored text can raise (a line break in a name
# put there by another program, a domain no IDNA codec takes).
_UNWRITABLE = (ValueError, TypeError, IndexError, UnicodeError, email.errors.MessageError)


# -- the send run -------------------------------------------------------------------


@dataclass
class Failure:
    id: int
    to: str
    reason: str
    retry_at: str | None  # None: given up

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "to": self.to, "reason": self.reason, "retry_at": self.retry_at}


@dataclass
class SendReport:
    """What a run did. ``waiting``: notices still to go (including those backing
    off or not yet due); ``stopped``: why a run ended early, if it did."""

    sent: int = 0
    failed: list[Failure] = field(default_factory=list)
    waiting: int = 0
    given_up: int = 0
    dry_run: bool = False
    would_send: list[dict[str, Any]] = field(default_factory=list)
    stopped: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"sent": self.sent, "failed": [f.to_json() for f in self.failed],
                                "waiting": self.waiting, "given_up": self.given_up}
        if self.dry_run:
            data["dry_run"] = True
            data["would_send"] = self.would_send
        if self.stopped:
            data["stopped"] = self.stopped
        return data


def _due(now: datetime):
    """Notices a run takes, oldest first: waiting and due, left in sending, or
    failed with their next try come."""
    return (col(Notice.exported_at).is_(None),
            or_(col(Notice.state).in_(("waiting", "sending")),
                (Notice.state == "failed") & (col(Notice.next_try_at) <= now)),
            or_(col(Notice.due_at).is_(None), col(Notice.due_at) <= now))


@transaction
def _candidates(store: Store, now: datetime, limit: int | None) -> list[Notice]:
    with store.read() as session:
        query = select(Notice).where(*_due(now)).order_by(Notice.id)
        if limit:
            query = query.limit(limit)
        return list(session.exec(query))


@transaction
def _counts(store: Store) -> tuple[int, int]:
    """(still to go, given up) among notices not exported by hand."""
    with store.read() as session:
        base = select(func.count(Notice.id)).where(col(Notice.exported_at).is_(None))
        waiting = session.exec(base.where(or_(
            col(Notice.state).in_(("waiting", "sending")),
            (Notice.state == "failed") & col(Notice.next_try_at).is_not(None)))).one()
        given_up = session.exec(base.where(Notice.state == "failed")
                                .where(col(Notice.next_try_at).is_(None))).one()
        return waiting, given_up


@transaction
def _claim(store: Store, notice: Notice, message_id: str) -> bool:
    """Move the notice to ``sending`` if nobody changed it since it was read."""
    with store.write() as session:
        result = session.execute(
            update(Notice).where(col(Notice.id) == notice.id)
            .where(col(Notice.state) == notice.state).where(col(Notice.tries) == notice.tries)
            .where(col(Notice.exported_at).is_(None))
            .values(state="sending", tries=notice.tries + 1, message_id=message_id,
                    next_try_at=None))
        return result.rowcount == 1


@transaction
def _finish(store: Store, notice_id: int, *, state: str, reply: str,
            sent_at: datetime | None = None, next_try_at: datetime | None = None) -> None:
    with store.write() as session:
        session.execute(update(Notice).where(col(Notice.id) == notice_id)
                        .where(col(Notice.state) == "sending")
                        .values(state=state, reply=reply[:500], sent_at=sent_at,
                                next_try_at=next_try_at))


def backoff(tries: int) -> timedelta:
    """How long to wait after the ``tries``-th failed try."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, tries - 1)))


class _Refused(Exception):
    """The server refused one message: ``permanent`` for a 5xx about it,
    ``stop`` when the connection is unusable or the refusal is about the sender."""

    def __init__(self, reason: str, *, permanent: bool = False, stop: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.stop = stop


def _reply_text(code: int, message: bytes | str) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    return f"{code} {' '.join(message.split())}"


def _transmit(smtp: smtplib.SMTP, sender: str, to_email: str, data: bytes, utf8: bool) -> str:
    """One message to one recipient; returns the server's final reply."""
    try:
        options = []
        if utf8:
            if not smtp.has_extn("smtputf8"):
                raise _Refused(f"the address {to_email} needs SMTPUTF8, which the server "
                               "does not offer", permanent=True)
            options.append("SMTPUTF8")
        code, reply = smtp.mail(sender, options)
        if code != 250:
            smtp.rset()
            raise _Refused(f"the server refused the sender {sender}: "
                           f"{_reply_text(code, reply)}", stop=True)
        local, domain, _ = _recipient(to_email)
        code, reply = smtp.rcpt(f"{local}@{domain}")
        if code not in (250, 251):
            smtp.rset()
            raise _Refused(_reply_text(code, reply), permanent=500 <= code < 600)
        code, reply = smtp.data(data)
        if code != 250:
            smtp.rset()
            raise _Refused(_reply_text(code, reply), permanent=500 <= code < 600)
        return _reply_text(code, reply)
    except smtplib.SMTPResponseException as exc:  # DATA refused, or a reply the protocol
        raise _Refused(_reply_text(exc.smtp_code, exc.smtp_error),  # did not expect
                       permanent=500 <= exc.smtp_code < 600) from None
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise _Refused(f"the connection was lost ({_os_reason(exc)})", stop=True) from None


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)[:200]


def connect(settings: MailSettings) -> smtplib.SMTP:
    """Open, secure and log in to the server, or raise a DeskError saying why not.

    ``smtps://`` speaks TLS from the start. ``smtp://`` upgrades with STARTTLS,
    which is required unless the server is on this machine (a local relay may
    not offer it). Certificates are always checked, against the system's
    authorities plus ``cafile``."""
    url = settings.url
    if url is None:
        raise DeskError("smtp_not_configured", "No mail server is set.")
    if url.user and not settings.password:
        raise DeskError("smtp_password_missing", f"No password for {url.keyring_user}: set "
                        "SCHEDTUI_SMTP_PASSWORD, or store it in the system keyring (service "
                        f"\"schedtui\", user \"{url.keyring_user}\").")
    smtp: smtplib.SMTP | None = None
    try:
        context = ssl.create_default_context(cafile=settings.cafile)
        if url.implicit_tls:
            smtp = smtplib.SMTP_SSL(url.host, url.port, timeout=settings.timeout,
                                    context=context)
        else:
            smtp = smtplib.SMTP(url.host, url.port, timeout=settings.timeout)
        smtp.ehlo()
        if not url.implicit_tls:
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            elif not url.loopback:
                raise DeskError("smtp_tls_unavailable", f"{url.host} does not offer STARTTLS, "
                                "so nothing was sent: mail and password would cross the "
                                "network in the clear. Use smtps://, or a relay on this "
                                "machine (smtp://localhost:PORT).")
        if url.user:
            smtp.login(url.user, settings.password or "")
        return smtp
    except DeskError:
        _close(smtp)
        raise
    except smtplib.SMTPAuthenticationError as exc:
        _close(smtp)
        raise DeskError("smtp_auth_failed", f"{url.host} refused the user name or password "
                        f"({_reply_text(exc.smtp_code, exc.smtp_error)}).") from None
    except smtplib.SMTPNotSupportedError:
        _close(smtp)
        raise DeskError("smtp_auth_failed", f"{url.host} offers no login over this connection; "
                        "remove the user name from the URL, or use smtps:// or "
                        "STARTTLS.") from None
    except ssl.SSLError as exc:
        _close(smtp)
        reason = getattr(exc, "verify_message", None) or exc.reason or str(exc)
        raise DeskError("smtp_tls_failed", f"The secure connection to {url.host}:{url.port} "
                        f"failed ({reason}); nothing was sent.") from None
    except (OSError, smtplib.SMTPException) as exc:
        _close(smtp)
        if isinstance(exc, socket.gaierror):
            reason = f"cannot find the host {url.host}"
        elif isinstance(exc, smtplib.SMTPResponseException):
            reason = _reply_text(exc.smtp_code, exc.smtp_error)
        else:
            reason = _os_reason(exc)
        raise DeskError("smtp_unreachable", f"Cannot reach the mail server {url.host}:"
                        f"{url.port} ({reason}). Nothing was sent; the notices keep "
                        "waiting.") from None


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except Exception:  # noqa: BLE001 - already gone
        with contextlib.suppress(Exception):
            smtp.close()


# -- the send lock --------------------------------------------------------------------

_MEMORY_LOCKS: dict[int, threading.Lock] = {}


@contextlib.contextmanager
def send_lock(store: Store) -> Iterator[None]:
    """Hold the outbox's send lock, or raise ``outbox_busy``. The operating
    system (or the PostgreSQL server) lets go of it if the process dies."""
    busy = DeskError("outbox_busy", "Another outbox send is running on this database; the "
                     "notices go out there. Nothing was sent by this one.")
    if store.is_sqlite:
        database = store.engine.url.database
        if not database or database == ":memory:":
            lock = _MEMORY_LOCKS.setdefault(id(store), threading.Lock())
            if not lock.acquire(blocking=False):
                raise busy
            try:
                yield
            finally:
                lock.release()
            return
        with _file_lock(Path(f"{database}-send.lock"), busy):
            yield
        return
    key = int.from_bytes(hashlib.sha256(f"schedtui-send:{database_id(store)}".encode())
                         .digest()[:8], "big", signed=True)
    with store.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            raise busy
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


@contextlib.contextmanager
def _file_lock(path: Path, busy: DeskError) -> Iterator[None]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise DeskError("invalid_path", f"Cannot create the send lock {path}: "
                        f"{exc.strerror}.") from None
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # Windows
            import msvcrt

            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                raise busy from None
        except BlockingIOError:
            raise busy from None
        yield
    finally:
        os.close(fd)  # closing lets go of the lock


def _pause(point: str, count: int) -> None:
    hook = os.environ.get(PAUSE_ENV)
    if not hook:
        return
    where, _, rest = hook.partition(":")
    number, _, marker = rest.partition(":")
    if where == point and number == str(count):
        Path(marker).touch()
        time.sleep(3600)


# -- the run ------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def send_outbox(store: Store, settings: MailSettings, *, limit: int | None = None,
                dry_run: bool = False, progress: Progress | None = None) -> SendReport:
    """Send the notices that are due, oldest first, at most ``limit``.
    ``progress(done, total)`` is called after each one. A dry run builds the
    messages and lists them without a connection or a change."""
    if limit is not None and limit < 1:
        raise DeskError("invalid_value", "--limit must be 1 or more.")
    report = SendReport(dry_run=dry_run)
    db_id = database_id(store)
    if dry_run:
        now = naive_now(store.now())
        due = [n for n in _candidates(store, now, limit) if reminders.still_due(store, n)]
        with store.read() as session:
            built = compose(session, due, settings.sender, db_id)
        report.would_send = [{"id": n.id, "to": n.to_email, "subject": n.subject,
                              "message_id": built[n.id]["Message-ID"],
                              "calendar": built[n.id].get_content_type() != "text/plain"}
                             for n in due]
        report.waiting, report.given_up = _counts(store)
        return report
    with send_lock(store):
        reminders.drop_stale(store)
        now = naive_now(store.now())
        due = _candidates(store, now, limit)
        if due:
            smtp = connect(settings)
            try:
                _run(store, smtp, settings, due, db_id, report, progress)
            finally:
                _close(smtp)
    report.waiting, report.given_up = _counts(store)
    return report


def _run(store: Store, smtp: smtplib.SMTP, settings: MailSettings, due: list[Notice],
         db_id: str, report: SendReport, progress: Progress | None) -> None:
    envelope_from = sender_address(settings.sender)
    for done, notice in enumerate(due, start=1):
        if not reminders.still_due(store, notice):
            continue  # its session started during the run: a reminder never goes out late
        message_id = notice.message_id or message_id_for(notice.id, db_id, settings.sender)
        notice.message_id = message_id
        with store.read() as session:  # built before the claim: a fault here changes nothing
            message = compose(session, [notice], settings.sender, db_id)[notice.id]
        if not _claim(store, notice, message_id):
            continue  # changed since it was read (marked sent by hand, exported)
        notice.tries += 1
        try:
            reply = _transmit(smtp, envelope_from, notice.to_email, as_bytes(message),
                              not _recipient(notice.to_email)[0].isascii())
        except _Refused as refused:
            now = naive_now(store.now())
            permanent = refused.permanent or notice.tries >= MAX_TRIES
            retry = None if permanent else now + backoff(notice.tries)
            _finish(store, notice.id, state="failed", reply=refused.reason, next_try_at=retry)
            report.failed.append(Failure(notice.id, notice.to_email, refused.reason,
                                         iso_utc(retry) if retry else None))
            if progress:
                progress(done, len(due))
            if refused.stop:
                report.stopped = refused.reason
                return
            continue
        _pause("after-reply", done)
        _finish(store, notice.id, state="sent", reply=reply,
                sent_at=naive_now(store.now()))
        report.sent += 1
        _pause("after-commit", done)
        if progress:
            progress(done, len(due))
