"""Reads in workers (``tui/calls.py``): a newer load of a screen replaces an
older one, and the older one's result never lands after the newer one's, even
when its worker had already finished when the newer one started."""

from __future__ import annotations

import asyncio

from tests.tui.conftest import settle


async def test_a_load_replaced_after_its_worker_finished_delivers_nothing(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        shown: list[str] = []
        real = app.call_from_thread
        raced = []

        def call_from_thread(callback, *args, **kwargs):
            # The first load's worker is done and hands its result to the UI
            # thread; before that runs, the person's next key starts a newer load.
            if not raced:
                raced.append(True)
                real(lambda: screen.load(lambda: "newer", shown.append))
            return real(callback, *args, **kwargs)

        app.call_from_thread = call_from_thread
        try:
            screen.load(lambda: "older", shown.append)
            for _ in range(5):  # both workers end (the older one cancelled), results land
                await asyncio.gather(*(w.wait() for w in list(app.workers)),
                                     return_exceptions=True)
                await pilot.pause()
        finally:
            app.call_from_thread = real
        assert shown == ["newer"]  # the older result, delivered after, is dropped


async def test_the_series_form_shows_a_preview_under_the_rule_it_was_worked_out_for(
        make_app, seeded, monkeypatch):
    """A preview that arrives after the rule was typed over shows the rule it
    was worked out for beside its dates, not the rule typed since."""
    import threading

    from textual.widgets import Input

    from schedtui.services import series
    from tests.tui.conftest import series_form, until

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await series_form(pilot, seeded.hub_id)
        await until(pilot, lambda: "Next 10" in form.plan_text.plain, what="the first preview")
        release, real = threading.Event(), series.preview

        def held(**kwargs):
            release.wait(10)
            return real(**kwargs)

        monkeypatch.setattr(series, "preview", held)
        form.query_one("#rrule", Input).value = "FREQ=DAILY;COUNT=3"  # previewed, held back
        await until(pilot, lambda: any(w.is_running for w in app.workers), what="the read")
        monkeypatch.setattr(series, "preview", real)
        monkeypatch.setattr(form, "_schedule_preview", lambda: None)  # its own comes later
        form.query_one("#rrule", Input).value = "FREQ=MONTHLY;COUNT=2"  # typed over
        await pilot.pause()
        release.set()  # the daily preview arrives, the monthly one not yet asked for
        await until(pilot, lambda: "Every day" in form.plan_text.plain, what="the held one")
        reading = form.plan_text.plain.split("\n")[1]
        assert "DAILY" in reading and "MONTHLY" not in reading  # its own rule beside it
