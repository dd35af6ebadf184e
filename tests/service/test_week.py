"""The organizer's week through the services, on both stores: the agenda across
series and zones (a DST week included), double-bookings, the attendance grid."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, occurrences, registrations, series
from schedtui.services.agenda import agenda, agenda_page
from schedtui.services.attendance import attendance_grid
from schedtui.services.conflicts import conflicts, double_bookings, warnings
from schedtui.store import sql

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def daily(store, hub, name, at, *, start=date(2027, 3, 8), count=14, tz=None, **extra):
    view = series.create_series(store, hub_id=hub.id, name=name, start=start,
                                rrule=f"FREQ=DAILY;COUNT={count}", duration_minutes=60,
                                times=[(at, None)], timezone=tz, **extra)
    return view, occurrences.list_occurrences(store, view.id)


def utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tz).astimezone(UTC)


@pytest.fixture
def week(store, clock):
    """New York and Berlin hubs; the US changes its clocks on 2027-03-14,
    Europe on 2027-03-28, so the week of the 11th to the 17th holds the US change."""
    clock.now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    ny = hubs.create_hub(store, "New York", "America/New_York")
    berlin = hubs.create_hub(store, "Berlin", "Europe/Berlin")
    yoga, yoga_occs = daily(store, ny, "Yoga", time(10), host="Ana", location="Room 1")
    pilates, pilates_occs = daily(store, berlin, "Pilates", time(15, 30), host=" ana ")
    return {"ny": ny, "berlin": berlin, "yoga": yoga, "yoga_occs": yoga_occs,
            "pilates": pilates, "pilates_occs": pilates_occs}


# -- the agenda -------------------------------------------------------------------


def test_agenda_of_a_dst_week_across_zones_is_sorted_by_the_instant(store, week):
    occurrences.cancel_occurrence(store, week["yoga_occs"][4].id)  # 2027-03-12
    draft, _ = daily(store, week["ny"], "Draft", time(9), draft=True)
    gone, _ = daily(store, week["berlin"], "Gone", time(9))
    series.set_status(store, gone.id, "archive")
    items = agenda(store, start=date(2027, 3, 11), end=date(2027, 3, 17))
    expected = sorted(
        [(utc(date(2027, 3, d), time(10), NY), week["yoga"].id) for d in range(11, 18)]
        + [(utc(date(2027, 3, d), time(15, 30), BERLIN), week["pilates"].id)
           for d in range(11, 18)])
    assert [(datetime.fromisoformat(i.start_utc), i.series_id) for i in items] == expected
    yoga = [i for i in items if i.series_id == week["yoga"].id]
    # the wall clock stays at 10:00 while the offset changes on the 14th
    assert [i.start[11:] for i in yoga] == ["10:00:00-05:00"] * 3 + ["10:00:00-04:00"] * 4
    assert [i.end[11:16] for i in yoga] == ["11:00"] * 7
    # before the change Yoga (15:00 UTC) starts after Pilates (14:30 UTC); after it, before
    order = [(i.start[:10], i.series) for i in items]
    assert order.index(("2027-03-13", "Pilates")) < order.index(("2027-03-13", "Yoga"))
    assert order.index(("2027-03-14", "Yoga")) < order.index(("2027-03-14", "Pilates"))
    assert [i.status for i in yoga].count("cancelled") == 1 and yoga[1].status == "cancelled"
    first = items[0].to_json()
    assert set(first) >= {"id", "series_id", "series", "hub_id", "hub", "start", "end",
                          "start_utc", "timezone", "status", "capacity", "booked",
                          "waitlisted", "host", "location"}
    assert {(i.hub, i.timezone) for i in items} == {("New York", "America/New_York"),
                                                    ("Berlin", "Europe/Berlin")}
    assert draft.id not in {i.series_id for i in items}
    with_drafts = agenda(store, start=date(2027, 3, 11), end=date(2027, 3, 17), drafts=True)
    assert {i.series_id for i in with_drafts} == {week["yoga"].id, week["pilates"].id, draft.id}
    assert gone.id not in {i.series_id for i in with_drafts}
    only_ny = agenda(store, hub_id=week["ny"].id, start=date(2027, 3, 11), end=date(2027, 3, 17))
    assert [i.id for i in only_ny] == [i.id for i in yoga]


def test_agenda_default_is_today_and_six_days_in_each_zone(store, week, clock):
    # 03:00 UTC on the 10th: still the 9th in New York, already the 10th in Berlin
    clock.now = datetime(2027, 3, 10, 3, tzinfo=UTC)
    items = agenda(store)
    days = {s: sorted({i.start[:10] for i in items if i.series == s}) for s in ("Yoga", "Pilates")}
    assert days["Yoga"] == [f"2027-03-{d:02d}" for d in range(9, 16)]
    assert days["Pilates"] == [f"2027-03-{d:02d}" for d in range(10, 17)]
    # the past of today is listed too: the agenda is the whole day
    assert agenda(store, start=date(2027, 3, 9), end=date(2027, 3, 9))[0].start.startswith(
        "2027-03-09")


def test_agenda_days_are_local_at_the_edges_of_the_widest_zones(store, clock):
    clock.now = datetime(2027, 1, 1, tzinfo=UTC)
    east = hubs.create_hub(store, "Line Islands", "Pacific/Kiritimati")  # UTC+14
    west = hubs.create_hub(store, "Samoa", "Pacific/Pago_Pago")  # UTC-11
    early, _ = daily(store, east, "Early", time(0, 30), start=date(2027, 2, 1), count=5)
    late, _ = daily(store, west, "Late", time(23, 30), start=date(2027, 2, 1), count=5)
    items = agenda(store, start=date(2027, 2, 3), end=date(2027, 2, 3))
    assert sorted((i.series, i.start[:16]) for i in items) == [
        ("Early", "2027-02-03T00:30"), ("Late", "2027-02-03T23:30")]
    # 00:30 on the 3rd at UTC+14 is the 2nd in UTC; 23:30 at UTC-11 is the 4th
    assert [i.start_utc[:10] for i in items] == ["2027-02-02", "2027-02-04"]
    assert early.id != late.id


def test_agenda_counts_seats_and_waitlists(store, week):
    small, occs = daily(store, week["ny"], "Small", time(18), capacity=1,
                        registration_option="single_session")
    for n in range(3):
        registrations.register(store, small.id, email=f"p{n}@example.org", name=f"P {n}",
                               occurrence_ids=[occs[3].id], seats=1)
    items = {i.id: i for i in agenda(store, start=date(2027, 3, 11), end=date(2027, 3, 11))}
    assert (items[occs[3].id].booked, items[occs[3].id].waitlisted,
            items[occs[3].id].capacity) == (1, 2, 1)
    assert all((i.booked, i.waitlisted) == (0, 0) for k, i in items.items() if k != occs[3].id)


def test_agenda_refuses_a_backwards_window_and_an_unknown_hub(store, week):
    with pytest.raises(DeskError) as err:
        agenda(store, start=date(2027, 3, 11), end=date(2027, 3, 10))
    assert err.value.code == "invalid_value"
    with pytest.raises(DeskError) as err:
        agenda(store, hub_id=999)
    assert err.value.code == "not_found"
    assert agenda(store, start=date(1, 1, 1), end=date(1, 1, 7)) == []
    assert agenda(store, start=date(9999, 12, 25), end=date(9999, 12, 31)) == []


def _statements(store):
    """Every statement run: through SQLAlchemy, and on the driver (store/sql.py)."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    plain = sql._Run.execute

    def on_driver(self, statement, params, *, many=False):
        seen.append((statement, params))
        return plain(self, statement, params, many=many)
    event.listen(store.engine, "before_cursor_execute", record)
    sql._Run.execute = on_driver

    def stop():
        sql._Run.execute = plain
        event.remove(store.engine, "before_cursor_execute", record)
    return seen, stop


