"""Outbox: the notices waiting to go out, readable, and sent by SMTP with ``s``."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static

from schedtui.tui.format import plain, when
from schedtui.tui.screens.listing import ListScreen


class OutboxScreen(ListScreen):
    """Notices in a list; the highlighted one is shown in full beside it."""

    BINDINGS = [
        Binding("s", "send", "Send", tooltip="Send the waiting notices by SMTP (and the "
                "failed ones whose next try has come)", id="send"),
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
        yield Footer()

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
    """waiting, sending, failed (with its next try, in UTC), or given up."""
    if notice.state != "failed":
        return notice.state
    if notice.next_try_at is None:
        return "given up"
    return "failed" if short else f"failed, next try {when(notice.next_try_at, weekday=False)} UTC"
