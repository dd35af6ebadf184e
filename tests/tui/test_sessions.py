"""The attendee list says which session each person holds and each waiting
person's place in the queue."""

from __future__ import annotations

from schedtui.services import occurrences, registrations
from schedtui.tui.screens.attendee_list import AttendeesScreen, ordinal
from tests.tui.conftest import settle
from tests.tui.test_attendees import column, small_series


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]


async def test_waiting_people_show_their_place_and_everyone_their_session(seeded, make_app,
                                                                          desk_store):
    drop = small_series(desk_store, seeded.hub_id)  # capacity 1, one session each
    occs = occurrences.list_occurrences(desk_store, drop.id)
    for name in ("Ann", "Bob", "Cy"):
        registrations.register(desk_store, drop.id, email=f"{name.lower()}@example.org",
                               name=name, occurrence_ids=[occs[0].id])
    registrations.register(desk_store, drop.id, email="dee@example.org", name="Dee",
                           occurrence_ids=[occs[2].id])
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        one = AttendeesScreen(series_id=drop.id, occurrence_id=occs[0].id)
        await app.push_screen(one)
        await settle(pilot)
        assert column(one.table, 0) == ["Ann", "Bob", "Cy"]
        assert column(one.table, 3) == ["confirmed", "waitlisted 1st", "waitlisted 2nd"]
        await pilot.press("escape")
        await settle(pilot)
        everyone = AttendeesScreen(series_id=drop.id)
        await app.push_screen(everyone)
        await settle(pilot)
        assert column(everyone.table, 5) == [
            "Tue 03-04 09:30", "Tue 03-04 09:30 waiting 1st", "Tue 03-04 09:30 waiting 2nd",
            "Tue 03-18 09:30"]
        # Ann leaves: Bob gets the seat, Cy moves up to first in line
        registrations.cancel_registration(desk_store, registrations.list_registrations(
            desk_store, series_id=drop.id)[0].id)
        everyone.reload()
        await settle(pilot)
        assert column(everyone.table, 5)[1:3] == ["Tue 03-04 09:30",
                                                  "Tue 03-04 09:30 waiting 1st"]