def test_agenda_costs_the_same_queries_however_many_series(store, week):
    def queries() -> int:
        seen, stop = _statements(store)
        try:
            agenda(store, start=date(2027, 3, 11), end=date(2027, 3, 17))
        finally:
            stop()
        return len([s for s, _ in seen if s.lstrip().upper().startswith("SELECT")])

    few = queries()
    for n in range(12):
        daily(store, week["berlin"], f"More {n}", time(8 + n % 10))
    assert queries() == few == 1


def test_agenda_and_conflict_queries_use_the_start_index_on_sqlite(store, week):
    if not store.is_sqlite:
        pytest.skip("the plan is SQLite's")
    seen, stop = _statements(store)
    try:
        agenda(store, start=date(2027, 3, 11), end=date(2027, 3, 17))
        with store.read() as session:
            double_bookings(session, [o.id for o in week["yoga_occs"]])
    finally:
        stop()
    ranged = [(s, p) for s, p in seen if re.search(r"\bo(ccurrence)?\.start_utc >=", s)]
    assert len(ranged) >= 3
    used = set()
    with store.engine.connect() as conn:
        for statement, params in ranged:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params))
            # by start, by series and start for the series that share a host, or
            # (occurrences with a host or place of their own) their partial index
            found = re.search(r"SEARCH (occurrence|o) USING (COVERING )?INDEX ix_occurrence_("
                              r"start_end|series_start|own) \(.*start_utc>\? AND "
                              r"start_utc<\?\)", plan)
            assert found, plan
            used.add(found.group(3))
            assert "SCAN occurrence" not in plan, plan
    assert {"start_end", "series_start", "own"} <= used


