"""What a change leaves behind: an undo puts back every field it recorded
(the hand-edit mark included), and the occurrence then follows the series
again."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from schedtui.domain.parse import parse_times
from schedtui.services import hubs, occurrences, series


def parse_spec(text):
    return parse_times(text)[0]


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Team", "America/New_York")


def weekly(store, hub, **extra):
    settings = dict(hub_id=hub.id, name="Standup", start=date(2025, 1, 6),
                    rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6", duration_minutes=15,
                    times=[(time(10), None)], capacity=10)
    settings.update(extra)
    return series.create_series(store, **settings)


def test_an_undone_move_follows_the_next_series_edit(store, hub):
    view = weekly(store, hub)
    occ = occurrences.list_occurrences(store, view.id)[2]
    occurrences.move_occurrence(store, occ.id, datetime(2025, 1, 21, 9, 0), 30)
    action, undone = occurrences.undo_last_edit(store, view.id)
    assert action == "move" and undone.edited == [] and not undone.moved
    assert (undone.start, undone.end) == (occ.start, occ.end)
    series.edit_series(store, view.id, times=[(time(11, 30), None)])
    after = occurrences.get_occurrence(store, occ.id)
    assert after.start == "2025-01-20T11:30:00-05:00" and after.edited == []


@pytest.mark.parametrize("edit", ["cancel", "set"])
def test_undo_puts_back_the_mark_of_other_edits(store, hub, edit):
    view = weekly(store, hub)
    occ = occurrences.list_occurrences(store, view.id)[3]
    if edit == "cancel":
        occurrences.cancel_occurrence(store, occ.id)
    else:
        occurrences.set_occurrence(store, occ.id, capacity=3, location="Room 2")
    occurrences.undo_last_edit(store, view.id)
    back = occurrences.get_occurrence(store, occ.id)
    assert back.edited == [] and back.status == "scheduled"
    assert (back.capacity, back.location) == (10, "")
    series.edit_series(store, view.id, capacity=20, location="Hall")
    follows = occurrences.get_occurrence(store, occ.id)
    assert (follows.capacity, follows.location) == (20, "Hall")


def test_undo_keeps_a_mark_made_before_the_undone_edit(store, hub):
    view = weekly(store, hub)
    occ = occurrences.list_occurrences(store, view.id)[3]
    occurrences.set_occurrence(store, occ.id, capacity=3)
    occurrences.move_occurrence(store, occ.id, datetime(2025, 1, 27, 9, 0))
    occurrences.undo_last_edit(store, view.id)
    assert occurrences.get_occurrence(store, occ.id).edited == ["capacity"]


# -- notices: every change to an occurrence someone holds a seat in tells them, once ------


def _people(store, view, occs):
    """Ada holds every session; Bo one, Cy one (waiting); Di cancelled hers."""
    from schedtui.services import registrations

    registrations.register(store, view.id, email="ada@example.org", name="Ada",
                           occurrence_ids=occs)
    registrations.register(store, view.id, email="bo@example.org", name="Bo",
                           occurrence_ids=[occs[0]])
    registrations.register(store, view.id, email="cy@example.org", name="Cy",
                           occurrence_ids=[occs[0]])
    di = registrations.register(store, view.id, email="di@example.org", name="Di",
                                occurrence_ids=[occs[1]])
    registrations.cancel_registration(store, di.id)


def _new_notices(store, seen):
    from schedtui.services import outbox

    found = [n for n in outbox.list_notices(store) if n.id not in seen]
    seen.update(n.id for n in found)
    return found


@pytest.fixture
def booked(store, hub, clock):
    view = weekly(store, hub, capacity=1, registration_option="multiple_sessions",
                  location="Room 1")
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    _people(store, view, occs[2:5])
    seen: set[int] = set()
    _new_notices(store, seen)
    return view, occs, seen


@pytest.mark.parametrize("change,words", [
    ({"times": [(time(11, 30), None)]}, "11:30"),
    ({"duration_minutes": 45}, "45 minutes"),
    ({"location": "Hall B"}, "Hall B"),
    ({"timezone": "Europe/Berlin"}, "Europe/Berlin"),
    ({"host": "Ilse"}, "Ilse"),
    ({"times": [parse_spec("10:00@Ilse")]}, "Ilse"),
])
def test_a_series_edit_tells_each_person_once(store, booked, change, words):
    view, occs, seen = booked
    series.edit_series(store, view.id, **change)
    told = _new_notices(store, seen)
    assert sorted(n.to_email for n in told) == ["ada@example.org", "bo@example.org",
                                                "cy@example.org"]
    ada = next(n for n in told if n.to_email == "ada@example.org")
    assert ada.body.count("  - ") == 3 and words in ada.body  # her three sessions in one
    bo = next(n for n in told if n.to_email == "bo@example.org")
    assert bo.occurrence_id == occs[2] and words in bo.body
    assert all(n.kind in ("moved", "changed") for n in told)


def test_an_edit_that_leaves_their_sessions_as_they_were_tells_nobody(store, booked):
    view, occs, seen = booked
    occurrences.set_occurrence(store, occs[2], location="Room 9")
    occurrences.move_occurrence(store, occs[3], datetime(2025, 1, 27, 9, 0))
    _new_notices(store, seen)
    series.edit_series(store, view.id, name="Daily standup", description="Notes")
    assert _new_notices(store, seen) == []
    series.edit_series(store, view.id, location="Hall B")
    told = _new_notices(store, seen)
    ada = next(n for n in told if n.to_email == "ada@example.org")
    assert ada.body.count("  - ") == 2  # not the session with a place of its own
    assert "Room 9" not in ada.body and {n.to_email for n in told} == {"ada@example.org"}


def test_splitting_with_a_new_time_tells_the_people_of_the_later_part(store, booked):
    view, occs, seen = booked
    series.split_series(store, view.id, occs[3], times=[(time(8, 0), None)])
    told = _new_notices(store, seen)
    assert [n.to_email for n in told] == ["ada@example.org"]
    assert told[0].body.count("  - ") == 2 and "08:00" in told[0].body


def test_a_new_place_or_host_for_one_occurrence_tells_its_people(store, booked):
    view, occs, seen = booked
    occurrences.set_occurrence(store, occs[2], location="Hall C", host="Ilse")
    told = _new_notices(store, seen)
    assert sorted(n.to_email for n in told) == ["ada@example.org", "bo@example.org",
                                                "cy@example.org"]
    assert all("Hall C" in n.body and "Ilse" in n.body for n in told)
    occurrences.set_occurrence(store, occs[2], capacity=5)  # seats have their own notices
    assert {n.kind for n in _new_notices(store, seen)} <= {"promoted"}


def test_sessions_a_series_edit_drops_are_told_in_one_notice_per_person(store, booked):
    view, occs, seen = booked
    series.edit_series(store, view.id, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2", confirm=True)
    told = _new_notices(store, seen)
    assert sorted(n.to_email for n in told) == ["ada@example.org", "bo@example.org",
                                                "cy@example.org"]
    ada = next(n for n in told if n.to_email == "ada@example.org")
    assert ada.kind == "occurrence_cancelled" and ada.body.count("  - ") == 3
    assert ada.subject == "Sessions cancelled: Standup"
    bo = next(n for n in told if n.to_email == "bo@example.org")
    assert bo.occurrence_id == occs[2] and bo.body.count("  - ") == 1
    left = [o for o in occurrences.list_occurrences(store, view.id) if o.id in occs[2:5]]
    assert all(o.status == "cancelled" and o.booked == 0 for o in left)


def test_a_long_series_is_told_in_one_notice_per_person(store, hub):
    """More sessions than one query may name at once (SQLite's parameter limit)."""
    from schedtui.services import registrations

    view = weekly(store, hub, rrule="FREQ=DAILY;COUNT=1000")
    for who in ("ada", "bo"):
        registrations.register(store, view.id, email=f"{who}@example.org", name=who)
    seen: set[int] = set()
    _new_notices(store, seen)
    series.edit_series(store, view.id, timezone="Europe/Berlin")
    told = _new_notices(store, seen)
    assert sorted(n.to_email for n in told) == ["ada@example.org", "bo@example.org"]
    assert all(n.body.count("  - ") == 1000 for n in told)
