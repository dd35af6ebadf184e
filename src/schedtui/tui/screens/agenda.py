"""The week across every hub: the screen the desk opens on.

Seven days from today (where the desk runs), every occurrence of every live
series, fed by ``services.agenda`` alone, with the calendar's fill glyphs,
cancelled occurrences with their status and blackout days marked (from
``services.blackouts``). From ``GRID_WIDTH`` terminal columns on it is a week
grid, the days as columns; below that a list, a line per day and one per
occurrence. ``escape`` goes to the hubs (opened over the agenda the desk
starts on, so ``escape`` there comes back) and ``A`` on the hubs returns.

Several occurrences can be selected (``v`` one, ``V`` the whole week shown)
and edited at once (``b``: the bulk form, through ``services.bulk``); ``u``
undoes the last bulk edit made here, as one step.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
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
from schedtui.tui.screens.base import DeskScreen, selected_key
from schedtui.tui.widgets.footer import DeskFooter
from schedtui.tui.widgets.month_grid import BLACKOUT

if TYPE_CHECKING:
    from collections.abc import Callable

    from schedtui.domain.errors import DeskError
    from schedtui.services.agenda import AgendaItem, AgendaPage
    from schedtui.services.blackouts import BlackoutView

OPENING = "Agenda  (opening the database…)"
"""The title while the desk opens its database after the first paint."""
WINDOW = 60
"""Occurrences the list holds at once; it pages as the cursor moves."""
GRID_CHROME = 9
"""Terminal lines the grid's screen spends on other things than its rows."""
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
        self.page: AgendaPage | None = None
        """The part of the week on screen (``services.agenda.agenda_page``)."""
        self.start_row = 0
        """The list: the first occurrence of the window; the grid: its first row."""
        self.blackouts: list[tuple[BlackoutView, str]] = []
        self.picked: set[int] = set()
        """Occurrence ids selected for a bulk edit (kept across weeks)."""
        self.cells: dict[tuple[int, int], int] = {}
        """In the grid: (row, column) to occurrence id."""
        self.undo_series: list[int] = []
        """A series of each bulk edit made here, newest last (undo goes by series)."""
        self.loaded = False
        self.drawn_grid: bool | None = None
        """The layout the shown page was read for (None: nothing shown yet)."""
        self.keep: int | None = None
        """After a page move: the occurrence the cursor stays on."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Agenda" if self.store_open else OPENING, classes="screen-title",
                     id="title")
        yield Static("", id="agenda-blackouts", classes="-hidden")
        yield DataTable(id="week", cursor_type="row")
        yield Static("", id="agenda-detail")
        yield Static(LEGEND + f"  {BLACKOUT} blackout  {PICKED} selected", id="agenda-legend")
        yield DeskFooter()

    @property
    def table(self) -> DataTable:
        return self.query_one("#week", DataTable)

    @property
    def items(self) -> list[AgendaItem]:
        return self.page.items if self.page is not None else []

    @property
    def grid_mode(self) -> bool:
        return self.app.size.width >= GRID_WIDTH

    def grid_rows(self) -> int:
        """Occurrences a day the grid shows at once (two lines each)."""
        return max((self.app.size.height - GRID_CHROME) // 2, 2)

    def can_go_back(self) -> bool:
        return True  # to the hubs: under it, or opened over it (the desk's start)

    def action_back(self) -> None:
        from schedtui.tui.screens.hubs import HubsScreen

        below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        if isinstance(below, HubsScreen):
            self.app.pop_screen()
        else:  # the desk opened here: the hubs go over it, and escape there comes back
            self.app.push_screen(HubsScreen())

    # -- loading -----------------------------------------------------------------
    def today(self) -> date:
        """Today where the desk runs (the store's clock, the machine's zone)."""
        return self.store.now().astimezone().date()

    def reload(self) -> None:
        key, limit = self._wanted()
        self.load(lambda: (key, self._fetch(key, limit)), self._show)

    def read_then(self, then: Callable[[], None]) -> None:
        """Read the week again, then ``then()`` (which brings this screen back on
        top) and show it: ``A`` on the hubs gives the agenda as it is now, drawn
        once, rather than as it was left and drawn again when the read is in. A
        refused read still brings the screen back, with the reason."""
        key, limit = self._wanted()

        def shown(data: tuple) -> None:
            then()
            self._show(data)

        def refused(error: DeskError) -> None:
            then()
            self.show_error(error)

        self.load(lambda: (key, self._fetch(key, limit)), shown, refused)

    def _wanted(self) -> tuple[tuple, int]:
        """What to read for the week, window and layout on screen, and how many."""
        if self.first is None:
            self.first = self.today()
        grid = self.grid_mode
        return (self.first, self.hub_id, self.start_row, grid), (
            self.grid_rows() if grid else WINDOW)

    def _fetch(self, key: tuple, limit: int) -> tuple:
        from schedtui.services import agenda, blackouts

        first, hub_id, offset, grid = key
        last = first + timedelta(days=DAYS - 1)
        page = agenda.agenda_page(self.store, start=first, end=last, hub_id=hub_id,
                                  offset=offset, limit=limit, per_day=grid)
        marks = blackouts.blackouts_between(self.store, first, last, hub_id=hub_id)
        return page, marks

    def _show(self, data: tuple) -> None:
        key, (page, marks) = data
        if key != (self.first, self.hub_id, self.start_row, self.grid_mode):
            return  # the person moved on meanwhile; that load is on its way
        self.page, self.blackouts = page, marks
        self.drawn_grid = key[3]
        self.draw()
        if not self.loaded:
            self.loaded = True
            self.app.first_rows_shown(self)  # type: ignore[attr-defined]

    def on_resize(self) -> None:
        if not self.loaded:
            return
        if self.drawn_grid != self.grid_mode or (
                self.grid_mode and self.page is not None and len(self.page.days)
                and self.grid_rows() != self._grid_limit):
            self.start_row = 0
            self.reload()
        else:
            self.draw()

    _grid_limit = 0

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
        if self.first is None or self.page is None:
            return
        page = self.page
        self.set_class(bool(self.drawn_grid), "-grid")
        marks = self.blackout_days()
        if self.drawn_grid:
            self._draw_grid(marks)
        else:
            self._draw_list(marks)
        last = self.first + timedelta(days=DAYS - 1)
        count = page.count
        title = Text(f"Agenda {self.first:%a %d %b} – {last:%a %d %b %Y}", "bold")
        title.append(f"  {count - page.cancelled} occurrence"
                     f"{'s' if count - page.cancelled != 1 else ''}"
                     f"{f', {page.cancelled} cancelled' if page.cancelled else ''}"
                     f"  {'hub ' + self.hub_name if self.hub_id is not None else 'every hub'}",
                     "dim")
        if not self.drawn_grid and len(page.items) < count:
            title.append(f"  rows {page.offset + 1}–{page.offset + len(page.items)} of {count}",
                         "dim")
        self.query_one("#title", Static).update(title)
        legend = Text(LEGEND + f"  {BLACKOUT} blackout  {PICKED} selected")
        if self.picked:  # in place of the legend: it stays in sight at 80 columns
            legend = Text(f"{PICKED} {len(self.picked)} selected: b edits them all, "
                          "v / V unselect", "bold green")
        self.query_one("#agenda-legend", Static).update(legend)
        box = self.query_one("#agenda-blackouts", Static)
        box.set_class(not marks, "-hidden")
        if marks:
            text = Text(f"{BLACKOUT} ", "bold red")
            text.append("; ".join(f"{day:%a %d}: {', '.join(what)}"
                                  for day, what in sorted(marks.items())))
            box.update(text)
        self.show_detail()

    def _draw_list(self, marks: dict[date, list[str]]) -> None:
        assert self.page is not None and self.first is not None
        page, table = self.page, self.table
        if table.cursor_type != "row":
            table.cursor_type = "row"
        rows: list[tuple[int | str, list]] = []
        end = page.offset + len(page.items)
        at = 0  # where each day begins in the week's order
        by_day = self.by_day()
        for day in self.days():
            if page.offset <= at <= end or by_day[day]:
                note = Text("")
                if day == self.today():
                    note.append("today ", "bold yellow")
                if day in marks:
                    note.append(f"{BLACKOUT} blackout: {'; '.join(marks[day])}", "red")
                elif not page.days.get(day):
                    note.append("nothing on", "dim")
                rows.append((f"day-{day.isoformat()}",
                             ["", Text(f"{day:%a %d}", "bold"), "", note]))
            rows += [(item.id, self._list_cells(item)) for item in by_day[day]]
            at += page.days.get(day, 0)
        self._fill_lines(rows)
        if self.keep is not None:
            keep, self.keep = str(self.keep), None
            try:
                table.move_cursor(row=table.get_row_index(keep), animate=False)
            except Exception:  # noqa: BLE001 - gone meanwhile: the cursor stays
                pass
        elif not self.loaded or selected_key(table) in (None, f"day-{self.first.isoformat()}"):
            first = next((n for n, (key, _) in enumerate(rows) if isinstance(key, int)), None)
            if first is not None:  # on the first occurrence, not on a day's line
                table.move_cursor(row=first, animate=False)

    def _fill_lines(self, rows: list[tuple[int | str, list]]) -> None:
        """The list as one column of whole lines, laid out here: Textual's table
        measures and renders every cell on its own, which cost seven times as
        much as the line (a week at scale 1: some 100 ms a page)."""
        table = self.table
        caps = [1, 6, 2, 28 if self.app.size.width >= 100 else 20,
                18 if self.app.size.width >= 100 else 14, 9, 9]
        lows = (1, 6, 2, 0, 0, 0, 0)  # the time column holds a day's date too
        widths = [max(cell_len(label), low) for label, low in zip(LIST_COLUMNS, lows,
                                                                  strict=True)]
        for _key, cells in rows:
            if len(cells) == len(LIST_COLUMNS):  # a day's line runs across the rest
                for n, cell in enumerate(cells):
                    size = cell_len(cell.plain if isinstance(cell, Text) else str(cell))
                    widths[n] = max(widths[n], min(size, caps[n]))
        self.list_widths = widths
        line_width = max(sum(widths) + len(widths) - 1, self.app.size.width - 4)
        current = selected_key(table)
        table.clear(columns=True)
        table.add_column(self._line(LIST_COLUMNS, widths, line_width), key="line",
                         width=line_width)
        for key, cells in rows:
            table.add_row(self._line(cells, widths, line_width), key=str(key))
        if current is not None and current in {str(key) for key, _ in rows}:
            table.move_cursor(row=table.get_row_index(current), animate=False)

    @staticmethod
    def _line(cells: list, widths: list[int], width: int) -> Text:
        """One line of the list: each cell cut or padded to its column's width (a
        cell that fits is put in as it is: no copy), the last one as long as it is."""
        line = Text(no_wrap=True, overflow="ellipsis")
        last = len(cells) - 1
        for n, cell in enumerate(cells):
            if n == last:
                line.append_text(cell) if isinstance(cell, Text) else line.append(str(cell))
            elif isinstance(cell, Text):
                size = cell.cell_len
                if size <= widths[n]:
                    line.append_text(cell)
                    if size < widths[n]:  # padded in the cell's own style, as cut ones are
                        line.append(" " * (widths[n] - size), cell.style)
                    line.append(" ")
                else:
                    part = cell.copy()
                    part.truncate(widths[n], overflow="ellipsis")
                    line.append_text(part)
                    line.append(" ")
            else:
                line.append(set_cell_size(str(cell), widths[n]) + " ")
        line.truncate(width, overflow="ellipsis")
        return line

    list_widths: list[int] = []
    """The widths of the list's columns as last drawn (its lines are laid out here)."""

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
        keep_row = table.cursor_coordinate.row
        keep_column = table.cursor_coordinate.column
        width = max((self.app.size.width - 2) // DAYS - 2, 8)
        by_day = self.by_day()
        self._grid_limit = self.grid_rows()
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
        wanted = self.keep if self.keep is not None else (current.id if current else None)
        self.keep = None
        for row in range(height):
            cells = []
            for column, day in enumerate(self.days()):
                items = by_day[day]
                if row < len(items):
                    item = items[row]
                    self.cells[(row, column)] = item.id
                    cells.append(self._grid_cell(item, width))
                    if item.id == wanted:
                        place = (row, column)
                else:
                    cells.append("")
            table.add_row(*cells, key=str(row), height=2)
        if place is None and height:
            place = (min(keep_row, height - 1), keep_column)
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

    # -- paging: the window follows the cursor ------------------------------------
    def _page_edge(self, row: int) -> None:
        """The cursor reached the first or last row shown: move the window on by
        half, the cursor staying on its occurrence."""
        page = self.page
        if page is None or not self.loaded:
            return
        rows = self.table.row_count
        step = (self._grid_limit if self.drawn_grid else WINDOW) // 2 or 1
        shown = self._grid_limit if self.drawn_grid else len(page.items)
        if row >= rows - 1 and page.offset + shown < page.total:
            offset = page.offset + step
        elif row == 0 and page.offset > 0:
            offset = max(page.offset - step, 0)
        else:
            return
        if offset == self.start_row:
            return
        current = self.current()
        self.keep = current.id if current is not None else None
        self.start_row = offset
        self.reload()

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
    def _highlighted(self) -> None:
        self.show_detail()
        # where the cursor is now: a refill posts highlights of rows it passed
        self._page_edge(self.table.cursor_coordinate.row)

    _offered: tuple | None = None

    def show_detail(self) -> None:
        item = self.current()
        offered = (item is None, bool(self.picked), bool(self.undo_series), self.hub_id)
        if offered != self._offered:  # the footer's keys change: redraw it (it costs)
            self._offered = offered
            self.refresh_bindings()
        box = self.query_one("#agenda-detail", Static)
        if item is None:
            box.update(Text("Move to an occurrence: enter lists its attendees.", "dim")
                       if self.items else Text("Nothing on these days.", "dim"))
            return
        start = datetime.fromisoformat(item.start)
        text = Text(f"{item.series}", "bold", no_wrap=True, overflow="ellipsis")
        text.append(f" · {item.hub}\n", "")
        text.append(f"{when(item.start)}–{item.end[11:16]} {offset(start)} ({item.timezone})\n")
        text.append_text(fill_label(item))
        text.append(f"  {seats(item)} booked, {item.waitlisted} waitlisted · ")
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
        self.start_row = 0
        self.reload()

    def action_today(self) -> None:
        if not self.store_open:
            return
        self.first = self.today()
        self.start_row = 0
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
        self.start_row = 0
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
        """Every occurrence of the week (or of the hub's week), not only those
        the window holds: their ids are read now (the page holds the window's)."""
        if self.page is None or not self.store_open:
            return
        from schedtui.services import agenda

        page, hub_id = self.page, self.hub_id
        self.load(lambda: agenda.agenda_ids(self.store, start=page.first, end=page.last,
                                            hub_id=hub_id), self._pick_all, group="pick")

    def _pick_all(self, ids: list[int]) -> None:
        shown = set(ids)
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
