"""iCalendar import: events become series in one hub, all or nothing.

- An event with an RRULE becomes a series with one time of day (its DTSTART's),
  its EXDATEs become cancelled occurrences and its overriding VEVENTs
  (RECURRENCE-ID) moved, changed or cancelled ones.
- A single event becomes a series with ``FREQ=DAILY;COUNT=1``.
- An all-day event (DTSTART;VALUE=DATE, as khal and Google write them) becomes
  occurrences at 00:00 in the hub's zone lasting 24 hours; one spanning more
  than one day is refused, since a session lasts at most a day.
- A floating time (no TZID, no Z) is read in the hub's zone; a UTC time keeps
  the zone UTC, so its instants are exact.
- A rule the desk cannot represent (FREQ=HOURLY, BYHOUR, RDATE, EXRULE, a
  DTSTART outside its own rule, seconds...) is reported by event, and then
  nothing of the file is imported. ``dry_run`` only reports.

The whole file is written in one write transaction. Past occurrences are
imported as the calendar says (history, not a change), so the rules that keep
the desk from editing the past do not apply; nobody holds seats in a new series,
so no notices are due. Each event keeps the calendar's instants: the result is
checked against the same expansion the desk plans with.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
from sqlmodel import select

from schedtui.domain import text
from schedtui.domain.errors import DeskError
from schedtui.domain.recurrence import Rule, expand, rule_dates
from schedtui.domain.recurrence import Slot as PlanSlot
from schedtui.domain.zones import localize, to_utc_naive, zone
from schedtui.interop.common import Progress, read_input, tick
from schedtui.interop.ics_zones import resolve
from schedtui.services import audit
from schedtui.services import series as series_service
from schedtui.services.common import get, horizon_for
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Hub, Occurrence, Series

UNSUPPORTED = ("RDATE", "EXRULE")
SINGLE_RULE = "FREQ=DAILY;COUNT=1"


@dataclass
class Change:
    """An override of one instance: cancelled, or a new start/end/location."""

    original: datetime  # naive UTC, the instance's identity
    cancelled: bool = False
    start: datetime | None = None  # naive UTC
    end: datetime | None = None
    location: str | None = None


@dataclass
class ImportedEvent:
    """One event of the file as the desk would hold it."""

    uid: str
    name: str
    timezone: str
    start: str  # local ISO date-time of the first occurrence
    rrule: str
    duration_minutes: int
    occurrences: int = 0
    cancelled: int = 0
    moved: int = 0
    has_end: bool = True
    series_id: int | None = None
    notes: list[str] = field(default_factory=list)
    # Not shown: what creating the series needs.
    _settings: dict[str, Any] = field(default_factory=dict, repr=False)
    _exdates: list[datetime] = field(default_factory=list, repr=False)
    _changes: list[Change] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}


@dataclass
class IcsImportReport:
    """What an import did (or, with ``dry_run`` or problems, would do)."""

    path: str
    hub_id: int
    dry_run: bool
    imported: bool = False
    events: list[ImportedEvent] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    @property
    def occurrences(self) -> int:
        return sum(e.occurrences for e in self.events)

    def summary(self) -> str:
        verb = "imported" if self.imported else "would import"
        return (f"{len(self.events)} event(s) {verb} as series, {self.occurrences} occurrences "
                f"({sum(e.cancelled for e in self.events)} cancelled, "
                f"{sum(e.moved for e in self.events)} moved).")

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "hub_id": self.hub_id, "dry_run": self.dry_run,
                "imported": self.imported, "summary": self.summary(),
                "occurrences": self.occurrences, "events": [e.to_json() for e in self.events],
                "problems": self.problems, "skipped": self.skipped}


class _Unsupported(Exception):
    """An event the desk cannot hold; the message says why."""


# -- reading the file --------------------------------------------------------------


def _parse(data: bytes) -> list[icalendar.Calendar]:
    try:
        cals = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as exc:  # noqa: BLE001 - icalendar raises ValueError and others
        raise DeskError("invalid_ics", f"The file is not an iCalendar file ({str(exc)[:120]})."
                        ) from None
    if not cals:
        raise DeskError("invalid_ics", "The file holds no calendar (no BEGIN:VCALENDAR).")
    return cals


def _values(component, name: str) -> list:
    found = component.get(name)
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


class _Zones:
    """Zone resolution for one file: IANA names for the TZIDs it uses."""

    def __init__(self, cals: list[icalendar.Calendar], hub_zone: str) -> None:
        self.blocks = {str(tz.get("TZID")): tz for cal in cals for tz in cal.walk("VTIMEZONE")}
        self.hub_zone = hub_zone

    def name_of(self, prop, notes: list[str]) -> str:
        value = prop.dt
        if not isinstance(value, datetime) or value.tzinfo is None:
            return self.hub_zone  # all-day or floating: the hub's zone
        tzid = prop.params.get("TZID")
        if tzid is None and value.utcoffset() == timedelta(0):
            return "UTC"
        name, note = resolve(tzid, value, self.blocks)
        if name is None:
            raise _Unsupported(f'its time zone "{str(tzid)[:60]}" cannot be matched to an IANA '
                               "zone")
        if note and note not in notes:
            notes.append(note)
        return name

    def instant(self, value: date | datetime, tzid: str | None, default: str, at: time
                ) -> datetime:
        """A DTSTART-like value as the naive UTC the store keeps (gap times
        shifted forward, as RFC 5545 and the desk both do)."""
        if not isinstance(value, datetime):
            return to_utc_naive(localize(value, at, zone(default)))
        if value.tzinfo is None:
            return to_utc_naive(localize(value.date(), value.time(), zone(default)))
        if tzid is None and value.utcoffset() == timedelta(0):
            return value.astimezone(UTC).replace(tzinfo=None)
        name = default if tzid is None else (resolve(tzid, value, self.blocks)[0] or default)
        return to_utc_naive(localize(value.date(), value.time().replace(tzinfo=None),
                                     zone(name)))


def _clean_text(value, limit: int, *, multiline: bool = False) -> str:
    return text.clean(str(value) if value is not None else "", multiline=multiline)[:limit]


def _duration(master, start) -> int:
    if "DTEND" in master:
        end = master["DTEND"].dt
        if isinstance(start, datetime) != isinstance(end, datetime):
            raise _Unsupported("its DTSTART and DTEND are of different kinds")
        length = end - start
    elif "DURATION" in master:
        length = master["DURATION"].dt
    else:
        length = timedelta(days=1) if not isinstance(start, datetime) else timedelta(0)
    if not isinstance(start, datetime):
        if length > timedelta(days=1):
            raise _Unsupported(f"it is an all-day event of {length.days} days; a session lasts "
                               "at most one day")
        return 1440
    minutes, rest = divmod(int(length.total_seconds()), 60)
    if rest or not 1 <= minutes <= 1440:
        raise _Unsupported(f"it lasts {length}; a session lasts 1 minute to 24 hours")
    return minutes


def _rule_text(master) -> str:
    for name in UNSUPPORTED:
        if name in master:
            raise _Unsupported(f"it uses {name}, which the desk cannot represent")
    rules = _values(master, "RRULE")
    if not rules:
        return SINGLE_RULE
    if len(rules) > 1:
        raise _Unsupported("it has several RRULEs")
    body = rules[0].to_ical().decode()
    try:
        return Rule.parse(body).to_text()
    except DeskError as exc:
        raise _Unsupported(f"its rule {body[:80]} is not supported: {exc.message}") from None


def _event_plan(master, overrides: list, zones: _Zones, hub_zone: str, now: datetime
                ) -> ImportedEvent:
    """Read one event (and its overrides) into what the desk would create."""
    notes: list[str] = []
    if "DTSTART" not in master:
        raise _Unsupported("it has no DTSTART")
    prop = master["DTSTART"]
    start = prop.dt
    all_day = not isinstance(start, datetime)
    tz_name = zones.name_of(prop, notes)
    tz = zone(tz_name)
    if all_day:
        wall = datetime.combine(start, time())
        notes.append(f"all-day: 00:00 to 24:00 in {tz_name}")
    else:
        wall = start.replace(tzinfo=None)
        if tz_name == "UTC" and start.tzinfo is not None:
            wall = start.astimezone(UTC).replace(tzinfo=None)
    if wall.second or wall.microsecond:
        raise _Unsupported("its start has seconds; the desk keeps times to the minute")
    minutes = _duration(master, start)
    rule_text = _rule_text(master)
    rule = Rule.parse(rule_text)
    first_day = next(iter(rule_dates(rule, wall.date())), None)
    if first_day != wall.date():
        raise _Unsupported("its DTSTART is not one of its rule's dates (calendars show it as "
                           "an extra first instance, the desk cannot)")
    name = _clean_text(master.get("SUMMARY"), 200) or "Untitled event"
    description = _clean_text(master.get("DESCRIPTION"), 5000, multiline=True)
    location = _clean_text(master.get("LOCATION"), 500)
    try:
        series_service.check_location(location)
    except DeskError:
        description = (description + "\n\nLocation: " + location).strip()[:5000]
        notes.append("location kept in the description (not an https:// address)")
        location = ""
    settings = {"name": name, "description": description, "timezone": tz_name,
                "start": wall.date(), "rrule": rule_text, "duration_minutes": minutes,
                "times": [(wall.time(), None)], "location": location}
    series_service.check_settings(**settings)  # the same checks the desk applies
    probe = Series(hub_id=0, name="", timezone=tz_name, start_date=wall.date(), rrule="",
                   duration_minutes=1)
    horizon = None if rule.has_end else horizon_for(probe, now)
    planned = expand(rule, wall.date(), tz, [PlanSlot(wall.time())], horizon=horizon).items
    keys = {to_utc_naive(p.start) for p in planned}
    event = ImportedEvent(
        uid=str(master.get("UID", "")), name=name, timezone=tz_name,
        start=planned[0].start.isoformat(timespec="seconds"), rrule=rule_text,
        duration_minutes=minutes, occurrences=len(planned), has_end=rule.has_end,
        notes=notes, _settings=settings)
    at = wall.time()
    keys_last = max(keys)
    beyond = 0
    for listing in _values(master, "EXDATE"):
        for value in listing.dts:
            key = zones.instant(value.dt, value.params.get("TZID") or listing.params.get("TZID"),
                                tz_name, at)
            if key in keys and key not in event._exdates:
                event._exdates.append(key)
            elif not rule.has_end and key > keys_last:
                beyond += 1
    for override in overrides:
        change = _change(override, zones, tz_name, at, keys, planned[-1].start, rule.has_end)
        if change is None:
            beyond += 1
            continue
        if change.cancelled and change.original not in event._exdates:
            event._exdates.append(change.original)
        elif not change.cancelled:
            event._changes.append(change)
    if beyond:
        notes.append(f"{beyond} cancellation(s) or change(s) after the planning horizon "
                     f"({planned[-1].start:%Y-%m-%d}) are not kept; the desk plans those "
                     "instances as scheduled")
    event._changes = [c for c in event._changes if c.original not in event._exdates]
    finals = {key: key for key in keys if key not in event._exdates}
    for change in event._changes:
        if change.original in finals and change.start is not None:
            finals[change.original] = change.start
    if len(set(finals.values())) != len(finals):
        raise _Unsupported("an override moves an instance onto the time of another one")
    event.cancelled = len(event._exdates)
    event.moved = sum(1 for c in event._changes if c.start not in (None, c.original))
    return event


def _change(override, zones: _Zones, tz_name: str, at: time, keys: set[datetime],
            last: datetime, finite: bool) -> Change | None:
    rid = override["RECURRENCE-ID"]
    original = zones.instant(rid.dt, rid.params.get("TZID"), tz_name, at)
    if original not in keys:
        if not finite and original > to_utc_naive(last):
            return None  # beyond the planning horizon: the desk plans it later
        raise _Unsupported(f"an override (RECURRENCE-ID {rid.to_ical().decode()}) is not one "
                           "of the event's instances")
    if str(override.get("STATUS", "")).upper() == "CANCELLED":
        return Change(original, cancelled=True)
    change = Change(original)
    if "DTSTART" in override:
        prop = override["DTSTART"]
        change.start = zones.instant(prop.dt, prop.params.get("TZID"), tz_name, at)
        if "DTEND" in override:
            end = override["DTEND"]
            change.end = zones.instant(end.dt, end.params.get("TZID"), tz_name, at)
        elif "DURATION" in override:
            change.end = change.start + override["DURATION"].dt
        if change.end is not None and not timedelta(minutes=1) <= change.end - change.start \
                <= timedelta(days=1):
            raise _Unsupported("an override lasts less than a minute or more than a day")
    if "LOCATION" in override:
        change.location = _clean_text(override.get("LOCATION"), 500)
    return change


# -- the command ----------------------------------------------------------------------


@transaction
def import_ics(store: Store, path: str | os.PathLike, hub_id: int, *, dry_run: bool = False,
               progress: Progress | None = None) -> IcsImportReport:
    """Import the events of an iCalendar file into hub ``hub_id`` as series,
    all or nothing. Raises ``ics_unsupported`` (with the report in its details)
    when any event cannot be represented; nothing is written then."""
    cals = _parse(read_input(path))
    with store.read() as session:
        hub = get(session, Hub, hub_id, "hub")
        if hub.archived:
            raise DeskError("invalid_state", f"Hub {hub_id} is archived; restore it or pick "
                            "another hub.")
        hub_zone = hub.timezone
    report = IcsImportReport(path=os.fspath(path), hub_id=hub_id, dry_run=dry_run)
    zones = _Zones(cals, hub_zone)
    masters: dict[str, Any] = {}
    overrides: dict[str, list] = {}
    for cal in cals:
        for component in cal.walk("VEVENT"):
            uid = str(component.get("UID", "")) or f"(no UID, #{len(masters) + 1})"
            if "RECURRENCE-ID" in component:
                overrides.setdefault(uid, []).append(component)
            else:
                masters[uid] = component
    for uid, extra in overrides.items():  # an instance shared without its series
        if uid not in masters:
            for number, component in enumerate(extra):
                if str(component.get("STATUS", "")).upper() != "CANCELLED":
                    masters[f"{uid}#{number}"] = component
    now = store.now()
    for uid, master in masters.items():
        summary = _clean_text(master.get("SUMMARY"), 80)
        if str(master.get("STATUS", "")).upper() == "CANCELLED":
            report.skipped.append({"uid": uid, "summary": summary,
                                   "reason": "cancelled in the calendar"})
            continue
        try:
            report.events.append(_event_plan(master, overrides.get(uid, []) if
                                             "RECURRENCE-ID" not in master else [],
                                             zones, hub_zone, now))
        except (_Unsupported, DeskError) as exc:
            reason = exc.message if isinstance(exc, DeskError) else str(exc)
            report.problems.append({"uid": uid, "summary": summary, "reason": reason})
    if report.problems:
        lines = "; ".join(f'"{p["summary"] or p["uid"]}": {p["reason"]}'
                          for p in report.problems[:5])
        more = f" (and {len(report.problems) - 5} more)" if len(report.problems) > 5 else ""
        raise DeskError("ics_unsupported", f"{len(report.problems)} event(s) cannot be imported, "
                        f"so nothing was imported: {lines}{more}. The rest: {report.summary()}",
                        report=report.to_json())
    if not report.events:
        raise DeskError("ics_empty", "The file holds no events to import.")
    if not dry_run:
        _write(store, hub_id, report, progress)
        report.imported = True
    return report


def _write(store: Store, hub_id: int, report: IcsImportReport, progress: Progress | None
           ) -> None:
    with store.write() as session:
        hub = get(session, Hub, hub_id, "hub")
        if hub.archived:
            raise DeskError("invalid_state", f"Hub {hub_id} is archived.")
        total = len(report.events)
        for done, event in enumerate(report.events, 1):
            event.series_id = _create(session, store, hub, event)
            tick(progress, done, total)


def _create(session, store: Store, hub: Hub, event: ImportedEvent) -> int:
    """The series of one event, as :func:`services.series.create_series` makes
    it, inside the import's transaction; then its cancellations and changes."""
    series = series_service.add_series(session, store, hub_id=hub.id, **event._settings)
    stored = {o.original_start: o for o in session.exec(
        select(Occurrence).where(Occurrence.series_id == series.id))}
    for key in event._exdates:
        occ = stored[key]
        occ.status = "cancelled"
        occ.mark_edited("status")
        session.add(occ)
    for change in event._changes:
        occ = stored[change.original]
        if change.start is not None and change.start != occ.start_utc:
            length = (change.end - change.start) if change.end else occ.end_utc - occ.start_utc
            occ.start_utc, occ.end_utc = change.start, change.start + length
            occ.mark_edited("start")
        elif change.end is not None and change.end != occ.end_utc:
            occ.end_utc = change.end
            occ.mark_edited("start")
        if change.location is not None and change.location != series.location:
            try:
                occ.location = series_service.check_location(change.location)
                occ.mark_edited("location")
            except DeskError:
                event.notes.append(f"location of {change.original:%Y-%m-%d %H:%M} UTC dropped")
        session.add(occ)
    session.flush()
    audit.record(session, store, "series.import", "series", series.id,
                 after=audit.snapshot(series) | {"uid": event.uid}, series_id=series.id,
                 hub_id=hub.id)
    return series.id
