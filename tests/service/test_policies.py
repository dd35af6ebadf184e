"""A series' policies through the services, on both stores: contact
requirements (walk-ins, phone numbers in E.164 read in the hub's region),
one-off events, private series and reminders."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlmodel import select

from schedtui.domain.errors import DeskError
from schedtui.services import events, hubs, occurrences, outbox, registrations, series
from schedtui.services.registrations import register
from schedtui.store.models import Notice
from tests.conftest import snapshot


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Studio", "Europe/Berlin", region="DE")


def make(store, hub, **extra):
    settings = dict(hub_id=hub.id, name="Class", start=date(2025, 1, 6),
                    rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", duration_minutes=60,
                    times=[(time(18), None)], capacity=10)
    settings.update(extra)
    view = series.create_series(store, **settings)
    return view, [o.id for o in occurrences.list_occurrences(store, view.id)]


def refused(code, call, *args, **kwargs):
    with pytest.raises(DeskError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# -- contact requirements -----------------------------------------------------------


def test_the_default_contact_needs_an_email(store, hub):
    view, _ = make(store, hub)
    assert view.contact == "email"
    before = snapshot(store)
    refused("contact_required", register, store, view.id, email=None, name="Ana")
    refused("invalid_value", register, store, view.id, email="  ", name="Ana")
    assert snapshot(store) == before


@pytest.mark.parametrize("contact", ["email", "none"])
def test_any_phone_given_is_validated_and_stored_in_e164(store, hub, contact):
    """Not only where the series asks for a phone: a number given is checked
    and normalised whatever the requirement, so "ext. 12" never lands."""
    view, _ = make(store, hub, contact=contact)
    before = snapshot(store)
    for bad in ("ext. 12", "abc", "030 12"):
        refused("invalid_phone", register, store, view.id, email="ana@example.org",
                name="Ana", phone=bad)
    assert snapshot(store) == before
    ana = register(store, view.id, email="ana@example.org", name="Ana", phone="030 901820")
    assert ana.phone == "+4930901820"  # the hub's region (DE)
    bo = register(store, view.id, email="bo@example.org", name="Bo", phone="+44 20 7946 0018")
    assert bo.phone == "+442079460018"
    no_phone = register(store, view.id, email="cy@example.org", name="Cy")
    assert no_phone.phone == ""
    assert registrations.get_registration(store, ana.id).phone == "+4930901820"


def test_walk_ins_need_a_name_only_and_are_never_merged(store, hub):
    view, occs = make(store, hub, contact="none", capacity=3)
    first = register(store, view.id, email=None, name="Walk-in")
    second = register(store, view.id, email="", name="Walk-in")
    assert first.email == second.email == "" and first.attendee_id != second.attendee_id
    assert first.status == second.status == "confirmed"
    assert occurrences.get_occurrence(store, occs[0]).booked == 2
    # a walk-in has no address: no notice is queued for them
    assert [n.to_email for n in outbox.list_notices(store)] == []
    # a person with an email is still one person: a second booking is a duplicate
    register(store, view.id, email="bo@example.org", name="Bo")
    refused("duplicate_registration", register, store, view.id, email="BO@example.org",
            name="Bo")


def test_email_and_phone_needs_both_and_stores_e164_in_the_hubs_region(store, hub):
    view, _ = make(store, hub, contact="email_and_phone")
    before = snapshot(store)
    error = refused("contact_required", register, store, view.id, email="a@example.org",
                    name="Ana")
    assert error.details["missing"] == "phone"
    refused("contact_required", register, store, view.id, email=None, name="Ana",
            phone="+4930901820")
    refused("invalid_phone", register, store, view.id, email="a@example.org", name="Ana",
            phone="abc")
    refused("invalid_phone", register, store, view.id, email="a@example.org", name="Ana",
            phone="030 12")  # too short for Germany
    assert snapshot(store) == before
    ana = register(store, view.id, email="a@example.org", name="Ana", phone="030 901820")
    assert ana.phone == "+4930901820"  # read in the hub's region (DE)
    bo = register(store, view.id, email="b@example.org", name="Bo", phone="+1 650 253 0000")
    assert bo.phone == "+16502530000"
    assert registrations.get_registration(store, ana.id).phone == "+4930901820"


def test_a_number_without_country_code_needs_the_hubs_region(store):
    plain = hubs.create_hub(store, "No region", "UTC")
    view, _ = make(store, plain, contact="email_and_phone")
    refused("invalid_phone", register, store, view.id, email="a@example.org", name="Ana",
            phone="020 7946 0018")
    hubs.rename_hub(store, plain.id, region="gb")
    assert hubs.get_hub(store, plain.id).region == "GB"
    made = register(store, view.id, email="a@example.org", name="Ana", phone="020 7946 0018")
    assert made.phone == "+442079460018"
    refused("invalid_value", hubs.rename_hub, store, plain.id, region="XX")
    refused("invalid_value", hubs.create_hub, store, "Bad", "UTC", region="Germany")


def test_the_contact_requirement_is_validated_and_editable(store, hub):
    view, _ = make(store, hub)
    refused("invalid_value", series.edit_series, store, view.id, contact="phone")
    edited, _ = series.edit_series(store, view.id, contact="email_and_phone")
    assert edited.contact == "email_and_phone"


# -- one-off events -----------------------------------------------------------------


def test_a_one_off_event_is_one_occurrence_without_a_rule(store, hub):
    view = events.create_event(store, hub_id=hub.id, name="Open day", start=date(2025, 2, 1),
                               start_time=time(10), duration_minutes=240, capacity=2,
                               location="Hall", host="Dana", require_approval=True)
    assert (view.kind, view.rrule, view.occurrence_count, view.has_end) == \
        ("event", None, 1, True)
    assert view.summary == "Once, on Sat 1 Feb 2025 at 10:00"
    assert view.require_approval and view.capacity == 2 and view.location == "Hall"
    (occ,) = occurrences.list_occurrences(store, view.id)
    assert occ.start == "2025-02-01T10:00:00+01:00" and occ.end == "2025-02-01T14:00:00+01:00"
    made = register(store, view.id, email="a@example.org", name="Ana")
    assert made.status == "pending"
    assert [s.kind for s in series.list_series(store, hub_id=hub.id)] == ["event"]
    # a series of the hub stays a series
    other, _ = make(store, hub)
    assert other.kind == "series" and other.rrule == "FREQ=WEEKLY;BYDAY=MO;COUNT=4"


def test_rule_only_actions_on_an_event_are_refused(store, hub):
    view = events.create_event(store, hub_id=hub.id, name="Open day", start=date(2025, 2, 1),
                               start_time=time(10), duration_minutes=60)
    (occ,) = occurrences.list_occurrences(store, view.id)
    before = snapshot(store)
    refused("one_off_event", series.split_series, store, view.id, occ.id)
    refused("one_off_event", series.edit_series, store, view.id, rrule="FREQ=DAILY;COUNT=3")
    refused("one_off_event", series.edit_series, store, view.id, rdates=[date(2025, 2, 2)])
    refused("one_off_event", series.edit_series, store, view.id, horizon_weeks=4)
    refused("one_off_event", series.edit_series, store, view.id,
            times=[(time(9), None), (time(11), None)])
    refused("one_off_event", series.edit_series, store, view.id, kind="series")
    refused("one_off_event", series.roll_horizons, store, series_id=view.id)
    assert snapshot(store) == before
    refused("one_off_event", events.create_event, store, hub_id=hub.id, name="X",
            start=date(2025, 2, 1), start_time=time(10), duration_minutes=60,
            rrule="FREQ=DAILY")
    # what an event does have can change: its time, length, place
    edited, report = series.edit_series(store, view.id, times=[(time(11), None)],
                                        duration_minutes=90, location="Hall B")
    assert report.moved == [occ.id] and edited.location == "Hall B"
    assert occurrences.get_occurrence(store, occ.id).start == "2025-02-01T11:00:00+01:00"


def test_an_event_needs_a_time(store, hub):
    refused("invalid_value", events.create_event, store, hub_id=hub.id, name="X",
            start=date(2025, 2, 1), start_time=None, duration_minutes=60)


# -- reminders ----------------------------------------------------------------------


def reminders_of(store, registration_id=None):
    with store.read() as session:
        query = select(Notice).where(Notice.kind == "reminder").order_by(Notice.due_at,
                                                                         Notice.id)
        if registration_id is not None:
            query = query.where(Notice.registration_id == registration_id)
        return [(n.occurrence_id, n.due_at) for n in session.exec(query)]


def utc(*args):
    return datetime(*args)


def test_each_confirmed_seat_gets_a_reminder_per_offset_across_a_dst_change(store, hub):
    # Berlin's clocks go forward on Sunday 30 March 2025: 18:00 local is 17:00 UTC
    # before, 16:00 UTC after. An offset is elapsed time before the start.
    view, occs = make(store, hub, start=date(2025, 3, 24), rrule="FREQ=DAILY;COUNT=10",
                      remind="24h,1h")
    assert view.remind == ["1d", "1h"]
    ana = register(store, view.id, email="a@example.org", name="Ana")
    found = reminders_of(store, ana.id)
    assert len(found) == 20
    by_occ = {}
    for occ_id, due in found:
        by_occ.setdefault(occ_id, []).append(due)
    assert by_occ[occs[5]] == [utc(2025, 3, 28, 17), utc(2025, 3, 29, 16)]  # 29th: before
    assert by_occ[occs[6]] == [utc(2025, 3, 29, 16), utc(2025, 3, 30, 15)]  # 30th: after
    notice = next(n for n in outbox.list_notices(store) if n.kind == "reminder")
    assert notice.subject == "Reminder: Class on Mon 24 Mar 2025, 18:00 (Europe/Berlin)"
    assert notice.due_at == "2025-03-23T17:00:00Z"
    assert "starts in 1 day" in notice.body


def test_a_move_reschedules_and_cancellations_drop_reminders(store, hub):
    view, occs = make(store, hub, remind="2h")
    ana = register(store, view.id, email="a@example.org", name="Ana")
    bo = register(store, view.id, email="b@example.org", name="Bo")
    assert len(reminders_of(store)) == 8
    occurrences.move_occurrence(store, occs[0], start=datetime(2025, 1, 7, 9, 0))
    assert (occs[0], utc(2025, 1, 7, 6)) in reminders_of(store, ana.id)
    assert (occs[0], utc(2025, 1, 6, 15)) not in reminders_of(store, ana.id)
    occurrences.cancel_occurrence(store, occs[1])
    assert [o for o, _ in reminders_of(store, ana.id)] == [occs[0], occs[2], occs[3]]
    registrations.cancel_registration(store, bo.id)
    assert reminders_of(store, bo.id) == []
    occurrences.restore_occurrence(store, occs[1])
    assert [o for o, _ in reminders_of(store, ana.id)] == occs


def test_a_promotion_from_the_waitlist_gets_reminders(store, hub):
    view, occs = make(store, hub, capacity=1, remind="1h", registration_option="single_session")
    ana = register(store, view.id, email="a@example.org", name="Ana", occurrence_ids=[occs[0]])
    bo = register(store, view.id, email="b@example.org", name="Bo", occurrence_ids=[occs[0]])
    assert bo.status == "waitlisted" and reminders_of(store, bo.id) == []
    registrations.cancel_registration(store, ana.id)
    assert reminders_of(store, bo.id) == [(occs[0], utc(2025, 1, 6, 16))]
    assert reminders_of(store, ana.id) == []


def test_editing_the_offsets_reschedules_and_none_drops_them(store, hub):
    view, occs = make(store, hub)
    ana = register(store, view.id, email="a@example.org", name="Ana")
    assert reminders_of(store) == []
    series.edit_series(store, view.id, remind="1d")
    assert reminders_of(store, ana.id) == [(o, utc(2025, 1, 5 + 7 * i, 17))
                                           for i, o in enumerate(occs)]
    series.edit_series(store, view.id, remind="30m")
    assert reminders_of(store, ana.id) == [(o, utc(2025, 1, 6 + 7 * i, 16, 30))
                                           for i, o in enumerate(occs)]
    series.edit_series(store, view.id, remind="none")
    assert reminders_of(store) == []


def test_a_reminder_is_never_made_late_nor_listed_once_its_session_started(store, hub, clock):
    view, occs = make(store, hub, remind="1d,1h")
    clock.now = clock.now.replace(year=2025, month=1, day=6, hour=15)  # 16:00 in Berlin
    ana = register(store, view.id, email="a@example.org", name="Ana")
    # the first session is two hours away: its 1-day reminder's time has passed
    assert [(o, d) for o, d in reminders_of(store, ana.id) if o == occs[0]] == \
        [(occs[0], utc(2025, 1, 6, 16))]
    due_now = outbox.list_notices(store, due=True)
    assert [n.kind for n in due_now] == ["confirmed"]  # the reminders wait
    clock.now = clock.now.replace(hour=16, minute=30)
    assert [n.occurrence_id for n in outbox.list_notices(store, due=True)
            if n.kind == "reminder"] == [occs[0]]
    clock.now = clock.now.replace(hour=17, minute=5)  # started: never sent any more
    assert [n for n in outbox.list_notices(store, due=True) if n.kind == "reminder"] == []
    from schedtui.services import reminders

    assert reminders.drop_stale(store) == 1
    assert occs[0] not in [o for o, _ in reminders_of(store, ana.id)]


def test_walk_ins_get_no_reminders(store, hub):
    view, _ = make(store, hub, contact="none", remind="1h")
    register(store, view.id, email=None, name="Walk-in")
    assert reminders_of(store) == []


def test_a_reminder_due_is_not_sent_before_its_time_nor_after_the_start(
        store, hub, clock, server, monkeypatch, tmp_path):
    from schedtui.services import mail
    from schedtui.services.mailconfig import load_settings
    from tests.mailserver import no_mail_settings

    no_mail_settings(monkeypatch, tmp_path / "no-config.toml")
    view, occs = make(store, hub, remind="1h", rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=1")
    register(store, view.id, email="a@example.org", name="Ana")
    settings = load_settings(smtp=server.url(), sender="desk@example.org")
    first = mail.send_outbox(store, settings)
    assert first.sent == 1 and first.waiting == 1  # the confirmation; the reminder waits
    clock.now = datetime(2025, 1, 6, 17, 30, tzinfo=clock.now.tzinfo)  # 18:30 Berlin: started
    report = mail.send_outbox(store, settings)
    assert report.sent == 0 and len(server.received) == 1 and reminders_of(store) == []


# -- the schema ---------------------------------------------------------------------


def test_a_schema_4_store_gets_the_policies(store_url, clock):
    """Schema 5 adds the series' kind, contact, privacy and reminders (existing
    series: a series, email, shared, none) and the hub's region (none)."""
    from sqlalchemy import text

    from schedtui.store import migrate, open_store

    opened = open_store(store_url, clock=clock)
    hub = hubs.create_hub(opened, "Old", "Europe/Berlin")
    view, _ = make(opened, hub)
    register(opened, view.id, email="a@example.org", name="Ana", phone="+44 20 7946 0018")
    with opened.write() as session:
        conn = session.connection()
        for column in ("kind", "contact", "private", "remind"):
            conn.execute(text(f"ALTER TABLE series DROP COLUMN {column}"))
        conn.execute(text("ALTER TABLE hub DROP COLUMN region"))
        conn.execute(text("UPDATE schedtui_meta SET value = '4' WHERE key = 'schema_version'"))
    opened.dispose()
    reopened = open_store(store_url, clock=clock)
    try:
        with reopened.read() as session:
            version = session.connection().execute(text(
                "SELECT value FROM schedtui_meta WHERE key = 'schema_version'")).scalar()
        assert version == str(migrate.SCHEMA_VERSION)
        old = series.get_series(reopened, view.id)
        assert (old.kind, old.contact, old.private, old.remind, old.rrule) == \
            ("series", "email", False, [], "FREQ=WEEKLY;BYDAY=MO;COUNT=4")
        assert hubs.get_hub(reopened, hub.id).region == ""
        hubs.rename_hub(reopened, hub.id, region="DE")
        series.edit_series(reopened, view.id, contact="email_and_phone", remind="1h",
                           private=True)
        made = register(reopened, view.id, email="b@example.org", name="Bo",
                        phone="030 901820")
        assert made.phone == "+4930901820" and len(reminders_of(reopened, made.id)) == 4
        assert events.create_event(reopened, hub_id=hub.id, name="Once",
                                   start=date(2025, 2, 1), start_time=time(9),
                                   duration_minutes=30).kind == "event"
    finally:
        reopened.dispose()


