"""The hub form: a new hub, or a hub renamed or moved to another time zone,
with what the change touches shown before it is saved."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import available_timezones

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from schedtui.services import hubs
from schedtui.services.views import HubView
from schedtui.tui.screens.form import FormScreen, field


class HubForm(FormScreen[HubView]):
    form_title = "New hub"

    def __init__(self, existing: HubView | None = None) -> None:
        super().__init__()
        self.existing = existing
        if existing is not None:
            self.form_title = "Edit hub"

    def fields(self) -> ComposeResult:
        hub = self.existing
        yield from field("Name", Input(hub.name if hub else "", id="name",
                                       placeholder="Platform team"))
        zones = SuggestFromList(sorted(available_timezones()), case_sensitive=False)
        yield from field("Time zone", Input(hub.timezone if hub else "UTC", id="timezone",
                                            suggester=zones),
                         "IANA name, e.g. Europe/Berlin (→ completes); the default for "
                         "new series")
        yield from field("Region", Input(hub.region if hub else "", id="region",
                                         placeholder="DE"),
                         "Country of phone numbers given without a country code (blank: none)")
        if hub is not None:
            yield Static("", id="impact")

    def on_mount(self) -> None:
        if self.existing is not None:
            self._impact()

    @on(Input.Changed)
    def _impact(self) -> None:
        """What the edit would touch, from the service, as the fields change."""
        if self.existing is None:
            return
        box = self.query_one("#impact", Static)
        name, tz, hub_id = self.value("name"), self.value("timezone"), self.existing.id
        self.load(lambda: hubs.edit_impact(self.store, hub_id, name=name, timezone=tz),
                  lambda impact: box.update(Text("\n" + "\n".join(impact.lines()))),
                  lambda exc: box.update(Text("\n" + exc.message, "red")), group="impact")

    def build(self) -> Callable[[], HubView]:
        name, tz = self.value("name"), self.value("timezone").strip()
        region = self.value("region")
        if self.existing is None:
            return lambda: hubs.create_hub(self.store, name, tz, region=region)
        hub_id = self.existing.id
        return lambda: hubs.rename_hub(self.store, hub_id, name=name, timezone=tz,
                                       region=region)
