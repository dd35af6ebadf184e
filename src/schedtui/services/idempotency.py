"""Idempotency keys for create commands: a script that retries after a crash
passes the same key and gets the first result back, never a second copy.

A create command claims its key first, before it reads or writes anything
else: the key's row is inserted at once (``ON CONFLICT DO NOTHING``) and
filled in with the result when the work is done, in the same transaction. So
concurrent retries of one request serialize on the key: on PostgreSQL the
others wait at the insert until the first commits, then find its row and
replay its result (or, if it failed and rolled back, one of them does the
work); on SQLite the write transaction already lets one in at a time.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from schedtui.domain import text
from schedtui.domain.errors import DeskError
from schedtui.store.hot import HotSQL

IN_PROGRESS = 0
"""``result_id`` of a key claimed by a transaction that has not finished."""

_CLAIM = HotSQL(
    "INSERT INTO idempotency_key (key, command, fingerprint, result_id, created_at) "
    "VALUES (:key, :command, :fingerprint, 0, :now) ON CONFLICT (key) DO NOTHING "
    "RETURNING key")
_EARLIER = HotSQL("SELECT command, fingerprint, result_id FROM idempotency_key "
                  "WHERE key = :key")
_RESULT = HotSQL("UPDATE idempotency_key SET result_id = :result WHERE key = :key")


def clean_key(key: str | None) -> str | None:
    return text.field(key, "Idempotency key", min_len=1, max_len=200) if key else None


def _fingerprint(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def claim(session: Session, key: str | None, command: str, params: dict[str, Any],
          now: datetime) -> int | None:
    """Claim ``key`` for this request, first thing in the transaction. Returns
    None when the work is this transaction's to do (a new key, or no key), else
    the id the first use of the key created, to be returned again. The same key
    with another command or other parameters is refused."""
    if not key:
        return None
    fingerprint = _fingerprint(params)
    if _CLAIM.first(session, key=key, command=command, fingerprint=fingerprint,
                    now=now) is not None:
        return None
    earlier = _EARLIER.first(session, key=key)
    if earlier is None or earlier.result_id == IN_PROGRESS:  # pragma: no cover - see below
        # The insert gave way to a row this statement cannot see finished: never
        # expected (the insert waits for the first transaction to end), but a
        # script can always retry this.
        raise DeskError("idempotency_in_progress", f'A request with the key "{key[:60]}" is '
                        "still being processed; nothing was created. Try again.")
    if earlier.command != command or earlier.fingerprint != fingerprint:
        raise DeskError("idempotency_conflict", f'The key "{key[:60]}" was used for a '
                        "different request; nothing was created.")
    return earlier.result_id


def remember(session: Session, key: str | None, result_id: int) -> None:
    """Record what the claimed key created (the same transaction commits both)."""
    if key:
        _RESULT.run(session, key=key, result=result_id)
