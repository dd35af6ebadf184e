"""The series form: the recurrence built from fields (or typed as RRULE text),
with a live preview of the rule in words and the next ten occurrences in the
series' zone, UTC offsets shown so daylight-saving shifts are visible.

Three uses: a new series, an edit of the whole series, and "this and
following" (a split at an occurrence)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import available_timezones

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Select, Static

from schedtui.domain import parse
from schedtui.domain.errors import DeskError, invalid
from schedtui.domain.policies import offsets_text, parse_offsets
from schedtui.domain.recurrence import MAX_INTERVAL, MAX_OCCURRENCES, WEEKDAYS, Rule
from schedtui.domain.zones import zone
from schedtui.services import conflicts, series
from schedtui.services.views import OccurrenceView, SeriesView
from schedtui.tui.format import offset, when
from schedtui.tui.screens.form import FormScreen, row_field

FREQS = [("Daily", "DAILY"), ("Weekly", "WEEKLY"), ("Monthly", "MONTHLY"), ("Yearly", "YEARLY"),
         ("Does not repeat", "NONE")]  # a one-off event
CONTACTS = [("email", "email"), ("name only (walk-ins)", "none"),
            ("email and phone", "email_and_phone")]
PRIVACY = [("no: in calendar exports", False), ("yes: left out of them", True)]
NTH = [("—", 0), ("1st", 1), ("2nd", 2), ("3rd", 3), ("4th", 4), ("5th", 5), ("last", -1)]
ENDS = [("never", "never"), ("after N times", "count"), ("on a date", "until")]
APPROVAL = [("no: seats at once", False), ("yes: I approve each", True)]
PUBLISH = [("now", False), ("later (a draft)", True)]
BLACKOUT_POLICIES = [("skip the session", "skip"), ("shift to the next free day", "shift"),
                     ("ignore them", "ignore")]


def blank(value: int | None) -> str:
    return "" if value is None else str(value)


def optional(value: str, label: str, low: int, high: int) -> int | None:
    """A number field that may be left blank (None)."""
    return parse.parse_positive(value.strip(), label, low, high) if value.strip() else None


OPTIONS = [("all sessions", "all_sessions"), ("one session", "single_session"),
           ("several sessions", "multiple_sessions")]


def rule_from_fields(freq: str, interval: str, weekdays: str, nth: int, monthday: str,
                     end: str, end_value: str) -> str:
    """RRULE text from the form's fields (the service validates the rule); a field
    that cannot go into a rule is refused by its own label, in the form's words.
    "Does not repeat" is a one-off event's one-day rule."""
    if freq == "NONE":
        return series.EVENT_RULE
    parts = [f"FREQ={freq}"]
    if interval.strip():
        every = parse.parse_positive(interval.strip(), "Every", 1, MAX_INTERVAL)
        if every != 1:
            parts.append(f"INTERVAL={every}")
    if weekdays.strip():
        days = sorted(parse.parse_weekdays(weekdays))
        parts.append("BYDAY=" + ",".join(f"{nth or ''}{WEEKDAYS[d]}" for d in days))
    if monthday.strip():
        days = [d.strip() for d in monthday.split(",")]
        for day in days:
            if not re.fullmatch(r"-?\d{1,2}", day) or not 1 <= abs(int(day)) <= 31:
                raise invalid(f'Month day "{day[:20]}" is not a day of the month; use 1..31, '
                              "or -1 for the last.", field="monthday")
        parts.append("BYMONTHDAY=" + ",".join(str(int(d)) for d in days))
    if end == "count":
        times = parse.parse_positive(end_value.strip(), "After (times)", 1, MAX_OCCURRENCES)
        parts.append(f"COUNT={times}")
    elif end == "until":
        parts.append(f"UNTIL={parse.parse_date(end_value, 'End date'):%Y%m%d}")
    return ";".join(parts)


def readable_rule(rule: str) -> str:
    """The rule with a space after each part, so a narrow preview wraps between
    parts and never inside a number or a name."""
    return "; ".join(part for part in rule.split(";") if part)


