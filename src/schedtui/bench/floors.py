"""The physical floors: the same work in plain code over the same libraries,
measured in the same run as the project's figures.

Each floor is deliberately bare so anyone can read it and see that nothing
faster is possible with these libraries without changing what is done:
dateutil and zoneinfo for expansion, Python's ``sqlite3`` for writes, a bare
Textual app for the screens. None of them applies the desk's rules (no audit,
no notices, no gap normalisation beyond zoneinfo's own), which is the point:
the ratio says what the rules, the layers and the ORM cost on top.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

SQL_TIME = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy's SQLite dialect stores a naive datetime; the floor writes the same text."""


@dataclass(frozen=True)
class RuleRow:
    """One series as the floors see it: rule text, first day, zone, times of day,
    and the last day planned for a rule without an end."""

    rrule: str
    start: date
    timezone: str
    times: tuple[time, ...]
    horizon: date | None
    duration: int = 60
    capacity: int | None = None


# -- expansion -------------------------------------------------------------------


def expand_rows(row: RuleRow) -> Iterable[tuple[datetime, datetime]]:
    """A rule's occurrences as (local, UTC) aware datetimes: dateutil + zoneinfo."""
    tz = ZoneInfo(row.timezone)
    rule = rrulestr(row.rrule, dtstart=datetime.combine(row.start, time()))
    for moment in rule:
        day = moment.date()
        if row.horizon is not None and day > row.horizon:
            break
        for at in row.times:
            local = datetime.combine(day, at, tzinfo=tz)
            yield local, local.astimezone(UTC)


def expansion(rows: Sequence[RuleRow]) -> int:
    """Expand every rule and format each occurrence in local time and UTC."""
    produced = 0
    for row in rows:
        for local, utc in expand_rows(row):
            local.isoformat()
            utc.isoformat()
            produced += 1
    return produced


# -- materialization ---------------------------------------------------------------


def connect(path: str) -> sqlite3.Connection:
    """A connection set up as the desk sets up its own: WAL, NORMAL sync, foreign keys."""
    con = sqlite3.connect(path, isolation_level=None, timeout=30)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("PRAGMA foreign_keys = ON")
    return con


def insert_sql(con: sqlite3.Connection, table: str, names: Sequence[str]) -> str:
    """An INSERT of ``names``, with 0 for any other required column that has no
    default (settings the floor does not use, such as a series' seat maximum)."""
    extra = [row[1] for row in con.execute(f"PRAGMA table_info({table})")
             if row[3] and row[4] is None and not row[5] and row[1] not in names]
    columns = ", ".join([*names, *extra])
    values = ", ".join(["?"] * len(names) + ["0"] * len(extra))
    return f"INSERT INTO {table} ({columns}) VALUES ({values})"


def materialization(path: str, hub_id: int, rows: Sequence[RuleRow], now: datetime) -> int:
    """Insert the series, their slots and every occurrence with ``executemany``
    in one transaction. Returns the occurrences written."""
    stamp = now.astimezone(UTC).replace(tzinfo=None).strftime(SQL_TIME)
    con = connect(path)
    try:
        series_sql = insert_sql(con, "series", (
            "hub_id", "name", "description", "timezone", "start_date", "rrule",
            "duration_minutes", "capacity", "location", "host", "status", "registration_option",
            "horizon_weeks", "created_at", "updated_at"))
        slot_sql = insert_sql(con, "slot", ("series_id", "position", "at", "capacity", "host"))
        con.execute("BEGIN IMMEDIATE")
        occurrences = []
        for number, row in enumerate(rows):
            series_id = con.execute(series_sql, (
                hub_id, f"Floor {number}", "", row.timezone, row.start.isoformat(), row.rrule,
                row.duration, row.capacity, "", "", "published", "all_sessions", 26, stamp,
                stamp)).lastrowid
            slots = {}
            for position, at in enumerate(row.times):
                slots[at] = con.execute(slot_sql, (series_id, position, f"{at:%H:%M}",
                                                   row.capacity, "")).lastrowid
            length = timedelta(minutes=row.duration)
            for local, utc in expand_rows(row):
                start = utc.replace(tzinfo=None)
                text = start.isoformat(" ", "microseconds")  # the text of SQL_TIME, faster
                occurrences.append((series_id, slots[local.time()], text, text,
                                    (start + length).isoformat(" ", "microseconds"),
                                    row.capacity))
        con.executemany(
            "INSERT INTO occurrence (series_id, slot_id, original_start, start_utc, end_utc, "
            "status, capacity, edited) VALUES (?, ?, ?, ?, ?, 'scheduled', ?, '')", occurrences)
        con.execute("COMMIT")
        return len(occurrences)
    finally:
        con.close()


# -- registration -----------------------------------------------------------------


