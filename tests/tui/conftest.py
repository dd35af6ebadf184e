"""Desk fixtures: a temporary database per test with a fixed clock and fixed
data, an app that does not poll unless asked and whose input cursor does not
blink (stable snapshots), a helper that waits for the workers and one that
waits for what a timer of the desk brings about."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from time import monotonic

import pytest
from textual import events, on
from textual.widgets import Input

from schedtui.services import hubs, series
from schedtui.store import open_store
from schedtui.tui.app import DeskApp

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
"""A Monday; in New York the clocks go forward on Sunday 9 March 2025."""


class StillDesk(DeskApp):
    """The desk with a steady cursor, for tests and snapshots; it keeps every
    notification message in ``told``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.told: list[str] = []

    def notify(self, message, **kwargs) -> None:
        self.told.append(str(message))
        super().notify(message, **kwargs)

    @on(events.DescendantFocus)
    def _no_blink(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, Input):
            event.widget.cursor_blink = False


@dataclass
class Seeded:
    hub_id: int
    standup_id: int
    webinar_id: int


@pytest.fixture
def desk_store(tmp_path):
    store = open_store(tmp_path / "t.db", clock=lambda: NOW)
    yield store
    store.dispose()


def seed(store) -> Seeded:
    hub = hubs.create_hub(store, "Platform team", "America/New_York")
    hubs.create_hub(store, "Riverside studio", "Europe/Berlin")
    standup = series.create_series(
        store, hub_id=hub.id, name="Weekly standup", start=date(2025, 3, 3),
        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=12", times=[(time(10, 0), None)],
        duration_minutes=15, capacity=10, location="Room 4", host="Dana")
    webinar = series.create_series(
        store, hub_id=hub.id, name="Product webinar", start=date(2025, 3, 4),
        rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=6", times=[(time(14, 0), None)],
        duration_minutes=60, capacity=None, location="https://webinar.example.org/p")
    return Seeded(hub.id, standup.id, webinar.id)


@pytest.fixture
def seeded(desk_store) -> Seeded:
    return seed(desk_store)


@pytest.fixture
def make_app(desk_store):
    def build(**kwargs) -> StillDesk:
        kwargs.setdefault("poll_seconds", None)
        kwargs.setdefault("start", "hubs")  # the agenda has tests of its own (test_agenda.py)
        return StillDesk(desk_store, **kwargs)
    return build


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers finish and their results land on screen."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def series_form(pilot, hub_id: int, *keys: str, hub_name: str = "Platform team"):
    """The hub's series list, then ``keys`` (``n``: the new series form; ``down``,
    ``e``: the second series' edit form), as a person opens the form."""
    from schedtui.tui.screens.series_form import SeriesForm
    from schedtui.tui.screens.series_list import SeriesScreen

    await settle(pilot)
    await pilot.app.push_screen(SeriesScreen(hub_id, hub_name))
    await settle(pilot)
    await pilot.press(*(keys or ("n",)))
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, SeriesForm)
    return form


async def until(pilot, condition: Callable[[], object], timeout: float = 15.0,
                what: str = "the condition") -> None:
    """Wait until ``condition()`` holds: for what comes after a timer (a
    typing pause, a preview, a poll of other processes' changes), which a
    loaded machine brings later than a fixed pause allows. Fails after
    ``timeout`` seconds, naming ``what``."""
    deadline = monotonic() + timeout
    while not condition():
        assert monotonic() < deadline, f"not within {timeout:g} s: {what}"
        await pilot.pause(0.05)


def rich_world(store) -> Seeded:
    """The seeded hubs plus seats in every fill state: nearly full, full with a
    waitlist, cancelled and moved (fixed, so snapshots are stable)."""
    from schedtui.services import occurrences, registrations

    seeded = seed(store)
    for n in range(8):
        registrations.register(store, seeded.standup_id, email=f"person{n}@example.org",
                               name=f"Person {n}")
    occs = occurrences.list_occurrences(store, seeded.standup_id)
    occurrences.set_occurrence(store, occs[1].id, capacity=8)
    occurrences.set_occurrence(store, occs[2].id, capacity=6, demote=True)
    occurrences.cancel_occurrence(store, occs[3].id)
    occurrences.move_occurrence(store, occs[4].id, datetime(2025, 4, 1, 11, 0))
    registrations.register(store, seeded.standup_id, email="eve@example.org",
                           name="[bold red]Eve[/]")
    return seeded
