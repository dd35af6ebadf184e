"""The commands: each parses its arguments, calls one service and prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from schedtui.cli import (
    bench_commands,
    event_commands,
    interop_commands,
    mail_commands,
    output,
    ticket_commands,
    week_commands,
)
from schedtui.cli.helptext import command
from schedtui.domain import parse
from schedtui.domain.errors import invalid

IntType = Callable[[str], int]


def _store(args: argparse.Namespace):
    from schedtui.store import open_store

    # SQLAlchemy's engines only when a command needs a session: a read runs on the driver
    return open_store(args.db, lazy=True)


# -- hubs ---------------------------------------------------------------------


def hub_add(args, as_json):
    from schedtui.services import hubs

    hub = hubs.create_hub(_store(args), args.name, args.timezone,
                          idempotency_key=args.idempotency_key, region=args.region)
    _show(hub, as_json, lambda h: print(f"Hub {h.id} added: {output.cell(h.name)} ({h.timezone})"))


def hub_list(args, as_json):
    from schedtui.services import reads

    rows = reads.list_hubs(_store(args), include_archived=args.all)
    _show(rows, as_json, lambda rs: output.table(
        ["ID", "Name", "Time zone", "Series", "Next occurrence", "Archived"],
        [[h.id, h.name, h.timezone, h.series_count, h.next_occurrence, h.archived] for h in rs]))


def hub_show(args, as_json):
    from schedtui.services import reads

    _show(reads.get_hub(_store(args), args.id), as_json, _print_fields)


def hub_edit(args, as_json):
    from schedtui.services import hubs

    if args.name is None and args.timezone is None and args.region is None:
        raise invalid("Give --name, --timezone, --region or several.")
    store = _store(args)
    impact = hubs.edit_impact(store, args.id, name=args.name, timezone=args.timezone)
    if args.dry_run:
        _show(impact, as_json, lambda i: print("\n".join(output.cell(line)
                                                         for line in i.lines())))
        return
    hub = hubs.rename_hub(store, args.id, name=args.name, timezone=args.timezone,
                          region=args.region)

    def human(h) -> None:
        for line in impact.lines():
            print(output.cell(line))
        print(f"Hub {h.id} saved: {output.cell(h.name)} ({h.timezone})")

    _show(hub, as_json, human)


def _end_option(p) -> None:
    p.add_argument("--confirm", action="store_true",
                   help="cancel the upcoming sessions people hold seats in (they are told; "
                   "what they paid for them becomes refund due)")


def hub_archive(args, as_json):
    from schedtui.services import hubs

    _show(hubs.archive_hub(_store(args), args.id, confirm=args.confirm), as_json,
          lambda h: print(f"Hub {h.id} archived."))


# -- series -------------------------------------------------------------------


def _series_settings(args, *, creating: bool) -> dict[str, Any]:
    """The series options that were given, parsed."""
    settings: dict[str, Any] = {}
    simple = {"name": "name", "description": "description", "timezone": "timezone",
              "location": "location", "host": "host", "registration": "registration_option"}
    for attr, key in simple.items():
        value = getattr(args, attr, None)
        if value is not None:
            settings[key] = value
    _rule_set_settings(args, settings)
    if args.start is not None:
        day, at = parse.parse_start(args.start)
        settings["start"] = day
        if at is not None:
            settings["start_time"] = at
    if args.at is not None:
        settings["times"] = parse.parse_times(args.at)
    elif "start_time" in settings and not creating:
        settings["times"] = [(settings["start_time"], None)]
    if not creating:
        settings.pop("start_time", None)
    for attr, key in (("duration", "duration_minutes"), ("horizon_weeks", "horizon_weeks"),
                      ("max_seats", "max_seats")):
        value = getattr(args, attr, None)
        if value is not None:
            settings[key] = value
    if args.capacity is not None:
        settings["capacity"] = parse.parse_capacity(args.capacity)
    for attr in ("booking_min_hours", "booking_max_days"):
        value = getattr(args, attr, None)
        if value is not None:
            settings[attr] = None if value.lower() in ("none", "off") else \
                parse.parse_positive(value, attr.replace("_", " "), 0, 10**6)
    if getattr(args, "require_approval", None) is not None:
        settings["require_approval"] = args.require_approval
    if getattr(args, "waitlist", None) is not None:
        settings["waitlist"] = args.waitlist
    if getattr(args, "on_blackout", None) is not None:
        settings["on_blackout"] = args.on_blackout
    if getattr(args, "refundable_hours", None) is not None:
        settings["refundable_hours"] = args.refundable_hours
    return settings | event_commands.policy_settings(args)


def _rule_set_settings(args, settings: dict[str, Any]) -> None:
    """--rrule (the first is the main rule; more make a rule set), --rdate,
    --exrule, --exdate: each repeatable; "none" clears that part on an edit."""
    rules = getattr(args, "rrule", None)
    if rules:
        settings["rrule"] = rules[0]
        settings["rrules"] = rules[1:]
    for attr in ("rdates", "exrules", "exdates"):
        values = getattr(args, attr, None)
        if values is not None:
            settings[attr] = [] if [v.strip().lower() for v in values] == ["none"] else values


def series_add(args, as_json):
    from schedtui.services import series

    settings = _series_settings(args, creating=True)
    for required in ("start", "rrule", "duration_minutes"):
        if required not in settings:
            raise invalid(f"--{required.split('_')[0]} is required.")
    store = _store(args)
    view = series.create_series(store, hub_id=args.hub, draft=args.draft,
                                idempotency_key=args.idempotency_key, **settings)
    week_commands.show_with_warnings(view, week_commands.series_warnings(store, view.id),
                                     as_json, _print_series)


def series_list(args, as_json):
    from schedtui.services import reads

    rows = reads.list_series(_store(args), hub_id=args.hub)
    _show(rows, as_json, lambda rs: output.table(
        ["ID", "Hub", "Name", "Status", "Rule", "Next", "Occ."],
        [[s.id, s.hub_id, s.name, s.status, s.summary, s.next_occurrence, s.occurrence_count]
         for s in rs]))


def series_show(args, as_json):
    from schedtui.services import reads

    _show(reads.get_series(_store(args), args.id), as_json, _print_series)


def series_edit(args, as_json):
    from schedtui.services import series

    settings = _series_settings(args, creating=False)
    if not settings:
        raise invalid("Nothing to change: give at least one option.")
    store = _store(args)
    view, report = series.edit_series(store, args.id, confirm=args.confirm, **settings)
    warnings = week_commands.series_warnings(store, view.id)
    if as_json:
        output.emit_json(view.to_json() | {"replan": report.__dict__, "warnings": warnings})
        return
    _print_series(view)
    print(f"\nRe-planned: {len(report.moved)} moved, {report.added} added, "
          f"{report.removed} removed, {len(report.cancelled)} cancelled.")
    if report.told:
        print(f"Told of the change: {', '.join(report.told)}.")
    week_commands.print_warnings(warnings)


def series_split(args, as_json):
    from schedtui.services import series

    settings = _series_settings(args, creating=False)
    store = _store(args)
    earlier, later = series.split_series(store, args.id, args.at_occurrence,
                                         confirm=args.confirm, **settings)
    warnings = week_commands.series_warnings(store, later.id)
    if as_json:
        output.emit_json({"earlier": earlier.to_json(), "later": later.to_json(),
                          "warnings": warnings})
        return
    print(f"Series {earlier.id} now ends before the split; series {later.id} continues:\n")
    _print_series(later)
    week_commands.print_warnings(warnings)


def series_status(action: str):
    def handler(args, as_json):
        from schedtui.services import series

        store = _store(args)
        view = series.set_status(store, args.id, action, confirm=getattr(args, "confirm", False))
        if action != "publish":
            _show(view, as_json, lambda s: print(f"Series {s.id} is now {s.status}."))
            return
        # a draft counted for nobody: published, it may double-book others
        week_commands.show_with_warnings(view, week_commands.series_warnings(store, view.id),
                                         as_json,
                                         lambda s: print(f"Series {s.id} is now {s.status}."))
    return handler


def roll(args, as_json):
    from schedtui.services import series

    added = series.roll_horizons(_store(args), series_id=args.series)
    if as_json:
        output.emit_json({"added": {str(k): v for k, v in added.items()}})
        return
    if not added:
        print("Every series is planned up to its horizon.")
    for sid, count in added.items():
        print(f"Series {sid}: {count} occurrences added.")


# -- occurrences --------------------------------------------------------------


def occ_list(args, as_json):
    from schedtui.services import reads

    start = parse.parse_date(args.from_, "--from", clamp=True) if args.from_ else None
    end = parse.parse_date(args.to, "--to", clamp=True) if args.to else None
    if start and end and end < start:
        raise invalid("--to is before --from.")
    rows = reads.list_occurrences(_store(args), args.series_id, start=start, end=end)
    _show(rows, as_json, _print_occurrences)


def _print_occurrences(rows):
    output.table(["ID", "Start", "End", "Status", "Capacity", "Booked", "Waitlist", "Note"],
                 [[o.id, o.start[:16].replace("T", " "), output.end_text(o.start, o.end), o.status,
                   "unlimited" if o.capacity is None else o.capacity, o.booked, o.waitlisted,
                   "moved" if o.moved else ""] for o in rows])


def occ_show(args, as_json):
    from schedtui.services import reads

    _show(reads.get_occurrence(_store(args), args.id), as_json, _print_fields)


def occ_move(args, as_json):
    from schedtui.services import bulk, occurrences

    if args.by is not None:
        if args.duration is not None:
            raise invalid("--duration goes with --start; --by keeps each length.")
        _show_bulk(bulk.move_occurrences(_store(args), args.ids, args.by), args, as_json,
                   "moved")
        return
    if len(args.ids) > 1:
        raise invalid("--start moves one occurrence; move several with --by MINUTES.")
    start = parse.parse_local_datetime(args.start, "--start")
    store = _store(args)
    view = occurrences.move_occurrence(store, args.ids[0], start, args.duration)
    week_commands.show_with_warnings(
        view, week_commands.occurrence_warnings(store, [view.id]), as_json,
        lambda o: print(f"Occurrence {o.id} now starts {o.start} ({o.start_utc})."))


def occ_cancel(args, as_json):
    from schedtui.services import bulk, occurrences

    if len(args.ids) > 1:
        _show_bulk(bulk.cancel_occurrences(_store(args), args.ids), args, as_json, "cancelled")
        return
    _show(occurrences.cancel_occurrence(_store(args), args.ids[0]), as_json,
          lambda o: print(f"Occurrence {o.id} cancelled."))


def occ_restore(args, as_json):
    from schedtui.services import bulk, occurrences

    store = _store(args)
    if len(args.ids) > 1:
        result = bulk.restore_occurrences(store, args.ids)
        _show_bulk(result, args, as_json, "restored")
        if not as_json:  # the JSON list has no room for them
            week_commands.print_warnings(week_commands.occurrence_warnings(
                store, [o.id for o in result.occurrences]))
        return
    view = occurrences.restore_occurrence(store, args.ids[0])
    week_commands.show_with_warnings(view, week_commands.occurrence_warnings(store, [view.id]),
                                     as_json, lambda o: print(f"Occurrence {o.id} restored."))


def occ_set(args, as_json):
    from schedtui.services import bulk, occurrences

    kwargs: dict[str, Any] = {}
    if args.capacity is not None:
        kwargs["capacity"] = parse.parse_capacity(args.capacity)
    if args.location is not None:
        kwargs["location"] = args.location
    if args.host is not None:
        kwargs["host"] = args.host
    if len(args.ids) > 1:
        _show_bulk(bulk.set_occurrences(_store(args), args.ids, demote=args.demote, **kwargs),
                   args, as_json, "changed")
        return
    store = _store(args)
    view = occurrences.set_occurrence(store, args.ids[0], demote=args.demote, **kwargs)
    week_commands.show_with_warnings(view, week_commands.occurrence_warnings(store, [view.id]),
                                     as_json, _print_fields)


def _show_bulk(result, args, as_json: bool, done: str) -> None:
    """A bulk edit: with ``--json`` the occurrences as a list (one id: that one)."""
    if as_json:
        output.emit_json(result.occurrences if len(args.ids) > 1 else result.occurrences[0])
        return
    _print_occurrences(result.occurrences)
    count = len(result.occurrences)
    print(f"{count} occurrence{'s' if count != 1 else ''} {done}; {result.people} "
          f"{'person' if result.people == 1 else 'people'} holding seats told.")


def occ_undo(args, as_json):
    from schedtui.services import occurrences

    action, views = occurrences.undo_last(_store(args), args.series_id)
    if as_json:
        output.emit_json({"undone": action, "occurrence": views[0].to_json(),
                          "occurrences": [v.to_json() for v in views]})
    elif len(views) == 1:
        print(f"Undid the {action} of occurrence {views[0].id}.")
    else:
        print(f"Undid the {action} of {len(views)} occurrences: "
              f"{', '.join(str(v.id) for v in views)}.")


# -- blackouts ----------------------------------------------------------------


def _print_blackouts(rows):
    output.table(["ID", "From", "To", "Reason", "Cancelled", "Shifted"],
                 [[b.id, b.start, b.end, b.reason, len(b.cancelled), len(b.shifted)]
                  for b in rows])


def blackout_add(args, as_json):
    from schedtui.services import blackouts

    first = parse.parse_date(args.from_, "--from")
    last = parse.parse_date(args.to, "--to") if args.to else None
    view = blackouts.add_blackout(_store(args), args.hub, first, last, reason=args.reason,
                                  confirm=args.confirm)
    _show(view, as_json, lambda b: print(
        f"Blackout {b.id} added: {b.start} to {b.end}; {len(b.cancelled)} occurrences "
        f"cancelled, {len(b.shifted)} moved."))


def blackout_list(args, as_json):
    from schedtui.services import blackouts

    _show(blackouts.list_blackouts(_store(args), args.hub), as_json, _print_blackouts)


def blackout_remove(args, as_json):
    from schedtui.services import blackouts

    _show(blackouts.remove_blackout(_store(args), args.id), as_json, lambda b: print(
        f"Blackout {b.id} removed; {len(b.cancelled)} occurrences restored, "
        f"{len(b.shifted)} moved back."))


def holidays_add(args, as_json):
    from schedtui.services import blackouts

    rows = blackouts.add_holidays(_store(args), args.hub, args.country, args.year,
                                  subdiv=args.subdiv, confirm=args.confirm)
    _show(rows, as_json, lambda rs: (_print_blackouts(rs),
                                     print(f"{len(rs)} holidays added as blackouts.")))


def log(args, as_json):
    from schedtui.services import reads

    limit = parse.parse_positive(args.limit, "--limit", 1, 100_000)
    rows = reads.list_log(_store(args), series_id=args.series, limit=limit)
    _show(rows, as_json, lambda rs: output.table(
        ["ID", "When (UTC)", "Who", "Action", "Entity", "Change"],
        [[e.id, e.at, e.actor, e.action, f"{e.entity} {e.entity_id}", _change(e)] for e in rs]))


def _change(entry) -> str:
    before, after = entry.before or {}, entry.after or {}
    keys = [k for k in after if before.get(k) != after.get(k)]
    return ", ".join(f"{k}: {before.get(k, '')} -> {after[k]}" for k in keys[:3])


def overview(args, as_json):
    from schedtui.services import reads

    store = _store(args)
    data = [(h, reads.list_series(store, hub_id=h.id)) for h in reads.list_hubs(store)]
    if as_json:
        output.emit_json([{"hub": h.to_json(), "series": [s.to_json() for s in ss]}
                          for h, ss in data])
        return
    for hub, rows in data:
        print(f"\n{output.cell(hub.name)}  ({hub.timezone})")
        for s in rows:
            print(f"  [{s.id}] {output.cell(s.name)} - {s.summary} - next {s.next_occurrence}")


# -- registrations ------------------------------------------------------------


def reg_add(args, as_json):
    from schedtui.services import registrations

    view = registrations.register(_store(args), args.series_id, email=args.email, name=args.name,
                                  occurrence_ids=args.occ or None, seats=args.seats,
                                  phone=args.phone or "", idempotency_key=args.idempotency_key,
                                  ticket_id=args.ticket)
    _show(view, as_json, _print_registration)


def _print_registration(view) -> None:
    output.fields([("id", view.id), ("series", view.series_id), ("name", view.name),
                   ("email", view.email), ("seats", view.seats), ("status", view.status)])
    ticket_commands.print_money(view)
    output.table(["Occurrence", "Start", "Status", "Attended"],
                 [[s.id, s.start[:16].replace("T", " "), s.status, s.attended]
                  for s in view.occurrences])


def reg_list(args, as_json):
    from schedtui.services import registration_reads

    if (args.series is None) == (args.occ is None):
        raise invalid("Give exactly one of --series or --occ.")
    rows = registration_reads.list_registrations(_store(args), series_id=args.series,
                                                 occurrence_id=args.occ)
    _show(rows, as_json, lambda rs: output.table(
        ["ID", "Name", "Email", "Seats", "Status", "Sessions"],
        [[r.id, r.name, r.email, r.seats, r.status, len(r.occurrences)] for r in rs]))


def reg_show(args, as_json):
    from schedtui.services import registration_reads

    _show(registration_reads.get_registration(_store(args), args.id), as_json, _print_registration)


def reg_action(name: str):
    def handler(args, as_json):
        from schedtui.services import registrations

        if name == "cancel":
            view = registrations.cancel_registration(_store(args), args.id, refund=args.refund)
            _show(view, as_json, _print_cancelled)
            return
        call = {"approve": registrations.approve, "decline": registrations.decline}[name]
        _show(call(_store(args), args.id), as_json, _print_registration)
    return handler


def _print_cancelled(view) -> None:
    _print_registration(view)
    if view.late:
        print("Late cancellation (after the series' refundable hours)"
              + (f"; refund due {view.refund_due} {view.currency}." if view.currency else "."))
    elif view.currency:
        print(f"Cancelled in time; refund due {view.refund_due} {view.currency}.")


def reg_switch(args, as_json):
    from schedtui.services import registrations

    _show(registrations.switch(_store(args), args.id, args.from_occ, args.to_occ), as_json,
          _print_registration)


def checkin(args, as_json):
    from schedtui.services import registrations

    _show(registrations.check_in(_store(args), args.reg_id, args.occ, attended=not args.undo),
          as_json, _print_registration)


def series_stats(args, as_json):
    from schedtui.services import registrations

    figures = registrations.series_stats(_store(args), args.id)
    if as_json:
        output.emit_json(figures)
        return
    rate = "-" if figures.fill_rate is None else f"{figures.fill_rate:.0%}"
    output.fields([("series", figures.series_id), ("registrations", figures.registrations),
                   ("capacity", figures.capacity), ("confirmed", figures.confirmed),
                   ("waitlisted", figures.waitlisted), ("pending", figures.pending),
                   ("attended", figures.attended), ("fill rate", rate)])
    print()
    output.table(["Occurrence", "Start", "Status", "Cap.", "Conf.", "Wait", "Pend.", "Att.",
                  "Fill"],
                 [[o.id, o.start[:16].replace("T", " "), o.status, o.capacity, o.confirmed,
                   o.waitlisted, o.pending, o.attended,
                   "-" if o.fill_rate is None else f"{o.fill_rate:.0%}"]
                  for o in figures.occurrences])
    ticket_commands.print_revenue(figures.revenue)


def outbox_export(args, as_json):
    from schedtui.services import outbox

    paths = outbox.export_eml(_store(args), args.dir, include_exported=args.all)
    if as_json:
        output.emit_json({"exported": len(paths), "files": [str(p) for p in paths]})
    else:
        print(f"{len(paths)} notices written to {args.dir}.")


# -- the desk -----------------------------------------------------------------


def run_desk(args) -> int:
    """No command: open the desk (demo data on first run or with ``--demo``).

    The desk gets an opener, not an open store: its first screen is drawn before
    the database libraries are imported and the store is opened (in a worker,
    with the demo data loaded there on first run). An error opening the store
    (not a database, a newer schema, unavailable) ends the desk with status 1
    and comes back here as a DeskError, printed like any command's error."""
    from schedtui.tui.app import run  # the desk rolls horizons itself, in a worker

    fresh = args.demo and _replace_demo()

    def opener():
        from schedtui import demo
        from schedtui.store import open_store

        db = args.db
        if args.demo:
            db = str(demo.fresh_demo_path() if fresh else demo.demo_path())
        first_run = demo.is_first_run(db)
        store = open_store(db)
        if fresh or first_run:
            demo.load(store)
        return store

    return run(opener)


