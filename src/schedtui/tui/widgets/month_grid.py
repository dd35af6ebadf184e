"""A month grid: weeks as rows, today marked, each day with its occurrences
(time and fill indicator). Moves a day cursor with arrows or h j k l."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from schedtui.services.views import OccurrenceView
from schedtui.tui.format import fill_glyph
from schedtui.tui.messages import DayChanged

BLACKOUT = "■"
"""The mark of a blackout day (the hub holds no sessions)."""
DAY_HEADERS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def grid_range(day: date) -> tuple[date, date]:
    """The first and last day shown for the month of ``day`` (whole weeks, Monday first)."""
    first = day.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())


class MonthGrid(Widget, can_focus=True):
    """The calendar's month. ``cursor`` is the selected day; the month follows it."""

    BINDINGS = [
        Binding("left,h", "move(-1)", "Day back", show=False,
                tooltip="The day before", id="grid.left"),
        Binding("right,l", "move(1)", "Day on", show=False,
                tooltip="The day after", id="grid.right"),
        Binding("up,k", "move(-7)", "Week back", show=False,
                tooltip="The same weekday a week earlier", id="grid.up"),
        Binding("down,j", "move(7)", "Week on", show=False,
                tooltip="The same weekday a week later", id="grid.down"),
    ]

    cursor: reactive[date] = reactive(date(2000, 1, 1), init=False)

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.today = date(2000, 1, 1)
        self.by_day: dict[date, list[OccurrenceView]] = {}
        self.blackouts: dict[date, str] = {}
        """Blackout days of the series' hub, with their reasons."""

    def show(self, occurrences: list[OccurrenceView], today: date) -> None:
        """Put a month's occurrences (local dates of the series' zone) on the grid."""
        self.today = today
        self.by_day = {}
        for occ in occurrences:
            self.by_day.setdefault(datetime.fromisoformat(occ.start).date(), []).append(occ)
        self.refresh()

    def action_move(self, days: int) -> None:
        self.cursor = self.cursor + timedelta(days=days)

    def watch_cursor(self, day: date) -> None:
        self.post_message(DayChanged(day))

    # -- drawing ---------------------------------------------------------------
    def _layout(self) -> tuple[list[date], int, int]:
        first, last = grid_range(self.cursor)
        weeks = [first + timedelta(weeks=i) for i in range(((last - first).days + 1) // 7)]
        width = max(self.size.width // 7, 5)
        per_week = max((self.size.height - 1) // max(len(weeks), 1), 2)
        return weeks, width, per_week

    def render(self) -> Text:
        weeks, width, per_week = self._layout()
        out = Text(no_wrap=True, overflow="crop")
        for name in DAY_HEADERS:
            out.append(name[: width - 1].ljust(width), "bold")
        for week in weeks:
            for line in range(per_week):
                out.append("\n")
                for offset in range(7):
                    out.append_text(self._cell(week + timedelta(days=offset), line,
                                               per_week, width))
        return out

    def _cell(self, day: date, line: int, lines: int, width: int) -> Text:
        inside = width - 1
        if line == 0:
            text = Text(f"{day.day:>2}")
            if day == self.today:
                text.stylize("bold reverse yellow")
                text.append(" today" if inside >= 8 else "•", "bold yellow")
            if day in self.blackouts:
                text.append(f" {BLACKOUT}", "bold red")
        else:
            occs = self.by_day.get(day, [])
            index = line - 1
            if index < len(occs) and (index < lines - 2 or len(occs) == lines - 1):
                occ = occs[index]
                text = Text(datetime.fromisoformat(occ.start).strftime("%H:%M"),
                            "cyan" if occ.moved else "")
                text.append_text(fill_glyph(occ))
                if occ.status == "cancelled":
                    text.stylize("strike", 0, 5)
            elif index == lines - 2 and len(occs) > lines - 1:
                text = Text(f"+{len(occs) - index} more", "dim")
            else:
                text = Text("")
        text.truncate(inside, pad=True)
        if day.month != self.cursor.month:
            text.stylize("dim")
        if day == self.cursor:
            text.stylize("reverse" if self.has_focus else "underline")
        text.append("│" if width > 5 else " ", "bright_black")
        return text

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        weeks, width, per_week = self._layout()
        if event.y < 1:
            return
        week = (event.y - 1) // per_week
        if week < len(weeks):
            self.cursor = weeks[week] + timedelta(days=min(event.x // width, 6))
