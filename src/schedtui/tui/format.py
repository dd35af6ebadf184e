"""Display helpers: how views become cells. User text always becomes a plain
``Text`` (never markup), so a name like ``[bold]x[/]`` shows exactly as typed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from schedtui.domain.text import for_terminal
from schedtui.services.views import OccurrenceView

NEARLY_FULL = 0.8
"""Share of seats taken from which an occurrence shows as nearly full (display only)."""

FILL = {
    "free": ("○", "green"),
    "nearly": ("◐", "yellow"),
    "full": ("●", "red"),
    "waitlist": ("◍", "magenta"),
    "cancelled": ("✕", "bright_black"),
    "moved": ("↷", "cyan"),
}
"""Fill indicator glyphs and colours, keyed by state."""

PICKED = "✓"
"""The mark of an occurrence selected for a bulk edit."""

LEGEND = "○ free  ◐ nearly full  ● full  ◍ waitlist  ✕ cancelled  ↷ moved"


def plain(value: object) -> Text:
    """User text as a cell: never interpreted as markup, no control characters."""
    text = for_terminal(value).replace("\n", " ").replace("\t", " ")
    return Text(text, no_wrap=True, overflow="ellipsis")


class TerminalSafe(LineFilter):
    """The last step before the screen: control characters (ESC, BEL, C1...) in
    any widget's text are dropped. Text another program stored in a shared
    database reaches tables, titles, forms and notifications through many
    paths; here, whatever path it took, it cannot clear the screen, set the
    window title or the clipboard. They have no width, so layout is unchanged."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        line = "".join(segment.text for segment in segments)
        if for_terminal(line) == line:
            return segments
        return [Segment(for_terminal(s.text), s.style, s.control) for s in segments]


TERMINAL_SAFE = TerminalSafe()


def when(iso: str | None, *, weekday: bool = True) -> str:
    """``2025-03-11T10:00:00-04:00`` as ``Tue 2025-03-11 10:00``."""
    if not iso:
        return "—"
    moment = datetime.fromisoformat(iso)
    return moment.strftime("%a %Y-%m-%d %H:%M" if weekday else "%Y-%m-%d %H:%M")


def until(start: str, end: str) -> str:
    """The end of a session for ``start–end``: its time, or with its date when
    it ends on another day (a session of several days)."""
    if end[:10] == start[:10]:
        return end[11:16]
    return when(end)


def covers(start: str, end: str, first: date, last: date) -> bool:
    """Whether a session (local ISO times) starts between ``first`` and ``last``
    or runs into that span from an earlier day for more than a day."""
    begins, ends = datetime.fromisoformat(start), datetime.fromisoformat(end)
    if first <= begins.date() <= last:
        return True
    return begins.date() < first and ends - begins > timedelta(days=1) and \
        ends.replace(tzinfo=None) > datetime.combine(first, datetime.min.time())


def offset(moment: datetime) -> str:
    """The UTC offset of an aware moment, ``-04:00``."""
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}" if text else ""


def fill_state(occ: OccurrenceView) -> str:
    if occ.status == "cancelled":
        return "cancelled"
    if occ.waitlisted:
        return "waitlist"
    if occ.capacity is not None and occ.booked >= occ.capacity:
        return "full"
    if occ.capacity is not None and occ.booked >= NEARLY_FULL * occ.capacity:
        return "nearly"
    return "free"


def fill_glyph(occ: OccurrenceView) -> Text:
    glyph, colour = FILL[fill_state(occ)]
    text = Text(glyph, style=colour)
    if getattr(occ, "moved", False):  # an agenda item does not say
        text.append(FILL["moved"][0], style=FILL["moved"][1])
    return text


def fill_label(occ: OccurrenceView) -> Text:
    state = fill_state(occ)
    label = {"nearly": "nearly full"}.get(state, state)
    text = Text(f"{FILL[state][0]} {label}", style=FILL[state][1])
    if getattr(occ, "moved", False):
        text.append(" ↷ moved", style=FILL["moved"][1])
    return text


def seats(occ: OccurrenceView) -> str:
    cap = "∞" if occ.capacity is None else str(occ.capacity)
    return f"{occ.booked}/{cap}"


def affected(occ: OccurrenceView) -> int:
    """People holding or waiting for a seat in ``occ`` (who are told of a change)."""
    return occ.booked + occ.waitlisted


def percent(rate: float | None) -> str:
    """A fill rate the service computed (0..1, None: unlimited or nothing planned)."""
    return "—" if rate is None else f"{round(100 * rate)}%"
