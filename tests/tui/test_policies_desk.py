"""The policies in the desk: the series form's "does not repeat", contact,
privacy and reminders; the register form's phone when the series asks for
one; the hub form's region; private series marked; reminders' due time."""

from __future__ import annotations

from datetime import date, time

from textual.widgets import Input, Select

from schedtui.services import hubs, outbox, registrations, series
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.hub_form import HubForm
from schedtui.tui.screens.outbox import OutboxScreen
from schedtui.tui.screens.register_forms import RegisterForm
from schedtui.tui.screens.series_form import SeriesForm
from schedtui.tui.screens.series_list import SeriesScreen
from tests.tui.conftest import series_form, settle, until
from tests.tui.test_forms import error_text


async def test_a_one_off_event_private_with_reminders_from_the_series_form(seeded, make_app,
                                                                            desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await series_form(pilot, seeded.hub_id)
        form.query_one("#name", Input).value = "Open day"
        form.query_one("#start", Input).value = "2025-03-20"
        form.query_one("#times", Input).value = "10:00"
        form.query_one("#freq", Select).value = "NONE"  # does not repeat
        form.query_one("#private", Select).value = True
        form.query_one("#contact", Select).value = "email_and_phone"
        form.query_one("#remind", Input).value = "24h, 1h"
        await until(pilot, lambda: form.query_one("#rrule", Input).value == series.EVENT_RULE,
                    what="the rule of a one-off")
        assert form.query_one("#rrule", Input).value == series.EVENT_RULE
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SeriesForm), error_text(form)
        made = [s for s in series.list_series(desk_store) if s.name == "Open day"]
        assert len(made) == 1
        view = made[0]
        assert (view.kind, view.rrule, view.occurrence_count, view.private, view.contact,
                view.remind) == ("event", None, 1, True, "email_and_phone", ["1d", "1h"])
        # the series list marks it private
        screen = app.screen
        assert isinstance(screen, SeriesScreen)
        await settle(pilot)
        rows = [screen.row(v)[1][0].plain for v in screen.items]
        assert "Open day (private)" in rows and "Weekly standup" in rows


async def test_editing_an_event_in_the_form_keeps_it_an_event(seeded, make_app, desk_store):
    from schedtui.services import events

    view = events.create_event(desk_store, hub_id=seeded.hub_id, name="Gala",
                               start=date(2025, 3, 20), start_time=time(19),
                               duration_minutes=120)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(SeriesForm(hub_id=seeded.hub_id, existing=view))
        await settle(pilot)
        form = app.screen
        assert form.query_one("#freq", Select).value == "NONE"
        form.query_one("#duration", Input).value = "90"
        form.query_one("#location", Input).value = "Ballroom"
        await pilot.pause(0.3)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SeriesForm), error_text(form)
    after = series.get_series(desk_store, view.id)
    assert (after.kind, after.duration_minutes, after.location) == ("event", 90, "Ballroom")


async def test_the_register_form_asks_for_a_phone_when_the_series_needs_it(seeded, make_app,
                                                                           desk_store):
    hubs.rename_hub(desk_store, seeded.hub_id, region="US")
    phones = series.create_series(
        desk_store, hub_id=seeded.hub_id, name="Phone class", start=date(2025, 3, 4),
        rrule="FREQ=DAILY;COUNT=3", times=[(time(9), None)], duration_minutes=30,
        contact="email_and_phone")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=seeded.standup_id,
                                              title="Weekly standup"))
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        plain = app.screen
        assert isinstance(plain, RegisterForm)
        assert not plain.query_one("#phone", Input).display  # the standup asks for none
        await pilot.press("escape")
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=phones.id, title="Phone class"))
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegisterForm)
        assert form.query_one("#phone", Input).display
        form.query_one("#name", Input).value = "Ana"
        form.query_one("#email", Input).value = "ana@example.org"
        form.query_one("#phone", Input).value = "abc"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and '"abc" is not a phone number' in error_text(form)
        form.query_one("#phone", Input).value = "(650) 253-0000"  # the hub's region: US
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    (made,) = registrations.list_registrations(desk_store, series_id=phones.id)
    assert made.phone == "+16502530000"


async def test_the_hub_form_sets_the_region(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, HubForm)
        form.query_one("#region", Input).value = "Germany"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "region" in error_text(form)
        form.query_one("#region", Input).value = "de"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    assert hubs.get_hub(desk_store, seeded.hub_id).region == "DE"


async def test_the_outbox_shows_when_a_reminder_is_due(seeded, make_app, desk_store):
    series.edit_series(desk_store, seeded.standup_id, remind="1h")
    registrations.register(desk_store, seeded.standup_id, email="ana@example.org", name="Ana")
    due = sorted(n.due_at for n in outbox.list_notices(desk_store) if n.kind == "reminder")
    # 9:00 in New York, before and after its clock change (9 March)
    assert due[:2] == ["2025-03-03T14:00:00Z", "2025-03-10T13:00:00Z"]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OutboxScreen)
        states = [str(screen.row(n)[1][1]) for n in screen.items]
        assert states[0] == "waiting"  # the confirmation
        assert states[1] == "due 2025-03-03 14:00"  # in UTC, as the list's other times
