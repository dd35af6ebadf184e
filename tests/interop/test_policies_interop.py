"""The policies in iCalendar and CSV: a one-off event is one VEVENT without a
rule and comes back as an event; private series are CLASS:PRIVATE and left out
of shared exports unless asked; the CSV import applies the phone rule row by row."""

from __future__ import annotations

from datetime import date, time

import icalendar
import pytest

from schedtui.domain.errors import DeskError
from schedtui.interop.csvio import import_attendees
from schedtui.interop.ics import export_ics, import_ics
from schedtui.services import events, hubs, occurrences, registrations, series


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Studio", "Europe/Berlin", region="DE")


def vevents(text: str) -> list:
    return icalendar.Calendar.from_ical(text).walk("VEVENT")


def weekly(store, hub, name="Class", **extra):
    return series.create_series(store, hub_id=hub.id, name=name, start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", duration_minutes=60,
                                times=[(time(18), None)], **extra)


def test_an_event_is_one_vevent_without_a_rule_and_comes_back_as_an_event(store, hub,
                                                                           tmp_path):
    made = events.create_event(store, hub_id=hub.id, name="Open day", start=date(2025, 2, 1),
                               start_time=time(10), duration_minutes=90, location="Hall")
    text = export_ics(store, None, series_id=made.id)
    (event,) = vevents(text)
    assert "RRULE" not in event and "RDATE" not in event and "EXDATE" not in event
    assert event["SUMMARY"] == "Open day" and str(event["LOCATION"]) == "Hall"
    assert event.decoded("DTSTART").isoformat() == "2025-02-01T10:00:00+01:00"
    path = tmp_path / "event.ics"
    path.write_text(text)
    # into the same hub: the same event, matched by its UID
    again = import_ics(store, path, hub.id)
    assert [e.action for e in again.events] == ["unchanged"]
    # into another hub: a new one-off event, not a one-session series
    other = hubs.create_hub(store, "Elsewhere", "UTC")
    report = import_ics(store, path, other.id)
    copy = series.get_series(store, report.events[0].series_id)
    assert (copy.kind, copy.rrule, copy.occurrence_count) == ("event", None, 1)


def test_a_single_event_from_another_calendar_becomes_an_event(store, hub, tmp_path):
    path = tmp_path / "one.ics"
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\n"
                    "UID:abc@example.org\r\nDTSTAMP:20250101T000000Z\r\n"
                    "DTSTART;TZID=Europe/Berlin:20250301T190000\r\n"
                    "DTEND;TZID=Europe/Berlin:20250301T210000\r\nSUMMARY:Concert\r\n"
                    "CLASS:PRIVATE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    report = import_ics(store, path, hub.id)
    view = series.get_series(store, report.events[0].series_id)
    assert (view.kind, view.rrule, view.private, view.duration_minutes) == \
        ("event", None, True, 120)


def test_private_series_stay_out_of_shared_exports_unless_asked(store, hub):
    weekly(store, hub, name="Public")
    private = weekly(store, hub, name="Private", private=True)
    shared = export_ics(store, None, hub_id=hub.id)
    assert {str(e["SUMMARY"]) for e in vevents(shared)} == {"Public"}
    both = export_ics(store, None, hub_id=hub.id, include_private=True)
    by_name = {str(e["SUMMARY"]): e for e in vevents(both)}
    assert set(by_name) == {"Public", "Private"}
    assert str(by_name["Private"]["CLASS"]) == "PRIVATE" and "CLASS" not in by_name["Public"]
    (alone,) = vevents(export_ics(store, None, series_id=private.id))
    assert str(alone["CLASS"]) == "PRIVATE"
    # a person's feed: their sessions in the private series only when asked
    registrations.register(store, private.id, email="a@example.org", name="Ana")
    assert vevents(export_ics(store, None, attendee_email="a@example.org")) == []
    feed = vevents(export_ics(store, None, attendee_email="a@example.org",
                              include_private=True))
    assert len(feed) == 4 and all(str(e["CLASS"]) == "PRIVATE" for e in feed)


def test_registrations_in_a_private_series_work_as_usual(store, hub):
    private = weekly(store, hub, private=True, capacity=1)
    first = registrations.register(store, private.id, email="a@example.org", name="Ana")
    second = registrations.register(store, private.id, email="b@example.org", name="Bo")
    assert (first.status, second.status) == ("confirmed", "waitlisted")


