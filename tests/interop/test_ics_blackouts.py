"""The iCalendar export of blackout days, checked against recurring-ical-events
as the rest of the export is: a series that skips them gets EXDATEs, one that
shifts them overrides of the instances they left (RECURRENCE-ID), whether the
blackout came before the plan or over occurrences already planned (people
holding seats in them). On both stores."""

from __future__ import annotations

from datetime import date, time

import icalendar
import pytest

from schedtui.interop.ics import export_ics
from schedtui.services import blackouts, hubs, occurrences, registrations, series
from tests.interop.test_ics_export import check

BEFORE = date(2025, 1, 20)  # blacked out before the series is planned
AFTER = (date(2025, 2, 3), date(2025, 2, 4))  # over occurrences already planned


@pytest.fixture
def hub(store):
    return hubs.create_hub(store, "Studio", "America/New_York")


def weekly(store, hub, policy: str, rrule: str = "FREQ=WEEKLY;BYDAY=MO;COUNT=8"):
    return series.create_series(store, hub_id=hub.id, name=f"Mondays ({policy})",
                                start=date(2025, 1, 6), rrule=rrule, duration_minutes=60,
                                times=[(time(10), None)], on_blackout=policy)


def components(text: str, uid_part: str = "") -> list:
    cal = icalendar.Calendar.from_ical(text)
    return [c for c in cal.walk("VEVENT") if uid_part in str(c["UID"])]


def local_days(values) -> list[str]:
    found = []
    for prop in values if isinstance(values, list) else [values]:
        found += [d.dt.date().isoformat() for d in prop.dts]
    return sorted(found)


@pytest.mark.parametrize("rrule", ["FREQ=WEEKLY;BYDAY=MO;COUNT=8", "FREQ=WEEKLY;BYDAY=MO"],
                         ids=["finite", "open-ended"])
def test_skipped_days_are_exdates_and_shifted_ones_overrides(store, hub, rrule):
    blackouts.add_blackout(store, hub.id, BEFORE, reason="Closed")
    skip, shift = weekly(store, hub, "skip", rrule), weekly(store, hub, "shift", rrule)
    first = occurrences.list_occurrences(store, shift.id)
    registrations.register(store, shift.id, email="ann@example.org", name="Ann")
    blackouts.add_blackout(store, hub.id, *AFTER, reason="Works", confirm=True)
    shifted = [o for o in occurrences.list_occurrences(store, shift.id)
               if o.start[:10] in ("2025-01-21", "2025-02-04", "2025-02-05")]
    assert [o.start[:10] for o in shifted] == ["2025-01-21", "2025-02-05"]  # 4th: blacked
    assert len(first) == len(occurrences.list_occurrences(store, shift.id))

    text = export_ics(store, None, series_id=skip.id)
    [master] = components(text)
    assert local_days(master["EXDATE"]) == ["2025-01-20", "2025-02-03"]
    check(store, [skip.id], text)

    text = export_ics(store, None, series_id=shift.id)
    events = components(text)
    master = next(e for e in events if "RECURRENCE-ID" not in e)
    overrides = sorted((e["RECURRENCE-ID"].dt.date().isoformat(),
                        e["DTSTART"].dt.date().isoformat()) for e in events if e is not master)
    assert overrides == [("2025-01-20", "2025-01-21"), ("2025-02-03", "2025-02-05")]
    assert all(str(e["UID"]) == str(master["UID"]) for e in events)  # no event of its own
    assert "EXDATE" not in master
    check(store, [shift.id], text)


def test_removing_the_blackout_exports_the_plain_rule_again(store, hub, tmp_path):
    skip, shift = weekly(store, hub, "skip"), weekly(store, hub, "shift")
    made = blackouts.add_blackout(store, hub.id, *AFTER, reason="Works")
    report = export_ics(store, tmp_path / "a.ics", hub_id=hub.id)
    assert (report.exdates, report.overrides, report.single_events) == (1, 1, 0)
    blackouts.remove_blackout(store, made.id)
    report = export_ics(store, tmp_path / "b.ics", hub_id=hub.id)
    assert (report.exdates, report.overrides, report.single_events) == (0, 0, 0)
    check(store, [skip.id, shift.id], (tmp_path / "b.ics").read_text())


@pytest.mark.parametrize("policy, expected", [("skip", None), ("shift", "2025-12-24")])
def test_blackout_days_past_the_horizon_are_in_the_export_and_the_plan_agrees(
        store, hub, clock, policy, expected):
    """A series with no end is planned some months ahead; a holiday a year out is
    past that. Other calendars run the rule on, so the export writes the day as
    the policy will have it (an EXDATE, or an override to the day it shifts to),
    and when the horizon gets there the desk plans the same."""
    from datetime import UTC, datetime

    from tests.interop.helpers import expander_instants

    made = weekly(store, hub, policy, "FREQ=WEEKLY;BYDAY=MO")
    last = occurrences.list_occurrences(store, made.id)[-1].start[:10]
    assert last < "2025-12-01"  # the holiday is past the horizon: nothing stored there
    blackouts.add_blackout(store, hub.id, date(2025, 12, 22), date(2025, 12, 23),
                           reason="Holidays")
    text = export_ics(store, None, series_id=made.id)
    december = [local[:10] for local, _, _ in expander_instants(
        text, datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))]
    wanted = sorted(["2025-12-01", "2025-12-08", "2025-12-15", "2025-12-29"]
                    + ([expected] if expected else []))
    assert december == wanted
    # Months later the horizon reaches December: the plan is what the export said.
    clock.now = datetime(2025, 11, 1, 12, tzinfo=UTC)
    series.roll_horizons(store, series_id=made.id)
    planned = [o.start[:10] for o in occurrences.list_occurrences(store, made.id)
               if o.start.startswith("2025-12") and o.status == "scheduled"]
    assert planned == wanted
    check(store, [made.id], export_ics(store, None, series_id=made.id))
