"""Forms for one occurrence: move it, or change its capacity, location and host;
and the question asked when a capacity cut leaves confirmed seats over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from schedtui.domain import parse
from schedtui.domain.errors import DeskError, invalid
from schedtui.domain.zones import localize, zone
from schedtui.services import conflicts, occurrences
from schedtui.services.views import OccurrenceView
from schedtui.tui.format import affected, offset, seats, when
from schedtui.tui.screens.form import FormScreen, field


def clash_text(found: list[dict[str, Any]]) -> Text:
    """The double-bookings a change would make, for a form's preview."""
    text = Text()
    if found:
        text.append(f"\nDouble-booked ({len(found)}):", "bold yellow")
        for warning in found[:3]:
            text.append(f"\n{warning['message']}", "yellow")
        if len(found) > 3:
            text.append(f"\nand {len(found) - 3} more", "yellow")
    return text


def show_clashes(box: Static, found: list[dict[str, Any]]) -> None:
    """The form's double-bookings line: hidden (no room taken) when there are none."""
    box.update(clash_text(found))
    box.set_class(not found, "-hidden")


class WarnsWhenSaved:
    """A form whose saved occurrence's ``double_booked`` warnings (computed in
    the save's worker) are told once the form closes."""

    saved_warnings: list[dict[str, Any]] = []

    def with_warnings(self, call: Callable[[], OccurrenceView]) -> Callable[[], OccurrenceView]:
        store = self.store  # type: ignore[attr-defined]

        def run() -> OccurrenceView:
            view = call()
            self.saved_warnings = conflicts.occurrence_warnings(store, [view.id])
            return view

        return run

    def saved(self, result: Any) -> None:
        for warning in self.saved_warnings:
            self.app.notify(warning["message"], title="Double-booked",  # type: ignore
                            severity="warning", markup=False, timeout=10)
        super().saved(result)  # type: ignore[misc]


def offer_demote(screen: Any, exc: DeskError, occ: OccurrenceView, changes: dict[str, Any],
                 done: Callable[[OccurrenceView], Any],
                 refused: Callable[[DeskError], Any] | None = None) -> bool:
    """When the service refused a capacity below the confirmed seats, ask whether
    to move the newest confirmed seats to the waitlist, and on yes make the same
    ``changes`` (capacity, and location or host if any) with ``demote``, in one
    call. Returns False (asking nothing) for any other refusal."""
    if exc.code != "capacity_below_booked":
        return False
    from schedtui.tui.screens.confirm import ConfirmScreen

    over = exc.details.get("over", 0)
    who = exc.details.get("who") or []
    seats_text = f"{over} newest confirmed seat{'s' if over != 1 else ''}"
    question = Text(f"Move the {seats_text} to the waitlist?\n\n", "bold")
    if who:
        question.append("They are held by: " + ", ".join(who) + ".\n\n", "bold")
    confirmed = exc.details.get("confirmed", 0)
    question.append(f"The occurrence of {when(occ.start)} has {confirmed} confirmed seats; "
                    f"a capacity of {changes.get('capacity')} is {over} over.")
    question.append("\n\nThe people moved are told; they get a seat back if one frees up.")

    def answered(yes: bool | None) -> None:
        if yes:
            screen.act(lambda: occurrences.set_occurrence(screen.store, occ.id,
                                                          demote=True, **changes),
                       done, refused)

    screen.app.push_screen(ConfirmScreen("Capacity below the confirmed seats", question,
                                         "Move them"), answered)
    return True


