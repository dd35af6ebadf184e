"""Several processes (not threads) on one SQLite file: never oversold, nothing
lost, no error shown; and a process killed mid-way leaves whole registrations."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time as clock
from datetime import date, time

from sqlmodel import func, select

from schedtui.services import hubs, occurrences, registrations, series
from schedtui.store import open_store
from schedtui.store.models import Registration, SeatEntry

PROCESSES = 4
EACH = 25
CAPACITY = 10


def _register_many(path: str, worker: int, series_id: int, occ_id: int | None, queue) -> None:
    try:
        store = open_store(path)
        for i in range(EACH):
            registrations.register(store, series_id, email=f"w{worker}-{i}@example.org",
                                   name=f"W{worker} {i}",
                                   occurrence_ids=[occ_id] if occ_id else None)
        queue.put(("ok", worker))
    except Exception as exc:  # the test fails with it
        queue.put(("error", repr(exc)))


def _race(path, series_id, occ_id):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_register_many, args=(str(path), w, series_id, occ_id, queue))
             for w in range(PROCESSES)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(kind == "ok" for kind, _ in results), results


def _setup(store_url, option):
    store = open_store(store_url)
    hub = hubs.create_hub(store, "Race", "UTC")
    view = series.create_series(store, hub_id=hub.id, name="Race", start=date(2030, 1, 7),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=3", duration_minutes=30,
                                times=[(time(9), None)], capacity=CAPACITY,
                                registration_option=option)
    return store, view, [o.id for o in occurrences.list_occurrences(store, view.id)]


def _check_occurrence(store, occ_id):
    with store.read() as session:
        entries = session.exec(select(SeatEntry).where(SeatEntry.occurrence_id == occ_id)
                               .order_by(SeatEntry.id)).all()
    confirmed = [e for e in entries if e.status == "confirmed"]
    waiting = [e for e in entries if e.status == "waitlisted"]
    assert len(entries) == PROCESSES * EACH  # nothing lost
    assert sum(e.seats for e in confirmed) == CAPACITY  # exactly full, never over
    # Arrival order: the first ten to commit hold the seats, the rest wait in order.
    assert max(e.id for e in confirmed) < min(e.id for e in waiting)
    by_queue = sorted(waiting, key=lambda e: (e.queued_at, e.id))
    assert [e.id for e in by_queue] == [e.id for e in waiting]


def test_processes_racing_for_the_last_seats_of_one_occurrence(store_url):
    store, view, occs = _setup(store_url, "single_session")
    _race(store_url, view.id, occs[0])
    _check_occurrence(store, occs[0])
    shown = occurrences.get_occurrence(store, occs[0])
    assert (shown.booked, shown.waitlisted) == (CAPACITY, PROCESSES * EACH - CAPACITY)


def test_processes_racing_with_all_sessions_registrations(store_url):
    store, view, occs = _setup(store_url, "all_sessions")
    _race(store_url, view.id, None)
    for occ_id in occs:
        _check_occurrence(store, occ_id)
    regs = registrations.list_registrations(store, series_id=view.id)
    assert sum(r.status == "confirmed" for r in regs) == CAPACITY


BULK = """
import sys
from schedtui.services import registrations
from schedtui.store import open_store
store = open_store(sys.argv[1])
for i in range(100000):
    registrations.register(store, int(sys.argv[2]), email=f"bulk{i}@example.org", name="Bulk")
    if i == 5:
        print("started", flush=True)
"""


def test_a_killed_bulk_registration_leaves_whole_registrations(store_url):
    store, view, occs = _setup(store_url, "all_sessions")
    proc = subprocess.Popen([sys.executable, "-c", BULK, str(store_url), str(view.id)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    clock.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    store = open_store(store_url)
    with store.read() as session:
        regs = session.exec(select(func.count()).select_from(Registration)).one()
        per_reg = session.exec(select(SeatEntry.registration_id, func.count())
                               .group_by(SeatEntry.registration_id)).all()
    assert regs > 5
    assert len(per_reg) == regs and all(n == len(occs) for _, n in per_reg)
    for occ_id in occs:
        shown = occurrences.get_occurrence(store, occ_id)
        assert shown.booked == min(regs, CAPACITY) and shown.booked + shown.waitlisted == regs
    # The store still takes writes after the crash.
    registrations.register(store, view.id, email="after@example.org", name="After")
