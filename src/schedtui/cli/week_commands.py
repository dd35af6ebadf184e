"""The organizer's week: ``agenda``, ``conflicts``, ``attendance`` and
``export attendance``; and the double-booking warnings other commands print.
Each parses its arguments, calls one service and prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from schedtui.cli import output
from schedtui.cli.helptext import command
from schedtui.domain import parse

IntType = Callable[[str], int]


def _store(args: argparse.Namespace):
    from schedtui.store import open_store

    return open_store(args.db, lazy=True)  # a read loads no ORM


def _dates(args) -> dict[str, Any]:
    return {"start": parse.parse_date(args.from_, "--from") if args.from_ else None,
            "end": parse.parse_date(args.to, "--to") if args.to else None}


def _when(local: str) -> str:
    return local[:16].replace("T", " ")


def agenda_cmd(args, as_json):
    from schedtui.services.agenda import agenda

    items = agenda(_store(args), hub_id=args.hub, drafts=args.drafts, **_dates(args))
    if as_json:
        output.emit_json(items)
        return
    output.table(["ID", "Start", "End", "Zone", "Hub", "Series", "Status", "Booked", "Host",
                  "Location"],
                 [[o.id, _when(o.start), output.end_text(o.start, o.end), o.timezone, o.hub,
                   o.series,
                   o.status if o.series_status != "draft" else f"{o.status} (draft)",
                   f"{o.booked}/{'-' if o.capacity is None else o.capacity}"
                   + (f" +{o.waitlisted}" if o.waitlisted else ""), o.host, o.location]
                  for o in items])


def conflicts_cmd(args, as_json):
    from schedtui.services.conflicts import conflicts

    found = conflicts(_store(args), hub_id=args.hub, **_dates(args))
    if as_json:
        output.emit_json(found)
        return
    output.table(["Kind", "Name", "First", "Start", "Series", "Second", "Start", "Series"],
                 [[c.kind, c.name, c.first.id, _utc_local(c.first), c.first.series,
                   c.second.id, _utc_local(c.second), c.second.series] for c in found])


def _utc_local(booked) -> str:
    from schedtui.domain.zones import from_utc_naive, zone

    return f"{from_utc_naive(booked.start, zone(booked.timezone)):%Y-%m-%d %H:%M}"


def attendance_cmd(args, as_json):
    from schedtui.services.attendance import attendance_grid

    grid = attendance_grid(_store(args), args.series_id, **_dates(args))
    if as_json:
        output.emit_json(grid)
        return
    print(f"{output.cell(grid.series)} (series {grid.series_id}, {grid.timezone}): "
          f"{grid.people} people, {len(grid.columns)} sessions\n")
    marks = {"attended": "A", "confirmed": "C", "waitlisted": "W", "pending": "P",
             "cancelled": "x", "": "."}
    heads = [c.start[5:16].replace("T", " ") for c in grid.columns]
    rows = [[r.name, r.email, *[marks.get(v, "?") for v in r.cells], r.held, r.attended,
             "-" if r.rate is None else f"{r.rate:.0%}"] for r in grid.rows]
    for label, key in (("booked", "booked"), ("attended", "attended"),
                       ("no-shows", "no_shows")):
        rows.append([f"(total {label})", "", *[getattr(c, key) for c in grid.columns],
                     "", "", ""])
    output.table(["Name", "Email", *heads, "Held", "Att.", "Rate"], rows)
    print("\nA attended, C confirmed, W waitlisted, P pending, x cancelled, . no seat")


def export_attendance_cmd(args, as_json):
    from schedtui.interop.attendance_csv import export_attendance

    report = export_attendance(_store(args), args.series_id, args.output, **_dates(args))
    if report.text is not None and not as_json:
        sys.stdout.write(report.text.replace("\r\n", "\n"))
    elif as_json:
        output.emit_json(report)
    else:
        print(f"Wrote {report.path}: {report.rows} people, {report.columns} sessions.")


# -- warnings on other commands ---------------------------------------------------


def print_warnings(warnings: list[dict[str, Any]]) -> None:
    """Each warning on a line of its own, after the command's own output."""
    for warning in warnings:
        print(f"warning: {output.cell(warning['message'])}")


def show_with_warnings(view, warnings: list[dict[str, Any]], as_json: bool,
                       human: Callable[[Any], None]) -> None:
    """A changed thing with the ``double_booked`` warnings of the change: in
    JSON as a ``warnings`` list beside its fields (always present)."""
    if as_json:
        output.emit_json(output.to_data(view) | {"warnings": warnings})
        return
    human(view)
    print_warnings(warnings)


def series_warnings(store, series_id: int) -> list[dict[str, Any]]:
    from schedtui.services.conflicts import series_warnings as check

    return check(store, series_id)


def occurrence_warnings(store, occurrence_ids: list[int]) -> list[dict[str, Any]]:
    from schedtui.services.conflicts import occurrence_warnings as check

    return check(store, occurrence_ids)


# -- wiring -----------------------------------------------------------------------


def _window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="from_", metavar="DATE",
                        help="first day, YYYY-MM-DD (default: today)")
    parser.add_argument("--to", metavar="DATE", help="last day, inclusive")


def _series_window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="from_", metavar="DATE",
                        help="first day, YYYY-MM-DD (default: the series' first)")
    parser.add_argument("--to", metavar="DATE",
                        help="last day, inclusive (default: the series' last)")


def register(sub, int_type: IntType) -> None:
    """Add ``agenda``, ``conflicts`` and ``attendance`` to the command line."""
    p = command(sub, "agenda", "every occurrence of the week across series",
                "schedtui agenda", "schedtui agenda --hub 1 --from 2027-01-04 --to 2027-01-10")
    p.add_argument("--hub", type=int_type, metavar="ID", help="only this hub's series")
    _window_options(p)
    p.add_argument("--drafts", action="store_true", help="include draft series")
    p.set_defaults(handler=agenda_cmd)
    p = command(sub, "conflicts", "hosts and places booked twice at once",
                "schedtui conflicts --from 2027-01-01 --to 2027-03-31")
    p.add_argument("--hub", type=int_type, metavar="ID", help="only this hub's series")
    _window_options(p)
    p.set_defaults(handler=conflicts_cmd)
    p = command(sub, "attendance", "a series' attendance: people by sessions",
                "schedtui attendance 3 --from 2027-01-01 --to 2027-01-31")
    p.add_argument("series_id", type=int_type, metavar="SERIES", help="the series' id")
    _series_window_options(p)
    p.set_defaults(handler=attendance_cmd)


def register_export(exp, int_type: IntType) -> None:
    """Add ``export attendance`` beside the other exports."""
    p = command(exp, "attendance", "a series' attendance grid as CSV",
                "schedtui export attendance 3 -o attendance.csv")
    p.add_argument("series_id", type=int_type, metavar="SERIES", help="the series' id")
    _series_window_options(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: print)")
    p.set_defaults(handler=export_attendance_cmd)
