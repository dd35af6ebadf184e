"""The bulk figures: a batch of commands against the same commands one process
each, a CSV import of 50,000 people, and iCalendar export and import of the
benchmark's 1,000 series; each against its floor in the same run."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

from schedtui.bench import bulk_floors
from schedtui.bench.data import BENCH_NOW, open_bench_store
from schedtui.bench.figures import Figure, _remove_db, _timed, copy_db

# -- CSV import -------------------------------------------------------------------------


def csv_people(count: int) -> int:
    """Rows of the CSV import figure at a scale's count of people."""
    return max(500, count)


def _csv_store(path: Path, people: int) -> tuple[int, int]:
    """A store with one hub and one series of four weekly sessions whose
    capacity holds four in five of the people (the rest wait)."""
    from schedtui.domain import parse
    from schedtui.services import hubs, series

    _remove_db(path)
    store = open_bench_store(path)
    try:
        hub = hubs.create_hub(store, "Imports", "Europe/Berlin")
        start, at = parse.parse_start("2026-04-06T18:00")
        made = series.create_series(store, hub_id=hub.id, name="Open evening", start=start,
                                    start_time=at, duration_minutes=90,
                                    rrule="FREQ=WEEKLY;COUNT=4",
                                    capacity=min(10_000, people * 4 // 5))
        return made.id, made.occurrence_count
    finally:
        store.dispose()


def write_people_csv(path: Path, people: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Full name,E-mail address,Seats\r\n")
        for i in range(people):
            handle.write(f"Person {i} {rng.choice('ABCDEFGH')},person{i}@example.org,1\r\n")


def csv_import(workdir: Path, people: int, runs: int = 1) -> Figure:
    """Import ``people`` rows into one series through the service (every rule,
    the per-row report, a notice and an audit entry each), against
    :func:`bulk_floors.csv_import` on a copy of the same store."""
    from schedtui.interop.csvio import import_attendees

    base, floor_db, project_db = (workdir / "csv-base.db", workdir / "csv-floor.db",
                                  workdir / "csv-project.db")
    table = workdir / "people.csv"
    write_people_csv(table, people)
    series_id, sessions = _csv_store(base, people)
    f_runs, p_runs, counts = [], [], {}
    for _ in range(runs):
        copy_db(base, floor_db)
        copy_db(base, project_db)
        seconds, counts["floor"] = _timed(lambda: bulk_floors.csv_import(
            str(floor_db), str(table), series_id, BENCH_NOW))
        f_runs.append(seconds)
        store = open_bench_store(project_db, create=False)
        seconds, report = _timed(partial(import_attendees, store, table, series_id))
        store.dispose()
        p_runs.append(seconds)
        counts["project"] = report.counts()
        for path in (floor_db, project_db):
            _remove_db(path)
    _remove_db(base)
    p, f = statistics.median(p_runs), statistics.median(f_runs)
    return Figure("csv_import", f"CSV import of {people:,} people into one series of "
                  f"{sessions} sessions ({people * sessions:,} seats)", "rows/s",
                  people / p, people / f, 10.0,
                  note=f"project {p:.2f} s {counts['project']}, floor {f:.2f} s "
                  f"{counts['floor']} (medians of {runs})",
                  runs={"project_s": p_runs, "floor_s": f_runs})


def _say(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":  # python -m schedtui.bench.bulk PEOPLE: the CSV figure alone
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="schedtui-bulk-"))
    started = time.perf_counter()
    figure = csv_import(folder, int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
    print(figure.what, f"{figure.ratio:.2f}x", figure.note,
          f"{time.perf_counter() - started:.0f} s", sep="\n")
    os.rmdir(folder) if not any(folder.iterdir()) else None
    subprocess.run(["rm", "-rf", str(folder)], check=False)


# -- a batch of commands against the same commands one process each -----------------


def batch_commands(count: int) -> list[str]:
    """``count`` commands in a fixed pattern of five (three registrations, a
    change of an occurrence, a cancellation of a registration made earlier),
    so any first part of the list is a fair sample of the whole."""
    lines = []
    made = 0
    for i in range(count):
        kind = i % 5
        if kind < 3:
            made += 1
            lines.append(f"reg add 1 --email batch{made}@example.org --name 'Batch {made}' "
                         f"--occ {1 + made % 20}")
        elif kind == 3:
            lines.append(f"occ set {1 + i % 20} --location 'Room {i % 7}'")
        else:
            lines.append(f"reg cancel {made - 1}")
    return lines


def _batch_store(path: Path) -> None:
    """One hub and one weekly series whose people choose sessions, capacity 30."""
    from schedtui.domain import parse
    from schedtui.services import hubs, series

    _remove_db(path)
    store = open_bench_store(path)
    try:
        hub = hubs.create_hub(store, "Scripts", "Europe/Berlin")
        start, at = parse.parse_start("2026-04-06T18:00")
        series.create_series(store, hub_id=hub.id, name="Drop-in", start=start, start_time=at,
                             duration_minutes=60, rrule="FREQ=WEEKLY;COUNT=20",
                             capacity=30, registration_option="multiple_sessions")
    finally:
        store.dispose()


def _cli_env() -> dict[str, str]:
    env = {**os.environ, "SCHEDTUI_NOW": BENCH_NOW.isoformat()}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed command starts
    return env


def _one_shot(db: Path, line: str) -> float:
    import shlex

    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "schedtui", "--db", str(db),
                           *shlex.split(line), "--json"], capture_output=True, env=_cli_env())
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"one-shot {line!r} failed: {done.stderr.decode()[-500:]}")
    return seconds


