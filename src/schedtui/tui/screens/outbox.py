"""Outbox: the notices waiting to go out, readable."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Header, Static

from schedtui.tui.widgets.footer import DeskFooter
from schedtui.tui.format import plain, when
from schedtui.tui.screens.listing import ListScreen


class OutboxScreen(ListScreen):
    """Notices in a list; the highlighted one is shown in full beside it."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Outbox", classes="screen-title", id="title")
        with Horizontal(id="outbox"):
            table = DataTable(id="list", cursor_type="row", zebra_stripes=True)
            table.add_columns("Queued", "To", "Subject")
            yield table
            with VerticalScroll(id="notice-box"):
                yield Static("", id="notice")
        yield self.filter_input()
        yield DeskFooter()

    def reload(self) -> None:
        try:
            from schedtui.services import outbox
        except ImportError:
            self.query_one("#notice", Static).update(
                "The outbox needs the notices service, which is not available yet.")
            return
        self.load(lambda: outbox.list_notices(self.store), self.show_items)

    def row(self, notice) -> tuple[int, list]:
        return notice.id, [when(notice.created_at, weekday=False), plain(notice.to_email),
                           plain(notice.subject)]

    def match_text(self, notice) -> str:
        return f"{notice.to_email} {notice.to_name} {notice.subject} {notice.kind}"

    def after_rows(self, shown: int) -> None:
        self.query_one("#title", Static).update(f"Outbox: {len(self.items)} notices waiting")
        self._show_notice()

    @on(DataTable.RowHighlighted, "#list")
    def _show_notice(self) -> None:
        notice = self.current_item()
        box = self.query_one("#notice", Static)
        if notice is None:
            box.update(Text("Nothing waiting.", "dim"))
            return
        text = Text(f"To: {notice.to_name} <{notice.to_email}>\n", "bold")
        text.append(f"Subject: {notice.subject}\n", "bold")
        text.append(f"Kind: {notice.kind}   Queued: {notice.created_at}\n\n", "dim")
        text.append(notice.body)
        box.update(text)
