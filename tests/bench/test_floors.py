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