def _batch(db: Path, lines: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "schedtui", "--db", str(db), "batch", "--json"],
                          input="\n".join(lines).encode() + b"\n", capture_output=True,
                          env=_cli_env())
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"the batch failed: {done.stdout.decode()[-800:]}"
                           f"{done.stderr.decode()[-500:]}")
    return seconds


def batch(workdir: Path, count: int, sample: int, runs: int = 1) -> Figure:
    """``count`` mixed commands in one ``schedtui batch`` process, against the
    same commands run one process each: the first ``sample`` of them (the
    pattern repeats every five), timed one by one, scaled to ``count``."""
    base, one, many = workdir / "batch-base.db", workdir / "batch-one.db", workdir / "batch.db"
    _batch_store(base)
    lines = batch_commands(count)
    b_runs, o_runs = [], []
    for _ in range(runs):  # alternate, so both see the same machine
        copy_db(base, one)
        _one_shot(one, "hub list")  # bytecode written, files in the page cache
        o_runs.append(sum(_one_shot(one, line) for line in lines[:sample]) / sample * count)
        copy_db(base, many)
        b_runs.append(_batch(many, lines))
        for path in (one, many):
            _remove_db(path)
    _remove_db(base)
    b, o = statistics.median(b_runs), statistics.median(o_runs)
    return Figure("batch", f"{count:,} mixed commands (reg add, occ set, reg cancel) in one "
                  "batch, against one process each", "cmd/s", count / b, count / o, 50.0,
                  note=f"batch {b:.2f} s; one-shot {o / count * 1000:.0f} ms a command, "
                  f"timed on the first {sample} and scaled to {count:,} (medians of {runs})",
                  runs={"project_s": b_runs, "floor_s": o_runs}, at_least=True)


# -- iCalendar export and import -------------------------------------------------------


def _hub_ids(store) -> list[tuple[int, str, str]]:
    from sqlalchemy import text

    with store.read() as session:
        return [tuple(r) for r in session.execute(text(
            "SELECT id, name, timezone FROM hub ORDER BY id"))]


def export_all(store) -> list[bytes]:
    """Every hub's calendar through the desk's export (as ``export ics --hub``)."""
    from schedtui.interop.ics import export_ics

    return [export_ics(store, None, hub_id=hub_id).encode("utf-8")
            for hub_id, _, _ in _hub_ids(store)]


def ics_export(db: Path, runs: int) -> tuple[Figure, list[bytes]]:
    """Export every hub's series through the service, against building the same
    VEVENTs with icalendar from sqlite3 rows. Returns the desk's files too."""
    store = open_bench_store(db, create=False)
    p_runs, f_runs, made = [], [], {}
    try:
        for _ in range(runs):
            seconds, made["floor"] = _timed(lambda: bulk_floors.ics_export(str(db), BENCH_NOW))
            f_runs.append(seconds)
            seconds, made["project"] = _timed(partial(export_all, store))
            p_runs.append(seconds)
    finally:
        store.dispose()
    p, f = statistics.median(p_runs), statistics.median(f_runs)
    events = sum(data.count(b"BEGIN:VEVENT") for data in made["project"])
    floor_events = sum(data.count(b"BEGIN:VEVENT") for data in made["floor"])
    return Figure("ics_export", f"iCalendar export of every hub ({events:,} VEVENTs)",
                  "events/s", events / p, floor_events / f, 2.0,
                  note=f"project {p:.2f} s, floor {f:.2f} s for {floor_events:,} VEVENTs "
                  f"(medians of {runs})", runs={"project_s": p_runs, "floor_s": f_runs}), \
        made["project"]


def _import_store(path: Path, hubs_of: list[tuple[int, str, str]]):
    from schedtui.services import hubs

    _remove_db(path)
    store = open_bench_store(path)
    for _, name, timezone in hubs_of:
        hubs.create_hub(store, name, timezone)
    return store


def ics_import(db: Path, files: list[bytes], workdir: Path, runs: int) -> Figure:
    """Import the export of every hub into an empty store with the same hubs,
    against parsing the files with icalendar and writing the same rows with
    sqlite3 (:func:`bulk_floors.ics_import`)."""
    from schedtui.interop.ics import import_ics

    source = open_bench_store(db, create=False)
    hubs_of = _hub_ids(source)
    source.dispose()
    paths = []
    for (hub_id, _, _), data in zip(hubs_of, files, strict=True):
        paths.append(workdir / f"hub-{hub_id}.ics")
        paths[-1].write_bytes(data)
    floor_db, project_db = workdir / "ics-floor.db", workdir / "ics-project.db"
    p_runs, f_runs, counts = [], [], {}
    for _ in range(runs):
        _import_store(floor_db, hubs_of).dispose()
        seconds, counts["floor"] = _timed(lambda: bulk_floors.ics_import(
            str(floor_db), [p.read_bytes() for p in paths], BENCH_NOW))
        f_runs.append(seconds)
        store = _import_store(project_db, hubs_of)

        def run_import(store=store) -> int:
            return sum(sum(e.occurrences for e in import_ics(store, path, i).events)
                       for i, path in enumerate(paths, 1))

        seconds, counts["project"] = _timed(run_import)
        store.dispose()
        p_runs.append(seconds)
        for path in (floor_db, project_db):
            _remove_db(path)
    p, f = statistics.median(p_runs), statistics.median(f_runs)
    return Figure("ics_import", f"iCalendar import of that export ({len(paths)} files, "
                  f"{counts['project']:,} occurrences)", "occ/s", counts["project"] / p,
                  counts["floor"] / f, 3.0,
                  note=f"project {p:.2f} s, floor {f:.2f} s for {counts['floor']:,} "
                  f"occurrences (medians of {runs})", runs={"project_s": p_runs,
                                                             "floor_s": f_runs})
