"""iCalendar (RFC 5545) export, and the entry point of the import.

Export writes, for each series, one VEVENT per time of day (slot) carrying the
series' rule, with DTSTART at the slot's first planned occurrence (RFC 5545
counts DTSTART as the first instance). A slot limited to some weekdays gets the
rule narrowed to them; a finite rule ends with UNTIL at the slot's last planned
occurrence (in UTC, as the RFC requires beside a TZID), because the desk's COUNT
counts the rule's dates, not one slot's instances. Cancelled occurrences become
EXDATEs and moved or changed ones overriding VEVENTs (RECURRENCE-ID). Whatever
the rule cannot carry (an occurrence kept from an earlier version of the
series) is exported as a single VEVENT. The exported rule is expanded again by
the desk's own engine and compared with the plan, so any instance a calendar
would show that the desk does not hold is excluded explicitly.

UIDs are stable: ``series-<id>-slot-<slot id>@schedtui`` for a rule,
``series-<id>-occurrence-<id>@schedtui`` for a single event and
``occurrence-<id>@schedtui`` in a personal feed, so a re-export updates the
same events in a subscribed calendar. VTIMEZONE blocks are generated from the
zone database by icalendar.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar
from sqlmodel import Session, col, select

from schedtui.domain.errors import DeskError, invalid, not_found
from schedtui.domain.recurrence import ByDay, Planned, Rule, RuleSet, expand
from schedtui.domain.recurrence import Slot as PlanSlot
from schedtui.domain.zones import (
    DAY_MINUTES,
    from_utc_naive,
    session_end,
    zone,
)
from schedtui.interop.common import write_atomically
from schedtui.interop.ics_import import IcsImportReport, import_ics
from schedtui.services.common import get, horizon_for, plan, plan_slots, rule_set
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.hot import HotSQL
from schedtui.store.models import Attendee, Hub, Occurrence, Registration, SeatEntry, Series

__all__ = ["IcsExportReport", "IcsImportReport", "export_ics", "import_ics", "uid_for_slot"]

PRODID = "-//schedtui//schedtui desk//EN"
DOMAIN = "schedtui"
EXPORTED_STATUSES = ("published", "paused")  # a hub export leaves drafts and archives out


@dataclass
class IcsExportReport:
    """What an export wrote."""

    path: str | None
    series: int = 0
    events: int = 0
    exdates: int = 0
    overrides: int = 0
    single_events: int = 0
    warnings: list[str] = field(default_factory=list)
    text: str | None = None  # the calendar, when no path was given

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def uid_for_slot(series_id: int, slot_id: int) -> str:
    return f"series-{series_id}-slot-{slot_id}@{DOMAIN}"


@transaction
def export_ics(store: Store, path: str | os.PathLike | None, *, series_id: int | None = None,
               hub_id: int | None = None, attendee_email: str | None = None,
               include_private: bool = False) -> IcsExportReport | str:
    """Export one series, a hub's published series, or one person's confirmed
    seats as an iCalendar file. With ``path`` None the calendar text is
    returned instead of a report. Private series are left out of a hub's
    export and a person's feed unless ``include_private``; wherever they are
    exported they are CLASS:PRIVATE."""
    if sum(x is not None for x in (series_id, hub_id, attendee_email)) != 1:
        raise invalid("Export one of: a series, a hub, or an attendee's seats.")
    report = IcsExportReport(path=os.fspath(path) if path is not None else None)
    cal = _calendar()
    with store.read() as session:
        now = store.now()
        if attendee_email is not None:
            span = _attendee_feed(session, cal, attendee_email, now, report, include_private)
        else:
            if series_id is not None:
                chosen = [get(session, Series, series_id, "series")]
            else:
                hub = get(session, Hub, hub_id, "hub")
                cal.add("x-wr-calname", hub.name)
                query = (select(Series).where(Series.hub_id == hub.id)
                         .where(col(Series.status).in_(EXPORTED_STATUSES)).order_by(Series.id))
                if not include_private:
                    query = query.where(Series.private == False)  # noqa: E712 - SQL
                chosen = list(session.exec(query))
            span = None
            for series in chosen:
                span = _widen(span, _export_series(session, cal, series, now, report))
                report.series += 1
    if span is not None:
        _add_timezones(cal, span)
    data = cal.to_ical()
    if path is None:
        return data.decode("utf-8")
    write_atomically(path, data)
    return report


# -- building blocks ------------------------------------------------------------


def _calendar() -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    return cal


def _add_timezones(cal: icalendar.Calendar, span: tuple[date, date]) -> None:
    """The VTIMEZONE of every zone the calendar names, before its events, covering
    the zone's rules from the year before ``span`` through 400 days after it (and at
    least through 2038). A zone database's rules for a span do not change while
    the desk runs, so each block is built once per zone and span of whole years."""
    first = date(span[0].year - 1, 1, 1)
    last = date(max(span[1] + timedelta(days=400), date(2038, 1, 1)).year, 12, 31)
    at = len(cal.timezones)
    for tzid in sorted(cal.get_missing_tzids()):
        block = _timezone_block(tzid, first, last)
        if block is not None:
            cal.subcomponents.insert(at, block)
            at += 1


@functools.lru_cache(maxsize=256)
def _timezone_block(tzid: str, first: date, last: date) -> icalendar.Timezone | None:
    try:
        return icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
    except ValueError:  # a zone icalendar does not know: left out, as it leaves it
        return None


def _widen(span, other):
    if other is None:
        return span
    if span is None:
        return other
    return min(span[0], other[0]), max(span[1], other[1])


def _event(series: Series, uid: str, now: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("summary", series.name)
    if series.description:
        event.add("description", series.description)
    if series.updated_at:
        event.add("last-modified", series.updated_at.replace(tzinfo=UTC))
    if series.private:
        event.add("class", "PRIVATE")
    return event


def _place(event: icalendar.Event, location: str) -> None:
    if location:
        event.add("location", location)
        if location.startswith("https://"):
            event.add("url", location)


def _times(event: icalendar.Event, occ: Occurrence, tz) -> None:
    event.add("dtstart", from_utc_naive(occ.start_utc, tz))
    event.add("dtend", from_utc_naive(occ.end_utc, tz))


def _nominal(item: Planned, tz) -> datetime:
    """The instance as a rule names it: its wall-clock time on its date (the
    slot's, for a date rule), even inside a DST gap (where the RFC, like the
    desk, shifts it forward)."""
    return datetime.combine(item.day, item.at, tzinfo=tz)


def _in_gap(item: Planned, tz) -> bool:
    """Whether the instance's wall time is not the one its rule names."""
    start, at = item.start, item.at
    return (start.hour != at.hour or start.minute != at.minute or start.second != at.second
            or start.microsecond != at.microsecond or start.date() != item.day)


