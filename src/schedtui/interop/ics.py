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
    to_utc_naive,
    zone,
)
from schedtui.interop.common import write_atomically
from schedtui.interop.ics_import import IcsImportReport, import_ics
from schedtui.services.common import get, horizon_for, plan, plan_slots, rule_set, slots_of
from schedtui.store import Store
from schedtui.store.engine import transaction
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
        cal.add_missing_timezones(first_date=span[0] - timedelta(days=1),
                                  last_date=max(span[1] + timedelta(days=400), date(2038, 1, 1)))
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
    return _nominal(item, tz).replace(tzinfo=None) != item.start.replace(tzinfo=None)


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


def _changed(occ: Occurrence, series: Series) -> bool:
    if series.duration_minutes != DAY_MINUTES:  # not a whole day: the length is exact
        return (occ.start_utc != occ.original_start or occ.location is not None
                or occ.end_utc - occ.start_utc != timedelta(minutes=series.duration_minutes))
    planned_end = session_end(from_utc_naive(occ.original_start, zone(series.timezone)),
                              series.duration_minutes)  # a whole day ends at midnight
    return (occ.start_utc != occ.original_start
            or occ.end_utc - occ.start_utc != planned_end - occ.original_start
            or occ.location is not None)


def _slot_rules(rules: RuleSet, series: Series, plan_slot: PlanSlot, tz, horizon
                ) -> list[Rule]:
    """Each RRULE of the set as one slot's VEVENT carries it: narrowed to the
    slot's weekdays, a finite rule ending (UNTIL) at that rule's own last
    instance at this slot (each rule keeps its own COUNT)."""
    exported = []
    for rule in rules.rrules:
        last = None
        if rule.has_end:
            try:
                alone = expand(rule, series.start_date, tz, [plan_slot], horizon=horizon).items
            except DeskError:  # this rule makes nothing at this slot
                continue
            last = alone[-1].start
        exported.append(slot_rule(rule, series.start_date, plan_slot.weekdays, last))
    return exported


_OCCURRENCE_COLUMNS = (Occurrence.id, Occurrence.slot_id, Occurrence.original_start,
                       Occurrence.start_utc, Occurrence.end_utc, Occurrence.status,
                       Occurrence.location, Occurrence.blackout_id,
                       Occurrence.blackout_start)
"""What an export reads of an occurrence."""


def _export_series(session: Session, cal: icalendar.Calendar, series: Series, now: datetime,
                   report: IcsExportReport) -> tuple[date, date] | None:
    tz = zone(series.timezone)
    rules = rule_set(series)
    rows = slots_of(session, series.id)
    # Plain rows (read only: thousands per series, and ORM objects cost ten times more).
    stored = list(session.exec(select(*_OCCURRENCE_COLUMNS)
                               .where(Occurrence.series_id == series.id)
                               .order_by(Occurrence.start_utc, Occurrence.id)))
    by_original = {o.original_start: o for o in stored if o.slot_id is not None}
    last_stored = max((o.original_start for o in stored), default=None)
    covered: set[int] = set()
    try:
        planned = plan(series, rows, now).items if rows else []
    except DeskError:  # a rule that plans nothing now: the stored rows still exist
        planned = []
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
        exported_rules = _slot_rules(rules, series, plan_slot, tz, horizon)
        # The RRULEs alone, from the first instance: what they make beyond the plan
        # (an EXRULE's instances too: not every calendar reads EXRULE) becomes an
        # EXDATE, what they miss (an RDATE) an RDATE.
        try:
            generated = expand(RuleSet(tuple(exported_rules)), anchor.day, tz,
                               [PlanSlot(anchor.at)], horizon=horizon).items \
                if exported_rules else []
        except DeskError:
            generated = []
        wanted = {to_utc_naive(p.start): p for p in items}
        master = _event(series, uid_for_slot(series.id, row.id), now)
        master.add("dtstart", _nominal(anchor, tz))
        master.add("duration", timedelta(minutes=series.duration_minutes))
        for exported in exported_rules:
            master.add("rrule", icalendar.vRecur.from_ical(exported.to_text()))
        for ex in rules.exrules:
            master.add("exrule", icalendar.vRecur.from_ical(
                explicit_rule(ex, series.start_date).to_text()))
        _place(master, series.location)
        made = {to_utc_naive(p.start) for p in generated}
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
            key = to_utc_naive(item.start)
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
            elif _changed(occ, series) or _in_gap(item, tz) or occ.id in origin:
                # A DST-gap instance is written out too: calendars disagree on
                # the end of an instance whose nominal start does not exist.
                override = _event(series, uid_for_slot(series.id, row.id), now)
                override.add("recurrence-id", _nominal(item, tz))
                _times(override, occ, tz)
                _place(override, occ.location if occ.location is not None else series.location)
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
