"""Money where the organizer looks: a registration's payments from the attendee
list ($), the series' revenue under the attendee list and per ticket type on
the ticket types screen, and archiving a series with paid seats to come."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from schedtui.services import occurrences, payments, registrations, series, tickets
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.confirm import ConfirmScreen
from schedtui.tui.screens.series_list import SeriesScreen
from schedtui.tui.screens.tickets import PaymentsScreen, TicketsScreen
from tests.tui.conftest import settle


def rows(table: DataTable) -> list[list[str]]:
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


def paid_standup(store, seeded):
    standard = tickets.add_ticket(store, seeded.standup_id, name="Standard", price="10")
    reduced = tickets.add_ticket(store, seeded.standup_id, name="Reduced", price="6")
    ana = registrations.register(store, seeded.standup_id, email="ana@example.org",
                                 name="Ana", ticket_id=standard.id, seats=2)
    payments.pay(store, ana.id, "15", method="card", reference="INV-7")
    payments.pay(store, ana.id, "5", method="cash")
    payments.refund(store, ana.id, "2.50", method="transfer")
    bo = registrations.register(store, seeded.standup_id, email="bo@example.org", name="Bo",
                                ticket_id=reduced.id)
    return standard, reduced, ana, bo


async def test_a_registrations_payments_from_the_attendee_list(seeded, make_app, desk_store):
    _, _, ana, bo = paid_standup(desk_store, seeded)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=seeded.standup_id, title="Standup"))
        await settle(pilot)
        screen = app.screen
        assert screen.current_item().id == ana.id
        await pilot.press("$")
        await settle(pilot)
        shown = app.screen
        assert isinstance(shown, PaymentsScreen)
        assert [r[1:4] for r in rows(shown.query_one("#payments", DataTable))] == [
            ["payment", "15.00 EUR", "card"], ["payment", "5.00 EUR", "cash"],
            ["refund", "2.50 EUR", "transfer"]]
        assert rows(shown.query_one("#payments", DataTable))[0][4] == "INV-7"
        facts = str(shown.query_one("#payments-facts", Static).render())
        assert "Due 20.00 EUR" in facts and "paid 17.50" in facts and "refunded 2.50" in facts
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("down")  # Bo has paid nothing yet: the list says so
        await settle(pilot)
        assert screen.current_item().id == bo.id
        await pilot.press("$")
        await settle(pilot)
        assert isinstance(app.screen, PaymentsScreen)
        assert app.screen.query_one("#payments", DataTable).row_count == 0
        assert "No payment recorded" in str(app.screen.query_one("#payments-empty",
                                                                  Static).render())


async def test_no_payments_on_a_free_registration(seeded, make_app, desk_store):
    registrations.register(desk_store, seeded.standup_id, email="cy@example.org", name="Cy")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=seeded.standup_id, title="Standup"))
        await settle(pilot)
        screen = app.screen
        await pilot.press("$")
        await settle(pilot)
        assert app.screen is screen
        assert "paid" not in str(screen.query_one("#counts", Static).render())


async def test_the_revenue_under_the_list_and_per_ticket(seeded, make_app, desk_store):
    paid_standup(desk_store, seeded)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=seeded.standup_id, title="Standup"))
        await settle(pilot)
        counts = str(app.screen.query_one("#counts", Static).render())
        assert "paid 17.50 of 26.00 EUR" in counts
        await app.push_screen(TicketsScreen(seeded.standup_id, "Weekly standup"))
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#list", DataTable)
        assert [c.label.plain for c in table.columns.values()][5:8] == [
            "Paid", "To pay", "Refund due"]
        assert [r[0] + ":" + ",".join(r[5:8]) for r in rows(table)] == [
            "Standard:17.50,2.50,0.00", "Reduced:0.00,6.00,0.00"]
        line = str(screen.query_one("#counts", Static).render())
        assert "Revenue: sold 26.00 · paid 17.50 · to pay 8.50 · refunded 2.50 EUR" in line
        payments.pay(desk_store, registrations.list_registrations(
            desk_store, series_id=seeded.standup_id)[1].id, "6")
        screen.reload()
        await settle(pilot)
        assert rows(table)[1][5:7] == ["6.00", "0.00"]


async def test_archiving_with_paid_seats_to_come_asks_and_owes_the_refund(seeded, make_app,
                                                                         desk_store):
    _, _, ana, _ = paid_standup(desk_store, seeded)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.push_screen(SeriesScreen(seeded.hub_id, "Platform team"))
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#list", DataTable)
        table.move_cursor(row=[str(getattr(r, "value", r)) for r in table.rows].index(
            str(seeded.standup_id)))
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen)  # asked again, naming who paid
        text = str(question.query_one("#confirm-message", Static).render())
        assert "Ana (17.50 EUR" in text and "refund due" in text
        assert series.get_series(desk_store, seeded.standup_id).status == "published"
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert series.get_series(desk_store, seeded.standup_id).status == "archived"
        assert {o.status for o in occurrences.list_occurrences(
            desk_store, seeded.standup_id)} == {"cancelled"}
        assert registrations.get_registration(desk_store, ana.id).refund_due == "17.50"
