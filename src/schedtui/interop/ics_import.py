"""iCalendar import: events become series in one hub, all or nothing.

- An event with an RRULE becomes a series with one time of day (its DTSTART's),
  its EXDATEs become cancelled occurrences and its overriding VEVENTs
  (RECURRENCE-ID) moved, changed or cancelled ones. An override with
  ``RANGE=THISANDFUTURE`` splits the series there ("this and following"): the
  later part is a series of its own with the override's time, length and place.
- A single event (no RRULE, RDATE or EXRULE) becomes a one-off event; an event
  whose RRULE line is empty becomes a one-session series (with a note).
- CLASS:PRIVATE or CONFIDENTIAL makes a private series.
- An all-day event (DTSTART;VALUE=DATE) becomes occurrences from midnight to
  midnight in the hub's zone (23 or 25 hours on a clock-change day); one
  spanning more than one day is refused, since a session lasts at most a day.
  A date-time RECURRENCE-ID or EXDATE on an all-day event (Outlook writes
  midnight in its own zone) names the instance of that date.
- A floating time (no TZID, no Z) is read in the hub's zone; a UTC time keeps
  the zone UTC, so its instants are exact. A TZID that names no zone the desk
  can match is refused, never read as the hub's zone.
- Two VEVENTs with one UID and no RECURRENCE-ID: identical copies count once,
  a higher SEQUENCE replaces a lower one, and different events of the same
  SEQUENCE are both imported (each listed).
- Each event keeps its UID on the series it becomes. Importing a file again
  matches on UID and updates those series instead of adding copies; an event
  this desk exported (``series-3-slot-5@schedtui``) updates series 3.
- A rule the desk cannot represent (RDATE, EXRULE, several RRULEs, a DTSTART
  outside its own rule, a COUNT over the desk's 5,000, seconds...) or an
  unreadable property is reported by event, and then nothing of the file is
  imported, unless ``skip_unsupported``: then everything else is imported and
  each event left out is listed with the reason.

The bytes are read as UTF-8 (RFC 5545); a file that is not UTF-8 is read as
Windows-1252 and the report says so, naming the first line that is not UTF-8.

The whole file is written in one write transaction; ``dry_run`` runs the same
transaction and rolls it back, so its report is the real one. Past occurrences
are imported as the calendar says (history, not a change), so the rules that
keep the desk from editing the past do not apply to a new series; nobody holds
seats in a new series, so no notices are due. Each event keeps the calendar's
instants: the result is checked against the same expansion the desk plans with.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
from sqlmodel import col, select

from schedtui.domain import text
from schedtui.domain.errors import DeskError
from schedtui.domain.recurrence import (
    MAX_OCCURRENCES,
    ByDay,
    Rule,
    RuleSet,
    expand,
    format_until,
)
from schedtui.domain.recurrence import Slot as PlanSlot
from schedtui.domain.zones import (
    LONGEST_SESSION,
    MAX_SESSION_DAYS,
    MAX_SESSION_MINUTES,
    from_utc_naive,
    localize,
    to_utc_naive,
    zone,
)
from schedtui.interop.common import Progress, read_input, tick
from schedtui.interop.ics_zones import resolve
from schedtui.services import audit
from schedtui.services import series as series_service
from schedtui.services.common import (
    get,
    horizon_of,
    plan,
    rule_set,
    seat_counts,
    slots_of,
)
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Hub, Occurrence, Series

SINGLE_RULE = "FREQ=DAILY;COUNT=1"
SINGLE_VALUED = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "SUMMARY", "DESCRIPTION",
                 "LOCATION", "STATUS", "SEQUENCE")
DAY = timedelta(days=1)
HORIZON_WEEKS = Series.model_fields["horizon_weeks"].default  # a new series' own
EXPORTED_UID = re.compile(r"^series-(\d{1,18})-(slot|occurrence)-(\d{1,18})@schedtui$")


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
    all_day: bool = False
    action: str = "create"  # create, update or unchanged (a series imported before)
    series_id: int | None = None
    split_from: str | None = None  # the part before a RANGE=THISANDFUTURE override
    notes: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what an update changed
    # Not shown: what creating the series needs.
    _settings: dict[str, Any] = field(default_factory=dict, repr=False)
    _exdates: list[datetime] = field(default_factory=list, repr=False)
    _changes: list[Change] = field(default_factory=list, repr=False)
    _keys: list[datetime] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}


@dataclass
class IcsImportReport:
    """What an import did (or, with ``dry_run`` or problems, would do)."""

    path: str
    hub_id: int
    dry_run: bool
    imported: bool = False
    encoding: str = "UTF-8"
    events: list[ImportedEvent] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    """The ``double_booked`` warnings of the series made or changed, as series
    add and edit return them (a dry run: those the import would make)."""

    @property
    def occurrences(self) -> int:
        return sum(e.occurrences for e in self.events)

    def summary(self) -> str:
        verb = "imported" if self.imported else "would import"
        made = [e for e in self.events if e.action == "create"]
        updated = sum(1 for e in self.events if e.action == "update")
        same = sum(1 for e in self.events if e.action == "unchanged")
        text_ = (f"{len(made)} event(s) {verb} as series, "
                 f"{sum(e.occurrences for e in made)} occurrences "
                 f"({sum(e.cancelled for e in made)} cancelled, "
                 f"{sum(e.moved for e in made)} moved)")
        if updated or same:
            text_ = (text_ + "; " if made else "") + (
                f"{updated} series {'updated' if self.imported else 'to update'} "
                f"and {same} unchanged (matched by UID)")
        if self.skipped:
            text_ += f"; {len(self.skipped)} left out"
        return text_ + "."

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "hub_id": self.hub_id, "dry_run": self.dry_run,
                "imported": self.imported, "summary": self.summary(),
                "encoding": self.encoding, "notes": self.notes,
                "occurrences": self.occurrences, "events": [e.to_json() for e in self.events],
                "problems": self.problems, "skipped": self.skipped,
                "warnings": self.warnings}


class _Unsupported(Exception):
    """An event the desk cannot hold; the message says why."""


class _DryRun(Exception):
    """Raised at the end of a dry run to roll its transaction back."""


# -- reading the file --------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str, str | None]:
    """(text, encoding, note): UTF-8 as RFC 5545 requires (a BOM is dropped),
    UTF-16 with a BOM, else Windows-1252 with a note naming the first line
    that is not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16", "The file is UTF-16 (RFC 5545 asks for " \
                "UTF-8); it was read as UTF-16."
        except UnicodeDecodeError:
            raise DeskError("invalid_ics", "The file starts like UTF-16 but is not valid "
                            "UTF-16.") from None
    try:
        return data.decode("utf-8-sig"), "UTF-8", None
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
    try:
        decoded, used = data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        decoded, used = data.decode("latin-1"), "Latin-1"
    return decoded, used, (f"The file is not UTF-8 (line {line} is the first that is not); "
                           f"it was read as {used}, so accented letters keep their meaning. "
                           "Check the names in the report.")


