"""``schedtui batch``: many commands in one process, one per line of standard
input, each run by the same parser and handler as the one-shot command.

A line is the command in the CLI's own words (``reg add 12 --email a@x.org
--name A``, split as a POSIX shell splits it) or a JSON array of its arguments
(``["reg", "add", "12", "--email", "a@x.org", "--name", "A"]``). Each line
gives one result, in order: ``{"line": n, "ok": ...}`` with what the command
prints under ``--json``, or ``{"line": n, "error": {"code", "message", ...}}``.
Blank lines and lines starting with ``#`` give none.

Without ``--atomic`` each line stands alone (its own transaction, saved when it
is done) and its result is written as soon as it is known. With it the whole
batch is one transaction: the first refused line ends it, nothing is saved,
and every other line says it was undone or not run.
"""

from __future__ import annotations

import argparse
import io
import json
import shlex
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from schedtui.cli import output
from schedtui.cli.helptext import command
from schedtui.domain.errors import DeskError

IntType = Callable[[str], int]

NOT_IN_BATCH = {
    "batch": "a batch cannot run another batch",
    "completion": "a completion script is for a shell, not a batch",
    "bench-data": "the benchmark data set is built on its own",
}
"""Commands refused on a batch line, and why (the desk, --demo, --version and
--help are refused too)."""


@dataclass
class LineResult:
    line: int
    ok: Any = None
    error: dict[str, Any] | None = None
    text: str = ""
    """The command's human output (without --json)."""

    def to_json(self) -> dict[str, Any]:
        if self.error is not None:
            return {"line": self.line, "error": self.error}
        return {"line": self.line, "ok": self.ok}


class _LineRefused(Exception):
    """An atomic batch's refused line: rolls the shared transaction back."""


def batch(args: argparse.Namespace, as_json: bool) -> int:
    from schedtui.store import open_store

    store = open_store(args.db)
    runner = _Runner(store, as_json, atomic=args.atomic)
    lines = _lines(sys.stdin)
    total = failed = 0
    try:
        # An atomic batch answers at its end; otherwise each line is answered
        # (and forgotten) as soon as it is done.
        results = runner.run_atomic(lines) if args.atomic else runner.run_each(lines)
        for result in results:
            runner.write(result)
            total += 1
            failed += result.error is not None
    finally:
        store.dispose()
    if not as_json:
        if args.atomic and failed:
            print(f"{total:,} commands: nothing was saved (line {runner.refused_line} "
                  "was refused).")
        else:
            print(f"{total:,} commands: {total - failed:,} done, {failed:,} refused.")
    sys.stdout.flush()
    return 1 if failed else 0


def _lines(stream: Any) -> Iterator[tuple[int, str | None]]:
    """(number, text) of each line; text None for a line that is not UTF-8. A
    stream that cannot be read ends the batch with ``read_failed``."""
    try:
        yield from _read(stream)
    except OSError as exc:
        from schedtui.domain.errors import DeskError

        raise DeskError("read_failed", f"Standard input could not be read ({exc}). Without "
                        "--atomic the lines answered before it were saved; with --atomic "
                        "nothing was.") from None


def _read(stream: Any) -> Iterator[tuple[int, str | None]]:
    raw = getattr(stream, "buffer", None)
    if raw is None:  # a text stream (tests): already decoded
        for number, text in enumerate(stream, 1):
            yield number, text
        return
    for number, data in enumerate(raw, 1):
        try:
            yield number, data.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None


