"""The blackout list of a hub in the desk: add days (asking first where people
hold seats in sessions on them), remove them (what was cancelled comes back),
import public holidays (bad countries and subdivisions refused in the form)."""

from __future__ import annotations

from textual.widgets import Input, Static

from schedtui.services import blackouts, occurrences
from schedtui.tui.screens.blackouts import BlackoutForm, BlackoutsScreen, HolidaysForm
from schedtui.tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import rich_world, seed, series_form, settle


async def open_list(app, pilot) -> BlackoutsScreen:
    await settle(pilot)
    await pilot.press("b")  # on the first hub, Platform team
    await settle(pilot)
    assert isinstance(app.screen, BlackoutsScreen)
    return app.screen


async def fill(app, pilot, **values: str) -> None:
    for name, value in values.items():
        app.screen.query_one(f"#{name}", Input).value = value
    await pilot.pause()
    await pilot.press("ctrl+s")
    await settle(pilot)


def statuses(store, series_id: int) -> list[str]:
    return [o.status for o in occurrences.list_occurrences(store, series_id)]


async def test_days_over_held_seats_ask_first_then_removal_restores(desk_store, make_app):
    world = rich_world(desk_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        assert "No blackouts" in str(screen.query_one("#detail", Static).render())
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, BlackoutForm)
        await fill(app, pilot, **{"from": "2025-03-17", "reason": "Spring closure"})
        assert isinstance(app.screen, ConfirmScreen)  # people hold seats on the 17th
        question = app.screen.message.plain
        assert "(Weekly standup, Mon 17 Mar 2025 10:00 America/New_York)" in question
        assert "will be told" in question
        assert statuses(desk_store, world.standup_id)[2] == "scheduled"  # nothing yet
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert "Blacked out 2025-03-17 (Spring closure). 1 occurrence cancelled, 0 moved." \
            in app.told
        assert statuses(desk_store, world.standup_id)[2] == "cancelled"
        row = screen.table.get_row_at(0)
        assert [str(c) for c in row[:2]] == ["2025-03-17", "1"] and str(row[3]) == "1"
        assert "cancelled occurrences" in str(screen.query_one("#detail", Static).render())
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "restored" in app.screen.message.plain
        await pilot.press("y")
        await settle(pilot)
        assert statuses(desk_store, world.standup_id)[2] == "scheduled"
        assert blackouts.list_blackouts(desk_store, world.hub_id) == []
        assert screen.table.row_count == 0
        assert any("1 occurrence restored" in t for t in app.told)


async def test_saying_no_changes_nothing_and_empty_days_need_no_question(desk_store,
                                                                      make_app):
    world = rich_world(desk_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        await pilot.press("n")
        await settle(pilot)
        await fill(app, pilot, **{"from": "NaN"})  # refused in the form, not a crash
        assert isinstance(app.screen, BlackoutForm) and app.is_running
        assert 'From "NaN" is not a date' in str(
            app.screen.query_one("#form-error", Static).render())
        await fill(app, pilot, **{"from": "2025-03-17", "to": "2025-03-10"})
        assert isinstance(app.screen, BlackoutForm)  # backwards: refused in the form
        assert "before it starts" in str(app.screen.query_one("#form-error", Static).render())
        await fill(app, pilot, **{"from": "2025-03-10", "to": "2025-03-17"})
        await pilot.press("n")  # the question: no
        await settle(pilot)
        assert isinstance(app.screen, BlackoutForm)
        await pilot.press("escape")
        await settle(pilot)
        assert blackouts.list_blackouts(desk_store, world.hub_id) == []
        # a day whose only session (the webinar's) nobody booked: no question
        await pilot.press("n")
        await settle(pilot)
        await fill(app, pilot, **{"from": "2025-05-06"})
        assert app.screen is screen
        assert statuses(desk_store, world.webinar_id)[2] == "cancelled"
        assert screen.table.row_count == 1


async def test_public_holidays_with_clear_errors(desk_store, make_app):
    world = seed(desk_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HolidaysForm)
        await fill(app, pilot, country="XX")
        error = app.screen.query_one("#form-error", Static)
        assert 'Unknown country "XX"' in str(error.render())
        await fill(app, pilot, country="de", subdiv="ZZ")
        assert 'Unknown subdivision "ZZ" of DE' in str(error.render())
        await fill(app, pilot, country="US", subdiv="", years="2025 20x5")
        assert "Year" in str(error.render())
        await fill(app, pilot, country="US", years="2025")
        assert app.screen is screen
        made = blackouts.list_blackouts(desk_store, world.hub_id)
        assert len(made) >= 10 and "Independence Day" in {b.reason for b in made}
        assert f"{len(made)} public holidays added as blackouts. No session was on those " \
            "days." in app.told
        assert screen.table.row_count == len(made)


async def test_the_series_form_shows_and_saves_what_blackout_days_do(seeded, make_app,
                                                                     desk_store):
    """The form's preview applies the hub's blackout days with the policy chosen
    (the next sessions as they will be planned, and a line saying what the days
    did), and the policy is saved with the series."""
    import asyncio
    import re
    from datetime import date

    from textual.widgets import Select

    from schedtui.services import series
    from schedtui.tui.screens.series_form import SeriesForm

    blackouts.add_blackout(desk_store, seeded.hub_id, date(2025, 3, 17), reason="Closed",
                           confirm=True)  # a Monday

    async def preview_of(form, policy: str) -> tuple[list[str], str]:
        form.query_one("#on-blackout", Select).value = policy
        for _ in range(150):  # the preview waits for typing to pause, then reads
            await asyncio.sleep(0.1)
            await settle(pilot)
            plain = form.plan_text.plain
            if re.findall(r"\d{4}-\d\d-\d\d", plain)[:1] == ["2025-03-10"] \
                    and form.shown_policy == policy:
                break  # the typed start, previewed with this policy
        plain = form.plan_text.plain
        return re.findall(r"\d{4}-\d\d-\d\d", plain), plain

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await series_form(pilot, seeded.hub_id)
        for name, value in {"name": "Drop-in", "start": "2025-03-10", "times": "11:00"}.items():
            form.query_one(f"#{name}", Input).value = value
        days, plain = await preview_of(form, "skip")
        assert days[:3] == ["2025-03-10", "2025-03-24", "2025-03-31"]
        assert "1 on the hub's blackout days: skipped" in plain
        days, plain = await preview_of(form, "shift")
        assert days[:3] == ["2025-03-10", "2025-03-18", "2025-03-24"]
        assert "moved to the next free day" in plain
        days, plain = await preview_of(form, "ignore")
        assert days[:3] == ["2025-03-10", "2025-03-17", "2025-03-24"]
        assert "blackout" not in plain
        await preview_of(form, "shift")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SeriesForm)
    made = next(s for s in series.list_series(desk_store) if s.name == "Drop-in")
    assert made.on_blackout == "shift"
    starts = [o.start[:10] for o in occurrences.list_occurrences(desk_store, made.id)]
    assert starts[:3] == ["2025-03-10", "2025-03-18", "2025-03-24"]