def test_an_event_moved_to_another_day_keeps_its_seats_and_tells_its_people(store, hub,
                                                                           clock):
    view = events.create_event(store, hub_id=hub.id, name="Gala", start=date(2025, 2, 1),
                               start_time=time(19), duration_minutes=120, remind="1h")
    (occ,) = occurrences.list_occurrences(store, view.id)
    ana = register(store, view.id, email="a@example.org", name="Ana")
    edited, report = series.edit_series(store, view.id, start=date(2025, 2, 8),
                                        times=[(time(20), None)])
    assert report.moved == [occ.id] and report.told == ["Ana"] and report.added == 0
    (after,) = occurrences.list_occurrences(store, view.id)
    assert after.id == occ.id and after.start == "2025-02-08T20:00:00+01:00"
    assert registrations.get_registration(store, ana.id).occurrences[0].status == "confirmed"
    assert reminders_of(store, ana.id) == [(occ.id, utc(2025, 2, 8, 18))]
    clock.now = clock.now.replace(year=2025, month=2, day=8, hour=20)  # it has begun
    refused("occurrence_started", series.edit_series, store, view.id, start=date(2025, 3, 1))
    assert len(occurrences.list_occurrences(store, view.id)) == 1


def test_sessions_planned_later_by_the_horizon_get_reminders(store, hub, clock):
    view, occs = make(store, hub, rrule="FREQ=WEEKLY;BYDAY=MO", horizon_weeks=2,
                      remind="1h")
    ana = register(store, view.id, email="a@example.org", name="Ana")
    assert [o for o, _ in reminders_of(store, ana.id)] == occs
    clock.now = clock.now.replace(day=20)
    added = series.roll_horizons(store)
    assert added[view.id] >= 2
    later = [o.id for o in occurrences.list_occurrences(store, view.id)
             if o.id not in occs]
    held = [o for o, _ in reminders_of(store, ana.id)]
    assert set(later) <= set(held)
