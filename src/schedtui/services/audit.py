"""The audit log: every change, who made it and the values before and after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from schedtui.domain.zones import iso_utc
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.hot import HotSQL
from schedtui.store.models import AuditEntry

# Every change writes one.
_INSERT = HotSQL(
    'INSERT INTO audit (at, actor, action, entity, entity_id, hub_id, series_id, undone, '
    '"before", "after", batch) VALUES (:at, :actor, :action, :entity, :entity_id, :hub_id, '
    ':series_id, :undone, :before, :after, :batch)')

def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(type(value).__name__)


def snapshot(row: Any, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    data = row.model_dump()
    return {k: v for k, v in data.items() if fields is None or k in fields}


def record(session: Session, store: Store, action: str, entity: str, entity_id: int | None, *,
           before: dict | None = None, after: dict | None = None, series_id: int | None = None,
           hub_id: int | None = None, undone: bool = False, batch: str | None = None) -> None:
    """Write one audit entry in the caller's transaction (a plain insert: the
    log is written, never read back, in the transaction that makes it).
    ``undone`` marks an entry that undo must step over (an undo's own entry);
    ``batch`` groups the entries of one bulk edit, undone together."""
    _INSERT.run(session, **{
        "at": store.now().astimezone(UTC).replace(tzinfo=None), "actor": store.actor,
        "action": action, "entity": entity, "entity_id": entity_id, "hub_id": hub_id,
        "series_id": series_id, "undone": undone,
        "before": json.dumps(before, default=_default, sort_keys=True)
        if before is not None else None,
        "after": json.dumps(after, default=_default, sort_keys=True)
        if after is not None else None,
        "batch": batch,
    })


@dataclass(frozen=True)
class AuditView:
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: int | None
    series_id: int | None
    before: dict | None
    after: dict | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@transaction
def list_log(store: Store, *, series_id: int | None = None, limit: int = 200) -> list[AuditView]:
    """The newest entries first, optionally for one series."""
    with store.read() as session:
        query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
        if series_id is not None:
            query = query.where(AuditEntry.series_id == series_id)
        return [
            AuditView(e.id, iso_utc(e.at), e.actor, e.action, e.entity, e.entity_id, e.series_id,
                      json.loads(e.before) if e.before else None,
                      json.loads(e.after) if e.after else None)
            for e in session.exec(query)
        ]


@transaction
def last_change(store: Store) -> int:
    """The id of the newest audit entry: a cheap token that changes with every
    write (any process), so a screen can poll it and refresh when it moves."""
    from sqlmodel import func

    with store.read() as session:
        return session.exec(select(func.max(AuditEntry.id))).one() or 0
