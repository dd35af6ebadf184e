"""The child side of the desk-start and memory figures, run in a fresh process
under a pseudo-terminal by :mod:`schedtui.bench.figures`.

``python -m schedtui.bench.probe desk OUT --db FILE --series ID`` opens the desk
exactly as ``schedtui --db FILE`` does (store, horizon roll, the app), notes
the monotonic time once the hubs screen has been drawn with its rows, then
opens the calendar of series ID and notes the resident set size once that is
drawn. ``... floor OUT --rows N`` does the same for a bare Textual app with one
DataTable, then imports the libraries the desk uses and notes its size.

The desk is observed from outside: the probe wraps two screen methods before
the app starts; nothing in the desk knows it is being measured.
"""

from __future__ import annotations

import json
import sys
import time


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


def _timed_phase(out: str, module, name: str) -> None:
    """Note when ``module.name`` returns (the desk looks it up at call time)."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        _phase(out, name)
        return result

    setattr(module, name, wrapper)


def desk(out: str, db: str, series_id: int) -> int:
    _phase(out, "interpreter")
    import schedtui.store
    from schedtui.services import series
    from schedtui.tui.app import DeskApp
    from schedtui.tui.screens.hubs import HubsScreen

    _phase(out, "imports")
    _timed_phase(out, schedtui.store, "open_store")
    _timed_phase(out, series, "roll_horizons")
    mount = DeskApp.on_mount

    def on_mount(app) -> None:
        _phase(out, "app_mounted")
        mount(app)
        app.call_after_refresh(_phase, out, "first_paint")

    DeskApp.on_mount = on_mount
    original = HubsScreen.after_rows
    state = {"painted": False}

    def after_rows(screen, shown: int) -> None:
        original(screen, shown)
        if shown and not state["painted"]:
            state["painted"] = True
            screen.call_after_refresh(_painted, screen)

    def _painted(screen) -> None:
        _write(out, painted=time.monotonic(), rss_kb=rss_kb())
        _open_calendar(screen.app, out, series_id)

    HubsScreen.after_rows = after_rows
    from schedtui.cli.main import main

    return main(["--db", db])


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


def floor(out: str, rows: int) -> int:
    from schedtui.bench.floors import table_app

    def painted(app) -> None:
        _write(out, painted=time.monotonic())
        # The libraries the desk holds once a calendar is open.
        import sqlite3  # noqa: F401
        import zoneinfo  # noqa: F401

        import dateutil.rrule  # noqa: F401
        import sqlalchemy  # noqa: F401
        import sqlmodel  # noqa: F401

        app.call_after_refresh(lambda: (_write(out, rss_kb_calendar=rss_kb()), app.exit(0)))

    table_app(rows, on_painted=painted).run()
    return 0


def main(argv: list[str]) -> int:
    mode, out = argv[0], argv[1]
    options = dict(zip(argv[2::2], argv[3::2], strict=False))
    if mode == "desk":
        return desk(out, options["--db"], int(options["--series"]))
    return floor(out, int(options.get("--rows", "20")))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