def _parse(data: str) -> list[icalendar.Calendar]:
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


def _broken(component) -> None:
    """Refuse an event with a property icalendar could not read (a date like
    ``2030XXXXT090000Z``), naming the property."""
    for name, message in getattr(component, "errors", None) or ():
        raise _Unsupported(f"its {str(name)[:40]} cannot be read ({str(message)[:120]})")
    for name in SINGLE_VALUED:
        found = component.get(name)
        if isinstance(found, list):
            raise _Unsupported(f"it has {len(found)} {name} properties; RFC 5545 allows one")


def _moment(prop, what: str) -> date | datetime:
    """A property's value, refused unless it is a date or a date-time."""
    value = getattr(prop, "dt", None)
    if not isinstance(value, date):
        raise _Unsupported(f"its {what} is not a date or a date-time")
    return value


def _tzid(prop) -> str | None:
    tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
    return str(tzid) if tzid else None


class _Zones:
    """Zone resolution for one file: IANA names for the TZIDs it uses."""

    def __init__(self, cals: list[icalendar.Calendar], hub_zone: str) -> None:
        self.blocks = {str(tz.get("TZID")): tz for cal in cals for tz in cal.walk("VTIMEZONE")}
        self.hub_zone = hub_zone

    def _named(self, tzid: str, value: datetime, notes: list[str] | None) -> str:
        name, note = resolve(tzid, value, self.blocks)
        if name is None:
            raise _Unsupported(f'its time zone "{tzid[:60]}" is neither an IANA zone nor '
                               "defined in the file, so its times cannot be placed")
        if note and notes is not None and note not in notes:
            notes.append(note)
        return name

    def name_of(self, prop, notes: list[str]) -> str:
        value = prop.dt
        if not isinstance(value, datetime):
            return self.hub_zone  # all-day: the hub's zone
        tzid = _tzid(prop)
        if tzid is not None:
            return self._named(tzid, value, notes)
        if value.tzinfo is None:
            return self.hub_zone  # floating: the hub's zone
        if value.utcoffset() == timedelta(0):
            return "UTC"
        raise _Unsupported("its start has a time zone without a TZID")

    def instant(self, value: date | datetime, tzid: str | None, default: str, at: time
                ) -> datetime:
        """A DTSTART-like value as the naive UTC the store keeps (gap times
        shifted forward, as RFC 5545 and the desk both do)."""
        if not isinstance(value, datetime):
            return to_utc_naive(localize(value, at, zone(default)))
        if tzid is not None:
            name = self._named(tzid, value, None)
        elif value.tzinfo is None:
            name = default
        else:
            return value.astimezone(UTC).replace(tzinfo=None)
        return to_utc_naive(localize(value.date(), value.time().replace(tzinfo=None),
                                     zone(name)))


def _clean_text(value, limit: int, *, multiline: bool = False) -> str:
    return text.clean(str(value) if value is not None else "", multiline=multiline)[:limit]


def _duration(master, start) -> int:
    if "DTEND" in master:
        end = _moment(master["DTEND"], "DTEND")
        if isinstance(start, datetime) != isinstance(end, datetime):
            raise _Unsupported("its DTSTART and DTEND are of different kinds (a date and a "
                               "date-time)")
        if isinstance(start, datetime) and (start.tzinfo is None) != (end.tzinfo is None):
            raise _Unsupported("one of its DTSTART and DTEND has a time zone and the other "
                               "has none")
        length = end - start
    elif "DURATION" in master:
        length = master["DURATION"].dt
    else:
        length = DAY if not isinstance(start, datetime) else timedelta(0)
    if not isinstance(start, datetime):
        if length < timedelta(0):
            raise _Unsupported("it ends before it starts")
        days = max(1, length.days)  # an end on its start day: the day (RFC 5545 3.6.1)
        if days > MAX_SESSION_DAYS:
            raise _Unsupported(f"it is an all-day event of {days} days; a session lasts at "
                               f"most {MAX_SESSION_DAYS} days")
        return days * 1440
    minutes, rest = divmod(int(length.total_seconds()), 60)
    if length < timedelta(0):
        raise _Unsupported("it ends before it starts")
    if rest:
        raise _Unsupported(f"it lasts {length}; the desk keeps lengths to the minute")
    if minutes > MAX_SESSION_MINUTES:
        raise _Unsupported(f"it lasts {length}; a session lasts at most {MAX_SESSION_DAYS} "
                           "days")
    return minutes  # 0: a moment (DTEND equal to DTSTART, or DURATION:PT0S)


