"""Floors of the bulk figures (a CSV import, iCalendar export and import): the
same rows written or the same events built in plain code, with ``sqlite3`` and
``icalendar`` and nothing of the desk's rules (no audit, no notices, no checks
beyond the capacity sum). See :mod:`schedtui.bench.floors` for the others."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

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
