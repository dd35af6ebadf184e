"""The outbox: notices waiting to be sent, readable, and exportable as .eml files."""

from __future__ import annotations

import email.errors
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from schedtui.domain.errors import DeskError
from schedtui.domain.zones import iso_utc
from schedtui.services.common import naive_now
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Notice


@dataclass(frozen=True)
class NoticeView:
    id: int
    created_at: str
    kind: str
    to_email: str
    to_name: str
    subject: str
    body: str
    registration_id: int | None
    occurrence_id: int | None
    exported: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _view(n: Notice) -> NoticeView:
    return NoticeView(n.id, iso_utc(n.created_at), n.kind, n.to_email, n.to_name, n.subject,
                      n.body, n.registration_id, n.occurrence_id, n.exported_at is not None)


@transaction
def list_notices(store: Store, *, include_exported: bool = False, email: str | None = None,
                 limit: int | None = None) -> list[NoticeView]:
    """Waiting notices, oldest first."""
    with store.read() as session:
        query = select(Notice).order_by(Notice.id)
        if not include_exported:
            query = query.where(col(Notice.exported_at).is_(None))
        if email:
            query = query.where(Notice.to_email == email)
        if limit:
            query = query.limit(limit)
        return [_view(n) for n in session.exec(query)]


def sender() -> str:
    return os.environ.get("SCHEDTUI_FROM", "schedtui@localhost")


def to_eml(notice: NoticeView) -> bytes:
    """The notice as an RFC 5322 message. Names and subjects outside ASCII are
    encoded words (RFC 2047); an address outside ASCII (``ünï@exämple.org``)
    makes the whole message an internationalized one (RFC 6532, UTF-8 headers,
    what SMTPUTF8 servers and current mail clients read). A value that cannot
    be put in a header (a line break stored by another program) is refused
    with the notice's id."""
    international = not (notice.to_email + sender()).isascii()
    message = EmailMessage(policy=policy.SMTPUTF8 if international else policy.default)
    try:
        message["From"] = sender()
        message["To"] = _mailbox(notice.to_name, notice.to_email)
        message["Subject"] = notice.subject
        message["Date"] = format_datetime(datetime.fromisoformat(
            notice.created_at.replace("Z", "+00:00")))
        message["Message-ID"] = make_msgid(idstring=f"notice-{notice.id}",
                                           domain="schedtui.local")
        message.set_content(notice.body)
        return message.as_bytes()
    except (ValueError, TypeError, IndexError, email.errors.MessageError) as exc:
        raise DeskError("invalid_email", f"Notice {notice.id} to {notice.to_email[:80]!r} cannot "
                        f"be written as an e-mail ({str(exc)[:120]}); nothing was exported.",
                        notice=notice.id) from None


def _mailbox(name: str, address: str) -> str:
    """``"Name" <address>``: the name a quoted string (the header policy turns
    a non-ASCII one into an encoded word where needed)."""
    if not name:
        return address
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


@transaction
def export_eml(store: Store, folder: str | os.PathLike, *, include_exported: bool = False
               ) -> list[Path]:
    """Write each waiting notice as ``notice-<id>.eml`` and mark it exported.

    All or nothing: every message is built before any file is written, the files
    are written under temporary names and renamed at the end, and a failure
    removes what this export wrote; the notices are marked exported only after
    every file is in place."""
    if not str(folder).strip():
        raise DeskError("invalid_path", "No folder named: give the folder to write the "
                        "notices to.")
    target = Path(folder).expanduser()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeskError("invalid_path", f"Cannot create the folder {target}: "
                        f"{exc.strerror or exc}.") from None
    notices = list_notices(store, include_exported=include_exported)
    messages = [(target / f"notice-{n.id}.eml", to_eml(n)) for n in notices]
    _write_all(target, messages)
    if notices:
        with store.write() as session:
            ids = [n.id for n in notices]
            for row in session.exec(select(Notice).where(col(Notice.id).in_(ids))):
                row.exported_at = row.exported_at or naive_now(store.now())
                session.add(row)
    return [path for path, _ in messages]


def _write_all(target: Path, messages: list[tuple[Path, bytes]]) -> None:
    temps: list[Path] = []
    created: list[Path] = []
    try:
        for _, data in messages:
            handle, name = tempfile.mkstemp(prefix=".notice-", suffix=".tmp", dir=target)
            temps.append(Path(name))
            with os.fdopen(handle, "wb") as out:
                out.write(data)
        for (path, _), temp in zip(messages, temps, strict=True):
            existed = path.exists()
            os.replace(temp, path)
            if not existed:
                created.append(path)
    except OSError as exc:
        for leftover in temps + created:
            leftover.unlink(missing_ok=True)
        raise DeskError("write_failed", f"Cannot write the notices to {target}: "
                        f"{exc.strerror or exc}; nothing was exported.") from None
