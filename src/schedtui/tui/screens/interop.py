"""Export and import from the desk: a file path prompt, the work in a thread
with a progress bar, and the report in a readable modal.

An import runs twice: first as a dry run (every rule checked, nothing kept),
whose report asks "Import?"; then for real, ending with the final report.
The interop functions decide everything; this module only asks for a path,
runs them and shows what they return (or the DeskError they raise)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, ProgressBar, Static

from schedtui.domain.errors import DeskError, invalid
from schedtui.tui.screens.confirm import ScrollBox
from schedtui.tui.screens.form import FormScreen, field

SHOWN_ROWS = 200
"""Refused rows listed one by one in a report; the rest are counted."""

Job = Callable[[Callable[[int, int], None]], Any]
"""An interop call taking a ``progress(done, total)`` callback."""


def default_path(stem: str, suffix: str) -> str:
    """A file name in the current directory, dated: ``attendees-series-3-20250303.csv``."""
    stamp = datetime.now().strftime("%Y%m%d")  # noqa: DTZ005 - a file name only
    return str(Path.cwd() / f"{stem}-{stamp}{suffix}")


# -- asking for a path -----------------------------------------------------------------


class PathPrompt(FormScreen[tuple[str, bool]]):
    """A file to write (or read); dismisses ``(path, option)``. Writing over an
    existing file needs a second Save; ``option`` is an optional checkbox."""

    def __init__(self, title: str, path: str, *, writing: bool, hint: str = "",
                 option: str = "") -> None:
        super().__init__()
        self.form_title = title
        self.path = path
        self.writing = writing
        self.hint = hint
        self.option = option
        self.replace = ""
        """The existing file the user was warned about (a second Save replaces it)."""

    def fields(self) -> ComposeResult:
        yield from field("File", Input(self.path, id="path"), self.hint)
        if self.option:
            yield Checkbox(self.option, id="option", compact=True)

    def build(self) -> Callable[[], tuple[str, bool]]:
        if not self.value("path").strip():
            raise invalid("Give a file name.")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in self.value("path")):
            raise invalid("That file name cannot be used: it holds a control character.",
                          field="path")
        try:
            path = str(Path(self.value("path").strip()).expanduser())
            exists = Path(path).is_file()
        except (OSError, RuntimeError, ValueError) as exc:  # too long, a NUL, no home
            reason = getattr(exc, "strerror", None) or str(exc)
            raise invalid(f"That file name cannot be used: {reason}.",
                          field="path") from None
        if self.writing and exists and self.replace != path:
            self.replace = path
            raise DeskError("file_exists", f"{path} exists. Save again to replace it.")
        if not self.writing and not exists:
            raise DeskError("not_found", f"There is no file {path}.")
        option = bool(self.option) and self.query_one("#option", Checkbox).value
        return lambda: (path, option)


# -- running the work and showing the report ----------------------------------------------


class ReportScreen(ModalScreen[bool]):
    """Runs ``job`` in a thread with a progress bar, then shows ``render(result)``
    (or the refusal). With ``confirm`` (a dry run) it asks: True to go on."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", show=False,
                tooltip="Go on (after a dry run: import for real)", id="report.yes"),
        Binding("n,escape", "answer(False)", "Close", tooltip="Close the report",
                id="report.close"),
    ]

    def __init__(self, title: str, job: Job, render: Callable[[Any], Text], *,
                 confirm: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.job = job
        self.render_report = render
        self.confirm = confirm
        self.outcome: Any = None
        """The job's result, or the DeskError it raised; None while it runs."""

    @property
    def store(self):
        return self.app.store  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="report"):
            yield Static(Text(self.title_text), classes="form-title")
            yield ProgressBar(id="report-progress", show_eta=False)
            with ScrollBox(id="report-box"):
                yield Static(Text("Working…", "dim"), id="report")
            with Horizontal(classes="form-buttons form-foot"):
                yield Button(f"{self.confirm} (y)", variant="primary", id="yes",
                             classes="-hidden", compact=True)
                yield Button("Close (esc)", id="no", disabled=True, compact=True)

    def on_mount(self) -> None:
        self._run()

    @work(thread=True, exclusive=True, exit_on_error=False, group="interop")
    def _run(self) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        try:
            result = self.job(progress)
        except DeskError as exc:
            self.app.call_from_thread(self._finished, exc)
            return
        except Exception as exc:  # noqa: BLE001 - shown in the report, never a crash
            self.app.call_from_thread(self._finished, DeskError(
                "failed", f"Something went wrong: {type(exc).__name__}: {exc}"))
            return
        self.app.call_from_thread(self._finished, result)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#report-progress", ProgressBar).update(total=total or None,
                                                               progress=done)

    def _finished(self, outcome: Any) -> None:
        self.outcome = outcome
        self.query_one("#report-progress", ProgressBar).add_class("-hidden")
        failed = isinstance(outcome, DeskError)
        text = refusal(outcome) if failed else self.render_report(outcome)
        self.query_one("#report", Static).update(text)
        close = self.query_one("#no", Button)
        close.disabled = False
        if self.confirm and not failed:
            yes = self.query_one("#yes", Button)
            yes.remove_class("-hidden")
            yes.focus()
            close.label = "Cancel (n)"
        else:
            close.focus()

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def action_answer(self, value: bool) -> None:
        if not self.done:
            return  # the work runs to its end (an import is one transaction)
        self.dismiss(value and bool(self.confirm) and not isinstance(self.outcome, DeskError))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")


