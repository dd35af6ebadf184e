"""The series of a hub: name, status, rule in words, next occurrence, fill rate."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, series
from schedtui.services.common import FILL_DAYS
from schedtui.services.views import SeriesView
from schedtui.tui.format import percent, plain, when
from schedtui.tui.screens.listing import ListScreen
from schedtui.tui.widgets.footer import DeskFooter

STATUS_STYLE = {"published": "green", "paused": "yellow", "draft": "cyan",
                "archived": "bright_black"}


class SeriesScreen(ListScreen):
    """Open a series' calendar with Enter."""

    BINDINGS = [
        Binding("enter", "open", "Calendar", tooltip="The series' occurrence calendar",
                id="series.open"),
        Binding("n", "new", "New", tooltip="A new series in this hub", id="series.new"),
        Binding("e", "edit", "Edit", tooltip="Edit the series (re-plans the future)",
                id="series.edit"),
        Binding("p", "pause", "Pause/resume", tooltip="Pause, resume or publish",
                id="series.pause"),
        Binding("x", "archive", "Archive", tooltip="Archive the series (asks first)",
                id="series.archive"),
        Binding("a", "attendees", "Attendees", tooltip="Everyone registered for the series",
                id="series.attendees"),
        Binding("t", "tickets", "Tickets", show=False,
                tooltip="The series' ticket types: prices, quantities, sales windows",
                id="series.tickets"),
        Binding("g", "grid", "Attendance grid",
                tooltip="Who came: people by sessions, check-in per cell", id="series.grid"),
        Binding("X", "export_ics", "Export .ics", show=False,
                tooltip="Write the series to an iCalendar file", id="series.export_ics"),
        Binding("I", "import_ics", "Import .ics", show=False,
                tooltip="Add the events of an iCalendar file to this hub (a dry run first)",
                id="series.import_ics"),
    ]

    def __init__(self, hub_id: int, hub_name: str = "") -> None:
        super().__init__()
        self.hub_id = hub_id
        self.hub_name = hub_name
        self.hub_timezone = "UTC"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Series of {self.hub_name}"), classes="screen-title", id="title")
        table = DataTable(id="list", cursor_type="row", zebra_stripes=True)
        table.add_columns("Series", "Status", "Next", "Fill", "Rule")
        yield table
        yield self.filter_input()
        yield DeskFooter()

    def reload(self) -> None:
        self.load(self._fetch, self._show)

    def _fetch(self) -> tuple:
        hub = hubs.get_hub(self.store, self.hub_id)
        return hub, series.list_series(self.store, hub_id=self.hub_id)

    def _show(self, data: tuple) -> None:
        hub, rows = data
        self.hub_name, self.hub_timezone = hub.name, hub.timezone
        title = Text(f"Series of {hub.name}  ")
        title.append(f"({hub.timezone}; fill = seats taken, next {FILL_DAYS} days)", "dim")
        self.query_one("#title", Static).update(title)
        self.show_items(rows)

    def row(self, view: SeriesView) -> tuple[int, list]:
        name = plain(view.name)
        if view.private:  # left out of shared calendars
            name.append(" (private)", "dim")
        return view.id, [name, Text(view.status, STATUS_STYLE.get(view.status, "")),
                         when(view.next_occurrence), percent(view.fill_rate),
                         plain(view.summary)]

    def match_text(self, view: SeriesView) -> str:
        return f"{view.name} {view.status} {view.summary}" + (" private" if view.private
                                                               else "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """An archived series can be opened and exported, not changed."""
        if action in ("edit", "pause", "archive", "open", "attendees", "export_ics",
                      "tickets", "grid"):
            view = self.current_item()
            if view is None:
                return None
            return action not in ("edit", "pause", "archive", "tickets") or \
                view.status != "archived"
        return super().check_action(action, parameters)

    @on(DataTable.RowSelected, "#list")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        view = self.current_item()
        if view is not None:
            from schedtui.tui.screens.calendar import CalendarScreen

            self.app.push_screen(CalendarScreen(view.id, view.name))

    def action_new(self) -> None:
        from schedtui.tui.screens.series_form import SeriesForm

        self.app.push_screen(SeriesForm(hub_id=self.hub_id, timezone=self.hub_timezone),
                             self._saved)

    def action_edit(self) -> None:
        view = self.current_item()
        if view is not None:
            from schedtui.tui.screens.series_form import SeriesForm

            self.app.push_screen(SeriesForm(hub_id=self.hub_id, existing=view), self._saved)

    def _saved(self, saved) -> None:
        """After the form: a new series, or an edit's (view, re-plan)."""
        if saved is None:
            return
        view, report = saved if isinstance(saved, tuple) else (saved, None)
        message = f"Series {view.name} saved: {view.summary}."
        if report is not None and report.told:
            told = report.told
            message += (f" Told of the change: {', '.join(told[:12])}"
                        + (f" and {len(told) - 12} more" if len(told) > 12 else "") + ".")
        self.notify(message, markup=False)
        self.reload()

    def action_pause(self) -> None:
        view = self.current_item()
        if view is None:
            return
        verb = {"published": "pause", "paused": "resume", "draft": "publish"}.get(view.status,
                                                                                    "resume")
        self.act(lambda: series.set_status(self.store, view.id, verb), self._status_done)

    def _status_done(self, view: SeriesView) -> None:
        self.notify(f"{view.name} is now {view.status}.", markup=False)
        self.reload()

    def action_archive(self) -> None:
        view = self.current_item()
        if view is None:
            return
        from schedtui.tui.screens.confirm import ConfirmScreen

        message = Text("Archive ")
        message.append(view.name, "bold")
        message.append("? Its occurrences stay in the history; nothing is deleted, but the "
                       "series can no longer be changed.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(lambda: series.set_status(self.store, view.id, "archive"),
                         self._status_done, lambda exc: self._archive_refused(view, exc))

        self.app.push_screen(ConfirmScreen("Archive series", message, "Archive"), answered)

    def _archive_refused(self, view: SeriesView, exc: DeskError) -> None:
        """Upcoming sessions hold seats: say whose (and who paid) and ask again;
        confirmed, those sessions are cancelled and what was paid is refund due."""
        if exc.code != "has_registrations":
            self.show_error(exc)
            return
        from schedtui.tui.screens.confirm import ConfirmScreen

        message = Text(exc.message)
        message.append("\n\nThe people are told; refunds are recorded with reg refund or "
                       "the attendee list.", "bold")

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(lambda: series.set_status(self.store, view.id, "archive",
                                                   confirm=True), self._status_done)

        self.app.push_screen(ConfirmScreen("Cancel upcoming sessions", message,
                                           "Cancel them and archive"), answered)

    def action_attendees(self) -> None:
        view = self.current_item()
        if view is not None:
            from schedtui.tui.screens.attendees import open_attendees

            open_attendees(self.app, series_id=view.id, title=view.name)

    def action_tickets(self) -> None:
        view = self.current_item()
        if view is not None:
            from schedtui.tui.screens.tickets import TicketsScreen

            self.app.push_screen(TicketsScreen(view.id, view.name))

    def action_grid(self) -> None:
        view = self.current_item()
        if view is not None:
            from schedtui.tui.screens.attendance_grid import AttendanceScreen

            self.app.push_screen(AttendanceScreen(view.id, view.name))

    def action_export_ics(self) -> None:
        view = self.current_item()
        if view is not None:
            from schedtui.tui.screens.interop import export_ics

            export_ics(self, f"series-{view.id}", series_id=view.id)

    def action_import_ics(self) -> None:
        from schedtui.tui.screens.interop import import_ics

        import_ics(self, self.hub_id, self.hub_name)
