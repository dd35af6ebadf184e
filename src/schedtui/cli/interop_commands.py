"""Commands for calendars, spreadsheets and backups: ``export``, ``import`` and
``backup``. Each parses its arguments, calls one interop function and prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from schedtui.cli import output, week_commands
from schedtui.cli.helptext import command

IntType = Callable[[str], int]


def _store(args: argparse.Namespace):
    from schedtui.store import open_store

    return open_store(args.db, lazy=True)  # a read loads no ORM


def export_ics_cmd(args, as_json):
    from schedtui.interop.ics import export_ics

    result = export_ics(_store(args), args.output, series_id=args.series, hub_id=args.hub,
                        attendee_email=args.attendee, include_private=args.include_private)
    if isinstance(result, str):
        if as_json:
            output.emit_json({"ics": result})
        else:
            output.data(result.replace("\r\n", "\n"))
        return
    if as_json:
        output.emit_json(result)
        return
    print(f"Wrote {result.path}: {result.series} series, {result.events} events, "
          f"{result.exdates} cancelled, {result.overrides} changed, {result.single_events} "
          "single.")
    for warning in result.warnings:
        print(f"note: {output.cell(warning)}")


def export_csv_cmd(args, as_json):
    from schedtui.interop.csvio import export_attendees

    report = export_attendees(_store(args), args.output, occurrence_id=args.occ,
                              series_id=args.series)
    if report.text is not None and not as_json:
        output.data(report.text.replace("\r\n", "\n"))
    elif as_json:
        output.emit_json(report)
    else:
        print(f"Wrote {report.path}: {report.rows} rows.")


def import_ics_cmd(args, as_json):
    from schedtui.interop.ics import import_ics

    report = import_ics(_store(args), args.file, args.hub, dry_run=args.dry_run,
                        skip_unsupported=args.skip_unsupported)
    if as_json:
        output.emit_json(report)
        return
    print(("Dry run: " if args.dry_run else "") + report.summary())
    for note in report.notes:
        print(f"note: {output.cell(note)}")
    output.table(["Series", "Action", "Name", "Zone", "First", "Rule", "Occ.", "Notes"],
                 [[e.series_id, e.action, e.name, e.timezone, e.start[:16].replace("T", " "),
                   e.rrule, e.occurrences, "; ".join([*e.changes, *e.notes])]
                  for e in report.events])
    for skipped in report.skipped:
        print(f"left out {output.cell(skipped['summary'] or skipped['uid'])}: "
              f"{output.cell(skipped['reason'])}")
    week_commands.print_warnings(report.warnings)


def import_csv_cmd(args, as_json):
    from schedtui.interop.csvio import import_attendees

    report = import_attendees(_store(args), args.file, args.series,
                              occurrence_ids=args.occ or None, skip_bad_rows=args.skip_bad_rows,
                              dry_run=args.dry_run)
    if as_json:
        output.emit_json(report)
        return
    for note in report.notes:
        print(f"note: {output.cell(note)}")
    output.table(["Line", "Email", "Outcome", "Reason"],
                 [[r.line, r.email, r.outcome, r.reason] for r in report.rows])
    counts = ", ".join(f"{v} {k}" for k, v in sorted(report.counts().items()))
    print(("\nDry run, nothing saved: " if args.dry_run else "\nImported: ") + (counts or "none"))


def backup_cmd(args, as_json):
    from schedtui.interop.backup import backup

    report = backup(args.db, args.file, force=args.force)
    if as_json:
        output.emit_json(report)
    else:
        print(f"Backed up {report.source} to {report.target} ({report.bytes:,} bytes).")


def register(sub, int_type: IntType) -> None:
    """Add ``export``, ``import`` and ``backup`` to the command line."""
    exp = command(sub, "export", "write iCalendar or CSV").add_subparsers(
        dest="action", required=True, metavar="FORMAT",
        help="the format; each has its own --help")
    p = command(exp, "ics", "series, a hub, or one person's seats as iCalendar",
                "schedtui export ics --series 3 -o yoga.ics",
                "schedtui export ics --attendee ana@example.org")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--series", type=int_type, metavar="ID", help="one series")
    which.add_argument("--hub", type=int_type, metavar="ID", help="every series of a hub")
    which.add_argument("--attendee", metavar="EMAIL", help="a personal feed of confirmed seats")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: print)")
    p.add_argument("--include-private", dest="include_private", action="store_true",
                   help="a hub's export or a feed includes private series too")
    p.set_defaults(handler=export_ics_cmd)
    p = command(exp, "csv", "attendees as CSV (one row per seat)",
                "schedtui export csv --series 3 -o attendees.csv",
                "schedtui export csv --occ 41")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--occ", type=int_type, metavar="ID", help="one occurrence's attendees")
    which.add_argument("--series", type=int_type, metavar="ID", help="a series' attendees")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: print)")
    p.set_defaults(handler=export_csv_cmd)
    week_commands.register_export(exp, int_type)

    imp = command(sub, "import", "read iCalendar or CSV").add_subparsers(
        dest="action", required=True, metavar="FORMAT",
        help="the format; each has its own --help")
    p = command(imp, "ics", "events become series in a hub (all or nothing)",
                "schedtui import ics courses.ics --hub 1 --dry-run",
                "schedtui import ics courses.ics --hub 1 --skip-unsupported")
    p.add_argument("file", help="the .ics file to read")
    p.add_argument("--hub", type=int_type, required=True, metavar="ID",
                   help="the hub the series go to")
    p.add_argument("--skip-unsupported", action="store_true", dest="skip_unsupported",
                   help="import the other events when some cannot be held; list those")
    p.add_argument("--dry-run", action="store_true", dest="dry_run",
                   help="show what would be imported")
    p.set_defaults(handler=import_ics_cmd)
    p = command(imp, "csv", "register the people in a CSV file",
                "schedtui import csv people.csv --series 3 --dry-run",
                "schedtui import csv people.csv --series 5 --occ 61 --skip-bad-rows")
    p.add_argument("file", help="the .csv file to read (email and name columns)")
    p.add_argument("--series", type=int_type, required=True, metavar="ID",
                   help="the series they register for")
    p.add_argument("--occ", type=int_type, action="append", default=[], metavar="ID",
                   help="a chosen occurrence (repeat for several)")
    p.add_argument("--skip-bad-rows", action="store_true", dest="skip_bad_rows",
                   help="import the good rows even when some are malformed")
    p.add_argument("--dry-run", action="store_true", dest="dry_run",
                   help="apply every rule, then save nothing")
    p.set_defaults(handler=import_csv_cmd)

    p = command(sub, "backup", "a consistent copy of the database file",
                "schedtui backup schedtui-2027-01-04.db")
    p.add_argument("file", help="the copy to write")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(handler=backup_cmd)