def _rules(master, name: str, notes: list[str], all_day: bool) -> list[str]:
    """The event's RRULEs (or EXRULEs) as the desk's rule text, each checked."""
    found = [r for r in _values(master, name) if r.to_ical().strip()]
    if len(found) < len(_values(master, name)):
        notes.append(f"an empty {name} line was read as no repetition")
    texts = []
    for value in found:
        body = value.to_ical().decode()
        try:
            rule = Rule.parse(body)
        except DeskError as exc:
            raise _Unsupported(f"its {name} {body[:80]} is not supported: {exc.message}"
                               ) from None
        if all_day and isinstance(rule.until, datetime) and rule.until.tzinfo is not None:
            day = rule.until.astimezone(UTC).date()
            notes.append(f"its UNTIL {format_until(rule.until)} (a UTC time on an all-day "
                         f"event) was read as the date {day}, the last day")
            rule = replace(rule, until=day)
        if name == "RRULE" and rule.count is not None and rule.count > MAX_OCCURRENCES:
            raise _Unsupported(f"its rule repeats {rule.count:,} times (COUNT); a series holds "
                               f"at most {MAX_OCCURRENCES:,} occurrences")
        texts.append(rule.to_text())
    return texts


def _rdates(master, zones: _Zones, tz_name: str, all_day: bool, at: time, minutes: int
            ) -> tuple[list[date | datetime], dict[datetime, timedelta]]:
    """The event's RDATEs as local dates or date-times in its zone, and the
    length of each period (``RDATE;VALUE=PERIOD``) that differs from the
    event's, by its local start: that occurrence is stored with its own end."""
    tz = zone(tz_name)
    moments: list[date | datetime] = []
    lengths: dict[datetime, timedelta] = {}
    for listing in _values(master, "RDATE"):
        for value in listing.dts:
            raw = value.dt
            if isinstance(raw, tuple):  # a PERIOD: (start, end or duration)
                begin, other = raw
                length = other if isinstance(other, timedelta) else other - begin
                if not isinstance(begin, datetime) or all_day:
                    raise _Unsupported("an RDATE period on an all-day event")
                if not timedelta(0) <= length <= LONGEST_SESSION or length.seconds % 60:
                    raise _Unsupported(f"an RDATE period lasts {length}; a session lasts 0 "
                                       f"minutes to {MAX_SESSION_DAYS} days, to the minute")
                raw = begin
            if not isinstance(raw, date):
                raise _Unsupported("its RDATE is not a date or a date-time")
            if all_day or not isinstance(raw, datetime):
                moments.append(raw.date() if isinstance(raw, datetime) else raw)
                continue
            key = zones.instant(raw, _tzid(value) or _tzid(listing), tz_name, at)
            local = from_utc_naive(key, tz).replace(tzinfo=None)
            if local.second:
                raise _Unsupported("an RDATE has seconds; the desk keeps times to the minute")
            moments.append(local)
            if isinstance(value.dt, tuple) and length != timedelta(minutes=minutes):
                lengths[key] = length
    return moments, lengths


def explicit(rule: Rule, start: date) -> Rule:
    """The rule with the parts RFC 5545 takes from DTSTART written out, so a
    later start (the second part of a split) means the same dates."""
    if rule.freq == "WEEKLY" and not rule.byday:
        return replace(rule, byday=(ByDay(start.weekday()),))
    if rule.freq in ("MONTHLY", "YEARLY") and not rule.byday and not rule.bymonthday:
        rule = replace(rule, bymonthday=(start.day,))
        if rule.freq == "YEARLY" and not rule.bymonth:
            rule = replace(rule, bymonth=(start.month,))
    return rule


@dataclass
class _Reader:
    """What reading one event needs: the file's zones, the hub's zone, now."""

    zones: _Zones
    hub_zone: str
    now: datetime


def _settings_of(master, notes: list[str], tz_name: str, day: date, rule_text: str,
                 minutes: int, at: time) -> dict[str, Any]:
    name = _clean_text(master.get("SUMMARY"), 200) or "Untitled event"
    description = _clean_text(master.get("DESCRIPTION"), 5000, multiline=True)
    location = _clean_text(master.get("LOCATION"), 500)
    try:
        series_service.check_location(location)
    except DeskError:
        description = (description + "\n\nLocation: " + location).strip()[:5000]
        if "location kept in the description (not an https:// address)" not in notes:
            notes.append("location kept in the description (not an https:// address)")
        location = ""
    settings = {"name": name, "description": description, "timezone": tz_name,
                "start": day, "rrule": rule_text, "duration_minutes": minutes,
                "times": [(at, None)], "location": location}
    series_service.check_settings(**settings)  # the same checks the desk applies
    return settings


def _expand(rule: Rule | RuleSet, day: date, tz_name: str, at: time, now: datetime,
            minutes: int = 1):
    horizon = None if rule.has_end else horizon_of(tz_name, day, HORIZON_WEEKS, now)
    planned = expand(rule, day, zone(tz_name), [PlanSlot(at)], horizon=horizon,
                     duration=timedelta(minutes=minutes)).items
    if isinstance(rule, Rule) and rule.count is not None and len(planned) < rule.count:
        raise _Unsupported(f"its rule (COUNT={rule.count}) makes only {len(planned)} "
                           "instances within the century the desk looks ahead")
    return planned


