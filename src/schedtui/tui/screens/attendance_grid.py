"""Who came: a series' attendance as a grid, people as rows (by name) and its
occurrences as columns (by start), each cell a glyph; ``space`` checks the
person in (or out) for the session under the cursor.

A series may run a hundred sessions for thousands of people, so the table
holds one window of the grid: ``ROWS`` people by ``COLUMNS`` sessions, which
the service (:func:`schedtui.services.attendance.attendance_window`) pages
through as the cursor reaches an edge, as the attendee list does with its
rows. The person's totals (``Came``: attended of held, and the rate) count
every session of the series; a session's totals show under the table for the
column under the cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from schedtui.domain.errors import DeskError
from schedtui.services import attendance, registrations
from schedtui.services.attendance import Column, Grid, PersonRow
from schedtui.tui.format import plain, when
from schedtui.tui.screens.base import DeskScreen
from schedtui.tui.widgets.footer import DeskFooter
from schedtui.tui.widgets.window_table import WindowTable

CELLS = {
    "attended": ("✓", "bold green"),
    "confirmed": ("●", "blue"),
    "waitlisted": ("◍", "magenta"),
    "pending": ("?", "cyan"),
    "cancelled": ("✕", "bright_black"),
    "": ("·", "bright_black"),
}
"""The glyph and colour of each kind of cell."""

LEGEND = "✓ attended  ● confirmed  ◍ waitlisted  ? pending  ✕ cancelled  · no seat"

ROWS = 150
"""People in the table at once; the service pages through the rest."""
ROW_STEP = ROWS // 2
COLUMNS = 24
"""Sessions in the table at once (a few screens wide)."""
COLUMN_STEP = COLUMNS // 2
FIXED = 2
"""The name and the person's totals stay in sight while the sessions scroll."""


def cell(value: str) -> Text:
    glyph, style = CELLS.get(value, ("?", ""))
    return Text(glyph, style, justify="center")


def came(row: PersonRow) -> str:
    """``3/4 75%``: sessions attended of those held with a confirmed seat."""
    if not row.held:
        return "—"
    return f"{row.attended}/{row.held} {round(100 * row.attended / row.held)}%"


def heading(column: Column, twice: bool) -> Text:
    """``03-10`` (with the time when the day has two sessions in sight); a
    cancelled session struck through."""
    moment = datetime.fromisoformat(column.start)
    label = f"{moment:%m-%d %H:%M}" if twice else f"{moment:%m-%d}"
    return Text(label, "strike bright_black" if column.status == "cancelled" else "")


@dataclass(frozen=True)
class Shown:
    """What is under the cursor: a person and, on a session's column, the session."""

    person: PersonRow | None
    column: Column | None
    value: str = ""


