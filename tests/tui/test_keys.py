"""Keys a person can find: the footer follows the focus and the row under the
cursor, q and ? are never cut off, ? lists every key in full, ctrl+p offers the
screen's actions."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable

from schedtui.services import occurrences, registrations
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.calendar import CalendarScreen
from schedtui.tui.screens.help import HelpScreen, declared, key_rows
from schedtui.tui.screens.hubs import HubsScreen
from schedtui.tui.screens.outbox import OutboxScreen
from schedtui.tui.screens.series_form import SeriesForm
from schedtui.tui.screens.series_list import SeriesScreen
from tests.tui.conftest import settle, until


def footer(app) -> list[str]:
    """The footer's keys as drawn, left to right: ``["q Quit", "? Help", ...]``,
    only those whose whole label is on the screen and that can be used now (not
    greyed)."""
    shown = []
    width = app.screen.region.width
    for key in app.screen.query("FooterKey"):
        if key.region.right <= width and key.region.area and not key.has_class("-disabled"):
            shown.append(" ".join(str(key.render()).split()))
    return shown


def names(app) -> set[str]:
    return {label.split(" ", 1)[1] for label in footer(app) if " " in label}


async def test_the_calendar_footer_offers_restore_on_a_cancelled_occurrence(seeded, make_app,
                                                                            desk_store):
    occs = occurrences.list_occurrences(desk_store, seeded.standup_id)
    occurrences.cancel_occurrence(desk_store, occs[1].id)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(CalendarScreen(seeded.standup_id, "Weekly standup"))
        await settle(pilot)
        assert {"Move", "Cancel"} <= names(app) and "Restore" not in names(app)
        await pilot.press("down")  # a week on: the cancelled one
        await settle(pilot)
        assert "Restore" in names(app)
        assert not {"Move", "Cancel"} & names(app)
        await pilot.press("c")  # not offered: does nothing, asks nothing
        await settle(pilot)
        assert isinstance(app.screen, CalendarScreen)
        await pilot.press("r")
        await settle(pilot)
        assert occurrences.get_occurrence(desk_store, occs[1].id).status == "scheduled"
        assert "Cancel" in names(app) and "Restore" not in names(app)


@pytest.mark.parametrize("screen", ["hubs", "series", "calendar", "attendees", "outbox"])
async def test_quit_and_help_are_never_cut_off_at_80_columns(seeded, make_app, screen):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if screen != "hubs":
            await app.push_screen({
                "series": lambda: SeriesScreen(seeded.hub_id, "Platform team"),
                "calendar": lambda: CalendarScreen(seeded.standup_id, "Weekly standup"),
                "attendees": lambda: AttendeesScreen(series_id=seeded.standup_id),
                "outbox": lambda: OutboxScreen()}[screen]())
            await settle(pilot)
        shown = footer(app)
        assert shown[:2] == ["q Quit", "? Help"], shown


async def test_the_hubs_screen_offers_escape_only_while_filtering(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HubsScreen)
        assert "Back" not in names(app)
        await pilot.press("slash", "P")
        await pilot.press("enter")  # the filter kept, the list focused
        await settle(pilot)
        assert "Back" in names(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "Back" not in names(app)


async def test_the_attendee_footer_follows_the_registration_under_the_cursor(seeded, make_app,
                                                                            desk_store):
    from tests.tui.test_attendees import small_series

    drop = small_series(desk_store, seeded.hub_id, require_approval=True)
    first = occurrences.list_occurrences(desk_store, drop.id)[0]
    registrations.register(desk_store, drop.id, email="ann@example.org", name="Ann",
                           occurrence_ids=[first.id])
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=drop.id, occurrence_id=first.id))
        await settle(pilot)
        assert {"Approve", "Decline"} <= names(app)
        assert "Check in" not in names(app)  # greyed: the seat is not confirmed
        await pilot.press("p")
        await settle(pilot)
        assert not {"Approve", "Decline"} & names(app)
        assert "Check in" in names(app)


async def test_help_gives_every_key_a_full_description_none_cut_at_160(seeded, make_app):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        for opener in (lambda: SeriesScreen(seeded.hub_id, "Platform team"),
                       lambda: CalendarScreen(seeded.standup_id, "Weekly standup"),
                       lambda: AttendeesScreen(series_id=seeded.standup_id)):
            await app.push_screen(opener())
            await settle(pilot)
            screen = app.screen
            rows = key_rows(screen)
            for section, keys, description, tip in rows:
                if section != "Textual":
                    assert len(tip.split()) >= 2, (keys, description, tip)
            await pilot.press("question_mark")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            table = app.screen.query_one("#keys", DataTable)
            widths = sum(column.get_render_width(table) for column in table.columns.values())
            assert widths <= table.region.width, "a column is cut"
            await pilot.press("escape")
            await settle(pilot)


def test_no_desk_key_is_described_by_a_bare_abbreviation():
    from schedtui.tui.app import DeskApp
    from schedtui.tui.screens.attendee_list import AttendeesScreen as A

    for cls in (DeskApp, HubsScreen, SeriesScreen, CalendarScreen, A, OutboxScreen,
                SeriesForm, HelpScreen):
        for klass, binding in declared(cls):
            if klass.__module__.startswith("schedtui."):
                assert binding.tooltip, f"{cls.__name__}: {binding.key} has no description"
                assert not binding.description.endswith(("+", "-")), binding.description


async def test_ctrl_p_offers_the_screens_actions_beside_the_jumps(seeded, make_app,
                                                                  desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(SeriesScreen(seeded.hub_id, "Platform team"))
        await settle(pilot)
        series_screen = app.screen
        commands = [c.title for c in app.get_system_commands(series_screen)]
        assert "New  (n)" in commands and "Export .ics  (X)" in commands
        assert "Archive  (x)" in commands
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"new")
        await settle(pilot)  # the palette's search is a worker: done once it has listed
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SeriesForm),
                    what="the series form the command opens")
        await settle(pilot)
        assert isinstance(app.screen, SeriesForm)


async def test_the_footer_greys_and_lights_its_keys_in_place(seeded, make_app):
    """Selecting an occurrence and unselecting it only lights and greys ``b``:
    the footer's keys stay the widgets they were (Textual's footer mounted
    every key anew), and the palette key keeps its compact look."""
    app = make_app(start="agenda")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        keys = list(app.screen.query("FooterKey"))
        bulk = next(k for k in keys if k.action == "bulk")
        assert bulk.has_class("-disabled") and "Bulk edit" not in names(app)
        await pilot.press("v")  # selected: the bulk edit can be used
        await settle(pilot)
        assert list(app.screen.query("FooterKey")) == keys
        assert not bulk.has_class("-disabled") and "Bulk edit" in names(app)
        await pilot.press("v")
        await settle(pilot)
        assert list(app.screen.query("FooterKey")) == keys
        assert bulk.has_class("-disabled") and "Bulk edit" not in names(app)
        assert all(k.has_class("-compact") == (k.action == "command_palette") for k in keys)
