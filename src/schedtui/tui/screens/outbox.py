"""Outbox: the notices waiting to go out, readable, and sent by SMTP with ``s``."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Header, ProgressBar, Static

from schedtui.tui.format import plain, when
from schedtui.tui.screens.listing import ListScreen
from schedtui.tui.widgets.footer import DeskFooter


class OutboxScreen(ListScreen):
    """Notices in a list; the highlighted one is shown in full beside it. They
    leave the outbox by SMTP (``s``), as .eml files (``E``) or marked sent by
    hand (``m``, ``M``)."""

    BINDINGS = [
        Binding("s", "send", "Send", tooltip="Send the waiting notices by SMTP (and the "
                "failed ones whose next try has come)", id="outbox.send"),
        Binding("E", "export", "Export .eml", tooltip="Write every waiting notice to a "
                "folder as .eml files (they leave the outbox)", id="outbox.export"),
        Binding("m", "sent", "Mark sent", tooltip="Mark the highlighted notice sent by hand "
                "(it leaves the outbox)", id="outbox.sent"),
        Binding("M", "all_sent", "All sent", show=False, tooltip="Mark every waiting "
                "notice sent by hand (asks first)", id="outbox.all_sent"),
    ]
    sending = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Outbox", classes="screen-title", id="title")
        yield ProgressBar(id="send-progress", show_eta=False, classes="-hidden")
        with Horizontal(id="outbox"):
            table = DataTable(id="list", cursor_type="row", zebra_stripes=True)
            table.add_columns("Queued", "State", "To", "Subject")
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
        return notice.id, [when(notice.created_at, weekday=False), state_label(notice, short=True),
                           plain(notice.to_email), plain(notice.subject)]

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
        text.append(f"Kind: {notice.kind}   Queued: {notice.created_at}\n", "dim")
        text.append(f"State: {state_label(notice)}", "dim")
        if notice.tries:
            text.append(f"   Tries: {notice.tries}", "dim")
        if notice.reply:
            text.append(f"\nServer: {plain(notice.reply)}", "dim")
        text.append("\n\n")
        text.append(notice.body)
        box.update(text)

    # -- sending ---------------------------------------------------------------

    def action_send(self) -> None:
        """Send in a worker: the settings as ``outbox send`` reads them (the
        environment, then the config file); a bar shows the progress."""
        if self.sending or not self.store_open:
            return
        from schedtui.services import mail
        from schedtui.services.mailconfig import load_settings

        self.sending = True
        bar = self.query_one("#send-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.remove_class("-hidden")
        store = self.store

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(bar.update, total=total, progress=done)

        def send():
            try:
                return mail.send_outbox(store, load_settings(), progress=progress)
            finally:  # whatever happened, the bar goes and the list shows the states
                self.app.call_from_thread(self._end_send)

        self.act(send, self._sent)

    def _sent(self, report) -> None:
        failed = len(report.failed)
        message = f"{report.sent} sent, {failed} failed, {report.waiting} waiting."
        if report.stopped:
            message += f" Stopped: {report.stopped}"
        self.app.notify(message, title="Outbox", markup=False,
                        severity="warning" if failed else "information")

    def _end_send(self) -> None:
        self.sending = False
        self.query_one("#send-progress", ProgressBar).add_class("-hidden")
        self.reload()


def state_label(notice, *, short: bool = False) -> str:
    """waiting (or due later: a reminder, in UTC), sending, failed (with its
    next try, in UTC), or given up."""
    if notice.state == "waiting" and getattr(notice, "due_at", None):
        return f"due {when(notice.due_at, weekday=False)}" + ("" if short else " UTC")
    if notice.state != "failed":
        return notice.state
    if notice.next_try_at is None:
        return "given up"
    return "failed" if short else f"failed, next try {when(notice.next_try_at, weekday=False)} UTC"