def test_the_agenda_page_finds_sessions_of_days_from_before_in_the_long_index(store, week):
    """A page looks 31 days back for sessions still running into its week; past
    the day before, only sessions of more than a day can, and those are read
    from their own partial index, not from every session of those days."""
    if not store.is_sqlite:
        pytest.skip("the plan is SQLite's")
    seen, stop = _statements(store)
    try:
        agenda_page(store, start=date(2027, 3, 11), end=date(2027, 3, 17))
    finally:
        stop()
    [(statement, params)] = [(s, p) for s, p in seen if "julianday" in s]
    with store.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, params))
    assert "INDEX ix_occurrence_long" in plan, plan
    assert "SCAN o " not in plan + " " and "SCAN occurrence" not in plan, plan


# -- double-bookings --------------------------------------------------------------


def test_conflicts_across_zones_pair_by_pair_through_the_dst_change(store, week):
    found = conflicts(store, start=date(2027, 3, 11), end=date(2027, 3, 17))
    # 10:00 New York and 15:30 Berlin overlap both before (15:00 vs 14:30 UTC)
    # and after (14:00 vs 14:30 UTC) the US change
    pairs = {tuple(sorted(c.occurrences)) for c in found}
    expected = {tuple(sorted((y.id, p.id))) for y, p in
                zip(week["yoga_occs"][3:10], week["pilates_occs"][3:10], strict=True)}
    assert pairs == expected
    assert {c.kind for c in found} == {"host"}
    assert {c.name for c in found} == {"Ana", "ana"}  # as written on the earlier one
    for c in found:
        assert c.first.start <= c.second.start
        assert c.to_json()["occurrences"] == [c.first.id, c.second.id]
    only_berlin = conflicts(store, hub_id=week["berlin"].id, start=date(2027, 3, 11),
                            end=date(2027, 3, 17))
    assert {tuple(sorted(c.occurrences)) for c in only_berlin} == expected


