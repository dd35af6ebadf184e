"""Blackout periods: days a hub holds no sessions, and public holidays as blackouts.

A blackout covers local dates of the hub's zone, inclusive. Each series says
what a blackout does to it (``Series.on_blackout``):

- ``skip`` (the default): nothing is planned on a blackout day;
- ``shift``: the occurrence moves to the first following day that is neither
  blacked out nor already holds an occurrence of the series, same local time;
- ``ignore``: blackouts do not apply.

Planning applies the policy through :func:`apply_to_plan`. Adding a blackout
over occurrences that already exist cancels (skip) or moves (shift) them in
one transaction; where people hold seats in them it is refused unless
confirmed. Removing a blackout restores what it cancelled and moves back what
it shifted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from schedtui.domain import parse, text
from schedtui.domain.errors import DeskError, invalid
from schedtui.domain.recurrence import Planned
from schedtui.domain.zones import from_utc_naive, localize, to_utc_naive, zone
from schedtui.services import audit, bulk
from schedtui.services.common import get, naive_now
from schedtui.services.series import holders
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.hot import HotSQL
from schedtui.store.models import Blackout, Hub, Occurrence, Series
from schedtui.store.sql import SQL

POLICIES = ("skip", "shift", "ignore")
MAX_DAYS = 366
_SHIFT_LIMIT = 800  # days a shift may look ahead before giving up


@dataclass(frozen=True)
class BlackoutView:
    id: int
    hub_id: int
    start: str
    end: str
    reason: str
    cancelled: list[int]
    shifted: list[int]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_policy(value: str) -> str:
    if value not in POLICIES:
        raise invalid(f"The blackout policy must be one of {', '.join(POLICIES)}.",
                      field="on_blackout")
    return value


# -- planning ---------------------------------------------------------------------------


def _windows(session: Session, hub: Hub, exclude: int | None = None
             ) -> list[tuple[datetime, datetime]]:
    """The hub's blackouts as naive-UTC instants, end exclusive; read once per
    transaction (a batch of series asks once per series), forgotten when a
    blackout is added or removed and on any rollback."""
    known = session.info.setdefault(WINDOWS, {})
    key = (hub.id, hub.timezone, exclude or 0)
    if key not in known:
        tz = zone(hub.timezone)
        known[key] = [_window(_day(r.start_date), _day(r.end_date), tz)
                      for r in _HUB_BLACKOUTS.rows(session, hub=hub.id, exclude=exclude or 0)]
    return known[key]


WINDOWS = "hub_blackouts"
"""Where a transaction keeps the hubs' blackout windows (see :func:`_windows`)."""


# Every new or re-planned series asks (a batch of a thousand asks a thousand times):
# on the driver, at a fraction of the ORM's cost per query.
_HUB_BLACKOUTS = HotSQL("SELECT start_date, end_date FROM blackout "
                        "WHERE hub_id = :hub AND id != :exclude ORDER BY id")


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text


def _window(first: date, last: date, tz) -> tuple[datetime, datetime]:
    return (to_utc_naive(datetime.combine(first, datetime.min.time(), tz)),
            to_utc_naive(datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)))


def _blocked(windows: Sequence[tuple[datetime, datetime]], start: datetime) -> bool:
    return any(a <= start < b for a, b in windows)


def apply_to_plan(session: Session, series: Series, items: Sequence[Planned],
                  *, exclude: int | None = None) -> list[Planned]:
    """The planned occurrences of ``series`` under its hub's blackouts: those on
    blackout days dropped (skip) or moved to the first free day after (shift).
    A skipped day that already holds an occurrence the blackout cancelled stays
    planned, so a re-plan keeps that occurrence (cancelled) for the blackout's
    removal to restore."""
    if series.on_blackout == "ignore" or not items:
        return list(items)
    windows = _windows(session, session.get(Hub, series.hub_id), exclude)
    if not windows:
        return list(items)
    if series.on_blackout == "skip":
        tz = zone(series.timezone)
        kept = {(from_utc_naive(o.original_start, tz).date(), o.slot_id) for o in session.exec(
            select(Occurrence).where(Occurrence.series_id == series.id)
            .where(col(Occurrence.blackout_id).is_not(None)))}
        return [i for i in items
                if not _blocked(windows, to_utc_naive(i.start_utc))
                or (i.day, i.slot.key) in kept]
    return _shift(series.timezone, items, windows)


