"""The pairing of double-bookings against every pair compared by hand, and
the work it does: a checked occurrence is compared with the others of its
host or place that may still run at its start, not with 31 days of them."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from schedtui.services import conflicts
from schedtui.services.conflicts import Booked, _pairs

T0 = datetime(2027, 3, 1, 8, 0)  # noqa: DTZ001 - naive UTC, as the store keeps
PLACES = ["Room A", "room a ", "Room B", "https://meet.example/x", ""]
HOSTS = ["Ana", "ANA", "Bo", ""]


def _booked(n: int, start_minutes: int, length_minutes: int, host: str, place: str,
            status: str = "published") -> Booked:
    start = T0 + timedelta(minutes=start_minutes)
    return Booked(n, 100 + n % 3, f"Series {n % 3}", status, "UTC", start,
                  start + timedelta(minutes=length_minutes), host, place)


def _by_hand(checked: list[Booked], others: list[Booked]) -> set[tuple[str, int, int]]:
    """Every pair of a checked occurrence and another, compared one by one."""
    checked_ids = {b.id for b in checked}
    pool = [b for b in {b.id: b for b in others}.values()
            if b.series_status != "draft" or b.id in checked_ids]
    found = set()
    for item in checked:
        for other in pool:
            if other.id == item.id:
                continue
            a_end = max(item.end, item.start + timedelta(microseconds=1))
            b_end = max(other.end, other.start + timedelta(microseconds=1))
            if not (item.start < b_end and other.start < a_end):
                continue
            shared = {(k, c) for k, c, _ in item.booking} & {(k, c) for k, c, _ in
                                                            other.booking}
            first, second = sorted((item, other), key=lambda b: (b.start, b.id))
            found |= {(kind, first.id, second.id) for kind, _ in shared}
    return found


occurrence = st.tuples(
    st.integers(0, 60 * 24 * 40),  # start: minutes into 40 days
    st.sampled_from([0, 0, 30, 60, 90, 24 * 60, 3 * 24 * 60, 31 * 24 * 60 + 60]),  # moments, days
    st.sampled_from(HOSTS), st.sampled_from(PLACES),
    st.sampled_from(["published", "published", "draft"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(occurrence, min_size=1, max_size=40), st.data())
def test_pairs_are_every_overlapping_pair_sharing_a_host_or_place(rows, data):
    others = [_booked(n, *row) for n, row in enumerate(rows, 1)]
    picked = data.draw(st.lists(st.sampled_from(others), min_size=1, unique_by=lambda b: b.id))
    found = {(d.kind, d.first.id, d.second.id) for d in _pairs(picked, others)}
    assert found == _by_hand(picked, others)


def test_a_session_of_days_is_found_from_a_later_day_among_short_ones():
    long = _booked(1, 0, 3 * 24 * 60, "", "Hall")
    talks = [_booked(n, 60 * 24 + n * 120, 60, "", "hall") for n in range(2, 6)]
    pairs = _pairs(talks, [long, *talks])
    assert {(d.first.id, d.second.id) for d in pairs} == {(1, n) for n in range(2, 6)}


def test_an_hour_long_room_is_searched_an_hour_back_not_31_days(monkeypatch):
    """A room with a session an hour every day of a year: each checked session
    is compared with the few that may still run at its start, so the work
    grows with the sessions, not with 31 days of them each."""
    compared = []
    real = conflicts._overlap

    def counting(a, b):
        compared.append((a.id, b.id))
        return real(a, b)

    monkeypatch.setattr(conflicts, "_overlap", counting)
    days = [_booked(n, n * 24 * 60, 60, "", "Room A") for n in range(1, 366)]
    assert _pairs(days, days) == []
    assert len(compared) <= len(days)  # 31 days back would be some 11,000
