"""The figures: each measures the project and its floor side by side in one run
and returns a :class:`Figure` (medians of alternating runs)."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from schedtui.bench import floors
from schedtui.bench.data import BENCH_NOW, DataPlan, Landmarks


@dataclass
class Figure:
    """One row of the benchmark: the project's figure against its floor."""

    key: str
    what: str
    unit: str
    project: float
    floor: float
    target: float
    note: str = ""
    runs: dict[str, list[float]] = field(default_factory=dict)
    at_least: bool = False
    """A speed-up: the ratio is how many times faster than the "floor" (the
    slower way it replaces) the project is, and must reach the target."""

    @property
    def rate(self) -> bool:
        """A rate (per second): the floor is the larger number."""
        return self.unit.endswith("/s")

    @property
    def ratio(self) -> float:
        """How many times the floor's cost the project's is (1.0: at the floor);
        for a speed-up, how many times faster the project is."""
        high, low = (self.floor, self.project) if self.rate else (self.project, self.floor)
        if self.at_least:
            high, low = low, high
        return high / low if low else float("inf")

    @property
    def holds(self) -> bool:
        return self.ratio >= self.target if self.at_least else self.ratio <= self.target

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(ratio=round(self.ratio, 3), holds=self.holds)
        return data


def median_of(runs: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    values = [measure() for _ in range(runs)]
    return statistics.median(values), values


def settle() -> None:
    """Start a timed run from the same place as every other: a full collection
    first, so that the garbage of earlier runs (and of the bench itself) is not
    collected inside this one. Collections a run triggers itself stay in it."""
    gc.collect()


IDLE_SECONDS = 0.1
"""How long a screen is left alone before a key is timed: a person reads it first."""


async def _idle(app) -> None:
    """Settle, then let ``app`` finish what the last key started (its workers and
    the messages they send back), as it has when a person presses the next key.
    Keys pressed back to back measure a queue, not a key: the bare month grid
    took 48 ms a press that way and 20 ms from idle."""
    settle()
    await app.workers.wait_for_complete()
    await asyncio.sleep(IDLE_SECONDS)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    settle()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# -- expansion -------------------------------------------------------------------


def rule_rows(store) -> list[floors.RuleRow]:
    """Every series of the data set as the floors see it, with the horizon the
    planner uses for a rule without an end."""
    from sqlmodel import select

    from schedtui.domain.recurrence import Rule
    from schedtui.services.common import horizon_for
    from schedtui.store.models import Series, Slot

    rows = []
    with store.read() as session:
        slots: dict[int, list[Slot]] = {}
        for slot in session.exec(select(Slot).order_by(Slot.series_id, Slot.position)):
            slots.setdefault(slot.series_id, []).append(slot)
        for series in session.exec(select(Series).order_by(Series.id)):
            times = tuple(sorted(_clock(s.at) for s in slots.get(series.id, [])))
            horizon = None if Rule.parse(series.rrule).has_end else horizon_for(series,
                                                                                 store.now())
            rows.append(floors.RuleRow(series.rrule, series.start_date, series.timezone, times,
                                       horizon, series.duration_minutes, series.capacity))
    return rows


def _cold_rules() -> None:
    """Forget the rules parsed so far: each run parses its rules afresh, as the
    floor does (within a run, series that share a rule text share its parse)."""
    from schedtui.domain.recurrence import _parse_cached

    _parse_cached.cache_clear()


def _clock(text: str):
    from datetime import time as clock

    hours, minutes = text.split(":")
    return clock(int(hours), int(minutes))


def project_expansion(rows: Sequence[floors.RuleRow]) -> int:
    """The desk's planner on the same rules: expand, then local and UTC text."""
    from schedtui.domain.recurrence import Rule, Slot, expand
    from schedtui.domain.zones import iso_utc, zone

    _cold_rules()
    produced = 0
    for row in rows:
        plan = expand(Rule.parse(row.rrule), row.start, zone(row.timezone),
                      [Slot(at, None, i) for i, at in enumerate(row.times)],
                      horizon=row.horizon)
        for item in plan.items:
            item.start.isoformat()
            iso_utc(item.start_utc)
            produced += 1
    return produced


def expansion(store, runs: int) -> Figure:
    rows = rule_rows(store)
    counts = {}

    def project() -> float:
        seconds, counts["project"] = _timed(lambda: project_expansion(rows))
        return seconds

    def floor() -> float:
        seconds, counts["floor"] = _timed(lambda: floors.expansion(rows))
        return seconds

    p_runs, f_runs = [], []
    for _ in range(runs):  # alternate, so both see the same machine
        f_runs.append(floor())
        p_runs.append(project())
    p, f = statistics.median(p_runs), statistics.median(f_runs)
    return Figure("expansion", f"expand {len(rows):,} rules ({counts['project']:,} "
                  "occurrences), local + UTC text", "occ/s",
                  counts["project"] / p, counts["floor"] / f, 1.5,
                  note=f"floor produced {counts['floor']:,}", runs={"project_s": p_runs,
                                                                   "floor_s": f_runs})


# -- materialization -----------------------------------------------------------------


def _empty_store(path: Path):
    from schedtui.bench.data import open_bench_store

    return open_bench_store(path)


def materialization(plan: DataPlan, workdir: Path, runs: int = 1) -> Figure:
    """Create every series of the plan through the service, on an empty store;
    the floor writes the same rows with executemany in one transaction. Runs
    alternate floor and project; the figure is the median of each."""
    f_runs, p_runs, counts = [], [], {}
    for _ in range(runs):
        seconds, counts["floor"] = _materialize_floor(plan, workdir)
        f_runs.append(seconds)
        seconds, counts["project"] = _materialize_project(plan, workdir)
        p_runs.append(seconds)
    p_seconds, f_seconds = statistics.median(p_runs), statistics.median(f_runs)
    return Figure("materialization", f"create {len(plan.series):,} series "
                  f"({counts['project']:,} occurrences) through the service, one transaction",
                  "occ/s", counts["project"] / p_seconds, counts["floor"] / f_seconds, 1.5,
                  note=f"project {p_seconds:.2f} s, floor {f_seconds:.2f} s for "
                  f"{counts['floor']:,} (medians of {runs})",
                  runs={"project_s": p_runs, "floor_s": f_runs})


def _materialize_floor(plan: DataPlan, workdir: Path) -> tuple[float, int]:
    from schedtui.services import hubs

    floor_db = workdir / "floor-materialize.db"
    store = _empty_store(floor_db)
    hub_id = hubs.create_hub(store, "Floor", "UTC").id
    rows = rule_rows_from_plan(plan, store)
    store.dispose()
    seconds, count = _timed(lambda: floors.materialization(str(floor_db), hub_id, rows,
                                                           BENCH_NOW))
    _remove_db(floor_db)
    return seconds, count


def _materialize_project(plan: DataPlan, workdir: Path) -> tuple[float, int]:
    from schedtui.services import hubs, series

    _cold_rules()
    project_db = workdir / "project-materialize.db"
    store = _empty_store(project_db)
    hub_ids = [hubs.create_hub(store, name, zone).id for name, zone in plan.hubs]

    def create_all() -> int:
        # One transaction, as the floor: the service's batch creation (imports use it).
        made = series.create_series_batch(
            store, [spec.create_kwargs(hub_ids[spec.hub]) for spec in plan.series])
        return sum(count for _, count in made)

    seconds, count = _timed(create_all)
    store.dispose()
    _remove_db(project_db)
    return seconds, count


def rule_rows_from_plan(plan: DataPlan, store) -> list[floors.RuleRow]:
    from schedtui.domain.recurrence import Rule

    rows = []
    for spec in plan.series:
        rule = Rule.parse(spec.rrule)
        horizon = None
        if not rule.has_end:
            today = store.now().astimezone(_zone(spec.timezone)).date()
            horizon = max(today, spec.start) + timedelta(weeks=26)
        rows.append(floors.RuleRow(spec.rrule, spec.start, spec.timezone,
                                   tuple(sorted(t for t, _ in spec.times)), horizon,
                                   spec.duration, spec.capacity))
    return rows


def _zone(name: str):
    from schedtui.domain.zones import zone

    return zone(name)


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# -- registration ----------------------------------------------------------------------


def copy_db(source: Path, target: Path) -> None:
    """A consistent copy of a database (the backup API, so the WAL is included)."""
    _remove_db(target)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def registration_targets(store, limit: int = 40) -> tuple[int, list[int]]:
    """A series people register in one occurrence at a time (single-session with a
    capacity if there is one) and its next open occurrences."""
    from sqlalchemy import text

    with store.read() as session:
        sid = session.execute(text(
            "SELECT s.id FROM series s WHERE s.registration_option != 'all_sessions' "
            "AND s.status = 'published' AND s.booking_min_hours IS NULL "
            "AND s.booking_max_days IS NULL ORDER BY (s.registration_option = "
            "'single_session' AND s.capacity IS NOT NULL) DESC, s.id LIMIT 1")).scalar()
        occ = [r[0] for r in session.execute(text(
            "SELECT id FROM occurrence WHERE series_id = :sid AND status = 'scheduled' "
            "AND start_utc > :now ORDER BY start_utc LIMIT :n"),
            {"sid": sid, "now": BENCH_NOW.replace(tzinfo=None).strftime(floors.SQL_TIME),
             "n": limit})]
    return int(sid), occ


def registration(db: Path, workdir: Path, count: int, runs: int = 1) -> Figure:
    """``count`` registrations, one transaction each, through ``register``, on a
    copy of the data set; the floor does the same count on another copy. Runs
    alternate floor and project; the figure is the median of each."""
    from schedtui.bench.data import open_bench_store
    from schedtui.services import registrations  # noqa: F401 - loaded before any clock runs

    floor_db, project_db = workdir / "floor-register.db", workdir / "project-register.db"
    f_runs, p_runs = [], []
    for _ in range(runs):
        copy_db(db, floor_db)
        copy_db(db, project_db)
        store = open_bench_store(project_db, create=False)
        sid, occ = registration_targets(store)
        f_runs.append(_timed(partial(floors.registrations, str(floor_db), sid, occ, count,
                                     BENCH_NOW))[0])
        p_runs.append(_timed(partial(_register_all, store, sid, occ, count))[0])
        store.dispose()
        for path in (floor_db, project_db):
            _remove_db(path)
    p_seconds, f_seconds = statistics.median(p_runs), statistics.median(f_runs)
    return Figure("registration", f"{count:,} capacity-checked registrations, one "
                  "transaction each", "reg/s", count / p_seconds, count / f_seconds, 5.0,
                  note=f"project {p_seconds:.2f} s, floor {f_seconds:.2f} s (medians of {runs})",
                  runs={"project_s": p_runs, "floor_s": f_runs})


def _register_all(store, series_id: int, occurrence_ids: list[int], count: int) -> None:
    from schedtui.services import registrations

    for i in range(count):
        registrations.register(store, series_id, email=f"bench{i}@example.org",
                               name=f"Bench {i}",
                               occurrence_ids=[occurrence_ids[i % len(occurrence_ids)]])


# -- desk start and memory (fresh processes under a pseudo-terminal) ------------------------


def run_probe(args: Sequence[str], *, env: dict[str, str] | None = None,
              timeout: float = 180, size: tuple[int, int] = (120, 40),
              python_args: Sequence[str] = ()) -> list[dict]:
    """Start ``python -m schedtui.bench.probe ARGS`` on a pseudo-terminal; return
    the records it wrote and, in each, ``spawned``: the monotonic time just
    before the process was started. ``python_args`` go before ``-m`` (to run
    the probe under a profiler: ``["-m", "pyinstrument", "-o", FILE]``)."""
    import fcntl
    import pty
    import struct
    import termios

    out = Path(tempfile.mkstemp(prefix="schedtui-probe-", suffix=".jsonl")[1])
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    child_env = {**os.environ, "TERM": "xterm-256color", "SCHEDTUI_NOW": BENCH_NOW.isoformat(),
                 **(env or {})}
    child_env.pop("TEXTUAL", None)
    # Start as an installed desk does: with the bytecode of its modules cached.
    child_env.pop("PYTHONDONTWRITEBYTECODE", None)

    def drain() -> None:
        while True:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    spawned = time.monotonic()
    process = subprocess.Popen([sys.executable, *python_args, "-m", "schedtui.bench.probe",
                                args[0],
                                str(out), *args[1:]], stdin=slave, stdout=slave, stderr=slave,
                               env=child_env, close_fds=True, start_new_session=True)
    os.close(slave)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise RuntimeError(f"the probe {args[0]} did not finish within {timeout} s") from None
    finally:
        os.close(master)
        reader.join(timeout=5)
    records = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    out.unlink(missing_ok=True)
    merged: dict[str, Any] = {"spawned": spawned, "returncode": process.returncode}
    for record in records:
        merged.update(record)
    if "painted" not in merged:
        raise RuntimeError(f"the probe {args[0]} exited ({process.returncode}) without "
                           "drawing its first screen")
    return [merged]


PHASES = ("interpreter", "imports", "open_store", "roll_horizons", "app_mounted", "first_paint",
          "painted")


def _phases(run: dict) -> dict[str, float]:
    """Milliseconds between the steps of the desk's start, in the order they
    happened (the horizon roll, for one, may come after the first paint)."""
    seen = sorted((run[name if name == "painted" else f"phase_{name}"], name) for name in PHASES
                  if (name if name == "painted" else f"phase_{name}") in run)
    result, last = {}, run["spawned"]
    for at, name in seen:
        result[name] = at - last
        last = at
    return result


def _phase_note(phases: list[dict[str, float]]) -> str:
    names = [n for n in phases[0] if all(n in p for p in phases)] if phases else []
    return "median ms: " + ", ".join(
        f"{n} {statistics.median(p[n] for p in phases) * 1000:.0f}" for n in names)


def desk_start_and_memory(db: Path, marks: Landmarks, runs: int) -> list[Figure]:
    desk_start, desk_rows, floor_start, floor_rows = [], [], [], []
    desk_rss, floor_rss, phases = [], [], []
    desk_args = ["desk", "--db", str(db), "--series", str(marks.busiest_series)]
    floor_args = ["floor", "--rows", str(marks.hubs), "--db", str(db)]
    run_probe(floor_args)  # once each unmeasured: bytecode written, files in the page cache
    run_probe(desk_args)
    for _ in range(runs):  # alternate desk and floor
        floor_run = run_probe(floor_args)[0]
        floor_start.append(floor_run["painted"] - floor_run["spawned"])
        floor_rows.append(floor_run["rows_painted"] - floor_run["spawned"])
        floor_rss.append(floor_run.get("rss_kb_calendar", 0) / 1024)
        desk_run = run_probe(desk_args)[0]
        desk_rows.append(desk_run["painted"] - desk_run["spawned"])
        desk_start.append(desk_run.get("phase_first_paint", desk_run["painted"])
                          - desk_run["spawned"])
        phases.append(_phases(desk_run))
        desk_rss.append(desk_run.get("rss_kb_calendar", 0) / 1024)
    return [
        Figure("desk_start", "process start to the first screen drawn", "ms",
               statistics.median(desk_start) * 1000, statistics.median(floor_start) * 1000,
               2.0, note=_phase_note(phases),
               runs={"project_s": desk_start, "floor_s": floor_start}),
        Figure("desk_rows", "process start to the first screen (the agenda) drawn with its rows",
               "ms",
               statistics.median(desk_rows) * 1000, statistics.median(floor_rows) * 1000,
               2.0, runs={"project_s": desk_rows, "floor_s": floor_rows}),
        Figure("memory", "resident set size, data set open on the busiest calendar", "MiB",
               statistics.median(desk_rss), statistics.median(floor_rss), 1.3,
               runs={"project_mib": desk_rss, "floor_mib": floor_rss}),
    ]


# -- month change and attendee list (headless, in this process) ----------------------------

SIZE = (120, 40)


def send_key(app, key: str) -> None:
    """Deliver a key as the terminal driver does (what ``Pilot.press`` does,
    without its waits for the machine to fall idle, which on a busy shared
    machine add more than the work measured)."""
    from textual import events

    event = events.Key(key, None)
    event.set_sender(app)
    app._driver.send_message(event)


async def _until(condition: Callable[[], bool], timeout: float = 600) -> None:
    """Wait for ``condition``, checking every millisecond. The pause matters: a
    loop that only yields to the event loop keeps the GIL busy and slows the
    desk's worker threads down several times over."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError("the screen did not get there in time")
        await asyncio.sleep(0.001)


async def _after_refresh(node) -> None:
    """Wait until ``node`` has been drawn after what was just done to it."""
    done = asyncio.Event()
    node.call_after_refresh(done.set)
    await done.wait()


async def _desk_month_changes(db: Path, series_id: int, runs: int) -> list[float]:
    from schedtui.bench.data import open_bench_store
    from schedtui.tui.screens.calendar import CalendarScreen

    store = open_bench_store(db, create=False)
    app = _desk_app(store)
    async with app.run_test(size=SIZE):
        shown = asyncio.Event()
        screen = CalendarScreen(series_id, "Busiest calendar")
        original = screen._show

        def show(data) -> None:
            original(data)
            screen.call_after_refresh(shown.set)

        screen._show = show
        await app.push_screen(screen)
        await asyncio.wait_for(shown.wait(), 60)
        times = await _month_presses(app, shown, runs)
    store.dispose()
    return times


async def _floor_month_changes(runs: int) -> list[float]:
    shown = asyncio.Event()
    app = floors.month_app(on_painted=lambda _app: shown.set())
    async with app.run_test(size=SIZE):
        await asyncio.wait_for(shown.wait(), 60)
        return await _month_presses(app, shown, runs)


async def _month_presses(app, shown: asyncio.Event, runs: int) -> list[float]:
    """Press ``]`` three times, then ``[`` three times, and so on: the time from
    each key to the month drawn (``shown`` is set then)."""
    keys = ["right_square_bracket"] * 3 + ["left_square_bracket"] * 3
    times = []
    for index in range(runs):
        shown.clear()
        await _idle(app)
        start = time.perf_counter()
        send_key(app, keys[index % len(keys)])
        await asyncio.wait_for(shown.wait(), 60)
        times.append(time.perf_counter() - start)
    return times


def month_change(db: Path, marks: Landmarks, runs: int) -> Figure:
    floor_times = asyncio.run(_floor_month_changes(runs))
    desk_times = asyncio.run(_desk_month_changes(db, marks.busiest_series, runs))
    return Figure("month_change", "month change ([ ]) in the calendar of a series with two "
                  "occurrences a day", "ms", statistics.median(desk_times) * 1000,
                  statistics.median(floor_times) * 1000, 2.0,
                  runs={"project_s": desk_times, "floor_s": floor_times})


AGENDA_ROUNDS = 3
"""The agenda figures alternate the floor and the desk in this many rounds."""


async def _desk_agenda(db: Path, runs: int) -> tuple[list[float], list[float], int]:
    """From an idle hubs screen, ``A`` (as a person opens the agenda: the week is
    read again, then the desk's one agenda screen comes back with it) to the
    week's rows drawn; then, from idle, ``]`` or ``[`` to the next week drawn;
    ``escape`` back to the hubs. One unmeasured open first (the desk here opened
    on the hubs, so that one composes the agenda screen), as the month change's
    calendar is opened before its keys are timed."""
    from schedtui.bench.data import open_bench_store
    from schedtui.tui.screens.agenda import AgendaScreen
    from schedtui.tui.screens.hubs import HubsScreen

    store = open_bench_store(db, create=False)
    app = _desk_app(store)
    opened, weeks, rows = [], [], 0
    shown = asyncio.Event()
    original = AgendaScreen._show

    def show(self, data) -> None:
        original(self, data)
        self.call_after_refresh(shown.set)

    AgendaScreen._show = show  # the screen passes self._show to its loader at reload
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for index in range(runs + 1):
                shown.clear()
                await _idle(app)
                start = time.perf_counter()
                send_key(app, "A")
                await asyncio.wait_for(shown.wait(), 120)
                took = time.perf_counter() - start
                screen = app.screen
                rows = screen.page.count if screen.page is not None else 0
                shown.clear()
                await _idle(app)
                start = time.perf_counter()
                send_key(app, "right_square_bracket" if index % 2 == 0 else
                         "left_square_bracket")
                await asyncio.wait_for(shown.wait(), 120)
                if index:  # the first of each is unmeasured
                    opened.append(took)
                    weeks.append(time.perf_counter() - start)
                send_key(app, "escape")
                await _until(lambda: isinstance(app.screen, HubsScreen))
                await pilot.pause()
    finally:
        AgendaScreen._show = original
    store.dispose()
    return opened, weeks, rows


def agenda(db: Path, runs: int) -> list[Figure]:
    """The desk's first screen on the whole data set, and a week on, against the
    month change's floor (a screen of data drawn from a key): issue 15's target.
    Floor and desk alternate, in rounds of a fresh app each."""
    floor_times, opened, weeks, rows = [], [], [], 0
    per = max(runs // AGENDA_ROUNDS, 1)
    for _ in range(AGENDA_ROUNDS):
        floor_times += asyncio.run(_floor_month_changes(per))
        more_opened, more_weeks, rows = asyncio.run(_desk_agenda(db, per))
        opened += more_opened
        weeks += more_weeks
    floor = statistics.median(floor_times) * 1000
    note = f"occurrences in the week: {rows:,}; floor: the month change's"
    return [
        Figure("agenda_open", "agenda of the week across every hub: A on the hubs to its rows "
               "drawn", "ms", statistics.median(opened) * 1000, floor, 2.0, note=note,
               runs={"project_s": opened, "floor_s": floor_times}),
        Figure("agenda_week", "agenda of the week across every hub: ] or [ to the next week "
               "drawn", "ms", statistics.median(weeks) * 1000, floor, 2.0, note=note,
               runs={"project_s": weeks, "floor_s": floor_times}),
    ]


def _desk_app(store):
    """The desk app for in-process figures: no change poll and no horizon roll in
    the background while it is measured (where the app offers that switch)."""
    import inspect

    from schedtui.tui.app import DeskApp

    options: dict[str, Any] = {"poll_seconds": None}
    parameters = inspect.signature(DeskApp).parameters
    if "roll_on_start" in parameters:
        options["roll_on_start"] = False
    if "start" in parameters:  # the screens measured are pushed by the figure itself
        options["start"] = "hubs"
    return DeskApp(store, **options)


def _at_last_row(screen, table) -> bool:
    """The cursor is on the last row of the whole list (a paged list: its last window)."""
    if not table.row_count or table.cursor_row != table.row_count - 1:
        return False
    total = getattr(screen, "total", None)
    return total is None or getattr(screen, "first_row", 0) + table.row_count >= total


def _jump_key(table) -> str:
    """The key that jumps to the last row: ``end`` where the table binds it (the
    desk's paged list), else DataTable's ``ctrl+end``."""
    bound = {key for binding in type(table).BINDINGS
             for key in getattr(binding, "key", "").split(",")}
    return "end" if "end" in bound and type(table).__name__ != "DataTable" else "ctrl+end"


async def _desk_attendees(db: Path, marks: Landmarks, runs: int) -> tuple[list, list, int]:
    from schedtui.bench.data import open_bench_store
    from schedtui.tui.screens.attendee_list import AttendeesScreen

    store = open_bench_store(db, create=False)
    app = _desk_app(store)
    opened, jumped, rows = [], [], 0
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(runs):
            screen = AttendeesScreen(series_id=marks.busiest_series,
                                     occurrence_id=marks.big_occurrence, title="Busiest")
            settle()
            start = time.perf_counter()
            await app.push_screen(screen)
            table = screen.query_one("#list")
            await _until(lambda table=table: table.row_count > 0)
            await _after_refresh(table)
            opened.append(time.perf_counter() - start)
            rows = table.row_count
            # What the open started in the background (the seat figures) is not
            # part of the jump: a person reads the list before pressing a key.
            await app.workers.wait_for_complete()
            await pilot.pause()
            settle()
            start = time.perf_counter()
            send_key(app, _jump_key(table))
            await _until(lambda screen=screen, table=table: _at_last_row(screen, table))
            await _after_refresh(table)
            jumped.append(time.perf_counter() - start)
            app.pop_screen()
            await pilot.pause()
    store.dispose()
    return opened, jumped, rows


async def _floor_attendees(runs: int, rows: int = 1000) -> tuple[list, list]:
    from textual.app import App

    app = App()
    opened, jumped = [], []
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(runs):
            shown = asyncio.Event()
            screen = floors.table_screen(rows, on_painted=lambda _screen, shown=shown:
                                         shown.set())
            settle()
            start = time.perf_counter()
            await app.push_screen(screen)
            await asyncio.wait_for(shown.wait(), 60)
            opened.append(time.perf_counter() - start)
            table = screen.query_one("#table")
            settle()
            start = time.perf_counter()
            send_key(app, _jump_key(table))
            await _until(lambda table=table: _at_last_row(None, table))
            await _after_refresh(table)
            jumped.append(time.perf_counter() - start)
            app.pop_screen()
            await pilot.pause()
    return opened, jumped


def attendee_list(db: Path, marks: Landmarks, runs: int) -> list[Figure]:
    f_open, f_jump = asyncio.run(_floor_attendees(runs))
    d_open, d_jump, rows = asyncio.run(_desk_attendees(db, marks, runs))
    what = f"attendee list of an occurrence with {marks.big_list:,} seat entries"
    return [
        Figure("attendees_open", f"{what}: first rows shown", "ms",
               statistics.median(d_open) * 1000, statistics.median(f_open) * 1000, 1.5,
               note=f"rows in the desk's table: {rows:,}; in the floor's: 1,000",
               runs={"project_s": d_open, "floor_s": f_open}),
        Figure("attendees_jump", f"{what}: jump to the last row", "ms",
               statistics.median(d_jump) * 1000, statistics.median(f_jump) * 1000, 1.5,
               runs={"project_s": d_jump, "floor_s": f_jump}),
    ]


def cleanup(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