def test_what_double_books_and_what_does_not(store, week, clock):
    hub = week["ny"]
    day = date(2027, 3, 20)
    at = {}
    for name, start, extra in [
            ("Room A", time(12), {"location": " room 1 "}),       # same place, later
            ("Same room", time(9, 30), {"location": "ROOM 1"}),     # overlaps Yoga at 10:00
            ("Back to back", time(11), {"location": "room 1"}),     # end exclusive
            ("Online", time(10), {"location": "https://meet.example.org/a"}),
            ("Online too", time(10), {"location": "https://meet.example.org/a"}),
            ("Other host", time(10), {"host": "Bea"}),
            ("Cancelled", time(10), {"host": "ana"})]:
        view, occs = daily(store, hub, name, start, start=day, count=1, **extra)
        at[name] = occs[0].id
    yoga = next(o.id for o in week["yoga_occs"] if o.start.startswith("2027-03-20"))
    pilates = next(o.id for o in week["pilates_occs"] if o.start.startswith("2027-03-20"))
    occurrences.cancel_occurrence(store, at["Cancelled"])
    found = conflicts(store, start=day, end=day)
    # Yoga 10:00 EDT is 14:00-15:00 UTC, Pilates 15:30 CET 14:30-15:30 UTC,
    # Same room 09:30 EDT 13:30-14:30 UTC; Back to back starts as Yoga ends
    assert [(c.kind, c.name, c.occurrences) for c in found] == [
        ("location", "ROOM 1", [at["Same room"], yoga]), ("host", "Ana", [yoga, pilates])]


def test_double_bookings_of_given_occurrences_and_their_warnings(store, week):
    hub = week["berlin"]
    # a second Berlin series at 15:15 on three days, same host, other case and spaces
    view, occs = daily(store, hub, "Stretch", time(15, 15), start=date(2027, 3, 9), count=3,
                       host="ANA  ")
    with store.read() as session:
        found = double_bookings(session, [o.id for o in occs])
        told = warnings(session, [o.id for o in occs])
    pairs = {tuple(c.occurrences) for c in found}
    pil = {o.start[:10]: o.id for o in week["pilates_occs"]}
    yoga = {o.start[:10]: o.id for o in week["yoga_occs"]}
    for o in occs:  # 14:15-15:15 UTC overlaps Pilates (14:30 UTC) and Yoga (15:00 UTC)
        assert (o.id, pil[o.start[:10]]) in pairs
        assert (yoga[o.start[:10]], o.id) in pairs or (o.id, yoga[o.start[:10]]) in pairs
    assert len(found) == 6
    assert [w["code"] for w in told] == ["double_booked"] * 2
    assert all("3 times" in w["message"] for w in told)
    assert any("Pilates" in w["message"] and "Stretch" in w["message"] for w in told)
    assert sorted(i for w in told for i in w["occurrences"]) == sorted(
        [o.id for o in occs] * 2 + [pil[o.start[:10]] for o in occs]
        + [yoga[o.start[:10]] for o in occs])


def test_drafts_and_archived_series_do_not_double_book_others(store, week):
    draft, occs = daily(store, week["berlin"], "Draft", time(15, 15), start=date(2027, 3, 9),
                        count=1, host="Ana", draft=True)
    with store.read() as session:
        # the draft itself is told of its clashes...
        assert len(double_bookings(session, [occs[0].id])) == 2
        # ...but nobody else sees it
        pilates = next(o.id for o in week["pilates_occs"] if o.start.startswith("2027-03-09"))
        yoga = next(o.id for o in week["yoga_occs"] if o.start.startswith("2027-03-09"))
        assert [c.occurrences for c in double_bookings(session, [pilates])] == [
            [pilates, yoga]]  # 14:30 and 15:00 UTC
    series.set_status(store, week["yoga"].id, "archive")
    assert conflicts(store, start=date(2027, 3, 9), end=date(2027, 3, 12)) == []


# -- the attendance grid ----------------------------------------------------------


@pytest.fixture
def grid_series(store, clock):
    clock.now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    hub = hubs.create_hub(store, "New York", "America/New_York")
    view = series.create_series(store, hub_id=hub.id, name="Course", start=date(2027, 3, 8),
                                rrule="FREQ=WEEKLY;COUNT=4", duration_minutes=60,
                                times=[(time(18), None)], capacity=2)
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    regs = {}
    for email, name in [("bo@x.org", "bo"), ("al@x.org", "Al"), ("cy@x.org", "Cy"),
                        ("di@x.org", "Di")]:
        regs[name] = registrations.register(store, view.id, email=email, name=name).id
    registrations.cancel_registration(store, regs["Di"])
    # capacity 2: bo and Al have seats, Cy waits; rows come by name, case aside
    clock.now = datetime(2027, 3, 16, 12, tzinfo=UTC)  # two sessions held
    registrations.check_in(store, regs["Al"], occs[0])
    registrations.check_in(store, regs["Al"], occs[1])
    registrations.check_in(store, regs["bo"], occs[0])
    occurrences.cancel_occurrence(store, occs[3])
    return view, occs, regs


