"""``schedtui bench-data``: build the benchmark data set (see :mod:`schedtui.bench`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from schedtui.cli import output
from schedtui.cli.helptext import command
from schedtui.domain.errors import DeskError, invalid


def bench_data(args, as_json) -> None:
    from schedtui.bench.data import build, make_plan, open_bench_store
    from schedtui.store.engine import resolve_url

    if args.db is None:
        raise invalid("Give the file to build into: schedtui --db FILE bench-data.")
    url = resolve_url(args.db)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise invalid("The benchmark data set is built into a SQLite file.")
    path = Path(url.database)
    if path.exists():
        raise DeskError("database_exists", f"{path} already exists; the data set is built "
                        "into a new file. Remove it or choose another path.")
    if not 0 < args.scale <= 20:
        raise invalid("The scale must be more than 0 and at most 20.")
    plan = make_plan(args.scale, args.seed)
    store = open_bench_store(path)
    try:
        report = build(store, plan, progress=None if as_json else _progress)
    finally:
        store.dispose()
    if as_json:
        output.emit_json(report.to_json())
        return
    counts = report.counts
    print(f"Built {path} at scale {args.scale:g} (seed {args.seed}) in "
          f"{report.seconds['total']:.0f} s: {counts['hub']} hubs, {counts['series']:,} series, "
          f"{counts['occurrence']:,} occurrences, {counts['attendee']:,} attendees, "
          f"{counts['seat_entry']:,} seat entries.")


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def register(sub, int_type: Callable[[str], int]) -> None:
    p = command(sub, "bench-data", "build the benchmark data set into --db FILE",
                "schedtui bench-data --db bench.db --scale 0.1")
    p.add_argument("--db", default=argparse.SUPPRESS, metavar="FILE",
                   help="the new SQLite file to build (also accepted before the command)")
    p.add_argument("--scale", type=float, default=1.0, metavar="FACTOR",
                   help="1: 20 hubs, 1,000 series, about 100,000 occurrences and 200,000 "
                   "seat entries")
    p.add_argument("--seed", type=int_type, default=1, metavar="N",
                   help="the random seed: the same seed builds the same data (default: 1)")
    p.set_defaults(handler=bench_data)
