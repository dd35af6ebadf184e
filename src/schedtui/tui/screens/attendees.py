"""Attendee list of an occurrence or a series (needs the registrations service)."""

from __future__ import annotations

from textual.app import App


def open_attendees(app: App, *, series_id: int, occurrence_id: int | None = None,
                   title: str = "", filter_text: str = "") -> None:
    try:
        from schedtui.services import registrations  # noqa: F401
    except ImportError:
        app.notify("Attendee lists need the registrations service, which is not "
                   "available yet.", severity="warning")
        return
    from schedtui.tui.screens.attendee_list import AttendeesScreen

    app.push_screen(AttendeesScreen(series_id=series_id, occurrence_id=occurrence_id,
                                    title=title, filter_text=filter_text))
