"""Shared checks: the desk's scheduled occurrences against an independent
expander (recurring-ical-events) reading the exported calendar."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from schedtui.domain.zones import zone
from schedtui.services import occurrences


def oracle():
    """recurring-ical-events, or a skip: it caps python-dateutil below 3, so the
    run on what a plain install resolves goes without it (see .ci/run)."""
    return pytest.importorskip("recurring_ical_events", reason="the oracle comparisons need "
                               "recurring-ical-events (the test extra), absent in this run")


DATA = __import__("pathlib").Path(__file__).resolve().parent.parent / "data"


def desk_instants(store, series_ids) -> list[tuple[str, str, str]]:
    """(local start, UTC start, UTC end) of every scheduled occurrence."""
    found = []
    for sid in series_ids:
        for view in occurrences.list_occurrences(store, sid):
            if view.status == "scheduled":
                found.append((view.start, view.start_utc, view.end_utc))
    return sorted(found, key=lambda t: t[1])


def window(store, series_ids) -> tuple[datetime, datetime]:
    """From a day before the first occurrence to just after the last one the
    desk has planned (the horizon, for a series without an end)."""
    starts = [datetime.fromisoformat(v.start_utc.rstrip("Z"))
              for sid in series_ids for v in occurrences.list_occurrences(store, sid)]
    return (min(starts) - timedelta(days=1)).replace(tzinfo=UTC), \
        (max(starts) + timedelta(seconds=1)).replace(tzinfo=UTC)


def expander_instants(text: str, start: datetime, stop: datetime, tz_of=None
                      ) -> list[tuple[str, str, str]]:
    """What recurring-ical-events reads in ``text`` between ``start`` and ``stop``."""
    recurring_ical_events = oracle()
    cal = icalendar.Calendar.from_ical(text)
    found = []
    for event in recurring_ical_events.of(cal).between(start, stop):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue  # a cancelled instance (Google writes them as overrides)
        begin, end = event["DTSTART"].dt, event["DTEND"].dt
        assert begin.tzinfo is not None, "an exported time must not be floating"
        name = tz_of(event) if tz_of else begin.tzinfo.key
        local = begin.astimezone(UTC).astimezone(zone(name))  # a gap time, normalised
        found.append((local.isoformat(timespec="seconds"), _z(begin), _z(end)))
    return sorted(found, key=lambda t: t[1])


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def dump(path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()
