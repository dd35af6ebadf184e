"""``python -m schedtui.bench [--quick] [--json FILE] [--db FILE] [--scale N]``

Prints one row per figure: what was measured, the project's figure, the floor
measured in the same run, the ratio (how many times the floor's cost), the
target and whether it holds. Without ``--db`` a data set is built first (at
``--scale``; ``--quick`` uses a small one and fewer runs, for the test suite).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from schedtui.bench import figures, oneshot
from schedtui.bench.data import BENCH_NOW, build, landmarks, make_plan, open_bench_store

QUICK_SCALE = 0.01


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m schedtui.bench",
                                     description="Speed at scale: the desk against its floors.")
    parser.add_argument("--quick", action="store_true", help=f"a small data set (scale "
                        f"{QUICK_SCALE}) and few runs: seconds, for the test suite")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--db", help="a data set built by `schedtui bench-data` (else one is "
                        "built in a temporary folder); it is only read")
    parser.add_argument("--scale", type=float, help="data set scale (1: 1,000 series); with "
                        "--db, the scale it was built at")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, help="runs per short figure (median)")
    parser.add_argument("--scaling", action="store_true", help="also the scaling table: "
                        "registrations per second with 1, 2, 4 and 8 processes at once (on "
                        "PostgreSQL too with --pg URL or a PostgreSQL --db)")
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database for the scaling "
                        "table (a private schema is made in it and dropped afterwards)")
    parser.add_argument("--per-process", type=int, dest="per_process",
                        help="registrations each process makes in the scaling table")
    parser.add_argument("--only", help="comma-separated figure groups: expansion, "
                        "materialization, registration, desk, month, attendees, agenda, "
                        "oneshot, batch, csv, ics")
    return parser.parse_args(argv)


GROUPS = ("expansion", "materialization", "registration", "desk", "month", "attendees",
          "agenda", "oneshot", "batch", "csv", "ics")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scale = args.scale if args.scale is not None else (QUICK_SCALE if args.quick else 1.0)
    runs = args.runs or (3 if args.quick else 5)
    # Figures that take seconds a run get five (three at scale 5 and up, where a
    # run takes half a minute): at scale 1 one materialization run of the desk
    # took from 3.4 to 5.4 s within a single bench, and three left the median to
    # chance. The attendee list, a few tenths of a second, gets seven.
    long_runs = 1 if args.quick else min(runs, 3 if scale >= 5 else 5)
    list_runs = 2 if args.quick else max(runs, 7)
    wanted = set(args.only.split(",")) if args.only else set(GROUPS)
    workdir = Path(tempfile.mkdtemp(prefix="schedtui-bench-"))
    if args.db and "://" in args.db:
        try:
            return postgres_main(args, args.db, workdir, args.scale or 0.1, runs, long_runs)
        finally:
            figures.cleanup(workdir)
    plan = make_plan(scale, args.seed)
    built = None
    try:
        if args.db:
            db = Path(args.db)
            if not db.exists():
                print(f"error: {db} does not exist; build it with schedtui bench-data",
                      file=sys.stderr)
                return 1
        else:
            db = workdir / "data.db"
            _say(f"building the data set at scale {scale} (seed {args.seed})")
            store = open_bench_store(db)
            built = build(store, plan, progress=_say)
            store.dispose()
            _say(f"built in {built.seconds['total']:.1f} s: {built.counts}")
        store = open_bench_store(db, create=False)
        marks = landmarks(store)
        targets = figures.registration_targets(store)
        rows: list[figures.Figure] = []
        started = time.perf_counter()
        if "expansion" in wanted:
            _say("expansion")
            rows.append(figures.expansion(store, runs))
        store.dispose()
        if "materialization" in wanted:
            _say("materialization")
            rows.append(figures.materialization(plan, workdir, long_runs))
        if "registration" in wanted:
            count = max(100, round(10_000 * scale))
            _say(f"registration ({count:,} each)")
            rows.append(figures.registration(db, workdir, count, long_runs))
        if "desk" in wanted:
            _say("desk start and memory")
            rows.extend(figures.desk_start_and_memory(db, marks, 2 if args.quick else runs))
        if "month" in wanted:
            _say("month change")
            rows.append(figures.month_change(db, marks, max(6, runs * 2)))
        if "attendees" in wanted:
            _say("attendee list")
            rows.extend(figures.attendee_list(db, marks, list_runs))
        if "agenda" in wanted:
            _say("agenda")
            rows.extend(figures.agenda(db, max(6, runs * 2)))
        if "oneshot" in wanted:
            _say("one-shot commands")
            shots = max(5, runs) if not args.quick else 3
            rows.extend(oneshot.reads(db, marks, shots))
            rows.append(oneshot.registration(db, workdir, *targets, shots))
        rows.extend(bulk_figures(wanted, db, workdir, scale, args.quick))
        scaling = []
        if args.scaling:
            from schedtui.bench import server

            _say("scaling table")
            scaling = server.scaling_table(workdir, args.pg, _per_process(args))
        _say("done")
        print_table(rows, scale)
        if scaling:
            server.print_scaling(scaling)
        if args.json:
            Path(args.json).write_text(json.dumps({
                "scale": scale, "seed": args.seed, "runs": runs,
                "seconds": round(time.perf_counter() - started, 1),
                "build": built.to_json() if built else None,
                "figures": [f.to_json() for f in rows],
                "scaling": [r.to_json() for r in scaling]}, indent=2) + "\n")
        return 0
    finally:
        figures.cleanup(workdir)


def _per_process(args: argparse.Namespace) -> int:
    return args.per_process or (20 if args.quick else 200)


def postgres_main(args: argparse.Namespace, url: str, workdir: Path, scale: float, runs: int,
                  long_runs: int) -> int:
    """The PostgreSQL figures on a data set built in a private schema of ``url``
    (dropped afterwards), then the scaling table on SQLite and PostgreSQL."""
    from schedtui.bench import server
    from schedtui.store import open_store

    started = time.perf_counter()
    plan = make_plan(scale, args.seed)
    rows: list[figures.Figure] = []
    with server.private_schema(url) as data_url:
        schema = data_url.rsplit("%3D", 1)[-1]
        _say(f"building the data set at scale {scale} on PostgreSQL")
        store = open_store(data_url, clock=lambda: BENCH_NOW)
        built = build(store, plan, progress=_say)
        store.dispose()
        server.analyze(data_url)
        _say(f"built in {built.seconds['total']:.1f} s: {built.counts}")
        count = max(100, round(10_000 * scale))
        _say(f"registration ({count:,} each)")
        rows.append(server.pg_registration(data_url, count, long_runs))
        _say("attendee list")
        rows.extend(server.pg_attendees(data_url, max(runs, 7)))
    _say("materialization")
    rows.append(server.pg_materialization(url, plan, long_runs))
    _say("scaling table")
    scaling = server.scaling_table(workdir, url, _per_process(args))
    print_table(rows, scale)
    server.print_scaling(scaling)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "store": "postgresql", "schema": schema, "scale": scale, "seed": args.seed,
            "runs": runs,
            "seconds": round(time.perf_counter() - started, 1), "build": built.to_json(),
            "figures": [f.to_json() for f in rows],
            "scaling": [r.to_json() for r in scaling]}, indent=2) + "\n")
    return 0


def bulk_figures(wanted: set[str], db: Path, workdir: Path, scale: float,
                 quick: bool) -> list[figures.Figure]:
    """The batch, CSV and iCalendar figures (one run each: they take tens of
    seconds at scale 1; the batch's one-shot side is a sample)."""
    from schedtui.bench import bulk

    rows = []
    if "batch" in wanted:
        count, sample = (100, 5) if quick else (1000, 30)
        _say(f"batch ({count:,} commands; one-shot on {sample})")
        rows.append(bulk.batch(workdir, count, sample))
    if "csv" in wanted:
        people = bulk.csv_people(round(50_000 * scale))
        _say(f"CSV import ({people:,} people)")
        rows.append(bulk.csv_import(workdir, people))
    if "ics" in wanted:
        _say("iCalendar export and import")
        exported, files = bulk.ics_export(db, 1)
        rows.append(exported)
        rows.append(bulk.ics_import(db, files, workdir, 1))
    return rows


_T0 = time.perf_counter()


def _say(message: str) -> None:
    print(f"# {time.perf_counter() - _T0:6.1f} s  {message}", file=sys.stderr, flush=True)


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def print_table(rows: list[figures.Figure], scale: float) -> None:
    header = ("figure", "measured", "project", "floor", "ratio", "target", "holds")
    lines = [(f.key, f.what, f"{_number(f.project)} {f.unit}", f"{_number(f.floor)} {f.unit}",
              f"{f.ratio:.2f}x", f"{'>=' if f.at_least else '<='} {f.target:g}x",
              "yes" if f.holds else "NO")
             for f in rows]
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    print(f"schedtui bench, scale {scale:g}")
    for line in [header, *lines]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths,
                                                                      strict=True)).rstrip())


if __name__ == "__main__":
    raise SystemExit(main())
