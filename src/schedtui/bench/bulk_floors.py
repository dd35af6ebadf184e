"""Floors of the bulk figures (a CSV import, iCalendar export and import): the
same rows written or the same events built in plain code, with ``sqlite3`` and
``icalendar`` and nothing of the desk's rules (no audit, no notices, no checks
beyond the capacity sum). See :mod:`schedtui.bench.floors` for the others."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime

from schedtui.bench.floors import SQL_TIME, connect, insert_sql


def csv_import(path: str, csv_path: str, series_id: int, now: datetime) -> dict[str, int]:
    """Read the CSV and write its people, their registrations and one seat per
    occurrence of the series, each seat confirmed while the occurrence's seats
    confirmed so far (a running sum from the occurrence's count) fit its
    capacity, else waitlisted: ``executemany`` in one transaction."""
    stamp = now.astimezone(UTC).replace(tzinfo=None).strftime(SQL_TIME)
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)  # the header: name, email, seats
        people = [(row[0], row[1], int(row[2] or 1)) for row in reader if row]
    con = connect(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        occurrences = con.execute(
            "SELECT o.id, o.capacity, (SELECT coalesce(sum(s.seats), 0) FROM seat_entry s "
            "WHERE s.occurrence_id = o.id AND s.status = 'confirmed') FROM occurrence o "
            "WHERE o.series_id = ? AND o.status = 'scheduled' AND o.start_utc > ? "
            "ORDER BY o.id", (series_id, stamp)).fetchall()
        con.executemany(insert_sql(con, "attendee", ("email_key", "email", "name", "phone",
                                                     "created_at")),
                        [(email.lower(), email, name, "", stamp) for name, email, _ in people])
        ids = _ids(con, "SELECT email_key, id FROM attendee WHERE email_key IN ({})",
                   [email.lower() for _, email, _ in people])
        con.executemany(insert_sql(con, "registration", (
            "series_id", "attendee_id", "seats", "status", "created_at", "updated_at")),
            [(series_id, ids[email.lower()], seats, "active", stamp, stamp)
             for _, email, seats in people])
        regs = _ids(con, f"SELECT attendee_id, id FROM registration WHERE series_id = "
                    f"{int(series_id)} AND attendee_id IN ({{}})", list(ids.values()))
        taken = {occ: confirmed for occ, _, confirmed in occurrences}
        rows = []
        confirmed = 0
        for _, email, seats in people:
            reg = regs[ids[email.lower()]]
            for occ, capacity, _ in occurrences:
                fits = capacity is None or taken[occ] + seats <= capacity
                if fits:
                    taken[occ] += seats
                    confirmed += 1
                rows.append((reg, occ, seats, "confirmed" if fits else "waitlisted", 0, stamp,
                             stamp if fits else None, ""))
        con.executemany(insert_sql(con, "seat_entry", (
            "registration_id", "occurrence_id", "seats", "status", "attended", "queued_at",
            "confirmed_at", "cancel_reason")), rows)
        con.execute("COMMIT")
        return {"people": len(people), "seats": len(rows), "confirmed": confirmed}
    finally:
        con.close()


def _ids(con: sqlite3.Connection, sql: str, keys: Sequence) -> dict:
    found = {}
    for start in range(0, len(keys), 900):
        chunk = keys[start:start + 900]
        found.update(con.execute(sql.format(", ".join("?" * len(chunk))), chunk).fetchall())
    return found


# -- iCalendar ------------------------------------------------------------------------


def ics_export(path: str, now: datetime) -> list[bytes]:
    """Every hub's published and paused series as one calendar each, built with
    icalendar from rows read with sqlite3: one VEVENT per series and time of
    day with the series' RRULE, its cancelled sessions as EXDATEs and its moved
    ones as overriding VEVENTs (RECURRENCE-ID), then the zones' VTIMEZONEs."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    import icalendar

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    stamp = now.astimezone(UTC)
    files = []
    try:
        for hub_id, hub_name in con.execute("SELECT id, name FROM hub ORDER BY id").fetchall():
            cal = icalendar.Calendar()
            cal.add("prodid", "-//floor//EN")
            cal.add("version", "2.0")
            cal.add("x-wr-calname", hub_name)
            series_rows = con.execute(
                "SELECT id, name, timezone, rrule, duration_minutes, location FROM series "
                "WHERE hub_id = ? AND status IN ('published', 'paused') ORDER BY id",
                (hub_id,)).fetchall()
            for sid, name, timezone, rule, minutes, location in series_rows:
                tz = ZoneInfo(timezone)
                occurrences: dict[int, list] = {}
                for row in con.execute(
                        "SELECT slot_id, original_start, start_utc, end_utc, status, location "
                        "FROM occurrence WHERE series_id = ? ORDER BY original_start", (sid,)):
                    occurrences.setdefault(row[0], []).append(row)
                for slot_id, rows in occurrences.items():
                    def local(text: str, tz=tz):
                        return datetime.fromisoformat(text).replace(tzinfo=UTC).astimezone(tz)

                    uid = f"series-{sid}-slot-{slot_id}@floor"
                    master = icalendar.Event()
                    master.add("uid", uid)
                    master.add("dtstamp", stamp)
                    master.add("summary", name)
                    master.add("dtstart", local(rows[0][1]))
                    master.add("duration", timedelta(minutes=minutes))
                    master.add("rrule", icalendar.vRecur.from_ical(rule))
                    if location:
                        master.add("location", location)
                    exdates = [local(r[1]) for r in rows if r[4] == "cancelled"]
                    if exdates:
                        master.add("exdate", exdates)
                    cal.add_component(master)
                    for r in rows:
                        if r[4] != "cancelled" and (r[2] != r[1] or r[5] is not None):
                            override = icalendar.Event()
                            override.add("uid", uid)
                            override.add("dtstamp", stamp)
                            override.add("summary", name)
                            override.add("recurrence-id", local(r[1]))
                            override.add("dtstart", local(r[2]))
                            override.add("dtend", local(r[3]))
                            override.add("location", r[5] if r[5] is not None else location)
                            cal.add_component(override)
            first = con.execute("SELECT min(o.start_utc), max(o.start_utc) FROM occurrence o "
                                "JOIN series s ON s.id = o.series_id WHERE s.hub_id = ?",
                                (hub_id,)).fetchone()
            if first[0]:  # the same span of zone rules as the desk's export writes
                low = datetime.fromisoformat(first[0]).date() - timedelta(days=1)
                high = max(datetime.fromisoformat(first[1]).date() + timedelta(days=400),
                           date(2038, 1, 1))
                cal.add_missing_timezones(first_date=low, last_date=high)
            files.append(cal.to_ical())
    finally:
        con.close()
    return files


def ics_import(path: str, files: Sequence[bytes], now: datetime,
               horizon_weeks: int = 26) -> int:
    """Parse each calendar with icalendar and write its series, slots and
    occurrences with sqlite3 in one transaction per file: a repeating event's
    instances expanded with dateutil (to its UNTIL or COUNT, or ``horizon_weeks``
    ahead) without its EXDATEs, its overrides applied, a single event one
    occurrence. Returns the occurrences written."""
    from datetime import timedelta

    import icalendar
    from dateutil.rrule import rrulestr

    stamp = now.astimezone(UTC).replace(tzinfo=None).strftime(SQL_TIME)
    con = connect(path)
    written = 0
    try:
        series_sql = insert_sql(con, "series", (
            "hub_id", "name", "description", "timezone", "start_date", "rrule",
            "duration_minutes", "capacity", "location", "host", "status", "registration_option",
            "horizon_weeks", "created_at", "updated_at"))
        slot_sql = insert_sql(con, "slot", ("series_id", "position", "at", "capacity", "host"))
        for hub_id, data in enumerate(files, 1):
            cal = icalendar.Calendar.from_ical(data)
            events = cal.walk("VEVENT")
            overrides: dict[str, dict[datetime, icalendar.Event]] = {}
            for event in events:
                if "RECURRENCE-ID" in event:
                    overrides.setdefault(str(event["UID"]), {})[
                        event.decoded("RECURRENCE-ID")] = event
            con.execute("BEGIN IMMEDIATE")
            rows = []
            for event in events:
                if "RECURRENCE-ID" in event:
                    continue
                start = event.decoded("DTSTART")
                tz = start.tzinfo
                length = (event.decoded("DURATION") if "DURATION" in event
                          else event.decoded("DTEND") - start)
                rule = event.get("RRULE")
                text = rule.to_ical().decode() if rule is not None else ""
                series_id = con.execute(series_sql, (
                    hub_id, str(event.get("SUMMARY", "")), "", str(tz), start.date().isoformat(),
                    text or "FREQ=DAILY;COUNT=1", int(length.total_seconds() // 60), None,
                    str(event.get("LOCATION", "")), "", "published", "all_sessions",
                    horizon_weeks, stamp, stamp)).lastrowid
                slot_id = con.execute(slot_sql, (series_id, 0, f"{start:%H:%M}", None,
                                                 "")).lastrowid
                if rule is None:
                    instances = [start]
                else:
                    expanded = rrulestr(text, dtstart=start)  # aware: UNTIL is in UTC
                    until = now + timedelta(weeks=horizon_weeks)
                    instances = []
                    for moment in expanded:
                        if "UNTIL" not in rule and "COUNT" not in rule and moment > until:
                            break
                        instances.append(moment)
                skipped = {d.dt for ex in _as_list(event.get("EXDATE")) for d in ex.dts}
                moved = overrides.get(str(event["UID"]), {})
                for moment in instances:
                    if moment in skipped:
                        continue
                    original = moment.astimezone(UTC).replace(tzinfo=None)
                    other = moved.get(moment)
                    begin = other.decoded("DTSTART") if other is not None else moment
                    end = other.decoded("DTEND") if other is not None else moment + length
                    first = begin.astimezone(UTC).replace(tzinfo=None)
                    rows.append((series_id, slot_id, original.isoformat(" ", "microseconds"),
                                 first.isoformat(" ", "microseconds"),
                                 end.astimezone(UTC).replace(tzinfo=None)
                                 .isoformat(" ", "microseconds")))
            con.executemany(
                "INSERT INTO occurrence (series_id, slot_id, original_start, start_utc, "
                "end_utc, status, capacity, edited) VALUES (?, ?, ?, ?, ?, 'scheduled', NULL, "
                "'')", rows)
            con.execute("COMMIT")
            written += len(rows)
    finally:
        con.close()
    return written


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
