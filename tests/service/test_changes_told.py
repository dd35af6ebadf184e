"""What a change leaves behind: an undo puts back every field it recorded
(the hand-edit mark included), and the occurrence then follows the series
again."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from schedtui.services import hubs, occurrences, series


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
