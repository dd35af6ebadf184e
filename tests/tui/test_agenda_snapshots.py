"""Snapshots of the week's agenda the desk opens on: the list at 80x24 and the
week grid at 160x48, on the fixed data of the other snapshots plus a blackout
day, a series in Berlin and one occurrence selected for a bulk edit.

Update with ``pytest tests/tui/test_agenda_snapshots.py --snapshot-update``
and look at the SVGs before committing them."""

from __future__ import annotations

from datetime import date, time

import pytest

from schedtui.services import blackouts, hubs, series
from tests.tui.conftest import StillDesk, rich_world, settle


def world(store) -> None:
    seeded = rich_world(store)
    berlin = next(h for h in hubs.list_hubs(store) if h.id != seeded.hub_id)
    series.create_series(store, hub_id=berlin.id, name="Life drawing",
                         start=date(2025, 3, 4), rrule="FREQ=DAILY;COUNT=5",
                         times=[(time(18, 30), None)], duration_minutes=90, capacity=12,
                         location="Studio 2", host="Ilse")
    blackouts.add_blackout(store, berlin.id, date(2025, 3, 7), reason="Spring cleaning",
                           confirm=True)


def select(*keys: str):
    """Move to an occurrence and select it (``v``) for a bulk edit."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(*keys, "v")
        await pilot.pause(0.3)
        await settle(pilot)
    return run_before


@pytest.mark.parametrize("size, keys", [
    pytest.param((80, 24), ("down", "down"), id="list-80x24"),  # past Tuesday's line
    pytest.param((160, 48), ("right",), id="grid-160x48")])     # Tuesday's column
def test_agenda(snap_compare, desk_store, size, keys):
    world(desk_store)
    app = StillDesk(desk_store, poll_seconds=None)  # opens on the agenda, as the desk does
    assert snap_compare(app, terminal_size=size, run_before=select(*keys))