def _event_plans(master, overrides: list, reader: _Reader) -> list[ImportedEvent]:
    """Read one event (and its overrides) into the series the desk would
    create: one, or two and more when an override splits it (THISANDFUTURE)."""
    zones = reader.zones
    notes: list[str] = []
    _broken(master)
    for override in overrides:
        _broken(override)
    if "DTSTART" not in master:
        raise _Unsupported("it has no DTSTART")
    prop = master["DTSTART"]
    start = _moment(prop, "DTSTART")
    all_day = not isinstance(start, datetime)
    tz_name = zones.name_of(prop, notes)
    if all_day:
        wall = datetime.combine(start, time())
        notes.append(f"all-day: midnight to midnight in {tz_name}")
    else:
        wall = start.replace(tzinfo=None)
        if tz_name == "UTC" and start.tzinfo is not None:
            wall = start.astimezone(UTC).replace(tzinfo=None)
    if wall.second or wall.microsecond:
        raise _Unsupported("its start has seconds; the desk keeps times to the minute")
    minutes = _duration(master, start)
    at = wall.time()
    rrules = _rules(master, "RRULE", notes, all_day) or [SINGLE_RULE]
    exrules = _rules(master, "EXRULE", notes, all_day)
    rdates, lengths = _rdates(master, zones, tz_name, all_day, at, minutes)
    rule_text = rrules[0]
    rule = Rule.parse(rule_text)
    whole = RuleSet.build(rule_text, rrules[1:], rdates, exrules)
    settings = _settings_of(master, notes, tz_name, wall.date(), rule_text, minutes, at)
    if "RRULE" not in master and not rdates and not exrules:
        settings |= {"kind": "event", "on_blackout": "ignore"}
    if str(master.get("CLASS", "")).upper() in ("PRIVATE", "CONFIDENTIAL"):
        settings["private"] = True
    if not whole.simple:
        settings |= {"rrules": rrules[1:], "rdates": rdates, "exrules": exrules}
        series_service.check_settings(**settings)
        notes.append("a rule set: " + ", ".join(
            f"{n} {what}" for n, what in ((len(rrules), "RRULE(s)"), (len(rdates), "RDATE(s)"),
                                          (len(exrules), "EXRULE(s)")) if n))
    planned = _expand(rule if whole.simple else whole, wall.date(), tz_name, at,
                      reader.now, minutes)
    dtstart = to_utc_naive(localize(wall.date(), at, zone(tz_name)))
    if all(to_utc_naive(p.start) != dtstart for p in planned):  # an RDATE may come first
        raise _Unsupported("its DTSTART is not one of its rule's instances (calendars show it "
                           "as an extra first instance, the desk cannot)")
    keys = [to_utc_naive(p.start) for p in planned]
    key_set = set(keys)

    def key_of(value: date | datetime, tzid: str | None) -> datetime:
        """The instance a RECURRENCE-ID or EXDATE names. On an all-day event a
        date-time names the instance of its own date (Outlook writes midnight
        in its zone, or in UTC)."""
        if all_day and isinstance(value, datetime):
            value = value.date()
        return zones.instant(value, tzid, tz_name, at)

    exdates: list[datetime] = []
    beyond = 0
    for listing in _values(master, "EXDATE"):
        for value in listing.dts:
            key = key_of(_moment(value, "EXDATE"), _tzid(value) or _tzid(listing))
            if key in key_set and key not in exdates:
                exdates.append(key)
            elif not rule.has_end and key > keys[-1]:
                beyond += 1
    # Overrides by the instance they replace; a later SEQUENCE wins, identical copies count once.
    chosen: dict[datetime, Any] = {}
    for override in overrides:
        rid = override["RECURRENCE-ID"]
        original = key_of(_moment(rid, "RECURRENCE-ID"), _tzid(rid))
        if original not in key_set:
            if not rule.has_end and original > keys[-1]:
                beyond += 1  # beyond the planning horizon: the desk plans it later
                continue
            raise _Unsupported(f"an override (RECURRENCE-ID {rid.to_ical().decode()[:40]}) is "
                               "not one of the event's instances")
        earlier = chosen.get(original)
        if earlier is not None and _sequence(earlier) > _sequence(override):
            continue
        if earlier is not None and _sequence(earlier) == _sequence(override) and \
                _content(earlier) != _content(override):
            raise _Unsupported(f"two overrides of the instance {rid.to_ical().decode()[:40]} "
                               "differ and neither has a higher SEQUENCE")
        chosen[original] = override
    if beyond:
        notes.append(f"{beyond} cancellation(s) or change(s) after the planning horizon "
                     f"({planned[-1].start:%Y-%m-%d}) are not kept; the desk plans those "
                     "instances as scheduled")
    splits = sorted(k for k, o in chosen.items()
                    if str(o["RECURRENCE-ID"].params.get("RANGE", "")).upper() == "THISANDFUTURE")
    if splits and (not whole.simple or rule.timed):
        raise _Unsupported("an override with RANGE=THISANDFUTURE on a rule set (RDATE, EXRULE "
                           "or several RRULEs) cannot be split by the desk yet")
    if splits and splits[0] == keys[0]:
        raise _Unsupported("an override with RANGE=THISANDFUTURE changes the whole series from "
                           "its first instance; the desk cannot tell it from the event itself")
    # The parts: (first key, last key exclusive, settings, the override that starts it).
    bounds = [*splits, None]
    parts = []
    part_start = keys[0]
    part_override = None
    for stop in bounds:
        parts.append((part_start, stop, part_override))
        if stop is not None:
            part_start, part_override = stop, chosen[stop]
    events = []
    uid = str(master.get("UID", ""))
    tz = zone(tz_name)
    for index, (first, stop, split_by) in enumerate(parts):
        part_keys = [k for k in keys if k >= first and (stop is None or k < stop)]
        part_notes = list(notes) if index == 0 else []
        part_settings = dict(settings)
        part_rule = rule
        if stop is not None:
            last_day = from_utc_naive(part_keys[-1], tz).date()
            part_rule = rule.ending_on(last_day)
        if split_by is not None:
            part_rule, part_settings = _split_part(
                split_by, rule, part_rule, settings, first, keys, tz, zones, tz_name, at,
                all_day, part_notes)
        if len(parts) == 1:
            part_planned, mine = planned, keys
        else:
            part_planned = _expand(part_rule, part_settings["start"], tz_name,
                                   part_settings["times"][0][0], reader.now)
            mine = [to_utc_naive(p.start) for p in part_planned]
        if len(parts) == 1:
            mapped = {k: k for k in keys}
        else:  # one instance a date (a split rule is never timed): matched by date
            mine_by_date = {p.day: key for p, key in zip(part_planned, mine, strict=True)}
            part_dates = [from_utc_naive(k, tz).date() for k in part_keys]
            if part_dates != list(mine_by_date)[:len(part_keys)] or \
                    (part_rule.has_end and len(mine) != len(part_keys)):
                raise _Unsupported("the part after its RANGE=THISANDFUTURE override cannot be "
                                   "planned as the calendar shows it")
            mapped = {k: mine_by_date[d] for k, d in zip(part_keys, part_dates, strict=True)}
        part_rule_text = part_rule.to_text()
        part_settings["rrule"] = part_rule_text
        event = ImportedEvent(
            uid=uid, name=part_settings["name"], timezone=tz_name,
            start=part_planned[0].start.isoformat(timespec="seconds"), rrule=part_rule_text,
            duration_minutes=part_settings["duration_minutes"], occurrences=len(part_planned),
            has_end=part_rule.has_end, all_day=all_day, notes=part_notes,
            split_from=(events[0].start if events else None), _settings=part_settings,
            _keys=mine)
        event._exdates = [mapped[k] for k in exdates if k in mapped]
        for original, override in chosen.items():
            if original not in mapped or (split_by is not None and original == first):
                continue  # the override that starts a part is the part's settings
            change = _change(override, zones, tz_name, at, mapped[original])
            if change.cancelled:
                if change.original not in event._exdates:
                    event._exdates.append(change.original)
            else:
                event._changes.append(change)
        for key, length in lengths.items():  # a period of its own length
            if key in mapped and mapped[key] not in event._exdates and \
                    not any(c.original == mapped[key] for c in event._changes):
                event._changes.append(Change(mapped[key], start=mapped[key],
                                             end=mapped[key] + length))
        _finish(event)
        events.append(event)
    if len(events) > 1:
        events[0].notes.append(f"split into {len(events)} series by RANGE=THISANDFUTURE "
                               "overrides (this and following)")
    return events


