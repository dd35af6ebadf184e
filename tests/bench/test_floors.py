"""The floors do the desk's work, not less: the hub rows the desk-rows floor
reads with sqlite3 are the rows the hubs screen shows."""

from __future__ import annotations

from schedtui.bench import floors
from schedtui.services import hubs
from schedtui.store import open_store
from schedtui.tui.format import when
from tests.tui.conftest import NOW, seed


def test_the_floor_reads_the_hub_rows_the_desk_shows(tmp_path):
    store = open_store(tmp_path / "t.db", clock=lambda: NOW)
    try:
        seed(store)
        closed = hubs.create_hub(store, "Closed hall", "Asia/Tokyo")
        hubs.archive_hub(store, closed.id)  # on neither list
        shown = [(h.name, h.timezone, str(h.series_count),
                  when(h.next_occurrence) if h.next_occurrence else "")
                 for h in hubs.list_hubs(store)]
    finally:
        store.dispose()
    assert floors.hub_rows(str(tmp_path / "t.db"), NOW) == shown
    assert [row[:3] for row in shown] == [("Platform team", "America/New_York", "2"),
                                          ("Riverside studio", "Europe/Berlin", "0")]
    assert shown[0][3] == "Mon 2025-03-03 10:00"  # the standup, in New York time


def test_reg_add_is_timed_where_the_floor_and_the_desk_make_the_same_registration(tmp_path):
    """Where someone waits whose seats do not fit, the desk's strict waitlist
    puts a newcomer behind them and the floor, counting seats only, confirms:
    the one-shot registration leaves such occurrences out."""
    from datetime import date, time

    from schedtui.bench.oneshot import nobody_waits
    from schedtui.services import occurrences, registrations, series

    store = open_store(tmp_path / "w.db", clock=lambda: NOW)
    try:
        hub = hubs.create_hub(store, "Hall", "UTC")
        view = series.create_series(store, hub_id=hub.id, name="Class", start=date(2025, 4, 1),
                                    rrule="FREQ=DAILY;COUNT=3", duration_minutes=60,
                                    times=[(time(9), None)], capacity=3,
                                    registration_option="single_session")
        first, second, third = (o.id for o in occurrences.list_occurrences(store, view.id))
        for n in (1, 2):  # two seats fit, the next two wait
            registrations.register(store, view.id, email=f"p{n}@example.org", name=f"P{n}",
                                   occurrence_ids=[first], seats=2)
        newcomer = registrations.register(store, view.id, email="new@example.org",
                                          name="New", occurrence_ids=[first])
        assert newcomer.status == "waitlisted"  # one seat is free: the floor would confirm
    finally:
        store.dispose()
    assert nobody_waits(tmp_path / "w.db", [first, second, third]) == [second, third]