def shift_origins(session: Session, series: Series, items: Sequence[Planned]
                  ) -> dict[datetime, datetime]:
    """For a series that shifts: the planned start (naive UTC) each shifted
    occurrence of ``items`` (its rule's plan) moves to, mapped to the rule's
    start it came from (an export writes it as an override of that instance)."""
    if series.on_blackout != "shift" or not items:
        return {}
    windows = _windows(session, session.get(Hub, series.hub_id))
    origins: dict[datetime, datetime] = {}
    if windows:
        _shift(series.timezone, items, windows, origins)
    return origins


def as_previewed(store: Store, hub_id: int, policy: str, timezone: str,
                 items: Sequence[Planned]) -> tuple[list[Planned], str]:
    """A series being written (nothing saved): its planned ``items`` under the
    hub's blackouts with ``policy``, and a line saying what they changed (empty:
    nothing). What the series form's preview shows."""
    check_policy(policy)
    if policy == "ignore" or not items:
        return list(items), ""
    with store.query() as reader:
        hub = _HUB_ZONE.first(reader, hub=hub_id)
        rows = _HUB_BLACKOUTS.rows(reader, hub=hub_id, exclude=0) if hub else []
    if not rows:
        return list(items), ""
    tz = zone(hub.timezone)
    windows = [_window(_day(r.start_date), _day(r.end_date), tz) for r in rows]
    hit = sum(_blocked(windows, to_utc_naive(i.start_utc)) for i in items)
    if not hit:
        return list(items), ""
    days = f"{hit} on the hub's blackout days"
    if policy == "skip":
        return [i for i in items if not _blocked(windows, to_utc_naive(i.start_utc))], \
            f"{days}: skipped"
    return _shift(timezone, items, windows), f"{days}: moved to the next free day"


_HUB_ZONE = HotSQL("SELECT timezone FROM hub WHERE id = :hub")


def past_the_horizon(session: Session, series: Series, items: Sequence[Planned],
                     horizon: date) -> list[tuple[Planned, Planned | None]]:
    """For a series with no end, planned through ``horizon``: each instance of
    ``items`` (its plan, reaching past the horizon) that falls after the horizon
    on one of its hub's blackout days, with where its policy puts it: None
    (skipped) or the instance it shifts to. Nothing is stored that far ahead; an
    export writes these so other calendars, which run the rule on, agree with
    what the desk will plan when the horizon gets there."""
    if series.on_blackout == "ignore":
        return []
    windows = _windows(session, session.get(Hub, series.hub_id))
    after = [i for i in items if i.day > horizon]
    if not windows or not after:
        return []
    if series.on_blackout == "skip":
        return [(i, None) for i in after if _blocked(windows, to_utc_naive(i.start_utc))]
    origins: dict[datetime, datetime] = {}
    planned = _shift(series.timezone, after, windows, origins)
    shifted = {to_utc_naive(p.start_utc): p for p in planned}
    moved = {start: shifted[to] for to, start in origins.items()}
    return [(i, moved.get(to_utc_naive(i.start_utc))) for i in after
            if _blocked(windows, to_utc_naive(i.start_utc))]


def last_blackout_day(session: Session, hub_id: int) -> date | None:
    """The last day any blackout of the hub covers (None: it has none)."""
    days = [_day(r.end_date) for r in _HUB_BLACKOUTS.rows(session, hub=hub_id, exclude=0)]
    return max(days, default=None)


