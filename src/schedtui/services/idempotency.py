"""Idempotency keys for create commands: a script that retries after a crash
passes the same key and gets the first result back, never a second copy."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from schedtui.domain import text
from schedtui.domain.errors import DeskError
from schedtui.store.models import IdempotencyKey


def clean_key(key: str | None) -> str | None:
    return text.field(key, "Idempotency key", min_len=1, max_len=200) if key else None


def _fingerprint(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def earlier_result(session: Session, key: str | None, command: str,
                   params: dict[str, Any]) -> int | None:
    """The id the first use of ``key`` created, or None for a new key. The same
    key with another command or other parameters is refused."""
    if not key:
        return None
    earlier = session.get(IdempotencyKey, key)
    if earlier is None:
        return None
    if earlier.command != command or earlier.fingerprint != _fingerprint(params):
        raise DeskError("idempotency_conflict", f'The key "{key[:60]}" was used for a '
                        "different request; nothing was created.")
    return earlier.result_id


def remember(session: Session, key: str | None, command: str, params: dict[str, Any],
             result_id: int, now: datetime) -> None:
    """Record the key in the same transaction as what it created."""
    if key:
        session.add(IdempotencyKey(key=key, command=command, fingerprint=_fingerprint(params),
                                   result_id=result_id, created_at=now))
