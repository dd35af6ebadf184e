"""Tickets and money in the desk: the ticket types screen from the series list
(add, edit, archive), the register form's ticket, pay and refund from the
attendee list, and the cancel question that says whether it is late and what
is owed back."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static

from schedtui.services import occurrences, payments, registrations, series, tickets
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.confirm import ConfirmScreen
from schedtui.tui.screens.register_forms import RegisterForm
from schedtui.tui.screens.series_list import SeriesScreen
from schedtui.tui.screens.tickets import PaymentForm, TicketForm, TicketsScreen
from tests.tui.conftest import NOW, settle


def cells(table: DataTable, index: int) -> list[str]:
    return [str(getattr(c, "plain", c)) for c in
            (table.get_row_at(i)[index] for i in range(table.row_count))]


async def test_ticket_types_from_the_series_list(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(SeriesScreen(seeded.hub_id, "Platform team"))
        await settle(pilot)
        await pilot.press("t")  # the cursor is on the first series by name: the webinar
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketsScreen) and screen.series_id == seeded.webinar_id
        assert "registrations are free" in str(screen.query_one("#counts", Static).render())
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TicketForm)
        form.query_one("#name", Input).value = "Standard"
        form.query_one("#price", Input).value = "12.345"
        form.query_one("#quantity", Input).value = "5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # refused in words, what was typed kept
        assert "more decimals" in str(form.query_one("#form-error", Static).render())
        form.query_one("#price", Input).value = "12.50"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert cells(screen.table, 0) == ["Standard"]
        assert cells(screen.table, 1) == ["12.50 EUR"]
        sold = tickets.list_tickets(desk_store, seeded.webinar_id)
        assert [(t.name, t.price, t.quantity) for t in sold] == [("Standard", "12.50", 5)]
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, TicketForm)
        app.screen.query_one("#price", Input).value = "15"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert tickets.get_ticket(desk_store, sold[0].id).price == "15.00"
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert tickets.get_ticket(desk_store, sold[0].id).archived
        assert cells(screen.table, 0) == ["Standard (archived)"]


async def test_register_with_a_ticket_pay_and_refund(seeded, make_app, desk_store):
    standard = tickets.add_ticket(desk_store, seeded.standup_id, name="Standard", price="10")
    reduced = tickets.add_ticket(desk_store, seeded.standup_id, name="Reduced", price="6")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=seeded.standup_id, title="Standup"))
        await settle(pilot)
        screen = app.screen
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegisterForm)
        pick = form.query_one("#ticket", Select)
        assert pick.display and pick.value == standard.id
        pick.value = reduced.id
        form.query_one("#name", Input).value = "Ana"
        form.query_one("#email", Input).value = "ana@example.org"
        form.query_one("#seats", Input).value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        reg = registrations.list_registrations(desk_store, series_id=seeded.standup_id)[0]
        assert (reg.ticket["id"], reg.amount_due, reg.payment_status) == \
            (reduced.id, "12.00", "unpaid")
        assert cells(screen.table, 3) == ["confirmed · unpaid"]
        await pilot.press("m")
        await settle(pilot)
        pay = app.screen
        assert isinstance(pay, PaymentForm)
        pay.query_one("#amount", Input).value = "20"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is pay and "is more" in str(pay.query_one("#form-error",
                                                                    Static).render())
        pay.query_one("#amount", Input).value = "12"
        pay.query_one("#method", Select).value = "card"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert registrations.get_registration(desk_store, reg.id).payment_status == "paid"
        assert cells(screen.table, 3) == ["confirmed · paid"]
        assert [p.method for p in payments.list_payments(desk_store, reg.id)] == ["card"]
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PaymentForm)
        app.screen.query_one("#amount", Input).value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        after = registrations.get_registration(desk_store, reg.id)
        assert (after.paid, after.refunded) == ("10.00", "2.00")
        assert any("Refund recorded for Ana" in m for m in app.told)


async def test_pay_is_not_offered_on_a_free_registration(seeded, make_app, desk_store):
    registrations.register(desk_store, seeded.standup_id, email="bo@example.org", name="Bo")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=seeded.standup_id, title="Standup"))
        await settle(pilot)
        screen = app.screen
        assert cells(screen.table, 3) == ["confirmed"]
        await pilot.press("m")
        await settle(pilot)
        assert app.screen is screen  # nothing to pay: no form


async def _cancel_question(app, pilot, series_id) -> str:
    await app.push_screen(AttendeesScreen(series_id=series_id, title="Standup"))
    await settle(pilot)
    await pilot.press("x")
    await settle(pilot)
    assert isinstance(app.screen, ConfirmScreen)
    return str(app.screen.query_one("#confirm-message", Static).render())


async def test_the_cancel_question_says_in_time_and_what_is_owed(seeded, make_app,
                                                               desk_store):
    # the first session is 3 hours away: refundable until its start
    series.edit_series(desk_store, seeded.standup_id, refundable_hours=0)
    ticket = tickets.add_ticket(desk_store, seeded.standup_id, name="Standard", price="10")
    reg = registrations.register(desk_store, seeded.standup_id, email="ana@example.org",
                                 name="Ana", ticket_id=ticket.id)
    payments.pay(desk_store, reg.id, "10")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        question = await _cancel_question(app, pilot, seeded.standup_id)
        assert "In time" in question and "10.00 EUR would be owed back" in question
        await pilot.press("y")
        await settle(pilot)
        assert registrations.get_registration(desk_store, reg.id).refund_due == "10.00"
        assert any("Refund due: 10.00 EUR" in m for m in app.told)


async def test_the_cancel_question_says_late(seeded, make_app, desk_store):
    ticket = tickets.add_ticket(desk_store, seeded.standup_id, name="Standard", price="10")
    reg = registrations.register(desk_store, seeded.standup_id, email="ana@example.org",
                                 name="Ana", ticket_id=ticket.id)
    payments.pay(desk_store, reg.id, "10")
    # the first session (Monday 3 March, 10:00 in New York, 15:00 UTC) is 3 hours away,
    # inside the default 24 hours
    first = occurrences.list_occurrences(desk_store, seeded.standup_id)[0]
    assert first.start_utc == "2025-03-03T15:00:00Z" and NOW.hour == 12
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        question = await _cancel_question(app, pilot, seeded.standup_id)
        assert "Late cancellation" in question and "nothing is owed back" in question
        await pilot.press("y")
        await settle(pilot)
    done = registrations.get_registration(desk_store, reg.id)
    assert (done.status, done.late, done.refund_due) == ("cancelled", True, "0.00")


async def test_the_series_form_sets_the_refundable_hours(seeded, make_app, desk_store):
    from schedtui.tui.screens.series_form import SeriesForm

    view = series.get_series(desk_store, seeded.standup_id)
    assert view.refundable_hours == 24
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = SeriesForm(hub_id=seeded.hub_id, existing=view)
        await app.push_screen(form)
        await settle(pilot)
        form.query_one("#refundable", Input).value = "-1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "Refundable" in str(
            form.query_one("#form-error", Static).render())
        form.query_one("#refundable", Input).value = "72"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    assert series.get_series(desk_store, seeded.standup_id).refundable_hours == 72