def registrations(path: str, series_id: int, occurrence_ids: Sequence[int], count: int,
                  now: datetime, prefix: str = "floor") -> int:
    """``count`` capacity-checked registrations, one transaction each: BEGIN
    IMMEDIATE, the sum of confirmed seats, the seat inserted as confirmed if it
    fits (else waitlisted), COMMIT. The seats hang off one registration row made
    beforehand (the foreign key needs one); the person and registration rows the
    desk also writes are not part of this floor. Returns how many were confirmed."""
    stamp = now.astimezone(UTC).replace(tzinfo=None).strftime(SQL_TIME)
    con = connect(path)
    seat_sql = insert_sql(con, "seat_entry", ("registration_id", "occurrence_id", "seats",
                                               "status", "attended", "queued_at",
                                               "confirmed_at", "cancel_reason"))
    confirmed = 0
    try:
        email = f"{prefix}@example.org"
        con.execute("BEGIN IMMEDIATE")
        person = con.execute(insert_sql(con, "attendee", (
            "email_key", "email", "name", "phone", "created_at")),
            (email, email, "Floor", "", stamp)).lastrowid
        reg = con.execute(insert_sql(con, "registration", (
            "series_id", "attendee_id", "seats", "status", "created_at", "updated_at")),
            (series_id, person, 1, "active", stamp, stamp)).lastrowid
        con.execute("COMMIT")
        for i in range(count):
            occ = occurrence_ids[i % len(occurrence_ids)]
            con.execute("BEGIN IMMEDIATE")
            capacity, taken = con.execute(
                "SELECT o.capacity, (SELECT coalesce(sum(s.seats), 0) FROM seat_entry s "
                "WHERE s.occurrence_id = o.id AND s.status = 'confirmed') "
                "FROM occurrence o WHERE o.id = ?", (occ,)).fetchone()
            fits = capacity is None or taken + 1 <= capacity
            con.execute(seat_sql, (reg, occ, 1, "confirmed" if fits else "waitlisted", 0, stamp,
                                   stamp if fits else None, ""))
            con.execute("COMMIT")
            confirmed += fits
    finally:
        con.close()
    return confirmed


# -- the hub rows ---------------------------------------------------------------------

HUB_ROWS = """
SELECT h.name, h.timezone,
       (SELECT count(*) FROM series s WHERE s.hub_id = h.id AND s.status != 'archived'),
       (SELECT min((SELECT o.start_utc FROM occurrence o
                    WHERE o.series_id = s.id AND o.status = 'scheduled' AND o.start_utc >= ?
                    ORDER BY o.start_utc LIMIT 1))
        FROM series s WHERE s.hub_id = h.id AND s.status != 'archived')
FROM hub h WHERE NOT h.archived ORDER BY h.name, h.id
"""
"""The hubs screen's rows in one statement: name, zone, series, first start to come."""


def hub_rows(path: str, now: datetime) -> list[tuple[str, str, str, str]]:
    """The rows of the hubs screen, read with ``sqlite3`` and shown in each hub's zone."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(HUB_ROWS, (now.astimezone(UTC).replace(tzinfo=None)
                                      .strftime(SQL_TIME),)).fetchall()
    finally:
        con.close()
    shown = []
    for name, zone, series, first in rows:
        start = (datetime.fromisoformat(first).replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
                 .strftime("%a %Y-%m-%d %H:%M") if first else "")
        shown.append((name, zone, str(series), start))
    return shown


# -- bare Textual apps ---------------------------------------------------------------


def table_app(rows: int, columns: int = 4, *, on_painted=None):
    """A bare Textual app with one DataTable of ``rows`` rows, filled on mount.
    ``on_painted(app)`` runs once the filled table has been drawn."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class BareTable(App):
        def compose(self) -> ComposeResult:
            yield DataTable(id="table", cursor_type="row")

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns(*[f"Column {c + 1}" for c in range(columns)])
            table.add_rows([(f"Name {r}", f"person{r}@example.org", str(r % 3 + 1), "confirmed")
                            [:columns] for r in range(rows)])
            table.focus()
            if on_painted is not None:
                self.call_after_refresh(on_painted, self)

    return BareTable()


def table_screen(rows: int, columns: int = 5, on_painted=None):
    """A screen with one DataTable of ``rows`` rows filled on mount (the floor
    of the attendee list); ``on_painted(screen)`` runs once it is drawn."""
    from textual.app import ComposeResult
    from textual.screen import Screen
    from textual.widgets import DataTable

    class TableScreen(Screen):
        def compose(self) -> ComposeResult:
            yield DataTable(id="table", cursor_type="row")

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Name", "Email", "Seats", "Status", "Attended")
            table.add_rows([(f"Name {r}", f"person{r}@example.org", "1", "confirmed", "")
                            for r in range(rows)])
            table.focus()
            if on_painted is not None:
                self.call_after_refresh(on_painted, self)

    return TableScreen()


