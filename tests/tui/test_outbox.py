"""The outbox screen: export the waiting notices as .eml files, mark notices sent."""

from __future__ import annotations

from email import message_from_bytes

from textual.widgets import Input

from schedtui.services import outbox, registrations
from schedtui.tui.screens.confirm import ConfirmScreen
from schedtui.tui.screens.interop import PathPrompt, ReportScreen
from schedtui.tui.screens.outbox import OutboxScreen
from tests.tui.conftest import settle


def people(store, seeded, n: int = 3) -> None:
    for i in range(n):
        registrations.register(store, seeded.standup_id, email=f"p{i}@example.org",
                               name=f"Person {i}")


async def open_outbox(app, pilot) -> OutboxScreen:
    await settle(pilot)
    await pilot.press("o")
    await settle(pilot)
    assert isinstance(app.screen, OutboxScreen)
    return app.screen


async def test_export_writes_eml_files_and_empties_the_outbox(seeded, make_app, desk_store,
                                                               tmp_path):
    people(desk_store, seeded)
    waiting = outbox.list_notices(desk_store)
    assert len(waiting) == 3
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_outbox(app, pilot)
        assert screen.table.row_count == 3
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, PathPrompt)
        app.screen.query_one("#path", Input).value = str(tmp_path / "mail")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        assert "3 notices written" in str(app.screen.query_one("#report").render())
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.table.row_count == 0
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert [f.name for f in files] == [f"notice-{n.id}.eml" for n in waiting]
    mail = message_from_bytes(files[0].read_bytes())
    assert mail["To"].endswith("<p0@example.org>")
    assert outbox.list_notices(desk_store) == []


async def test_mark_one_sent_then_all_after_a_question(seeded, make_app, desk_store):
    people(desk_store, seeded)
    first = outbox.list_notices(desk_store)[0]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_outbox(app, pilot)
        await pilot.press("m")
        await settle(pilot)
        assert app.told[-1] == "Notice to Person 0 marked sent."
        assert [n.id for n in outbox.list_notices(desk_store)] == [first.id + 1, first.id + 2]
        assert screen.table.row_count == 2
        await pilot.press("M")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "Person 1, Person 2" in str(question.query_one("#confirm-message").render())
        await pilot.press("y")
        await settle(pilot)
        assert app.told[-1] == "2 notices marked sent."
        assert outbox.list_notices(desk_store) == []
        every = outbox.list_notices(desk_store, include_exported=True)
        assert [(n.state, n.reply) for n in every] == [("sent", "marked sent by hand")] * 3
