"""The child side of the desk-start and memory figures, run in a fresh process
under a pseudo-terminal by :mod:`schedtui.bench.figures`.

``python -m schedtui.bench.probe desk OUT --db FILE --series ID`` opens the desk
exactly as ``schedtui --db FILE`` does (``cli.main``: the app first, then the
store in a worker, then the hub rows, then the horizon roll), and reads the
desk's own start marks (``SCHEDTUI_FIRST_PAINT_FILE``: ``first_paint``,
``store_open``, ``rows_shown``); once the hub rows are shown it notes the
resident set size, opens the calendar of series ID and notes the size once
that is drawn. ``... floor OUT --rows N [--db FILE]`` does the same for a bare
Textual app with one DataTable of N rows: once that is drawn, it imports the
libraries the desk uses, puts in the hub rows of FILE read with ``sqlite3``,
and notes the time they are drawn and its size.

Nothing here wraps the desk's methods, and the probe imports no database
library before the desk starts (that would hide what the start costs).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time

MARKS = {"first_paint": "phase_first_paint", "store_open": "phase_open_store",
         "rows_shown": "painted"}
"""The desk's start marks and the names the figures read them by."""


def rss_kb() -> int:
    """The resident set size of this process now (Linux), in KiB."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _write(out: str, **values) -> None:
    with open(out, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(values) + "\n")


def _phase(out: str, name: str) -> None:
    _write(out, **{f"phase_{name}": time.monotonic()})


def _follow_marks(out: str, marks: str, apps: list, series_id: int) -> None:
    """Copy the desk's start marks into OUT as they come; once the hub rows are
    shown, note the size and open the busiest calendar (in the app's thread)."""
    seen = 0
    while True:
        with open(marks, encoding="utf-8") as handle:
            lines = [line for line in handle.read().splitlines() if line.strip()]
        for line in lines[seen:]:
            for name, at in json.loads(line).items():
                if name in MARKS:
                    _write(out, **{MARKS[name]: at})
                if name == "rows_shown":
                    _write(out, rss_kb=rss_kb())
                    apps[0].call_from_thread(_open_calendar, apps[0], out, series_id)
                    return
        seen = len(lines)
        time.sleep(0.002)


def desk(out: str, db: str, series_id: int) -> int:
    _phase(out, "interpreter")
    import schedtui.tui.app as desk_app
    from schedtui.cli.main import main

    _phase(out, "imports")
    marks = tempfile.mkstemp(prefix="schedtui-marks-", suffix=".jsonl")[1]
    os.environ["SCHEDTUI_FIRST_PAINT_FILE"] = marks
    apps: list = []

    class ProbedDesk(desk_app.DeskApp):
        """The desk, remembered so the calendar can be opened in it."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            apps.append(self)
            threading.Thread(target=_follow_marks, args=(out, marks, apps, series_id),
                             daemon=True).start()

    desk_app.DeskApp = ProbedDesk  # ``run`` looks the class up when called
    try:
        return main(["--db", db])
    finally:
        os.unlink(marks)


def _open_calendar(app, out: str, series_id: int) -> None:
    from schedtui.tui.screens.calendar import CalendarScreen

    screen = CalendarScreen(series_id, "Busiest calendar")
    original = screen._show

    def shown(data) -> None:
        original(data)
        screen.call_after_refresh(done)

    def done() -> None:
        _write(out, calendar_painted=time.monotonic(), rss_kb_calendar=rss_kb(),
               calendar_rows=len(screen.month_occurrences))
        app.exit(0)

    screen._show = shown  # the screen passes self._show to its loader at reload time
    app.push_screen(screen)


def floor(out: str, rows: int, db: str | None) -> int:
    from datetime import datetime

    from schedtui.bench.floors import hub_rows, table_app

    def painted(app) -> None:
        _write(out, painted=time.monotonic())
        # The libraries the desk holds once a calendar is open.
        import sqlite3  # noqa: F401
        import zoneinfo  # noqa: F401

        import dateutil.rrule  # noqa: F401
        import sqlalchemy  # noqa: F401
        import sqlmodel  # noqa: F401

        if db is not None:  # the hub rows, read with sqlite3, in place of the first ones
            from textual.widgets import DataTable

            table = app.query_one(DataTable)
            table.clear()
            table.add_rows(hub_rows(db, datetime.fromisoformat(os.environ["SCHEDTUI_NOW"])))
        app.call_after_refresh(shown, app)

    def shown(app) -> None:
        _write(out, rows_painted=time.monotonic(), rss_kb_calendar=rss_kb())
        app.exit(0)

    table_app(rows, on_painted=painted).run()
    return 0


def main(argv: list[str]) -> int:
    mode, out = argv[0], argv[1]
    options = dict(zip(argv[2::2], argv[3::2], strict=False))
    if mode == "desk":
        return desk(out, options["--db"], int(options["--series"]))
    return floor(out, int(options.get("--rows", "20")), options.get("--db"))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