def month_app(on_painted=None):
    """A bare month grid: 7 day names and 42 Static cells, each with a day number
    and two sessions; ``]`` and ``[`` refill the 42 cells for the next or
    previous month, then ``on_painted(app)`` runs once they are drawn."""
    import calendar

    from textual.app import App, ComposeResult
    from textual.containers import Grid
    from textual.widgets import Static

    class BareMonth(App):
        CSS = "Grid { grid-size: 7 7; } Static { height: 1fr; }"
        BINDINGS = [("right_square_bracket", "month(1)", "Next"),
                    ("left_square_bracket", "month(-1)", "Previous")]

        def __init__(self) -> None:
            super().__init__()
            self.month = date(2026, 3, 1)

        def compose(self) -> ComposeResult:
            with Grid():
                for name in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
                    yield Static(name)
                for _ in range(42):
                    yield Static("", classes="day")

        def on_mount(self) -> None:
            self.fill()

        def fill(self) -> None:
            first = self.month - timedelta(days=self.month.weekday())
            days = calendar.monthrange(self.month.year, self.month.month)[1]
            for index, cell in enumerate(self.query(".day").results(Static)):
                day = first + timedelta(days=index)
                inside = day.month == self.month.month and day.day <= days
                cell.update(f"{day.day:>2}\n09:00 ■\n17:00 ■" if inside else f"{day.day:>2}")
            if on_painted is not None:
                self.call_after_refresh(on_painted, self)

        def action_month(self, step: int) -> None:
            month = self.month.month - 1 + step
            self.month = date(self.month.year + month // 12, month % 12 + 1, 1)
            self.fill()

    return BareMonth()


# -- one-shot commands: `python -c` processes that print the same JSON -----------------
# Each is started as `python -c SOURCE ARGS...`, as the command is started as
# `schedtui ...`: process start, the same rows read (or the same registration
# written) with sqlite3, the same JSON printed.

_ONESHOT_HEAD = """
import json, sqlite3, sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo
UTC = timezone.utc
def local(text, tz):
    return datetime.fromisoformat(text).replace(tzinfo=UTC).astimezone(tz).isoformat(
        timespec="seconds")
def z(text):
    return text[:19].replace(" ", "T") + "Z"
def stamp(moment):
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
def emit(value):
    print(json.dumps(value, ensure_ascii=False, indent=2))
con = sqlite3.connect(sys.argv[1])
"""

ONESHOT_OCC_LIST = _ONESHOT_HEAD + """
sid = int(sys.argv[2])
first, last = date.fromisoformat(sys.argv[3]), date.fromisoformat(sys.argv[4])
tz_name, s_location, s_host = con.execute(
    "SELECT timezone, location, host FROM series WHERE id = ?", (sid,)).fetchone()
tz = ZoneInfo(tz_name)
rows = con.execute(
    "SELECT o.id, o.original_start, o.start_utc, o.end_utc, o.status, o.capacity, o.location, "
    "o.host, o.edited, sl.host, b.reason, "
    "(SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id "
    "AND e.status = 'confirmed'), "
    "(SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id "
    "AND e.status = 'waitlisted') "
    "FROM occurrence o LEFT JOIN slot sl ON sl.id = o.slot_id "
    "LEFT JOIN blackout b ON b.id = o.blackout_id "
    "WHERE o.series_id = ? AND o.start_utc >= ? AND o.start_utc < ? ORDER BY o.start_utc, o.id",
    (sid, stamp(datetime.combine(first, datetime.min.time(), tz)),
     stamp(datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)))).fetchall()
emit([{"id": i, "series_id": sid, "start": local(start, tz), "end": local(end, tz),
       "start_utc": z(start), "end_utc": z(end), "status": status, "capacity": capacity,
       "booked": booked or 0, "waitlisted": waitlisted or 0,
       "original_start": local(original, tz),
       "location": s_location if location is None else location,
       "host": (slot_host or s_host) if host is None else host, "moved": start != original,
       "edited": sorted(f for f in edited.split(",") if f), "timezone": tz_name,
       "blackout": reason}
      for (i, original, start, end, status, capacity, location, host, edited, slot_host, reason,
           booked, waitlisted) in rows])
"""

ONESHOT_HUB_LIST = _ONESHOT_HEAD + """
now = stamp(datetime.fromisoformat(sys.argv[2]))
rows = con.execute(
    "SELECT h.id, h.name, h.timezone, h.archived, "
    "(SELECT count(*) FROM series s WHERE s.hub_id = h.id AND s.status != 'archived'), "
    "(SELECT min((SELECT o.start_utc FROM occurrence o WHERE o.series_id = s.id "
    "AND o.status = 'scheduled' AND o.start_utc >= ? ORDER BY o.start_utc LIMIT 1)) "
    "FROM series s WHERE s.hub_id = h.id AND s.status != 'archived'), h.region "
    "FROM hub h WHERE NOT h.archived ORDER BY h.name, h.id", (now,)).fetchall()
emit([{"id": i, "name": name, "timezone": zone, "archived": bool(archived),
       "series_count": count, "next_occurrence": local(first, ZoneInfo(zone)) if first else None,
       "region": region or ""}
      for i, name, zone, archived, count, first, region in rows])
"""

ONESHOT_AGENDA = _ONESHOT_HEAD + """
first, last = date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])
low = datetime.combine(first, datetime.min.time()) - timedelta(hours=15)
high = datetime.combine(last + timedelta(days=1), datetime.min.time()) + timedelta(hours=13)
rows = con.execute(
    "SELECT o.id, o.series_id, s.name, s.hub_id, h.name, o.start_utc, o.end_utc, s.timezone, "
    "o.status, o.capacity, "
    "(SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id "
    "AND e.status = 'confirmed'), "
    "(SELECT sum(e.seats) FROM seat_entry e WHERE e.occurrence_id = o.id "
    "AND e.status = 'waitlisted'), "
    "o.host, sl.host, s.host, o.location, s.location, s.status, s.kind, s.private "
    "FROM occurrence o JOIN series s ON s.id = o.series_id JOIN hub h ON h.id = s.hub_id "
    "LEFT JOIN slot sl ON sl.id = o.slot_id WHERE o.start_utc >= ? AND o.start_utc < ? "
    "AND s.status IN ('published', 'paused') ORDER BY o.start_utc, o.id",
    (stamp(low.replace(tzinfo=UTC)), stamp(high.replace(tzinfo=UTC)))).fetchall()
zones, items = {}, []
for (i, sid, series, hub_id, hub, start, end, tz_name, status, capacity, booked, waitlisted,
     host, slot_host, s_host, location, s_location, s_status, kind, private) in rows:
    tz = zones.get(tz_name) or zones.setdefault(tz_name, ZoneInfo(tz_name))
    shown = local(start, tz)
    if not first.isoformat() <= shown[:10] <= last.isoformat():
        continue
    items.append({"id": i, "series_id": sid, "series": series, "hub_id": hub_id, "hub": hub,
                  "start": shown, "end": local(end, tz), "start_utc": z(start),
                  "timezone": tz_name, "status": status, "capacity": capacity,
                  "booked": booked or 0, "waitlisted": waitlisted or 0,
                  "host": (slot_host or s_host) if host is None else host,
                  "location": s_location if location is None else location,
                  "series_status": s_status, "kind": kind, "private": bool(private)})
emit(items)
"""

ONESHOT_REG_ADD = _ONESHOT_HEAD + """
sid, occ, email, name = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
now = stamp(datetime.fromisoformat(sys.argv[6]))
con.isolation_level = None
con.execute("PRAGMA foreign_keys = ON")
con.execute("BEGIN IMMEDIATE")
person = con.execute("INSERT INTO attendee (email_key, email, name, phone, created_at) "
                     "VALUES (?, ?, ?, '', ?)", (email.lower(), email, name, now)).lastrowid
reg = con.execute("INSERT INTO registration (series_id, attendee_id, seats, status, "
                  "created_at, updated_at, late_cancel, refund_on_cancel) "
                  "VALUES (?, ?, 1, 'active', ?, ?, 0, 0)",
                  (sid, person, now, now)).lastrowid
capacity, taken, start, tz_name = con.execute(
    "SELECT o.capacity, (SELECT coalesce(sum(e.seats), 0) FROM seat_entry e "
    "WHERE e.occurrence_id = o.id AND e.status = 'confirmed'), o.start_utc, s.timezone "
    "FROM occurrence o JOIN series s ON s.id = o.series_id WHERE o.id = ?", (occ,)).fetchone()
fits = capacity is None or taken + 1 <= capacity
status = "confirmed" if fits else "waitlisted"
con.execute("INSERT INTO seat_entry (registration_id, occurrence_id, seats, status, attended, "
            "queued_at, confirmed_at, cancel_reason) VALUES (?, ?, 1, ?, 0, ?, ?, '')",
            (reg, occ, status, now, now if fits else None))
con.execute("COMMIT")
emit({"id": reg, "series_id": sid, "attendee_id": person, "email": email, "name": name,
      "phone": "", "seats": 1, "status": status, "created_at": z(now),
      "occurrences": [{"id": occ, "status": status, "attended": False,
                       "start": local(start, ZoneInfo(tz_name))}]})
"""
"""The floor of ``reg add``: the registration transaction of the registration
floor (the person, the registration, the capacity check, the seat), in a
process of its own, and its JSON printed."""
