"""The occurrence calendar of a series: a month grid beside the agenda of the
selected day (or week), with keyboard editing of single occurrences."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Static

from schedtui.domain.errors import DeskError
from schedtui.domain.zones import zone
from schedtui.services import occurrences, series
from schedtui.services.views import OccurrenceView, SeriesView
from schedtui.tui.format import (
    LEGEND,
    PICKED,
    affected,
    covers,
    fill_glyph,
    fill_label,
    offset,
    plain,
    seats,
    until,
    when,
)
from schedtui.tui.messages import DayChanged
from schedtui.tui.screens.base import DeskScreen, fill_table, selected_key
from schedtui.tui.screens.occurrence_forms import offer_demote
from schedtui.tui.widgets.footer import DeskFooter
from schedtui.tui.widgets.month_grid import BLACKOUT, MonthGrid, grid_range

COLUMNS = ["When", "Fill", "Seats", "Wait", "Location", "Host"]
NARROW_COLUMNS = ["When", "", "Seats", "Wait"]
"""The agenda's columns below ``WIDE`` terminal columns: the fill as its glyph."""
WIDE = 120
"""From this terminal width on, the agenda is wide enough for every column."""


def _add_month(month: date, step: int) -> date:
    """The first day of the month ``step`` months from ``month`` (a first day)."""
    index = month.month - 1 + step
    return date(month.year + index // 12, index % 12 + 1, 1)


def _months(a: date, b: date) -> int:
    """Months from ``b`` to ``a``."""
    return (a.year - b.year) * 12 + a.month - b.month


class CalendarScreen(DeskScreen):
    """Only the visible weeks are loaded; the month follows the day cursor."""

    BINDINGS = [
        Binding("left_square_bracket", "month(-1)", "Previous month", key_display="[",
                show=False, tooltip="The same day a month earlier", id="cal.prev"),
        Binding("right_square_bracket", "month(1)", "Next month", key_display="]",
                show=False, tooltip="The same day a month later", id="cal.next"),
        Binding("t", "today", "Today", show=False, tooltip="Back to today's date",
                id="cal.today"),
        Binding("m", "move", "Move", tooltip="Move the selected occurrence", id="cal.move"),
        Binding("c", "cancel", "Cancel", tooltip="Cancel it (asks, naming who is told)",
                id="cal.cancel"),
        Binding("r", "restore", "Restore", tooltip="Restore the cancelled occurrence (seats "
                "come back as capacity allows)", id="cal.restore"),
        Binding("plus,equals_sign", "capacity(1)", "Capacity +1", key_display="+", show=False,
                tooltip="One seat more in the selected occurrence", id="cal.cap_up"),
        Binding("minus", "capacity(-1)", "Capacity -1", key_display="-", show=False,
                tooltip="One seat fewer (asks before moving anyone to the waitlist)",
                id="cal.cap_down"),
        Binding("u", "undo", "Undo", show=False,
                tooltip="Undo the last occurrence edit of the series", id="cal.undo"),
        Binding("e", "edit", "Edit", show=False, tooltip="Capacity, location and host of the "
                "selected occurrence", id="cal.edit"),
        Binding("f", "split", "This & following", show=False, tooltip="Edit this occurrence "
                "and all that follow (splits the series)", id="cal.split"),
        Binding("w", "week", "Day or week", show=False, tooltip="Agenda of the day or the week",
                id="cal.week"),
        Binding("enter", "attendees", "Attendees", tooltip="Attendees of the selected "
                "occurrence", id="cal.attendees"),
        Binding("a", "series_attendees", "Series attendees", show=False,
                tooltip="Everyone registered for the series, with their sessions",
                id="cal.series_attendees"),
        Binding("tab", "app.focus_next", "Grid or agenda", show=False,
                tooltip="Move between the month grid and the day's agenda", id="cal.focus"),
        Binding("v", "pick", "Select", show=False, tooltip="Select the occurrence for a bulk "
                "edit (again: unselect)", id="cal.pick"),
        Binding("V", "pick_week", "Select week", show=False, tooltip="Select every occurrence "
                "of the cursor's week (again: unselect them)", id="cal.pick_week"),
        Binding("b", "bulk", "Bulk edit", show=False, tooltip="Capacity, location, host, "
                "cancel, restore or move of every selected occurrence", id="cal.bulk"),
    ]

    def __init__(self, series_id: int, name: str = "") -> None:
        super().__init__()
        self.series_id = series_id
        self.series_name = name
        self.series: SeriesView | None = None
        self.month_occurrences: list[OccurrenceView] = []
        self.loaded_range: tuple[date, date] | None = None
        self.week_mode = False
        self.placed = False
        self.loaded_month: date | None = None
        self.series_pending = True
        """A reload of the series view is on its way (a month change fetches it too)."""
        self.picked: set[int] = set()
        """Occurrence ids selected for a bulk edit."""
        self.blackout_days: dict[date, str] = {}
        """The hub's blackout days, with their reasons (loaded with the series)."""
        self.months: dict[date, tuple[tuple[date, date], list[OccurrenceView]]] = {}
        """Grid range and occurrences of the month shown and of the months beside it
        (fetched ahead, so ``[`` and ``]`` need no database call), by first day."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.series_name), classes="screen-title", id="title")
        with Horizontal(id="calendar"):
            with Vertical(id="month"):
                yield Static("", id="month-title")
                yield MonthGrid(id="grid")
            with Vertical(id="agenda-box"):
                yield Static("", id="agenda-title")
                table = DataTable(id="agenda", cursor_type="row")
                table.add_columns(*COLUMNS)
                yield table
                yield Static("", id="detail")
        yield Static(LEGEND, id="legend")
        yield DeskFooter()

    @property
    def narrow(self) -> bool:
        return self.app.size.width < WIDE

    def on_resize(self) -> None:
        self.set_class(not self.narrow, "-wide")
        if self.placed:
            self.show_agenda()

    @property
    def grid(self) -> MonthGrid:
        return self.query_one(MonthGrid)

    @property
    def agenda(self) -> DataTable:
        return self.query_one("#agenda", DataTable)

    # -- loading ----------------------------------------------------------------
    def on_mount(self) -> None:  # DeskScreen.on_mount reloads
        self.grid.focus()

    def reload(self) -> None:
        """The series and the month around the cursor (on open and after a change)."""
        day = self.grid.cursor if self.placed else None
        self.series_pending = True
        self.months.clear()  # whatever was fetched ahead may be out of date now
        self.load(lambda: self._fetch(day), self._show)

    def load_month(self) -> None:
        """Another month: only its occurrences; the series view is the one loaded.
        A month fetched ahead is shown at once."""
        day = self.grid.cursor
        view = None if self.series_pending else self.series  # a reload may be overtaken
        ahead = self.months.get(day.replace(day=1)) if view is not None else None
        if view is not None and ahead is not None:
            today = self.store.now().astimezone(zone(view.timezone)).date()
            self._show((view, today, day, *ahead))
            return
        self.load(lambda: self._fetch(day, view), self._show)

    def _fetch(self, day: date | None, view: SeriesView | None = None) -> tuple:
        if view is None:
            view = series.get_series(self.store, self.series_id)
            self._fetch_blackouts(view.hub_id)
        today = self.store.now().astimezone(zone(view.timezone)).date()
        if day is None:
            day = datetime.fromisoformat(view.next_occurrence).date() \
                if view.next_occurrence else today
        first, last = grid_range(day)
        rows = occurrences.list_occurrences(self.store, self.series_id, start=first, end=last)
        return view, today, day, (first, last), rows

    def _fetch_blackouts(self, hub_id: int) -> None:
        """The hub's blackout days (few: read whole with the series, so a month
        change needs no more than its occurrences)."""
        from schedtui.services import blackouts

        days: dict[date, str] = {}
        for view, _hub in blackouts.blackouts_between(self.store, date.min, date.max,
                                                      hub_id=hub_id):
            first, last = date.fromisoformat(view.start), date.fromisoformat(view.end)
            for n in range((last - first).days + 1):
                days.setdefault(first + timedelta(days=n), view.reason or "blackout")
        self.app.call_from_thread(self._set_blackouts, days)

    def _set_blackouts(self, days: dict[date, str]) -> None:
        self.blackout_days = days
        self.grid.blackouts = days

    def _show(self, data: tuple) -> None:
        view, today, day, self.loaded_range, self.month_occurrences = data
        self.series_pending = False
        self.series = view
        self.series_name = view.name
        title = Text(view.name, "bold")
        title.append(f"  {view.summary}  ({view.timezone}, {view.status})", "dim")
        self.query_one("#title", Static).update(title)
        self.grid.show(self.month_occurrences, today)
        self.placed = True
        self.loaded_month = day.replace(day=1)
        if self.grid.cursor != day:
            self.grid.cursor = day
        else:
            self.show_agenda()
        self._fetch_ahead(self.loaded_month)

    def _fetch_ahead(self, month: date) -> None:
        """Keep the month shown and fetch the months before and after it."""
        assert self.loaded_range is not None
        self.months = {m: v for m, v in self.months.items() if abs(_months(m, month)) <= 1}
        self.months[month] = (self.loaded_range, self.month_occurrences)
        wanted = [m for m in (_add_month(month, -1), _add_month(month, 1))
                  if m not in self.months]
        if wanted:
            self.load(lambda: self._fetch_months(wanted), self._fetched_ahead, group="ahead")

    def _fetch_months(self, months: list[date]) -> dict:
        fetched = {}
        for month in months:
            first, last = grid_range(month)
            fetched[month] = ((first, last), occurrences.list_occurrences(
                self.store, self.series_id, start=first, end=last))
        return fetched

    def _fetched_ahead(self, fetched: dict) -> None:
        if self.series_pending or self.loaded_month is None:
            return  # a reload started meanwhile: what was fetched may be out of date
        for month, value in fetched.items():
            if abs(_months(month, self.loaded_month)) <= 1:
                self.months.setdefault(month, value)

    @on(DayChanged)
    def _day_changed(self, event: DayChanged) -> None:
        if not self.placed:
            return
        if event.day.replace(day=1) != self.loaded_month:
            self.load_month()
        else:
            self.show_agenda()

    # -- the agenda -------------------------------------------------------------
    def agenda_days(self) -> tuple[date, date]:
        day = self.grid.cursor
        if not self.week_mode:
            return day, day
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)

    def show_agenda(self) -> None:
        day = self.grid.cursor
        self.query_one("#month-title", Static).update(
            Text(day.strftime("%B %Y"), "bold"))
        first, last = self.agenda_days()
        shown = [o for o in self.month_occurrences if covers(o.start, o.end, first, last)]
        fmt = "%a %d %H:%M" if self.week_mode else "%H:%M"

        def start(o: OccurrenceView) -> Text | str:
            shown = datetime.fromisoformat(o.start).strftime(fmt)
            if o.id not in self.picked:
                return shown
            return Text.assemble((PICKED, "bold green"), shown)

        if self.narrow:  # the glyph for the fill; location and host are in the detail
            rows = [(o.id, [start(o), fill_glyph(o),
                            seats(o), str(o.waitlisted)]) for o in shown]
        else:
            rows = [(o.id, [start(o), fill_label(o),
                            seats(o), str(o.waitlisted), plain(o.location), plain(o.host)])
                    for o in shown]
        fill_table(self.agenda, rows, labels=NARROW_COLUMNS if self.narrow else COLUMNS)
        label = (f"Week of {first:%a %d %b}" if self.week_mode else f"{day:%a %d %b %Y}")
        count = f"{len(shown)} occurrence{'s' if len(shown) != 1 else ''}"
        title = Text(f"{label}: {count}", "bold")
        if self.picked:
            title.append(f", {len(self.picked)} selected", "bold green")
        closed = sorted({self.blackout_days[d] for d in self.blackout_days if first <= d <= last})
        if closed:
            title.append(f"\n{BLACKOUT} blackout: {', '.join(closed)}", "red")
        self.query_one("#agenda-title", Static).update(title)
        self.show_detail()

    @on(DataTable.RowHighlighted, "#agenda")
    def show_detail(self) -> None:
        occ = self.selected()
        self.refresh_bindings()  # the footer: what can be done with this occurrence
        box = self.query_one("#detail", Static)
        if occ is None:
            box.update(Text("No occurrence on this day.", "dim"))
            return
        start = datetime.fromisoformat(occ.start)
        text = Text(f"{when(occ.start)}–{until(occ.start, occ.end)} {offset(start)}\n")
        text.append_text(fill_label(occ))
        text.append(f"  {seats(occ)} booked, {occ.waitlisted} waitlisted\n")
        text.append(occ.location or "(no location)")
        if occ.host:
            text.append(f" · {occ.host}")
        if occ.moved:
            text.append(f"\nmoved from {when(occ.original_start)}", "cyan")
        box.update(text)

    ON_OCCURRENCE = {"move", "cancel", "capacity", "edit", "split", "attendees", "pick"}
    """Actions on the selected occurrence (``restore`` only on a cancelled one)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "bulk":
            return True if self.picked else None
        return self._check_occurrence_action(action, parameters)

    def _check_occurrence_action(self, action: str,
                                 parameters: tuple[object, ...]) -> bool | None:
        """On a cancelled occurrence ``r`` restore is offered and ``c`` cancel is
        not; with no occurrence on the day, its actions are shown greyed."""
        if action in self.ON_OCCURRENCE or action == "restore":
            occ = self.selected()
            if occ is None:
                return None if action != "restore" else False
            cancelled = occ.status == "cancelled"
            if action == "restore":
                return cancelled
            if action in ("attendees", "pick"):
                return True
            return not cancelled
        return super().check_action(action, parameters)

    def selected(self) -> OccurrenceView | None:
        key = selected_key(self.agenda)
        return next((o for o in self.month_occurrences if str(o.id) == key), None)

    def _need(self) -> OccurrenceView | None:
        occ = self.selected()
        if occ is None:
            self.notify("No occurrence selected: pick a day that has one.", severity="warning")
        return occ

    # -- navigation ---------------------------------------------------------------
    def action_month(self, step: int) -> None:
        self.grid.cursor = _add_month(self.grid.cursor.replace(day=1), step)

    def action_today(self) -> None:
        if self.series is not None:
            self.grid.cursor = self.store.now().astimezone(zone(self.series.timezone)).date()

    def action_week(self) -> None:
        self.week_mode = not self.week_mode
        self.show_agenda()

    # -- editing -------------------------------------------------------------------
    def edited(self, message: str) -> None:
        self.notify(message, markup=False)
        self.reload()

    def action_move(self) -> None:
        occ = self._need()
        if occ is not None:
            from schedtui.tui.screens.occurrence_forms import MoveForm

            self.app.push_screen(MoveForm(occ), self._moved)

    def _moved(self, occ: OccurrenceView | None) -> None:
        if occ is not None:
            self.grid.cursor = datetime.fromisoformat(occ.start).date()
            people = affected(occ)
            self.edited(f"The occurrence now starts {when(occ.start)} ({occ.start[-6:]}); "
                        f"{people} {'person' if people == 1 else 'people'} told.")

    def action_cancel(self) -> None:
        occ = self._need()
        if occ is None:
            return
        from schedtui.tui.screens.confirm import ConfirmScreen

        people = affected(occ)
        message = Text(f"Cancel the occurrence of {when(occ.start)}?\n\n")
        message.append(f"{people} {'person is' if people == 1 else 'people are'} affected "
                       f"({occ.booked} booked, {occ.waitlisted} waitlisted) and will be told.",
                       "bold")

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(lambda: occurrences.cancel_occurrence(self.store, occ.id),
                         lambda v: self.edited(f"The occurrence of {when(v.start)} cancelled; "
                                               f"{people} {'person' if people == 1 else 'people'}"
                                               " told."))

        self.app.push_screen(ConfirmScreen("Cancel occurrence", message, "Cancel it"),
                             answered)

    def action_restore(self) -> None:
        occ = self._need()
        if occ is not None:
            self.act(lambda: occurrences.restore_occurrence(self.store, occ.id),
                     lambda v: self.edited(f"The occurrence of {when(v.start)} restored."))

    def action_capacity(self, step: int) -> None:
        occ = self._need()
        if occ is None:
            return
        if occ.capacity is None:
            self.notify("Capacity is unlimited; press e to set a number.", severity="warning")
            return

        def done(view: OccurrenceView) -> None:
            self.edited(f"Capacity of the occurrence of {when(view.start)}: {view.capacity}.")

        def refused(exc: DeskError) -> None:
            asked = {"capacity": exc.details.get("capacity")}  # what the step came to
            if not offer_demote(self, exc, occ, asked, done):
                self.show_error(exc)

        # A step from the capacity as it is when saved: keys pressed faster than
        # the calendar redraws each count.
        self.act(lambda: occurrences.step_capacity(self.store, occ.id, step), done, refused)

    def action_undo(self) -> None:
        def undone(result: tuple[str, list[OccurrenceView]]) -> None:
            action, views = result
            if len(views) == 1:
                self.edited(f"Undid the {action} of the occurrence of {when(views[0].start)}.")
            else:
                self.edited(f"Undid the bulk {action} of {len(views)} occurrences.")

        self.act(lambda: occurrences.undo_last(self.store, self.series_id), undone)

    # -- selection and bulk edits (the form is the desk agenda's) -------------------
    def action_pick(self) -> None:
        occ = self.selected()
        if occ is not None:
            self.picked.symmetric_difference_update({occ.id})
            self.show_agenda()

    def action_pick_week(self) -> None:
        day = self.grid.cursor
        monday = day - timedelta(days=day.weekday())
        week = {o.id for o in self.month_occurrences
                if monday <= datetime.fromisoformat(o.start).date() <= monday + timedelta(6)}
        if week and week <= self.picked:
            self.picked -= week
        else:
            self.picked |= week
        self.show_agenda()

    def action_bulk(self) -> None:
        if not self.picked:
            self.notify("Select occurrences first: v the one under the cursor, V its whole "
                        "week.", severity="warning")
            return
        from schedtui.tui.screens.bulk_form import BulkForm, done_message

        def done(result) -> None:
            if result is not None:
                self.picked.clear()
                self.edited(done_message(result))

        self.app.push_screen(BulkForm(sorted(self.picked)), done)

    def action_edit(self) -> None:
        occ = self._need()
        if occ is not None:
            from schedtui.tui.screens.occurrence_forms import OccurrenceForm

            self.app.push_screen(OccurrenceForm(occ), lambda v: v and self.edited(
                f"The occurrence of {when(v.start)} updated."))

    def action_split(self) -> None:
        occ = self._need()
        if occ is None or self.series is None:
            return
        from schedtui.tui.screens.series_form import SeriesForm

        self.app.push_screen(SeriesForm(hub_id=self.series.hub_id, existing=self.series,
                                        split_at=occ), self._split_done)

    def _split_done(self, result: tuple[SeriesView, SeriesView] | None) -> None:
        if result is None:
            return
        earlier, later = result
        self.notify(f"Split: {later.name} continues as series {later.id} from "
                    f"{later.start}.", markup=False)
        self.app.switch_screen(CalendarScreen(later.id, later.name))

    def action_attendees(self) -> None:
        if self.focused is self.grid and self.selected() is None:
            return
        occ = self._need()
        if occ is not None:
            from schedtui.tui.screens.attendees import open_attendees

            open_attendees(self.app, occurrence_id=occ.id, series_id=self.series_id,
                           title=f"{self.series_name}, {when(occ.start)}")

    @on(DataTable.RowSelected, "#agenda")
    def _agenda_enter(self) -> None:
        self.action_attendees()

    def action_series_attendees(self) -> None:
        from schedtui.tui.screens.attendees import open_attendees

        open_attendees(self.app, series_id=self.series_id, title=self.series_name)
