"""Forced interleavings on PostgreSQL.

A second connection holds ``SELECT ... FOR UPDATE`` on some rows (or a table
lock); command A starts and the test waits until PostgreSQL shows it waiting
for a lock, then command B starts and the test waits for it too; then the
holder lets go. Each command runs in a thread on a store of its own, whose
connections carry an application name, so ``pg_stat_activity`` tells exactly
which command waits. Under READ COMMITTED this is the interleaving in which a
command that read its rows before taking its locks decides from stale rows.
"""

from __future__ import annotations

import threading
import time as clock
import uuid
from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, occurrences, registrations, series
from schedtui.store import open_store
from tests.conftest import NOW
from tests.service.invariants import notice_counts, problems

pytestmark = pytest.mark.postgres

WAIT = 15.0


class Race:
    """Stores for the commands, the lock holder, and the stepping."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.tag = f"race{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(url)
        self.stores: list[Any] = []

    def store(self, name: str):
        opened = open_store(f"{self.url}&application_name={self.tag}{name}", clock=lambda: NOW)
        self.stores.append(opened)
        return opened

    def waiting(self, name: str) -> bool:
        with self.admin.connect() as conn:
            return bool(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :n "
                "AND wait_event_type = 'Lock'"), {"n": f"{self.tag}{name}"}).scalar())

    def run(self, hold: list[str], commands: list[tuple[str, Callable[[Any], Any]]]
            ) -> dict[str, Any]:
        """Hold the rows ``hold`` selects (or the locks it takes), start each
        command in turn once the one before waits for a lock (or has finished),
        then release. Returns each command's result
        (its return value, or the DeskError it raised)."""
        stores = {name: self.store(name) for name, _ in commands}
        results: dict[str, Any] = {}
        threads = []
        holder = self.admin.connect()
        tx = holder.begin()
        try:
            for statement in hold:
                holder.execute(text(statement))
            for name, command in commands:
                def body(name=name, command=command):
                    try:
                        results[name] = command(stores[name])
                    except DeskError as exc:
                        results[name] = exc
                    except Exception as exc:  # noqa: BLE001 - the test reports it
                        results[name] = exc
                thread = threading.Thread(target=body, daemon=True)
                thread.start()
                threads.append(thread)
                deadline = clock.monotonic() + WAIT
                # Until it waits for a lock (or, refused, has finished).
                while thread.is_alive() and not self.waiting(name):
                    assert clock.monotonic() < deadline, f"{name} never waited for a lock"
                    clock.sleep(0.02)
        finally:
            tx.rollback()
            holder.close()
        for thread in threads:
            thread.join(60)
            assert not thread.is_alive(), "a command never finished"
        return results

    def close(self) -> None:
        for opened in self.stores:
            opened.dispose()
        self.admin.dispose()


@pytest.fixture
def race(pg_url):
    made = Race(pg_url)
    yield made
    made.close()


@pytest.fixture
def desk(pg_url):
    opened = open_store(pg_url, clock=lambda: NOW)
    yield opened
    opened.dispose()


def _series(store, option="single_session", *, approval=False, capacity=2,
            rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=3", **settings):
    hub = hubs.create_hub(store, "Races", "UTC")
    made = series.create_series(store, hub_id=hub.id, name="Races", start=date(2030, 1, 7),
                                rrule=rrule, duration_minutes=60, times=[(time(9), None)],
                                capacity=capacity, registration_option=option,
                                require_approval=approval, **settings)
    return made.id, [o.id for o in occurrences.list_occurrences(store, made.id)]


def _lock_occurrences(series_id: int) -> list[str]:
    return [f"SELECT id FROM occurrence WHERE series_id = {series_id} ORDER BY id FOR UPDATE"]


def _code(result: Any) -> str:
    if isinstance(result, DeskError):
        return result.code
    assert not isinstance(result, Exception), f"crashed: {result!r}"
    return "ok"


def _clean(store) -> None:
    found = problems(store, NOW)
    assert not found, "\n".join(found)


# -- one registration, two state changes at once ------------------------------------


def test_cancel_racing_approve(race, desk):
    sid, occs = _series(desk, "all_sessions", approval=True)
    reg = registrations.register(desk, sid, email="five@example.org", name="Five")
    results = race.run(_lock_occurrences(sid), [
        ("cancel", lambda s: registrations.cancel_registration(s, reg.id)),
        ("approve", lambda s: registrations.approve(s, reg.id))])
    codes = {k: _code(v) for k, v in results.items()}
    assert sorted(codes.values()) == ["invalid_state", "ok"], codes
    final = registrations.get_registration(desk, reg.id)
    winner = "cancelled" if codes["cancel"] == "ok" else "confirmed"
    assert final.status == winner
    told = notice_counts(desk, reg.id)
    assert told["cancelled"] + told["approved"] == 1, told
    _clean(desk)


def test_approve_racing_decline(race, desk):
    sid, occs = _series(desk, "all_sessions", approval=True)
    reg = registrations.register(desk, sid, email="five@example.org", name="Five")
    results = race.run(_lock_occurrences(sid), [
        ("approve", lambda s: registrations.approve(s, reg.id)),
        ("decline", lambda s: registrations.decline(s, reg.id))])
    codes = {k: _code(v) for k, v in results.items()}
    assert sorted(codes.values()) == ["invalid_state", "ok"], codes
    final = registrations.get_registration(desk, reg.id)
    assert final.status == ("confirmed" if codes["approve"] == "ok" else "declined")
    told = notice_counts(desk, reg.id)
    assert told["approved"] + told["declined"] == 1, told
    _clean(desk)


def test_approve_twice_at_once(race, desk):
    sid, (occ, *_) = _series(desk, "single_session", approval=True, capacity=1)
    reg = registrations.register(desk, sid, email="five@example.org", name="Five",
                                 occurrence_ids=[occ])
    results = race.run(_lock_occurrences(sid), [
        ("first", lambda s: registrations.approve(s, reg.id)),
        ("second", lambda s: registrations.approve(s, reg.id))])
    assert sorted(_code(v) for v in results.values()) == ["invalid_state", "ok"], results
    assert notice_counts(desk, reg.id)["approved"] == 1
    shown = occurrences.get_occurrence(desk, occ)
    assert (shown.capacity, shown.booked, shown.waitlisted) == (1, 1, 0)
    _clean(desk)


def test_cancel_twice_at_once(race, desk):
    sid, occs = _series(desk, "all_sessions", capacity=1)
    reg = registrations.register(desk, sid, email="five@example.org", name="Five")
    later = registrations.register(desk, sid, email="six@example.org", name="Six")
    results = race.run(_lock_occurrences(sid), [
        ("first", lambda s: registrations.cancel_registration(s, reg.id)),
        ("second", lambda s: registrations.cancel_registration(s, reg.id))])
    assert sorted(_code(v) for v in results.values()) == ["invalid_state", "ok"], results
    assert notice_counts(desk, reg.id)["cancelled"] == 1
    assert notice_counts(desk, later.id)["promoted"] == len(occs)
    _clean(desk)


@pytest.mark.parametrize("first", ["cancel", "switch"])
def test_cancel_racing_switch_leaves_no_ghost_seat(race, desk, first):
    sid, (one, two, _) = _series(desk, "single_session", capacity=1)
    reg = registrations.register(desk, sid, email="two@example.org", name="Two",
                                 occurrence_ids=[one])
    commands = {"cancel": lambda s: registrations.cancel_registration(s, reg.id),
                "switch": lambda s: registrations.switch(s, reg.id, one, two)}
    order = [first, "switch" if first == "cancel" else "cancel"]
    results = race.run(_lock_occurrences(sid), [(n, commands[n]) for n in order])
    codes = {k: _code(v) for k, v in results.items()}
    assert codes["cancel"] == "ok"
    assert codes["switch"] == ("invalid_state" if first == "cancel" else "ok"), codes
    assert registrations.get_registration(desk, reg.id).status == "cancelled"
    for occ in (one, two):
        shown = occurrences.get_occurrence(desk, occ)
        assert (shown.booked, shown.waitlisted) == (0, 0), shown
    # The freed seat is free: someone else gets it.
    other = registrations.register(desk, sid, email="next@example.org", name="Next",
                                   occurrence_ids=[two])
    assert other.status == "confirmed"
    _clean(desk)


def test_check_in_racing_cancel(race, desk):
    sid, (one, *_) = _series(desk, "single_session", capacity=1)
    reg = registrations.register(desk, sid, email="two@example.org", name="Two",
                                 occurrence_ids=[one])
    results = race.run(_lock_occurrences(sid), [
        ("cancel", lambda s: registrations.cancel_registration(s, reg.id)),
        ("checkin", lambda s: registrations.check_in(s, reg.id, one))])
    codes = {k: _code(v) for k, v in results.items()}
    assert codes == {"cancel": "ok", "checkin": "invalid_state"}, codes
    view = registrations.get_registration(desk, reg.id)
    assert [(s.status, s.attended) for s in view.occurrences] == [("cancelled", False)]


# -- a series edit and a new registration -----------------------------------------


def test_series_edit_racing_an_all_sessions_registration(race, desk):
    sid, occs = _series(desk, "all_sessions", capacity=10,
                        rrule="FREQ=WEEKLY;BYDAY=MO,FR;COUNT=6")
    registrations.register(desk, sid, email="early@example.org", name="Early")
    results = race.run(_lock_occurrences(sid), [
        ("edit", lambda s: series.edit_series(s, sid, rrule="FREQ=WEEKLY;BYDAY=WE;COUNT=5",
                                              confirm=True)),
        ("add", lambda s: registrations.register(s, sid, email="new@example.org",
                                                 name="New"))])
    assert {k: _code(v) for k, v in results.items()} == {"edit": "ok", "add": "ok"}
    planned = [o.id for o in occurrences.list_occurrences(desk, sid) if o.status == "scheduled"]
    assert len(planned) == 5
    added = registrations.get_registration(desk, results["add"].id)
    assert sorted(s.id for s in added.occurrences if s.status != "cancelled") == planned
    _clean(desk)


# -- idempotency keys under concurrent retries ----------------------------------------

COPIES = 8


def _all_the_same(results: dict[str, Any]) -> Any:
    codes = {k: _code(v) for k, v in results.items()}
    assert set(codes.values()) == {"ok"}, codes
    views = [v.to_json() if hasattr(v, "to_json") else v for v in results.values()]
    assert all(v == views[0] for v in views), views
    return next(iter(results.values()))


def test_hub_add_with_one_key_eight_times_at_once(race, desk):
    results = race.run(["LOCK TABLE hub IN SHARE MODE"], [
        (f"copy{i}", lambda s: hubs.create_hub(s, "H", idempotency_key="hk1"))
        for i in range(COPIES)])
    made = _all_the_same(results)
    assert [h.id for h in hubs.list_hubs(desk)] == [made.id]


def test_series_add_with_one_key_eight_times_at_once(race, desk):
    hub = hubs.create_hub(desk, "Races", "UTC")

    def add(store):
        return series.create_series(store, hub_id=hub.id, name="Once", start=date(2030, 1, 7),
                                    rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=3", duration_minutes=60,
                                    times=[(time(9), None)], idempotency_key="sk1")

    results = race.run(["LOCK TABLE series IN SHARE MODE"],
                       [(f"copy{i}", add) for i in range(COPIES)])
    made = _all_the_same(results)
    assert [s.id for s in series.list_series(desk)] == [made.id]


def test_reg_add_with_one_key_eight_times_at_once(race, desk):
    sid, occs = _series(desk, "all_sessions", capacity=5)

    def add(store):
        return registrations.register(store, sid, email="k@example.org", name="K",
                                      idempotency_key="k1")

    results = race.run(_lock_occurrences(sid), [(f"copy{i}", add) for i in range(COPIES)])
    made = _all_the_same(results)
    assert [r.id for r in registrations.list_registrations(desk, series_id=sid)] == [made.id]
    assert sum(notice_counts(desk, made.id).values()) == 1
    _clean(desk)


def test_series_split_racing_an_all_sessions_registration(race, desk):
    sid, occs = _series(desk, "all_sessions", capacity=10,
                        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6")
    registrations.register(desk, sid, email="early@example.org", name="Early")
    results = race.run(_lock_occurrences(sid), [
        ("split", lambda s: series.split_series(s, sid, occs[3], capacity=20)),
        ("add", lambda s: registrations.register(s, sid, email="new@example.org",
                                                 name="New"))])
    assert {k: _code(v) for k, v in results.items()} == {"split": "ok", "add": "ok"}
    _, later = results["split"]
    added = registrations.get_registration(desk, results["add"].id)
    # The split came first: the new registration is in the earlier part only.
    assert added.series_id == sid and [s.id for s in added.occurrences] == occs[:3]
    assert len(registrations.list_registrations(desk, series_id=later.id)) == 1  # Early's twin
    _clean(desk)


def test_switch_racing_a_cancelled_occurrence(race, desk):
    sid, (one, two, _) = _series(desk, "single_session", capacity=2)
    reg = registrations.register(desk, sid, email="two@example.org", name="Two",
                                 occurrence_ids=[one])
    results = race.run(_lock_occurrences(sid), [
        ("cancel_occ", lambda s: occurrences.cancel_occurrence(s, one)),
        ("switch", lambda s: registrations.switch(s, reg.id, one, two))])
    codes = {k: _code(v) for k, v in results.items()}
    assert codes == {"cancel_occ": "ok", "switch": "not_found"}, codes
    view = registrations.get_registration(desk, reg.id)
    assert [(s.id, s.status) for s in view.occurrences] == [(one, "cancelled")]
    _clean(desk)


# -- the same through the command line, in processes of their own --------------------


def _cli(race: Race, hold: list[str], commands: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """As :meth:`Race.run`, each command a ``schedtui ... --json`` process.
    Returns each one's exit status and parsed output."""
    import json
    import os
    import subprocess
    import sys

    env = os.environ | {"SCHEDTUI_NOW": NOW.isoformat()}
    procs = {}
    holder = race.admin.connect()
    tx = holder.begin()
    try:
        for statement in hold:
            holder.execute(text(statement))
        for name, argv in commands:
            db = f"{race.url}&application_name={race.tag}{name}"
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "schedtui", "--db", db, *argv, "--json"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            deadline = clock.monotonic() + WAIT * 2  # a process starts slower than a thread
            while procs[name].poll() is None and not race.waiting(name):
                assert clock.monotonic() < deadline, f"{name} never waited for a lock"
                clock.sleep(0.02)
    finally:
        tx.rollback()
        holder.close()
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, err
        results[name] = (proc.returncode, json.loads(out) if out.strip() else None)
    return results


def test_cli_reg_cancel_racing_reg_approve(race, desk):
    sid, occs = _series(desk, "all_sessions", approval=True)
    reg = registrations.register(desk, sid, email="five@example.org", name="Five")
    results = _cli(race, _lock_occurrences(sid), [
        ("cancel", ["reg", "cancel", str(reg.id)]),
        ("approve", ["reg", "approve", str(reg.id)])])
    assert results["cancel"][0] == 0
    status, body = results["approve"]
    assert status == 1 and body["error"]["code"] == "invalid_state", results
    assert registrations.get_registration(desk, reg.id).status == "cancelled"
    _clean(desk)


def test_cli_hub_add_with_one_key_eight_times_at_once(race, desk):
    results = _cli(race, ["LOCK TABLE hub IN SHARE MODE"], [
        (f"copy{i}", ["hub", "add", "H", "--idempotency-key", "hk1"]) for i in range(COPIES)])
    assert {status for status, _ in results.values()} == {0}, results
    bodies = [body for _, body in results.values()]
    assert all(body == bodies[0] for body in bodies)
    assert [h.id for h in hubs.list_hubs(desk)] == [bodies[0]["id"]]
