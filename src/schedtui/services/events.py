"""One-off events: a series without a rule of its own and exactly one
occurrence. It is stored as a series of kind "event" (so registrations,
seats, the agenda and every export treat it as they treat any series), planned
from a one-day rule the desk keeps to itself; its JSON says ``"rrule": null``."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from schedtui.domain.errors import DeskError, invalid
from schedtui.services import series as series_service
from schedtui.services.views import SeriesView
from schedtui.store import Store


def create_event(store: Store, *, hub_id: int, name: str, start: date, start_time: time | None,
                 duration_minutes: int, draft: bool = False,
                 idempotency_key: str | None = None, **settings: Any) -> SeriesView:
    """Add a one-off event at ``start`` ``start_time`` (local to its zone)."""
    if start_time is None and not settings.get("times"):
        raise invalid("Give the event's time: a start of the form YYYY-MM-DDTHH:MM.")
    refused = sorted(k for k in series_service.RULE_ONLY if settings.get(k) not in (None, []))
    if len(settings.get("times") or ()) > 1:
        refused.append("times")
    if refused:
        raise DeskError("one_off_event", "A one-off event has one occurrence and no rule: "
                        f"{', '.join(refused)} cannot be given. Add a series for that.",
                        fields=refused)
    for key in series_service.RULE_ONLY:
        settings.pop(key, None)
    return series_service.create_series(
        store, hub_id=hub_id, name=name, start=start, start_time=start_time,
        rrule=series_service.EVENT_RULE, duration_minutes=duration_minutes, draft=draft,
        idempotency_key=idempotency_key, kind="event", on_blackout="ignore", **settings)
