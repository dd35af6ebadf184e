"""The bulk form: one change to every selected occurrence (``services.bulk``).

Only the fields filled in change (capacity, location, host), or the
occurrences are moved by an offset, or cancelled, or restored: one kind of
change at a time, so that ``u`` undoes it as one step. Before anything is
done, a question names how many occurrences and people it reaches. A
capacity below some occurrence's confirmed seats is refused by the service;
the form then offers to move the newest confirmed seats to the waitlist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from schedtui.domain import parse
from schedtui.domain.errors import DeskError, invalid
from schedtui.tui.screens.form import FormScreen, field

STATUS = [("leave as it is", ""), ("cancel them", "cancel"), ("restore them", "restore")]
ACTION_WORDS = {"set": "Changed", "move": "Moved", "cancel": "Cancelled", "restore": "Restored"}


def parse_offset(value: str) -> int:
    """``+30``, ``-15``, ``+1h``, ``-1h30``, ``90m``: minutes, sign kept."""
    text = value.strip().replace(" ", "").lower()
    found = re.fullmatch(r"([+-]?)(?:(\d{1,4})h(?:(\d{1,2})m?)?|(\d{1,6})(?:m|min)?)", text)
    if not found:
        raise invalid(f'Move by "{value[:20]}": give minutes such as +30 or -15, or hours '
                      "such as +1h or -1h30.", field="offset")
    sign, hours, rest, minutes = found.groups()
    total = int(hours) * 60 + int(rest or 0) if hours is not None else int(minutes)
    if total == 0:
        raise invalid("Move by 0 minutes changes nothing.", field="offset")
    return -total if sign == "-" else total


def done_message(result: Any) -> str:
    count = len(result.occurrences)
    word = ACTION_WORDS.get(result.action, result.action)
    return (f"{word} {count} occurrence{'s' if count != 1 else ''}; {result.people} "
            f"{'person' if result.people == 1 else 'people'} told. u undoes it.")


class BulkForm(FormScreen[Any]):
    """Dismisses with the service's ``BulkResult``, or None."""

    form_title = "Bulk edit"

    def __init__(self, ids: list[int]) -> None:
        super().__init__()
        self.ids = ids
        self.demote = False

    def fields(self) -> ComposeResult:
        count = len(self.ids)
        yield Static(Text(f"{count} occurrence{'s' if count != 1 else ''} selected. Only "
                          "what you fill in changes; one kind of change at a time."))
        yield from field("Capacity", Input("", id="capacity", placeholder="unchanged"),
                         "1..10000 or unlimited")
        yield from field("Location", Input("", id="location", placeholder="unchanged"))
        yield from field("Host", Input("", id="host", placeholder="unchanged"))
        yield from field("Move by", Input("", id="offset", placeholder="e.g. +30 or -1h"),
                         "minutes on each series' own clock")
        yield from field("Status", Select(STATUS, value="", allow_blank=False, id="status"))

    def plan(self) -> tuple[str, Callable[[bool], Any]]:
        """What was asked, in words, and the call (taking ``demote``) that does it."""
        from schedtui.services import bulk

        ids, store = self.ids, self.store
        changes: dict[str, Any] = {}
        if self.value("capacity").strip():
            changes["capacity"] = parse.parse_capacity(self.value("capacity").strip())
        for name in ("location", "host"):
            if self.value(name).strip():
                changes[name] = self.value(name).strip()
        shift = parse_offset(self.value("offset")) if self.value("offset").strip() else None
        status = self.query_one("#status", Select).value
        kinds = [bool(changes), shift is not None, bool(status)]
        if sum(kinds) == 0:
            raise invalid("Nothing to change: fill in a field, a move or a status.")
        if sum(kinds) > 1:
            raise invalid("One kind of change at a time: the fields, a move, or cancel / "
                          "restore (each is undone as one step with u).")
        if status == "cancel":
            return "Cancel", lambda demote: bulk.cancel_occurrences(store, ids)
        if status == "restore":
            return "Restore", lambda demote: bulk.restore_occurrences(store, ids)
        if shift is not None:
            return (f"Move by {shift:+d} minutes",
                    lambda demote: bulk.move_occurrences(store, ids, shift))
        said = ", ".join(f"{k} {'unlimited' if v is None else v}" for k, v in changes.items())
        return f"Set {said} on", lambda demote: bulk.set_occurrences(store, ids, demote=demote,
                                                                     **changes)

    def action_submit(self) -> None:
        from schedtui.services import bulk

        self.clear_error()
        try:
            what, call = self.plan()
        except DeskError as exc:
            self.refused(exc)
            return
        ids = self.ids
        self.load(lambda: bulk.impact(self.store, ids), lambda found: self._ask(what, call, found),
                  self.refused, group="impact")

    def _ask(self, what: str, call: Callable[[bool], Any], found: Any) -> None:
        from schedtui.tui.screens.confirm import ConfirmScreen

        count = found.occurrences
        question = Text(f"{what} {count} occurrence{'s' if count != 1 else ''}?\n\n", "bold")
        question.append(f"{found.people} {'person holds' if found.people == 1 else 'people hold'}"
                        " or await a seat in them and will be told where it concerns them.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(lambda: call(False), self.saved,
                         lambda exc: self._refused_call(exc, call))

        self.app.push_screen(ConfirmScreen("Bulk edit", question, "Apply"), answered)

    def _refused_call(self, exc: DeskError, call: Callable[[bool], Any]) -> None:
        self.refused(exc)
        if exc.code != "capacity_below_booked":
            return
        from schedtui.tui.screens.confirm import ConfirmScreen

        question = Text("Move the newest confirmed seats to the waitlist where the new "
                        "capacity is below them?\n\n", "bold")
        question.append(exc.message)
        question.append("\n\nThe people moved are told; they get a seat back if one frees up.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(lambda: call(True), self.saved, self.refused)

        self.app.push_screen(ConfirmScreen("Capacity below the confirmed seats", question,
                                           "Move them"), answered)
