"""The outbox: notices waiting to be sent, readable, and exportable as .eml files."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
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
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = formataddr((notice.to_name, notice.to_email))
    message["Subject"] = notice.subject
    message["Date"] = format_datetime(datetime.fromisoformat(notice.created_at.replace("Z",
                                                                                        "+00:00")))
    message["Message-ID"] = make_msgid(idstring=f"notice-{notice.id}", domain="schedtui.local")
    message.set_content(notice.body)
    return bytes(message)


@transaction
def export_eml(store: Store, folder: str | os.PathLike, *, include_exported: bool = False
               ) -> list[Path]:
    """Write each waiting notice as ``notice-<id>.eml`` and mark it exported."""
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeskError("invalid_path", f"Cannot create the folder {target}: {exc.strerror}.") \
            from None
    notices = list_notices(store, include_exported=include_exported)
    written = []
    for notice in notices:
        path = target / f"notice-{notice.id}.eml"
        try:
            path.write_bytes(to_eml(notice))
        except OSError as exc:
            raise DeskError("invalid_path", f"Cannot write {path}: {exc.strerror}.") from None
        written.append(path)
    if notices:
        with store.write() as session:
            ids = [n.id for n in notices]
            for row in session.exec(select(Notice).where(col(Notice.id).in_(ids))):
                row.exported_at = row.exported_at or naive_now(store.now())
                session.add(row)
    return written


@transaction
def mark_sent(store: Store, notice_ids: list[int] | None = None) -> int:
    """Take notices out of the outbox as sent (by hand, or by another mailer):
    the given ones, or every waiting one (None). Returns how many were waiting;
    a notice already out stays as it was."""
    with store.write() as session:
        query = select(Notice).where(col(Notice.exported_at).is_(None))
        if notice_ids is not None:
            query = query.where(col(Notice.id).in_(notice_ids))
        rows = list(session.exec(query))
        for row in rows:
            row.exported_at = naive_now(store.now())
            session.add(row)
        return len(rows)
