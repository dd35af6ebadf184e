"""The week across every hub: the screen the desk opens on.

Seven days from today (where the desk runs), every occurrence of every live
series, fed by ``services.agenda`` alone, with the calendar's fill glyphs,
cancelled occurrences with their status and blackout days marked (from
``services.blackouts``). From ``GRID_WIDTH`` terminal columns on it is a week
grid, the days as columns; below that a list, a line per day and one per
occurrence. It sits over the hubs screen: ``escape`` goes back to the hubs,
and ``A`` there comes back.

Several occurrences can be selected (``v`` one, ``V`` the whole week shown)
and edited at once (``b``: the bulk form, through ``services.bulk``); ``u``
undoes the last bulk edit made here, as one step.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from schedtui.tui.format import (
    LEGEND,
    PICKED,
    fill_glyph,
    fill_label,
    offset,
    plain,
    seats,
    when,
)
from schedtui.tui.screens.base import DeskScreen, fill_table, selected_key
from schedtui.tui.widgets.footer import DeskFooter
from schedtui.tui.widgets.month_grid import BLACKOUT

if TYPE_CHECKING:
    from schedtui.services.agenda import AgendaItem
    from schedtui.services.blackouts import BlackoutView

GRID_WIDTH = 140
"""From this terminal width on, the week is a grid with the days as columns."""
DAYS = 7
LIST_COLUMNS = ["", "Time", "", "Series", "Hub", "Seats", "Status"]


class AgendaScreen(DeskScreen):
    """What is on: today and the next six days, or any other week."""

    CSS_PATH = Path(__file__).with_name("agenda.tcss")
    BINDINGS = [
        Binding("enter", "attendees", "Attendees", tooltip="Attendees of the occurrence "
                "under the cursor", id="agenda.attendees"),
        Binding("left_square_bracket", "week(-1)", "Previous week", key_display="[",
                tooltip="The seven days before", id="agenda.prev"),
        Binding("right_square_bracket", "week(1)", "Next week", key_display="]",
                tooltip="The seven days after", id="agenda.next"),
        Binding("t", "today", "Today", show=False, tooltip="Back to today and the six days "
                "after", id="agenda.today"),
        Binding("h", "hub", "This hub only", show=False, tooltip="Only the hub of the "
                "occurrence under the cursor (again: every hub)", id="agenda.hub"),
        Binding("v", "pick", "Select", show=False, tooltip="Select the occurrence under the "
                "cursor for a bulk edit (again: unselect)", id="agenda.pick"),
        Binding("V", "pick_week", "Select week", show=False, tooltip="Select every "
                "occurrence shown (again: unselect them)", id="agenda.pick_week"),
        Binding("b", "bulk", "Bulk edit", tooltip="Capacity, location, host, cancel, restore "
                "or move of every selected occurrence", id="agenda.bulk"),
        Binding("u", "undo", "Undo bulk", show=False, tooltip="Undo the last bulk edit made "
                "here, all of it", id="agenda.undo"),
        Binding("escape", "back", "Hubs", tooltip="The hubs list", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.first: date | None = None
        """The first day shown; None until the first load (today)."""
        self.hub_id: int | None = None
        """Only this hub's occurrences (None: every hub)."""
        self.hub_name = ""
        self.items: list[AgendaItem] = []
        self.blackouts: list[tuple[BlackoutView, str]] = []
        self.picked: set[int] = set()
        """Occurrence ids selected for a bulk edit (kept across weeks)."""
        self.cells: dict[tuple[int, int], int] = {}
        """In the grid: (row, column) to occurrence id."""
        self.undo_series: list[int] = []
        """A series of each bulk edit made here, newest last (undo goes by series)."""
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Agenda" if self.store_open else "Agenda  (opening the database…)",
                     classes="screen-title", id="title")
        yield Static("", id="agenda-blackouts", classes="-hidden")
        yield DataTable(id="week", cursor_type="row")
        yield Static("", id="agenda-detail")
        yield Static(LEGEND + f"  {BLACKOUT} blackout  {PICKED} selected", id="agenda-legend")
        yield DeskFooter()

    @property
    def table(self) -> DataTable:
        return self.query_one("#week", DataTable)

    @property
    def grid_mode(self) -> bool:
        return self.app.size.width >= GRID_WIDTH

    def can_go_back(self) -> bool:
        return True  # to the hubs, under it (or pushed there if it is not)

    def action_back(self) -> None:
        from schedtui.tui.screens.hubs import HubsScreen

        below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        if isinstance(below, HubsScreen):
            self.app.pop_screen()
        else:
            self.app.switch_screen(HubsScreen())

    # -- loading -----------------------------------------------------------------
    def today(self) -> date:
        """Today where the desk runs (the store's clock, the machine's zone)."""
        return self.store.now().astimezone().date()

    def reload(self) -> None:
        if self.first is None:
            self.first = self.today()
        first, hub_id = self.first, self.hub_id
        self.load(lambda: self._fetch(first, hub_id), self._show)

    def _fetch(self, first: date, hub_id: int | None) -> tuple:
        from schedtui.services import agenda, blackouts

        last = first + timedelta(days=DAYS - 1)
        items = agenda.agenda(self.store, hub_id=hub_id, start=first, end=last)
        marks = blackouts.blackouts_between(self.store, first, last, hub_id=hub_id)
        return first, hub_id, items, marks

    def _show(self, data: tuple) -> None:
        first, hub_id, self.items, self.blackouts = data
        if first != self.first or hub_id != self.hub_id:
            return  # the person moved on meanwhile; that load is on its way
        self.draw()
        if not self.loaded:
            self.loaded = True
            self.app.first_rows_shown(self)  # type: ignore[attr-defined]

    def on_resize(self) -> None:
        if self.loaded:
            self.draw()

    # -- drawing ------------------------------------------------------------------
    def days(self) -> list[date]:
        assert self.first is not None
        return [self.first + timedelta(days=n) for n in range(DAYS)]

    def by_day(self) -> dict[date, list[AgendaItem]]:
        found: dict[date, list[AgendaItem]] = {day: [] for day in self.days()}
        for item in self.items:
            day = datetime.fromisoformat(item.start).date()
            if day in found:
                found[day].append(item)
        return found

    def blackout_days(self) -> dict[date, list[str]]:
        """Each day shown that some hub has blacked out, with what: "hub: reason"."""
        marks: dict[date, list[str]] = {}
        for view, hub in self.blackouts:
            start, end = date.fromisoformat(view.start), date.fromisoformat(view.end)
            for day in self.days():
                if start <= day <= end:
                    marks.setdefault(day, []).append(f"{hub}: {view.reason or 'blackout'}")
        return marks

    def draw(self) -> None:
        if self.first is None:
            return
        self.set_class(self.grid_mode, "-grid")
        marks = self.blackout_days()
        if self.grid_mode:
            self._draw_grid(marks)
        else:
            self._draw_list(marks)
        last = self.first + timedelta(days=DAYS - 1)
        live = sum(1 for i in self.items if i.status != "cancelled")
        title = Text(f"Agenda {self.first:%a %d %b} – {last:%a %d %b %Y}", "bold")
        gone = len(self.items) - live
        title.append(f"  {live} occurrence{'s' if live != 1 else ''}"
                     f"{f', {gone} cancelled' if gone else ''}"
                     f"  {'hub ' + self.hub_name if self.hub_id is not None else 'every hub'}",
                     "dim")
        if self.picked:
            title.append(f"  {len(self.picked)} selected (b: bulk edit)", "bold green")
        self.query_one("#title", Static).update(title)
        box = self.query_one("#agenda-blackouts", Static)
        box.set_class(not marks, "-hidden")
        if marks:
            text = Text(f"{BLACKOUT} ", "bold red")
            text.append("; ".join(f"{day:%a %d}: {', '.join(what)}"
                                  for day, what in sorted(marks.items())))
            box.update(text)
        self.show_detail()

    def _draw_list(self, marks: dict[date, list[str]]) -> None:
        table = self.table
        if table.cursor_type != "row":
            table.cursor_type = "row"
        rows: list[tuple[int | str, list]] = []
        for day, items in self.by_day().items():
            note = Text("")
            if day == self.today():
                note.append("today ", "bold yellow")
            if day in marks:
                note.append(f"{BLACKOUT} blackout: {'; '.join(marks[day])}", "red")
            elif not items:
                note.append("nothing on", "dim")
            note.no_wrap, note.overflow = True, "ellipsis"
            rows.append((f"day-{day.isoformat()}",
                         ["", Text(f"{day:%a %d}", "bold"), "", note, "", "", ""]))
            for item in items:
                rows.append((item.id, self._list_cells(item)))
        fill_table(table, rows, max_width=20, labels=LIST_COLUMNS)
        if not self.loaded or selected_key(table) in (None, f"day-{self.first.isoformat()}"):
            first = next((n for n, (key, _) in enumerate(rows) if isinstance(key, int)), None)
            if first is not None:  # on the first occurrence, not on a day's line
                table.move_cursor(row=first, animate=False)

    def _list_cells(self, item: AgendaItem) -> list:
        start = datetime.fromisoformat(item.start)
        time_text = Text(start.strftime("%H:%M"))
        status = item.status if item.status == "cancelled" else (
            item.series_status if item.series_status != "published" else "")
        if item.status == "cancelled":
            time_text.stylize("strike")
        return [Text(PICKED, "bold green") if item.id in self.picked else "", time_text,
                fill_glyph(item), plain(item.series), plain(item.hub), seats(item),
                Text(status, "bright_black" if item.status == "cancelled" else "yellow")]

    def _draw_grid(self, marks: dict[date, list[str]]) -> None:
        table = self.table
        current = self.current()
        width = max((self.app.size.width - 2) // DAYS - 2, 8)
        by_day = self.by_day()
        table.clear(columns=True)
        if table.cursor_type != "cell":
            table.cursor_type = "cell"
        for day in self.days():
            label = Text(f"{day:%a %d %b}", "bold")
            if day in marks:
                label.append(f" {BLACKOUT}", "bold red")
            if day == self.today():
                label.append(" today", "bold yellow")
            table.add_column(label, width=width, key=day.isoformat())
        self.cells = {}
        height = max((len(v) for v in by_day.values()), default=0)
        place = None
        for row in range(height):
            cells = []
            for column, day in enumerate(self.days()):
                items = by_day[day]
                if row < len(items):
                    item = items[row]
                    self.cells[(row, column)] = item.id
                    cells.append(self._grid_cell(item, width))
                    if current is not None and item.id == current.id:
                        place = (row, column)
                else:
                    cells.append("")
            table.add_row(*cells, key=str(row), height=2)
        if place is not None:
            table.move_cursor(row=place[0], column=place[1], animate=False)

    def _grid_cell(self, item: AgendaItem, width: int) -> Text:
        """Two lines: the mark, time, fill and seats; the series' name."""
        text = Text(PICKED, "bold green") if item.id in self.picked else Text(" ")
        start = Text(datetime.fromisoformat(item.start).strftime("%H:%M"))
        if item.status == "cancelled":
            start.stylize("strike")
        text.append_text(start)
        text.append_text(fill_glyph(item))
        text.append(f" {seats(item)}" if item.status != "cancelled" else " cancelled", "dim")
        text.truncate(width, overflow="ellipsis")
        name = plain(item.series)
        name.truncate(width - 1, overflow="ellipsis")
        text.append("\n ")
        text.append_text(name)
        return text

    # -- the occurrence under the cursor -------------------------------------------
    def current(self) -> AgendaItem | None:
        table = self.table
        if not table.row_count:
            return None
        if table.cursor_type == "cell":
            coordinate = table.cursor_coordinate
            wanted = self.cells.get((coordinate.row, coordinate.column))
        else:
            key = selected_key(table)
            wanted = int(key) if key is not None and key.isdigit() else None
        if wanted is None:
            return None
        return next((i for i in self.items if i.id == wanted), None)

    @on(DataTable.RowHighlighted, "#week")
    @on(DataTable.CellHighlighted, "#week")
    def show_detail(self) -> None:
        self.refresh_bindings()
        item = self.current()
        box = self.query_one("#agenda-detail", Static)
        if item is None:
            box.update(Text("Move to an occurrence: enter lists its attendees.", "dim")
                       if self.items else Text("Nothing on these days.", "dim"))
            return
        start = datetime.fromisoformat(item.start)
        text = Text(f"{item.series}", "bold")
        text.append(f" · {item.hub}\n")
        text.append(f"{when(item.start)}–{item.end[11:16]} {offset(start)} ({item.timezone})  ")
        text.append_text(fill_label(item))
        text.append(f"  {seats(item)} booked, {item.waitlisted} waitlisted\n")
        text.append(item.location or "(no location)")
        if item.host:
            text.append(f" · {item.host}")
        box.update(text)

    ON_ITEM = {"attendees", "hub", "pick"}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.ON_ITEM:
            if action == "hub" and self.hub_id is not None:
                return True  # clears the filter wherever the cursor is
            return None if self.current() is None else True
        if action == "bulk":
            return True if self.picked else None
        if action == "undo":
            return True if self.undo_series else None
        return super().check_action(action, parameters)

    # -- navigation ----------------------------------------------------------------
    def action_week(self, step: int) -> None:
        if self.first is None or not self.store_open:
            return
        self.first += timedelta(days=DAYS * step)
        self.reload()

    def action_today(self) -> None:
        if not self.store_open:
            return
        self.first = self.today()
        self.reload()

    def action_hub(self) -> None:
        if self.hub_id is not None:
            self.hub_id, self.hub_name = None, ""
        else:
            item = self.current()
            if item is None:
                self.notify("Move to an occurrence of the hub to keep.", severity="warning")
                return
            self.hub_id, self.hub_name = item.hub_id, item.hub
        if self.store_open:
            self.reload()

    def action_attendees(self) -> None:
        item = self.current()
        if item is None:
            return
        from schedtui.tui.screens.attendees import open_attendees

        open_attendees(self.app, occurrence_id=item.id, series_id=item.series_id,
                       title=f"{item.series}, {when(item.start)}")

    @on(DataTable.RowSelected, "#week")
    @on(DataTable.CellSelected, "#week")
    def _enter(self) -> None:
        self.action_attendees()

    # -- selection and bulk edits --------------------------------------------------
    def action_pick(self) -> None:
        item = self.current()
        if item is None:
            return
        self.picked.symmetric_difference_update({item.id})
        self.draw()

    def action_pick_week(self) -> None:
        shown = {i.id for i in self.items}
        if shown and shown <= self.picked:
            self.picked -= shown
        else:
            self.picked |= shown
        self.draw()

    def action_bulk(self) -> None:
        if not self.picked:
            self.notify("Select occurrences first: v the one under the cursor, V the whole "
                        "week.", severity="warning")
            return
        from schedtui.tui.screens.bulk_form import BulkForm

        self.app.push_screen(BulkForm(sorted(self.picked)), self._bulk_done)

    def _bulk_done(self, result) -> None:
        if result is None:
            return
        from schedtui.tui.screens.bulk_form import done_message

        self.picked.clear()
        if result.occurrences:
            self.undo_series.append(result.occurrences[0].series_id)
        self.notify(done_message(result), markup=False)
        self.reload()

    def action_undo(self) -> None:
        if not self.undo_series:
            self.notify("No bulk edit made here to undo.", severity="warning")
            return
        from schedtui.services import occurrences

        series_id = self.undo_series[-1]

        def undone(result: tuple) -> None:
            action, views = result
            if self.undo_series and self.undo_series[-1] == series_id:
                self.undo_series.pop()
            self.notify(f"Undid the {action} of {len(views)} "
                        f"occurrence{'s' if len(views) != 1 else ''}.", markup=False)
            self.reload()

        self.act(lambda: occurrences.undo_last(self.store, series_id), undone)
