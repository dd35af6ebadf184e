"""The audit log: every change, who made it and the values before and after."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from schedtui.domain.zones import iso_utc
from schedtui.services.reads import AuditView, last_change, list_log  # noqa: F401 - reads
from schedtui.store import Store
from schedtui.store.hot import HotSQL

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
