"""Registrations through the services: options, seats, waitlists, approval,
switching, check-in, notices, idempotency; every refusal leaves nothing behind."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, occurrences, outbox, registrations, series
from schedtui.services.registrations import register
from tests.conftest import snapshot


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Studio", "Europe/Berlin")


def make(store, hub, option="single_session", capacity=2, **extra):
    settings = dict(hub_id=hub.id, name="Class", start=date(2025, 1, 6),
                    rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6", duration_minutes=60,
                    times=[(time(18), None)], capacity=capacity, registration_option=option)
    settings.update(extra)
    view = series.create_series(store, **settings)
    return view, [o.id for o in occurrences.list_occurrences(store, view.id)]


def person(n: int) -> dict:
    return {"email": f"p{n}@example.org", "name": f"Person {n}"}


def occ(store, occ_id):
    return occurrences.get_occurrence(store, occ_id)


def test_single_session_confirms_then_waitlists_in_order(store, hub):
    view, occs = make(store, hub)
    regs = [register(store, view.id, occurrence_ids=[occs[0]], **person(i)) for i in range(4)]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert (occ(store, occs[0]).booked, occ(store, occs[0]).waitlisted) == (2, 2)
    registrations.cancel_registration(store, regs[0].id)
    assert registrations.get_registration(store, regs[2].id).status == "confirmed"
    assert registrations.get_registration(store, regs[3].id).status == "waitlisted"
    kinds = [(n.to_email, n.kind) for n in outbox.list_notices(store)]
    assert ("p2@example.org", "promoted") in kinds and ("p0@example.org", "cancelled") in kinds


def test_seats_count_and_the_earliest_that_fits_is_promoted(store, hub):
    view, occs = make(store, hub, capacity=4, waitlist="first_fit")
    a = register(store, view.id, occurrence_ids=[occs[0]], seats=3, **person(1))
    b = register(store, view.id, occurrence_ids=[occs[0]], seats=3, **person(2))
    c = register(store, view.id, occurrence_ids=[occs[0]], seats=1, **person(3))
    assert [a.status, b.status, c.status] == ["confirmed", "waitlisted", "confirmed"]
    occurrences.set_occurrence(store, occs[0], capacity=7)
    assert registrations.get_registration(store, b.id).status == "confirmed"
    assert occ(store, occs[0]).booked == 7


def test_all_sessions_covers_every_upcoming_occurrence_and_new_ones(store, hub, clock):
    view, occs = make(store, hub, option="all_sessions",
                      rrule="FREQ=WEEKLY;BYDAY=MO", horizon_weeks=2)
    reg = register(store, view.id, **person(1))
    assert [s.id for s in reg.occurrences] == occs and reg.status == "confirmed"
    clock.now = datetime(2025, 1, 20, 12, tzinfo=clock.now.tzinfo)
    added = series.roll_horizons(store)
    assert added == {view.id: 2}
    reg = registrations.get_registration(store, reg.id)
    assert len(reg.occurrences) == len(occs) + 2
    assert all(s.status == "confirmed" for s in reg.occurrences)


def test_all_sessions_refuses_chosen_occurrences(store, hub):
    view, occs = make(store, hub, option="all_sessions")
    with pytest.raises(DeskError) as err:
        register(store, view.id, occurrence_ids=[occs[0]], **person(1))
    assert err.value.code == "registration_option_mismatch"


def test_multiple_sessions_can_be_partial(store, hub):
    view, occs = make(store, hub, option="multiple_sessions", capacity=1)
    register(store, view.id, occurrence_ids=[occs[1]], **person(1))
    reg = register(store, view.id, occurrence_ids=[occs[0], occs[1]], **person(2))
    assert reg.status == "partial"
    assert {s.id: s.status for s in reg.occurrences} == {occs[0]: "confirmed",
                                                         occs[1]: "waitlisted"}
    notice = outbox.list_notices(store, email="p2@example.org")[-1]
    assert notice.kind == "partial" and "on the waitlist" in notice.body


def test_approval_flow(store, hub):
    view, occs = make(store, hub, require_approval=True, capacity=1)
    first = register(store, view.id, occurrence_ids=[occs[0]], **person(1))
    second = register(store, view.id, occurrence_ids=[occs[0]], **person(2))
    assert first.status == "pending" and occ(store, occs[0]).booked == 0
    assert registrations.approve(store, second.id).status == "confirmed"
    assert registrations.approve(store, first.id).status == "waitlisted"
    third = register(store, view.id, occurrence_ids=[occs[0]], **person(3))
    assert registrations.decline(store, third.id).status == "declined"
    with pytest.raises(DeskError) as err:
        registrations.approve(store, third.id)
    assert err.value.code == "invalid_state"
    kinds = [n.kind for n in outbox.list_notices(store)]
    assert kinds.count("pending") == 3 and "approved" in kinds and "declined" in kinds


def test_booking_window_edges(store, hub, clock):
    # 2025-01-06 18:00 Berlin is 17:00Z; the clock starts at 2025-01-01 12:00Z.
    view, occs = make(store, hub, booking_min_hours=24, booking_max_days=5)
    clock.now = datetime(2025, 1, 1, 16, 59, tzinfo=clock.now.tzinfo)  # 5 days + 1 minute
    with pytest.raises(DeskError) as err:
        register(store, view.id, occurrence_ids=[occs[0]], **person(1))
    assert err.value.code == "outside_booking_window"
    clock.now = datetime(2025, 1, 1, 17, 0, tzinfo=clock.now.tzinfo)  # exactly 5 days
    assert register(store, view.id, occurrence_ids=[occs[0]], **person(1)).status == "confirmed"
    clock.now = datetime(2025, 1, 5, 17, 0, tzinfo=clock.now.tzinfo)  # exactly 24 hours
    assert register(store, view.id, occurrence_ids=[occs[0]], **person(2)).status == "confirmed"
    clock.now = datetime(2025, 1, 5, 17, 1, tzinfo=clock.now.tzinfo)
    with pytest.raises(DeskError) as err:
        register(store, view.id, occurrence_ids=[occs[0]], **person(3))
    assert err.value.code == "outside_booking_window"


def test_refusals_have_codes_and_change_nothing(store, hub, clock):
    view, occs = make(store, hub, max_seats=3)
    multi, m_occs = make(store, hub, option="multiple_sessions", name="Multi")
    register(store, view.id, occurrence_ids=[occs[1]], **person(1))
    occurrences.cancel_occurrence(store, occs[2])
    draft, d_occs = make(store, hub, name="Draft", draft=True)
    paused, p_occs = make(store, hub, name="Paused")
    series.set_status(store, paused.id, "pause")
    cases = [
        (dict(series_id=view.id, occurrence_ids=[occs[2]], **person(5)), "occurrence_not_open"),
        (dict(series_id=view.id, occurrence_ids=[occs[1]], email="P1@Example.org", name="Again"),
         "duplicate_registration"),
        (dict(series_id=view.id, occurrence_ids=[occs[0]], seats=4, **person(5)),
         "too_many_seats"),
        (dict(series_id=view.id, occurrence_ids=[occs[0], occs[3]], **person(5)),
         "registration_option_mismatch"),
        (dict(series_id=view.id, **person(5)), "registration_option_mismatch"),
        (dict(series_id=multi.id, **person(5)), "registration_option_mismatch"),
        (dict(series_id=draft.id, occurrence_ids=[d_occs[0]], **person(5)), "series_not_open"),
        (dict(series_id=paused.id, occurrence_ids=[p_occs[0]], **person(5)), "series_not_open"),
        (dict(series_id=view.id, occurrence_ids=[occs[0]], email="not-an-email", name="X"),
         "invalid_email"),
        (dict(series_id=view.id, occurrence_ids=[occs[0]], email="a@b.org", name=""),
         "invalid_value"),
        (dict(series_id=view.id, occurrence_ids=[occs[0]], seats=0, **person(5)),
         "invalid_value"),
        (dict(series_id=view.id, occurrence_ids=[m_occs[0]], **person(5)), "invalid_value"),
        (dict(series_id=view.id, occurrence_ids=[99999], **person(5)), "not_found"),
        (dict(series_id=4242, occurrence_ids=[occs[0]], **person(5)), "not_found"),
    ]
    before = snapshot(store)
    for kwargs, code in cases:
        series_id = kwargs.pop("series_id")
        with pytest.raises(DeskError) as err:
            register(store, series_id, **kwargs)
        assert err.value.code == code, kwargs
    clock.now = datetime(2025, 1, 6, 17, 30, tzinfo=clock.now.tzinfo)  # occs[0] has started
    with pytest.raises(DeskError) as err:
        register(store, view.id, occurrence_ids=[occs[0]], **person(5))
    assert err.value.code == "occurrence_not_open"
    assert snapshot(store) == before


def test_switch_moves_the_seat_or_keeps_it(store, hub):
    view, occs = make(store, hub, capacity=1)
    a = register(store, view.id, occurrence_ids=[occs[0]], **person(1))
    waiting = register(store, view.id, occurrence_ids=[occs[0]], **person(2))
    register(store, view.id, occurrence_ids=[occs[2]], **person(3))
    with pytest.raises(DeskError) as err:
        registrations.switch(store, a.id, occs[0], occs[2])
    assert err.value.code == "no_room" and "keeps its seat" in err.value.message
    assert registrations.get_registration(store, a.id).occurrences[0].id == occs[0]
    moved = registrations.switch(store, a.id, occs[0], occs[1])
    assert [(s.id, s.status) for s in moved.occurrences] == [(occs[1], "confirmed")]
    assert registrations.get_registration(store, waiting.id).status == "confirmed"
    assert outbox.list_notices(store, email="p1@example.org")[-1].kind == "switched"


def test_switch_refuses_an_occurrence_that_is_no_id(store, hub):
    view, occs = make(store, hub, capacity=1)
    a = register(store, view.id, occurrence_ids=[occs[0]], **person(1))
    before = snapshot(store)
    for source, target in ((occs[0], None), (occs[0], "2"), (True, occs[1]),
                           (occs[0], object())):
        with pytest.raises(DeskError) as err:
            registrations.switch(store, a.id, source, target)
        assert err.value.code == "not_found" and "No occurrence" in err.value.message
    assert snapshot(store) == before


def test_check_in_and_figures(store, hub):
    view, occs = make(store, hub, capacity=4, option="multiple_sessions")
    a = register(store, view.id, occurrence_ids=occs[:2], seats=2, **person(1))
    b = register(store, view.id, occurrence_ids=[occs[0]], seats=3, **person(2))
    registrations.check_in(store, a.id, occs[0])
    with pytest.raises(DeskError) as err:
        registrations.check_in(store, b.id, occs[0])  # waitlisted
    assert err.value.code == "invalid_state"
    figures = registrations.series_stats(store, view.id)
    first = figures.occurrences[0]
    assert (first.capacity, first.confirmed, first.waitlisted, first.attended) == (4, 2, 3, 2)
    assert first.fill_rate == 0.5
    assert (figures.confirmed, figures.waitlisted, figures.attended) == (4, 3, 2)
    assert figures.capacity == 24 and figures.fill_rate == round(4 / 24, 4)
    registrations.check_in(store, a.id, occs[0], attended=False)
    assert registrations.series_stats(store, view.id).attended == 0


def test_capacity_cut_is_refused_or_demotes_the_newest(store, hub):
    view, occs = make(store, hub, capacity=3)
    regs = [register(store, view.id, occurrence_ids=[occs[0]], **person(i)) for i in range(3)]
    with pytest.raises(DeskError) as err:
        occurrences.set_occurrence(store, occs[0], capacity=1)
    assert err.value.code == "capacity_below_booked" and "2 seats over" in err.value.message
    occurrences.set_occurrence(store, occs[0], capacity=1, demote=True)
    statuses = [registrations.get_registration(store, r.id).status for r in regs]
    assert statuses == ["confirmed", "waitlisted", "waitlisted"]
    assert outbox.list_notices(store, email="p2@example.org")[-1].kind == "demoted"
    # A series-wide cut is checked against every occurrence it resizes.
    for i in range(3, 5):
        register(store, view.id, occurrence_ids=[occs[2]], **person(i))
    with pytest.raises(DeskError) as err:
        series.edit_series(store, view.id, capacity=1)
    assert err.value.code == "capacity_below_booked"
    assert occ(store, occs[2]).capacity == 3
    series.edit_series(store, view.id, capacity=6)  # a raise promotes: occs[0] keeps its edit
    assert occ(store, occs[2]).capacity == 6 and occ(store, occs[0]).capacity == 1


def test_cancel_and_restore_an_occurrence(store, hub):
    view, occs = make(store, hub, capacity=1)
    a = register(store, view.id, occurrence_ids=[occs[0]], **person(1))
    b = register(store, view.id, occurrence_ids=[occs[0]], **person(2))
    cancelled = occurrences.cancel_occurrence(store, occs[0])
    assert (cancelled.booked, cancelled.waitlisted) == (0, 0)
    assert [n.kind for n in outbox.list_notices(store)][-2:] == ["occurrence_cancelled"] * 2
    occurrences.restore_occurrence(store, occs[0])
    assert registrations.get_registration(store, a.id).status == "confirmed"
    assert registrations.get_registration(store, b.id).status == "waitlisted"
    assert [n.kind for n in outbox.list_notices(store)][-2:] == ["restored"] * 2


def test_moving_an_occurrence_tells_the_new_time_in_the_series_zone(store, hub):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[1]], **person(1))
    occurrences.move_occurrence(store, occs[1], datetime(2025, 1, 14, 19, 30))
    notice = outbox.list_notices(store)[-1]
    assert notice.kind == "moved"
    assert "Tue 14 Jan 2025, 19:30 (Europe/Berlin)" in notice.body
    assert "Tue 14 Jan 2025, 19:30" in notice.subject


def test_series_edit_that_drops_booked_occurrences_needs_confirmation(store, hub):
    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[5]], **person(1))
    before = snapshot(store)
    with pytest.raises(DeskError) as err:
        series.edit_series(store, view.id, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4")
    assert err.value.code == "has_registrations" and str(occs[5]) in err.value.message
    assert snapshot(store) == before
    _, report = series.edit_series(store, view.id, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4",
                                   confirm=True)
    assert report.cancelled == [occs[5]] and report.removed == 1
    assert occ(store, occs[5]).status == "cancelled"
    assert outbox.list_notices(store)[-1].kind == "occurrence_cancelled"


def test_split_takes_registrations_along(store, hub):
    view, occs = make(store, hub, option="all_sessions", capacity=5)
    reg = register(store, view.id, **person(1))
    earlier, later = series.split_series(store, view.id, occs[3], capacity=10)
    old = registrations.get_registration(store, reg.id)
    assert [s.id for s in old.occurrences] == occs[:3]
    twins = registrations.list_registrations(store, series_id=later.id)
    assert len(twins) == 1 and [s.id for s in twins[0].occurrences] == occs[3:]


def test_idempotency_keys(store, hub):
    view, occs = make(store, hub)
    first = register(store, view.id, occurrence_ids=[occs[0]], idempotency_key="k1", **person(1))
    again = register(store, view.id, occurrence_ids=[occs[0]], idempotency_key="k1", **person(1))
    assert again == first
    assert len(registrations.list_registrations(store, series_id=view.id)) == 1
    with pytest.raises(DeskError) as err:
        register(store, view.id, occurrence_ids=[occs[1]], idempotency_key="k1", **person(1))
    assert err.value.code == "idempotency_conflict"


def test_one_email_is_one_attendee(store, hub):
    view, occs = make(store, hub, option="multiple_sessions")
    a = register(store, view.id, occurrence_ids=[occs[0]], email="Ada@Example.org", name="Ada")
    b = register(store, view.id, occurrence_ids=[occs[1]], email="ada@example.ORG", name="Ada")
    assert a.attendee_id == b.attendee_id


def test_outbox_exports_standard_eml(store, hub, tmp_path):
    import email
    import email.policy

    view, occs = make(store, hub)
    register(store, view.id, occurrence_ids=[occs[0]], email="eve@example.org",
             name="Eve [bold]Adams[/]")
    paths = outbox.export_eml(store, tmp_path / "out")
    assert len(paths) == 1
    message = email.message_from_bytes(paths[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == '"Eve [bold]Adams[/]" <eve@example.org>'
    assert message["Subject"] == "You're registered: Class"
    body = message.get_body(("plain",)).get_content()
    assert "Mon 06 Jan 2025, 18:00 (Europe/Berlin)" in body
    invite = next(message.iter_attachments())  # the same message sending makes
    assert invite.get_content_type() == "text/calendar" and invite.get_param("method") == "REQUEST"
    assert outbox.list_notices(store) == []
    assert len(outbox.list_notices(store, include_exported=True)) == 1


def test_long_lists_page_and_filter(store, hub):
    from schedtui.services.search import search

    view, occs = make(store, hub, capacity=None, max_seats=1)
    for i in range(30):
        register(store, view.id, occurrence_ids=[occs[0]], email=f"p{i}@example.org",
                 name=f"Person {i}" if i != 7 else "Zoë Quist")
    total = registrations.count_registrations(store, occurrence_id=occs[0])
    page = registrations.list_registrations(store, occurrence_id=occs[0], offset=25, limit=10)
    assert total == 30 and [r.email for r in page] == [f"p{i}@example.org" for i in range(25, 30)]
    found = registrations.list_registrations(store, occurrence_id=occs[0], text_filter="zoë")
    assert [r.name for r in found] == ["Zoë Quist"]
    assert registrations.count_registrations(store, series_id=view.id, text_filter="P2") == 11
    assert registrations.count_registrations(store, series_id=view.id, text_filter="p29@") == 1
    hits = search(store, "quist")
    assert [(h.kind, h.label, h.series_id) for h in hits] == [("attendee", "Zoë Quist", view.id)]
    assert [h.kind for h in search(store, "studio")] == ["hub"]
    assert [h.kind for h in search(store, "CLASS")] == ["series"]


def test_series_fill_rate(store, hub):
    view, occs = make(store, hub, capacity=4)
    register(store, view.id, occurrence_ids=[occs[0]], seats=2, **person(1))
    listed = series.list_series(store, hub_id=hub.id)[0]
    assert listed.fill_rate == round(2 / 16, 4)  # four occurrences in the next 28 days
    assert series.get_series(store, view.id).fill_rate == listed.fill_rate


def test_a_restored_occurrence_is_covered_by_all_sessions_bookings_made_meanwhile(store, hub):
    view, occs = make(store, hub, option="all_sessions", capacity=5)
    early = register(store, view.id, **person(1))
    occurrences.cancel_occurrence(store, occs[2])
    late = register(store, view.id, **person(2))
    assert occs[2] not in [s.id for s in late.occurrences]
    occurrences.restore_occurrence(store, occs[2])
    for reg in (early, late):
        seats = {s.id: s.status for s in registrations.get_registration(store, reg.id).occurrences}
        assert seats[occs[2]] == "confirmed"
    assert occ(store, occs[2]).booked == 2


def test_a_page_and_its_total_come_from_one_snapshot(store, hub):
    view, occs = make(store, hub, capacity=None)
    for i in range(7):
        register(store, view.id, occurrence_ids=[occs[0]], **person(i))
    total, last = registrations.registration_page(store, occurrence_id=occs[0], offset=-3,
                                                  limit=3)
    assert total == 7 and [r.email for r in last] == [f"p{i}@example.org" for i in (4, 5, 6)]
    total, first = registrations.registration_page(store, occurrence_id=occs[0], limit=2)
    assert [r.email for r in first] == ["p0@example.org", "p1@example.org"]


def test_every_window_of_an_occurrence_matches_the_whole_list(store, hub):
    """Windows read from either end of the seat index give the same rows, in the
    order the registrations were made, as the whole list; a registration that
    switched in later sits at its own place, a cancelled one stays listed."""
    view, occs = make(store, hub, capacity=None, max_seats=1)
    made = [register(store, view.id, occurrence_ids=[occs[i % 2]], **person(i)).id
            for i in range(11)]
    registrations.switch(store, made[1], occs[1], occs[0])
    registrations.cancel_registration(store, made[2])
    whole = [r.id for r in registrations.list_registrations(store, occurrence_id=occs[0])]
    assert whole == sorted(whole) and made[1] in whole and made[2] in whole
    for limit in (1, 2, 3, 5, 8):
        for offset in [*range(len(whole) + 1), *range(-len(whole) - 1, 0)]:
            total, rows = registrations.registration_page(store, occurrence_id=occs[0],
                                                          offset=offset, limit=limit)
            start = max(len(whole) + offset, 0) if offset < 0 else offset
            assert total == len(whole)
            assert [r.id for r in rows] == whole[start:start + limit], (offset, limit)


def test_every_event_leaves_one_readable_notice_per_person(store, hub):
    view, occs = make(store, hub, option="multiple_sessions", capacity=1)
    gated, g_occs = make(store, hub, name="Gated", require_approval=True)
    a = register(store, view.id, occurrence_ids=[occs[0]], **person(1))  # confirmed
    b = register(store, view.id, occurrence_ids=[occs[0]], **person(2))  # waitlisted
    register(store, view.id, occurrence_ids=[occs[1], occs[0]], **person(3))  # partial
    registrations.cancel_registration(store, a.id)  # cancelled; promoted (p2)
    registrations.switch(store, b.id, occs[0], occs[2])  # switched; promoted (p3)
    occurrences.move_occurrence(store, occs[2], datetime(2025, 1, 21, 19, 0))  # moved
    occurrences.cancel_occurrence(store, occs[2])  # occurrence_cancelled
    occurrences.restore_occurrence(store, occs[2])  # restored
    p = register(store, gated.id, occurrence_ids=[g_occs[0]], **person(4))  # pending
    registrations.approve(store, p.id)  # approved
    q = register(store, gated.id, occurrence_ids=[g_occs[0]], **person(5))
    registrations.decline(store, q.id)  # declined
    notices = outbox.list_notices(store)
    kinds = {n.kind for n in notices}
    assert kinds == {"confirmed", "waitlisted", "partial", "cancelled", "promoted", "switched",
                     "moved", "occurrence_cancelled", "restored", "pending", "approved",
                     "declined"}
    for n in notices:
        assert "Class" in n.subject or "Gated" in n.subject
        assert n.body.startswith(f"Hello {n.to_name},") and n.to_email in (
            f"p{i}@example.org" for i in range(1, 6))
        assert "\x1b" not in n.body
    moved = next(n for n in notices if n.kind == "moved")
    assert "Tue 21 Jan 2025, 19:00 (Europe/Berlin)" in moved.body
    promoted = [n.to_email for n in notices if n.kind == "promoted"]
    assert promoted == ["p2@example.org", "p3@example.org"]


def test_queue_places_of_a_long_waitlist_across_statements(store, hub):
    """A list's queue places are asked for a few hundred entries at a time: a
    waitlist of 1,000 in two occurrences numbers each one right, across those
    statements, in the order the waitlist serves (oldest first)."""
    view, occs = make(store, hub, option="multiple_sessions", capacity=1)
    with store.one_transaction():  # a thousand registrations: one commit
        for i in range(1001):
            register(store, view.id, occurrence_ids=occs[:2], **person(i))
    rows = registrations.list_registrations(store, series_id=view.id)
    assert rows[0].status == "confirmed"
    places = [[s.place for s in r.occurrences] for r in rows[1:]]
    assert places == [[n, n] for n in range(1, 1001)]
    assert registrations.registration_page(store, occurrence_id=occs[1], offset=-1,
                                           limit=1)[1][0].occurrences[1].place == 1000
