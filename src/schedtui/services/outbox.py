"""The outbox: notices waiting to be sent, readable, and exportable as .eml files."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select

from schedtui.domain.errors import DeskError
from schedtui.domain.zones import iso_utc
from schedtui.services.common import naive_now
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Notice, Occurrence


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
    state: str = "waiting"  # waiting, sending, sent or failed (schema 4)
    tries: int = 0
    sent_at: str | None = None
    reply: str | None = None  # the server's reply, or why it failed
    next_try_at: str | None = None  # failed: when it is tried again; None: given up
    due_at: str | None = None  # not sent before then (a reminder); None: at once

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _view(n: Notice) -> NoticeView:
    return NoticeView(n.id, iso_utc(n.created_at), n.kind, n.to_email, n.to_name, n.subject,
                      n.body, n.registration_id, n.occurrence_id, n.exported_at is not None,
                      n.state, n.tries, iso_utc(n.sent_at) if n.sent_at else None, n.reply,
                      iso_utc(n.next_try_at) if n.next_try_at else None,
                      iso_utc(n.due_at) if n.due_at else None)


@transaction
def list_notices(store: Store, *, include_exported: bool = False, email: str | None = None,
                 limit: int | None = None, due: bool = False) -> list[NoticeView]:
    """Notices not yet out (neither exported nor sent), oldest first. ``due``:
    only those a send would take now (reminders due later wait; a reminder
    whose session has started is never due)."""
    with store.read() as session:
        query = select(Notice).order_by(Notice.id)
        if due:
            now = naive_now(store.now())
            started = select(Occurrence.id).where(
                (Occurrence.start_utc <= now) | (Occurrence.status != "scheduled"))
            query = query.where(or_(col(Notice.due_at).is_(None), col(Notice.due_at) <= now))
            query = query.where(or_(Notice.kind != "reminder",
                                    col(Notice.occurrence_id).not_in(started)))
        if not include_exported:
            query = query.where(col(Notice.exported_at).is_(None)).where(Notice.state != "sent")
        if email:
            query = query.where(Notice.to_email == email)
        if limit:
            query = query.limit(limit)
        return [_view(n) for n in session.exec(query)]


def sender() -> str:
    return os.environ.get("SCHEDTUI_FROM", "schedtui@localhost")


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
    from schedtui.services import mail  # the same messages as sending makes

    built = mail.render(store, [n.id for n in notices], sender())
    messages = [(target / f"notice-{n.id}.eml", built[n.id]) for n in notices]
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


@transaction
def mark_sent(store: Store, notice_ids: list[int] | None = None) -> int:
    """Take notices out of the outbox as sent by hand (or by another mailer):
    the given ones, or every one still to go (None). Returns how many were
    marked; a notice already sent or exported stays as it was, and a marked one
    is never sent by ``outbox send``."""
    with store.write() as session:
        query = (select(Notice).where(col(Notice.exported_at).is_(None))
                 .where(col(Notice.state).in_(("waiting", "failed"))))
        if notice_ids is not None:
            query = query.where(col(Notice.id).in_(notice_ids))
        rows = list(session.exec(query.with_for_update()))
        now = naive_now(store.now())
        for row in rows:
            row.state, row.sent_at, row.reply = "sent", now, "marked sent by hand"
            row.next_try_at = None
            session.add(row)
        return len(rows)
