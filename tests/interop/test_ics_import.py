"""iCalendar import of files written the way Google Calendar, Outlook and khal
write them; unsupported rules refuse the whole file and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schedtui.domain.errors import DeskError
from schedtui.interop.ics import import_ics
from schedtui.services import hubs, occurrences, series
from tests.conftest import snapshot
from tests.interop.helpers import DATA, expander_instants

LATER = datetime(2025, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Imported", "Europe/Berlin")


def scheduled(store, series_id):
    return [o for o in occurrences.list_occurrences(store, series_id) if o.status == "scheduled"]


def agrees_with_the_file(store, report, name):
    """The desk holds what recurring-ical-events reads in the original file."""
    ids = [e.series_id for e in report.events]
    views = [o for sid in ids for o in occurrences.list_occurrences(store, sid)]
    start = min(datetime.fromisoformat(v.start_utc.rstrip("Z")) for v in views)
    stop = max(datetime.fromisoformat(v.start_utc.rstrip("Z")) for v in views)
    zones = {e.uid.split("#")[0]: e.timezone for e in report.events}
    theirs = expander_instants((DATA / name).read_text(), start.replace(tzinfo=UTC),
                               stop.replace(tzinfo=UTC).replace(second=1),
                               tz_of=lambda ev: zones[str(ev["UID"])])
    ours = sorted(((o.start, o.start_utc, o.end_utc) for o in views if o.status == "scheduled"),
                  key=lambda t: t[1])
    assert [t[1:] for t in theirs] == [t[1:] for t in ours]
    assert [t[0] for t in theirs] == [t[0] for t in ours]


def test_google_calendar(store, hub):
    report = import_ics(store, DATA / "google.ics", hub.id)
    assert report.imported and not report.problems
    standup, launch = report.events
    assert (standup.timezone, standup.occurrences, standup.cancelled, standup.moved) == \
        ("America/New_York", 24, 2, 1)
    assert "UNTIL=20250331T035959Z" in standup.rrule
    moved = [o for o in scheduled(store, standup.series_id) if o.moved]
    assert [(o.start, o.original_start, o.location) for o in moved] == [
        ("2025-01-15T11:30:00-05:00", "2025-01-15T10:00:00-05:00",
         "https://meet.example.org/standup")]
    assert launch.timezone == "UTC" and launch.rrule == "FREQ=DAILY;COUNT=1"
    shown = series.get_series(store, launch.series_id)
    assert shown.location == "Room 12, 3rd floor" and "Bring numbers." in shown.description
    agrees_with_the_file(store, report, "google.ics")


def test_outlook_windows_and_custom_zones(store, hub):
    report = import_ics(store, DATA / "outlook.ics", hub.id)
    sync, offshore = report.events
    assert sync.timezone == "Europe/Berlin" and sync.name == "Sync"
    assert (sync.occurrences, sync.cancelled, sync.moved) == (10, 1, 1)
    assert offshore.timezone in ("Asia/Kolkata", "Asia/Calcutta")
    assert any("matched" in note for note in offshore.notes)
    first = scheduled(store, sync.series_id)
    assert first[0].start == "2025-03-03T09:00:00+01:00"
    assert first[4].start == "2025-04-07T10:30:00+02:00"  # moved, after the DST change
    agrees_with_the_file(store, report, "outlook.ics")


def test_khal_floating_and_all_day(store, hub):
    report = import_ics(store, DATA / "khal.ics", hub.id)
    climbing, may_day, reading = report.events
    assert climbing.timezone == "Europe/Berlin" and climbing.occurrences == 4
    assert [o.start[11:16] for o in scheduled(store, climbing.series_id)] == ["19:00"] * 4
    day = scheduled(store, may_day.series_id)
    assert [(d.start, d.end) for d in day] == [("2025-05-01T00:00:00+02:00",
                                                "2025-05-02T00:00:00+02:00")]
    assert reading.timezone == "Europe/Berlin"  # floating: the hub's zone
    assert [o.start[:16] for o in scheduled(store, reading.series_id)] == [
        "2025-04-10T18:00", "2025-05-08T18:00", "2025-06-12T18:00"]


def test_an_unsupported_event_refuses_the_whole_file(store, hub):
    """Hourly and BYHOUR rules and RDATEs are held now; a three-day event is not
    (a session lasts at most a day): it is named, and nothing is imported
    unless the rest is asked for."""
    before = snapshot(store)
    with pytest.raises(DeskError) as caught:
        import_ics(store, DATA / "unsupported.ics", hub.id)
    error = caught.value
    assert error.code == "ics_unsupported"
    reasons = {p["uid"]: p["reason"] for p in error.details["report"]["problems"]}
    assert list(reasons) == ["camp@example.org"] and "44 days" in reasons["camp@example.org"]
    assert "would import" in error.message and "4 event(s)" in error.message
    assert snapshot(store) == before
    report = import_ics(store, DATA / "unsupported.ics", hub.id, skip_unsupported=True)
    assert [s["uid"] for s in report.skipped] == ["camp@example.org"]
    by_uid = {e.uid: e for e in report.events}
    assert [o.start[11:16] for o in scheduled(store, by_uid["byhour@example.org"].series_id)
            ][:3] == ["09:00", "17:00", "09:00"]
    assert scheduled(store, by_uid["rdate@example.org"].series_id)[-1].start[:16] == \
        "2025-02-01T09:00"
    agrees_with_the_file(store, report, "unsupported.ics")


def test_dry_run_writes_nothing(store, hub):
    before = snapshot(store)
    report = import_ics(store, DATA / "google.ics", hub.id, dry_run=True)
    assert not report.imported and len(report.events) == 2 and report.occurrences == 25
    assert snapshot(store) == before


def test_progress_and_bad_files(store, hub, tmp_path):
    seen = []
    import_ics(store, DATA / "khal.ics", hub.id, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (3, 3)
    before = snapshot(store)
    junk = tmp_path / "junk.ics"
    junk.write_text("hello")
    for path, code in ((junk, "invalid_ics"), (tmp_path / "missing.ics", "not_found")):
        with pytest.raises(DeskError) as caught:
            import_ics(store, path, hub.id)
        assert caught.value.code == code
    with pytest.raises(DeskError) as caught:
        import_ics(store, DATA / "khal.ics", 99)
    assert caught.value.code == "not_found"
    assert snapshot(store) == before
