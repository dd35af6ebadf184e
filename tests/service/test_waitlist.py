"""Waitlist order, the series' rule: strict first come first served (the
default), or first that fits (as pretix serves its waiting list)."""

from __future__ import annotations

from datetime import date, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, occurrences, outbox, registrations, series
from schedtui.services.registrations import register
from tests.conftest import NOW
from tests.service.invariants import problems


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Studio", "UTC")


def make(store, hub, capacity=4, option="single_session", **extra):
    view = series.create_series(store, hub_id=hub.id, name="Class", start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=3", duration_minutes=60,
                                times=[(time(18), None)], capacity=capacity,
                                registration_option=option, **extra)
    return view, [o.id for o in occurrences.list_occurrences(store, view.id)]


def person(n: int) -> dict:
    return {"email": f"p{n}@example.org", "name": f"Person {n}"}


def status(store, reg) -> str:
    return registrations.get_registration(store, reg.id).status


def test_strict_is_the_default(store, hub):
    view, _ = make(store, hub)
    assert view.waitlist == "strict"
    assert series.get_series(store, view.id).to_json()["waitlist"] == "strict"


def test_strict_a_later_smaller_request_never_jumps_an_earlier_one(store, hub):
    """The reported case: 3 of 4 seats taken, a 2-seat request waits; a later
    1-seat request waits behind it instead of taking the free seat."""
    view, (occ, *_) = make(store, hub)
    first = register(store, view.id, occurrence_ids=[occ], seats=3, **person(1))
    two = register(store, view.id, occurrence_ids=[occ], seats=2, **person(2))
    one = register(store, view.id, occurrence_ids=[occ], seats=1, **person(3))
    assert [first.status, two.status, one.status] == ["confirmed", "waitlisted", "waitlisted"]
    # A freed seat serves the line in order: the 2-seat request first.
    registrations.cancel_registration(store, first.id)
    assert (status(store, two), status(store, one)) == ("confirmed", "confirmed")
    assert problems(store, NOW) == []


def test_strict_the_line_moves_in_order_as_seats_free(store, hub):
    view, (occ, *_) = make(store, hub, capacity=3)
    a = register(store, view.id, occurrence_ids=[occ], seats=2, **person(1))
    b = register(store, view.id, occurrence_ids=[occ], seats=1, **person(2))
    c = register(store, view.id, occurrence_ids=[occ], seats=3, **person(3))
    d = register(store, view.id, occurrence_ids=[occ], seats=1, **person(4))
    assert [r.status for r in (a, b, c, d)] == ["confirmed", "confirmed", "waitlisted",
                                                "waitlisted"]
    registrations.cancel_registration(store, b.id)  # 1 free: c needs 3, d waits behind it
    assert (status(store, c), status(store, d)) == ("waitlisted", "waitlisted")
    registrations.cancel_registration(store, a.id)  # 3 free: c, then nothing left for d
    assert (status(store, c), status(store, d)) == ("confirmed", "waitlisted")
    occurrences.set_occurrence(store, occ, capacity=4)
    assert status(store, d) == "confirmed"
    assert problems(store, NOW) == []


def test_strict_a_request_larger_than_the_capacity_holds_up_no_one(store, hub):
    view, (occ, *_) = make(store, hub, capacity=2, max_seats=5)
    big = register(store, view.id, occurrence_ids=[occ], seats=3, **person(1))
    small = register(store, view.id, occurrence_ids=[occ], seats=1, **person(2))
    assert (big.status, small.status) == ("waitlisted", "confirmed")
    assert problems(store, NOW) == []


def test_strict_an_approved_request_joins_the_end_of_the_line(store, hub):
    view, (occ, *_) = make(store, hub, require_approval=True)
    early = register(store, view.id, occurrence_ids=[occ], seats=3, **person(1))
    waiting = register(store, view.id, occurrence_ids=[occ], seats=2, **person(2))
    late = register(store, view.id, occurrence_ids=[occ], seats=1, **person(3))
    for reg in (early, waiting, late):
        registrations.approve(store, reg.id)
    assert [status(store, r) for r in (early, waiting, late)] == [
        "confirmed", "waitlisted", "waitlisted"]


def test_strict_a_switch_does_not_jump_the_line(store, hub):
    view, (one, two, _) = make(store, hub)
    register(store, view.id, occurrence_ids=[two], seats=3, **person(1))
    register(store, view.id, occurrence_ids=[two], seats=2, **person(2))  # waits in two
    mover = register(store, view.id, occurrence_ids=[one], seats=1, **person(3))
    with pytest.raises(DeskError) as err:
        registrations.switch(store, mover.id, one, two)
    assert err.value.code == "no_room" and "waiting" in err.value.message
    assert registrations.get_registration(store, mover.id).occurrences[0].id == one


def test_first_fit_serves_the_earliest_request_that_fits(store, hub):
    view, (occ, *_) = make(store, hub, waitlist="first_fit")
    first = register(store, view.id, occurrence_ids=[occ], seats=3, **person(1))
    two = register(store, view.id, occurrence_ids=[occ], seats=2, **person(2))
    one = register(store, view.id, occurrence_ids=[occ], seats=1, **person(3))
    assert [first.status, two.status, one.status] == ["confirmed", "waitlisted", "confirmed"]
    registrations.cancel_registration(store, one.id)  # 1 free: the 2-seat request still waits
    assert status(store, two) == "waitlisted"
    late = register(store, view.id, occurrence_ids=[occ], seats=1, **person(4))
    assert late.status == "confirmed"
    assert problems(store, NOW) == []


