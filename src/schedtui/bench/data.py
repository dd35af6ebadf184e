"""The benchmark data set: a busy organization, built deterministically from a seed.

At scale 1: 20 hubs, 1,000 series across every rule kind and many time zones
(daily, weekly on several days at several times, monthly on the nth weekday,
and series without an end planned 26 weeks ahead), about 100,000 occurrences,
50,000 attendees and about 200,000 seat entries, with waitlists, cancelled
registrations, cancelled and moved occurrences. One "busiest calendar" series
meets twice a day and one of its occurrences has an attendee list of 20,000
seat entries (scaled with the data set).

Series are created through :func:`schedtui.services.series.create_series`, the
path that carries the rules. Registrations go through
:func:`schedtui.services.registrations.add_registration` (the same rules as
``register``) in batches of one write transaction each, because 50,000
one-transaction registrations would take far longer to build. Cancellations
and moves go through the services one transaction each, as the desk does them.

Everything happens at the fixed moment :data:`BENCH_NOW`; open the data set
with ``SCHEDTUI_NOW`` set to it to see what the benchmark sees.
"""

from __future__ import annotations

import random
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

BENCH_NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
"""The clock of the whole data set (a Monday; DST changes fall inside most series)."""

BUSIEST_NAME = "Busiest calendar"
"""The series that meets twice a day and holds the longest attendee list."""

