"""The command palette (ctrl+p): jump to any hub, series or attendee by name.

Names are shown as plain text with the matched letters highlighted; Textual's
own ``Matcher.highlight`` reads the candidate as markup, and the palette reads
a hit's ``help`` as markup, which a name such as ``[@click=app.quit]x[/]`` must
never be: the help is escaped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape


@dataclass(frozen=True)
class Target:
    kind: str  # hub, series, attendee
    name: str
    detail: str
    hub_id: int
    hub_name: str
    series_id: int | None = None
    series_name: str = ""
    email: str = ""

    @property
    def text(self) -> str:
        return f"{self.kind}: {self.name}"


def targets(store) -> list[Target]:
    """Everything the palette can jump to (runs in a thread)."""
    from schedtui.services import hubs, series

    found: list[Target] = []
    hub_names = {}
    for hub in hubs.list_hubs(store):
        hub_names[hub.id] = hub.name
        found.append(Target("hub", hub.name, hub.timezone, hub.id, hub.name))
    rows = [s for s in series.list_series(store, include_archived=False)
            if s.hub_id in hub_names]
    names = {}
    for view in rows:
        names[view.id] = view
        found.append(Target("series", view.name, hub_names[view.hub_id], view.hub_id,
                            hub_names[view.hub_id], view.id, view.name))
    try:
        from schedtui.services import registrations
    except ImportError:
        return found
    for view in rows:
        for reg in registrations.list_registrations(store, series_id=view.id):
            if reg.status == "cancelled":
                continue
            found.append(Target("attendee", reg.name, f"{reg.email} · {view.name}",
                                view.hub_id, hub_names[view.hub_id], view.id, view.name,
                                reg.email))
    return found


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
    """Hubs, series and attendees by name."""

    async def startup(self) -> None:
        store = self.app.store  # type: ignore[attr-defined]
        self.targets = await asyncio.to_thread(targets, store)

    def _jump(self, target: Target) -> Callable[[], None]:
        def go() -> None:
            jump(self.app, target)
        return go

    async def discover(self) -> Hits:
        for target in self.targets[:40]:
            yield DiscoveryHit(Content(target.text), self._jump(target), text=target.text,
                               help=escape(target.detail))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for target in self.targets:
            score = matcher.match(target.text)
            if score > 0:
                yield Hit(score, highlight(matcher, target.text), self._jump(target),
                          text=target.text, help=escape(target.detail))


def jump(app, target: Target) -> None:
    """Go to ``target`` with a stack that Escape can walk back: hubs, series, calendar."""
    from schedtui.tui.screens.calendar import CalendarScreen
    from schedtui.tui.screens.series_list import SeriesScreen

    while len(app.screen_stack) > 2:
        app.pop_screen()
    app.push_screen(SeriesScreen(target.hub_id, target.hub_name))
    if target.kind == "hub":
        return
    app.push_screen(CalendarScreen(target.series_id, target.series_name))
    if target.kind == "attendee":
        from schedtui.tui.screens.attendees import open_attendees

        open_attendees(app, series_id=target.series_id, title=target.series_name,
                       filter_text=target.email)
