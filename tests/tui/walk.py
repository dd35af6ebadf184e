"""The restless person: a seeded random walk over the whole desk.

Each step looks at the screen on top and does one thing a restless person
might: presses one of the keys bound there (every screen's keys, the focused
widget's, the app's, Textual's), moves focus or the cursor, types or pastes
hostile text into the focused field (markup, escape sequences, 10,000
characters, right-to-left text, emoji, nonsense dates and numbers), submits a
form empty, or resizes the terminal. Meanwhile another thread, with its own
connection, changes the same database through the services (registrations,
cancellations, moves, new hubs), so the desk's poll reloads under the walker's
feet; it also edits several occurrences at once and adds and lifts blackout
days, which the agenda the desk opens on shows.

The walk fails on an unhandled exception, on a worker error the desk could
only report as "Something went wrong", on a step that hangs, or when the desk
leaves although quit was never pressed (quit is the one key never chosen). The
failure names the seed, the size and every step taken.

The suite runs a fixed seed (``test_walk.py``); run it for as long as you like
with random seeds::

    python -m tests.tui.walk --seconds 600            # random seeds, both sizes
    python -m tests.tui.walk --seed 1234 --steps 500  # one walk, to replay a failure
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from textual import events
from textual.widgets import Input

from schedtui.domain.errors import DeskError
from schedtui.store import open_store
from tests.tui.conftest import NOW, StillDesk, rich_world

SIZES = [(80, 24), (160, 48)]

HOSTILE = [
    "", " ", "[/]", "[@click=app.quit]x[/]", "[bold red]Eve[/]", "[link=https://x]y[/link]",
    "\x1b[31mred\x1b[0m", "\x1b]0;owned\x07", "\x1b[2J\x1b[H", "\x00\x07\x08\x7f", "A" * 10_000,
    "שלום עולם", "مرحبا بالعالم", "\u202egnp.exe", "👩\u200d👩\u200d👧\u200d👦🎉", "１２", "٣",
    "-1", "0", "1", "10001", "99999999999999999999", "1e9", "NaN", "unlimited", "∞",
    "2025-02-30", "2025-13-01", "9999-12-31", "0001-01-01", "25:99", "24:00", "09:00/MO+WE",
    "09:00=5@Sam,17:00", "FREQ=SECONDLY", "FREQ=WEEKLY;INTERVAL=TUE THU", "TUE THU",
    "MO,XX", "-1,32", "Europe/Nowhere", "UTC", "America/New_York", "a@b", "bob@example.org",
    "person1@example.org", "%s%n{0}", "'; DROP TABLE hub;--", "\\", "~", "\t", "x\ny",
]
"""Text a person (or a paste) might put in any field."""

MOVES = ["tab", "shift+tab", "up", "down", "left", "right", "enter", "escape", "space",
         "home", "end", "pageup", "pagedown", "backspace", "ctrl+s"]
"""Keys that move focus or the cursor, confirm, close or save, wherever one is."""

STARTS = {"agenda": [], "attendance": ["escape", "enter", "down", "g"],
          "blackouts": ["escape", "b"]}
"""Where a walk begins: keys pressed on the hubs screen first (the attendance
grid of the seeded standup; the first hub's blackout list), so the screens a
walk from the hubs would seldom reach are walked too."""

QUIT_ACTIONS = {"quit", "app.quit", "suspend_process", "app.suspend_process"}
"""Actions never chosen: leaving is the one thing the walk must not see."""


class Walked(StillDesk):
    """The desk as the walk drives it: errors a worker could only report are kept."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.worker_errors: list[str] = []

    def notify(self, message, **kwargs) -> None:
        if kwargs.get("title") == "Error":
            self.worker_errors.append(str(message))
        super().notify(message, **kwargs)


@dataclass
class Outcome:
    seed: int
    size: tuple[int, int]
    steps: list[str] = field(default_factory=list)
    failure: str = ""
    start: str = "agenda"

    def report(self) -> str:
        walked = len([s for s in self.steps if not s.endswith("(start)")])
        lines = [f"walk seed={self.seed} size={self.size[0]}x{self.size[1]}: {self.failure}",
                 f"replay: python -m tests.tui.walk --seed {self.seed} "
                 f"--size {self.size[0]}x{self.size[1]} --steps {walked} "
                 f"--start {self.start}",
                 "steps:"]
        lines += [f"  {n:4} {step}" for n, step in enumerate(self.steps, 1)]
        return "\n".join(lines)


class Meddler(threading.Thread):
    """Another client of the same database, changing it through the services."""

    def __init__(self, path: Path, seed: int) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.changes = 0

    def run(self) -> None:
        from schedtui.services import blackouts, bulk, hubs, occurrences, registrations, series

        store = open_store(self.path, clock=lambda: NOW)
        rng = self.rng
        try:
            while not self.stop.is_set():
                try:
                    every = series.list_series(store)
                    one = rng.choice(every) if every else None
                    occs = occurrences.list_occurrences(store, one.id) if one else []
                    occ = rng.choice(occs) if occs else None
                    kind = rng.randrange(10)
                    n = rng.randrange(10_000)
                    if kind == 0 and one:
                        registrations.register(store, one.id, email=f"m{n}@example.org",
                                               name=rng.choice(HOSTILE[:20]) or f"M {n}")
                    elif kind == 1 and one:
                        regs = registrations.list_registrations(store, series_id=one.id)
                        if regs:
                            registrations.cancel_registration(store, rng.choice(regs).id)
                    elif kind == 2 and occ:
                        occurrences.cancel_occurrence(store, occ.id)
                    elif kind == 3 and occ:
                        occurrences.restore_occurrence(store, occ.id)
                    elif kind == 4 and occ:
                        start = datetime.fromisoformat(occ.start).replace(tzinfo=None)
                        occurrences.move_occurrence(store, occ.id,
                                                    start + timedelta(hours=rng.choice([-1, 1])))
                    elif kind == 5 and occ:
                        occurrences.set_occurrence(store, occ.id,
                                                   capacity=rng.choice([1, 2, 5, 20, None]),
                                                   demote=True)
                    elif kind == 6:
                        hubs.create_hub(store, f"Hub {n} {rng.choice(HOSTILE[:12])}",
                                        rng.choice(["UTC", "Europe/Berlin", "Asia/Tokyo"]))
                    elif kind == 7 and one:
                        series.set_status(store, one.id, rng.choice(["pause", "resume"]))
                    elif kind == 8 and len(occs) > 1:
                        picked = [o.id for o in rng.sample(occs, 2)]
                        bulk.set_occurrences(store, picked, host=rng.choice(HOSTILE[:12]))
                    elif kind == 9 and one:
                        found = blackouts.list_blackouts(store, one.hub_id)
                        if found and rng.random() < 0.5:
                            blackouts.remove_blackout(store, found[0].id)
                        else:
                            day = NOW.date() + timedelta(days=rng.randrange(14))
                            blackouts.add_blackout(store, one.hub_id, day, reason=rng.choice(
                                HOSTILE[:12]), confirm=True)
                    self.changes += 1
                except DeskError:
                    pass  # refused, as the desk would be: not a failure
                except Exception as exc:  # noqa: BLE001 - reported by the walk
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    return
                self.stop.wait(rng.uniform(0.2, 1.0))
        finally:
            store.dispose()


def choose(app, rng: random.Random) -> tuple[str, str | None]:
    """One thing to do on the screen on top: (what, key or text)."""
    focused = app.focused
    roll = rng.random()
    if isinstance(focused, Input) and roll < 0.35:
        return ("paste" if rng.random() < 0.5 else "type"), rng.choice(HOSTILE)
    if roll < 0.7:
        keys = [key for key, active in app.active_bindings.items()
                if active.binding.action not in QUIT_ACTIONS and key not in ("q", "ctrl+q")]
        if keys:
            return "key", rng.choice(sorted(keys))
    if roll < 0.72:
        return "resize", None
    return "key", rng.choice(MOVES)


async def settle(pilot) -> None:
    """Let the workers end (a cancelled one is no failure: the palette cancels its
    searches as one types) and their results land."""
    workers = list(pilot.app.workers)
    await asyncio.gather(*(worker.wait() for worker in workers), return_exceptions=True)
    await pilot.pause()


async def step(pilot, rng: random.Random, outcome: Outcome) -> None:
    app = pilot.app
    what, arg = choose(app, rng)
    top = type(app.screen).__name__
    if what == "key":
        outcome.steps.append(f"{top}: press {arg}")
        await pilot.press(arg)
    elif what == "paste":
        outcome.steps.append(f"{top}: paste {arg[:40]!r}{'…' if len(arg) > 40 else ''}")
        app.focused.post_message(events.Paste(arg))
    elif what == "type":
        text = arg[:10]
        outcome.steps.append(f"{top}: type {text!r}")
        keys = [ch for ch in text if ch.isprintable() and ch != "q"]  # a key, not a letter
        focused = app.focused
        for ch in keys:
            if app.focused is not focused:  # the field went away meanwhile
                break
            await pilot.press(ch)
    else:
        size = rng.choice(SIZES)
        outcome.steps.append(f"{top}: resize {size[0]}x{size[1]}")
        await pilot.resize_terminal(*size)
    await settle(pilot)


async def walk(seed: int, steps: int, size: tuple[int, int], *,
               step_timeout: float = 90.0, start: str = "agenda") -> Outcome:
    """Walk ``steps`` steps from the screen the desk opens on (the week's agenda,
    over the hubs), or from ``start``, one of STARTS; the outcome's failure is
    empty if clean."""
    outcome = Outcome(seed, size, start=start)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="schedtui-walk-") as folder:
        home = Path(folder)
        path = home / "walk.db"
        store = open_store(path, clock=lambda: NOW)
        rich_world(store)
        meddler = Meddler(path, seed)
        app = Walked(store, poll_seconds=0.3)
        cwd = os.getcwd()
        os.chdir(home)  # exports land here
        try:
            async with app.run_test(size=size) as pilot:
                await settle(pilot)
                for key in STARTS[start]:
                    outcome.steps.append(f"{type(app.screen).__name__}: press {key} (start)")
                    await pilot.press(key)
                    await settle(pilot)
                meddler.start()
                for _ in range(steps):
                    try:
                        await asyncio.wait_for(step(pilot, rng, outcome), step_timeout)
                    except TimeoutError:
                        outcome.failure = f"the last step hung for over {step_timeout:.0f} s"
                        break
                    if app.crash is not None:
                        break
                    if app.worker_errors:
                        outcome.failure = f"a worker failed: {app.worker_errors[0]}"
                        break
                    if meddler.errors:
                        outcome.failure = f"the other client failed: {meddler.errors[0]}"
                        break
                    if not app.is_running or app.return_code is not None:
                        outcome.failure = "the desk left, though quit was never pressed"
                        break
                meddler.stop.set()
                meddler.join(10)
        except Exception as exc:  # noqa: BLE001 - the walk's whole point
            outcome.failure = f"crashed: {type(exc).__name__}: {str(exc)[:300]}"
        finally:
            meddler.stop.set()
            os.chdir(cwd)
            store.dispose()
        if app.crash is not None and not outcome.failure:
            outcome.failure = f"crashed: {type(app.crash).__name__}: {str(app.crash)[:300]}"
            import traceback

            outcome.failure += "\n" + "".join(traceback.format_exception(app.crash))
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tui.walk",
                                     description="Walk the desk at random until a failure "
                                     "or the time is up.")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="keep walking with new random seeds for this long")
    parser.add_argument("--seed", type=int, help="one walk with this seed (replay)")
    parser.add_argument("--steps", type=int, default=300, help="steps in each walk")
    parser.add_argument("--size", help="WxH, e.g. 80x24 (default: both sizes in turn)")
    parser.add_argument("--start", choices=list(STARTS),
                        help="the screen to begin on (default: each in turn)")
    args = parser.parse_args(argv)
    sizes = [tuple(int(n) for n in args.size.split("x"))] if args.size else SIZES
    deadline = time.monotonic() + args.seconds
    clean = walks = 0
    run = 0
    while True:
        seed = args.seed if args.seed is not None else random.randrange(2**32)
        size = sizes[run % len(sizes)]
        run += 1
        start = args.start or ("agenda" if args.seed is not None
                               else list(STARTS)[run % len(STARTS)])
        outcome = asyncio.run(walk(seed, args.steps, size, start=start))
        if outcome.failure:
            print(outcome.report(), file=sys.stderr)
            print(f"{clean} steps in {walks} walks ran clean before this one.", file=sys.stderr)
            return 1
        clean += len(outcome.steps)
        walks += 1
        print(f"seed {seed} at {size[0]}x{size[1]}: {len(outcome.steps)} steps clean "
              f"({clean} in {walks} walks)", flush=True)
        if args.seed is not None or time.monotonic() >= deadline:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
