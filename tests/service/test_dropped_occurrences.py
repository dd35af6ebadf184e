"""A series edit that drops occurrences people are linked to: pending requests
count as holders, and history (cancelled seats, notices) keeps its occurrence."""

from __future__ import annotations

from datetime import date, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, occurrences, registrations, series
from tests.conftest import NOW
from tests.service.invariants import notice_counts, problems


def _make(store, **extra):
    hub = hubs.create_hub(store, "Drop", "UTC")
    view = series.create_series(store, hub_id=hub.id, name="Drop", start=date(2030, 1, 7),
                                rrule="FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4", duration_minutes=60,
                                times=[(time(9), None)], capacity=2,
                                registration_option="single_session", **extra)
    return view.id, [o.id for o in occurrences.list_occurrences(store, view.id)]


def test_a_pending_request_counts_as_a_holder(store):
    sid, occs = _make(store, require_approval=True)
    thursday = occs[1]
    reg = registrations.register(store, sid, email="p@example.org", name="P",
                                 occurrence_ids=[thursday])
    with pytest.raises(DeskError) as err:
        series.edit_series(store, sid, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2")
    assert err.value.code == "has_registrations" and err.value.details["occurrences"] == [
        thursday]
    _, report = series.edit_series(store, sid, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2",
                                   confirm=True)
    assert thursday in report.cancelled
    assert occurrences.get_occurrence(store, thursday).status == "cancelled"
    assert notice_counts(store, reg.id)["occurrence_cancelled"] == 1
    assert problems(store, NOW) == []


def test_an_occurrence_with_history_only_is_cancelled_not_deleted(store):
    sid, occs = _make(store)
    thursday = occs[1]
    reg = registrations.register(store, sid, email="p@example.org", name="P",
                                 occurrence_ids=[thursday])
    registrations.cancel_registration(store, reg.id)
    _, report = series.edit_series(store, sid, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2")
    kept = occurrences.get_occurrence(store, thursday)
    assert kept.status == "cancelled" and "dropped" in kept.edited
    assert thursday in report.cancelled
    view = registrations.get_registration(store, reg.id)
    assert [(s.id, s.status) for s in view.occurrences] == [(thursday, "cancelled")]
    # An occurrence nobody ever touched is simply removed.
    assert occs[3] not in [o.id for o in occurrences.list_occurrences(store, sid)]