def test_the_csv_import_applies_the_phone_rule_to_each_row(store, hub, tmp_path):
    view = weekly(store, hub, contact="email_and_phone")
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Phone\nAna,ana@example.org,030 901820\n"
                    "Bo,bo@example.org,abc\nCe,ce@example.org,\n"
                    "Di,di@example.org,+1 650 253 0000\n", encoding="utf-8")
    report = import_attendees(store, path, view.id)
    outcome = {r.email: (r.outcome, r.reason.split(":")[0]) for r in report.rows}
    assert outcome == {"ana@example.org": ("confirmed", ""),
                       "bo@example.org": ("refused", "invalid_phone"),
                       "ce@example.org": ("refused", "contact_required"),
                       "di@example.org": ("confirmed", "")}
    phones = {r.email: r.phone for r in registrations.list_registrations(store,
                                                                         series_id=view.id)}
    assert phones == {"ana@example.org": "+4930901820", "di@example.org": "+16502530000"}
    occ = occurrences.list_occurrences(store, view.id)[0]
    assert occ.booked == 2


def test_an_export_of_a_missing_series_still_says_so(store):
    with pytest.raises(DeskError) as caught:
        export_ics(store, None, series_id=99)
    assert caught.value.code == "not_found"


def test_the_csv_import_checks_every_phone_whatever_the_contact(store, hub, tmp_path):
    """A series that does not ask for a phone still gets none it cannot call:
    each phone is stored in E.164, and a row whose phone is not a number is
    refused and named, not imported with the phone dropped."""
    view = weekly(store, hub)  # contact: email
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Phone\nAna,ana@example.org,030 901820\n"
                    "Bo,bo@example.org,ext. 12\nCe,ce@example.org,\n", encoding="utf-8")
    report = import_attendees(store, path, view.id)
    outcome = {r.email: (r.line, r.outcome, r.reason.split(":")[0]) for r in report.rows}
    assert outcome == {"ana@example.org": (2, "confirmed", ""),
                       "bo@example.org": (3, "refused", "invalid_phone"),
                       "ce@example.org": (4, "confirmed", "")}
    phones = {r.email: r.phone for r in registrations.list_registrations(store,
                                                                         series_id=view.id)}
    assert phones == {"ana@example.org": "+4930901820", "ce@example.org": ""}


def test_the_csv_import_takes_walk_ins_where_no_contact_is_asked(store, hub, tmp_path):
    view = weekly(store, hub, contact="none", capacity=10)
    path = tmp_path / "walk-ins.csv"
    path.write_text("Name,Email,Seats\nWalk-in,,1\nWalk-in,,2\nAna,ana@example.org,1\n"
                    ",,1\n", encoding="utf-8")
    with pytest.raises(DeskError) as caught:  # the nameless row is still malformed
        import_attendees(store, path, view.id)
    assert [r["line"] for r in caught.value.details["rows"]] == [5]
    report = import_attendees(store, path, view.id, skip_bad_rows=True)
    assert [(r.line, r.outcome) for r in report.rows] == [
        (2, "confirmed"), (3, "confirmed"), (4, "confirmed"), (5, "skipped")]
    made = registrations.list_registrations(store, series_id=view.id)
    walk_ins = [r for r in made if r.name == "Walk-in"]
    assert len(walk_ins) == 2 and len({r.attendee_id for r in walk_ins}) == 2  # never merged
    assert sorted(r.seats for r in walk_ins) == [1, 2]
    assert occurrences.list_occurrences(store, view.id)[0].booked == 4
    # a file of names alone, with no email column at all
    names = tmp_path / "names.csv"
    names.write_text("Name\nWalk-in\n", encoding="utf-8")
    assert [r.outcome for r in import_attendees(store, names, view.id).rows] == ["confirmed"]


def test_a_csv_without_emails_is_still_refused_where_an_email_is_asked(store, hub, tmp_path):
    view = weekly(store, hub)
    path = tmp_path / "walk-ins.csv"
    path.write_text("Name,Email\nWalk-in,\n", encoding="utf-8")
    with pytest.raises(DeskError) as caught:
        import_attendees(store, path, view.id)
    assert caught.value.code == "csv_malformed"
    names = tmp_path / "names.csv"
    names.write_text("Name\nWalk-in\n", encoding="utf-8")
    with pytest.raises(DeskError) as caught:
        import_attendees(store, names, view.id)
    assert caught.value.code == "csv_no_email_column"
