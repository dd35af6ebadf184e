"""Commands for one-off events and a series' policies: ``event add``, the
series options --contact, --private and --remind, the hub's --region and
``outbox list --due``. Each parses its arguments, calls one service and prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from schedtui.cli import output
from schedtui.cli.helptext import command
from schedtui.domain import parse
from schedtui.domain.errors import invalid

IntType = Callable[[str], int]


def policy_options(parser: argparse.ArgumentParser, *, creating: bool) -> None:
    """The policy options of ``series add/edit`` and ``event add``."""
    parser.add_argument("--contact", choices=("none", "email", "email_and_phone"),
                        help="what a registration must give: none (a walk-in, name only), "
                        "email (the default) or email_and_phone")
    parser.add_argument("--private", dest="private", action="store_const", const=True,
                        help="left out of the hub's calendar export and other people's feeds")
    if not creating:
        parser.add_argument("--public", dest="private", action="store_const", const=False,
                            help="shown in calendar exports again")
    parser.add_argument("--remind", metavar="OFFSETS",
                        help="reminders before each session, e.g. 24h,1h (units m, h, d); "
                        "none: no reminders")


def policy_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The policy options that were given."""
    settings: dict[str, Any] = {}
    for key in ("contact", "private", "remind"):
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    return settings


def region_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", metavar="CC",
                        help="country (ISO 3166 code, e.g. DE) for phone numbers given "
                        "without a country code; none: no region")


def event_add(args, as_json):
    from schedtui.cli import commands, week_commands
    from schedtui.services import events

    day, at = parse.parse_start(args.start)
    if at is None:
        raise invalid("Give the event's time: --start YYYY-MM-DDTHH:MM.")
    settings = commands._series_settings(args, creating=True)
    for key in ("start", "start_time"):
        settings.pop(key, None)
    store = commands._store(args)
    view = events.create_event(store, hub_id=args.hub, start=day, start_time=at,
                               draft=args.draft, idempotency_key=args.idempotency_key,
                               **settings)
    week_commands.show_with_warnings(view, week_commands.series_warnings(store, view.id),
                                     as_json, commands._print_series)


def outbox_list(args, as_json):
    from schedtui.cli.commands import _show, _store
    from schedtui.services import outbox

    rows = outbox.list_notices(_store(args), include_exported=args.all, due=args.due)
    _show(rows, as_json, lambda rs: output.table(
        ["ID", "Created (UTC)", "Due (UTC)", "To", "Kind", "State", "Subject"],
        [[n.id, n.created_at, n.due_at or "now", n.to_email, n.kind, n.state, n.subject]
         for n in rs]))


def register(sub, int_type: IntType) -> None:
    group = command(sub, "event", "one-off events: a single session, no rule").add_subparsers(
        dest="action", required=True, metavar="ACTION",
        help="what to do; each has its own --help")
    p = command(group, "add", "add a one-off event (edit it as a series: series edit, "
                "occ move, reg add ...)",
                "schedtui event add --hub 1 --name 'Open day' --start 2027-05-08T10:00 "
                "--duration 240 --capacity 80 --location 'Main hall'")
    p.add_argument("--hub", type=int_type, required=True, metavar="ID", help="the hub's id")
    p.add_argument("--name", required=True, help="the event's name")
    p.add_argument("--description", help="a longer text for the people who book")
    p.add_argument("--timezone", metavar="ZONE", help="IANA zone; defaults to the hub's")
    p.add_argument("--start", required=True, metavar="WHEN", help="YYYY-MM-DDTHH:MM, local")
    p.add_argument("--duration", type=int_type, required=True, metavar="MINUTES",
                   help="minutes, 1..1440")
    p.add_argument("--capacity", metavar="SEATS", help="1..10000 or unlimited")
    p.add_argument("--location", help="a place, or an https:// address (virtual)")
    p.add_argument("--host", help="who runs it")
    p.add_argument("--max-seats", type=int_type, dest="max_seats", metavar="N",
                   help="the most seats one booking may take")
    p.add_argument("--require-approval", dest="require_approval", action="store_const",
                   const=True, help="bookings wait for the organizer's approval")
    p.add_argument("--waitlist", choices=("strict", "first_fit"),
                   help="strict: first come first served (the default); first_fit")
    p.add_argument("--booking-min-hours", dest="booking_min_hours", metavar="HOURS",
                   help="bookings close this many hours before the start (off: never)")
    p.add_argument("--booking-max-days", dest="booking_max_days", metavar="DAYS",
                   help="bookings open this many days before the start (off: any time)")
    p.add_argument("--draft", action="store_true",
                   help="keep it a draft: not open for booking until published")
    p.add_argument("--idempotency-key", dest="idempotency_key", metavar="KEY",
                   help="a key of your choice: a repeated command with the same key changes "
                   "nothing")
    policy_options(p, creating=True)
    p.set_defaults(handler=event_add, at=None, rrule=None, rdates=None, exrules=None,
                   exdates=None, registration=None, horizon_weeks=None, on_blackout=None)
