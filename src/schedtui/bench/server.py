"""The benchmark on PostgreSQL, and the scaling table.

``python -m schedtui.bench --db postgresql+psycopg://...`` builds the data set
in a private schema of that database (dropped afterwards) and measures the
registration, materialization and attendee-list figures there against floors
written with psycopg; then the scaling table: registrations per second with 1,
2, 4 and 8 processes registering at once, into one occurrence and spread over
100, on SQLite and on PostgreSQL, each run followed by the oversell check.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from schedtui.bench.data import BENCH_NOW, open_bench_store
from schedtui.bench.figures import Figure, _remove_db, _timed


def _plain(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg's connection string."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def private_schema(url: str) -> Iterator[str]:
    """A new, empty schema on the server; yields the URL that works in it, and
    drops the schema (and everything the bench made in it) afterwards."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    base = url.split("?", 1)[0]
    with psycopg.connect(_plain(base), autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(_plain(base), autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


def _connect(url: str):
    import psycopg

    return psycopg.connect(_plain(url))


def analyze(url: str) -> None:
    """Gather the planner's statistics of the data set just built, as the
    server's autovacuum does within a minute or so of a table's first rows: a
    team's server has them, and without them PostgreSQL plans the floor's
    queries and the desk's alike for empty tables (a sequential scan of every
    seat for a window of 150)."""
    with _connect(url) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE'")]
        con.execute(f"ANALYZE {', '.join(tables)}")


# -- the figures on PostgreSQL ---------------------------------------------------------


def pg_registration(url: str, count: int, runs: int) -> Figure:
    """``count`` registrations through ``register``, one transaction each, on the
    data set in ``url``; the floor: BEGIN, the occurrence locked, the sum of its
    confirmed seats, the seat inserted confirmed or waitlisted, COMMIT."""
    from schedtui.bench.figures import registration_targets
    from schedtui.store import open_store

    store = open_store(url, clock=lambda: BENCH_NOW)
    sid, occ = registration_targets(store)
    p_runs, f_runs = [], []
    try:
        for run in range(runs):
            f_runs.append(_timed(lambda run=run: _pg_register_floor(url, sid, occ, count,
                                                                    f"floor{run}"))[0])
            p_runs.append(_timed(lambda run=run: _register_all_as(store, sid, occ, count,
                                                                  f"run{run}"))[0])
    finally:
        store.dispose()
    p, f = statistics.median(p_runs), statistics.median(f_runs)
    return Figure("pg_registration", f"{count:,} capacity-checked registrations, one "
                  "transaction each (PostgreSQL)", "reg/s", count / p, count / f, 5.0,
                  note=f"project {p:.2f} s, floor {f:.2f} s (medians of {runs})",
                  runs={"project_s": p_runs, "floor_s": f_runs})


def _register_all_as(store, series_id: int, occurrence_ids: list[int], count: int,
                     prefix: str) -> None:
    from schedtui.services import registrations

    for i in range(count):
        registrations.register(store, series_id, email=f"{prefix}-{i}@example.org",
                               name=f"Bench {i}",
                               occurrence_ids=[occurrence_ids[i % len(occurrence_ids)]])


def _pg_register_floor(url: str, series_id: int, occurrence_ids: Sequence[int], count: int,
                       prefix: str) -> int:
    stamp = BENCH_NOW.astimezone(UTC).replace(tzinfo=None)
    confirmed = 0
    with _connect(url) as con:
        with con.transaction():
            person = con.execute(
                "INSERT INTO attendee (email_key, email, name, phone, created_at) VALUES "
                "(%s, %s, 'Floor', '', %s) RETURNING id", (f"{prefix}@example.org",
                                                           f"{prefix}@example.org", stamp)
            ).fetchone()[0]
            reg = con.execute(
                "INSERT INTO registration (series_id, attendee_id, seats, status, created_at, "
                "updated_at, late_cancel, refund_on_cancel) "
                "VALUES (%s, %s, 1, 'active', %s, %s, false, false) RETURNING id",
                (series_id, person, stamp, stamp)).fetchone()[0]
        for i in range(count):
            occ = occurrence_ids[i % len(occurrence_ids)]
            with con.transaction():
                capacity = con.execute("SELECT capacity FROM occurrence WHERE id = %s FOR "
                                       "UPDATE", (occ,)).fetchone()[0]
                taken = con.execute("SELECT coalesce(sum(seats), 0) FROM seat_entry WHERE "
                                    "occurrence_id = %s AND status = 'confirmed'",
                                    (occ,)).fetchone()[0]
                fits = capacity is None or taken + 1 <= capacity
                con.execute(
                    "INSERT INTO seat_entry (registration_id, occurrence_id, seats, status, "
                    "attended, queued_at, confirmed_at, cancel_reason) VALUES "
                    "(%s, %s, 1, %s, false, %s, %s, '')",
                    (reg, occ, "confirmed" if fits else "waitlisted", stamp,
                     stamp if fits else None))
                confirmed += fits
    return confirmed


def pg_materialization(url: str, plan, runs: int) -> Figure:
    """Every series of the plan created through the service in one transaction,
    into an empty schema; the floor writes the same rows with psycopg's
    ``executemany`` in one transaction, into another."""
    from schedtui.bench import floors
    from schedtui.bench.figures import rule_rows_from_plan
    from schedtui.services import hubs, series
    from schedtui.store import open_store

    p_runs, f_runs, counts = [], [], {}
    for _ in range(runs):
        with private_schema(url) as floor_url:
            store = open_store(floor_url, clock=lambda: BENCH_NOW)
            hub_id = hubs.create_hub(store, "Floor", "UTC").id
            rows = rule_rows_from_plan(plan, store)
            store.dispose()
            seconds, counts["floor"] = _timed(partial(_pg_materialize_floor, floor_url,
                                                      hub_id, rows, floors))
            f_runs.append(seconds)
        with private_schema(url) as project_url:
            store = open_store(project_url, clock=lambda: BENCH_NOW)
            hub_ids = [hubs.create_hub(store, name, zone).id for name, zone in plan.hubs]

            def create_all(store=store, hub_ids=hub_ids) -> int:
                made = series.create_series_batch(
                    store, [spec.create_kwargs(hub_ids[spec.hub]) for spec in plan.series])
                return sum(n for _, n in made)

            seconds, counts["project"] = _timed(create_all)
            store.dispose()
            p_runs.append(seconds)
    p, f = statistics.median(p_runs), statistics.median(f_runs)
    return Figure("pg_materialization", f"create {len(plan.series):,} series "
                  f"({counts['project']:,} occurrences) through the service, one transaction "
                  "(PostgreSQL)", "occ/s", counts["project"] / p, counts["floor"] / f, 1.5,
                  note=f"project {p:.2f} s, floor {f:.2f} s for {counts['floor']:,} "
                  f"(medians of {runs})", runs={"project_s": p_runs, "floor_s": f_runs})


def _pg_materialize_floor(url: str, hub_id: int, rows, floors) -> int:
    stamp = BENCH_NOW.astimezone(UTC).replace(tzinfo=None)
    occurrences = []
    with _connect(url) as con:
        series_sql = _insert(con, "series", [
            "hub_id", "name", "description", "timezone", "start_date", "rrule",
            "duration_minutes", "capacity", "location", "host", "status", "registration_option",
            "horizon_weeks", "created_at", "updated_at"])
        slot_sql = _insert(con, "slot", ["series_id", "position", "at", "capacity", "host"])
        with con.transaction():
            for number, row in enumerate(rows):
                series_id = con.execute(series_sql, (
                    hub_id, f"Floor {number}", "", row.timezone, row.start, row.rrule,
                    row.duration, row.capacity, "", "", "published", "all_sessions", 26, stamp,
                    stamp)).fetchone()[0]
                slots = {}
                for position, at in enumerate(row.times):
                    slots[at] = con.execute(slot_sql, (series_id, position, f"{at:%H:%M}",
                                                       row.capacity, "")).fetchone()[0]
                length = timedelta(minutes=row.duration)
                for local, utc in floors.expand_rows(row):
                    start = utc.replace(tzinfo=None)
                    occurrences.append((series_id, slots[local.time()], start, start,
                                        start + length, row.capacity))
            with con.cursor() as cur:
                cur.executemany(
                    "INSERT INTO occurrence (series_id, slot_id, original_start, start_utc, "
                    "end_utc, status, capacity, edited) VALUES (%s, %s, %s, %s, %s, "
                    "'scheduled', %s, '')", occurrences)
    return len(occurrences)


def _insert(con, table: str, names: list[str]) -> str:
    """An INSERT of ``names`` returning the id, with false, '' or 0 for every
    other required column without a default (settings the floor does not use)."""
    extra = [(n, kind) for n, kind in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND table_schema = current_schema() AND is_nullable = 'NO' AND column_default IS NULL "
        "ORDER BY ordinal_position", (table,)) if n not in names and n != "id"]
    values = ["%s"] * len(names) + [
        "false" if kind == "boolean" else "''" if "char" in kind or kind == "text" else "0"
        for _, kind in extra]
    return (f"INSERT INTO {table} ({', '.join(names + [n for n, _ in extra])}) VALUES "
            f"({', '.join(values)}) RETURNING id")


def pg_attendees(url: str, runs: int) -> list[Figure]:
    """The attendee list's first and last windows (150 rows and the list's
    length) of the occurrence with the longest list, through the service the
    desk calls; the floor: the same count and window with psycopg."""
    from schedtui.bench.data import landmarks
    from schedtui.services import registrations
    from schedtui.store import open_store

    store = open_store(url, clock=lambda: BENCH_NOW)
    marks = landmarks(store)
    occ = marks.big_occurrence
    results = []
    try:
        for label, offset in (("first", 0), ("last", -150)):
            p_runs, f_runs = [], []
            registrations.registration_page(store, occurrence_id=occ, offset=offset, limit=150)
            with _connect(url) as con:
                for _ in range(runs):
                    f_runs.append(_timed(lambda con=con, offset=offset: _pg_window(
                        con, occ, offset))[0])
                    p_runs.append(_timed(lambda offset=offset: registrations.registration_page(
                        store, occurrence_id=occ, offset=offset, limit=150))[0])
            p, f = statistics.median(p_runs), statistics.median(f_runs)
            results.append(Figure(
                f"pg_attendees_{label}", f"attendee list of an occurrence with "
                f"{marks.big_list:,} seat entries: the {label} 150 rows and the count "
                "(PostgreSQL)", "ms", p * 1000, f * 1000, 3.0,
                note=f"medians of {runs}", runs={"project_s": p_runs, "floor_s": f_runs}))
    finally:
        store.dispose()
    return results


def _pg_window(con, occurrence_id: int, offset: int) -> list:
    total = con.execute("SELECT count(*) FROM seat_entry WHERE occurrence_id = %s",
                        (occurrence_id,)).fetchone()[0]
    start = max(total + offset, 0) if offset < 0 else offset
    rows = con.execute(
        "SELECT r.id, a.name, a.email, a.phone, r.seats, s.status, s.attended "
        "FROM seat_entry s JOIN registration r ON r.id = s.registration_id "
        "JOIN attendee a ON a.id = r.attendee_id WHERE s.occurrence_id = %s "
        "ORDER BY s.registration_id LIMIT 150 OFFSET %s", (occurrence_id, start)).fetchall()
    con.commit()
    return rows


# -- the scaling table ----------------------------------------------------------------


@dataclass
class ScalingRow:
    store: str
    occurrences: int
    processes: int
    attempts: int
    seconds: float
    confirmed: int
    waitlisted: int
    refused: dict[str, int] = field(default_factory=dict)
    oversold: int = 0
    accounted: bool = True

    @property
    def rate(self) -> float:
        return self.attempts / self.seconds

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["rate"] = round(self.rate, 1)
        return data


CAPACITY = 20


def _scaling_store(db: str) -> int:
    """One hub and a series of 100 daily sessions people choose, capacity 20."""
    from schedtui.domain import parse
    from schedtui.services import hubs, series

    store = open_bench_store(db)
    try:
        hub = hubs.create_hub(store, "Load", "Europe/Berlin")
        start, at = parse.parse_start("2026-04-01T18:00")
        return series.create_series(store, hub_id=hub.id, name="Load", start=start,
                                    start_time=at, duration_minutes=60,
                                    rrule="FREQ=DAILY;COUNT=100", capacity=CAPACITY,
                                    registration_option="multiple_sessions").id
    finally:
        store.dispose()


def _worker(db: str, series_id: int, occurrence_ids: list[int], worker: int, count: int,
            start_at: float, results) -> None:
    from schedtui.domain.errors import DeskError
    from schedtui.services import registrations

    store = open_bench_store(db, create=False)
    tally: dict[str, int] = {}
    while time.time() < start_at:  # every process starts together
        time.sleep(0.001)
    began = time.perf_counter()
    for i in range(count):
        occ = occurrence_ids[(i * 7 + worker) % len(occurrence_ids)]
        try:
            view = registrations.register(store, series_id, email=f"w{worker}-{i}@example.org",
                                          name=f"W{worker} {i}", occurrence_ids=[occ])
            tally[view.status] = tally.get(view.status, 0) + 1
        except DeskError as exc:
            tally[f"refused:{exc.code}"] = tally.get(f"refused:{exc.code}", 0) + 1
    results.put((worker, time.perf_counter() - began, tally))
    store.dispose()


def scaling_run(db: str, label: str, processes: int, spread: int, per_process: int
                ) -> ScalingRow:
    """``processes`` processes each registering ``per_process`` new people, on
    one occurrence (``spread`` 1) or spread over 100; then the oversell check:
    no occurrence holds more confirmed seats than its capacity, and every
    attempt is a registration or a refusal."""
    from sqlalchemy import text

    series_id = _scaling_store(db)
    store = open_bench_store(db, create=False)
    with store.read() as session:
        occurrences = [r[0] for r in session.execute(text(
            "SELECT id FROM occurrence WHERE series_id = :s ORDER BY start_utc"),
            {"s": series_id})][:spread]
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 2.0 + processes * 0.5  # the processes' imports done by then
    workers = [context.Process(target=_worker, args=(db, series_id, occurrences, w,
                                                    per_process, start_at, results))
               for w in range(processes)]
    for process in workers:
        process.start()
    done = [results.get(timeout=1800) for _ in workers]
    for process in workers:
        process.join()
    seconds = max(d[1] for d in done)
    tally: dict[str, int] = {}
    for _, _, counts in done:
        for key, n in counts.items():
            tally[key] = tally.get(key, 0) + n
    with store.read() as session:
        oversold = session.execute(text(
            "SELECT count(*) FROM (SELECT o.id FROM occurrence o JOIN seat_entry s ON "
            "s.occurrence_id = o.id AND s.status = 'confirmed' WHERE o.series_id = :s "
            "GROUP BY o.id, o.capacity HAVING sum(s.seats) > o.capacity) AS x"),
            {"s": series_id}).scalar()
        made = session.execute(text("SELECT count(*) FROM registration WHERE series_id = :s"),
                               {"s": series_id}).scalar()
    store.dispose()
    refused = {k.split(":", 1)[1]: n for k, n in tally.items() if k.startswith("refused:")}
    attempts = processes * per_process
    confirmed, waitlisted = tally.get("confirmed", 0), tally.get("waitlisted", 0)
    return ScalingRow(label, spread, processes, attempts, seconds, confirmed, waitlisted,
                      refused, oversold,
                      accounted=confirmed + waitlisted + sum(refused.values()) == attempts
                      and made == confirmed + waitlisted)


def scaling_table(workdir: Path, pg_url: str | None, per_process: int,
                  processes: Sequence[int] = (1, 2, 4, 8)) -> list[ScalingRow]:
    rows = []
    for spread in (1, 100):
        for count in processes:
            db = workdir / "scaling.db"
            _remove_db(db)
            rows.append(scaling_run(str(db), "SQLite", count, spread, per_process))
            _remove_db(db)
            if pg_url:
                with private_schema(pg_url) as url:
                    rows.append(scaling_run(url, "PostgreSQL", count, spread, per_process))
    return rows


def print_scaling(rows: list[ScalingRow]) -> None:
    print("\nscaling: registrations per second, processes registering at once "
          f"(capacity {CAPACITY} an occurrence)")
    print("store       occurrences  processes  attempts  reg/s   confirmed  waitlisted  "
          "refused  oversold  accounted")
    for r in rows:
        refused = sum(r.refused.values())
        print(f"{r.store:<11} {r.occurrences:>11}  {r.processes:>9}  {r.attempts:>8}  "
              f"{r.rate:>5.0f}  {r.confirmed:>9}  {r.waitlisted:>10}  {refused:>7}  "
              f"{r.oversold:>8}  {'yes' if r.accounted else 'NO'}")

