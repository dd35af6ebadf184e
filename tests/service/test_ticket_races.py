"""Several processes (not threads) buying ticket types at once, on both
stores: no quantity is ever oversold, every refusal is ``ticket_sold_out``,
nothing is lost, and the store's invariants hold. Six small tickets give the
processes many moments of selling the last seat at the same time."""

from __future__ import annotations

import multiprocessing
from datetime import date, time

from schedtui.domain.errors import DeskError
from schedtui.services import hubs, occurrences, payments, registrations, series, tickets
from schedtui.store import open_store
from tests.service.invariants import problems

PROCESSES = 4
EACH = 24
TICKETS = 6
QUANTITY = 3


def _buy_many(url: str, worker: int, series_id: int, occ_ids: list[int],
              ticket_ids: list[int], start, queue) -> None:
    try:
        store = open_store(url)
        registrations.get_registration  # noqa: B018 - imported and warm before the start
        sold: dict[int, int] = dict.fromkeys(ticket_ids, 0)
        refused = 0
        start.wait(60)
        for i in range(EACH):
            ticket = ticket_ids[(i // 4) % len(ticket_ids)]
            seats = 2 if (i + worker) % 5 == 0 else 1
            try:
                made = registrations.register(
                    store, series_id, email=f"w{worker}-{i}@example.org", name=f"W{worker} {i}",
                    occurrence_ids=[occ_ids[(i + worker) % len(occ_ids)]], seats=seats,
                    ticket_id=ticket)
            except DeskError as exc:
                if exc.code != "ticket_sold_out":
                    raise
                refused += 1
            else:
                sold[ticket] += seats
                if i % 2:
                    payments.pay(store, made.id, "5")
        queue.put(("ok", sold, refused))
    except Exception as exc:  # the test fails with it
        queue.put(("error", repr(exc), 0))


def test_processes_never_oversell_a_ticket(store_url):
    store = open_store(store_url)
    hub = hubs.create_hub(store, "Race", "UTC")
    view = series.create_series(store, hub_id=hub.id, name="Race", start=date(2030, 1, 7),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", duration_minutes=30,
                                times=[(time(9), None)], capacity=None,
                                registration_option="single_session")
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    ids = [tickets.add_ticket(store, view.id, name=f"T{n}", price="5", quantity=QUANTITY).id
           for n in range(TICKETS)]
    ctx = multiprocessing.get_context("spawn")
    queue, start = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_buy_many,
                         args=(store_url, w, view.id, occs, ids, start, queue))
             for w in range(PROCESSES)]
    for p in procs:
        p.start()
    start.set()
    results = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(kind == "ok" for kind, *_ in results), results
    for ticket_id in ids:
        sold = sum(r[1][ticket_id] for r in results)
        shown = tickets.get_ticket(store, ticket_id)
        assert shown.sold == sold <= QUANTITY, (ticket_id, sold)
        assert sold >= QUANTITY - 1  # only a 2-seat request can leave one seat over
    assert sum(r[2] for r in results) > 0  # the race was real: some were turned away
    assert problems(store, store.now()) == []
    store.dispose()
