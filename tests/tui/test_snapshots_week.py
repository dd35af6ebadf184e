"""Snapshots of the attendance grid and a hub's blackout list at 80x24, on the
fixed data of the other snapshots with some check-ins, a blackout over held
seats and a year of public holidays. (Update with ``--snapshot-update`` and
look at the SVGs before committing them.)"""

from __future__ import annotations

from datetime import date

import pytest

from schedtui.services import blackouts, occurrences, registrations
from schedtui.tui.screens.attendance_grid import AttendanceScreen
from schedtui.tui.screens.blackouts import BlackoutsScreen
from tests.tui.conftest import StillDesk, rich_world, settle


def world_with_history(store):
    world = rich_world(store)
    first = occurrences.list_occurrences(store, world.standup_id)[0]
    for reg in registrations.list_registrations(store, occurrence_id=first.id)[:3]:
        registrations.check_in(store, reg.id, first.id)
    blackouts.add_blackout(store, world.hub_id, date(2025, 4, 14), date(2025, 4, 18),
                           reason="Spring break", confirm=True)
    blackouts.add_holidays(store, world.hub_id, "US", [2025])
    return world


@pytest.mark.parametrize("screen", ["attendance", "blackouts"])
def test_screen(snap_compare, desk_store, screen):
    world = world_with_history(desk_store)
    app = StillDesk(desk_store, poll_seconds=None)

    async def run_before(pilot) -> None:
        await settle(pilot)
        if screen == "attendance":
            await app.push_screen(AttendanceScreen(world.standup_id, "Weekly standup"))
            await settle(pilot)
            await pilot.press("down", "right", "right")  # Person 0, the first session
        else:
            await app.push_screen(BlackoutsScreen(world.hub_id, "Platform team"))
            await settle(pilot)
            await pilot.press("down", "down")
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
