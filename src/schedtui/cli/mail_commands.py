"""Commands for mail: ``outbox send`` and ``config show``. Each parses its
arguments, calls one service and prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from schedtui.cli import output
from schedtui.cli.helptext import command

IntType = Callable[[str], int]


def outbox_send(args, as_json):
    from schedtui.services import mail
    from schedtui.services.mailconfig import load_settings
    from schedtui.store import open_store

    settings = load_settings(smtp=args.smtp, sender=args.sender, need_server=not args.dry_run)
    report = mail.send_outbox(open_store(args.db), settings, limit=args.limit,
                              dry_run=args.dry_run)
    if as_json:
        output.emit_json(report)
        return
    if report.dry_run:
        output.table(["ID", "To", "Subject", "Calendar"],
                     [[m["id"], m["to"], m["subject"], m["calendar"]]
                      for m in report.would_send])
        print(f"Dry run: {len(report.would_send)} would be sent; nothing was sent or changed.")
        return
    if report.failed:
        output.table(["ID", "To", "Reason", "Next try (UTC)"],
                     [[f.id, f.to, f.reason, f.retry_at or "given up"] for f in report.failed])
    print(f"{report.sent} sent, {len(report.failed)} failed, {report.waiting} waiting"
          + (f", {report.given_up} given up" if report.given_up else "") + ".")
    if report.stopped:
        print(f"Stopped early: {output.cell(report.stopped)}")


def config_show(args, as_json):
    from schedtui.services.mailconfig import load_settings

    data = load_settings(need_server=False).public()
    if as_json:
        output.emit_json({"mail": data})
        return
    output.fields([(f"mail.{k}" if k not in ("config_file", "config_found") else k, v)
                   for k, v in data.items()])


def register(sub, int_type: IntType, outbox: argparse._SubParsersAction) -> None:
    p = command(outbox, "send", "send the waiting notices by SMTP",
                "schedtui outbox send --dry-run",
                "schedtui outbox send --smtp smtp://desk@mail.example.org:587 "
                "--from 'Yoga desk <desk@example.org>'")
    p.add_argument("--smtp", metavar="URL", help="smtp://[user@]host[:587] (STARTTLS), "
                   "smtps://[user@]host[:465] or smtp://localhost:1025; default: "
                   "SCHEDTUI_SMTP_URL, then the config file")
    p.add_argument("--from", dest="sender", metavar="ADDRESS",
                   help='sender, "Name <a@example.org>"; default: SCHEDTUI_FROM, then the '
                   "config file")
    p.add_argument("--limit", type=int_type, metavar="N", help="send at most N notices")
    p.add_argument("--dry-run", action="store_true", dest="dry_run",
                   help="list what would be sent; connect to nothing, change nothing")
    p.set_defaults(handler=outbox_send)

    config = command(sub, "config", "settings").add_subparsers(
        dest="action", required=True, metavar="ACTION",
        help="what to do; each has its own --help")
    p = command(config, "show", "the settings in force (the password hidden)",
                "schedtui config show")
    p.set_defaults(handler=config_show)
