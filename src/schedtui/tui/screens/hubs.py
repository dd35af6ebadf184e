"""Hubs: every hub with its zone, number of series and next occurrence."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static

from schedtui.services import hubs, series
from schedtui.services.views import HubView
from schedtui.tui.format import plain, when
from schedtui.tui.screens.listing import ListScreen


class HubsScreen(ListScreen):
    """The desk's home: pick a hub with Enter."""

    BINDINGS = [
        Binding("enter", "open", "Open", tooltip="The hub's series", id="hubs.open"),
        Binding("n", "new", "New hub", tooltip="Add a hub", id="hubs.new"),
        Binding("R", "roll", "Roll horizons", tooltip="Plan open-ended series up to their "
                "horizon", id="hubs.roll"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Hubs", classes="screen-title", id="title")
        table = DataTable(id="list", cursor_type="row", zebra_stripes=True)
        table.add_columns("Hub", "Time zone", "Series", "Next occurrence")
        yield table
        yield ProgressBar(id="progress", classes="-hidden", show_eta=False)
        yield self.filter_input()
        yield Footer()

    def reload(self) -> None:
        self.load(lambda: hubs.list_hubs(self.store), self.show_items)

    def row(self, hub: HubView) -> tuple[int, list]:
        return hub.id, [plain(hub.name), plain(hub.timezone), str(hub.series_count),
                        when(hub.next_occurrence)]

    def match_text(self, hub: HubView) -> str:
        return f"{hub.name} {hub.timezone}"

    def after_rows(self, shown: int) -> None:
        hint = "" if shown else "  (no hubs yet: press n to add one)"
        self.query_one("#title", Static).update(f"Hubs{hint}")

    @on(DataTable.RowSelected, "#list")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        hub = self.current_item()
        if hub is None:
            return
        from schedtui.tui.screens.series_list import SeriesScreen

        self.app.push_screen(SeriesScreen(hub.id, hub.name))

    def action_new(self) -> None:
        from schedtui.tui.screens.hub_form import HubForm

        self.app.push_screen(HubForm(), self._created)

    def _created(self, hub: HubView | None) -> None:
        if hub is not None:
            self.notify(f"Hub {hub.name} added.", markup=False)
            self.reload()

    # -- horizon roll: long work with a progress bar ------------------------------
    def action_roll(self) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.remove_class("-hidden")
        bar.update(total=None, progress=0)
        self._roll(bar)

    @work(thread=True, exclusive=True, exit_on_error=False, group="roll")
    def _roll(self, bar: ProgressBar) -> None:
        ids = [s.id for s in series.list_series(self.store, include_archived=False)]
        self.app.call_from_thread(bar.update, total=max(len(ids), 1), progress=0)
        added = 0
        for sid in ids:
            added += series.roll_horizons(self.store, series_id=sid).get(sid, 0)
            self.app.call_from_thread(bar.advance, 1)
        self.app.call_from_thread(self._rolled, added)

    def _rolled(self, added: int) -> None:
        self.query_one("#progress", ProgressBar).add_class("-hidden")
        self.notify(f"Horizon roll done: {added} occurrences added.")
        self.reload()
