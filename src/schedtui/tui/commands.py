"""The command palette (ctrl+p): jump to any hub, series or attendee by name.

Matching is the service's (``services.search.search``), run in a thread for
each query, so nothing is loaded up front however many people are registered.
Names are shown as plain text with the matched letters highlighted; Textual's
own ``Matcher.highlight`` reads the candidate as markup, and the palette reads
a hit's ``help`` as markup, which a name such as ``[@click=app.quit]x[/]`` must
never be: the help is escaped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

if TYPE_CHECKING:
    from schedtui.services import search as finder

LIMIT = 20
"""Hits of each kind the service returns for one query."""
FLOOR = 0.05
"""Score of a hit the service found but the palette's fuzzy matcher does not
(matched by email, say): it is still listed, after the closer matches."""


def label(hit: finder.Hit) -> str:
    return f"{hit.kind}: {hit.label}"


def highlight(matcher: Matcher, candidate: str) -> Content:
    """``candidate`` as plain content with the matched letters styled."""
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return content
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize("bold reverse", offset, offset + 1)
    return content


class JumpProvider(Provider):
    """Hubs, series and attendees by name (attendees by email too)."""

    @property
    def store(self):
        return self.app.store  # type: ignore[attr-defined]

    def _jump(self, hit: finder.Hit) -> Callable[[], None]:
        def go() -> None:
            jump(self.app, hit)
        return go

    async def discover(self) -> Hits:
        if self.store is None:  # the database is still opening
            return
        from schedtui.services import hubs
        from schedtui.services import search as finder

        for hub in await asyncio.to_thread(hubs.list_hubs, self.store):
            hit = finder.Hit("hub", hub.id, hub.name, hub.timezone, hub_id=hub.id)
            yield DiscoveryHit(Content(label(hit)), self._jump(hit), text=label(hit),
                               help=escape(hit.detail))

    async def search(self, query: str) -> Hits:
        if self.store is None:
            return
        from schedtui.services import search as finder

        found = await asyncio.to_thread(finder.search, self.store, query, limit=LIMIT)
        matcher = self.matcher(query)
        for hit in found:
            text = label(hit)
            yield Hit(max(matcher.match(text), FLOOR), highlight(matcher, text),
                      self._jump(hit), text=text, help=escape(hit.detail))


def jump(app, hit: finder.Hit) -> None:
    """Go to ``hit`` with a stack that Escape can walk back: hubs, series,
    calendar (and for an attendee, the series' attendee list filtered to them)."""
    from schedtui.tui.screens.calendar import CalendarScreen
    from schedtui.tui.screens.series_list import SeriesScreen

    if hit.hub_id is None or (hit.kind == "attendee" and hit.series_id is None):
        app.notify(f"{hit.label} has no registrations to show.", markup=False,
                   severity="warning")
        return
    while len(app.screen_stack) > 2:
        app.pop_screen()
    app.push_screen(SeriesScreen(hit.hub_id, hit.label if hit.kind == "hub" else ""))
    if hit.kind == "hub":
        return
    app.push_screen(CalendarScreen(hit.series_id, hit.label if hit.kind == "series" else ""))
    if hit.kind == "attendee":
        from schedtui.tui.screens.attendees import open_attendees

        open_attendees(app, series_id=hit.series_id, filter_text=hit.detail)


def screen_commands(app, screen) -> list:
    """The desk's keys of ``screen`` as palette commands (``New series  n``), those
    its ``check_action`` allows now, so ctrl+p finds the actions of the screen
    beside the jump targets. Moving about (back, focus, the day cursor) is left out."""
    from textual.actions import parse
    from textual.app import SystemCommand

    from schedtui.tui.screens.help import OURS, declared

    commands, seen = [], set()
    for klass, binding in declared(type(screen)):
        if not klass.__module__.startswith(OURS) or binding.action in seen:
            continue
        seen.add(binding.action)
        _, name, parameters = parse(binding.action)
        if name in SKIPPED or not binding.description:
            continue
        if not screen.check_action(name, parameters):
            continue
        key = binding.key_display or app.get_key_display(binding)

        def run(action: str = binding.action) -> None:
            app.call_later(app.run_action, action, screen)

        commands.append(SystemCommand(f"{binding.description}  ({key})",
                                      escape(binding.tooltip or binding.description), run))
    return commands


SKIPPED = {"back", "focus_next", "filter", "open"}
"""Actions that move about rather than do something: not offered in the palette."""