def _split_part(override, rule: Rule, part_rule: Rule, settings: dict[str, Any],
                first: datetime, keys: list[datetime], tz, zones: _Zones, tz_name: str,
                at: time, all_day: bool, notes: list[str]):
    """The settings of the series a RANGE=THISANDFUTURE override starts: the
    rule from that instance on, moved by the override's shift, with its length,
    name and place. Returns (rule, settings)."""
    if str(override.get("STATUS", "")).upper() == "CANCELLED":
        raise _Unsupported("an override with RANGE=THISANDFUTURE cancels the rest of the "
                           "series; end the series with UNTIL instead")
    change = _change(override, zones, tz_name, at, first)
    new_start = change.start or first
    local_first = from_utc_naive(first, tz)
    local_new = from_utc_naive(new_start, tz)
    if local_new.date() != local_first.date():
        raise _Unsupported("an override with RANGE=THISANDFUTURE moves the following instances "
                           "to another day, which the desk cannot split to")
    used = sum(1 for k in keys if k < first)
    later = explicit(rule, from_utc_naive(keys[0], tz).date())
    if rule.count is not None:
        later = replace(later, count=rule.count - used)
    part = dict(settings)
    part["start"] = local_first.date()
    part["times"] = [(local_new.time().replace(tzinfo=None), None)]
    if change.end is not None:
        minutes = _minutes(new_start, change.end, tz)
        if not 0 <= minutes <= MAX_SESSION_MINUTES:
            raise _Unsupported("an override with RANGE=THISANDFUTURE ends before it starts or "
                               f"lasts more than {MAX_SESSION_DAYS} days")
        part["duration_minutes"] = minutes
    if "SUMMARY" in override:
        part["name"] = _clean_text(override.get("SUMMARY"), 200) or part["name"]
    if change.location is not None:
        part["location"] = change.location
    series_service.check_settings(**{**part, "rrule": later.to_text()})
    notes.append(f"the series from {local_first:%Y-%m-%d} on (RANGE=THISANDFUTURE)")
    return later, part