def test_attendance_grid_cells_and_totals(store, grid_series):
    view, occs, regs = grid_series
    grid = attendance_grid(store, view.id)
    assert [c.id for c in grid.columns] == occs
    assert [c.held for c in grid.columns] == [True, True, False, False]
    by_name = {r.name: r for r in grid.rows}
    assert [r.name for r in grid.rows] == ["Al", "bo", "Cy", "Di"]
    assert grid.people == 4
    assert by_name["Al"].cells == ["attended", "attended", "confirmed", "cancelled"]
    assert by_name["bo"].cells == ["attended", "confirmed", "confirmed", "cancelled"]
    assert by_name["Cy"].cells == ["waitlisted"] * 3 + ["cancelled"]
    assert by_name["Di"].cells == ["cancelled"] * 4
    assert [(c.booked, c.attended, c.no_shows) for c in grid.columns] == [
        (2, 2, 0), (2, 1, 1), (2, 0, 0), (0, 0, 0)]
    assert [(r.held, r.attended, r.rate) for r in grid.rows] == [
        (2, 2, 1.0), (2, 1, 0.5), (0, 0, None), (0, 0, None)]


def test_attendance_grid_windows_of_rows_and_dates(store, grid_series):
    view, occs, _ = grid_series
    whole = attendance_grid(store, view.id)
    page = attendance_grid(store, view.id, offset=1, limit=2)
    assert page.people == 4 and page.offset == 1
    assert [r.to_json() for r in page.rows] == [r.to_json() for r in whole.rows[1:3]]
    assert page.columns == whole.columns
    bare = attendance_grid(store, view.id, offset=1, limit=2, totals=False)
    assert [r.to_json() for r in bare.rows] == [r.to_json() for r in page.rows]
    assert {(c.booked, c.attended, c.no_shows) for c in bare.columns} == {(None, None, None)}
    march = attendance_grid(store, view.id, start=date(2027, 3, 15), end=date(2027, 3, 22))
    assert [c.id for c in march.columns] == occs[1:3]
    assert [r.cells for r in march.rows][0] == ["attended", "confirmed"]
    assert attendance_grid(store, view.id, offset=10).rows == []
    with pytest.raises(DeskError):
        attendance_grid(store, view.id, offset=-1)
    with pytest.raises(DeskError) as err:
        attendance_grid(store, 999)
    assert err.value.code == "not_found"


def test_attendance_page_costs_the_same_however_many_people(store, grid_series):
    view, _, _ = grid_series

    def queries() -> int:
        seen, stop = _statements(store)
        try:
            attendance_grid(store, view.id, offset=0, limit=2)
        finally:
            stop()
        return len(seen)

    few = queries()
    for n in range(40):
        registrations.register(store, view.id, email=f"n{n}@x.org", name=f"N {n:02d}")
    assert queries() == few
    assert attendance_grid(store, view.id, offset=40, limit=10).people == 44


def test_names_with_letters_beyond_ascii_compare_ignoring_case(store, week):
    # lower() in SQL may fold ASCII only; the comparison is Python's casefold()
    _, a = daily(store, week["ny"], "One", time(7), start=date(2027, 3, 20), count=1,
                   host="Émile Größe")
    _, b = daily(store, week["berlin"], "Two", time(12, 30), start=date(2027, 3, 20),
                   count=1, host=" ÉMILE GRÖSSE ")
    daily(store, week["berlin"], "Three", time(12, 30), start=date(2027, 3, 20),
                     count=1, host="Emile Grosse")
    with store.read() as session:
        assert [d.occurrences for d in double_bookings(session, [a[0].id])] == [
            [a[0].id, b[0].id]]  # 11:00 UTC and 11:30 UTC; "Emile" is another name
    assert [d.occurrences for d in conflicts(store, start=date(2027, 3, 20),
                                             end=date(2027, 3, 20)) if d.kind == "host"
            and d.name != "Ana"] == [[a[0].id, b[0].id]]