def _shift(timezone: str, items: Sequence[Planned],
           windows: Sequence[tuple[datetime, datetime]],
           origins: dict[datetime, datetime] | None = None) -> list[Planned]:
    tz = zone(timezone)
    free = [i for i in items if not _blocked(windows, to_utc_naive(i.start_utc))]
    taken = {i.day for i in free}
    moved_to: dict[date, date | None] = {}
    out = list(free)
    for item in items:
        if not _blocked(windows, to_utc_naive(item.start_utc)):
            continue
        if item.day not in moved_to:
            moved_to[item.day] = _free_day(item, tz, windows, taken)
            if moved_to[item.day] is not None:
                taken.add(moved_to[item.day])
        day = moved_to[item.day]
        if day is None:
            continue  # nowhere to go within reach: skipped
        start = localize(day, item.at, tz)
        out.append(Planned(item.slot, day, start, start.astimezone(UTC), item.at))
        if origins is not None:
            origins[to_utc_naive(start)] = to_utc_naive(item.start_utc)
    out.sort(key=lambda p: (p.start_utc, p.slot.key))
    return out


def _free_day(item: Planned, tz, windows, taken: set[date]) -> date | None:
    day = item.day
    for _ in range(_SHIFT_LIMIT):
        day += timedelta(days=1)
        start = to_utc_naive(localize(day, item.at, tz))
        if day not in taken and not _blocked(windows, start):
            return day
    return None


# -- commands -----------------------------------------------------------------------------


def _view(row: Blackout, cancelled: Sequence[int] = (), shifted: Sequence[int] = ()
          ) -> BlackoutView:
    return BlackoutView(row.id, row.hub_id, row.start_date.isoformat(),
                        row.end_date.isoformat(), row.reason, sorted(cancelled), sorted(shifted))


@transaction
def list_blackouts(store: Store, hub_id: int) -> list[BlackoutView]:
    """A hub's blackouts, earliest first."""
    with store.read() as session:
        get(session, Hub, hub_id, "hub")
        rows = session.exec(select(Blackout).where(Blackout.hub_id == hub_id)
                            .order_by(Blackout.start_date, Blackout.id)).all()
        marked: dict[int, tuple[list[int], list[int]]] = {r.id: ([], []) for r in rows}
        for occ_id, blackout_id, shifted_from in session.exec(
                select(Occurrence.id, Occurrence.blackout_id, Occurrence.blackout_start)
                .where(col(Occurrence.blackout_id).in_(list(marked)))):
            marked[blackout_id][0 if shifted_from is None else 1].append(occ_id)
        return [_view(r, *marked[r.id]) for r in rows]


def _check_period(first: date, last: date | None) -> date:
    last = first if last is None else last
    if last < first:
        raise invalid("The blackout ends before it starts (--to is before --from).")
    if (last - first).days + 1 > MAX_DAYS:
        raise invalid(f"A blackout spans at most {MAX_DAYS} days.")
    return last


@transaction
def add_blackout(store: Store, hub_id: int, first: date, last: date | None = None, *,
                 reason: str = "", confirm: bool = False) -> BlackoutView:
    """Black out ``first``..``last`` (local dates of the hub's zone, inclusive).
    Upcoming occurrences on those days are cancelled (series that skip) or moved
    (series that shift), seats returned, waitlists served, people told; where
    people hold seats in them this is refused unless ``confirm``."""
    last = _check_period(first, last)
    reason = text.field(reason, "Reason")
    with store.write() as session:
        return _add(session, store, hub_id, first, last, reason, confirm)