class AttendanceScreen(DeskScreen):
    """The grid of one series; ``space`` toggles the check-in of the cell."""

    BINDINGS = [
        Binding("space", "check_in", "Check in", tooltip="Check the person in for the session "
                "under the cursor (again: undo); more than a day ahead it asks once",
                id="grid.check_in"),
        Binding("left_square_bracket", "page(-1)", "Earlier sessions", key_display="[",
                show=False, tooltip="The previous page of sessions", id="grid.earlier"),
        Binding("right_square_bracket", "page(1)", "Later sessions", key_display="]",
                show=False, tooltip="The next page of sessions", id="grid.later"),
    ]

    def __init__(self, series_id: int, title: str = "") -> None:
        super().__init__()
        self.series_id = series_id
        self.title_text = title
        self.grid: Grid | None = None
        """The window on screen."""
        self.first_row = 0
        self.first_column = 0
        self.early_ok = False
        """Checking in more than a day before the start was confirmed once here."""
        self.totals: dict[int, Column] = {}
        """Sessions with their totals, fetched one at a time as the cursor shows them."""
        self.asked: set[int] = set()
        """Sessions whose totals were asked for since the grid was loaded (once each)."""
        self.stale = False
        """The grid was reloaded for sessions that changed under it (not again until
        the cursor moves)."""
        self.placed: tuple[int, int] | None = None
        """Where a refill put the cursor: its highlight does not slide the window."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Attendance: {self.title_text}"), classes="screen-title", id="title")
        yield WindowTable(id="list", cursor_type="cell", zebra_stripes=True,
                          fixed_columns=FIXED)
        yield Static("", id="detail")
        yield Static("", id="counts")
        yield Static(LEGEND, id="legend")
        yield DeskFooter()

    def on_mount(self) -> None:  # DeskScreen.on_mount reloads
        self.table.focus()

    @property
    def table(self) -> DataTable:
        return self.query_one("#list", DataTable)

    # -- loading a window ----------------------------------------------------------
    def reload(self) -> None:
        self.totals = {}
        self.fetch(self.first_row, self.first_column)

    def fetch(self, first_row: int | None, first_column: int | None,
              cursor: tuple[str | None, str | None] = (None, None)) -> None:
        """Load the window at (``first_row``, ``first_column``); None: the last
        rows or columns. ``cursor``: "first"/"last" row and column to put the
        cursor on; otherwise it stays on its person and session."""
        store, series_id = self.store, self.series_id
        grid = self.grid
        if grid is not None and first_row is not None:
            first_row = max(min(first_row, grid.people - ROWS), 0)
        if grid is not None and first_column is not None:
            first_column = max(min(first_column, grid.sessions - COLUMNS), 0)

        def run() -> Grid:
            row, column = first_row, first_column
            if row is None or column is None:  # the size first, then the end
                size = attendance.attendance_window(store, series_id, limit=0, columns=0)
                row = max(size.people - ROWS, 0) if row is None else row
                column = max(size.sessions - COLUMNS, 0) if column is None else column
            return attendance.attendance_window(store, series_id, offset=row, limit=ROWS,
                                                first_column=column, columns=COLUMNS)

        self.load(run, lambda found: self.show_grid(found, cursor), group="window")

    def show_grid(self, grid: Grid, cursor: tuple[str | None, str | None] = (None, None)
                  ) -> None:
        table = self.table
        here = self.shown()
        keep_person = here.person.attendee_id if here.person else None
        keep_column = here.column.id if here.column else None
        at_column = table.cursor_column
        self.grid = grid
        self.asked = set(self.totals)
        self.first_row, self.first_column = grid.offset, grid.first_column
        self.title_text = grid.series
        self.query_one("#title", Static).update(
            Text(f"Attendance: {grid.series}  ").append(f"({grid.timezone})", "dim"))
        days = [datetime.fromisoformat(c.start).date() for c in grid.columns]
        heads = [heading(c, days.count(d) > 1) for c, d in zip(grid.columns, days, strict=True)]
        names = [plain(r.name) for r in grid.rows]
        totals = [came(r) for r in grid.rows]
        table.clear(columns=True)
        table.add_column("Name", key="name",
                         width=min(max([4, *(cell_len(n.plain) for n in names)]), 24))
        table.add_column("Came", key="came", width=max([4, *(len(t) for t in totals)]))
        for column, head in zip(grid.columns, heads, strict=True):
            table.add_column(head, key=str(column.id), width=len(head.plain))
        for row, name, total in zip(grid.rows, names, totals, strict=True):
            table.add_row(name, total, *[cell(v) for v in row.cells],
                          key=str(row.attendee_id))
        # the cursor: where it was asked to go, else on the same person and session
        keys = [str(c.id) for c in grid.columns]
        row_at = {str(r.attendee_id): i for i, r in enumerate(grid.rows)}
        want_row, want_column = cursor
        row = 0 if want_row == "first" else len(grid.rows) - 1 if want_row == "last" else \
            row_at.get(str(keep_person), min(table.cursor_row, len(grid.rows) - 1))
        if want_column == "first":
            column = FIXED
        elif want_column == "last":
            column = FIXED + len(keys) - 1
        elif keep_column is not None and str(keep_column) in keys:
            column = FIXED + keys.index(str(keep_column))
        else:
            column = min(at_column, FIXED + len(keys) - 1)
        if table.row_count:
            table.move_cursor(row=max(row, 0), column=max(column, 0), animate=False)
            self.placed = (table.cursor_row, table.cursor_column)
        self.show_detail()
        self.refresh_bindings()

    def shown(self) -> Shown:
        grid, table = self.grid, self.table
        if grid is None or not table.row_count or not grid.rows:
            return Shown(None, None)
        row, column = table.cursor_coordinate
        person = grid.rows[row] if 0 <= row < len(grid.rows) else None
        index = column - FIXED
        if person is None or not 0 <= index < len(grid.columns):
            return Shown(person, None)
        return Shown(person, grid.columns[index], person.cells[index])

    def show_detail(self) -> None:
        grid = self.grid
        if grid is None:
            return
        here = self.shown()
        detail = Text()
        if here.person is not None:
            detail.append(plain(here.person.name))
            detail.append(f" <{here.person.email}>", "dim")
            rate = "no session held yet" if here.person.rate is None else \
                f"came to {here.person.attended} of {here.person.held} held " \
                f"({round(100 * here.person.rate)}%)"
            detail.append(f" · {rate}")
        if here.column is not None:
            column = here.column
            detail.append(f"\n{when(column.start)}", "bold")
            if column.status == "cancelled":
                detail.append(" cancelled", "bright_black")
            detail.append(f" · {here.value or 'no seat'}")
            sums = self.totals.get(column.id)
            if sums is None:
                detail.append(" · counting…", "dim")
                if column.id not in self.asked:
                    self.asked.add(column.id)
                    self.count(column)
            else:
                detail.append(f" · {sums.booked} booked, {sums.attended} attended")
                if sums.held:
                    detail.append(f", {sums.no_shows} no-show"
                                  f"{'s' if sums.no_shows != 1 else ''}")
                elif sums.status != "cancelled":
                    detail.append(" (not held yet)", "dim")
        self.query_one("#detail", Static).update(detail)
        rows = len(grid.rows)
        counts = Text(f"people {grid.offset + 1}–{grid.offset + rows} of {grid.people}"
                      if rows else "nobody holds a seat in this series", "bold")
        if grid.columns:
            counts.append(f" · sessions {grid.first_column + 1}–"
                          f"{grid.first_column + len(grid.columns)} of {grid.sessions}")
        self.query_one("#counts", Static).update(counts)

    def count(self, column: Column) -> None:
        """The totals of one session (booked, attended, no-shows), for the detail."""
        store, series_id = self.store, self.series_id
        index = self.first_column + self.grid.columns.index(column)

        def run() -> Column | None:
            found = attendance.attendance_window(store, series_id, limit=0,
                                                 first_column=index, columns=1, totals=True)
            return found.columns[0] if found.columns else None

        def show(found: Column | None) -> None:
            if found is not None and found.id == column.id:
                self.totals[found.id] = found
                self.show_detail()
            elif not self.stale:  # the sessions changed meanwhile: the grid is old
                self.stale = True  # (once, until the cursor moves: no loop of reloads)
                self.reload()

        self.load(run, show, group="totals")

    @on(DataTable.CellHighlighted, "#list")
    def _moved(self, event: DataTable.CellHighlighted) -> None:
        """Slide the window when the cursor moves onto an edge of it (not where
        a refill put it); the cursor is read now, not from the event."""
        grid, table = self.grid, self.table
        self.show_detail()
        self.refresh_bindings()
        if grid is None or not table.row_count:
            return
        row, column = table.cursor_coordinate
        if (row, column) == self.placed:
            return
        self.placed = None
        self.stale = False
        last_row = self.first_row + len(grid.rows)
        last_column = self.first_column + len(grid.columns)
        if row >= table.row_count - 1 and last_row < grid.people:
            self.fetch(self.first_row + ROW_STEP, self.first_column)
        elif row <= 0 and self.first_row > 0:
            self.fetch(self.first_row - ROW_STEP, self.first_column)
        elif column >= FIXED + len(grid.columns) - 1 and last_column < grid.sessions:
            self.fetch(self.first_row, self.first_column + COLUMN_STEP)
        elif column <= FIXED and self.first_column > 0:
            self.fetch(self.first_row, self.first_column - COLUMN_STEP)

    @on(WindowTable.Edge)
    def _to_edge(self, event: WindowTable.Edge) -> None:
        grid, table = self.grid, self.table
        if grid is None or not table.row_count:
            return
        if event.which == "first":
            if self.first_row == 0:
                table.move_cursor(row=0, animate=False)
            else:
                self.fetch(0, self.first_column, ("first", None))
        elif self.first_row + len(grid.rows) >= grid.people:
            table.move_cursor(row=table.row_count - 1, animate=False)
        else:
            self.fetch(None, self.first_column, ("last", None))

    def action_page(self, step: int) -> None:
        """The previous or next page of sessions."""
        grid = self.grid
        if grid is None:
            return
        target = self.first_column + step * COLUMNS
        if step > 0 and self.first_column + len(grid.columns) >= grid.sessions:
            self.table.move_cursor(column=FIXED + len(grid.columns) - 1, animate=False)
            return
        if step < 0 and self.first_column == 0:
            self.table.move_cursor(column=FIXED, animate=False)
            return
        self.fetch(self.first_row, max(target, 0), (None, "first" if step > 0 else "last"))

    # -- check-in ------------------------------------------------------------------
    def why_not(self, here: Shown) -> str | None:
        """Why the cell under the cursor cannot be checked in (None: it can)."""
        if here.person is None:
            return "Nobody holds a seat in this series yet."
        if here.column is None:
            return "Put the cursor on a session's column (a date) to check someone in."
        name, day = here.person.name, when(here.column.start)
        if here.column.status == "cancelled":
            return f"The session of {day} was cancelled: nobody can be checked in."
        return {
            "": f"{name} holds no seat in the session of {day}.",
            "waitlisted": f"{name} is on the waitlist for {day}: only a confirmed seat can "
                          "be checked in.",
            "pending": f"{name}'s registration awaits approval: only a confirmed seat can "
                       "be checked in.",
            "cancelled": f"{name}'s seat in the session of {day} was cancelled.",
        }.get(here.value)

    def action_check_in(self) -> None:
        here = self.shown()
        reason = self.why_not(here)
        if reason is not None:
            self.show_error(DeskError("invalid_state", reason))
            return
        assert here.person is not None and here.column is not None
        attended = here.value != "attended"
        if not attended:
            self._check_in(here, attended)
            return
        from schedtui.tui.screens.confirm import check_in_early

        check_in_early(self, here.column.start, here.person.name, "session", "grid",
                       lambda: self._check_in(here, attended))

    def _check_in(self, here: Shown, attended: bool) -> None:
        assert here.person is not None and here.column is not None
        store, series_id = self.store, self.series_id
        person, column = here.person, here.column

        def run():
            seat = attendance.seat_of(store, series_id, person.attendee_id, column.id)
            if seat is None:
                raise DeskError("not_found", f"{person.name} no longer holds a seat in the "
                                f"session of {when(column.start)}.")
            return registrations.check_in(store, seat[0], column.id, attended=attended)

        def done(_view) -> None:
            self.notify(f"{person.name} {'checked in' if attended else 'not checked in'} "
                        f"for {when(column.start)}.", markup=False)
            self.reload()  # the cell, the person's totals and the session's

        def refused(exc: DeskError) -> None:
            self.show_error(exc)
            self.reload()  # the grid was old: show it as it is

        self.act(run, done, refused)