class _Runner:
    def __init__(self, store: Any, as_json: bool, *, atomic: bool) -> None:
        from schedtui.cli.main import build_parser

        self.store = store
        self.as_json = as_json
        self.atomic = atomic
        self.parser = build_parser()
        self.out = sys.stdout
        self.refused_line: int | None = None

    # -- one line -----------------------------------------------------------
    def run_line(self, number: int, text: str | None) -> LineResult | None:
        if text is None:
            return _refused(number, DeskError("usage", "The line is not UTF-8 text."))
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            return None
        try:
            words = _words(stripped)
        except ValueError as exc:
            return _refused(number, DeskError("usage", str(exc)))
        return self.run_words(number, words)

    def run_words(self, number: int, words: list[str]) -> LineResult:
        from schedtui.cli.main import UsageError, crash_message

        if words and words[0] == "schedtui":
            words = words[1:]
        words = [w for w in words if w != "--json"]  # the batch's own --json decides
        if any("\x00" in w for w in words):
            return _refused(number, DeskError("usage", "An argument holds a NUL character."))
        if any(w in ("-h", "--help") for w in words):
            return _refused(number, DeskError("not_in_batch", "Help is not shown in a batch: run "
                            "`schedtui COMMAND --help` on its own."))
        try:
            args = self.parser.parse_args(words)
        except UsageError as exc:
            return _refused(number, DeskError("usage", str(exc)))
        why = self._not_here(args)
        if why:
            return _refused(number, DeskError("not_in_batch", why))
        args.db = self.store
        shown = io.StringIO()
        from schedtui.cli.main import _GuardedOutput

        sys.stdout = _GuardedOutput(shown, sanitize=not self.as_json)
        output.captured = [] if self.as_json else None
        try:
            args.handler(args, self.as_json)
            docs = output.captured
        except DeskError as exc:
            return _refused(number, exc)
        except Exception as exc:  # noqa: BLE001 - no traceback ever reaches the user
            return _refused(number, DeskError("internal_error", crash_message(exc)))
        finally:
            output.captured = None
            sys.stdout = self.out
        if not self.as_json:
            return LineResult(number, ok=True, text=shown.getvalue())
        if not docs and shown.getvalue():  # printed rather than emitted
            docs = [{"output": shown.getvalue()}]
        return LineResult(number, ok=docs[0] if len(docs) == 1 else (docs or True))

    def _not_here(self, args: argparse.Namespace) -> str | None:
        if args.command is None:
            return "The desk does not open from a batch: give a command."
        if args.demo or args.version:
            return "--demo and --version are not for a batch line."
        if args.db is not None:
            return "--db is given once, to the batch itself: every line runs on its database."
        if args.command in NOT_IN_BATCH:
            return f"{args.command}: {NOT_IN_BATCH[args.command]}."
        if self.atomic:
            if args.command == "backup":
                return ("backup is not for an atomic batch: the copy would not hold the "
                        "batch's own changes, which are saved only at its end.")
            if args.command == "outbox" and getattr(args, "action", None) == "send" and \
                    not getattr(args, "dry_run", False):
                return ("outbox send is not for an atomic batch: mail that is sent cannot be "
                        "taken back if a later line is refused.")
        return None

    # -- the whole batch ----------------------------------------------------
    def run_each(self, lines: Iterator[tuple[int, str | None]]) -> Iterator[LineResult]:
        for number, text in lines:
            result = self.run_line(number, text)
            if result is not None:
                yield result

    def run_atomic(self, lines: Iterator[tuple[int, str | None]]) -> list[LineResult]:
        """Every line in one transaction. The lines are read first, so that lock
        contention at the start or the end (another writer, a deadlock on the
        server) runs the whole batch again, as a single command is run again."""
        from schedtui.store.engine import transaction

        every = list(lines)
        results = transaction(self._attempt)(every)
        if self.refused_line is None:
            return results
        failed = self.refused_line
        done = {r.line for r in results}
        undone = [r if r.line == failed else _rolled_back(r.line, failed, "Carried out, then "
                                                          "undone") for r in results]
        for number, text in every:  # the rest: not run, but every line is answered
            if number > failed and number not in done and \
                    (text is None or (text.strip() and not text.strip().startswith("#"))):
                undone.append(_rolled_back(number, failed, "Not run"))
        return undone

    def _attempt(self, lines: list[tuple[int, str | None]]) -> list[LineResult]:
        results: list[LineResult] = []
        self.refused_line = None
        try:
            with self.store.one_transaction():
                for number, text in lines:
                    result = self.run_line(number, text)
                    if result is None:
                        continue
                    results.append(result)
                    if result.error is not None:
                        self.refused_line = number
                        raise _LineRefused
        except _LineRefused:
            pass
        return results

    def write(self, result: LineResult) -> None:
        if self.as_json:
            self.out.write(output.json_text(result) + "\n")
        elif result.error is None:
            self.out.write(f"line {result.line}: ok\n{result.text}")
        else:
            self.out.write(f"line {result.line}: {result.error['code']}: "
                           f"{output.cell(result.error['message'])}\n")
        if not self.atomic:
            self.out.flush()  # a script talking to the batch sees each answer at once


def _rolled_back(number: int, failed: int, what: str) -> LineResult:
    return _refused(number, DeskError(
        "batch_rolled_back", f"{what}: line {failed} was refused, and an atomic batch saves "
        "nothing unless every line is done.", refused_line=failed))


def _refused(number: int, error: DeskError) -> LineResult:
    return LineResult(number, error=error.to_json()["error"])


def _words(line: str) -> list[str]:
    """The arguments of a line: a JSON array, or words split as a shell does."""
    if line.startswith("["):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"The line is not a JSON array: {exc.msg} at column "
                             f"{exc.colno}.") from None
        if not isinstance(value, list) or not all(
                isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))
                for v in value):
            raise ValueError("A JSON line is an array of strings (or whole numbers).")
        return [str(v) for v in value]
    try:
        return shlex.split(line)
    except ValueError as exc:  # an unclosed quote, a trailing backslash
        raise ValueError(f"The line cannot be split into words: {exc}.") from None


def register(sub: Any) -> None:
    p = command(sub, "batch", "run commands read from standard input, one a line (as "
                "words or a JSON array), in one process; one JSON result a line",
                "schedtui batch", "schedtui batch --atomic > results.txt")
    p.add_argument("--atomic", action="store_true",
                   help="one transaction for all: nothing is saved unless every line is done")
    p.set_defaults(handler=batch)
