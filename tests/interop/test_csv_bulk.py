"""The CSV import's fast path (a driver savepoint per row, the series' sessions
and its waitlist state held for the import) decides every row exactly as
registering the same people one command at a time does: the same statuses,
the same people, notices and audit entries; a refused row leaves nothing."""

from __future__ import annotations

import random
from datetime import date, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.interop.csvio import import_attendees
from schedtui.services import hubs, registrations, series
from schedtui.store import open_store
from tests.conftest import pg_schema


def _series(store, option: str, waitlist: str, capacity: int) -> int:
    hub = hubs.create_hub(store, "Studio", "Europe/Berlin")
    return series.create_series(store, hub_id=hub.id, name="Class", start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=3", duration_minutes=60,
                                times=[(time(18), None)], capacity=capacity, max_seats=3,
                                registration_option=option, waitlist=waitlist).id


def _people(seed: int, count: int) -> list[tuple[str, str, str, int]]:
    """(email, name, phone, seats): repeats (a duplicate, sometimes in other
    case or with a phone the first lacked), too many seats, big parties that
    wait and small ones after them."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        if rows and rng.random() < 0.15:
            email, name, _, _ = rng.choice(rows)
            email = email.upper() if rng.random() < 0.5 else email
            rows.append((email, name, f"+49 30 9018{i:02d}" if rng.random() < 0.5 else "",
                         rng.choice((1, 2))))
            continue
        rows.append((f"p{i}@example.org", f"Person {i}", "" if rng.random() < 0.7 else
                     f"+49 1512 34567{i:02d}", rng.choice((1, 1, 1, 2, 3, 4))))
    return rows


def _table(store) -> dict[str, list]:
    with store.read() as session:
        conn = session.connection().exec_driver_sql
        return {
            "people": sorted(conn("SELECT email_key, name, phone FROM attendee").all()),
            "seats": [tuple(r) for r in conn(
                "SELECT a.email_key, s.occurrence_id, s.seats, s.status FROM seat_entry s "
                "JOIN registration r ON r.id = s.registration_id JOIN attendee a "
                "ON a.id = r.attendee_id ORDER BY r.id, s.occurrence_id").all()],
            "notices": [tuple(r) for r in conn(
                "SELECT to_email, kind, subject, body FROM notice ORDER BY id").all()],
            "audit": [tuple(r) for r in conn("SELECT action, after FROM audit ORDER BY id").all()],
        }


@pytest.fixture
def two_stores(store_url, tmp_path, clock):
    """Two empty stores of the same kind: one for the import, one for the
    one-at-a-time registrations."""
    if "://" not in store_url:
        first, second = open_store(store_url, clock=clock), open_store(
            str(tmp_path / "other.db"), clock=clock)
        yield first, second
        first.dispose()
        second.dispose()
        return
    with pg_schema(store_url.split("?")[0]) as other:
        first, second = open_store(store_url, clock=clock), open_store(other, clock=clock)
        yield first, second
        first.dispose()
        second.dispose()


@pytest.mark.parametrize(("option", "waitlist", "capacity", "seed"), [
    ("all_sessions", "strict", 6, 1),
    ("all_sessions", "first_fit", 5, 2),
    ("single_session", "strict", 4, 3),
])
def test_import_decides_as_one_registration_at_a_time(two_stores, tmp_path, option, waitlist,
                                                      capacity, seed):
    imported, one_by_one = two_stores
    people = _people(seed, 40)
    ids = []
    for store in (imported, one_by_one):
        ids.append(_series(store, option, waitlist, capacity))
    chosen = None
    if option == "single_session":
        with imported.read() as session:
            chosen = [session.connection().exec_driver_sql(
                "SELECT min(id) FROM occurrence").scalar()]
    path = tmp_path / "people.csv"
    path.write_text("name,email,phone,seats\n" + "".join(
        f"{n},{e},{p},{s}\n" for e, n, p, s in people), encoding="utf-8")
    report = import_attendees(imported, path, ids[0], occurrence_ids=chosen)
    outcomes = []
    for email, name, phone, seats in people:
        try:
            view = registrations.register(one_by_one, ids[1], email=email, name=name,
                                          phone=phone, seats=seats, occurrence_ids=chosen)
            outcomes.append(view.status)
        except DeskError as exc:
            outcomes.append(f"refused:{exc.code}")
    got = [r.outcome if r.outcome != "refused" else f"refused:{r.reason.split(':')[0]}"
           for r in sorted(report.rows, key=lambda r: r.line)]
    assert got == outcomes
    assert {"confirmed", "waitlisted"} <= set(got)
    assert any(o.startswith("refused:duplicate_registration") for o in got)
    assert any(o.startswith("refused:too_many_seats") for o in got)
    assert _table(imported) == _table(one_by_one)


def test_a_party_that_could_be_served_keeps_its_place_after_one_that_cannot(store, tmp_path):
    """Capacity 2: a party of 3 waits and can never be served, so a single
    still gets a seat; then a pair waits (it could be served), and the next
    single must queue behind it under the strict rule."""
    series_id = _series(store, "all_sessions", "strict", 2)
    path = tmp_path / "people.csv"
    path.write_text("name,email,seats\nA,a@example.org,3\nB,b@example.org,1\n"
                    "C,c@example.org,2\nD,d@example.org,1\n", encoding="utf-8")
    report = import_attendees(store, path, series_id)
    assert [r.outcome for r in sorted(report.rows, key=lambda r: r.line)] == [
        "waitlisted", "confirmed", "waitlisted", "waitlisted"]