class MoveForm(WarnsWhenSaved, FormScreen[OccurrenceView]):
    """A new date and time, shown in the series' zone with who will be told."""

    form_title = "Move occurrence"

    def __init__(self, occ: OccurrenceView) -> None:
        super().__init__()
        self.occ = occ

    def fields(self) -> ComposeResult:
        start = datetime.fromisoformat(self.occ.start)
        minutes = int((datetime.fromisoformat(self.occ.end) - start).total_seconds() // 60)
        yield Static(Text(f"Now: {when(self.occ.start)} {offset(start)} ({self.occ.timezone})"))
        yield from field("New start (local, YYYY-MM-DD HH:MM)",
                         Input(start.strftime("%Y-%m-%d %H:%M"), id="start"))
        yield from field("Duration (minutes)", Input(str(minutes), id="duration"))
        yield Static("", id="move-preview")
        yield Static("", id="clashes", classes="-hidden")

    NAMED = 12
    """People named in the preview; the rest are counted."""

    who = ""
    """Who will be told, by name (loaded once the form is up)."""

    def on_mount(self) -> None:
        self._preview()
        if affected(self.occ):
            from schedtui.services import registrations

            occ_id = self.occ.id
            self.load(lambda: registrations.registration_page(
                self.store, occurrence_id=occ_id, limit=self.NAMED), self._named)

    def _named(self, page: tuple) -> None:
        total, rows = page
        live = [r.name for r in rows if r.status not in ("cancelled", "declined")]
        more = total - len(rows)
        self.who = ", ".join(live) + (f" and {more} more" if more > 0 else "")
        self._preview()

    @on(Input.Changed, "#start")
    def _preview(self) -> None:
        box = self.query_one("#move-preview", Static)
        people = affected(self.occ)
        told = Text(f"\n{people} {'person' if people == 1 else 'people'} will be told "
                    f"({self.occ.booked} booked, {self.occ.waitlisted} waitlisted)"
                    + (f": {self.who}." if self.who else "."), "bold")
        try:
            local = parse.parse_local_datetime(self.value("start"), "New start")
        except DeskError as exc:
            error = Text(exc.message, "red")
            error.append_text(told)
            box.update(error)
            return
        moment = localize(local.date(), local.time(), zone(self.occ.timezone))
        text = Text(f"→ {moment:%a %Y-%m-%d %H:%M} {offset(moment)} ({self.occ.timezone})"
                    f" = {moment.astimezone(UTC):%H:%M} UTC")
        if moment.replace(tzinfo=None) != local:
            text.append(f"\n  {local:%H:%M} does not exist that day (clocks change); "
                        f"it becomes {moment:%H:%M}.", "yellow")
        text.append_text(told)
        box.update(text)
        self._clashes(local)

    @on(Input.Changed, "#duration")
    def _duration_changed(self) -> None:
        try:
            local = parse.parse_local_datetime(self.value("start"), "New start")
        except DeskError:
            return
        self._clashes(local)

    def _clashes(self, local: datetime) -> None:
        """Who the move would double-book, from the service (nothing saved)."""
        box = self.query_one("#clashes", Static)
        try:
            duration = parse.parse_positive(self.value("duration"), "Duration (minutes)",
                                            1, 1440)
        except DeskError:
            duration = None
        store, occ_id = self.store, self.occ.id
        self.load(lambda: conflicts.occurrence_change_warnings(
            store, occ_id, start=local, duration_minutes=duration),
            lambda found: show_clashes(box, found), lambda exc: show_clashes(box, []),
            group="clashes")

    def build(self) -> Callable[[], OccurrenceView]:
        start = parse.parse_local_datetime(self.value("start"), "New start")
        duration = parse.parse_duration(self.value("duration"))
        return self.with_warnings(
            lambda: occurrences.move_occurrence(self.store, self.occ.id, start, duration))


class OccurrenceForm(WarnsWhenSaved, FormScreen[OccurrenceView]):
    """Capacity, location and host of this one occurrence."""

    form_title = "Edit occurrence"

    def __init__(self, occ: OccurrenceView) -> None:
        super().__init__()
        self.occ = occ
        self.changes: dict[str, Any] = {}
        """What the last Save asked the service to change (a capacity cut it
        refuses is offered again with ``demote``)."""

    def fields(self) -> ComposeResult:
        occ = self.occ
        yield Static(Text(f"{when(occ.start)} ({occ.timezone}), {seats(occ)} booked, "
                          f"{occ.waitlisted} waitlisted"))
        capacity = "unlimited" if occ.capacity is None else str(occ.capacity)
        yield from field("Capacity", Input(capacity, id="capacity"), "1..10000 or unlimited")
        yield from field("Location", Input(occ.location, id="location"),
                         "a place, or an https:// address")
        yield from field("Host", Input(occ.host, id="host"))
        yield Static("", id="clashes", classes="-hidden")

    @on(Input.Changed, "#location, #host")
    def _clashes(self) -> None:
        """Who the new host or place would double-book (nothing saved)."""
        box = self.query_one("#clashes", Static)
        store, occ_id = self.store, self.occ.id
        host, location = self.value("host"), self.value("location")
        if (host, location) == (self.occ.host, self.occ.location):
            show_clashes(box, [])
            return
        self.load(lambda: conflicts.occurrence_change_warnings(
            store, occ_id, host=host, location=location),
            lambda found: show_clashes(box, found), lambda exc: show_clashes(box, []),
            group="clashes")

    def build(self) -> Callable[[], OccurrenceView]:
        changes: dict[str, Any] = {}
        capacity = parse.parse_capacity(self.value("capacity"))
        if capacity != self.occ.capacity:
            changes["capacity"] = capacity
        for name in ("location", "host"):
            if self.value(name) != getattr(self.occ, name):
                changes[name] = self.value(name)
        if not changes:
            raise invalid("Nothing changed.")
        self.changes = changes
        return self.with_warnings(
            lambda: occurrences.set_occurrence(self.store, self.occ.id, **changes))

    def action_submit(self) -> None:
        self.changes = {}
        super().action_submit()

    def refused(self, exc: DeskError) -> None:
        super().refused(exc)
        if self.changes:  # a refusal of the typed values asks nothing
            offer_demote(self, exc, self.occ, self.changes, self.saved, super().refused)
