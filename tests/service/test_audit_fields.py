"""The audit log holds, for every change, the values before and after of every
field it touched: series settings, times of day (slots: time, weekdays,
capacity, host) and the occurrences a re-plan moved, for series edits and
splits, occurrence set/move/cancel/restore and hub renames. Read as a script
reads it: ``schedtui log --json``."""

from __future__ import annotations

from schedtui.services import hubs
from schedtui.store import open_store


def _setup(cli):
    assert cli("hub", "add", "Team", "--timezone", "Europe/Berlin")[0] == 0
    status, body = cli("series", "add", "--hub", "1", "--name", "Yoga", "--start",
                       "2025-01-06", "--at", "09:00", "--duration", "60", "--rrule",
                       "FREQ=WEEKLY;BYDAY=MO;COUNT=4", "--capacity", "10")
    assert status == 0, body
    status, occs = cli("occ", "list", str(body["id"]))
    return body["id"], [o["id"] for o in occs]


def _last(cli, action):
    status, entries = cli("log")
    assert status == 0
    return next(e for e in entries if e["action"] == action)


def _changed(entry):
    before, after = entry["before"] or {}, entry["after"] or {}
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)}


def test_a_times_of_day_edit_logs_the_slots_and_the_moved_occurrences(cli):
    sid, occs = _setup(cli)
    assert cli("series", "edit", str(sid), "--at", "10:30/MO=8@Ilse,18:00")[0] == 0
    entry = _last(cli, "series.edit")
    assert {"times", "occurrences"} <= _changed(entry)
    assert entry["before"]["times"] == [{"at": "09:00", "weekdays": None, "capacity": 10,
                                         "fixed_capacity": False, "host": ""}]
    assert entry["after"]["times"] == [
        {"at": "10:30", "weekdays": "MO", "capacity": 8, "fixed_capacity": True,
         "host": "Ilse"},
        {"at": "18:00", "weekdays": None, "capacity": 10, "fixed_capacity": False,
         "host": ""}]
    moved = entry["before"]["occurrences"][str(occs[0])]
    now = entry["after"]["occurrences"][str(occs[0])]
    assert (moved["start_utc"], now["start_utc"]) == ("2025-01-06T08:00:00Z",
                                                     "2025-01-06T09:30:00Z")
    assert (moved["capacity"], now["capacity"]) == (10, 8)
    assert entry["after"]["added"] == 4  # the 18:00 sessions


def test_a_settings_edit_logs_each_field(cli):
    sid, occs = _setup(cli)
    assert cli("series", "edit", str(sid), "--capacity", "12", "--location", "Hall",
               "--duration", "45")[0] == 0
    entry = _last(cli, "series.edit")
    assert {"capacity", "location", "duration_minutes", "times", "occurrences"} <= \
        _changed(entry)
    assert (entry["before"]["location"], entry["after"]["location"]) == ("", "Hall")
    assert entry["after"]["times"][0]["capacity"] == 12
    assert entry["after"]["occurrences"][str(occs[1])] == {
        "capacity": 12, "end_utc": "2025-01-13T08:45:00Z"}


def test_a_split_logs_the_rule_the_slots_and_the_occurrences_it_moved(cli):
    sid, occs = _setup(cli)
    assert cli("series", "split", str(sid), "--at-occurrence", str(occs[2]),
               "--at", "11:00")[0] == 0
    split = _last(cli, "series.split")
    assert "rrule" in _changed(split) and split["after"]["split_into"] == 2
    assert split["after"]["occurrences"][str(occs[2])]["start_utc"] == "2025-01-20T10:00:00Z"
    assert split["before"]["occurrences"][str(occs[2])]["start_utc"] == "2025-01-20T08:00:00Z"
    created = _last(cli, "series.create")
    assert created["entity_id"] == 2 and created["after"]["times"][0]["at"] == "11:00"


def test_occurrence_edits_log_every_field_they_touch(cli):
    sid, occs = _setup(cli)
    assert cli("occ", "set", str(occs[1]), "--capacity", "4", "--location", "Room 2",
               "--host", "Bo")[0] == 0
    entry = _last(cli, "occurrence.set")
    assert _changed(entry) == {"capacity", "location", "host", "edited"}
    assert (entry["before"]["capacity"], entry["after"]["capacity"]) == (10, 4)
    assert cli("occ", "move", str(occs[1]), "--start", "2025-01-14T09:00",
               "--duration", "30")[0] == 0
    entry = _last(cli, "occurrence.move")
    assert _changed(entry) == {"start_utc", "end_utc", "edited"}
    assert cli("occ", "cancel", str(occs[1]))[0] == 0
    entry = _last(cli, "occurrence.cancel")
    assert _changed(entry) == {"status", "edited"}
    assert cli("occ", "restore", str(occs[1]))[0] == 0
    entry = _last(cli, "occurrence.restore")
    assert _changed(entry) == {"status"}
    assert (entry["before"]["status"], entry["after"]["status"]) == ("cancelled", "scheduled")


def test_a_hub_rename_logs_name_and_zone(cli, db_path, clock):
    _setup(cli)
    store = open_store(str(db_path), clock=clock)
    try:
        hubs.rename_hub(store, 1, name="Platform", timezone="America/New_York")
    finally:
        store.dispose()
    entry = _last(cli, "hub.edit")
    assert _changed(entry) == {"name", "timezone"}
    assert (entry["before"]["name"], entry["after"]["name"]) == ("Team", "Platform")


def test_a_new_series_logs_its_times_of_day(cli):
    _setup(cli)
    entry = _last(cli, "series.create")
    assert entry["before"] is None
    assert entry["after"]["times"] == [{"at": "09:00", "weekdays": None, "capacity": 10,
                                        "fixed_capacity": False, "host": ""}]
