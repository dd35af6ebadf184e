"""Demo data: hubs and series dated relative to today, from ``data/demo.json``."""

from __future__ import annotations

import json
import os
import random
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from schedtui.domain import parse
from schedtui.domain.zones import zone
from schedtui.store import Store
from schedtui.store.engine import default_path


def definition() -> dict[str, Any]:
    return json.loads(resources.files("schedtui.demo_data").joinpath("demo.json").read_text())


def demo_path() -> Path:
    """Where ``--demo`` keeps its database (beside the default one)."""
    return default_path().with_name("demo.db")


def fresh_demo_path() -> Path:
    """The demo database, removed first so its dates start from today."""
    path = demo_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def is_first_run(db: str | None) -> bool:
    """True when the desk opens its default database and that does not exist yet."""
    return db is None and not os.environ.get("SCHEDTUI_DB") and not default_path().exists()


def load(store: Store, *, seed: int = 7) -> None:
    """Create the demo hubs, series and attendees through the services."""
    from schedtui.services import events, hubs, series

    data = definition()
    rng = random.Random(seed)
    people = [(f"{f} {last}", f"{f}.{last}@example.org".lower())
              for f in data["first_names"] for last in data["last_names"]]
    rng.shuffle(people)
    for hub_def in data["hubs"]:
        hub = hubs.create_hub(store, hub_def["name"], hub_def["timezone"])
        today = store.now().astimezone(zone(hub.timezone)).date()
        for spec in hub_def["series"]:
            # A series' policies (privacy, contact, reminders, refunds) when given.
            policies = {k: spec[k] for k in ("contact", "private", "remind", "refundable_hours")
                        if k in spec}
            common = dict(
                hub_id=hub.id, name=spec["name"], description=spec["description"],
                start=today + timedelta(days=spec["start_offset_days"]),
                times=parse.parse_times(spec["at"]), duration_minutes=spec["duration"],
                capacity=parse.parse_capacity(spec["capacity"]), location=spec["location"],
                host=spec["host"], **policies)
            if spec.get("kind") == "event":
                created = events.create_event(store, start_time=None, **common)
            else:
                created = series.create_series(
                    store, rrule=spec["rrule"], registration_option=spec["registration"],
                    horizon_weeks=spec.get("horizon_weeks", 26), **common)
            if spec.get("tickets"):
                sell_demo_tickets(store, created.id, people, spec, random.Random(seed + 16))
                continue
            register_demo_attendees(store, created.id, people, spec["attendees"], rng)


def sell_demo_tickets(store: Store, series_id: int, people: list[tuple[str, str]],
                      spec: dict[str, Any], rng: random.Random) -> None:
    """A paid series: its ticket types, people registered with one, and payments
    (most paid in full, some in part, some not yet). Its own random numbers, so
    the other series' demo data stays as it was."""
    from schedtui.domain import money
    from schedtui.domain.errors import DeskError
    from schedtui.services import payments, registrations, tickets

    sold = [tickets.add_ticket(store, series_id, **ticket) for ticket in spec["tickets"]]
    for n, (name, email) in enumerate(people[-spec["attendees"]:]):
        ticket = sold[1] if n % 4 == 3 else sold[0]
        try:
            made = registrations.register(store, series_id, email=email, name=name,
                                          ticket_id=ticket.id)
        except DeskError:  # sold out, or already registered: skip, as an organizer would
            continue
        due = money.to_minor(made.amount_due, made.currency)
        share = rng.choice((1, 1, 1, 0.5, 0))
        if share:
            payments.pay(store, made.id, money.to_text(int(due * share), made.currency),
                         method=rng.choice(("card", "transfer", "cash")))


def register_demo_attendees(store: Store, series_id: int, people: list[tuple[str, str]],
                            count: int, rng: random.Random) -> None:
    """Register ``count`` demo people the way the series' option allows."""
    from schedtui.domain.errors import DeskError
    from schedtui.services import occurrences, registrations, series

    option = series.get_series(store, series_id).registration_option
    now = store.now()
    upcoming = [o.id for o in occurrences.list_occurrences(store, series_id)
                if o.status == "scheduled" and datetime.fromisoformat(o.start_utc) > now]
    for name, email in people[:count]:
        chosen = None
        if option == "single_session":
            chosen = [rng.choice(upcoming[:6])]
        elif option == "multiple_sessions":
            chosen = rng.sample(upcoming[:8], k=min(len(upcoming), rng.randint(1, 4)))
        try:
            registrations.register(store, series_id, email=email, name=name,
                                   occurrence_ids=chosen, seats=rng.choice((1, 1, 1, 2)))
        except DeskError:  # a duplicate in the shuffled list: skip it, as an organizer would
            continue
    rng.shuffle(people)