# -- reports in words --------------------------------------------------------------------


def _listing(text: Text, rows: list[str]) -> None:
    for line in rows[:SHOWN_ROWS]:
        text.append(f"  {line}\n")
    if len(rows) > SHOWN_ROWS:
        text.append(f"  … and {len(rows) - SHOWN_ROWS} more\n", "dim")


def refusal(exc: DeskError) -> Text:
    """A refused export or import: the message, and the rows or events named."""
    text = Text("Refused: nothing was changed.\n\n", "bold red")
    text.append(exc.message + "\n")
    rows = exc.details.get("rows") or []
    if rows:
        text.append("\nMalformed rows:\n", "bold")
        _listing(text, [f"line {r.get('line')}: {r.get('reason')}" for r in rows])
    report = exc.details.get("report") or {}
    if report.get("problems"):
        text.append("\nEvents that cannot be imported:\n", "bold")
        _listing(text, [f"{p.get('summary') or p.get('uid')}: {p.get('reason')}"
                        for p in report["problems"]])
    return text


OUTCOMES = ("confirmed", "waitlisted", "partial", "pending", "refused", "skipped")


def csv_import_report(report) -> Text:
    """Row-by-row outcomes of an attendee import, summed, with the refusals listed."""
    counts = report.counts()
    head = ("Dry run (nothing saved yet): " if report.dry_run else "Imported: ")
    text = Text(head, "bold")
    parts = [f"{counts[k]} {k}" for k in OUTCOMES if counts.get(k)]
    parts += [f"{n} {k}" for k, n in counts.items() if k not in OUTCOMES]
    text.append(", ".join(parts) or "no rows", "bold")
    text.append(f"\n{len(report.rows)} rows read from {report.path}\n", "dim")
    text.append(f"{report.encoding}, delimiter {report.delimiter!r}; columns: " +
                ", ".join(f"{k} ← {v}" for k, v in report.columns.items()) + "\n", "dim")
    for note in report.notes:  # what was assumed in reading the file
        text.append(f"{note}\n", "yellow")
    refused = [r for r in report.rows if r.outcome in ("refused", "skipped")]
    if refused:
        text.append(f"\n{len(refused)} row(s) not imported:\n", "bold")
        _listing(text, [f"line {r.line} {r.email}: {r.outcome}, {r.reason}"
                        for r in refused])
    return text


def csv_export_report(report) -> Text:
    text = Text(f"{report.rows} row{'s' if report.rows != 1 else ''} written", "bold")
    text.append(f"\nto {report.path}")
    return text