def _replace_demo() -> bool:
    """``--demo`` with a demo database there already: ask before replacing it
    (its changes would be lost). No answer, or no terminal to ask on, keeps it."""
    import sys

    from schedtui import demo

    path = demo.demo_path()
    if not path.exists():
        return True
    if not sys.stdin.isatty():
        print(f"Opening the existing demo database {path} (not replaced: nobody to ask).",
              file=sys.stderr)
        return False
    try:
        answer = input(f"Replace the demo database {path} with fresh demo data? "
                       "Its changes are lost. [y/N] ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


# -- wiring ---------------------------------------------------------------------


def _show(value, as_json: bool, human: Callable[[Any], None]) -> None:
    if as_json:
        output.emit_json(value)
    else:
        human(value)


def _print_fields(view) -> None:
    output.fields([(k, v) for k, v in view.to_json().items()])


def _print_series(view) -> None:
    data = view.to_json()
    data["times"] = ", ".join(t.label() for t in view.times)
    output.fields([(k, v) for k, v in data.items()])


def _series_options(parser: argparse.ArgumentParser, int_type: IntType, *, creating: bool):
    parser.add_argument("--name", required=creating, help="the series' name")
    parser.add_argument("--description", help="a longer text for the people who book")
    parser.add_argument("--timezone", metavar="ZONE", help="IANA zone; defaults to the hub's")
    parser.add_argument("--start", required=creating, metavar="WHEN",
                        help="YYYY-MM-DD[THH:MM], local")
    parser.add_argument("--at", metavar="TIMES", help="times of day: HH:MM[,HH:MM...], each "
                        "optionally /MO+WE for some weekdays only")
    parser.add_argument("--duration", required=creating, metavar="LENGTH",
                        help="minutes (90) or days, hours, minutes (3d, 2d8h); up to 31 days")
    parser.add_argument("--rrule", required=creating, action="append", metavar="RULE",
                        help="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=12; repeat it "
                        "for a rule set of several rules (the first is the main one)")
    parser.add_argument("--rdate", dest="rdates", action="append", metavar="WHEN",
                        help="an added date (YYYY-MM-DD: every time of day) or instant "
                        "(YYYY-MM-DDTHH:MM), local; repeatable")
    parser.add_argument("--exrule", dest="exrules", action="append", metavar="RULE",
                        help="a rule whose instances are left out (RFC 2445 EXRULE); repeatable")
    parser.add_argument("--exdate", dest="exdates", action="append", metavar="WHEN",
                        help="a date or instant left out, as --rdate; repeatable")
    parser.add_argument("--capacity", metavar="SEATS", help="1..10000 or unlimited")
    parser.add_argument("--location", help="a place, or an https:// address (virtual)")
    parser.add_argument("--host", help="who runs the sessions")
    parser.add_argument("--registration", choices=("all_sessions", "single_session",
                                                   "multiple_sessions"),
                        help="what a booking holds: every session, one session, or the "
                        "sessions the person picks")
    parser.add_argument("--horizon-weeks", type=int_type, dest="horizon_weeks", metavar="WEEKS",
                        help="how far ahead a series without an end is planned")
    parser.add_argument("--max-seats", type=int_type, dest="max_seats", metavar="N",
                        help="the most seats one booking may take")
    parser.add_argument("--require-approval", dest="require_approval", action="store_const",
                        const=True, help="bookings wait for the organizer's approval")
    if not creating:
        parser.add_argument("--no-approval", dest="require_approval", action="store_const",
                            const=False, help="bookings are confirmed without approval")
    parser.add_argument("--waitlist", choices=("strict", "first_fit"),
                        help="strict: first come first served (the default); first_fit: "
                        "freed seats go to the earliest requests that fit")
    parser.add_argument("--on-blackout", dest="on_blackout", choices=("skip", "shift", "ignore"),
                        help="on the hub's blackout days: skip (the default), shift to the "
                        "next free day, or ignore")
    parser.add_argument("--refundable-hours", dest="refundable_hours", type=int_type,
                        metavar="HOURS", help="a cancellation this many hours or more before "
                        "the next session is refunded (default: 24; 0: until the start)")
    parser.add_argument("--booking-min-hours", dest="booking_min_hours", metavar="HOURS",
                        help="bookings close this many hours before a session (off: never)")
    parser.add_argument("--booking-max-days", dest="booking_max_days", metavar="DAYS",
                        help="bookings open this many days before a session (off: any time)")
    event_commands.policy_options(parser, creating=creating)


_IDEMPOTENCY = "a key of your choice: a repeated command with the same key changes nothing"


def register(sub, int_type: IntType) -> None:
    hub = command(sub, "hub", "hubs: the places series belong to").add_subparsers(
        dest="action", required=True, metavar="ACTION",
        help="what to do; each has its own --help")
    p = command(hub, "add", "add a hub",
                "schedtui hub add 'Berlin studio' --timezone Europe/Berlin")
    p.add_argument("name", help="the hub's name")
    p.add_argument("--timezone", default="UTC", metavar="ZONE",
                   help="IANA zone of its series (default: UTC)")
    p.add_argument("--idempotency-key", dest="idempotency_key", metavar="KEY", help=_IDEMPOTENCY)
    event_commands.region_option(p)
    p.set_defaults(handler=hub_add)
    p = command(hub, "list", "list hubs", "schedtui hub list --all")
    p.add_argument("--all", action="store_true", help="include archived hubs")
    p.set_defaults(handler=hub_list)
    p = command(hub, "edit", "rename a hub or change its time zone (the default for its new "
                "series; the series it has keep theirs)",
                "schedtui hub edit 1 --timezone Europe/Vienna --dry-run",
                "schedtui hub edit 1 --name 'Vienna studio'")
    p.add_argument("id", type=int_type, help="the hub's id")
    p.add_argument("--name", help="the new name")
    p.add_argument("--timezone", metavar="ZONE",
                   help="the new time zone (IANA name, e.g. Europe/Berlin)")
    p.add_argument("--dry-run", dest="dry_run", action="store_true",
                   help="only say what would change")
    event_commands.region_option(p)
    p.set_defaults(handler=hub_edit)
    for name, summary, handler in (("show", "a hub's settings", hub_show),
                                   ("archive", "archive a hub: hidden from lists, kept in the "
                                    "log", hub_archive)):
        p = command(hub, name, summary, f"schedtui hub {name} 1")
        p.add_argument("id", type=int_type, help="the hub's id")
        if name == "archive":
            _end_option(p)
        p.set_defaults(handler=handler)

    ser = command(sub, "series", "series: recurring events and their rules").add_subparsers(
        dest="action", required=True, metavar="ACTION",
        help="what to do; each has its own --help")
    p = command(ser, "add", "add a series",
                "schedtui series add --hub 1 --name Yoga --start 2027-01-04T18:00 "
                "--duration 60 --rrule 'FREQ=WEEKLY;BYDAY=MO;COUNT=12' --capacity 12",
                "schedtui series add --hub 1 --name 'Swim course' --start 2027-03-01 "
                "--at 07:00,18:30 --duration 45 --rrule 'FREQ=DAILY;COUNT=10' --draft")
    p.add_argument("--hub", type=int_type, required=True, metavar="ID", help="the hub's id")
    p.add_argument("--draft", action="store_true",
                   help="keep it a draft: planned, not open for booking until published")
    p.add_argument("--idempotency-key", dest="idempotency_key", metavar="KEY", help=_IDEMPOTENCY)
    _series_options(p, int_type, creating=True)
    p.set_defaults(handler=series_add)
    p = command(ser, "list", "list series", "schedtui series list --hub 1")
    p.add_argument("--hub", type=int_type, metavar="ID", help="only this hub's series")
    p.set_defaults(handler=series_list)
    p = command(ser, "show", "a series' settings and rules", "schedtui series show 3")
    p.add_argument("id", type=int_type, help="the series' id")
    p.set_defaults(handler=series_show)
    p = command(ser, "edit", "change a series; the future is re-planned",
                "schedtui series edit 3 --capacity 20 --location 'Room 2'",
                "schedtui series edit 3 --rrule 'FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630' --confirm")
    p.add_argument("id", type=int_type, help="the series' id")
    p.add_argument("--confirm", action="store_true",
                   help="cancel dropped occurrences that hold registrations")
    _series_options(p, int_type, creating=False)
    p.set_defaults(handler=series_edit)
    p = command(ser, "split", "this and following: a new series from an occurrence on",
                "schedtui series split 3 --at-occurrence 41 --start 2027-02-01T19:00")
    p.add_argument("id", type=int_type, help="the series' id")
    p.add_argument("--at-occurrence", type=int_type, required=True, dest="at_occurrence",
                   metavar="ID", help="the first occurrence of the new series")
    p.add_argument("--confirm", action="store_true",
                   help="cancel dropped occurrences that hold registrations")
    _series_options(p, int_type, creating=False)
    p.set_defaults(handler=series_split)
    for action, summary in (("publish", "open a draft series for booking"),
                            ("pause", "stop taking bookings for a while"),
                            ("resume", "take bookings again after a pause"),
                            ("archive", "end a series: hidden from lists, kept in the log")):
        p = command(ser, action, summary, f"schedtui series {action} 3")
        p.add_argument("id", type=int_type, help="the series' id")
        if action == "archive":
            _end_option(p)
        p.set_defaults(handler=series_status(action))

    p = command(sub, "roll", "plan series without an end up to their horizon",
                "schedtui roll", "schedtui roll --series 3")
    p.add_argument("--series", type=int_type, metavar="ID", help="only this series")
    p.set_defaults(handler=roll)

    occ = command(sub, "occ", "occurrences: the single sessions of a series").add_subparsers(
        dest="action", required=True, metavar="ACTION",
        help="what to do; each has its own --help")
    p = command(occ, "list", "a series' occurrences",
                "schedtui occ list 3 --from 2027-01-01 --to 2027-01-31")
    p.add_argument("series_id", type=int_type, metavar="SERIES", help="the series' id")
    p.add_argument("--from", dest="from_", metavar="DATE", help="first day, YYYY-MM-DD")
    p.add_argument("--to", metavar="DATE", help="last day, YYYY-MM-DD, inclusive")
    p.set_defaults(handler=occ_list)
    p = command(occ, "show", "one occurrence, with its seats", "schedtui occ show 41")
    p.add_argument("id", type=int_type, help="the occurrence's id")
    p.set_defaults(handler=occ_show)
    several = "one or more occurrence ids: several change together or not at all"
    for name, summary, handler in (("cancel", "cancel occurrences; their people are told",
                                    occ_cancel),
                                   ("restore", "restore cancelled occurrences", occ_restore)):
        p = command(occ, name, summary, f"schedtui occ {name} 41 42")
        p.add_argument("ids", type=int_type, nargs="+", metavar="ID", help=several)
        p.set_defaults(handler=handler)
    p = command(occ, "move", "move occurrences to another time",
                "schedtui occ move 41 --start 2027-01-12T19:00",
                "schedtui occ move 41 42 43 --by -30")
    p.add_argument("ids", type=int_type, nargs="+", metavar="ID", help=several)
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--start", metavar="WHEN",
                      help="YYYY-MM-DDTHH:MM in the series' zone (one occurrence)")
    when.add_argument("--by", type=int_type, metavar="MINUTES",
                      help="move each by this many minutes on the local clock (negative: "
                      "earlier)")
    p.add_argument("--duration", metavar="LENGTH",
                   help="a new length: minutes (90) or days, hours, minutes (3d, 2d8h)")
    p.set_defaults(handler=occ_move)
    p = command(occ, "set", "change the capacity, place or host of occurrences",
                "schedtui occ set 41 --capacity 8 --demote",
                "schedtui occ set 41 42 --location 'Room 3' --host 'Ana Silva'")
    p.add_argument("ids", type=int_type, nargs="+", metavar="ID", help=several)
    p.add_argument("--capacity", metavar="SEATS", help="1..10000 or unlimited")
    p.add_argument("--location", help="a place, or an https:// address (virtual)")
    p.add_argument("--host", help="who runs the session")
    p.add_argument("--demote", action="store_true",
                   help="on a capacity cut, move the newest confirmed seats to the waitlist")
    p.set_defaults(handler=occ_set)
    p = command(occ, "undo", "undo the last occurrence edit of a series", "schedtui occ undo 3")
    p.add_argument("series_id", type=int_type, metavar="SERIES", help="the series' id")
    p.set_defaults(handler=occ_undo)

    black = command(sub, "blackout", "days a hub holds no sessions").add_subparsers(
        dest="action", required=True, metavar="ACTION",
        help="what to do; each has its own --help")
    p = command(black, "add", "black out days (local to the hub's zone, inclusive)",
                "schedtui blackout add --hub 1 --from 2027-12-24 --to 2027-12-31 "
                "--reason 'Winter break' --confirm")
    p.add_argument("--hub", type=int_type, required=True, metavar="ID", help="the hub's id")
    p.add_argument("--from", dest="from_", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--to", metavar="DATE", help="YYYY-MM-DD (default: the --from day)")
    p.add_argument("--reason", default="", help="why, shown in lists and notices")
    p.add_argument("--confirm", action="store_true",
                   help="cancel or move occurrences people hold seats in, and tell them")
    p.set_defaults(handler=blackout_add)
    p = command(black, "list", "a hub's blackouts", "schedtui blackout list --hub 1")
    p.add_argument("--hub", type=int_type, required=True, metavar="ID", help="the hub's id")
    p.set_defaults(handler=blackout_list)
    p = command(black, "remove", "remove a blackout; restores what it cancelled",
                "schedtui blackout remove 2")
    p.add_argument("id", type=int_type, help="the blackout's id")
    p.set_defaults(handler=blackout_remove)
    p = command(sub, "holidays", "add a country's public holidays as blackouts",
                "schedtui holidays --hub 1 --country DE --subdiv BY --year 2027 --confirm")
    p.add_argument("--hub", type=int_type, required=True, metavar="ID", help="the hub's id")
    p.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. DE")
    p.add_argument("--subdiv", help="a subdivision, e.g. BY")
    p.add_argument("--year", type=int_type, action="append", required=True,
                   help="a year, e.g. 2027 (repeat for several)")
    p.add_argument("--confirm", action="store_true",
                   help="cancel or move occurrences people hold seats in, and tell them")
    p.set_defaults(handler=holidays_add)

    p = command(sub, "log", "the audit log", "schedtui log --series 3 --limit 20")
    p.add_argument("--series", type=int_type, metavar="ID", help="only this series' entries")
    p.add_argument("--limit", type=int_type, default=200, metavar="N",
                   help="at most N entries, the newest (default: 200)")
    p.set_defaults(handler=log)

    p = command(ser, "stats", "capacity, seats, attendance and fill rate",
                "schedtui series stats 3")
    p.add_argument("id", type=int_type, help="the series' id")
    p.set_defaults(handler=series_stats)

    reg = command(sub, "reg", "registrations: people's seats").add_subparsers(
        dest="action", required=True, metavar="ACTION",
        help="what to do; each has its own --help")
    p = command(reg, "add", "register a person",
                "schedtui reg add 3 --email ana@example.org --name 'Ana Silva'",
                "schedtui reg add 5 --email bo@example.org --name 'Bo Berg' --occ 61 --seats 2")
    p.add_argument("series_id", type=int_type, metavar="SERIES", help="the series' id")
    p.add_argument("--email", help="the person's e-mail address (a series with --contact "
                   "none takes a name alone)")
    p.add_argument("--name", required=True, help="the person's name")
    p.add_argument("--phone", help="a phone number (+49 30 901820, or without the country "
                   "code in the hub's region); required by --contact email_and_phone")
    p.add_argument("--ticket", type=int_type, metavar="ID",
                   help="the ticket type (needed where the series sells tickets)")
    p.add_argument("--occ", type=int_type, action="append", default=[], metavar="ID",
                   help="a chosen occurrence (repeat for several)")
    p.add_argument("--seats", type=int_type, default=1, metavar="N",
                   help="seats for this booking (default: 1)")
    p.add_argument("--idempotency-key", dest="idempotency_key", metavar="KEY", help=_IDEMPOTENCY)
    p.set_defaults(handler=reg_add)
    p = command(reg, "list", "registrations of a series or an occurrence",
                "schedtui reg list --series 3", "schedtui reg list --occ 41")
    p.add_argument("--series", type=int_type, metavar="ID", help="only this series")
    p.add_argument("--occ", type=int_type, metavar="ID", help="only this occurrence")
    p.set_defaults(handler=reg_list)
    p = command(reg, "show", "one registration and its seats", "schedtui reg show 7")
    p.add_argument("id", type=int_type, help="the registration's id")
    p.set_defaults(handler=reg_show)
    for name, summary in (("cancel", "cancel a registration; its seats are freed for the waitlist"),
                          ("approve", "approve a registration waiting for approval"),
                          ("decline", "decline a registration waiting for approval")):
        p = command(reg, name, summary, f"schedtui reg {name} 7")
        p.add_argument("id", type=int_type, help="the registration's id")
        if name == "cancel":
            p.add_argument("--refund", action="store_true",
                           help="after the cutoff too, owe back what was paid")
        p.set_defaults(handler=reg_action(name))
    p = command(reg, "switch", "move a seat to another occurrence in one step",
                "schedtui reg switch 7 --from 41 --to 42")
    p.add_argument("id", type=int_type, help="the registration's id")
    p.add_argument("--from", dest="from_occ", type=int_type, required=True, metavar="OCC",
                   help="the occurrence the seat is in")
    p.add_argument("--to", dest="to_occ", type=int_type, required=True, metavar="OCC",
                   help="the occurrence it moves to")
    p.set_defaults(handler=reg_switch)
    ticket_commands.register(sub, int_type, reg)

    p = command(sub, "checkin", "mark a seat attended",
                "schedtui checkin 7 --occ 41", "schedtui checkin 7 --occ 41 --undo")
    p.add_argument("reg_id", type=int_type, metavar="REG", help="the registration's id")
    p.add_argument("--occ", type=int_type, required=True, metavar="ID",
                   help="the occurrence attended")
    p.add_argument("--undo", action="store_true", help="take the check-in back")
    p.set_defaults(handler=checkin)

    box = command(sub, "outbox", "notices to send").add_subparsers(
        dest="action", required=True, metavar="ACTION",
        help="what to do; each has its own --help")
    p = command(box, "list", "the notices waiting to be sent", "schedtui outbox list")
    p.add_argument("--all", action="store_true", help="include exported notices")
    p.add_argument("--due", action="store_true",
                   help="only the notices a send would take now (reminders wait for their time)")
    p.set_defaults(handler=event_commands.outbox_list)
    p = command(box, "export", "write notices as .eml files", "schedtui outbox export mail/")
    p.add_argument("dir", help="the folder to write the .eml files into")
    p.add_argument("--all", action="store_true", help="include notices exported before")
    p.set_defaults(handler=outbox_export)
    mail_commands.register(sub, int_type, box)

    p = command(sub, "overview", "every hub and series, briefly", "schedtui overview")
    p.set_defaults(handler=overview)
    interop_commands.register(sub, int_type)
    bench_commands.register(sub, int_type)
    week_commands.register(sub, int_type)
    event_commands.register(sub, int_type)