def _add(session: Session, store: Store, hub_id: int, first: date, last: date, reason: str,
         confirm: bool) -> BlackoutView:
    hub = get(session, Hub, hub_id, "hub", lock=True)
    if hub.archived:
        raise DeskError("invalid_state", f"Hub {hub.id} is archived; its days cannot be "
                        "blacked out.")
    row = Blackout(hub_id=hub.id, start_date=first, end_date=last, reason=reason,
                   created_at=naive_now(store.now()))
    session.add(row)
    session.flush()
    session.info.pop(WINDOWS, None)
    start, end = _window(first, last, zone(hub.timezone))
    # The house order: the hub's series (by id) before any occurrence, so no
    # series edit re-plans them between this read and the change.
    session.exec(select(Series.id).where(Series.hub_id == hub.id)
                 .where(Series.on_blackout != "ignore").order_by(Series.id)
                 .with_for_update()).all()
    covered = session.exec(
        select(Occurrence.id, Series.on_blackout).join(Series, Series.id == Occurrence.series_id)
        .where(Series.hub_id == hub.id).where(Series.status != "archived")
        .where(Series.on_blackout != "ignore")
        .where(Occurrence.status == "scheduled")
        .where(Occurrence.start_utc >= max(start, naive_now(store.now())))
        .where(Occurrence.start_utc < end).order_by(Occurrence.id)).all()
    skip = [i for i, policy in covered if policy == "skip"]
    shift = [i for i, policy in covered if policy == "shift"]
    taken = holders(session, [i for i, _ in covered])
    if taken and not confirm:
        raise DeskError(
            "has_registrations",
            f"The blackout covers {len(covered)} occurrence(s); people hold seats in "
            f"{len(taken)}: {_names(session, sorted(taken))}. Confirm to "
            f"{'cancel or move' if skip and shift else 'cancel' if skip else 'move'} them "
            "and tell the people affected.",
            occurrences=sorted(taken), people=bulk.people_in(session, sorted(taken)))
    if skip:
        bulk.cancel_for_blackout(session, store, skip, row.id)
    if shift:
        bulk.shift_for_blackout(session, store, shift, row.id,
                                lambda occ, series: _shift_target(session, series, occ))
    audit.record(session, store, "blackout.add", "blackout", row.id,
                 after={"hub_id": hub.id, "from": first, "to": last, "reason": reason,
                        "cancelled": skip, "shifted": shift}, hub_id=hub.id)
    return _view(row, skip, shift)


def _names(session: Session, ids: Sequence[int]) -> str:
    parts = []
    for occ_id in ids[:20]:
        occ = session.get(Occurrence, occ_id)
        parts.append(bulk.label(occ, session.get(Series, occ.series_id)))
    return ", ".join(parts) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")


def _shift_target(session: Session, series: Series, occ: Occurrence
                  ) -> tuple[datetime, datetime]:
    """Where a shift moves ``occ``: the first following day free of blackouts
    and of the series' other occurrences, same local time."""
    tz = zone(series.timezone)
    windows = _windows(session, session.get(Hub, series.hub_id))
    local = from_utc_naive(occ.start_utc, tz)
    # A cancelled occurrence still holds its day, as it does in the plan.
    days = {from_utc_naive(s, tz).date() for s in session.exec(
        select(Occurrence.start_utc).where(Occurrence.series_id == series.id)
        .where(Occurrence.id != occ.id))}
    day = local.date()
    for _ in range(_SHIFT_LIMIT):
        day += timedelta(days=1)
        start = to_utc_naive(localize(day, local.time().replace(tzinfo=None), tz))
        if day not in days and not _blocked(windows, start):
            return start, start + (occ.end_utc - occ.start_utc)
    raise invalid(f"No free day within {_SHIFT_LIMIT} days to shift occurrence {occ.id} to.")


@transaction
def remove_blackout(store: Store, blackout_id: int) -> BlackoutView:
    """Remove a blackout: the occurrences it cancelled are restored (people get
    their seats back where there is room) and those it shifted move back, where
    no other blackout covers them."""
    with store.write() as session:
        row = get(session, Blackout, blackout_id, "blackout")
        hub = get(session, Hub, row.hub_id, "hub", lock=True)
        marked = session.exec(select(Occurrence).where(Occurrence.blackout_id == row.id)
                              .order_by(Occurrence.id)).all()
        now = naive_now(store.now())
        still = _windows(session, hub, exclude=row.id)
        cancelled = [o.id for o in marked if o.status == "cancelled" and o.start_utc >= now
                     and o.blackout_start is None and not _blocked(still, o.start_utc)]
        shifted = [o.id for o in marked if o.blackout_start is not None
                   and o.status == "scheduled" and o.start_utc >= now
                   and o.blackout_start >= now and not _blocked(still, o.blackout_start)]
        back = {o.id: o.blackout_start for o in marked}
        if cancelled:
            bulk.restore_from_blackout(session, store, cancelled)
        if shifted:
            bulk.unshift_from_blackout(session, store, shifted, back)
        for occ in session.exec(select(Occurrence).where(Occurrence.blackout_id == row.id)):
            occ.blackout_id, occ.blackout_start = None, None
            session.add(occ)
        session.flush()
        view = _view(row, cancelled, shifted)
        audit.record(session, store, "blackout.remove", "blackout", row.id,
                     before={"hub_id": hub.id, "from": row.start_date, "to": row.end_date,
                             "reason": row.reason},
                     after={"restored": cancelled, "moved_back": shifted}, hub_id=hub.id)
        session.delete(row)
        session.info.pop(WINDOWS, None)
        return view


