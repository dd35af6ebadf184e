"""The new-hub form."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import available_timezones

from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input

from schedtui.services import hubs
from schedtui.services.views import HubView
from schedtui.tui.screens.form import FormScreen, field


class HubForm(FormScreen[HubView]):
    form_title = "New hub"

    def fields(self) -> ComposeResult:
        yield from field("Name", Input(id="name", placeholder="Platform team"))
        zones = SuggestFromList(sorted(available_timezones()), case_sensitive=False)
        yield from field("Time zone", Input("UTC", id="timezone", suggester=zones),
                         "IANA name, e.g. Europe/Berlin (→ completes)")

    def build(self) -> Callable[[], HubView]:
        name, tz = self.value("name"), self.value("timezone").strip()
        return lambda: hubs.create_hub(self.store, name, tz)