def _minutes(start: datetime, end: datetime, tz) -> int:
    """The length from ``start`` to ``end`` (naive UTC) as a series holds it:
    exact minutes under a day, else whole days on the wall clock and the rest
    (the inverse of :func:`schedtui.domain.zones.session_end`)."""
    exact = int((end - start).total_seconds() // 60)
    if exact < 1440:
        return exact
    wall = from_utc_naive(end, tz).replace(tzinfo=None) - \
        from_utc_naive(start, tz).replace(tzinfo=None)
    return int(wall.total_seconds() // 60)


def _sequence(component) -> int:
    try:
        return int(component.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        return 0


def _content(component) -> bytes:
    """A component's text without the stamps that change on every export."""
    copy = icalendar.Event()
    for key, value in component.property_items(recursive=False):
        if key not in ("BEGIN", "END", "DTSTAMP", "LAST-MODIFIED", "CREATED"):
            copy.add(key, value, encode=False)
    return copy.to_ical()


def _finish(event: ImportedEvent) -> None:
    event._changes = [c for c in event._changes if c.original not in event._exdates]
    finals: dict[datetime, datetime] = {key: key for key in event._keys
                                        if key not in event._exdates}
    for change in event._changes:
        if change.original in finals and change.start is not None:
            finals[change.original] = change.start
    shared = len(finals) - len(set(finals.values()))
    if shared:
        event.notes.append(f"{shared} instance(s) moved onto the start of another instance, "
                           "as in the calendar")
    event.cancelled = len(event._exdates)
    event.moved = sum(1 for c in event._changes if c.start not in (None, c.original))


def _change(override, zones: _Zones, tz_name: str, at: time, original: datetime) -> Change:
    if str(override.get("STATUS", "")).upper() == "CANCELLED":
        return Change(original, cancelled=True)
    change = Change(original)
    if "DTSTART" in override:
        prop = override["DTSTART"]
        value = _moment(prop, "override's DTSTART")
        whole_day = not isinstance(value, datetime)
        change.start = zones.instant(value, _tzid(prop), tz_name, time() if whole_day else at)
        if "DTEND" in override:
            end = override["DTEND"]
            if isinstance(end.dt, datetime) == whole_day:
                raise _Unsupported("an override's DTSTART and DTEND are of different kinds")
            change.end = zones.instant(_moment(end, "override's DTEND"), _tzid(end), tz_name,
                                       time())
        elif "DURATION" in override:
            length = override["DURATION"].dt
            if whole_day:
                change.end = zones.instant(value + length, None, tz_name, time())
            else:
                change.end = change.start + length
        elif whole_day:
            change.end = zones.instant(value + DAY, None, tz_name, time())
        if change.end is not None:
            length = change.end - change.start
            if not timedelta(0) <= length <= LONGEST_SESSION:
                raise _Unsupported("an override ends before it starts or lasts more than "
                                   f"{MAX_SESSION_DAYS} days")
    if "LOCATION" in override:
        change.location = _clean_text(override.get("LOCATION"), 500)
    return change


# -- which events the file holds -------------------------------------------------------


def _events_of(cals: list[icalendar.Calendar]) -> tuple[dict[str, Any], dict[str, list],
                                                       dict[str, list[str]]]:
    """Masters and overrides by UID, with notes about duplicates."""
    masters: dict[str, Any] = {}
    overrides: dict[str, list] = {}
    notes: dict[str, list[str]] = {}
    unnamed = 0
    for cal in cals:
        for component in cal.walk("VEVENT"):
            uid = str(component.get("UID", "") or "").strip()
            if not uid:
                unnamed += 1
                uid = f"(no UID, #{unnamed})"
            if "RECURRENCE-ID" in component:
                overrides.setdefault(uid, []).append(component)
                continue
            if uid not in masters:
                masters[uid] = component
                continue
            earlier = masters[uid]
            said = notes.setdefault(uid, [])
            if _content(earlier) == _content(component):
                said.append("an identical copy of this event in the file counted once")
            elif _sequence(component) != _sequence(earlier):
                newer, older = sorted((earlier, component), key=_sequence, reverse=True)
                masters[uid] = newer
                said.append(f"an older version of this event (SEQUENCE {_sequence(older)}) "
                            f"left out for the newer one (SEQUENCE {_sequence(newer)})")
            else:
                number = 2
                while f"{uid}#{number}" in masters:
                    number += 1
                masters[f"{uid}#{number}"] = component
                notes.setdefault(f"{uid}#{number}", []).append(
                    f"another event in the file has the same UID {uid[:80]}; both imported")
    for uid, extra in overrides.items():  # an instance shared without its series
        if uid not in masters:
            for number, component in enumerate(extra):
                if str(component.get("STATUS", "")).upper() != "CANCELLED":
                    masters[f"{uid}#{number}"] = component
    return masters, overrides, notes


# -- the command ----------------------------------------------------------------------


@transaction
def import_ics(store: Store, path: str | os.PathLike, hub_id: int, *, dry_run: bool = False,
               skip_unsupported: bool = False, progress: Progress | None = None
               ) -> IcsImportReport:
    """Import the events of an iCalendar file into hub ``hub_id`` as series,
    all or nothing. Raises ``ics_unsupported`` (with the report in its details)
    when any event cannot be represented, and nothing is written; with
    ``skip_unsupported`` those events are left out and listed instead. Events
    imported before (the same UID in this hub, or a series this desk exported)
    update their series instead of adding copies."""
    data, encoding, encoding_note = decode(read_input(path))
    cals = _parse(data)
    with store.read() as session:
        hub = get(session, Hub, hub_id, "hub")
        if hub.archived:
            raise DeskError("invalid_state", f"Hub {hub_id} is archived; restore it or pick "
                            "another hub.")
        hub_zone = hub.timezone
    report = IcsImportReport(path=os.fspath(path), hub_id=hub_id, dry_run=dry_run,
                             encoding=encoding)
    if encoding_note:
        report.notes.append(encoding_note)
    masters, overrides, duplicates = _events_of(cals)
    reader = _Reader(_Zones(cals, hub_zone), hub_zone, store.now())
    for uid, master in masters.items():
        summary = _clean_text(master.get("SUMMARY"), 80)
        if str(master.get("STATUS", "")).upper() == "CANCELLED":
            report.skipped.append({"uid": uid, "summary": summary,
                                   "reason": "cancelled in the calendar"})
            continue
        try:
            events = _event_plans(master, overrides.get(uid, []) if
                                  "RECURRENCE-ID" not in master else [], reader)
        except (_Unsupported, DeskError) as exc:
            reason = exc.message if isinstance(exc, DeskError) else str(exc)
            entry = {"uid": uid, "summary": summary, "reason": reason}
            (report.skipped if skip_unsupported else report.problems).append(entry)
            continue
        for event in events:
            event.uid = uid  # the key: an orphan override or a duplicate has its own
            event.notes.extend(duplicates.get(uid, []))
        report.events.extend(events)
    if report.problems:
        lines = "; ".join(f'"{p["summary"] or p["uid"]}": {p["reason"]}'
                          for p in report.problems[:5])
        more = f" (and {len(report.problems) - 5} more)" if len(report.problems) > 5 else ""
        raise DeskError("ics_unsupported", f"{len(report.problems)} event(s) cannot be imported, "
                        f"so nothing was imported: {lines}{more}. Import the rest with "
                        f"--skip-unsupported. The rest: {report.summary()}",
                        report=report.to_json())
    if not report.events:
        raise DeskError("ics_empty", "The file holds no events to import" +
                        (f" ({len(report.skipped)} left out)." if report.skipped else "."),
                        report=report.to_json())
    try:
        _write(store, hub_id, report, progress, dry_run=dry_run, skip=skip_unsupported)
    except _DryRun:
        for event in report.events:
            if event.action == "create":
                event.series_id = None  # rolled back
    except _Refused as refused:
        raise DeskError("ics_unsupported", f"{len(report.problems)} event(s) cannot be imported, "
                        f"so nothing was imported: {refused}. Import the rest with "
                        "--skip-unsupported.", report=report.to_json()) from None
    report.imported = not dry_run
    return report


class _Refused(Exception):
    """Events found unsupported while writing (updates); the transaction rolls back."""


def _write(store: Store, hub_id: int, report: IcsImportReport, progress: Progress | None,
           *, dry_run: bool, skip: bool) -> None:
    with store.write() as session:
        hub = get(session, Hub, hub_id, "hub")
        if hub.archived:
            raise DeskError("invalid_state", f"Hub {hub_id} is archived.")
        total = len(report.events)
        matches = _matches(session, hub_id, report.events)
        kept = []
        made: dict[str, int] = {}  # the series made for each UID, for a split's later part
        for done, event in enumerate(report.events, 1):
            existing = matches.get(id(event))
            point = session.begin_nested()  # an event refused here leaves nothing behind
            try:
                exported = EXPORTED_UID.match(event.uid)
                if existing is not None and exported and exported.group(2) == "occurrence":
                    _single(session, existing, event, int(exported.group(3)))
                elif existing is None:
                    earlier = made.get(event.uid) if event.split_from else None
                    event.series_id = _create(session, store, hub, event, earlier)
                    made[event.uid] = event.series_id
                else:
                    _update(session, store, existing, event)
                point.commit()
                kept.append(event)
            except (_Unsupported, DeskError) as exc:
                point.rollback()
                reason = exc.message if isinstance(exc, DeskError) else str(exc)
                entry = {"uid": event.uid, "summary": event.name[:80], "reason": reason}
                (report.skipped if skip else report.problems).append(entry)
            tick(progress, done, total)
        if report.problems:
            raise _Refused("; ".join(f'"{p["summary"] or p["uid"]}": {p["reason"]}'
                                     for p in report.problems[:5]))
        report.events = kept
        report.warnings = _double_bookings(session, store, kept)
        if dry_run:
            raise _DryRun


def _double_bookings(session, store: Store, events: list[ImportedEvent]) -> list[dict]:
    """The double-bookings of the series the import made or changed, for the
    occurrences that have not ended (the past is not anybody's problem now)."""
    from schedtui.services.conflicts import warnings_of_series

    touched = {e.series_id for e in events
               if e.series_id is not None and e.action in ("create", "update")}
    if not touched:
        return []
    session.flush()
    return warnings_of_series(session, touched, store.now())


def _matches(session, hub_id: int, events: list[ImportedEvent]) -> dict[int, Series]:
    """The series each event updates: one exported by this desk (its UID names
    the series), or one imported before with the same UID (parts of a split
    in order). Keyed by ``id(event)``."""
    found: dict[int, Series] = {}
    by_uid: dict[str, list[ImportedEvent]] = {}
    for event in events:
        by_uid.setdefault(event.uid, []).append(event)
    # The hub's series the UIDs name (exported) and those imported before, in one pass each.
    imported: dict[str, list[Series]] = {}
    uids = sorted(by_uid)
    for start in range(0, len(uids), 900):
        for series in session.exec(select(Series).where(Series.hub_id == hub_id)
                                   .where(col(Series.ics_uid).in_(uids[start:start + 900]))
                                   .order_by(Series.start_date, Series.id)):
            imported.setdefault(series.ics_uid, []).append(series)
    named = sorted({int(m.group(1)) for m in map(EXPORTED_UID.match, uids) if m})
    exported_series: dict[int, Series] = {}
    for start in range(0, len(named), 900):
        exported_series.update((s.id, s) for s in session.exec(
            select(Series).where(Series.hub_id == hub_id)
            .where(col(Series.id).in_(named[start:start + 900]))))
    for uid, group in by_uid.items():
        exported = EXPORTED_UID.match(uid)
        if exported:
            series = exported_series.get(int(exported.group(1)))
            if series is not None:
                for event in group:
                    found[id(event)] = series
                continue
        earlier = imported.get(uid, [])
        if not earlier:
            continue
        if len(earlier) != len(group):
            raise DeskError("ics_unsupported", f'The event "{group[0].name[:80]}" ({uid[:80]}) '
                            f"was imported before as {len(earlier)} series and now reads as "
                            f"{len(group)}; edit or split those series in the desk instead.")
        for event, series in zip(group, earlier, strict=True):
            found[id(event)] = series
    return found


def _create(session, store: Store, hub: Hub, event: ImportedEvent,
            split_from: int | None = None) -> int:
    """The series of one event, as :func:`services.series.create_series` makes
    it, inside the import's transaction; then its cancellations and changes."""
    keep_uid = not EXPORTED_UID.match(event.uid) and not event.uid.startswith("(no UID")
    series = series_service.add_series(session, store, hub_id=hub.id,
                                       ics_uid=event.uid[:500] if keep_uid else None,
                                       **event._settings)
    # Only the occurrences the event cancels or changes (a few of its thousands).
    named = sorted(set(event._exdates) | {change.original for change in event._changes})
    stored = {}
    for start in range(0, len(named), 900):
        stored.update((o.original_start, o) for o in session.exec(
            select(Occurrence).where(Occurrence.series_id == series.id)
            .where(col(Occurrence.original_start).in_(named[start:start + 900]))))
    _apply_changes(session, series, event, stored, lambda occ: True)
    session.flush()
    audit.record(session, store, "series.import", "series", series.id,
                 after=audit.snapshot(series) | {"uid": event.uid} |
                 ({"split_from": split_from} if split_from else {}), series_id=series.id,
                 hub_id=hub.id)
    return series.id


def _apply_changes(session, series: Series, event: ImportedEvent,
                   stored: dict[datetime, Occurrence], allowed) -> tuple[int, int]:
    """Cancel and change the stored occurrences the event's EXDATEs and
    overrides name, where ``allowed(occ)``. Returns (applied, left alone)."""
    applied = left = 0
    for key in event._exdates:
        occ = stored.get(key)
        if occ is None or occ.status == "cancelled":
            continue
        if not allowed(occ):
            left += 1
            continue
        occ.status = "cancelled"
        occ.mark_edited("status")
        session.add(occ)
        applied += 1
    for change in event._changes:
        occ = stored.get(change.original)
        if occ is None:
            continue
        before = (occ.start_utc, occ.end_utc, occ.location)
        start, end, location = before
        if change.start is not None and change.start != occ.start_utc:
            length = (change.end - change.start) if change.end else occ.end_utc - occ.start_utc
            start, end = change.start, change.start + length
        elif change.end is not None and change.end != occ.end_utc:
            end = change.end
        if change.location is not None and change.location != series.location and \
                change.location != occ.location:
            try:
                location = series_service.check_location(change.location)
            except DeskError:
                event.notes.append(f"location of {change.original:%Y-%m-%d %H:%M} UTC dropped")
        if (start, end, location) == before:
            continue
        if not allowed(occ):
            left += 1
            continue
        if (start, end) != before[:2]:
            occ.start_utc, occ.end_utc = start, end
            occ.mark_edited("start")
        if location != before[2]:
            occ.location = location
            occ.mark_edited("location")
        session.add(occ)
        applied += 1
    return applied, left


def _single(session, series: Series, event: ImportedEvent, occurrence_id: int) -> None:
    """A session of a series this desk exported as an event of its own (one no
    rule carries): it is that occurrence, already held."""
    occ = session.get(Occurrence, occurrence_id)
    if occ is None or occ.series_id != series.id:
        raise _Unsupported(f"it was exported from occurrence {occurrence_id} of series "
                           f"{series.id}, which no longer holds it")
    event.series_id, event.action, event.occurrences = series.id, "unchanged", 1
    event.notes.append(f"occurrence {occurrence_id} of series {series.id}, already held")


_COMPARED = ("name", "description", "location", "timezone", "duration_minutes")


def _update(session, store: Store, series: Series, event: ImportedEvent) -> None:
    """Bring a series imported (or exported) before in line with the event:
    its settings by the rules of a series edit (the past kept, people holding
    seats in a dropped session protected), then the cancellations and changes
    of occurrences that have not started and nobody holds a seat in."""
    event.series_id = series.id
    event.action = "update"
    settings = event._settings
    rows = slots_of(session, series.id)
    changes: dict[str, Any] = {}
    for key in _COMPARED:
        current = getattr(series, key)
        if settings[key] != current:
            changes[key] = settings[key]
            event.changes.append(key.replace("_", " "))
    current = {to_utc_naive(p.start) for p in plan(series, rows, store.now()).items}
    wanted = set(event._keys) - set(event._exdates)
    if current and wanted and not (rule_set(series).has_end and event.has_end):
        last = min(max(current), max(wanted))  # horizons may differ
        current = {k for k in current if k <= last}
        wanted = {k for k in wanted if k <= last}
    if len(rows) != 1 or (series.rule_extra and EXPORTED_UID.match(event.uid)):
        # One time of day (or one rule of a set) as this desk exports it: the event
        # holds part of the series' instances, so only its own are compared.
        if changes or not wanted <= current:
            raise _Unsupported(f"series {series.id} has several times of day or a rule set; "
                               "changes to it from a calendar cannot be imported (edit it in "
                               "the desk)")
    elif wanted != current - set(event._exdates):
        changes.update(start=settings["start"], rrule=settings["rrule"],
                       times=settings["times"], rrules=settings.get("rrules", []),
                       rdates=settings.get("rdates", []),
                       exrules=settings.get("exrules", []))
        event.changes.append("dates and times")
    if changes:
        series_service.update_series(session, store, series, action="series.import", **changes)
    cutoff = store.now().replace(tzinfo=None)
    stored = {o.original_start: o for o in session.exec(
        select(Occurrence).where(Occurrence.series_id == series.id))}
    held = seat_counts(session, [o.id for o in stored.values()])

    def allowed(occ: Occurrence) -> bool:
        return occ.start_utc >= cutoff and not any(held.get(occ.id, (0, 0)))

    applied, left = _apply_changes(session, series, event, stored, allowed)
    if applied:
        event.changes.append(f"{applied} occurrence(s) cancelled or changed")
    if left:
        event.notes.append(f"{left} cancellation(s) or change(s) not applied: the occurrence "
                           "has started or people hold seats in it (change it in the desk, "
                           "which tells them)")
    if not event.changes:
        event.action = "unchanged"
    else:
        session.flush()
    scheduled = session.exec(select(Occurrence.id).where(Occurrence.series_id == series.id)
                             .where(col(Occurrence.status) == "scheduled")).all()
    event.occurrences = len(scheduled)
