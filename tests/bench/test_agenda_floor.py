"""The agenda's JSON items say what each session belongs to: ``kind`` (a
series or a one-off event) and ``private``; the one-shot agenda floor prints
the same document as ``schedtui agenda --json``, so its figure measures the
same work."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, time

from schedtui.bench import floors
from schedtui.cli.main import main
from schedtui.services import events, series
from schedtui.store import open_store
from tests.tui.conftest import NOW, seed


def test_agenda_items_give_kind_and_private_as_the_floor_does(tmp_path, capsys, monkeypatch):
    db = tmp_path / "t.db"
    store = open_store(db, clock=lambda: NOW)
    try:
        seeded = seed(store)
        events.create_event(store, hub_id=seeded.hub_id, name="Open day",
                            start=date(2025, 3, 5), start_time=time(9), duration_minutes=90)
        series.create_series(store, hub_id=seeded.hub_id, name="Board", start=date(2025, 3, 4),
                             rrule="FREQ=WEEKLY;COUNT=2", times=[(time(8), None)],
                             duration_minutes=30, private=True)
    finally:
        store.dispose()
    monkeypatch.setenv("SCHEDTUI_NOW", NOW.isoformat())
    assert main(["--db", str(db), "agenda", "--from", "2025-03-03", "--to", "2025-03-09",
                 "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert sorted({(i["series"], i["kind"], i["private"]) for i in shown}) == [
        ("Board", "series", True), ("Open day", "event", False),
        ("Product webinar", "series", False), ("Weekly standup", "series", False)]
    floor = subprocess.run([sys.executable, "-c", floors.ONESHOT_AGENDA, str(db), "2025-03-03",
                            "2025-03-09"], capture_output=True, text=True, timeout=120,
                           check=True)
    assert json.loads(floor.stdout) == shown
