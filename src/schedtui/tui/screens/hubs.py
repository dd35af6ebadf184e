"""Hubs: every hub with its zone, number of series and next occurrence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, ProgressBar, Static

from schedtui.tui.format import plain, when
from schedtui.tui.screens.listing import ListScreen
from schedtui.tui.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from schedtui.services.views import HubView

OPENING = "Hubs  (opening the database…)"
"""The title while the desk opens its database after the first paint."""


class HubsScreen(ListScreen):
    """The desk's home: pick a hub with Enter."""

    BINDINGS = [
        Binding("enter", "open", "Open", tooltip="The hub's series", id="hubs.open"),
        Binding("n", "new", "New hub", tooltip="Add a hub", id="hubs.new"),
        Binding("e", "edit", "Edit hub", tooltip="Rename the hub or change its time zone "
                "(shows what it touches first)", id="hubs.edit"),
        Binding("A", "agenda", "Agenda", tooltip="The week across every hub "
                "(what the desk opens on)", id="hubs.agenda"),
        Binding("b", "blackouts", "Blackouts",
                tooltip="The hub's blackout days and public holidays", id="hubs.blackouts"),
        Binding("R", "roll", "Roll horizons", tooltip="Plan open-ended series up to their "
                "horizon", id="hubs.roll"),
        Binding("X", "export_ics", "Export .ics", show=False,
                tooltip="Write the hub's published series to an iCalendar file",
                id="hubs.export_ics"),
        Binding("I", "import_ics", "Import .ics", show=False,
                tooltip="Add the events of an iCalendar file to the hub (a dry run first)",
                id="hubs.import_ics"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Hubs" if self.store_open else OPENING, classes="screen-title",
                     id="title")
        table = DataTable(id="list", cursor_type="row", zebra_stripes=True)
        table.add_columns("Hub", "Time zone", "Series", "Next occurrence")
        yield table
        yield ProgressBar(id="progress", classes="-hidden", show_eta=False)
        yield self.filter_input()
        yield DeskFooter()

    waiting = False
    """A load was asked for while another screen covered this one (the agenda
    the desk opens on): it is done when this screen is shown."""

    def reload(self) -> None:
        if self.app.screen is not self:
            self.waiting = True
            return
        self.waiting = False
        self.load(self._list_hubs, self.show_items)

    def on_screen_resume(self) -> None:  # DeskScreen's runs too (Textual calls both)
        if self.waiting and self.store_open:
            self.call_later(self.reload)

    def _list_hubs(self) -> list[HubView]:
        from schedtui.services import hubs

        return hubs.list_hubs(self.store)

    def show_items(self, items: list[HubView]) -> None:
        super().show_items(items)
        self.app.first_rows_shown(self)  # type: ignore[attr-defined]

    def row(self, hub: HubView) -> tuple[int, list]:
        return hub.id, [plain(hub.name), plain(hub.timezone), str(hub.series_count),
                        when(hub.next_occurrence)]

    def match_text(self, hub: HubView) -> str:
        return f"{hub.name} {hub.timezone}"

    def after_rows(self, shown: int) -> None:
        if not self.store_open:  # typing a filter while the database opens
            return
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

    def action_agenda(self) -> None:
        """The desk's agenda, where it was left, with its week read again."""
        from schedtui.tui.screens.agenda import AgendaScreen

        app = self.app
        stack = app.screen_stack
        agenda = app.agenda()  # type: ignore[attr-defined]
        under = stack[-2:-1] == [agenda]  # the desk opened on it
        if agenda in stack and not under:
            app.push_screen(AgendaScreen())  # deeper down: a new one, the screens between kept
        elif not agenda.loaded:  # it reads its week once mounted, or once the store opens
            app.pop_screen() if under else app.push_screen(agenda)
        else:
            def back() -> None:
                if app.screen is not self:
                    return  # the person went elsewhere while the week was read
                if agenda in app.screen_stack:  # the desk opened on it: it is under us
                    app.pop_screen()
                else:
                    app.push_screen(agenda)

            agenda.read_then(back)

    def action_blackouts(self) -> None:
        hub = self.current_item()
        if hub is None:
            return
        from schedtui.tui.screens.blackouts import BlackoutsScreen

        self.app.push_screen(BlackoutsScreen(hub.id, hub.name))

    def action_new(self) -> None:
        from schedtui.tui.screens.hub_form import HubForm

        self.app.push_screen(HubForm(), self._created)

    def action_edit(self) -> None:
        hub = self.current_item()
        if hub is None:
            return
        from schedtui.tui.screens.hub_form import HubForm

        def saved(view: HubView | None) -> None:
            if view is not None:
                self.notify(f"Hub {view.name} saved ({view.timezone}).", markup=False)
                self.reload()

        self.app.push_screen(HubForm(hub), saved)

    def _created(self, hub: HubView | None) -> None:
        if hub is not None:
            self.notify(f"Hub {hub.name} added.", markup=False)
            self.reload()

    def action_export_ics(self) -> None:
        hub = self.current_item()
        if hub is not None:
            from schedtui.tui.screens.interop import export_ics

            export_ics(self, f"hub-{hub.id}", hub_id=hub.id)

    def action_import_ics(self) -> None:
        hub = self.current_item()
        if hub is not None:
            from schedtui.tui.screens.interop import import_ics

            import_ics(self, hub.id, hub.name)

    # -- horizon roll: the app runs it (also when the desk opens); this shows it ---
    def on_mount(self) -> None:  # DeskScreen.on_mount (reload) runs too: Textual calls both
        self.show_roll(self.app.roll_progress)  # type: ignore[attr-defined]

    def action_roll(self) -> None:
        self.app.roll_horizons()  # type: ignore[attr-defined]

    def show_roll(self, progress: tuple[int, int] | None) -> None:
        """The progress bar of a running roll: (done, total) series, or None: hidden."""
        bar = self.query_one("#progress", ProgressBar)
        bar.set_class(progress is None, "-hidden")
        if progress is not None:
            done, total = progress
            bar.update(total=total or None, progress=done)