def ics_export_report(report) -> Text:
    text = Text(f"{report.series} series, {report.events} event(s) written", "bold")
    text.append(f"\nto {report.path}\n")
    text.append(f"{report.exdates} cancelled dates (EXDATE), {report.overrides} changed "
                f"occurrences, {report.single_events} single events\n", "dim")
    if report.warnings:
        text.append("\nWarnings:\n", "bold yellow")
        _listing(text, list(report.warnings))
    return text


def ics_import_report(report) -> Text:
    text = Text(("Dry run (nothing saved yet): " if report.dry_run else "") +
                report.summary(), "bold")
    text.append(f"\nfrom {report.path} ({report.encoding})\n", "dim")
    for note in report.notes:
        text.append(f"{note}\n", "yellow")
    if report.events:
        text.append("\nEvents:\n", "bold")
        _listing(text, [("" if e.action == "create" else f"{e.action} series {e.series_id}: ")
                        + f"{e.name}: {e.rrule or 'once'} ({e.timezone}), {e.occurrences} "
                        f"occurrences" + (f"; {'; '.join([*e.changes, *e.notes])}"
                                          if e.changes or e.notes else "")
                        for e in report.events])
    if report.skipped:
        text.append("\nLeft out:\n", "bold")
        _listing(text, [f"{s.get('summary') or s.get('uid')}: {s.get('reason')}"
                        for s in report.skipped])
    if report.warnings:
        text.append("\nDouble-booked:\n", "bold yellow")
        _listing(text, [w["message"] for w in report.warnings])
    return text


# -- the flows the screens call ------------------------------------------------------------


def run_export(screen: Any, *, title: str, path: str, job: Callable[[str, Any], Any],
               render: Callable[[Any], Text], hint: str = "",
               done: Callable[[], None] | None = None) -> None:
    """Ask for a file, then write it in a worker and show the report; ``done``
    runs once the report is closed (the export changed what the screen shows)."""

    def chosen(answer: tuple[str, bool] | None) -> None:
        if answer:
            target = answer[0]
            screen.app.push_screen(ReportScreen(title, lambda p: job(target, p), render),
                                   (lambda _: done()) if done else None)

    screen.app.push_screen(PathPrompt(title, path, writing=True, hint=hint), chosen)


def run_import(screen: Any, *, title: str, job: Callable[[str, bool, bool, Any], Any],
               render: Callable[[Any], Text], done: Callable[[], None], hint: str = "",
               option: str = "") -> None:
    """Ask for a file, dry-run the import and show its report; on yes import
    for real and show the final report; ``done`` runs after a real import.
    ``job(path, option, dry_run, progress)`` is the interop call."""

    def chosen(answer: tuple[str, bool] | None) -> None:
        if not answer:
            return
        path, flag = answer

        def go_on(yes: bool | None) -> None:
            if yes:
                screen.app.push_screen(ReportScreen(title, lambda p: job(path, flag, False, p),
                                                    render), lambda _: done())

        screen.app.push_screen(ReportScreen(f"{title}: dry run",
                                            lambda p: job(path, flag, True, p), render,
                                            confirm="Import"), go_on)

    screen.app.push_screen(PathPrompt(title, str(Path.cwd()) + "/", writing=False, hint=hint,
                                      option=option), chosen)


def export_ics(screen: Any, stem: str, **target: int) -> None:
    """Write a series (``series_id``) or a hub's series (``hub_id``) as iCalendar."""
    from schedtui.interop import ics

    store = screen.store
    run_export(screen, title="Export to iCalendar", path=default_path(stem, ".ics"),
               job=lambda path, progress: ics.export_ics(store, path, **target),
               render=ics_export_report)


def import_ics(screen: Any, hub_id: int, hub_name: str) -> None:
    """Add the events of an iCalendar file to a hub as series (all or nothing)."""
    from schedtui.interop import ics

    store = screen.store
    run_import(screen, title=f"Import iCalendar into {hub_name}",
               job=lambda path, skip, dry_run, progress: ics.import_ics(
                   store, path, hub_id, dry_run=dry_run, skip_unsupported=skip,
                   progress=progress),
               render=ics_import_report, done=screen.reload,
               hint="Each event becomes a series (one imported before is updated)",
               option="Skip events the desk cannot hold (import the rest)")
