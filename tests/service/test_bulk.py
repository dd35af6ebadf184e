"""Bulk edits: several occurrences change together or not at all, only the
fields given change, each person is told once, and undo takes the whole edit
back as one step."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import blackouts, bulk, hubs, occurrences, outbox, registrations, series
from tests.conftest import snapshot


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Team", "America/New_York")


def weekly(store, hub, **extra):
    settings = dict(hub_id=hub.id, name="Standup", start=date(2025, 1, 6),
                    rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=8", duration_minutes=15,
                    times=[(time(10), None)], capacity=10, location="Room 1",
                    registration_option="multiple_sessions")
    settings.update(extra)
    return series.create_series(store, **settings)


def ids_of(store, view):
    return [o.id for o in occurrences.list_occurrences(store, view.id)]


def told(store, seen):
    found = [n for n in outbox.list_notices(store) if n.id not in seen]
    seen.update(n.id for n in found)
    return found


@pytest.fixture
def booked(store, hub):
    """Ada holds sessions 2-4, Bo session 2 only; Cy holds nothing here."""
    view = weekly(store, hub)
    occs = ids_of(store, view)
    registrations.register(store, view.id, email="ada@example.org", name="Ada",
                           occurrence_ids=occs[2:5])
    registrations.register(store, view.id, email="bo@example.org", name="Bo",
                           occurrence_ids=[occs[2]])
    seen: set[int] = set()
    told(store, seen)
    return view, occs, seen


def test_set_changes_only_the_fields_given_and_tells_each_person_once(store, booked):
    view, occs, seen = booked
    occurrences.set_occurrence(store, occs[3], capacity=4, host="Kim")
    told(store, seen)
    result = bulk.set_occurrences(store, occs[2:5], location="Room 4")
    assert [o.id for o in result.occurrences] == occs[2:5] and result.people == 2
    after = {o.id: o for o in occurrences.list_occurrences(store, view.id)}
    assert all(after[i].location == "Room 4" for i in occs[2:5])
    assert (after[occs[3]].capacity, after[occs[3]].host) == (4, "Kim")  # left as they were
    assert (after[occs[2]].capacity, after[occs[2]].host) == (10, "")
    assert after[occs[2]].edited == ["location"]
    assert after[occs[5]].location == "Room 1"
    notes = told(store, seen)
    assert sorted(n.to_email for n in notes) == ["ada@example.org", "bo@example.org"]
    ada = next(n for n in notes if n.to_email == "ada@example.org")
    assert ada.body.count("  - ") == 3 and "Room 4" in ada.body


def test_a_refused_occurrence_changes_nothing_and_is_named(store, booked, clock):
    view, occs, _ = booked
    registrations.register(store, view.id, email="cy@example.org", name="Cy",
                           occurrence_ids=[occs[2]])
    before = snapshot(store)
    with pytest.raises(DeskError) as refused:
        bulk.set_occurrences(store, occs[1:4], capacity=2, location="Room 4")
    error = refused.value
    assert error.code == "capacity_below_booked"
    assert f"occurrence {occs[2]} (Standup, Mon 20 Jan 2025 10:00 America/New_York)" in \
        error.message and "3 confirmed seats" in error.message
    assert error.details["refused"] == [{"id": occs[2], "code": "capacity_below_booked",
                                         "reason": error.details["refused"][0]["reason"]}]
    assert snapshot(store) == before
    result = bulk.set_occurrences(store, occs[1:4], capacity=2, demote=True)
    assert [o.capacity for o in result.occurrences] == [2, 2, 2]
    assert [o.booked for o in result.occurrences] == [0, 2, 1]


@pytest.mark.parametrize("action", ["cancel", "set", "move"])
def test_a_started_occurrence_refuses_the_whole_edit(store, booked, clock, action):
    view, occs, _ = booked
    clock.now = datetime(2025, 1, 13, 15, 5, tzinfo=clock.now.tzinfo)  # occs[1] under way
    before = snapshot(store)
    with pytest.raises(DeskError) as refused:
        if action == "cancel":
            bulk.cancel_occurrences(store, occs[1:4])
        elif action == "set":
            bulk.set_occurrences(store, occs[1:4], host="Kim")
        else:
            bulk.move_occurrences(store, occs[1:4], 30)
    assert refused.value.code == "occurrence_started"
    assert f"occurrence {occs[1]} (Standup, Mon 13 Jan 2025 10:00" in refused.value.message
    assert snapshot(store) == before


def test_every_refusal_is_listed_and_a_missing_id_is_named(store, booked):
    view, occs, _ = booked
    bulk.cancel_occurrences(store, [occs[3], occs[5]])
    before = snapshot(store)
    with pytest.raises(DeskError) as refused:
        bulk.cancel_occurrences(store, occs[2:7])
    assert refused.value.code == "invalid_state"
    assert "2 of 5 occurrences refused" in refused.value.message
    assert [r["id"] for r in refused.value.details["refused"]] == [occs[3], occs[5]]
    with pytest.raises(DeskError) as missing:
        bulk.cancel_occurrences(store, [occs[2], 9999])
    assert missing.value.code == "not_found" and "9999" in missing.value.message
    with pytest.raises(DeskError):
        bulk.restore_occurrences(store, [occs[3], occs[4]])  # occs[4] is not cancelled
    assert snapshot(store) == before


def test_cancel_restore_and_undo_as_one_step(store, booked):
    view, occs, seen = booked
    occurrences.set_occurrence(store, occs[6], host="Kim")  # an earlier single edit
    result = bulk.cancel_occurrences(store, occs[2:5])
    assert result.people == 2 and {o.status for o in result.occurrences} == {"cancelled"}
    notes = told(store, seen)
    ada = [n for n in notes if n.to_email == "ada@example.org"]
    assert len(ada) == 1 and ada[0].subject == "Sessions cancelled: Standup"
    assert ada[0].body.count("  - ") == 3
    assert all(o.booked == 0 for o in occurrences.list_occurrences(store, view.id))
    action, views = occurrences.undo_last(store, view.id)
    assert action == "cancel" and [v.id for v in views] == occs[2:5]
    after = {o.id: o for o in occurrences.list_occurrences(store, view.id)}
    assert [after[i].status for i in occs[2:5]] == ["scheduled"] * 3
    assert [after[i].booked for i in occs[2:5]] == [2, 1, 1]
    assert all(after[i].edited == [] for i in occs[2:5])
    back = told(store, seen)
    assert len([n for n in back if n.to_email == "ada@example.org"]) == 1
    # The next undo walks further back: the single edit before it.
    action, views = occurrences.undo_last(store, view.id)
    assert action == "set" and [v.id for v in views] == [occs[6]]
    # A bulk restore is a bulk edit too.
    bulk.cancel_occurrences(store, occs[2:4])
    bulk.restore_occurrences(store, occs[2:4])
    assert occurrences.undo_last_edit(store, view.id)[0] == "restore"
    assert [occurrences.get_occurrence(store, i).status for i in occs[2:4]] == \
        ["cancelled"] * 2


def test_move_by_minutes_keeps_the_local_clock_across_a_dst_change(store, hub):
    view = weekly(store, hub, start=date(2025, 3, 3))  # 2025-03-09: the clocks go forward
    occs = ids_of(store, view)
    result = bulk.move_occurrences(store, occs[:3], 30)
    assert [o.start for o in result.occurrences] == [
        "2025-03-03T10:30:00-05:00", "2025-03-10T10:30:00-04:00", "2025-03-17T10:30:00-04:00"]
    assert [o.end[11:16] for o in result.occurrences] == ["10:45"] * 3
    result = bulk.move_occurrences(store, occs[:3], -90)
    assert [o.start[11:16] for o in result.occurrences] == ["09:00"] * 3


def test_move_within_the_batch_is_no_clash_but_onto_another_session_is(store, hub):
    view = weekly(store, hub)
    occs = ids_of(store, view)
    week = 7 * 24 * 60
    before = snapshot(store)
    with pytest.raises(DeskError) as refused:
        bulk.move_occurrences(store, occs[2:4], week)  # occs[3] onto occs[4]
    assert refused.value.code == "occurrence_clash"
    assert [r["id"] for r in refused.value.details["refused"]] == [occs[3]]
    assert snapshot(store) == before
    with pytest.raises(DeskError) as refused:
        bulk.move_occurrences(store, occs[5:8], -week)  # occs[5] onto occs[4]
    assert [r["id"] for r in refused.value.details["refused"]] == [occs[5]]
    assert snapshot(store) == before


def test_move_a_run_onto_itself_and_undo(store, booked):
    view, occs, seen = booked
    week = 7 * 24 * 60
    result = bulk.move_occurrences(store, occs[5:8], week)  # the last three, a week later
    assert [o.start[:10] for o in result.occurrences] == ["2025-02-17", "2025-02-24",
                                                          "2025-03-03"]
    result = bulk.move_occurrences(store, occs[2:5], 60)
    assert result.people == 2
    notes = told(store, seen)
    ada = next(n for n in notes if n.to_email == "ada@example.org")
    assert ada.body.count("  - ") == 3 and "11:00" in ada.subject + ada.body
    assert len([n for n in notes if n.to_email == "ada@example.org"]) == 1
    action, views = occurrences.undo_last(store, view.id)
    assert action == "move" and [v.start[11:16] for v in views] == ["10:00"] * 3
    assert all(not v.moved and v.edited == [] for v in views)
    action, views = occurrences.undo_last(store, view.id)
    assert [v.start[:10] for v in views] == ["2025-02-10", "2025-02-17", "2025-02-24"]


def test_a_bulk_edit_across_series_is_undone_from_either(store, hub):
    one, two = weekly(store, hub), weekly(store, hub, name="Retro", times=[(time(15), None)])
    picked = ids_of(store, one)[1:3] + ids_of(store, two)[1:3]
    result = bulk.set_occurrences(store, picked, capacity=3, host="Kim")
    assert [o.host for o in result.occurrences] == ["Kim"] * 4
    occurrences.undo_last(store, two.id)
    assert all((o.capacity, o.host) == (10, "") for o in
               [occurrences.get_occurrence(store, i) for i in picked])
    with pytest.raises(DeskError) as nothing:
        occurrences.undo_last(store, one.id)
    assert nothing.value.code == "nothing_to_undo"


def test_undo_of_a_bulk_edit_refuses_when_an_occurrence_changed_after(store, hub):
    one, two = weekly(store, hub), weekly(store, hub, name="Retro")
    a, b = ids_of(store, one)[2], ids_of(store, two)[2]
    bulk.set_occurrences(store, [a, b], location="Hall")
    occurrences.set_occurrence(store, b, location="Attic")
    before = snapshot(store)
    with pytest.raises(DeskError) as blocked:
        occurrences.undo_last(store, one.id)
    assert blocked.value.code == "invalid_state" and str(b) in blocked.value.message
    assert snapshot(store) == before


def test_impact_counts_occurrences_and_people(store, booked):
    view, occs, _ = booked
    assert bulk.impact(store, occs[2:5]).to_json() == {"occurrences": 3, "people": 2}
    assert bulk.impact(store, occs[3:5] + occs[3:4]).to_json() == {"occurrences": 2,
                                                                   "people": 1}
    with pytest.raises(DeskError):
        bulk.impact(store, [occs[0], 9999])


def test_bad_input_is_refused_before_anything(store, booked):
    view, occs, _ = booked
    for call in (lambda: bulk.cancel_occurrences(store, []),
                 lambda: bulk.cancel_occurrences(store, [occs[0], "x"]),
                 lambda: bulk.move_occurrences(store, occs[:2], 0),
                 lambda: bulk.move_occurrences(store, occs[:2], 10 ** 9),
                 lambda: bulk.set_occurrences(store, occs[:2])):
        with pytest.raises(DeskError) as refused:
            call()
        assert refused.value.code == "invalid_value"


def test_a_schema_4_store_gets_the_audit_batch(store_url, clock):
    """Schema 5 adds the audit batch (older entries have none and undo as
    before), blackouts, the series' blackout policy (skip) and the occurrence's
    blackout marks."""
    from sqlalchemy import text

    from schedtui.store import migrate, open_store

    opened = open_store(store_url, clock=clock)
    view = weekly(opened, hubs.create_hub(opened, "Old", "UTC"))
    occs = ids_of(opened, view)
    occurrences.cancel_occurrence(opened, occs[1])
    with opened.write() as session:
        conn = session.connection()
        conn.execute(text("ALTER TABLE audit DROP COLUMN batch"))
        conn.execute(text("ALTER TABLE series DROP COLUMN on_blackout"))
        conn.execute(text("ALTER TABLE occurrence DROP COLUMN blackout_start"))
        if conn.dialect.name == "postgresql":  # (SQLite cannot drop a foreign key column;
            # its path from schema 1 is tested with the stored schema 1 database)
            conn.execute(text("ALTER TABLE occurrence DROP COLUMN blackout_id"))
            conn.execute(text("DROP TABLE blackout"))
        conn.execute(text("UPDATE schedtui_meta SET value = '3' WHERE key = 'schema_version'"))
    opened.dispose()
    reopened = open_store(store_url, clock=clock)
    try:
        with reopened.read() as session:
            version = session.connection().execute(text(
                "SELECT value FROM schedtui_meta WHERE key = 'schema_version'")).scalar()
        assert version == str(migrate.SCHEMA_VERSION) == "5"
        bulk.cancel_occurrences(reopened, occs[2:4])
        assert occurrences.undo_last(reopened, view.id)[1][0].id == occs[2]
        action, views = occurrences.undo_last(reopened, view.id)
        assert action == "cancel" and [v.id for v in views] == [occs[1]]
        assert series.get_series(reopened, view.id).on_blackout == "skip"
        made = blackouts.add_blackout(reopened, view.hub_id, date(2025, 2, 3))
        assert made.cancelled == [occs[4]]
        assert occurrences.get_occurrence(reopened, occs[4]).blackout == ""
    finally:
        reopened.dispose()