def explicit_rule(rule: Rule, start: date) -> Rule:
    """The same rule with the parts RFC 5545 takes from DTSTART written out, so
    a DTSTART on a later date (a slot's first occurrence) means the same dates."""
    if rule.freq == "WEEKLY" and not rule.byday:
        return replace(rule, byday=(ByDay(start.weekday()),))
    if rule.freq in ("MONTHLY", "YEARLY") and not (rule.byday or rule.bymonthday or
                                                  rule.byyearday or rule.byweekno):
        rule = replace(rule, bymonthday=(start.day,))
        if rule.freq == "YEARLY" and not rule.bymonth:
            rule = replace(rule, bymonth=(start.month,))
    return rule


def slot_rule(rule: Rule, start: date, weekdays: frozenset[int] | None,
              last: datetime | None) -> Rule:
    """The rule of one slot: narrowed to its weekdays where RFC 5545 can say it,
    ending at ``last`` (aware) for a finite series. Where BYSETPOS makes a
    narrowing unsafe the rule is left wide; the caller excludes the extra
    instances with EXDATE."""
    narrowed = explicit_rule(rule, start).without_end()
    if weekdays is not None and len(weekdays) < 7 and not narrowed.bysetpos:
        if narrowed.byday:
            keep = tuple(d for d in narrowed.byday if d.weekday in weekdays)
            narrowed = replace(narrowed, byday=keep or narrowed.byday)
        elif narrowed.freq == "DAILY" or narrowed.bymonthday:
            narrowed = replace(narrowed, byday=tuple(ByDay(w) for w in sorted(weekdays)))
    if last is not None:
        narrowed = replace(narrowed, until=last.astimezone(UTC).replace(microsecond=0))
    return narrowed


