"""Outbox: the notices waiting to go out, readable."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Header, Static

from schedtui.tui.format import plain, when
from schedtui.tui.screens.listing import ListScreen
from schedtui.tui.widgets.footer import DeskFooter


class OutboxScreen(ListScreen):
    """Notices in a list; the highlighted one is shown in full beside it. They
    leave the outbox as .eml files (``E``) or marked sent (``s``, ``S``)."""

    BINDINGS = [
        Binding("E", "export", "Export .eml", tooltip="Write every waiting notice to a "
                "folder as .eml files (they leave the outbox)", id="outbox.export"),
        Binding("s", "sent", "Mark sent", tooltip="Mark the highlighted notice sent (it "
                "leaves the outbox)", id="outbox.sent"),
        Binding("S", "all_sent", "All sent", show=False, tooltip="Mark every waiting "
                "notice sent (asks first)", id="outbox.all_sent"),
    ]

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Export and mark sent only with notices waiting (greyed otherwise)."""
        if action == "sent":
            return True if self.current_item() is not None else None
        if action in ("export", "all_sent"):
            return True if self.items else None
        return super().check_action(action, parameters)

    def action_export(self) -> None:
        from schedtui.services import outbox
        from schedtui.tui.screens.interop import default_path, run_export

        store, count = self.store, len(self.items)

        def render(paths: list) -> Text:
            text = Text(f"{len(paths)} notice{'s' if len(paths) != 1 else ''} written",
                        "bold")
            if paths:
                text.append(f"\nto {paths[0].parent}")
            return text

        run_export(self, title=f"Export {count} waiting notices as .eml files",
                   path=default_path("outbox", ""),
                   job=lambda folder, progress: outbox.export_eml(store, folder),
                   render=render, hint="A folder; each notice becomes notice-<n>.eml",
                   done=self.reload)

    def action_sent(self) -> None:
        notice = self.current_item()
        if notice is None:
            return
        from schedtui.services import outbox

        self.act(lambda: outbox.mark_sent(self.store, [notice.id]),
                 lambda n: self._marked(f"Notice to {notice.to_name or notice.to_email} "
                                        "marked sent."))

    def action_all_sent(self) -> None:
        if not self.items:
            return
        from schedtui.services import outbox
        from schedtui.tui.screens.confirm import ConfirmScreen

        count = len(self.items)
        people = sorted({n.to_name or n.to_email for n in self.items})
        message = Text(f"Mark all {count} waiting notices sent? They leave the outbox "
                       "without being written anywhere.\n\nTo: ")
        message.append(", ".join(people[:20]) + (f" and {len(people) - 20} more"
                                                   if len(people) > 20 else ""))

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(lambda: outbox.mark_sent(self.store),
                         lambda n: self._marked(f"{n} notice{'s' if n != 1 else ''} "
                                                "marked sent."))

        self.app.push_screen(ConfirmScreen("Mark notices sent", message, "Mark sent"),
                             answered)

    def _marked(self, message: str) -> None:
        self.notify(message, markup=False)
        self.reload()

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
