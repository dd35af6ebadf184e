"""Guarded transitions: a change repeated, or made from the wrong state, is
refused with invalid_state and tells no one again; a repeated check-in
changes nothing."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlmodel import func, select

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, registrations, series
from schedtui.store.models import AuditEntry
from tests.conftest import NOW
from tests.service.invariants import notice_counts, problems


def _pending(store):
    hub = hubs.create_hub(store, "T", "UTC")
    made = series.create_series(store, hub_id=hub.id, name="T", start=date(2030, 1, 7),
                                rrule="FREQ=WEEKLY;COUNT=2", duration_minutes=60,
                                times=[(time(9), None)], capacity=2, require_approval=True)
    return registrations.register(store, made.id, email="t@example.org", name="T")


def _refused(call, *args):
    with pytest.raises(DeskError) as err:
        call(*args)
    assert err.value.code == "invalid_state"


@pytest.mark.parametrize(("first", "then"), [
    ("cancel", "cancel"), ("cancel", "approve"), ("cancel", "decline"),
    ("approve", "approve"), ("approve", "decline"),
    ("decline", "decline"), ("decline", "approve"), ("decline", "cancel")])
def test_a_transition_from_the_wrong_state_is_refused_once(store, first, then):
    calls = {"cancel": registrations.cancel_registration, "approve": registrations.approve,
             "decline": registrations.decline}
    kinds = {"cancel": "cancelled", "approve": "approved", "decline": "declined"}
    reg = _pending(store)
    calls[first](store, reg.id)
    before = notice_counts(store, reg.id)
    _refused(calls[then], store, reg.id)
    assert notice_counts(store, reg.id) == before
    assert before[kinds[first]] == 1
    assert problems(store, NOW) == []


def test_a_repeated_check_in_changes_nothing(store):
    reg = _pending(store)
    registrations.approve(store, reg.id)
    occ = reg.occurrences[0].id
    registrations.check_in(store, reg.id, occ)
    with store.read() as session:
        logged = session.exec(select(func.count()).select_from(AuditEntry)).one()
    again = registrations.check_in(store, reg.id, occ)
    assert again.occurrences[0].attended
    with store.read() as session:
        assert session.exec(select(func.count()).select_from(AuditEntry)).one() == logged
    registrations.cancel_registration(store, reg.id)
    _refused(registrations.check_in, store, reg.id, occ)


def test_a_dry_run_cancel_says_who_would_get_the_seat_and_keeps_nothing(store):
    from datetime import date, time

    from schedtui.services import hubs, registrations, series
    from tests.conftest import snapshot

    hub = hubs.create_hub(store, "Studio", "Europe/Berlin")
    drop_in = series.create_series(
        store, hub_id=hub.id, name="Drop-in", start=date(2025, 3, 4),
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=2", times=[(time(9, 30), None)],
        duration_minutes=60, capacity=1, registration_option="single_session")
    occ = registrations.series_stats(store, drop_in.id).occurrences[0].id
    ann = registrations.register(store, drop_in.id, email="ann@example.org", name="Ann",
                                 occurrence_ids=[occ])
    registrations.register(store, drop_in.id, email="bo@example.org", name="Bo",
                           occurrence_ids=[occ])
    before = snapshot(store)
    preview = registrations.cancel_registration(store, ann.id, dry_run=True)
    assert preview.status == "cancelled" and preview.promoted == ["Bo"]
    assert snapshot(store) == before
    done = registrations.cancel_registration(store, ann.id)
    assert done.promoted == ["Bo"] and snapshot(store) != before
