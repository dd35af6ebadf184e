"""Blackout days and public holidays: planning skips or shifts them, a new
blackout cancels or moves what exists (refused where people hold seats unless
confirmed), and removing it puts everything back."""

from __future__ import annotations

from datetime import date, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import blackouts, hubs, occurrences, outbox, registrations, series
from tests.conftest import snapshot


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Studio", "Europe/Berlin")


def daily(store, hub, **extra):
    settings = dict(hub_id=hub.id, name="Yoga", start=date(2025, 4, 1),
                    rrule="FREQ=DAILY;COUNT=10", duration_minutes=60,
                    times=[(time(10), None)], capacity=2,
                    registration_option="multiple_sessions")
    settings.update(extra)
    return series.create_series(store, **settings)


def days(store, view, status="scheduled"):
    return [o.start[:10] for o in occurrences.list_occurrences(store, view.id)
            if o.status == status]


def test_planning_skips_shifts_or_ignores_blackout_days(store, hub):
    blackouts.add_blackout(store, hub.id, date(2025, 4, 4), date(2025, 4, 5), reason="Closed")
    skip = daily(store, hub)
    assert "2025-04-04" not in days(store, skip) and len(days(store, skip)) == 8
    weekly = daily(store, hub, name="Tue Fri", rrule="FREQ=WEEKLY;BYDAY=TU,FR;COUNT=4",
                   on_blackout="shift", times=[(time(18), None)])
    starts = [o.start for o in occurrences.list_occurrences(store, weekly.id)]
    assert starts == ["2025-04-01T18:00:00+02:00", "2025-04-06T18:00:00+02:00",
                      "2025-04-08T18:00:00+02:00", "2025-04-11T18:00:00+02:00"]
    ignore = daily(store, hub, name="Always", on_blackout="ignore")
    assert len(days(store, ignore)) == 10
    assert series.get_series(store, weekly.id).on_blackout == "shift"
    # A re-plan keeps the same plan; turning the policy to ignore brings the days back.
    series.edit_series(store, weekly.id, duration_minutes=45)
    assert [o.start for o in occurrences.list_occurrences(store, weekly.id)] == starts
    series.edit_series(store, skip.id, on_blackout="ignore")
    assert len(days(store, skip)) == 10


def test_a_blackout_over_held_sessions_is_refused_unless_confirmed(store, hub):
    view = daily(store, hub)
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    registrations.register(store, view.id, email="ada@example.org", name="Ada",
                           occurrence_ids=occs[2:6])
    registrations.register(store, view.id, email="bo@example.org", name="Bo",
                           occurrence_ids=occs[3:5])
    before = snapshot(store)
    with pytest.raises(DeskError) as refused:
        blackouts.add_blackout(store, hub.id, date(2025, 4, 4), date(2025, 4, 5),
                               reason="Closed")
    assert refused.value.code == "has_registrations"
    assert refused.value.details == {"occurrences": occs[3:5], "people": 2}
    assert f"occurrence {occs[3]} (Yoga, Fri 04 Apr 2025 10:00" in refused.value.message
    assert snapshot(store) == before
    seen = {n.id for n in outbox.list_notices(store)}
    made = blackouts.add_blackout(store, hub.id, date(2025, 4, 4), date(2025, 4, 5),
                                  reason="Closed", confirm=True)
    assert made.cancelled == occs[3:5] and made.shifted == []
    gone = [occurrences.get_occurrence(store, i) for i in occs[3:5]]
    assert [(o.status, o.booked, o.blackout) for o in gone] == [("cancelled", 0, "Closed")] * 2
    told = [n for n in outbox.list_notices(store) if n.id not in seen]
    assert sorted(n.to_email for n in told) == ["ada@example.org", "bo@example.org"]
    assert all(n.body.count("  - ") == 2 for n in told)
    # A series edit in between keeps the cancelled sessions for the removal.
    series.edit_series(store, view.id, capacity=3)
    removed = blackouts.remove_blackout(store, made.id)
    assert removed.cancelled == occs[3:5]
    back = [occurrences.get_occurrence(store, i) for i in occs[3:5]]
    assert [(o.status, o.booked, o.blackout) for o in back] == [("scheduled", 2, None)] * 2
    assert all(o.edited == [] for o in back)
    assert blackouts.list_blackouts(store, hub.id) == []
    series.edit_series(store, view.id, capacity=4)  # and they follow the series again
    after = occurrences.list_occurrences(store, view.id)
    assert len(after) == 10 and all(o.status == "scheduled" for o in after)
    assert [o.booked for o in after if o.id in occs[3:5]] == [2, 2]


def test_a_shift_moves_seats_along_and_back(store, hub):
    view = daily(store, hub, rrule="FREQ=WEEKLY;BYDAY=TU,FR;COUNT=4", on_blackout="shift")
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    registrations.register(store, view.id, email="ada@example.org", name="Ada",
                           occurrence_ids=occs)
    made = blackouts.add_blackout(store, hub.id, date(2025, 4, 4), reason="Good Friday",
                                  confirm=True)
    assert made.shifted == [occs[1]] and made.end == "2025-04-04"
    moved = occurrences.get_occurrence(store, occs[1])
    assert (moved.start, moved.booked, moved.blackout) == ("2025-04-05T10:00:00+02:00", 1,
                                                          "Good Friday")
    assert [b.shifted for b in blackouts.list_blackouts(store, hub.id)] == [[occs[1]]]
    series.edit_series(store, view.id, duration_minutes=30)  # the re-plan agrees
    assert occurrences.get_occurrence(store, occs[1]).start == "2025-04-05T10:00:00+02:00"
    blackouts.remove_blackout(store, made.id)
    back = occurrences.get_occurrence(store, occs[1])
    assert (back.start, back.booked, back.blackout, back.moved) == (
        "2025-04-04T10:00:00+02:00", 1, None, False)