def plan_is_calendars(rule: Rule, start: date, weekdays: frozenset[int] | None) -> bool:
    """Whether a date rule, exported alone for one slot as :func:`slot_rule`
    writes it and expanded from that slot's first planned instance, makes
    exactly the slot's planned instances. It does when every step of the export
    keeps the set of dates: with INTERVAL=1 and no BYSETPOS a rule's dates are
    a filter on the calendar, the same from any DTSTART among them once the
    parts RFC 5545 takes from DTSTART are written out (:func:`explicit_rule`),
    UNTIL at the last instance cuts where COUNT or UNTIL did, and the
    narrowing to the slot's weekdays keeps exactly the dates on those weekdays.
    (Instances the plan kept once for two slots are the caller's to rule out.)"""
    if rule.timed or rule.interval != 1 or rule.bysetpos:
        return False
    if weekdays is None or len(weekdays) >= 7:
        return True
    explicit = explicit_rule(rule, start)
    if explicit.byday:  # narrowed to the entries on those weekdays, if any
        return any(d.weekday in weekdays for d in explicit.byday)
    return explicit.freq == "DAILY" or bool(explicit.bymonthday)  # narrowed with BYDAY


def _changed(occ: Occurrence, series: Series, length: timedelta | None = None) -> bool:
    """``length``: the series' duration, when the caller has it at hand."""
    if series.duration_minutes != DAY_MINUTES:  # not a whole day: the length is exact
        return (occ.start_utc != occ.original_start or occ.location is not None
                or occ.end_utc - occ.start_utc != (
                    length or timedelta(minutes=series.duration_minutes)))
    planned_end = session_end(from_utc_naive(occ.original_start, zone(series.timezone)),
                              series.duration_minutes)  # a whole day ends at midnight
    return (occ.start_utc != occ.original_start
            or occ.end_utc - occ.start_utc != planned_end - occ.original_start
            or occ.location is not None)


def _slot_rules(rules: RuleSet, series: Series, plan_slot: PlanSlot, tz, horizon,
                items: Sequence[Planned] | None) -> list[Rule]:
    """Each RRULE of the set as one slot's VEVENT carries it: narrowed to the
    slot's weekdays, a finite rule ending (UNTIL) at that rule's own last
    instance at this slot (each rule keeps its own COUNT). ``items`` are the
    plan's instances at this slot when they are exactly what the set's one rule
    makes there (then its last one needs no expansion of its own), else None."""
    exported = []
    for rule in rules.rrules:
        last = None
        if rule.has_end and items:
            last = items[-1].start
        elif rule.has_end:
            try:
                alone = expand(rule, series.start_date, tz, [plan_slot], horizon=horizon).items
            except DeskError:  # this rule makes nothing at this slot
                continue
            last = alone[-1].start
        exported.append(slot_rule(rule, series.start_date, plan_slot.weekdays, last))
    return exported


# Plain rows on the driver (read only: thousands per series, and ORM objects or
# SQLAlchemy's per-statement work cost several times more).
_STORED = HotSQL("SELECT id, slot_id, original_start, start_utc, end_utc, status, location, "
                 "blackout_id, blackout_start FROM occurrence WHERE series_id = :series "
                 "ORDER BY start_utc, id",
                 times=("original_start", "start_utc", "end_utc", "blackout_start"))
"""What an export reads of an occurrence."""
_SLOTS = HotSQL("SELECT id, at, weekdays FROM slot WHERE series_id = :series "
                "ORDER BY position, id")
"""What an export reads of a series' times of day (as :func:`slots_of` orders them)."""