def test_a_time_of_day_with_its_own_host_double_books_by_that_host(store, week):
    from schedtui.domain import parse

    view = series.create_series(store, hub_id=week["berlin"].id, name="Slots",
                                start=date(2027, 3, 20), rrule="FREQ=DAILY;COUNT=1",
                                duration_minutes=60,
                                times=parse.parse_times("08:00@Cleo,15:15@ANA"))
    occs = {o.start[11:16]: o.id for o in occurrences.list_occurrences(store, view.id)}
    pilates = next(o.id for o in week["pilates_occs"] if o.start.startswith("2027-03-20"))
    yoga = next(o.id for o in week["yoga_occs"] if o.start.startswith("2027-03-20"))
    with store.read() as session:  # 15:15 CET is 14:15 UTC: Yoga 14:00, Pilates 14:30
        assert [c.occurrences for c in double_bookings(session, [pilates])] == [
            [yoga, pilates], [occs["15:15"], pilates]]
        assert double_bookings(session, [occs["08:00"]]) == []


def test_agenda_pages_match_the_agenda_day_by_day_across_the_widest_zones(store, clock):
    """The page counts and picks in the database what ``agenda`` gives: each
    occurrence on its local date in its own zone (UTC+14 and UTC-11 at the
    window's edges, New York through its clock change), a session of days that
    began before the window on the first day, cancelled ones counted apart."""
    from schedtui.services.agenda import agenda_ids, agenda_page

    clock.now = datetime(2027, 3, 1, tzinfo=UTC)
    east = hubs.create_hub(store, "Line Islands", "Pacific/Kiritimati")
    west = hubs.create_hub(store, "Samoa", "Pacific/Pago_Pago")
    ny = hubs.create_hub(store, "New York", "America/New_York")
    daily(store, east, "Early", time(0, 30))
    daily(store, west, "Late", time(23, 30))
    _, occs = daily(store, ny, "Yoga", time(10))
    occurrences.cancel_occurrence(store, occs[4].id)  # 2027-03-12
    retreat = series.create_series(  # two days and more, from the evening before the window
        store, hub_id=ny.id, name="Retreat", start=date(2027, 3, 10), rrule="FREQ=DAILY;COUNT=1",
        duration_minutes=3000, times=[(time(20), None)])
    first, last = date(2027, 3, 11), date(2027, 3, 17)
    items = agenda(store, start=first, end=last)

    def day(item) -> date:
        return max(date.fromisoformat(item.start[:10]), first)

    order = [i.id for i in sorted(items, key=lambda i: (day(i), i.start_utc, i.id))]
    assert retreat.id in {i.series_id for i in items} and len(order) == 22
    page = agenda_page(store, start=first, end=last, offset=0, limit=100)
    assert [i.id for i in page.items] == order == agenda_ids(store, start=first, end=last)
    counts: dict[date, int] = {}
    for item in items:
        counts[day(item)] = counts.get(day(item), 0) + 1
    assert page.days == counts and page.days[first] == 4  # the retreat, on the first day
    assert (page.count, page.total, page.cancelled) == (22, 22, 1)
    window = agenda_page(store, start=first, end=last, offset=5, limit=7)
    assert [i.id for i in window.items] == order[5:12]
    tail = agenda_page(store, start=first, end=last, offset=20, limit=7)
    assert [i.id for i in tail.items] == order[20:]
    grid = agenda_page(store, start=first, end=last, offset=1, limit=2, per_day=True)
    by_day: dict[date, list[int]] = {}
    for item_id in order:
        by_day.setdefault(day(next(i for i in items if i.id == item_id)), []).append(item_id)
    assert [i.id for i in grid.items] == [n for d in sorted(by_day) for n in by_day[d][1:3]]
    assert grid.total == 4
    only_ny = agenda_page(store, start=first, end=last, hub_id=ny.id, offset=0, limit=100)
    assert [i.series for i in only_ny.items][:2] == ["Retreat", "Yoga"]
    assert only_ny.count == 8