def test_a_blackout_nobody_holds_seats_in_needs_no_confirmation(store, hub):
    view = daily(store, hub)
    made = blackouts.add_blackout(store, hub.id, date(2025, 4, 9), date(2025, 4, 30))
    assert len(made.cancelled) == 2
    assert days(store, view, "cancelled") == ["2025-04-09", "2025-04-10"]


def test_public_holidays_become_blackouts(store, hub):
    made = blackouts.add_holidays(store, hub.id, "de", [2027], subdiv="by")
    names = {b.reason for b in made}
    assert "Heilige Drei Könige" in names or "Epiphany" in names  # Bavaria's own
    assert {b.start for b in made} >= {"2027-01-01", "2027-10-03", "2027-12-25"}
    again = blackouts.add_holidays(store, hub.id, "DE", [2027], subdiv="BY")
    assert again == [] and len(blackouts.list_blackouts(store, hub.id)) == len(made)
    before = snapshot(store)
    for country, subdiv in (("XX", None), ("DE", "ZZ")):
        with pytest.raises(DeskError) as refused:
            blackouts.add_holidays(store, hub.id, country, [2027], subdiv=subdiv)
        assert refused.value.code == "invalid_value"
        assert (subdiv or country) in refused.value.message
    assert snapshot(store) == before


@pytest.mark.parametrize(("first", "last", "code"), [
    (date(2025, 4, 5), date(2025, 4, 4), "invalid_value"),
    (date(2025, 1, 1), date(2026, 6, 1), "invalid_value"),
])
def test_bad_periods_are_refused(store, hub, first, last, code):
    with pytest.raises(DeskError) as refused:
        blackouts.add_blackout(store, hub.id, first, last)
    assert refused.value.code == code
    with pytest.raises(DeskError) as missing:
        blackouts.remove_blackout(store, 99)
    assert missing.value.code == "not_found"
    with pytest.raises(DeskError):
        series.edit_series(store, daily(store, hub).id, on_blackout="sometimes")


def test_the_rolling_horizon_respects_blackouts(store, hub, clock):
    view = daily(store, hub, rrule="FREQ=WEEKLY;BYDAY=MO", horizon_weeks=2,
                 start=date(2025, 1, 6))
    blackouts.add_blackout(store, hub.id, date(2025, 1, 27), reason="Inventory")
    clock.now = clock.now.replace(day=20)
    series.roll_horizons(store, series_id=view.id)
    planned = days(store, view)
    assert "2025-01-27" not in planned and {"2025-01-20", "2025-02-03"} <= set(planned)


def test_a_shift_passes_over_a_day_holding_a_cancelled_session(store, hub):
    view = daily(store, hub, rrule="FREQ=WEEKLY;BYDAY=TU,FR,SA;COUNT=6", on_blackout="shift")
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    occurrences.cancel_occurrence(store, occs[2])  # Saturday 5 April
    made = blackouts.add_blackout(store, hub.id, date(2025, 4, 4))
    assert made.shifted == [occs[1]]
    assert occurrences.get_occurrence(store, occs[1]).start[:10] == "2025-04-06"
    series.edit_series(store, view.id, duration_minutes=30)
    after = {o.id: o for o in occurrences.list_occurrences(store, view.id)}
    assert len(after) == 6 and after[occs[2]].status == "cancelled"
    assert after[occs[1]].start[:10] == "2025-04-06" and after[occs[1]].status == "scheduled"


def test_an_archived_hub_takes_no_blackout(store, hub):
    hubs.archive_hub(store, hub.id)
    before = snapshot(store)
    with pytest.raises(DeskError) as refused:
        blackouts.add_blackout(store, hub.id, date(2025, 4, 4))
    assert refused.value.code == "invalid_state" and "archived" in refused.value.message
    assert snapshot(store) == before


def test_a_transaction_reads_a_hubs_blackouts_once_and_again_after_a_change(store, hub,
                                                                             monkeypatch):
    """A batch of series asks for its hubs' blackout days once per series; they
    are read once per transaction and read again once one is added or removed
    in it (two holidays added in one transaction: the second one's shifts see
    the first)."""
    from schedtui.store.models import Hub

    calls = []
    rows = blackouts._HUB_BLACKOUTS.rows

    def counted(target, **params):
        calls.append(params)
        return rows(target, **params)

    monkeypatch.setattr(blackouts._HUB_BLACKOUTS, "rows", counted)
    with store.write() as session:
        row = session.get(Hub, hub.id)
        assert blackouts._windows(session, row) == []
        assert blackouts._windows(session, row) == [] and len(calls) == 1
        blackouts._add(session, store, hub.id, date(2025, 4, 7), date(2025, 4, 7),
                       "Closed", False)
        (window,) = blackouts._windows(session, row)
        assert window[0].date() == date(2025, 4, 6) and len(calls) == 2  # Berlin's midnight
    with store.write() as session:  # a new transaction reads again
        assert len(blackouts._windows(session, session.get(Hub, hub.id))) == 1
        assert len(calls) == 3