def _export_series(session: Session, cal: icalendar.Calendar, series: Series, now: datetime,
                   report: IcsExportReport) -> tuple[date, date] | None:
    tz = zone(series.timezone)
    rules = rule_set(series)
    rows = _SLOTS.rows(session, series=series.id)
    stored = _STORED.rows(session, series=series.id)
    by_original = {o.original_start: o for o in stored if o.slot_id is not None}
    last_stored = max((o.original_start for o in stored), default=None)
    covered: set[int] = set()
    merged = True
    try:
        if rows:
            expanded = plan(series, rows, now)
            planned, merged = expanded.items, expanded.merged
        else:
            planned = []
    except DeskError:  # a rule that plans nothing now: the stored rows still exist
        planned = []
    # One rule alone, at one time of day or planned with no instant dropped as
    # another slot's: each slot's planned instances are what that rule makes there.
    own_plan = rules.simple and (len(rows) == 1 or not (rules.timed or merged))
    # An occurrence a blackout shifted stands for the rule's instance it left:
    # written as that instance's override (RECURRENCE-ID), not an event of its own.
    # (A blackout's skipped dates hold no occurrence, or a cancelled one: EXDATE.)
    origin = _shifted_origins(session, series, stored, planned)
    for occ_id, key in origin.items():
        occ = next(o for o in stored if o.id == occ_id)
        if key not in by_original or by_original[key].id == occ_id:
            by_original[key] = occ
        else:
            origin.pop(occ_id)
    horizon = None if rules.has_end else horizon_for(series, now)
    length = timedelta(minutes=series.duration_minutes)
    ahead = _past_the_horizon(session, series, rules, rows, tz, horizon)
    span: tuple[date, date] | None = None
    if series.kind == "event":  # one VEVENT, no rule: its one occurrence as it is now
        rows = []
        for occ in stored:
            day = _single_event(cal, series, occ, uid_for_slot(series.id, occ.slot_id or 0)
                                .removesuffix(f"@{DOMAIN}"), now)
            report.events += 1
            span = _widen(span, (day, day))
        return span
    for row, plan_slot in zip(rows, plan_slots(rows), strict=True):
        items = [p for p in planned if p.slot.key == row.id]
        if not items:
            continue
        first, last = items[0], items[-1]
        # DTSTART: the first instance at the slot's own time (a date rule's times
        # come from it); an added date before it is an RDATE, which RFC 5545 allows.
        anchor = first if rules.timed else next(
            (p for p in items if p.at == plan_slot.at.replace(tzinfo=None)), first)
        exported_rules = _slot_rules(rules, series, plan_slot, tz, horizon,
                                     items if own_plan else None)
        # The RRULEs alone, from the first instance: what they make beyond the plan
        # (an EXRULE's instances too: not every calendar reads EXRULE) becomes an
        # EXDATE, what they miss (an RDATE) an RDATE.
        if own_plan and not rules.timed and plan_is_calendars(rules.main, series.start_date,
                                                              plan_slot.weekdays):
            generated = list(items)  # what the exported rule makes is the plan itself
        else:
            try:
                generated = expand(RuleSet(tuple(exported_rules)), anchor.day, tz,
                                   [PlanSlot(anchor.at)], horizon=horizon).items \
                    if exported_rules else []
            except DeskError:
                generated = []
        wanted = {p.start_utc.replace(tzinfo=None): p for p in items}
        master = _event(series, uid_for_slot(series.id, row.id), now)
        master.add("dtstart", _nominal(anchor, tz))
        master.add("duration", timedelta(minutes=series.duration_minutes))
        for exported in exported_rules:
            master.add("rrule", icalendar.vRecur.from_ical(exported.to_text()))
        for ex in rules.exrules:
            master.add("exrule", icalendar.vRecur.from_ical(
                explicit_rule(ex, series.start_date).to_text()))
        _place(master, series.location)
        made = {p.start_utc.replace(tzinfo=None) for p in generated}
        rdates: list[datetime] = []
        for key, mine in wanted.items():
            occ = by_original.get(key)
            if key in made or occ is None or occ.status == "cancelled":
                continue
            rdates.append(_nominal(mine, tz))
            generated.append(mine)
        exdates: list[datetime] = []
        overrides: list[icalendar.Event] = []
        for item in generated:
            key = item.start_utc.replace(tzinfo=None)
            mine = wanted.get(key)
            occ = by_original.get(key)
            if mine is None or occ is None:
                # Not the desk's: outside the slot, or never stored (past, dropped).
                if mine is None or rules.has_end or (last_stored and key <= last_stored):
                    exdates.append(_nominal(item, tz))
                continue
            covered.add(occ.id)
            if occ.status == "cancelled":
                exdates.append(_nominal(item, tz))
            elif _changed(occ, series, length) or _in_gap(item, tz) or occ.id in origin:
                # A DST-gap instance is written out too: calendars disagree on
                # the end of an instance whose nominal start does not exist.
                override = _event(series, uid_for_slot(series.id, row.id), now)
                override.add("recurrence-id", _nominal(item, tz))
                _times(override, occ, tz)
                _place(override, occ.location if occ.location is not None else series.location)
                overrides.append(override)
        for item, target in ahead:  # blackout days the plan has not reached yet
            if item.slot.key != row.id:
                continue
            if target is None:
                exdates.append(_nominal(item, tz))
                continue
            override = _event(series, uid_for_slot(series.id, row.id), now)
            override.add("recurrence-id", _nominal(item, tz))
            override.add("dtstart", target.start)
            override.add("dtend", from_utc_naive(session_end(target.start,
                                                             series.duration_minutes), tz))
            _place(override, series.location)
            overrides.append(override)
        if rdates:
            master.add("rdate", sorted(rdates))
        if exdates:
            master.add("exdate", exdates)
        if not rules.has_end and len(generated) > len(wanted) and \
                any(r.bysetpos for r in exported_rules):
            report.warnings.append(
                f"Series {series.id}: the time {plan_slot.at:%H:%M} is limited to some weekdays "
                "and the rule uses BYSETPOS; calendars may show extra instances after "
                f"{horizon}.")
        cal.add_component(master)
        for override in overrides:
            cal.add_component(override)
        report.events += 1
        report.exdates += len(exdates)
        report.overrides += len(overrides)
        span = _widen(span, (first.day, (last.start + timedelta(days=1)).date()))
    for occ in stored:  # what no rule carries: one event each
        if occ.id in covered or occ.status != "scheduled":
            continue
        day = _single_event(cal, series, occ, f"series-{series.id}-occurrence-{occ.id}", now)
        report.single_events += 1
        span = _widen(span, (day, day))
    return span


