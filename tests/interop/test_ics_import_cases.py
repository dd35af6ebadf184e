"""iCalendar import, case by case: what used to crash, to be cut or changed
without a word (issue 12), and the calendar features real files use (issue 13).
Every case is checked on what the desk stores, not only on the report."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlmodel import select

from schedtui.cli.main import main
from schedtui.domain.errors import DeskError
from schedtui.interop.ics import export_ics, import_ics
from schedtui.services import audit, hubs, occurrences, series
from schedtui.store.models import Series
from tests.conftest import snapshot
from tests.interop.helpers import expander_instants

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//cases//EN\r\n"


def calendar(*events: str) -> str:
    body = "".join("BEGIN:VEVENT\r\n" + "\r\n".join(line.strip() for line in e.strip()
                                                     .splitlines()) + "\r\nEND:VEVENT\r\n"
                   for e in events)
    return HEAD + body + "END:VCALENDAR\r\n"


def write(tmp_path, text: str, name: str = "in.ics", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Imported", "Europe/Berlin")


def scheduled(store, series_id):
    return [o for o in occurrences.list_occurrences(store, series_id) if o.status == "scheduled"]


def all_series(store):
    with store.read() as session:
        return list(session.exec(select(Series).order_by(Series.id)))


WEEKLY = """
UID:weekly@example.org
SUMMARY:Weekly
DTSTART;TZID=Europe/Berlin:20250106T090000
DTEND;TZID=Europe/Berlin:20250106T100000
RRULE:FREQ=WEEKLY;COUNT=4
"""


def refused(store, hub, path, **options) -> dict[str, str]:
    before = snapshot(store)
    with pytest.raises(DeskError) as caught:
        import_ics(store, path, hub.id, **options)
    assert caught.value.code == "ics_unsupported"
    assert snapshot(store) == before
    return {p["uid"]: p["reason"] for p in caught.value.details["report"]["problems"]}


# -- issue 12: crashes, cuts and silent changes -------------------------------------------


def test_an_unreadable_dtstart_is_refused_naming_the_event(store, hub, tmp_path):
    path = write(tmp_path, calendar(WEEKLY, """
        UID:broken@example.org
        SUMMARY:Broken
        DTSTART:2030XXXXT090000Z
        DTEND:20300101T100000Z"""))
    reasons = refused(store, hub, path)
    assert list(reasons) == ["broken@example.org"]
    assert "DTSTART" in reasons["broken@example.org"] and "2030XXXX" in \
        reasons["broken@example.org"]
    report = import_ics(store, path, hub.id, skip_unsupported=True)
    assert [e.uid for e in report.events] == ["weekly@example.org"]
    assert [s["uid"] for s in report.skipped] == ["broken@example.org"]
    assert len(scheduled(store, report.events[0].series_id)) == 4


@pytest.mark.parametrize("rule", ["FREQ=YEARLY;COUNT=1000000000", "FREQ=DAILY;COUNT=5001"])
def test_a_count_over_the_cap_is_refused_not_cut(store, hub, tmp_path, rule):
    path = write(tmp_path, calendar(f"""
        UID:many@example.org
        SUMMARY:Many
        DTSTART;TZID=Europe/Berlin:20250106T090000
        DURATION:PT1H
        RRULE:{rule}"""))
    reason = refused(store, hub, path)["many@example.org"]
    assert "COUNT" in reason and "5,000" in reason


def test_an_unknown_tzid_is_refused_not_read_as_the_hubs_zone(store, hub, tmp_path):
    path = write(tmp_path, calendar("""
        UID:mars@example.org
        SUMMARY:Olympus
        DTSTART;TZID=Mars/Olympus_Mons:20300101T090000
        DTEND;TZID=Mars/Olympus_Mons:20300101T100000"""))
    reason = refused(store, hub, path)["mars@example.org"]
    assert "Mars/Olympus_Mons" in reason


def test_two_events_with_one_uid(store, hub, tmp_path):
    older = """
        UID:twice@example.org
        SEQUENCE:1
        SUMMARY:Old time
        DTSTART;TZID=Europe/Berlin:20250106T090000
        DURATION:PT1H
        RRULE:FREQ=WEEKLY;COUNT=3"""
    newer = older.replace("SEQUENCE:1", "SEQUENCE:2").replace("Old time", "New time") \
        .replace("T090000", "T110000")
    other = older.replace("UID:twice", "UID:same").replace("SEQUENCE:1", "SEQUENCE:0")
    other_b = other.replace("T090000", "T150000").replace("Old time", "Other")
    path = write(tmp_path, calendar(older, newer, other, other, other_b))
    report = import_ics(store, path, hub.id)
    by_name = {e.name: e for e in report.events}
    assert set(by_name) == {"New time", "Old time", "Other"}  # the newer SEQUENCE wins
    assert [o.start[11:16] for o in scheduled(store, by_name["New time"].series_id)] == \
        ["11:00"] * 3
    assert any("older version" in n for n in by_name["New time"].notes)
    # The same SEQUENCE and different content: both kept and said; an identical copy once.
    assert any("identical copy" in n for n in by_name["Old time"].notes)
    assert any("same UID" in n for n in by_name["Other"].notes)
    assert len(all_series(store)) == 3


def test_latin_1_text_is_read_as_such_and_reported(store, hub, tmp_path):
    path = write(tmp_path, calendar("""
        UID:latin@example.org
        SUMMARY:Zoë Ünal's café
        DTSTART;TZID=Europe/Berlin:20250106T090000
        DURATION:PT1H"""), encoding="latin-1")
    dry = import_ics(store, path, hub.id, dry_run=True)
    assert dry.encoding == "Windows-1252"
    assert any("not UTF-8" in n and "line 6 " in n for n in dry.notes)
    report = import_ics(store, path, hub.id)
    assert series.get_series(store, report.events[0].series_id).name == "Zoë Ünal's café"
    utf8 = write(tmp_path, calendar(WEEKLY).replace("Weekly", "Zoë"), "utf8.ics")
    assert import_ics(store, utf8, hub.id, dry_run=True).encoding == "UTF-8"


def test_importing_a_file_twice_updates_instead_of_copying(store, hub, tmp_path):
    text = calendar(WEEKLY + "EXDATE;TZID=Europe/Berlin:20250113T090000", """
        UID:weekly@example.org
        RECURRENCE-ID;TZID=Europe/Berlin:20250120T090000
        SUMMARY:Weekly
        DTSTART;TZID=Europe/Berlin:20250120T140000
        DTEND;TZID=Europe/Berlin:20250120T150000""")
    path = write(tmp_path, text)
    first = import_ics(store, path, hub.id)
    sid = first.events[0].series_id
    before = snapshot(store)
    again = import_ics(store, path, hub.id)
    assert [(e.action, e.series_id) for e in again.events] == [("unchanged", sid)]
    assert snapshot(store)["occurrence"] == before["occurrence"]
    assert len(all_series(store)) == 1
    # Changed in the calendar: the series follows, still one.
    changed = write(tmp_path, text.replace("SUMMARY:Weekly", "SUMMARY:Weekly sync")
                    .replace("COUNT=4", "COUNT=5"), "changed.ics")
    dry = import_ics(store, changed, hub.id, dry_run=True)
    assert dry.events[0].action == "update" and "name" in dry.events[0].changes
    assert snapshot(store)["series"] == before["series"]
    done = import_ics(store, changed, hub.id)
    assert done.events[0].series_id == sid and len(all_series(store)) == 1
    shown = series.get_series(store, sid)
    assert shown.name == "Weekly sync" and "COUNT=5" in shown.rrule
    assert [o.start[:16] for o in scheduled(store, sid)] == [
        "2025-01-06T09:00", "2025-01-20T14:00", "2025-01-27T09:00", "2025-02-03T09:00"]


def import_seeing_statements(store, path, hub_id):
    """``import_ics``, with the SQL it sent through SQLAlchemy (the reader's and
    the writer's engines)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    event.listen(Engine, "before_cursor_execute", record)
    try:
        return import_ics(store, path, hub_id), seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def test_a_file_of_many_events_is_matched_to_its_series_in_one_read(store, hub, tmp_path):
    """Importing a file again finds the series each event made before by UID in
    one pass over the hub's imported series, not one query an event; each
    event still updates its own series (a split's two parts, in order)."""
    events = [WEEKLY.replace("weekly@", f"weekly-{n}@").replace("SUMMARY:Weekly",
                                                                   f"SUMMARY:Weekly {n}")
              for n in range(12)]
    path = write(tmp_path, calendar(*events))
    first = import_ics(store, path, hub.id)
    again, seen = import_seeing_statements(store, path, hub.id)
    assert [(e.action, e.series_id) for e in again.events] == [
        ("unchanged", e.series_id) for e in first.events]
    by_uid = [s for s in seen if s.lstrip().upper().startswith("SELECT")
              and "ics_uid" in s.partition("WHERE")[2]]
    assert len(by_uid) == 1, by_uid


def test_a_new_series_is_written_once_with_its_uid(store, hub, tmp_path):
    """Each event's series is inserted with the UID it keeps (no update after
    it), and the audit entry of its creation says so too."""
    events = [WEEKLY.replace("weekly@", f"weekly-{n}@") for n in range(3)]
    path = write(tmp_path, calendar(*events))
    report, seen = import_seeing_statements(store, path, hub.id)
    assert [s for s in seen if s.lstrip().upper().startswith("UPDATE SERIES")] == []
    uids = {s.id: s.ics_uid for s in all_series(store)}
    assert [uids[e.series_id] for e in report.events] == [
        f"weekly-{n}@example.org" for n in range(3)]
    for made in report.events:
        log = {e.action: e.after for e in audit.list_log(store, series_id=made.series_id)}
        assert log["series.create"]["ics_uid"] == log["series.import"]["uid"] == made.uid


def test_the_desks_export_of_a_hub_is_matched_to_its_series_in_one_read(store, hub,
                                                                          tmp_path):
    """A hub's own export, imported back, finds the series its UIDs name in
    one read, not one an event; a series of another hub is not one of them."""
    made = [series.create_series(store, hub_id=hub.id, name=f"Class {n}",
                                 start=datetime(2025, 1, 6).date(), rrule="FREQ=WEEKLY;COUNT=3",
                                 duration_minutes=60, times=[(time(9 + n), None)])
            for n in range(5)]
    path = tmp_path / "hub.ics"
    export_ics(store, path, hub_id=hub.id)
    report, seen = import_seeing_statements(store, path, hub.id)
    assert [(e.action, e.series_id) for e in report.events] == [
        ("unchanged", m.id) for m in made]
    by_id = [s for s in seen if s.lstrip().upper().startswith("SELECT")
             and "FROM series" in s and "series.id " in s.partition("WHERE")[2]]
    assert len(by_id) == 1, seen
    other = hubs.create_hub(store, "Other", "Europe/Berlin")
    copied = import_ics(store, path, other.id)  # the UIDs name series of another hub
    assert [e.action for e in copied.events] == ["create"] * 5
    assert {e.series_id for e in copied.events}.isdisjoint(m.id for m in made)


def test_reimporting_the_desks_own_export_updates_the_series(store, hub, tmp_path):
    made = series.create_series(store, hub_id=hub.id, name="Yoga", start=datetime(2025, 1, 7)
                                .date(), rrule="FREQ=WEEKLY;BYDAY=TU", duration_minutes=60,
                                times=[(time(18), None)], location="Studio 2")
    occs = occurrences.list_occurrences(store, made.id)
    occurrences.cancel_occurrence(store, occs[1].id)
    occurrences.move_occurrence(store, occs[2].id, datetime(2025, 1, 21, 19, 30))
    path = tmp_path / "yoga.ics"
    export_ics(store, path, series_id=made.id)
    before = snapshot(store)
    report = import_ics(store, path, hub.id)
    assert [(e.action, e.series_id) for e in report.events] == [("unchanged", made.id)]
    assert snapshot(store)["occurrence"] == before["occurrence"]
    assert len(all_series(store)) == 1
    edited = path.read_text().replace("SUMMARY:Yoga", "SUMMARY:Evening yoga")
    path.write_text(edited)
    report = import_ics(store, path, hub.id)
    assert report.events[0].action == "update"
    assert series.get_series(store, made.id).name == "Evening yoga"
    assert len(all_series(store)) == 1


# -- issue 13: what real calendars use -------------------------------------------------


def test_range_thisandfuture_splits_the_series(store, hub, tmp_path):
    text = calendar("""
        UID:split@example.org
        SUMMARY:Standup
        DTSTART;TZID=Europe/Berlin:20250106T090000
        DTEND;TZID=Europe/Berlin:20250106T091500
        RRULE:FREQ=DAILY;COUNT=6""", """
        UID:split@example.org
        SUMMARY:Standup (later)
        RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Berlin:20250109T090000
        DTSTART;TZID=Europe/Berlin:20250109T100000
        DTEND;TZID=Europe/Berlin:20250109T103000""")
    path = write(tmp_path, text)
    report = import_ics(store, path, hub.id)
    first, later = report.events
    assert later.split_from == first.start
    assert [o.start[:16] for o in scheduled(store, first.series_id)] == [
        "2025-01-06T09:00", "2025-01-07T09:00", "2025-01-08T09:00"]
    rest = scheduled(store, later.series_id)
    assert [(o.start[:16], o.end[11:16]) for o in rest] == [
        ("2025-01-09T10:00", "10:30"), ("2025-01-10T10:00", "10:30"),
        ("2025-01-11T10:00", "10:30")]
    assert series.get_series(store, later.series_id).name == "Standup (later)"
    log = [e for e in audit.list_log(store, series_id=later.series_id)
           if e.action == "series.import"]
    assert log and log[0].after["split_from"] == first.series_id
    again = import_ics(store, path, hub.id)  # the two parts match the two series
    assert [e.action for e in again.events] == ["unchanged", "unchanged"]
    assert len(all_series(store)) == 2
    theirs = expander_instants(text, datetime(2025, 1, 1, tzinfo=UTC),
                               datetime(2025, 2, 1, tzinfo=UTC),
                               tz_of=lambda event: "Europe/Berlin")
    ours = sorted((o.start, o.start_utc, o.end_utc) for sid in (first.series_id,
                  later.series_id) for o in scheduled(store, sid))
    assert theirs == ours


def test_a_timed_instance_overridden_to_all_day_becomes_all_day(store, hub, tmp_path):
    path = write(tmp_path, calendar("""
        UID:night@example.org
        SUMMARY:Night shift
        DTSTART;TZID=Europe/Berlin:20190303T020000
        DTEND;TZID=Europe/Berlin:20190303T030000
        RRULE:FREQ=WEEKLY;COUNT=3""", """
        UID:night@example.org
        SUMMARY:Night shift
        RECURRENCE-ID;TZID=Europe/Berlin:20190310T020000
        DTSTART;VALUE=DATE:20190310
        DTEND;VALUE=DATE:20190311"""))
    report = import_ics(store, path, hub.id)
    days = [(o.start, o.end) for o in scheduled(store, report.events[0].series_id)]
    assert days[1] == ("2019-03-10T00:00:00+01:00", "2019-03-11T00:00:00+01:00")


def test_all_day_on_a_clock_change_day_runs_midnight_to_midnight(store, hub, tmp_path):
    path = write(tmp_path, calendar("""
        UID:days@example.org
        SUMMARY:Open day
        DTSTART;VALUE=DATE:20250329
        DTEND;VALUE=DATE:20250330
        RRULE:FREQ=DAILY;COUNT=3"""))
    report = import_ics(store, path, hub.id)
    sid = report.events[0].series_id
    assert [(o.start, o.end) for o in scheduled(store, sid)] == [
        ("2025-03-29T00:00:00+01:00", "2025-03-30T00:00:00+01:00"),
        ("2025-03-30T00:00:00+01:00", "2025-03-31T00:00:00+02:00"),  # 23 hours
        ("2025-03-31T00:00:00+02:00", "2025-04-01T00:00:00+02:00")]
    before = [(o.start, o.end) for o in scheduled(store, sid)]
    series.edit_series(store, sid, rrule="FREQ=DAILY;COUNT=4")  # a re-plan keeps whole days
    assert [(o.start, o.end) for o in scheduled(store, sid)][:3] == before
    series.edit_series(store, sid, rrule="FREQ=DAILY;COUNT=3")
    exported = export_ics(store, None, series_id=sid)
    assert "RECURRENCE-ID" not in exported  # the rule says it all
    theirs = expander_instants(exported, datetime(2025, 3, 1, tzinfo=UTC),
                               datetime(2025, 5, 1, tzinfo=UTC))
    assert [t[1:] for t in theirs] == [(o.start_utc, o.end_utc) for o in scheduled(store, sid)]


def test_outlooks_date_time_recurrence_id_on_an_all_day_series(store, hub, tmp_path):
    path = write(tmp_path, calendar("""
        UID:bins@example.org
        SUMMARY:Bins
        DTSTART;VALUE=DATE:20200402
        DTEND;VALUE=DATE:20200403
        RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;COUNT=4""", """
        UID:bins@example.org
        SUMMARY:Bins
        RECURRENCE-ID;TZID=GMT Standard Time:20200416T000000
        DTSTART;VALUE=DATE:20200417
        DTEND;VALUE=DATE:20200418""", """
        UID:bins@example.org
        SUMMARY:Bins
        RECURRENCE-ID:20200430T000000Z
        STATUS:CANCELLED
        DTSTART;VALUE=DATE:20200430"""))
    report = import_ics(store, path, hub.id)
    sid = report.events[0].series_id
    assert [o.start[:10] for o in scheduled(store, sid)] == [
        "2020-04-02", "2020-04-17", "2020-05-14"]


def test_an_override_onto_another_instances_time_is_kept(store, hub, tmp_path):
    path = write(tmp_path, calendar(WEEKLY, """
        UID:weekly@example.org
        RECURRENCE-ID;TZID=Europe/Berlin:20250113T090000
        DTSTART;TZID=Europe/Berlin:20250120T090000
        DTEND;TZID=Europe/Berlin:20250120T100000"""))
    report = import_ics(store, path, hub.id)
    starts = [o.start[:16] for o in scheduled(store, report.events[0].series_id)]
    assert starts == ["2025-01-06T09:00", "2025-01-20T09:00", "2025-01-20T09:00",
                      "2025-01-27T09:00"]
    assert any("onto the start of another" in n for n in report.events[0].notes)


def test_an_empty_rrule_line_is_a_single_event(store, hub, tmp_path):
    path = write(tmp_path, calendar("""
        UID:once@example.org
        SUMMARY:Holiday
        DTSTART;VALUE=DATE:20250101
        RRULE:"""))
    report = import_ics(store, path, hub.id)
    assert report.events[0].rrule == "FREQ=DAILY;COUNT=1"
    assert any("empty RRULE" in n for n in report.events[0].notes)
    assert len(scheduled(store, report.events[0].series_id)) == 1


def test_skip_unsupported_imports_the_rest_and_lists_each_event_left_out(store, hub, tmp_path):
    path = write(tmp_path, calendar(WEEKLY, """
        UID:camp@example.org
        SUMMARY:Camp
        DTSTART;VALUE=DATE:20250707
        DTEND;VALUE=DATE:20250816""", """
        UID:odd@example.org
        SUMMARY:Reminder
        DTSTART:20250707T090000Z
        DTEND:20250707T090030Z"""))
    reasons = refused(store, hub, path)
    assert set(reasons) == {"camp@example.org", "odd@example.org"}
    dry = import_ics(store, path, hub.id, dry_run=True, skip_unsupported=True)
    assert not dry.imported and len(all_series(store)) == 0
    report = import_ics(store, path, hub.id, skip_unsupported=True)
    assert [e.uid for e in report.events] == ["weekly@example.org"]
    assert {s["uid"]: s["reason"] for s in report.skipped} == reasons
    assert "40 days" in reasons["camp@example.org"] and "at most 31 days" in \
        reasons["camp@example.org"]
    assert "0:00:30" in reasons["odd@example.org"] and "to the minute" in \
        reasons["odd@example.org"]
    assert (dry.occurrences, len(dry.events)) == (report.occurrences, len(report.events))


def test_the_cli_skips_unsupported_events_on_request(cli, tmp_path):
    path = write(tmp_path, calendar(WEEKLY, """
        UID:camp@example.org
        SUMMARY:Camp
        DTSTART;VALUE=DATE:20250707
        DTEND;VALUE=DATE:20250816"""))
    status, body = cli("hub", "add", "Team", "--timezone", "Europe/Berlin")
    assert status == 0
    hub_id = str(body["id"])
    status, body = cli("import", "ics", str(path), "--hub", hub_id)
    assert status == 1 and body["error"]["code"] == "ics_unsupported"
    assert "--skip-unsupported" in body["error"]["message"]
    status, body = cli("import", "ics", str(path), "--hub", hub_id, "--skip-unsupported")
    assert status == 0 and body["imported"]
    assert [s["uid"] for s in body["skipped"]] == ["camp@example.org"]
    status, out = cli("import", "ics", str(path), "--hub", hub_id, "--skip-unsupported",
                      as_json=False)
    assert status == 0 and "unchanged" in out and "left out Camp" in out


def test_the_desk_report_lists_what_was_left_out_and_assumed(store, hub, tmp_path):
    from schedtui.tui.screens.interop import ics_import_report

    path = write(tmp_path, calendar(WEEKLY.replace("Weekly", "Café"), """
        UID:camp@example.org
        SUMMARY:Camp
        DTSTART;VALUE=DATE:20250707
        DTEND;VALUE=DATE:20250816"""), encoding="latin-1")
    shown = ics_import_report(import_ics(store, path, hub.id, dry_run=True,
                                         skip_unsupported=True)).plain
    assert "Left out" in shown and "Camp: it is an all-day event of 40 days" in shown
    assert "Windows-1252" in shown and "Café" in shown


def test_main_never_crashes_on_a_broken_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SCHEDTUI_NOW", "2025-01-01T12:00:00+00:00")
    db = str(tmp_path / "desk.db")
    assert main(["--db", db, "hub", "add", "H", "--timezone", "UTC"]) == 0
    path = write(tmp_path, calendar("UID:x\r\nDTSTART:2030XXXXT090000Z\r\nSUMMARY:X"))
    assert main(["--db", db, "import", "ics", str(path), "--hub", "1"]) == 1
    err = capsys.readouterr().err
    assert "internal_error" not in err and "DTSTART" in err


def test_an_update_that_drops_a_held_session_is_refused_by_event(store, hub, tmp_path):
    from schedtui.services import registrations

    path = write(tmp_path, calendar(WEEKLY.replace("20250106", "20250203"), """
        UID:other@example.org
        SUMMARY:Other
        DTSTART;TZID=Europe/Berlin:20250204T090000
        DURATION:PT1H"""))
    first = import_ics(store, path, hub.id)
    sid = first.events[0].series_id
    registrations.register(store, sid, email="ada@example.org", name="Ada")
    shorter = write(tmp_path, path.read_text().replace("COUNT=4", "COUNT=3")
                    .replace("SUMMARY:Weekly", "SUMMARY:Renamed"), "shorter.ics")
    before = snapshot(store)
    reasons = refused(store, hub, shorter)
    assert "seats" in reasons["weekly@example.org"]
    report = import_ics(store, shorter, hub.id, skip_unsupported=True)
    assert [s["uid"] for s in report.skipped] == ["weekly@example.org"]
    assert [e.action for e in report.events] == ["unchanged"]
    after = snapshot(store)
    assert after["series"] == before["series"] and after["occurrence"] == before["occurrence"]


def test_rule_sets_rdate_exrule_and_several_rrules(store, hub, tmp_path):
    text = calendar("""
        UID:set@example.org
        SUMMARY:Clinic
        DTSTART;TZID=Europe/Berlin:20250106T090000
        DTEND;TZID=Europe/Berlin:20250106T100000
        RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6
        RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=2
        EXRULE:FREQ=MONTHLY;BYDAY=2MO;COUNT=1
        RDATE;TZID=Europe/Berlin:20250111T090000
        RDATE;VALUE=PERIOD:20250118T080000Z/20250118T103000Z
        EXDATE;TZID=Europe/Berlin:20250120T090000""")
    path = write(tmp_path, text)
    report = import_ics(store, path, hub.id)
    sid = report.events[0].series_id
    got = [(o.start[:16], o.end[11:16]) for o in scheduled(store, sid)]
    assert got == [("2025-01-06T09:00", "10:00"), ("2025-01-09T09:00", "10:00"),
                   ("2025-01-11T09:00", "10:00"), ("2025-01-16T09:00", "10:00"),
                   ("2025-01-18T09:00", "11:30"),  # the period's own length
                   ("2025-01-27T09:00", "10:00"), ("2025-02-03T09:00", "10:00"),
                   ("2025-02-10T09:00", "10:00")]
    shown = series.get_series(store, sid)
    assert shown.rrule == "FREQ=WEEKLY;BYDAY=MO;COUNT=6"
    assert import_ics(store, path, hub.id).events[0].action == "unchanged"
    theirs = expander_instants(text, datetime(2025, 1, 1, tzinfo=UTC),
                               datetime(2025, 3, 1, tzinfo=UTC),
                               tz_of=lambda event: "Europe/Berlin")
    # recurring-ical-events leaves EXRULE out (RFC 5545 deprecates it); dateutil's
    # rruleset, which the desk follows, removes the second Monday of January.
    theirs = [t for t in theirs if t[1] != "2025-01-13T08:00:00Z"]
    assert [t[1:] for t in theirs] == [(o.start_utc, o.end_utc) for o in scheduled(store, sid)]


def test_a_hub_export_with_several_times_and_a_rule_set_comes_back_unchanged(store, hub,
                                                                            tmp_path):
    from datetime import date

    two = series.create_series(store, hub_id=hub.id, name="Two", start=date(2025, 1, 6),
                               rrule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10", duration_minutes=60,
                               times=[(time(9), None), (time(18), frozenset({2}))])
    made = series.create_series(store, hub_id=hub.id, name="Set", start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO", rdates=["2025-01-08T10:00"],
                                exdates=["2025-01-13"], duration_minutes=30,
                                times=[(time(9), None)])
    occs = occurrences.list_occurrences(store, two.id)
    occurrences.move_occurrence(store, occs[3].id, datetime(2025, 1, 20, 11, 0))
    path = tmp_path / "hub.ics"
    export_ics(store, path, hub_id=hub.id)
    before = snapshot(store)
    report = import_ics(store, path, hub.id)
    assert {e.action for e in report.events} == {"unchanged"}
    assert {e.series_id for e in report.events} == {two.id, made.id}
    after = snapshot(store)
    assert after["series"] == before["series"] and after["occurrence"] == before["occurrence"]