ZONES = (
    "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney",
    "America/Los_Angeles", "Europe/London", "Asia/Kolkata", "America/Sao_Paulo",
    "Africa/Johannesburg", "Pacific/Auckland", "Asia/Kathmandu", "America/St_Johns",
    "Europe/Moscow", "Asia/Singapore", "America/Chicago", "Australia/Adelaide",
    "Pacific/Chatham", "America/Mexico_City", "Europe/Lisbon", "UTC",
)
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FIRST = ("Ada", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ines", "Jonas",
         "Kwame", "Lena", "Mateo", "Noor", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tove")
LAST = ("Abara", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
        "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Rossi",
        "Silva", "Tanaka", "Weber")
KINDS = (("daily", 20), ("weekly", 40), ("monthly", 15), ("open", 25))
BATCH = 400
"""Registrations per write transaction while bulk-loading."""


@dataclass(frozen=True)
class SeriesSpec:
    """One series of the data set, as the service is asked to create it."""

    hub: int  # index into the hubs
    name: str
    kind: str  # daily, weekly, monthly, open, busiest
    timezone: str
    start: date
    rrule: str
    times: tuple[tuple[time, frozenset[int] | None], ...]
    duration: int
    capacity: int | None
    option: str
    registrations: int  # how many people register
    chosen: int = 1  # occurrences each registration picks (multiple_sessions)

    def create_kwargs(self, hub_id: int) -> dict[str, Any]:
        """The arguments of ``series.create_series`` for this series."""
        return {"hub_id": hub_id, "name": self.name, "start": self.start, "rrule": self.rrule,
                "duration_minutes": self.duration, "timezone": self.timezone,
                "times": list(self.times), "capacity": self.capacity,
                "registration_option": self.option, "horizon_weeks": 26,
                "location": f"Room {self.hub + 1}.{len(self.name) % 9 + 1}"}


@dataclass(frozen=True)
class DataPlan:
    """Everything the generator will create, before it touches a database."""

    scale: float
    seed: int
    hubs: list[tuple[str, str]]  # name, zone
    series: list[SeriesSpec]
    attendees: int
    big_list: int  # seat entries in the busiest calendar's longest list


@dataclass
class BuildReport:
    """What was built and how long each phase took (seconds)."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    busiest_series: int = 0
    big_occurrence: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"counts": self.counts, "seconds": {k: round(v, 2) for k, v in
                                                    self.seconds.items()},
                "busiest_series": self.busiest_series, "big_occurrence": self.big_occurrence}


def _times(rng: random.Random, count: int) -> tuple[tuple[time, None], ...]:
    hours = sorted(rng.sample(range(7, 21), count))
    return tuple((time(h, rng.choice((0, 0, 15, 30, 45))), None) for h in hours)


def _series_spec(rng: random.Random, index: int, hub: int, zone: str, kind: str) -> SeriesSpec:
    start = BENCH_NOW.date() - timedelta(days=rng.randint(0, 56))
    capacity: int | None = rng.choice((6, 8, 10, 12, 16, 20, 25, 30, None))
    days = ",".join(sorted(rng.sample(DAYS[:6], rng.randint(2, 3)), key=DAYS.index))
    if kind == "daily":
        weekdays = rng.random() < 0.4
        rrule = (f"FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT={rng.randint(100, 180)}" if weekdays
                 else f"FREQ=DAILY;COUNT={rng.randint(110, 200)}")
        times, option, regs, chosen = _times(rng, 1), "single_session", rng.randint(40, 80), 1
    elif kind == "weekly":
        end = (f"COUNT={rng.randint(30, 60)}" if rng.random() < 0.7 else
               f"UNTIL={(start + timedelta(weeks=rng.randint(12, 26))):%Y%m%d}")
        rrule = f"FREQ=WEEKLY;BYDAY={days};{end}"
        times, option = _times(rng, rng.randint(1, 3)), "multiple_sessions"
        regs, chosen = rng.randint(15, 30), rng.randint(3, 10)
    elif kind == "monthly":
        nth = rng.choice(("1", "2", "3", "4", "-1"))
        rrule = f"FREQ=MONTHLY;BYDAY={nth}{rng.choice(DAYS[:5])};COUNT={rng.randint(12, 24)}"
        times, option, regs, chosen = _times(rng, rng.randint(1, 3)), "all_sessions", \
            rng.randint(10, 25), 0
        capacity = rng.choice((10, 20, 30, None))
    else:  # open: no end, planned 26 weeks ahead
        rrule = f"FREQ=WEEKLY;BYDAY={days}"
        times = _times(rng, rng.randint(1, 3))
        option = rng.choice(("single_session", "multiple_sessions"))
        regs = rng.randint(20, 50) if option == "single_session" else rng.randint(10, 25)
        chosen = 1 if option == "single_session" else rng.randint(3, 6)
    return SeriesSpec(hub=hub, name=f"{kind.title()} {index + 1:04d}", kind=kind,
                      timezone=zone, start=start, rrule=rrule, times=times,
                      duration=rng.choice((30, 45, 60, 90)), capacity=capacity, option=option,
                      registrations=regs, chosen=chosen)


def make_plan(scale: float = 1.0, seed: int = 1) -> DataPlan:
    """The data set at ``scale`` (1: a thousand series), the same for the same seed."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(seed)
    hub_count = max(2, round(20 * scale))
    hubs = [(f"Hub {i + 1:02d} ({ZONES[i % len(ZONES)].split('/')[-1]})",
             ZONES[i % len(ZONES)]) for i in range(hub_count)]
    total = max(4, round(1000 * scale))
    kinds = [k for k, weight in KINDS for _ in range(weight)]
    specs = []
    for index in range(total - 1):
        hub = rng.randrange(hub_count)
        zone = hubs[hub][1] if rng.random() < 0.8 else rng.choice(ZONES)
        specs.append(_series_spec(rng, index, hub, zone, rng.choice(kinds)))
    big = max(100, round(20_000 * scale))
    specs.append(SeriesSpec(
        hub=0, name=BUSIEST_NAME, kind="busiest", timezone="Europe/Berlin",
        start=BENCH_NOW.date() - timedelta(days=14), rrule="FREQ=DAILY;COUNT=365",
        times=((time(9, 0), None), (time(17, 0), None)), duration=60, capacity=None,
        option="multiple_sessions", registrations=big, chosen=1))
    return DataPlan(scale=scale, seed=seed, hubs=hubs, series=specs,
                    attendees=max(big + 100, round(50_000 * scale)), big_list=big)


def person(index: int) -> tuple[str, str]:
    """The name and email of attendee ``index``."""
    return (f"{FIRST[index % len(FIRST)]} {LAST[(index // len(FIRST)) % len(LAST)]} {index}",
            f"person{index:06d}@example.org")


# -- building -------------------------------------------------------------------


Progress = Callable[[str], None]


def build(store, plan: DataPlan, progress: Progress | None = None) -> BuildReport:
    """Create ``plan`` in the (empty) ``store``, whose clock should be :data:`BENCH_NOW`."""
    # Every service module now, not halfway through a long build.
    from schedtui.services import hubs, occurrences, registrations, series  # noqa: F401

    say = progress or (lambda _msg: None)
    report = BuildReport()
    rng = random.Random(plan.seed * 7919 + 1)
    started = _time.perf_counter()
    hub_ids = [hubs.create_hub(store, name, zone).id for name, zone in plan.hubs]
    series_ids = []
    for number, spec in enumerate(plan.series, 1):
        series_ids.append(series.create_series(store, **spec.create_kwargs(hub_ids[spec.hub])).id)
        if number % 100 == 0:
            say(f"series {number}/{len(plan.series)}")
    report.seconds["series"] = _time.perf_counter() - started
    report.busiest_series = series_ids[-1]

    mark = _time.perf_counter()
    upcoming = _upcoming(store, series_ids)
    big_occ = _big_occurrence(store, series_ids[-1])
    report.big_occurrence = big_occ
    jobs = _registration_jobs(rng, plan, series_ids, upcoming, big_occ)
    _load_registrations(store, jobs, say)
    report.seconds["registrations"] = _time.perf_counter() - mark

    mark = _time.perf_counter()
    _churn(store, rng, plan, series_ids, upcoming, big_occ, say)
    report.seconds["changes"] = _time.perf_counter() - mark
    report.seconds["total"] = _time.perf_counter() - started
    report.counts = counts(store)
    return report


def _upcoming(store, series_ids: list[int]) -> dict[int, list[int]]:
    """Scheduled occurrences after now, per series, in start order."""
    from sqlmodel import col, select

    from schedtui.services.common import naive_now
    from schedtui.store.models import Occurrence

    now = naive_now(store.now())
    result: dict[int, list[int]] = {sid: [] for sid in series_ids}
    with store.read() as session:
        rows = session.exec(select(Occurrence.series_id, Occurrence.id)
                            .where(col(Occurrence.start_utc) > now)
                            .where(Occurrence.status == "scheduled")
                            .order_by(Occurrence.series_id, Occurrence.start_utc)).all()
    for sid, oid in rows:
        result.setdefault(sid, []).append(oid)
    return result


def _big_occurrence(store, series_id: int) -> int:
    """The busiest calendar's occurrence a week from now, in the morning."""
    from sqlmodel import select

    from schedtui.services.common import naive_now
    from schedtui.store.models import Occurrence

    after = naive_now(store.now()) + timedelta(days=7)
    with store.read() as session:
        return session.exec(select(Occurrence.id).where(Occurrence.series_id == series_id)
                            .where(Occurrence.start_utc >= after)
                            .order_by(Occurrence.start_utc)).first()


Job = tuple[int, int, list[int] | None, int]  # series, person, occurrences, seats


def _skewed(rng: random.Random, items: list[int], k: int) -> list[int]:
    """``k`` distinct items, the early ones (the next sessions) far more often."""
    k = min(k, len(items))
    picked: dict[int, None] = {}
    while len(picked) < k:
        picked[items[int(len(items) * rng.random() ** 3)]] = None
    return list(picked)


def _registration_jobs(rng: random.Random, plan: DataPlan, series_ids: list[int],
                       upcoming: dict[int, list[int]], big_occ: int) -> list[Job]:
    """Who registers where: every attendee at least once, nobody twice in a series."""
    jobs: list[Job] = []
    cursor = plan.big_list  # people 0..big_list-1 fill the longest list
    for spec, sid in zip(plan.series, series_ids, strict=True):
        if spec.kind == "busiest":
            for person_index in range(plan.big_list):
                jobs.append((sid, person_index, [big_occ], 1))
            continue
        open_occ = upcoming.get(sid, [])
        if not open_occ:
            continue
        people = set()
        while len(people) < spec.registrations:
            if cursor < plan.attendees:
                people.add(cursor)
                cursor += 1
            else:
                people.add(rng.randrange(plan.attendees))
        for person_index in sorted(people):
            seats = rng.choice((1, 1, 1, 1, 2, 3))
            if spec.option == "all_sessions":
                chosen = None
            elif spec.option == "single_session":
                chosen = _skewed(rng, open_occ, 1)
            else:
                chosen = _skewed(rng, open_occ, spec.chosen)
            jobs.append((sid, person_index, chosen, seats))
    rng.shuffle(jobs)  # people arrive interleaved across series, as they do
    return jobs


def _load_registrations(store, jobs: list[Job], say: Progress) -> None:
    from schedtui.services import registrations

    for start in range(0, len(jobs), BATCH):
        with store.write() as session:
            for sid, person_index, chosen, seats in jobs[start:start + BATCH]:
                name, email = person(person_index)
                registrations.add_registration(session, store, sid, email=email, name=name,
                                               occurrence_ids=chosen, seats=seats)
        done = min(start + BATCH, len(jobs))
        if done % (BATCH * 10) == 0 or done == len(jobs):
            say(f"registrations {done}/{len(jobs)}")


def _churn(store, rng: random.Random, plan: DataPlan, series_ids: list[int],
           upcoming: dict[int, list[int]], big_occ: int, say: Progress) -> None:
    """Cancelled registrations (waitlists move up), cancelled and moved occurrences,
    each through its service in its own transaction, as the desk does it."""
    from sqlmodel import select

    from schedtui.domain.errors import DeskError
    from schedtui.domain.zones import from_utc_naive, zone
    from schedtui.services import occurrences, registrations
    from schedtui.store.models import Occurrence, Registration, Series

    with store.read() as session:
        reg_ids = list(session.exec(select(Registration.id).order_by(Registration.id)))
    busiest = series_ids[-1]
    with store.read() as session:
        big_regs = set(session.exec(select(Registration.id)
                                    .where(Registration.series_id == busiest)))
    pool = [r for r in reg_ids if r not in big_regs]
    cancel = rng.sample(pool, k=min(len(pool), max(2, len(pool) // 100)))
    for rid in cancel:
        registrations.cancel_registration(store, rid)
    say(f"cancelled {len(cancel)} registrations")
    candidates = [o for sid in series_ids[:-1] for o in upcoming.get(sid, [])[1:]]
    count = max(2, round(300 * plan.scale))
    picked = rng.sample(candidates, k=min(len(candidates), 2 * count))
    for occ_id in picked[:count]:
        occurrences.cancel_occurrence(store, occ_id)
    moved = 0
    for occ_id in picked[count:]:
        with store.read() as session:
            occ = session.get(Occurrence, occ_id)
            tz = zone(session.get(Series, occ.series_id).timezone)
        local = from_utc_naive(occ.start_utc, tz).replace(tzinfo=None)
        try:
            occurrences.move_occurrence(store, occ_id, local + timedelta(minutes=rng.choice(
                (-90, -30, 30, 60, 120))))
            moved += 1
        except DeskError:  # lands on another occurrence of the series: leave it
            continue
    # The busiest calendar gets a moved and a cancelled occurrence of its own.
    nearby = [o for o in upcoming.get(busiest, []) if o != big_occ][:6]
    if len(nearby) >= 2:
        occurrences.cancel_occurrence(store, nearby[0])
        with store.read() as session:
            occ = session.get(Occurrence, nearby[1])
        local = from_utc_naive(occ.start_utc, zone("Europe/Berlin")).replace(tzinfo=None)
        occurrences.move_occurrence(store, nearby[1], local + timedelta(minutes=30))
    say(f"cancelled {count} and moved {moved} occurrences")


def counts(store) -> dict[str, int]:
    """Rows per table and seat entries per status."""
    from sqlalchemy import text

    with store.read() as session:
        result = {}
        for table in ("hub", "series", "occurrence", "attendee", "registration", "seat_entry",
                      "notice", "audit"):
            result[table] = int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar())
        for status, n in session.execute(text(
                "SELECT status, count(*) FROM seat_entry GROUP BY status")):
            result[f"seats_{status}"] = int(n)
        result["occurrences_moved"] = int(session.execute(text(
            "SELECT count(*) FROM occurrence WHERE start_utc != original_start")).scalar())
        result["occurrences_cancelled"] = int(session.execute(text(
            "SELECT count(*) FROM occurrence WHERE status = 'cancelled'")).scalar())
    return result


@dataclass(frozen=True)
class Landmarks:
    """Where the benchmark looks in a built data set."""

    busiest_series: int
    big_occurrence: int
    big_list: int
    hubs: int


def landmarks(store) -> Landmarks:
    """Find the busiest calendar and its longest list in a built data set."""
    from sqlalchemy import text

    with store.read() as session:
        sid = session.execute(text("SELECT id FROM series WHERE name = :n ORDER BY id DESC"),
                              {"n": BUSIEST_NAME}).scalar()
        if sid is None:
            raise LookupError("not a benchmark data set: no series named "
                              f'"{BUSIEST_NAME}" (build one with schedtui bench-data)')
        occ, entries = session.execute(text(
            "SELECT s.occurrence_id, count(*) AS n FROM seat_entry s JOIN occurrence o "
            "ON o.id = s.occurrence_id WHERE o.series_id = :sid "
            "GROUP BY s.occurrence_id ORDER BY n DESC LIMIT 1"), {"sid": sid}).one()
        hubs = int(session.execute(text("SELECT count(*) FROM hub")).scalar())
    return Landmarks(int(sid), int(occ), int(entries), hubs)


def open_bench_store(path, *, create: bool = True):
    """Open a benchmark database with the clock fixed at :data:`BENCH_NOW`."""
    from schedtui.store import open_store

    return open_store(str(path), create=create, clock=lambda: BENCH_NOW)
