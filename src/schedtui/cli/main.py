"""``schedtui``: the desk with no command, or a scripting command.

Shape: ``schedtui [--db DB] COMMAND ... [--json]``. Exit status 0 on success,
1 for a value or rule the desk refuses, 2 for a malformed command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from schedtui.cli import output
from schedtui.domain.errors import DeskError
from schedtui.domain.text import for_terminal


class UsageError(Exception):
    """A malformed command line (exit status 2)."""


class Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # the examples at the end of each command's help keep their lines
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


Handler = Callable[[argparse.Namespace, Any], Any]


INT_LIMIT = 2**31 - 1
"""The largest whole number the command line takes: every id a store can hold
(an INTEGER key on PostgreSQL), and far beyond any count, duration or limit."""


def _int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value[:30]!r} is not a whole number") from None
    if abs(number) > INT_LIMIT:
        raise argparse.ArgumentTypeError(f"{value[:30]} is out of range (at most {INT_LIMIT:,})")
    return number


class OutputError(Exception):
    """Writing the command's output failed (the reader closed the pipe, the disk
    is full): the command itself was carried out."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(cause.strerror or str(cause))
        self.cause = cause


class _GuardedOutput:
    """Standard output for one command. Human output passes through
    ``for_terminal`` (nothing stored reaches the terminal as a control
    sequence); a failed write raises OutputError, which is not an OSError, so no
    handler mistakes it for a failure of the command itself."""

    def __init__(self, stream: Any, *, sanitize: bool) -> None:
        self._stream = stream
        self._sanitize = sanitize
        self._raw = False

    def write(self, text: str) -> int:
        if self._sanitize and not self._raw:
            text = for_terminal(text)
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise OutputError(exc) from exc

    def write_data(self, text: str) -> None:
        """Data the user asked for (a CSV or iCalendar dump): exact when it goes
        to a file or pipe, cleaned only when it goes to a terminal."""
        self._raw = not self.isatty()
        try:
            self.write(text)
        finally:
            self._raw = False

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputError(exc) from exc

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (AttributeError, ValueError, OSError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def build_parser() -> Parser:
    from schedtui.cli import batch_commands, commands, completion_commands

    parser = Parser(prog="schedtui", description="A scheduling desk for recurring events. "
                    "Add --json to any command for its output as JSON.",
                    epilog="examples:\n  schedtui --db desk.db\n  schedtui occ list 3 "
                    "--from 2027-01-04 --json\n\n`schedtui COMMAND --help` shows a command's "
                    "options and an example.")
    parser.add_argument("--db", help="database file or URL (default: SCHEDTUI_DB, then the "
                        "file in your data folder)")
    parser.add_argument("--demo", action="store_true", help="open the desk on fresh demo data")
    parser.add_argument("--version", action="store_true", help="print the version")
    sub = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND",
                                help="a scripting command; with none, the desk opens")
    commands.register(sub, _int)
    completion_commands.register(sub)
    batch_commands.register(sub)
    return parser


def _split_json(argv: list[str]) -> tuple[list[str], bool]:
    as_json = "--json" in argv
    return [a for a in argv if a != "--json"], as_json


def main(argv: Sequence[str] | None = None) -> int:
    args_list, as_json = _split_json(list(sys.argv[1:] if argv is None else argv))
    if any("\x00" in a for a in args_list):  # a real command line cannot hold one
        return _fail("usage", "schedtui: an argument holds a NUL character", as_json, status=2)
    try:
        parser = build_parser()
        if any(a in ("-h", "--help") for a in args_list):
            try:
                parser.parse_args(args_list)
            except SystemExit:
                return 0
        args = parser.parse_args(args_list)
    except UsageError as exc:
        return _fail("usage", str(exc), as_json, status=2)
    if args.demo and (args.db or args.command):
        what = "--db" if args.db else f"the {args.command} command"
        return _fail("usage", f"schedtui: --demo opens the desk on its own demo database; it "
                     f"cannot be combined with {what}.", as_json, status=2)
    if args.version:
        from schedtui import __version__

        print(__version__)
        return 0
    real = sys.stdout
    if args.command is not None:  # the desk draws on the terminal itself
        sys.stdout = _GuardedOutput(real, sanitize=not as_json)
    try:
        if args.command is None:
            from schedtui.cli.commands import run_desk

            return run_desk(args)
        status = args.handler(args, as_json) or 0
        sys.stdout.flush()
        return status
    except DeskError as exc:
        return _fail(exc.code, exc.message, as_json, status=1, error=exc)
    except OutputError as exc:
        _silence(real)
        return _fail("output_failed", "The command was carried out (any change it made is "
                     f"saved), but its output could not be written: {exc}.", False, status=1)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback ever reaches the user
        if args.command is None:  # the desk: what it saved before the error stays saved
            where = _log_crash(exc)
            return _fail("internal_error", f"The desk stopped on an error inside schedtui "
                         f"({type(exc).__name__}); everything saved before it is kept. "
                         f"Details were written to {where}.", as_json, status=1)
        return _fail("internal_error", crash_message(exc), as_json, status=1)
    finally:
        sys.stdout = real


def _silence(stream: Any) -> None:
    """After a failed write to the real standard output, point its descriptor at
    /dev/null, so what is left in the buffer cannot fail again at exit."""
    import os

    try:
        if stream is sys.__stdout__:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def crash_message(exc: BaseException) -> str:
    """What a command says of an error inside schedtui, once its traceback is logged."""
    where = _log_crash(exc)
    return (f"Something went wrong inside schedtui ({type(exc).__name__}); a change is saved "
            f"whole or not at all, never in part. Details were written to {where}.")


def _log_crash(exc: BaseException) -> str:
    """Write the traceback to the user's log folder, for a bug report."""
    import traceback

    from platformdirs import user_log_path

    try:
        path = user_log_path("schedtui", appauthor=False) / "crash.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(exc)) + "\n")
        return str(path)
    except OSError:
        return "nowhere (the log folder is not writable)"


def _fail(code: str, message: str, as_json: bool, *, status: int,
          error: DeskError | None = None) -> int:
    try:
        if as_json:
            output.emit_json(error.to_json() if error else {"error": {"code": code,
                                                                      "message": message}})
            sys.stdout.flush()
    except (OutputError, OSError):
        _silence(sys.__stdout__)
    try:
        print(f"error: {output.cell(message)}", file=sys.stderr)
    except OSError:
        pass
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
