"""One-shot commands, process start to JSON printed: ``occ list`` of one
series' month, ``hub list`` and ``agenda`` (reads), and ``reg add`` (a write).

Each is started as a fresh process (``schedtui ... --json``, the installed
command) beside its floor, a ``python -c`` process that reads the same rows (or
makes the same registration) with sqlite3 and prints the same JSON
(``floors.ONESHOT_*``). Floor and command alternate; each is started once
unmeasured first (bytecode written, files in the page cache, as for a script
run again and again), and the figure is the median of the timed runs, measured
from the parent: spawn to exit, the output read to the end.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from schedtui.bench import floors
from schedtui.bench.data import BENCH_NOW, Landmarks
from schedtui.bench.figures import Figure, copy_db, settle

MONTH = ("2026-04-01", "2026-04-30")
"""The month ``occ list`` reads: the one after the data set's clock."""
WEEK = (BENCH_NOW.date().isoformat(), (BENCH_NOW.date() + timedelta(days=6)).isoformat())
"""The window ``agenda`` reads: the data set's first week, every series."""


def command() -> list[str]:
    """How a user starts schedtui: the installed script beside this Python."""
    script = Path(sys.executable).with_name("schedtui")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "schedtui.cli.main"]


def _env() -> dict[str, str]:
    env = dict(os.environ, SCHEDTUI_NOW=BENCH_NOW.isoformat())
    env.pop("SCHEDTUI_DB", None)
    return env


def _run(argv: Sequence[str], env: dict[str, str]) -> tuple[float, str]:
    settle()
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])}... exited {done.returncode}: "
                           f"{done.stderr[-500:]}")
    return seconds, done.stdout


def _side_by_side(project: Sequence[Sequence[str]], floor: Sequence[Sequence[str]],
                  runs: int) -> tuple[list[float], list[float], str, str]:
    """Start the command and its floor alternately; run ``i`` uses the i-th
    argument lists (the last repeats). The first of each is unmeasured."""
    env = _env()

    def pick(lists: Sequence[Sequence[str]], i: int) -> Sequence[str]:
        return lists[min(i, len(lists) - 1)]

    _, p_out = _run(pick(project, 0), env)
    _, f_out = _run(pick(floor, 0), env)
    p_runs, f_runs = [], []
    for i in range(1, runs + 1):
        f_runs.append(_run(pick(floor, i), env)[0])
        p_runs.append(_run(pick(project, i), env)[0])
    return p_runs, f_runs, p_out, f_out


def _figure(key: str, what: str, target: float, p_runs: list[float], f_runs: list[float],
            note: str = "") -> Figure:
    p_ms, f_ms = statistics.median(p_runs) * 1000, statistics.median(f_runs) * 1000
    return Figure(key, what, "ms", p_ms, f_ms, target,
                  note=note or f"medians of {len(p_runs)} process starts each",
                  runs={"project_s": p_runs, "floor_s": f_runs})


def _floor(source: str, *args: object) -> list[str]:
    return [sys.executable, "-c", source, *map(str, args)]


def reads(db: Path, marks: Landmarks, runs: int) -> list[Figure]:
    """The three read commands against their floors. The JSON they print must
    be the same document, or the figure measures different work."""
    schedtui = [*command(), "--db", str(db)]
    cases = [
        ("oneshot_occ", "`occ list` of the busiest series' month, start to JSON printed",
         [*schedtui, "occ", "list", str(marks.busiest_series), "--from", MONTH[0], "--to",
          MONTH[1], "--json"],
         _floor(floors.ONESHOT_OCC_LIST, db, marks.busiest_series, *MONTH)),
        ("oneshot_hubs", "`hub list`, start to JSON printed",
         [*schedtui, "hub", "list", "--json"],
         _floor(floors.ONESHOT_HUB_LIST, db, BENCH_NOW.isoformat())),
        ("oneshot_agenda", "`agenda` of a week across every series, start to JSON printed",
         [*schedtui, "agenda", "--from", WEEK[0], "--to", WEEK[1], "--json"],
         _floor(floors.ONESHOT_AGENDA, db, *WEEK)),
    ]
    figures = []
    for key, what, project, floor in cases:
        p_runs, f_runs, p_out, f_out = _side_by_side([project], [floor], runs)
        if json.loads(p_out) != json.loads(f_out):
            raise RuntimeError(f"{key}: the floor printed other JSON than the command")
        count = len(json.loads(p_out))
        figures.append(_figure(key, what, 10.0, p_runs, f_runs,
                               f"{count:,} rows; medians of {runs} process starts each"))
    return figures


def nobody_waits(db: Path, occurrence_ids: Sequence[int]) -> list[int]:
    """Those of ``occurrence_ids`` with nobody on their waitlist. Where someone
    waits whose seats do not fit, the desk's strict first come, first served
    puts a newcomer behind them while the floor, which only counts seats,
    confirms: the two would not make the same registration (the scale-5 data
    set has such occurrences among the first forty)."""
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        waiting = {row[0] for row in con.execute(
            f"SELECT DISTINCT occurrence_id FROM seat_entry WHERE status = 'waitlisted' "
            f"AND occurrence_id IN ({', '.join('?' * len(occurrence_ids))})",
            list(occurrence_ids))}
    finally:
        con.close()
    return [o for o in occurrence_ids if o not in waiting]


def registration(db: Path, workdir: Path, series_id: int, occurrence_ids: Sequence[int],
                 runs: int) -> Figure:
    """``reg add`` of a new person to one occurrence, against the floor's
    registration transaction in a ``python -c`` process; each on its own copy
    of the data set, a new person every run."""
    occurrence_ids = nobody_waits(db, occurrence_ids)
    floor_db, project_db = workdir / "floor-oneshot.db", workdir / "project-oneshot.db"
    copy_db(db, floor_db)
    copy_db(db, project_db)
    try:
        project, floor = [], []
        for i in range(runs + 1):
            occ = occurrence_ids[i % len(occurrence_ids)]
            project.append([*command(), "--db", str(project_db), "reg", "add", str(series_id),
                            "--email", f"oneshot{i}@example.org", "--name", f"One Shot {i}",
                            "--occ", str(occ), "--json"])
            floor.append(_floor(floors.ONESHOT_REG_ADD, floor_db, series_id, occ,
                                f"oneshot{i}@example.org", f"One Shot {i}",
                                BENCH_NOW.isoformat()))
        p_runs, f_runs, p_out, f_out = _side_by_side(project, floor, runs)
        shown, floor_shown = json.loads(p_out), json.loads(f_out)
        if (shown["status"], shown["occurrences"][0]["status"]) != (
                floor_shown["status"], floor_shown["occurrences"][0]["status"]) and \
                floor_shown["occurrences"][0]["status"] == "confirmed":
            raise RuntimeError("oneshot_reg: the floor and the command registered differently")
    finally:
        for path in (floor_db, project_db):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    return _figure("oneshot_reg", "`reg add` of a new person, start to JSON printed", 20.0,
                   p_runs, f_runs)