def dropped_message(exc: DeskError) -> str:
    """The question before a change that drops occurrences people hold seats in,
    in dates and names (who will be told)."""
    when_ = exc.details.get("when") or []
    who = exc.details.get("who") or []
    if not when_:
        return f"{exc.message}\nPress Save again to confirm (changing a field asks again)."
    text = (f"This drops {len(when_)} occurrence{'s' if len(when_) != 1 else ''} people "
            f"hold seats in: {', '.join(when_[:6])}"
            + (f" and {len(when_) - 6} more" if len(when_) > 6 else "") + ".")
    if who:
        text += (f"\n{len(who)} {'person' if len(who) == 1 else 'people'} will be told: "
                 + ", ".join(who[:12]) + (f" and {len(who) - 12} more" if len(who) > 12
                                          else "") + ".")
    return text + "\nPress Save again to cancel them and tell them (changing a field asks again)."


class SeriesForm(FormScreen[Any]):
    """Dismisses a SeriesView (new), (SeriesView, Replan) (edit) or (earlier,
    later) views (split)."""

    wide = True

    def __init__(self, *, hub_id: int, timezone: str = "UTC",
                 existing: SeriesView | None = None,
                 split_at: OccurrenceView | None = None) -> None:
        super().__init__()
        self.hub_id = hub_id
        self.existing = existing
        self.split_at = split_at
        self.timezone = existing.timezone if existing else timezone
        self.generated = ""
        self.confirm = False
        self.plan_text = Text()
        """The preview's rule and next occurrences (the conflicts come apart)."""
        self.clashes: list[dict[str, Any]] = []
        """The double-bookings the settings as typed would make (the preview)."""
        self.shown_policy = ""
        """The blackout policy the preview on screen was worked out with."""
        self.saved_warnings: list[dict[str, Any]] = []
        """The double-bookings the saved change reported (told once it closes)."""
        if split_at is not None:
            self.form_title = f"Edit this and following (from {when(split_at.start)})"
        else:
            self.form_title = "Edit series" if existing else "New series"

    # -- fields ------------------------------------------------------------------
    def fields(self) -> ComposeResult:
        s = self.existing
        rule = Rule.parse(s.rrule) if s and s.rrule else Rule("WEEKLY")
        freq = "NONE" if s and s.kind == "event" else rule.freq
        nth = next((d.n for d in rule.byday if d.n), 0) or 0
        end = "count" if rule.count else "until" if rule.until else "never"
        end_value = str(rule.count) if rule.count else \
            (f"{rule.until:%Y-%m-%d}" if rule.until else "")
        start = self.split_at.start[:10] if self.split_at else s.start if s else \
            f"{self.store.now().astimezone(zone(self.timezone)).date():%Y-%m-%d}"
        f = row_field
        yield from f("Name", Input(s.name if s else "", id="name"))
        yield from f("First day", Input(start, id="start", disabled=self.split_at is not None),
                     "YYYY-MM-DD")
        yield from f("Times of day", Input(",".join(t.label() for t in s.times) if s
                                           else "09:00", id="times"),
                     "09:00,17:00 or 09:00/MO+WE (=CAP, @HOST per time)")
        yield from f("Minutes", Input(str(s.duration_minutes) if s else "60", id="duration"),
                     "Duration in minutes")
        zones = SuggestFromList(sorted(available_timezones()), case_sensitive=False)
        yield from f("Time zone", Input(self.timezone, id="timezone", suggester=zones),
                     "IANA name, e.g. Europe/Berlin (→ completes)")
        yield from f("Repeats", Select(FREQS, value=freq, allow_blank=False,
                                       compact=True, id="freq"))
        yield from f("Every", Input(str(rule.interval), id="interval"),
                     "Interval: 2 = every other day, week, month...")
        yield from f("On weekdays", Input(",".join(WEEKDAYS[d.weekday] for d in rule.byday),
                                          id="weekdays"), "MO,WE,FR (blank: the start's)")
        yield from f("Which one", Select(NTH, value=nth, allow_blank=False, compact=True,
                                         id="nth"), "With Monthly: the 1st, 2nd... weekday")
        yield from f("Month day", Input(",".join(map(str, rule.bymonthday)), id="monthday"),
                     "Day of the month: 1, 15, -1 (the last)")
        yield from f("Ends", Select(ENDS, value=end, allow_blank=False, compact=True,
                                    id="end"))
        yield from f("After / on", Input(end_value, id="end-value"),
                     "A number of times, or YYYY-MM-DD")
        yield from f("RRULE", Input(s.rrule or series.EVENT_RULE if s else "", id="rrule"),
                     "Built from the fields above; type to override")
        capacity = "unlimited" if s is None or s.capacity is None else str(s.capacity)
        yield from f("Capacity", Input(capacity if s else "20", id="capacity"),
                     "1..10000 or unlimited")
        yield from f("Location", Input(s.location if s else "", id="location"),
                     "A place, or an https:// address")
        yield from f("Host", Input(s.host if s else "", id="host"))
        yield from f("Registration", Select(OPTIONS, value=s.registration_option if s
                                            else "all_sessions", allow_blank=False,
                                            compact=True, id="option"))
        yield from f("Approval", Select(APPROVAL, value=bool(s and s.require_approval),
                                        allow_blank=False, compact=True, id="approval"),
                     "Whether each registration waits for your approval")
        yield from f("Seats/booking", Input(str(s.max_seats) if s else "5", id="max-seats"),
                     "The most seats one registration may take (1..50)")
        yield from f("Book until", Input(blank(s.booking_min_hours) if s else "",
                                         id="booking-min"),
                     "Hours before the start that booking closes (blank: until it starts)")
        yield from f("Book from", Input(blank(s.booking_max_days) if s else "",
                                        id="booking-max"),
                     "Days ahead that booking opens (blank: as soon as planned)")
        yield from f("Horizon", Input(str(s.horizon_weeks) if s else "26", id="horizon"),
                     "Weeks ahead an open-ended series is planned")
        yield from f("Blackout days", Select(BLACKOUT_POLICIES, value=s.on_blackout if s
                                             else "skip", allow_blank=False, compact=True,
                                             id="on-blackout"),
                     "On the hub's blackout days: skip the session, shift it to the next "
                     "free day, or ignore them")
        yield from f("Description", Input(s.description if s else "", id="description"),
                     "Shown to people in notices and the calendar export")
        yield from f("Contact", Select(CONTACTS, value=s.contact if s else "email",
                                       allow_blank=False, compact=True, id="contact"),
                     "What a registration must give")
        yield from f("Private", Select(PRIVACY, value=bool(s and s.private), allow_blank=False,
                                       compact=True, id="private"),
                     "Left out of the hub's calendar export and people's feeds")
        yield from f("Reminders", Input(",".join(s.remind) if s else "", id="remind"),
                     "Before each session: 24h,1h (m, h, d; blank: none)")
        yield from f("Refundable", Input(str(s.refundable_hours) if s else "24",
                                         id="refundable"),
                     "Hours before a session that a cancellation is still refunded (0: "
                     "until it starts)")
        if s is None:
            yield from f("Publish", Select(PUBLISH, value=False, allow_blank=False,
                                           compact=True, id="draft"),
                         "A draft takes no registrations until published (p)")
        yield Static("", id="hint-line", classes="field-hint")

    def side(self) -> ComposeResult:
        with Vertical(id="preview-box"):
            yield Static("Preview", classes="field-label")
            yield Static("", id="preview")

    def on_mount(self) -> None:
        if self.existing is None:
            self._sync_rule()
        else:
            self.generated = self.existing.rrule or series.EVENT_RULE
        self._schedule_preview()

    # -- the rule and the live preview -------------------------------------------
    def current_rule(self) -> str:
        typed = self.value("rrule").strip()
        if typed and typed != self.generated:
            return typed
        return self.generated

    def _sync_rule(self) -> None:
        try:
            self.generated = rule_from_fields(
                self.query_one("#freq", Select).value, self.value("interval"),
                self.value("weekdays"), self.query_one("#nth", Select).value,
                self.value("monthday"), self.query_one("#end", Select).value,
                self.value("end-value"))
        except DeskError as exc:
            self.query_one("#preview", Static).update(Text(exc.message, "red"))
            return
        self.query_one("#rrule", Input).value = self.generated

    @on(events.DescendantFocus)
    def _hint(self, event: events.DescendantFocus) -> None:
        """The focused field's hint (its tooltip) in the hint line."""
        tip = event.widget.tooltip
        self.query_one("#hint-line", Static).update(tip if isinstance(tip, str) else "")

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        ident = event.control.id
        if self.confirm and self._asked_about != self._typed():
            # the question was about the settings as they were (an echo of the
            # rule field's own sync, with the settings unchanged, keeps it)
            self.confirm = False
            self.query_one("#save", Button).label = "Save (ctrl+s)"
            self.clear_error()
        if ident in ("freq", "interval", "weekdays", "nth", "monthday", "end", "end-value"):
            self._sync_rule()
        self._schedule_preview()

    def _schedule_preview(self) -> None:
        if getattr(self, "_timer", None) is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.15, self._preview)

    def _inputs(self) -> dict[str, Any]:
        return {"rrule": self.current_rule(),
                "start": parse.parse_date(self.value("start"), "First day"),
                "timezone": self.value("timezone").strip(),
                "times": parse.parse_times(self.value("times"))}

    def _preview(self) -> None:
        try:
            inputs = self._inputs()
        except DeskError as exc:
            self._plan_error(exc)
            return
        now, store, hub_id = self.store.now(), self.store, self.hub_id
        policy = self.query_one("#on-blackout", Select).value
        if self.query_one("#freq", Select).value == "NONE":
            policy = "ignore"  # a one-off date is chosen on purpose (as saving does)

        def shown(result: tuple[str, list, str]) -> None:
            self.shown_policy = policy
            self._show_preview(result, inputs["rrule"])

        self.load(lambda: series.preview(now=now, store=store, hub_id=hub_id,
                                         on_blackout=policy, **inputs),
                  shown, self._plan_error)
        self._check_conflicts(inputs)

    def _check_conflicts(self, inputs: dict[str, Any]) -> None:
        """The double-bookings the series as typed would make, from the service
        (nothing saved), beside the preview; fields that do not parse yet ask
        nothing (the preview says what is wrong)."""
        try:
            duration = parse.parse_positive(self.value("duration"), "Duration (minutes)",
                                            1, 1440)
            horizon = parse.parse_positive(self.value("horizon").strip() or "26",
                                           "Horizon (weeks)", 1, series.MAX_HORIZON_WEEKS)
        except DeskError:
            return
        store = self.store
        ask = dict(inputs, duration_minutes=duration, host=self.value("host"),
                   location=self.value("location"), horizon_weeks=horizon,
                   name=self.value("name").strip())
        if self.existing is not None:
            ask["series_id"] = self.existing.id
        if self.split_at is not None:
            ask["since"] = datetime.fromisoformat(self.split_at.start)

        def show(found: list[dict[str, Any]]) -> None:
            self.clashes = found
            self._render_preview()

        self.load(lambda: conflicts.plan_warnings(store, **ask), show,
                  lambda exc: show([]), group="conflicts")

    def _show_preview(self, result: tuple[str, list, str], rule: str) -> None:
        """The preview of ``rule`` (the rule it was worked out for, not the one
        typed since: that one's preview is on its way)."""
        summary, starts, blackout_note = result
        text = Text(summary, "bold")
        text.append(f"\n{readable_rule(rule)}\n", "dim")
        text.append(f"Next {len(starts)} in {self.value('timezone').strip()}:\n")
        previous = None
        for moment in starts:
            text.append(f"{moment:%a %Y-%m-%d %H:%M} {offset(moment)}")
            if previous is not None and moment.utcoffset() != previous:
                text.append(" ← clock change", "yellow")
            previous = moment.utcoffset()
            text.append("\n")
        if not starts:
            text.append("(no occurrences)", "yellow")
        if blackout_note:
            text.append(f"■ {blackout_note}\n", "red")
        self.plan_text = text
        self._render_preview()

    def _plan_error(self, exc: DeskError) -> None:
        self.plan_text = Text(exc.message, "red")
        self.clashes = []
        self._render_preview()

    def _render_preview(self) -> None:
        text = self.plan_text.copy()
        if self.clashes:
            text.append(f"\nDouble-booked ({len(self.clashes)}):\n", "bold yellow")
            for warning in self.clashes[:3]:
                text.append(f"{warning['message']}\n", "yellow")
            if len(self.clashes) > 3:
                text.append(f"and {len(self.clashes) - 3} more\n", "yellow")
        self.query_one("#preview", Static).update(text)

    # -- saving --------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        inputs = self._inputs()
        return {
            "name": self.value("name"), "start": inputs["start"], "rrule": inputs["rrule"],
            "timezone": inputs["timezone"], "times": inputs["times"],
            "duration_minutes": parse.parse_duration(self.value("duration")),
            "capacity": parse.parse_capacity(self.value("capacity")),
            "location": self.value("location"), "host": self.value("host"),
            "registration_option": self.query_one("#option", Select).value,
            "require_approval": self.query_one("#approval", Select).value,
            "max_seats": parse.parse_positive(self.value("max-seats").strip(),
                                              "Seats per booking", 1, 50),
            "booking_min_hours": optional(self.value("booking-min"), "Book until (hours "
                                          "before)", 0, 24 * 365),
            "booking_max_days": optional(self.value("booking-max"), "Book from (days ahead)",
                                         1, 3650),
            "horizon_weeks": parse.parse_positive(self.value("horizon").strip(),
                                                  "Horizon (weeks)", 1, series.MAX_HORIZON_WEEKS),
            "description": self.value("description"),
            "contact": self.query_one("#contact", Select).value,
            "private": self.query_one("#private", Select).value,
            "remind": offsets_text(parse_offsets(self.value("remind"))),
            "kind": "event" if self.query_one("#freq", Select).value == "NONE" else "series",
            "on_blackout": self.query_one("#on-blackout", Select).value,
            "refundable_hours": parse.parse_positive(self.value("refundable").strip(),
                                                     "Refundable (hours before)", 0, 24 * 365),
        }

    _asked_about: dict[str, Any] | None = None
    """The settings the confirmation question was about."""

    def _typed(self) -> dict[str, Any] | None:
        """The settings as typed now (None: some field does not parse)."""
        try:
            return self.settings()
        except DeskError:
            return None

    def changes(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Only what differs from the series as it is."""
        s = self.existing
        assert s is not None
        now = {"name": s.name, "start": date.fromisoformat(s.start),
               "rrule": s.rrule or series.EVENT_RULE, "kind": s.kind, "contact": s.contact,
               "private": s.private, "remind": ",".join(s.remind),
               "timezone": s.timezone, "times": parse.parse_times(
                   ",".join(t.label() for t in s.times)),
               "duration_minutes": s.duration_minutes, "capacity": s.capacity,
               "location": s.location, "host": s.host,
               "registration_option": s.registration_option,
               "require_approval": s.require_approval, "max_seats": s.max_seats,
               "booking_min_hours": s.booking_min_hours,
               "booking_max_days": s.booking_max_days, "horizon_weeks": s.horizon_weeks,
               "description": s.description, "refundable_hours": s.refundable_hours,
               "on_blackout": s.on_blackout}
        return {k: v for k, v in settings.items() if v != now.get(k)}

    def build(self) -> Callable[[], Any]:
        call = self._build()
        store = self.store

        def run() -> Any:
            result = call()
            # the series the change made or re-planned: new, (view, re-plan), (earlier, later)
            view = result if not isinstance(result, tuple) else \
                result[1] if self.split_at is not None else result[0]
            self.saved_warnings = conflicts.series_warnings(store, view.id)
            return result

        return run

    def saved(self, result: Any) -> None:
        for warning in self.saved_warnings:
            self.app.notify(warning["message"], title="Double-booked", severity="warning",
                            markup=False, timeout=10)
        super().saved(result)

    def _build(self) -> Callable[[], Any]:
        settings = self.settings()
        confirm = self.confirm
        if self.existing is None:
            draft = self.query_one("#draft", Select).value
            if settings["kind"] == "event":
                settings["on_blackout"] = "ignore"  # a one-off date is chosen on purpose
            return lambda: series.create_series(self.store, hub_id=self.hub_id, draft=draft,
                                                **settings)
        changes = self.changes(settings)
        if self.split_at is not None:
            changes.pop("start", None)
            return lambda: series.split_series(self.store, self.existing.id, self.split_at.id,
                                               confirm=confirm, **changes)
        if not changes:
            raise DeskError("invalid_value", "Nothing changed.")
        return lambda: series.edit_series(self.store, self.existing.id, confirm=confirm,
                                          **changes)  # (view, the re-plan: who was told)

    def refused(self, exc: DeskError) -> None:
        if exc.code == "has_registrations":
            self.confirm = True
            self._asked_about = self._typed()
            exc = DeskError(exc.code, dropped_message(exc))
            self.query_one("#save", Button).label = "Confirm (ctrl+s)"
        super().refused(exc)
