"""The outbox screen sends: ``s`` hands the waiting notices to a real SMTP
server on 127.0.0.1 in a worker, with a progress bar, and shows each state."""

from __future__ import annotations

import pytest
from textual.widgets import ProgressBar, Static

from schedtui.services import outbox, registrations
from schedtui.tui.screens.outbox import OutboxScreen
from tests.mailserver import free_port, no_mail_settings
from tests.tui.conftest import settle


@pytest.fixture(autouse=True)
def mail_env(tmp_path, monkeypatch):
    no_mail_settings(monkeypatch, tmp_path / "no-config.toml")


async def test_s_sends_the_waiting_notices_and_shows_their_states(seeded, make_app, desk_store,
                                                                   server, monkeypatch):
    for n in range(3):
        registrations.register(desk_store, seeded.standup_id, email=f"p{n}@example.org",
                               name=f"P{n}")
    server.handler.rcpt_replies["p1@example.org"] = ["451 4.3.0 Try again later"]
    monkeypatch.setenv("SCHEDTUI_SMTP_URL", server.url())
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OutboxScreen) and screen.table.row_count == 3
        await pilot.press("s")
        await settle(pilot)
        assert len(server.received) == 2
        assert "2 sent, 1 failed, 1 waiting." in app.told
        bar = screen.query_one("#send-progress", ProgressBar)
        assert bar.has_class("-hidden") and (bar.progress, bar.total) == (3, 3)
        assert screen.table.row_count == 1  # the sent ones are out of the list
        assert str(screen.table.get_row_at(0)[1]) == "failed"
        body = str(screen.query_one("#notice", Static).render())
        assert "State: failed, next try 2025-03-03 12:01 UTC" in body
        assert "Server: 451 4.3.0 Try again later" in body and "Tries: 1" in body
    assert [n.state for n in outbox.list_notices(desk_store)] == ["failed"]


async def test_an_unreachable_server_is_told_and_changes_nothing(seeded, make_app, desk_store,
                                                                  monkeypatch):
    registrations.register(desk_store, seeded.standup_id, email="q@example.org", name="Q")
    monkeypatch.setenv("SCHEDTUI_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert any("Cannot reach the mail server" in m for m in app.told)
        assert app.screen.table.row_count == 1 and app.is_running
        assert str(app.screen.table.get_row_at(0)[1]) == "waiting"
    assert [n.state for n in outbox.list_notices(desk_store)] == ["waiting"]