def test_changing_the_rule_to_first_fit_serves_who_fits_now(store, hub):
    view, (occ, *_) = make(store, hub)
    register(store, view.id, occurrence_ids=[occ], seats=3, **person(1))
    two = register(store, view.id, occurrence_ids=[occ], seats=2, **person(2))
    one = register(store, view.id, occurrence_ids=[occ], seats=1, **person(3))
    assert status(store, one) == "waitlisted"
    edited, _ = series.edit_series(store, view.id, waitlist="first_fit")
    assert edited.waitlist == "first_fit"
    assert (status(store, two), status(store, one)) == ("waitlisted", "confirmed")
    kinds = [(n.to_email, n.kind) for n in outbox.list_notices(store)]
    assert kinds.count(("p3@example.org", "promoted")) == 1
    assert problems(store, NOW) == []


def test_an_unknown_rule_is_refused(store, hub):
    with pytest.raises(DeskError) as err:
        make(store, hub, waitlist="lottery")
    assert err.value.code == "invalid_value" and "strict, first_fit" in err.value.message


def test_the_rule_is_set_and_shown_through_the_cli(cli):
    assert cli("hub", "add", "Studio")[0] == 0
    status_, made = cli("series", "add", "--hub", "1", "--name", "Class", "--start",
                        "2025-01-06T18:00", "--duration", "60", "--rrule",
                        "FREQ=WEEKLY;COUNT=3", "--capacity", "4", "--waitlist", "first_fit")
    assert status_ == 0 and made["waitlist"] == "first_fit"
    status_, edited = cli("series", "edit", "1", "--waitlist", "strict")
    assert status_ == 0 and edited["waitlist"] == "strict"
    assert cli("series", "show", "1")[1]["waitlist"] == "strict"
    assert cli("series", "edit", "1", "--waitlist", "lottery")[0] == 2  # a usage error


def test_a_schema_3_store_gets_the_waitlist_rule_strict(store_url, clock):
    """Schema 4 adds the column; every existing series is served strictly."""
    from sqlalchemy import text

    from schedtui.store import migrate, open_store

    opened = open_store(store_url, clock=clock)
    made = hubs.create_hub(opened, "Old", "UTC")
    view, (occ, *_) = make(opened, made, capacity=4)
    with opened.write() as session:
        conn = session.connection()
        conn.execute(text("ALTER TABLE series DROP COLUMN waitlist"))
        conn.execute(text("UPDATE schedtui_meta SET value = '3' WHERE key = 'schema_version'"))
    opened.dispose()
    reopened = open_store(store_url, clock=clock)
    try:
        with reopened.read() as session:
            version = session.connection().execute(text(
                "SELECT value FROM schedtui_meta WHERE key = 'schema_version'")).scalar()
        assert version == str(migrate.SCHEMA_VERSION)
        assert series.get_series(reopened, view.id).waitlist == "strict"
        register(reopened, view.id, occurrence_ids=[occ], seats=3, **person(1))
        assert register(reopened, view.id, occurrence_ids=[occ], seats=2,
                        **person(2)).status == "waitlisted"
        assert register(reopened, view.id, occurrence_ids=[occ], seats=1,
                        **person(3)).status == "waitlisted"
    finally:
        reopened.dispose()


def test_a_capacity_step_counts_from_the_capacity_as_it_is_when_saved(store, hub):
    """Two steps made from the same stale view (two quick presses of ``-``) take
    two seats off, on both stores; a step below the confirmed seats is refused
    naming the capacity it came to, and demoting moves the newest to the waitlist."""
    from concurrent.futures import ThreadPoolExecutor

    view, (occ, *_) = make(store, hub, capacity=6)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: occurrences.step_capacity(store, occ, -1), range(2)))
    assert occurrences.get_occurrence(store, occ).capacity == 4
    assert occurrences.step_capacity(store, occ, +3).capacity == 7
    for n in range(3):
        register(store, view.id, occurrence_ids=[occ], **person(n))
    occurrences.set_occurrence(store, occ, capacity=3)
    with pytest.raises(DeskError) as refused:
        occurrences.step_capacity(store, occ, -1)
    assert refused.value.code == "capacity_below_booked"
    assert refused.value.details["capacity"] == 2
    assert occurrences.get_occurrence(store, occ).capacity == 3  # nothing changed
    after = occurrences.step_capacity(store, occ, -1, demote=True)
    assert (after.capacity, after.booked, after.waitlisted) == (2, 2, 1)
    assert not problems(store, NOW)


def test_a_capacity_step_from_unlimited_or_to_zero_is_refused(store, hub):
    _, (occ, *_) = make(store, hub, capacity=1)
    with pytest.raises(DeskError, match="Capacity 0 is ambiguous"):
        occurrences.step_capacity(store, occ, -1)
    occurrences.set_occurrence(store, occ, capacity=None)
    with pytest.raises(DeskError, match="unlimited"):
        occurrences.step_capacity(store, occ, +1)
    assert occurrences.get_occurrence(store, occ).capacity is None
