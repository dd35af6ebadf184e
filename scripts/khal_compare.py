"""`schedtui occ list` beside `khal list` on the same one-series calendar.

Not part of the benchmark or the tests: khal is not a dependency. Install it
next to schedtui (``python -m pip install khal``), then::

    python scripts/khal_compare.py --db bench.db --series 1000 \\
        --from 2026-04-01 --to 2026-04-30 --runs 9

The series is exported with ``schedtui export ics --series`` into a vdir (the
folder of .ics files khal reads, one event with its overrides a file: the
export's events, one per time of day, are split by UID), khal gets a
configuration and a cache of its own in a temporary folder, and each command
is started once unmeasured (khal fills its SQLite cache from the file, schedtui
writes its bytecode). Then they alternate, each timed from the parent as a
fresh process (spawn to exit, its output read), and the medians are printed
side by side with how many occurrences each listed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """[calendars]
[[bench]]
path = {vdir}
type = calendar

[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
local_timezone = {zone}
default_timezone = {zone}

[default]
default_calendar = bench

[sqlite]
path = {cache}
"""


def _schedtui() -> list[str]:
    script = Path(sys.executable).with_name("schedtui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "schedtui.cli.main"]


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def _to_vdir(ics: Path, vdir: Path) -> str:
    """A vdir holds one event (one UID, with its overrides) a file: the export
    makes one recurring event per time of day, so it is split by UID. Returns
    the series' zone."""
    from icalendar import Calendar

    calendar = Calendar.from_ical(ics.read_bytes())
    zones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    events: dict[str, list] = {}
    for component in calendar.subcomponents:
        if component.name == "VEVENT":
            events.setdefault(str(component["UID"]), []).append(component)
    for number, (_, parts) in enumerate(sorted(events.items())):
        single = Calendar()
        for key in ("VERSION", "PRODID"):
            single.add(key.lower(), calendar[key])
        for component in [*zones, *parts]:
            single.add_component(component)
        (vdir / f"event-{number}.ics").write_bytes(single.to_ical())
    return str(zones[0]["TZID"]) if zones else "UTC"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a schedtui database (only read)")
    parser.add_argument("--series", type=int, required=True)
    parser.add_argument("--from", dest="first", required=True, help="YYYY-MM-DD")
    parser.add_argument("--to", dest="last", required=True, help="YYYY-MM-DD")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    khal = shutil.which("khal") or str(Path(sys.executable).with_name("khal"))
    if not Path(khal).exists():
        print("khal is not installed: python -m pip install khal", file=sys.stderr)
        return 1
    env = dict(os.environ)
    env.pop("SCHEDTUI_DB", None)
    work = Path(tempfile.mkdtemp(prefix="schedtui-khal-"))
    try:
        vdir = work / "vdir"
        vdir.mkdir()
        ics = work / f"series-{args.series}.ics"
        _timed([*_schedtui(), "--db", args.db, "export", "ics", "--series", str(args.series),
                "-o", str(ics)], env)
        tz = _to_vdir(ics, vdir)
        config = work / "khal.conf"
        config.write_text(CONFIG.format(vdir=vdir, zone=tz, cache=work / "khal.db"))
        khal_argv = [khal, "-c", str(config), "list", args.first, args.last]
        ours = [*_schedtui(), "--db", args.db, "occ", "list", str(args.series), "--from",
                args.first, "--to", args.last]
        commands = {"khal list": khal_argv, "schedtui occ list --json": [*ours, "--json"],
                    "schedtui occ list": ours}
        outputs = {name: _timed(argv, env)[1] for name, argv in commands.items()}  # unmeasured
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                runs[name].append(_timed(argv, env)[0])
        events = len([line for line in outputs["khal list"].splitlines()
                      if re.match(r"^\s*\d{2}:\d{2}", line)])
        rows = outputs["schedtui occ list --json"].count('"series_id"')
        print(f"calendar: series {args.series} ({tz}), {args.first} to {args.last}; "
              f"khal listed {events} events, schedtui {rows} occurrences")
        base = statistics.median(runs["khal list"])
        for name, values in runs.items():
            median = statistics.median(values)
            print(f"{name:28} median {median * 1000:7.1f} ms  ({median / base:.2f}x khal)  "
                  f"runs: {', '.join(f'{v * 1000:.0f}' for v in values)}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
