"""Rename a hub or change its time zone, in the desk and with ``hub edit``,
with what it touches said first."""

from __future__ import annotations

import json

from textual.widgets import Input, Static

from schedtui.cli.main import main
from schedtui.services import hubs
from schedtui.tui.screens.hub_form import HubForm
from tests.tui.conftest import settle, until


async def test_the_desk_shows_the_impact_then_saves(seeded, make_app, desk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")  # the first hub: Platform team
        await settle(pilot)
        form = app.screen
        assert isinstance(form, HubForm) and app.focused.id == "name"
        form.query_one("#timezone", Input).value = "Europe/Lisbon"
        await until(pilot, lambda: "Lisbon" in str(form.query_one("#impact", Static).render()),
                    what="the impact of the new zone")
        await settle(pilot)
        impact = str(form.query_one("#impact", Static).render())
        assert "New series will start in Europe/Lisbon instead of America/New_York." in impact
        assert "2 series keep their own zone and times: Product webinar " \
            "(America/New_York); Weekly standup (America/New_York)." in impact
        form.query_one("#timezone", Input).value = "Mars/Olympus"
        await until(pilot, lambda: "Mars" in str(form.query_one("#impact", Static).render()),
                    what="the refusal of the zone")
        await settle(pilot)
        assert "Mars/Olympus" in str(form.query_one("#impact", Static).render())
        form.query_one("#timezone", Input).value = "Europe/Lisbon"
        form.query_one("#name", Input).value = "Platform"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.told[-1] == "Hub Platform saved (Europe/Lisbon)."
    hub = hubs.get_hub(desk_store, seeded.hub_id)
    assert (hub.name, hub.timezone) == ("Platform", "Europe/Lisbon")


def test_hub_edit_on_the_command_line(seeded, desk_store, capsys):
    db = str(desk_store.engine.url.database)
    assert main(["--db", db, "hub", "edit", str(seeded.hub_id), "--timezone", "Asia/Tokyo",
                 "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "New series will start in Asia/Tokyo instead of America/New_York." in out
    assert hubs.get_hub(desk_store, seeded.hub_id).timezone == "America/New_York"
    assert main(["--db", db, "hub", "edit", str(seeded.hub_id), "--name", "Ops",
                 "--timezone", "Asia/Tokyo", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["timezone"] == "Asia/Tokyo"
    assert hubs.get_hub(desk_store, seeded.hub_id).name == "Ops"
    assert main(["--db", db, "hub", "edit", str(seeded.hub_id)]) == 1
    assert "Give --name, --timezone, --region or several." in capsys.readouterr().err
