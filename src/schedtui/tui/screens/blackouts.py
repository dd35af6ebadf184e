"""A hub's blackout days: the periods it holds no sessions (a closure, public
holidays), with what each cancelled or moved; add one, remove one (what it
cancelled comes back), or import a country's public holidays.

Adding days over sessions people hold seats in is a change with impact: the
service refuses it, naming the sessions and how many people hold seats, and
the desk asks before doing it with ``confirm`` (as the CLI's ``--confirm``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Static

from schedtui.domain import parse
from schedtui.domain.errors import DeskError, invalid
from schedtui.services import blackouts, hubs
from schedtui.services.blackouts import BlackoutView
from schedtui.tui.format import plain
from schedtui.tui.screens.form import FormScreen, field
from schedtui.tui.screens.listing import ListScreen
from schedtui.tui.widgets.footer import DeskFooter


def span(view: BlackoutView) -> str:
    """``2027-08-02 – 2027-08-13`` or one day."""
    return view.start if view.start == view.end else f"{view.start} – {view.end}"


def days(view: BlackoutView) -> int:
    return (date.fromisoformat(view.end) - date.fromisoformat(view.start)).days + 1


def ids(values: list[int]) -> str:
    shown = ", ".join(str(i) for i in values[:12])
    return shown + (f" and {len(values) - 12} more" if len(values) > 12 else "")


def impact(views: list[BlackoutView]) -> str:
    """`` 3 occurrences cancelled, 1 moved.`` (empty when nothing was touched)."""
    cancelled = sum(len(v.cancelled) for v in views)
    shifted = sum(len(v.shifted) for v in views)
    if not cancelled and not shifted:
        return " No session was on those days."
    return f" {cancelled} occurrence{'s' if cancelled != 1 else ''} cancelled, {shifted} moved."


def ask_to_confirm(screen: Any, exc: DeskError, what: str, call: Callable[[], Any],
                   done: Callable[[Any], None], refused: Callable[[DeskError], None]) -> bool:
    """The service refused days over sessions people hold seats in: show its
    list and ask; on yes, ``call`` (the same change, confirmed). False (asking
    nothing) for any other refusal."""
    if exc.code != "has_registrations":
        return False
    from schedtui.tui.screens.confirm import ConfirmScreen

    people = exc.details.get("people")
    message = Text(f"{what}\n\n", "bold")
    message.append(exc.message)
    if people:
        message.append(f"\n\n{people} {'person holds' if people == 1 else 'people hold'} or "
                       "await seats in them and will be told.", "bold")

    def answered(yes: bool | None) -> None:
        if yes:
            screen.act(call, done, refused)

    screen.app.push_screen(ConfirmScreen("Sessions on those days", message,
                                         "Cancel or move them"), answered)
    return True


class Confirmable:
    """A form whose change the service may refuse for want of ``confirm``."""

    def change(self, confirm: bool) -> Callable[[], list[BlackoutView]]:
        raise NotImplementedError

    def confirmed(self, exc: DeskError) -> Callable[[], list[BlackoutView]] | None:
        """The same change, confirmed, where the refusal asks for that (None:
        another refusal, or the fields no longer read: the refusal is shown)."""
        if exc.code != "has_registrations":
            return None
        try:
            return self.change(True)
        except DeskError:
            return None


class BlackoutForm(Confirmable, FormScreen[list[BlackoutView]]):
    """From, to and reason; dismisses the new blackout (in a list)."""

    form_title = "Black out days"

    def __init__(self, hub_id: int, timezone: str) -> None:
        super().__init__()
        self.hub_id = hub_id
        self.timezone = timezone

    def fields(self) -> ComposeResult:
        yield Static(Text(f"Dates are local to the hub's zone, {self.timezone}; the last "
                          "day is included."))
        yield from field("From (YYYY-MM-DD)", Input(id="from"))
        yield from field("To (blank: the same day)", Input(id="to"))
        yield from field("Reason", Input(id="reason", placeholder="Summer closure"))

    def change(self, confirm: bool) -> Callable[[], list[BlackoutView]]:
        first = parse.parse_date(self.value("from"), "From")
        last = parse.parse_date(self.value("to"), "To") if self.value("to").strip() else None
        reason, store, hub_id = self.value("reason"), self.store, self.hub_id
        return lambda: [blackouts.add_blackout(store, hub_id, first, last, reason=reason,
                                               confirm=confirm)]

    def build(self) -> Callable[[], list[BlackoutView]]:
        return self.change(False)

    def refused(self, exc: DeskError) -> None:
        confirmed = self.confirmed(exc)
        if confirmed is None or not ask_to_confirm(
                self, exc, "These days hold sessions people have seats in.", confirmed,
                self.saved, super().refused):
            super().refused(exc)


class HolidaysForm(Confirmable, FormScreen[list[BlackoutView]]):
    """Country, subdivision and years; dismisses the blackouts added."""

    form_title = "Import public holidays"

    def __init__(self, hub_id: int, year: int) -> None:
        super().__init__()
        self.hub_id = hub_id
        self.year = year

    def fields(self) -> ComposeResult:
        yield Static(Text("One blackout per public holiday, named after it (holidays the "
                          "hub has already are not added twice)."))
        yield from field("Country (ISO code)", Input(id="country", placeholder="DE"))
        yield from field("Subdivision (optional)", Input(id="subdiv", placeholder="BY"))
        yield from field("Years", Input(str(self.year), id="years"), "e.g. 2027, 2028")

    def change(self, confirm: bool) -> Callable[[], list[BlackoutView]]:
        country = self.value("country").strip()
        if not country:
            raise invalid("Give a country, as its ISO code: DE, FR, US...", field="country")
        subdiv = self.value("subdiv").strip() or None
        years = [y for y in self.value("years").replace(",", " ").split() if y]
        if not years:
            raise invalid("Give at least one year.", field="years")
        store, hub_id = self.store, self.hub_id
        return lambda: blackouts.add_holidays(store, hub_id, country, years, subdiv=subdiv,
                                              confirm=confirm)

    def build(self) -> Callable[[], list[BlackoutView]]:
        return self.change(False)

    def refused(self, exc: DeskError) -> None:
        confirmed = self.confirmed(exc)
        if confirmed is None or not ask_to_confirm(
                self, exc, "Some holidays fall on sessions people have seats in.", confirmed,
                self.saved, super().refused):
            super().refused(exc)


class BlackoutsScreen(ListScreen):
    """The blackouts of one hub, earliest first."""

    BINDINGS = [
        Binding("n", "add", "Add", tooltip="Black out days (asks before cancelling sessions "
                "people hold seats in)", id="blackouts.add"),
        Binding("x", "remove", "Remove", tooltip="Remove the blackout: what it cancelled is "
                "restored, what it moved goes back (asks first)", id="blackouts.remove"),
        Binding("H", "holidays", "Holidays", tooltip="Import a country's public holidays as "
                "blackouts", id="blackouts.holidays"),
    ]

    def __init__(self, hub_id: int, hub_name: str = "") -> None:
        super().__init__()
        self.hub_id = hub_id
        self.hub_name = hub_name
        self.timezone = "UTC"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Blackouts of {self.hub_name}"), classes="screen-title", id="title")
        table = DataTable(id="list", cursor_type="row", zebra_stripes=True)
        table.add_columns("Dates", "Days", "Reason", "Cancelled", "Moved")
        yield table
        yield Static("", id="detail")
        yield self.filter_input()
        yield DeskFooter()

    def reload(self) -> None:
        hub_id = self.hub_id
        self.load(lambda: (hubs.get_hub(self.store, hub_id),
                           blackouts.list_blackouts(self.store, hub_id)), self._show)

    def _show(self, data: tuple) -> None:
        hub, rows = data
        self.hub_name, self.timezone = hub.name, hub.timezone
        title = Text(f"Blackouts of {hub.name}  ")
        title.append(f"(local dates in {hub.timezone}, inclusive)", "dim")
        self.query_one("#title", Static).update(title)
        self.show_items(rows)

    def row(self, view: BlackoutView) -> tuple[int, list]:
        return view.id, [span(view), str(days(view)), plain(view.reason),
                         str(len(view.cancelled)) if view.cancelled else "",
                         str(len(view.shifted)) if view.shifted else ""]

    def match_text(self, view: BlackoutView) -> str:
        return f"{view.start} {view.end} {view.reason}"

    def after_rows(self, shown: int) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        view = self.current_item()
        detail = Text()
        if view is None:
            detail.append("No blackouts: n adds days, H imports public holidays." if
                          not self.items else "")
        else:
            detail.append(f"{span(view)}: {view.reason or '(no reason given)'}", "bold")
            if view.cancelled:
                detail.append(f"\ncancelled occurrences {ids(view.cancelled)}")
            if view.shifted:
                detail.append(f"\nmoved occurrences {ids(view.shifted)}")
            if not view.cancelled and not view.shifted:
                detail.append("\nno session cancelled or moved", "dim")
        self.query_one("#detail", Static).update(detail)

    @on(DataTable.RowHighlighted, "#list")
    def _detail_follows(self) -> None:
        self.show_detail()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove":
            return None if self.current_item() is None else True
        return super().check_action(action, parameters)

    # -- actions -----------------------------------------------------------------
    def _added(self, views: list[BlackoutView] | None, what: str) -> None:
        if views is None:
            return
        self.notify(what.format(n=len(views)) + impact(views), markup=False)
        self.reload()

    def action_add(self) -> None:
        self.app.push_screen(BlackoutForm(self.hub_id, self.timezone), lambda views: self._added(
            views, "Blacked out " + (span(views[0]) if views else "") +
            (f" ({views[0].reason})." if views and views[0].reason else ".")))

    def action_holidays(self) -> None:
        year = self.store.now().year
        self.app.push_screen(HolidaysForm(self.hub_id, year), lambda views: self._added(
            views, "{n} public holidays added as blackouts."))

    def action_remove(self) -> None:
        view = self.current_item()
        if view is None:
            self.notify("No blackout selected.", severity="warning")
            return
        from schedtui.tui.screens.confirm import ConfirmScreen

        message = Text("Remove the blackout ")
        message.append(f"{span(view)}{f' ({view.reason})' if view.reason else ''}", "bold")
        message.append("?")
        if view.cancelled:
            message.append(f" The {len(view.cancelled)} occurrence(s) it cancelled are "
                           "restored (people get their seats back where there is room).")
        if view.shifted:
            message.append(f" The {len(view.shifted)} occurrence(s) it moved go back.")
        if view.cancelled or view.shifted:
            message.append(" People holding seats are told.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(lambda: blackouts.remove_blackout(self.store, view.id), removed)

        def removed(done: BlackoutView) -> None:
            self.notify(f"Blackout {span(done)} removed: {len(done.cancelled)} occurrence"
                        f"{'s' if len(done.cancelled) != 1 else ''} restored, "
                        f"{len(done.shifted)} moved back.", markup=False)
            self.reload()

        self.app.push_screen(ConfirmScreen("Remove blackout", message, "Remove"), answered)