# -- public holidays ----------------------------------------------------------------------


@transaction
def add_holidays(store: Store, hub_id: int, country: str, years: Sequence[int], *,
                 subdiv: str | None = None, confirm: bool = False) -> list[BlackoutView]:
    """One blackout per public holiday of ``country`` (and ``subdiv``) in
    ``years``, named after it, from the ``holidays`` package's data. Days the
    hub already blacks out for the same reason are left as they are."""
    import holidays

    country = (country or "").strip().upper()
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise invalid(f'Unknown country "{country[:10]}"; use an ISO 3166-1 alpha-2 code such '
                      "as DE, FR or US.", field="country")
    if subdiv is not None:
        subdiv = subdiv.strip().upper()
        if subdiv not in supported[country]:
            known = ", ".join(supported[country]) or "none"
            raise invalid(f'Unknown subdivision "{subdiv[:10]}" of {country}; known: {known}.',
                          field="subdiv")
    if not years:
        raise invalid("Give at least one year.")
    checked = sorted({parse.parse_positive(y, "Year", 1970, 2200) for y in years})
    days = holidays.country_holidays(country, subdiv=subdiv, years=checked)
    with store.write() as session:
        get(session, Hub, hub_id, "hub", lock=True)
        existing = {(r.start_date, r.end_date, r.reason) for r in session.exec(
            select(Blackout).where(Blackout.hub_id == hub_id))}
        made = []
        for day, name in sorted(days.items()):
            reason = text.field(str(name)[:200], "Reason")
            if (day, day, reason) in existing:
                continue
            made.append(_add(session, store, hub_id, day, day, reason, confirm))
        return made


@transaction
def blackouts_between(store: Store, first: date, last: date, *,
                      hub_id: int | None = None) -> list[tuple[BlackoutView, str]]:
    """The blackouts of every hub (or one) that cover any local date from
    ``first`` to ``last`` inclusive, earliest first, each with its hub's name:
    what the agenda and the calendar mark (without the occurrences each one
    cancelled or moved)."""
    with store.query() as reader:  # read on every page of the agenda: no ORM session
        rows = (_BETWEEN_HUB.rows(reader, first=first, last=last, hub=hub_id)
                if hub_id is not None else _BETWEEN.rows(reader, first=first, last=last))
    return [(BlackoutView(r.id, r.hub_id, _iso(r.start_date), _iso(r.end_date), r.reason,
                          [], []), r.name) for r in rows]


def _iso(value: date | str) -> str:
    """A date column as text: SQLite gives it as text, PostgreSQL as a date."""
    return value if isinstance(value, str) else value.isoformat()


_BETWEEN_SQL = ("SELECT b.id, b.hub_id, b.start_date, b.end_date, b.reason, h.name "
                "FROM blackout b JOIN hub h ON h.id = b.hub_id "
                "WHERE b.start_date <= :last AND b.end_date >= :first{hub} "
                "ORDER BY b.start_date, b.id")
_BETWEEN = SQL(_BETWEEN_SQL.format(hub=""))
_BETWEEN_HUB = SQL(_BETWEEN_SQL.format(hub=" AND b.hub_id = :hub"))