def _past_the_horizon(session: Session, series: Series, rules: RuleSet, rows, tz,
                      horizon: date | None) -> list[tuple[Planned, Planned | None]]:
    """A series with no end whose hub has blackout days past its horizon: the
    instances there that its policy skips (None) or shifts (to where). The rest
    of the rule runs on in other calendars, so these are written as EXDATEs and
    overrides as the planned ones are."""
    from schedtui.services.blackouts import last_blackout_day, past_the_horizon

    if horizon is None or series.on_blackout == "ignore" or not rows:
        return []
    last = last_blackout_day(session, series.hub_id)
    if last is None or last <= horizon:
        return []
    try:  # planned on past the last blackout day, for the days a shift finds taken
        items = expand(rules, series.start_date, tz, plan_slots(rows),
                       horizon=last + timedelta(weeks=series.horizon_weeks),
                       duration=timedelta(minutes=series.duration_minutes)).items
    except DeskError:
        return []
    return past_the_horizon(session, series, items, horizon)


def _shifted_origins(session: Session, series: Series, stored: Sequence[Occurrence],
                     planned: Sequence[Planned]) -> dict[int, datetime]:
    """The rule instance (naive UTC start) each occurrence a blackout shifted
    came from: the start it had when the blackout moved it, or, for one
    planned shifted, the instance the plan shifted it from."""
    from schedtui.services.blackouts import shift_origins

    found: dict[int, datetime] = {}
    planned_from = shift_origins(session, series, planned)
    for occ in stored:
        if occ.slot_id is None or occ.status != "scheduled":
            continue
        if occ.blackout_id is not None and occ.blackout_start is not None:
            found[occ.id] = occ.blackout_start
        elif occ.original_start in planned_from:
            found[occ.id] = planned_from[occ.original_start]
    return found


def _single_event(cal: icalendar.Calendar, series: Series, occ: Occurrence, uid: str,
                  now: datetime) -> date:
    """One occurrence as an event of its own; returns its local date."""
    tz = zone(series.timezone)
    event = _event(series, f"{uid}@{DOMAIN}", now)
    _times(event, occ, tz)
    if occ.status == "cancelled":
        event.add("status", "CANCELLED")
    _place(event, occ.location if occ.location is not None else series.location)
    cal.add_component(event)
    return from_utc_naive(occ.start_utc, tz).date()


def _attendee_feed(session: Session, cal: icalendar.Calendar, email: str, now: datetime,
                   report: IcsExportReport, include_private: bool = False
                   ) -> tuple[date, date] | None:
    """One person's confirmed seats in scheduled occurrences, as single events."""
    key = (email or "").strip().lower()
    person = session.exec(select(Attendee).where(Attendee.email_key == key)).first()
    if person is None:
        raise not_found("attendee", email[:80] if isinstance(email, str) else email)
    cal.add("x-wr-calname", f"{person.name}: sessions")
    rows: Sequence = session.exec(
        select(Occurrence, Series).join(SeatEntry, SeatEntry.occurrence_id == Occurrence.id)
        .join(Registration, SeatEntry.registration_id == Registration.id)
        .join(Series, Occurrence.series_id == Series.id)
        .where(Registration.attendee_id == person.id)
        .where(Registration.status == "active")
        .where(SeatEntry.status == "confirmed")
        .where(Occurrence.status == "scheduled")
        .order_by(Occurrence.start_utc, Occurrence.id)).all()
    span = None
    if not include_private:
        rows = [(occ, series) for occ, series in rows if not series.private]
    for occ, series in rows:
        day = _single_event(cal, series, occ, f"occurrence-{occ.id}", now)
        report.events += 1
        span = _widen(span, (day, day))
    report.series = len({series.id for _, series in rows})
    return span
