"""The commands: each parses its arguments, calls one service and prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from schedtui.cli import bench_commands, interop_commands, mail_commands, output, week_commands
from schedtui.domain import parse
from schedtui.domain.errors import invalid

IntType = Callable[[str], int]


def _store(args: argparse.Namespace):
    from schedtui.store import open_store

    return open_store(args.db)


# -- hubs ---------------------------------------------------------------------


def hub_add(args, as_json):
    from schedtui.services import hubs

    hub = hubs.create_hub(_store(args), args.name, args.timezone,
                          idempotency_key=args.idempotency_key)
    _show(hub, as_json, lambda h: print(f"Hub {h.id} added: {output.cell(h.name)} ({h.timezone})"))


def hub_list(args, as_json):
    from schedtui.services import hubs

    rows = hubs.list_hubs(_store(args), include_archived=args.all)
    _show(rows, as_json, lambda rs: output.table(
        ["ID", "Name", "Time zone", "Series", "Next occurrence", "Archived"],
        [[h.id, h.name, h.timezone, h.series_count, h.next_occurrence, h.archived] for h in rs]))


def hub_show(args, as_json):
    from schedtui.services import hubs

    _show(hubs.get_hub(_store(args), args.id), as_json, _print_fields)


def hub_edit(args, as_json):
    from schedtui.services import hubs

    if args.name is None and args.timezone is None:
        raise invalid("Give --name, --timezone or both.")
    store = _store(args)
    impact = hubs.edit_impact(store, args.id, name=args.name, timezone=args.timezone)
    if args.dry_run:
        _show(impact, as_json, lambda i: print("\n".join(output.cell(line)
                                                         for line in i.lines())))
        return
    hub = hubs.rename_hub(store, args.id, name=args.name, timezone=args.timezone)

    def human(h) -> None:
        for line in impact.lines():
            print(output.cell(line))
        print(f"Hub {h.id} saved: {output.cell(h.name)} ({h.timezone})")

    _show(hub, as_json, human)


def hub_archive(args, as_json):
    from schedtui.services import hubs

    _show(hubs.archive_hub(_store(args), args.id), as_json,
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
    return settings


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
    from schedtui.services import series

    rows = series.list_series(_store(args), hub_id=args.hub)
    _show(rows, as_json, lambda rs: output.table(
        ["ID", "Hub", "Name", "Status", "Rule", "Next", "Occ."],
        [[s.id, s.hub_id, s.name, s.status, s.summary, s.next_occurrence, s.occurrence_count]
         for s in rs]))


def series_show(args, as_json):
    from schedtui.services import series

    _show(series.get_series(_store(args), args.id), as_json, _print_series)


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

        _show(series.set_status(_store(args), args.id, action), as_json,
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
    from schedtui.services import occurrences

    start = parse.parse_date(args.from_, "--from", clamp=True) if args.from_ else None
    end = parse.parse_date(args.to, "--to", clamp=True) if args.to else None
    if start and end and end < start:
        raise invalid("--to is before --from.")
    rows = occurrences.list_occurrences(_store(args), args.series_id, start=start, end=end)
    _show(rows, as_json, _print_occurrences)


def _print_occurrences(rows):
    output.table(["ID", "Start", "End", "Status", "Capacity", "Booked", "Waitlist", "Note"],
                 [[o.id, o.start[:16].replace("T", " "), o.end[11:16], o.status,
                   "unlimited" if o.capacity is None else o.capacity, o.booked, o.waitlisted,
                   "moved" if o.moved else ""] for o in rows])


def occ_show(args, as_json):
    from schedtui.services import occurrences

    _show(occurrences.get_occurrence(_store(args), args.id), as_json, _print_fields)


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

    if len(args.ids) > 1:
        _show_bulk(bulk.restore_occurrences(_store(args), args.ids), args, as_json, "restored")
        return
    _show(occurrences.restore_occurrence(_store(args), args.ids[0]), as_json,
          lambda o: print(f"Occurrence {o.id} restored."))


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
    from schedtui.services import audit

    limit = parse.parse_positive(args.limit, "--limit", 1, 100_000)
    rows = audit.list_log(_store(args), series_id=args.series, limit=limit)
    _show(rows, as_json, lambda rs: output.table(
        ["ID", "When (UTC)", "Who", "Action", "Entity", "Change"],
        [[e.id, e.at, e.actor, e.action, f"{e.entity} {e.entity_id}", _change(e)] for e in rs]))


def _change(entry) -> str:
    before, after = entry.before or {}, entry.after or {}
    keys = [k for k in after if before.get(k) != after.get(k)]
    return ", ".join(f"{k}: {before.get(k, '')} -> {after[k]}" for k in keys[:3])


def overview(args, as_json):
    from schedtui.services import hubs, series

    store = _store(args)
    data = [(h, series.list_series(store, hub_id=h.id)) for h in hubs.list_hubs(store)]
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
                                  phone=args.phone or "", idempotency_key=args.idempotency_key)
    _show(view, as_json, _print_registration)


def _print_registration(view) -> None:
    output.fields([("id", view.id), ("series", view.series_id), ("name", view.name),
                   ("email", view.email), ("seats", view.seats), ("status", view.status)])
    output.table(["Occurrence", "Start", "Status", "Attended"],
                 [[s.id, s.start[:16].replace("T", " "), s.status, s.attended]
                  for s in view.occurrences])


def reg_list(args, as_json):
    from schedtui.services import registrations

    if (args.series is None) == (args.occ is None):
        raise invalid("Give exactly one of --series or --occ.")
    rows = registrations.list_registrations(_store(args), series_id=args.series,
                                            occurrence_id=args.occ)
    _show(rows, as_json, lambda rs: output.table(
        ["ID", "Name", "Email", "Seats", "Status", "Sessions"],
        [[r.id, r.name, r.email, r.seats, r.status, len(r.occurrences)] for r in rs]))


def reg_show(args, as_json):
    from schedtui.services import registrations

    _show(registrations.get_registration(_store(args), args.id), as_json, _print_registration)


def reg_action(name: str):
    def handler(args, as_json):
        from schedtui.services import registrations

        call = {"cancel": registrations.cancel_registration, "approve": registrations.approve,
                "decline": registrations.decline}[name]
        _show(call(_store(args), args.id), as_json, _print_registration)
    return handler


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


def outbox_list(args, as_json):
    from schedtui.services import outbox

    rows = outbox.list_notices(_store(args), include_exported=args.all)
    _show(rows, as_json, lambda rs: output.table(
        ["ID", "Created (UTC)", "To", "Kind", "State", "Subject"],
        [[n.id, n.created_at, n.to_email, n.kind, n.state, n.subject] for n in rs]))


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
    parser.add_argument("--name", required=creating)
    parser.add_argument("--description")
    parser.add_argument("--timezone", help="IANA zone; defaults to the hub's")
    parser.add_argument("--start", required=creating, help="YYYY-MM-DD[THH:MM], local")
    parser.add_argument("--at", help="times of day: HH:MM[,HH:MM...], each optionally "
                        "/MO+WE for some weekdays only")
    parser.add_argument("--duration", type=int_type, required=creating, help="minutes, 1..1440")
    parser.add_argument("--rrule", required=creating, action="append",
                        help="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=12; repeat it "
                        "for a rule set of several rules (the first is the main one)")
    parser.add_argument("--rdate", dest="rdates", action="append", help="an added date "
                        "(YYYY-MM-DD: every time of day) or instant (YYYY-MM-DDTHH:MM), local; "
                        "repeatable")
    parser.add_argument("--exrule", dest="exrules", action="append",
                        help="a rule whose instances are left out (RFC 2445 EXRULE); repeatable")
    parser.add_argument("--exdate", dest="exdates", action="append",
                        help="a date or instant left out, as --rdate; repeatable")
    parser.add_argument("--capacity", help="1..10000 or unlimited")
    parser.add_argument("--location", help="a place, or an https:// address (virtual)")
    parser.add_argument("--host")
    parser.add_argument("--registration", choices=("all_sessions", "single_session",
                                                   "multiple_sessions"))
    parser.add_argument("--horizon-weeks", type=int_type, dest="horizon_weeks")
    parser.add_argument("--max-seats", type=int_type, dest="max_seats")
    parser.add_argument("--require-approval", dest="require_approval", action="store_const",
                        const=True)
    if not creating:
        parser.add_argument("--no-approval", dest="require_approval", action="store_const",
                            const=False)
    parser.add_argument("--waitlist", choices=("strict", "first_fit"),
                        help="strict: first come first served (the default); first_fit: "
                        "freed seats go to the earliest requests that fit")
    parser.add_argument("--on-blackout", dest="on_blackout", choices=("skip", "shift", "ignore"),
                        help="on the hub's blackout days: skip (the default), shift to the "
                        "next free day, or ignore")
    parser.add_argument("--booking-min-hours", dest="booking_min_hours")
    parser.add_argument("--booking-max-days", dest="booking_max_days")


def register(sub, int_type: IntType) -> None:
    hub = sub.add_parser("hub", help="hubs").add_subparsers(dest="action", required=True,
                                                            metavar="ACTION")
    p = hub.add_parser("add", help="add a hub")
    p.add_argument("name")
    p.add_argument("--timezone", default="UTC")
    p.add_argument("--idempotency-key", dest="idempotency_key")
    p.set_defaults(handler=hub_add)
    p = hub.add_parser("list", help="list hubs")
    p.add_argument("--all", action="store_true", help="include archived hubs")
    p.set_defaults(handler=hub_list)
    p = hub.add_parser("edit", help="rename a hub or change its time zone (the default for "
                       "its new series; the series it has keep theirs)")
    p.add_argument("id", type=int_type)
    p.add_argument("--name", help="the new name")
    p.add_argument("--timezone", help="the new time zone (IANA name, e.g. Europe/Berlin)")
    p.add_argument("--dry-run", dest="dry_run", action="store_true",
                   help="only say what would change")
    p.set_defaults(handler=hub_edit)
    for name, handler in (("show", hub_show), ("archive", hub_archive)):
        p = hub.add_parser(name)
        p.add_argument("id", type=int_type)
        p.set_defaults(handler=handler)

    ser = sub.add_parser("series", help="series").add_subparsers(dest="action", required=True,
                                                                 metavar="ACTION")
    p = ser.add_parser("add", help="add a series")
    p.add_argument("--hub", type=int_type, required=True)
    p.add_argument("--draft", action="store_true")
    p.add_argument("--idempotency-key", dest="idempotency_key")
    _series_options(p, int_type, creating=True)
    p.set_defaults(handler=series_add)
    p = ser.add_parser("list")
    p.add_argument("--hub", type=int_type)
    p.set_defaults(handler=series_list)
    p = ser.add_parser("show")
    p.add_argument("id", type=int_type)
    p.set_defaults(handler=series_show)
    p = ser.add_parser("edit", help="change a series; the future is re-planned")
    p.add_argument("id", type=int_type)
    p.add_argument("--confirm", action="store_true",
                   help="cancel dropped occurrences that hold registrations")
    _series_options(p, int_type, creating=False)
    p.set_defaults(handler=series_edit)
    p = ser.add_parser("split", help="this and following: a new series from an occurrence on")
    p.add_argument("id", type=int_type)
    p.add_argument("--at-occurrence", type=int_type, required=True, dest="at_occurrence")
    p.add_argument("--confirm", action="store_true")
    _series_options(p, int_type, creating=False)
    p.set_defaults(handler=series_split)
    for action in ("publish", "pause", "resume", "archive"):
        p = ser.add_parser(action)
        p.add_argument("id", type=int_type)
        p.set_defaults(handler=series_status(action))

    p = sub.add_parser("roll", help="plan series without an end up to their horizon")
    p.add_argument("--series", type=int_type)
    p.set_defaults(handler=roll)

    occ = sub.add_parser("occ", help="occurrences").add_subparsers(dest="action", required=True,
                                                                   metavar="ACTION")
    p = occ.add_parser("list")
    p.add_argument("series_id", type=int_type)
    p.add_argument("--from", dest="from_")
    p.add_argument("--to")
    p.set_defaults(handler=occ_list)
    p = occ.add_parser("show")
    p.add_argument("id", type=int_type)
    p.set_defaults(handler=occ_show)
    several = "one or more occurrence ids: several change together or not at all"
    for name, handler in (("cancel", occ_cancel), ("restore", occ_restore)):
        p = occ.add_parser(name)
        p.add_argument("ids", type=int_type, nargs="+", metavar="ID", help=several)
        p.set_defaults(handler=handler)
    p = occ.add_parser("move")
    p.add_argument("ids", type=int_type, nargs="+", metavar="ID", help=several)
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--start", help="YYYY-MM-DDTHH:MM in the series' zone (one occurrence)")
    when.add_argument("--by", type=int_type, metavar="MINUTES",
                      help="move each by this many minutes on the local clock (negative: "
                      "earlier)")
    p.add_argument("--duration", type=int_type)
    p.set_defaults(handler=occ_move)
    p = occ.add_parser("set")
    p.add_argument("ids", type=int_type, nargs="+", metavar="ID", help=several)
    p.add_argument("--capacity")
    p.add_argument("--location")
    p.add_argument("--host")
    p.add_argument("--demote", action="store_true",
                   help="on a capacity cut, move the newest confirmed seats to the waitlist")
    p.set_defaults(handler=occ_set)
    p = occ.add_parser("undo", help="undo the last occurrence edit of a series")
    p.add_argument("series_id", type=int_type)
    p.set_defaults(handler=occ_undo)

    black = sub.add_parser("blackout", help="days a hub holds no sessions").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = black.add_parser("add", help="black out days (local to the hub's zone, inclusive)")
    p.add_argument("--hub", type=int_type, required=True)
    p.add_argument("--from", dest="from_", required=True, help="YYYY-MM-DD")
    p.add_argument("--to", help="YYYY-MM-DD (default: the --from day)")
    p.add_argument("--reason", default="")
    p.add_argument("--confirm", action="store_true",
                   help="cancel or move occurrences people hold seats in, and tell them")
    p.set_defaults(handler=blackout_add)
    p = black.add_parser("list")
    p.add_argument("--hub", type=int_type, required=True)
    p.set_defaults(handler=blackout_list)
    p = black.add_parser("remove", help="remove a blackout; restores what it cancelled")
    p.add_argument("id", type=int_type)
    p.set_defaults(handler=blackout_remove)
    p = sub.add_parser("holidays", help="add a country's public holidays as blackouts")
    p.add_argument("--hub", type=int_type, required=True)
    p.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. DE")
    p.add_argument("--subdiv", help="a subdivision, e.g. BY")
    p.add_argument("--year", type=int_type, action="append", required=True)
    p.add_argument("--confirm", action="store_true")
    p.set_defaults(handler=holidays_add)

    p = sub.add_parser("log", help="the audit log")
    p.add_argument("--series", type=int_type)
    p.add_argument("--limit", type=int_type, default=200)
    p.set_defaults(handler=log)

    p = ser.add_parser("stats", help="capacity, seats, attendance and fill rate")
    p.add_argument("id", type=int_type)
    p.set_defaults(handler=series_stats)

    reg = sub.add_parser("reg", help="registrations").add_subparsers(dest="action",
                                                                      required=True,
                                                                      metavar="ACTION")
    p = reg.add_parser("add", help="register a person")
    p.add_argument("series_id", type=int_type)
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--phone")
    p.add_argument("--occ", type=int_type, action="append", default=[],
                   help="a chosen occurrence (repeat for several)")
    p.add_argument("--seats", type=int_type, default=1)
    p.add_argument("--idempotency-key", dest="idempotency_key")
    p.set_defaults(handler=reg_add)
    p = reg.add_parser("list")
    p.add_argument("--series", type=int_type)
    p.add_argument("--occ", type=int_type)
    p.set_defaults(handler=reg_list)
    p = reg.add_parser("show")
    p.add_argument("id", type=int_type)
    p.set_defaults(handler=reg_show)
    for name in ("cancel", "approve", "decline"):
        p = reg.add_parser(name)
        p.add_argument("id", type=int_type)
        p.set_defaults(handler=reg_action(name))
    p = reg.add_parser("switch", help="move a seat to another occurrence in one step")
    p.add_argument("id", type=int_type)
    p.add_argument("--from", dest="from_occ", type=int_type, required=True)
    p.add_argument("--to", dest="to_occ", type=int_type, required=True)
    p.set_defaults(handler=reg_switch)

    p = sub.add_parser("checkin", help="mark a seat attended")
    p.add_argument("reg_id", type=int_type)
    p.add_argument("--occ", type=int_type, required=True)
    p.add_argument("--undo", action="store_true")
    p.set_defaults(handler=checkin)

    box = sub.add_parser("outbox", help="notices to send").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = box.add_parser("list")
    p.add_argument("--all", action="store_true", help="include exported notices")
    p.set_defaults(handler=outbox_list)
    p = box.add_parser("export", help="write notices as .eml files")
    p.add_argument("dir")
    p.add_argument("--all", action="store_true")
    p.set_defaults(handler=outbox_export)
    mail_commands.register(sub, int_type, box)

    p = sub.add_parser("overview", help="every hub and series, briefly")
    p.set_defaults(handler=overview)
    interop_commands.register(sub, int_type)
    bench_commands.register(sub, int_type)
    week_commands.register(sub, int_type)
