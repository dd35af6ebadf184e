"""Ticket types: what a series sells, at what price, how many, and when.

A series without an active ticket type registers as it always has. One with
at least one needs a ticket on every new registration: it must be on sale (not
archived, inside its sales window) and its quantity must hold the seats. The
quantity counts the seats of the ticket's active and pending registrations and
is checked with the ticket's row locked (``FOR UPDATE`` on PostgreSQL; SQLite's
writer holds the whole database), inside the registration's own transaction,
so it is never oversold, as pretix checks its quotas.

Prices are whole minor units (:mod:`schedtui.domain.money`); a series sells in
one currency, the one of its first ticket type.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlmodel import Session, col, func, select

from schedtui.domain import money, parse, text
from schedtui.domain.errors import DeskError, not_found
from schedtui.domain.zones import from_utc_naive, localize, to_utc_naive, zone
from schedtui.services import audit
from schedtui.services.common import get, naive_now
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.hot import HotSQL
from schedtui.store.models import Registration, Series, TicketType

DEFAULT_CURRENCY = "EUR"
HOLDING = ("active", "pending")
MAX_QUANTITY = 1_000_000

# The registration path's statements (see schedtui.store.hot).
_TICKET_FOR_SALE = HotSQL("SELECT id, series_id, name, price, currency, quantity, sales_from, "
                          "sales_until, archived FROM ticket_type WHERE id = :id FOR UPDATE",
                          times=["sales_from", "sales_until"])
_TICKET_SOLD = HotSQL("SELECT coalesce(sum(seats), 0) AS seats FROM registration "
                      "WHERE series_id = :series AND ticket_id = :ticket "
                      "AND status IN ('active', 'pending')")


@dataclass(frozen=True)
class TicketView:
    id: int
    series_id: int
    name: str
    price: str  # a decimal string in the currency's minor unit ("12.50"), never a float
    currency: str
    quantity: int | None  # None: unlimited
    sold: int  # seats of its active and pending registrations
    available: int | None  # None: unlimited
    sales_from: str | None  # local to the series' zone
    sales_until: str | None
    archived: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Sale(NamedTuple):
    """What a new registration takes from its ticket."""

    ticket_id: int | None
    unit_price: int
    currency: str
    name: str | None = None


FREE = Sale(None, 0, "")


def _sold(session: Session, tickets: list[TicketType]) -> dict[int, int]:
    if not tickets:
        return {}
    rows = session.exec(select(Registration.ticket_id, func.sum(Registration.seats))
                        .where(col(Registration.ticket_id).in_([t.id for t in tickets]))
                        .where(col(Registration.status).in_(HOLDING))
                        .group_by(Registration.ticket_id)).all()
    return {ticket_id: int(seats or 0) for ticket_id, seats in rows}


def _local(moment: datetime | None, series: Series) -> str | None:
    if moment is None:
        return None
    return from_utc_naive(moment, zone(series.timezone)).isoformat(timespec="seconds")


def _views(session: Session, series: Series, tickets: list[TicketType]) -> list[TicketView]:
    sold = _sold(session, tickets)
    return [TicketView(
        id=t.id, series_id=t.series_id, name=t.name, price=money.to_text(t.price, t.currency),
        currency=t.currency, quantity=t.quantity, sold=sold.get(t.id, 0),
        available=None if t.quantity is None else max(t.quantity - sold.get(t.id, 0), 0),
        sales_from=_local(t.sales_from, series), sales_until=_local(t.sales_until, series),
        archived=t.archived) for t in tickets]


def _when(value: Any, series: Series, label: str) -> datetime | None:
    """A sales window end: local to the series' zone (``YYYY-MM-DDTHH:MM``, or a
    date alone: its midnight), as naive UTC; None, "" or "none" clears it."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    if isinstance(value, datetime):
        local = value
    else:
        day, at = parse.parse_start(value)
        local = datetime.combine(day, at) if at is not None else datetime.combine(
            day, datetime.min.time())
    if local.tzinfo is None:
        local = localize(local.date(), local.time(), zone(series.timezone))
    return to_utc_naive(local)


def _quantity(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in
                         ("", "none", "unlimited")):
        return None
    return parse.parse_positive(value, "Quantity", 1, MAX_QUANTITY)


def _series_currency(session: Session, series_id: int, ignore: int | None = None) -> str | None:
    """The currency the series' active ticket types are sold in, if it has any."""
    query = select(TicketType.currency).where(TicketType.series_id == series_id) \
        .where(col(TicketType.archived).is_(False))
    if ignore is not None:
        query = query.where(TicketType.id != ignore)
    return session.exec(query.limit(1)).first()


def _apply(session: Session, ticket: TicketType, series: Series, changes: dict[str, Any]) -> None:
    """Check ``changes`` (each may be absent) and set them on ``ticket``."""
    if "name" in changes and changes["name"] is not None:
        ticket.name = text.field(changes["name"], "Name", min_len=1, max_len=200)
    currency = changes.get("currency")
    if currency is not None:
        currency = money.check_currency(currency)
        if currency != ticket.currency and ticket.id is not None and \
                _sold(session, [ticket]).get(ticket.id):
            raise DeskError("currency_mismatch", f'Ticket "{ticket.name}" has been sold in '
                            f"{ticket.currency}; its currency cannot change.")
        ticket.currency = currency
    elif ticket.id is None:
        ticket.currency = _series_currency(session, series.id) or DEFAULT_CURRENCY
    other = _series_currency(session, series.id, ignore=ticket.id)
    if other is not None and other != ticket.currency:
        raise DeskError("currency_mismatch", f'"{series.name}" sells its tickets in {other}; '
                        f"a ticket in {ticket.currency} cannot be added beside them.",
                        currency=other)
    price = changes.get("price")
    if price is not None:
        ticket.price = money.to_minor(price, ticket.currency, "Price")
    elif currency is not None and ticket.id is not None:
        # the same amount must still be exact in the new currency
        money.to_minor(money.to_text(ticket.price, ticket.currency), ticket.currency, "Price")
    if "quantity" in changes:
        quantity = _quantity(changes["quantity"])
        sold = _sold(session, [ticket]).get(ticket.id, 0) if ticket.id is not None else 0
        if quantity is not None and quantity < sold:
            raise DeskError("quantity_below_sold", f'Ticket "{ticket.name}" has {sold} seats '
                            f"sold; a quantity of {quantity} is {sold - quantity} short.",
                            sold=sold)
        ticket.quantity = quantity
    for key in ("sales_from", "sales_until"):
        if key in changes:
            setattr(ticket, key, _when(changes[key], series,
                                       "Sales from" if key == "sales_from" else "Sales until"))
    if ticket.sales_from and ticket.sales_until and ticket.sales_until <= ticket.sales_from:
        raise DeskError("invalid_value", "The sales window ends before it opens "
                        "(--sales-until must be after --sales-from).")


def _snapshot(ticket: TicketType) -> dict[str, Any]:
    return {"name": ticket.name, "price": money.to_text(ticket.price, ticket.currency),
            "currency": ticket.currency, "quantity": ticket.quantity,
            "sales_from": ticket.sales_from, "sales_until": ticket.sales_until,
            "archived": ticket.archived}


@transaction
def add_ticket(store: Store, series_id: int, *, name: str, price: Any = None,
               currency: str | None = None, quantity: Any = None, sales_from: Any = None,
               sales_until: Any = None) -> TicketView:
    """A new ticket type. No price, or 0, is a free ticket; no quantity is unlimited."""
    with store.write() as session:
        series = get(session, Series, series_id, "series", lock=True)
        if series.status == "archived":
            raise DeskError("series_archived", f"Series {series_id} is archived.")
        ticket = TicketType(series_id=series.id, name="", created_at=naive_now(store.now()))
        if name is None:
            raise DeskError("invalid_value", "A ticket needs a name.")
        _apply(session, ticket, series, {"name": name, "price": price if price is not None
                                         else "0", "currency": currency, "quantity": quantity,
                                         "sales_from": sales_from, "sales_until": sales_until})
        session.add(ticket)
        session.flush()
        audit.record(session, store, "ticket.create", "ticket", ticket.id,
                     after=_snapshot(ticket), series_id=series.id, hub_id=series.hub_id)
        return _views(session, series, [ticket])[0]


@transaction
def list_tickets(store: Store, series_id: int, *, include_archived: bool = True
                 ) -> list[TicketView]:
    with store.read() as session:
        series = get(session, Series, series_id, "series")
        query = select(TicketType).where(TicketType.series_id == series_id)
        if not include_archived:
            query = query.where(col(TicketType.archived).is_(False))
        return _views(session, series, list(session.exec(query.order_by(TicketType.id))))


@transaction
def get_ticket(store: Store, ticket_id: int) -> TicketView:
    with store.read() as session:
        ticket = get(session, TicketType, ticket_id, "ticket")
        return _views(session, session.get(Series, ticket.series_id), [ticket])[0]


def _locked(session: Session, ticket_id: int) -> tuple[TicketType, Series]:
    """The ticket and its series, locked in the desk's order: the series
    (shared, as a registration takes it), then the ticket."""
    found = get(session, TicketType, ticket_id, "ticket")
    series = session.exec(select(Series).where(Series.id == found.series_id)
                          .with_for_update(read=True)
                          .execution_options(populate_existing=True)).one()
    return get(session, TicketType, ticket_id, "ticket", lock=True), series


@transaction
def edit_ticket(store: Store, ticket_id: int, **changes: Any) -> TicketView:
    """Change a ticket type: name, price, currency, quantity, sales window. A new
    price is for later sales; registrations keep the price they were sold at."""
    allowed = {"name", "price", "currency", "quantity", "sales_from", "sales_until"}
    unknown = set(changes) - allowed
    if unknown:
        raise DeskError("invalid_value", f"Unknown ticket setting: {', '.join(sorted(unknown))}.")
    with store.write() as session:
        ticket, series = _locked(session, ticket_id)
        if ticket.archived:
            raise DeskError("invalid_state", f'Ticket "{ticket.name}" is archived.')
        before = _snapshot(ticket)
        _apply(session, ticket, series, changes)
        session.add(ticket)
        session.flush()
        audit.record(session, store, "ticket.edit", "ticket", ticket.id, before=before,
                     after=_snapshot(ticket), series_id=series.id, hub_id=series.hub_id)
        return _views(session, series, [ticket])[0]


@transaction
def archive_ticket(store: Store, ticket_id: int) -> TicketView:
    """Stop selling a ticket type. Its registrations keep it and what they owe;
    a series whose every ticket is archived registers without tickets again."""
    with store.write() as session:
        ticket, series = _locked(session, ticket_id)
        if ticket.archived:
            raise DeskError("invalid_state", f'Ticket "{ticket.name}" is already archived.')
        ticket.archived = True
        session.add(ticket)
        session.flush()
        audit.record(session, store, "ticket.archive", "ticket", ticket.id,
                     before={"archived": False}, after={"archived": True},
                     series_id=series.id, hub_id=series.hub_id)
        return _views(session, series, [ticket])[0]


# -- the registration path ---------------------------------------------------------


def take(session: Session, store: Store, series: tuple, ticket_id: int | None,
         seats: int) -> Sale:
    """The ticket a new registration of ``seats`` seats takes, checked and
    locked: ``ticket_required`` when the series sells tickets and none is
    given, ``ticket_not_on_sale`` when it is archived or outside its sales
    window, ``ticket_sold_out`` when its quantity cannot hold the seats.
    ``series.tickets`` is the number of its active ticket types."""
    if ticket_id is None:
        if series.tickets:
            raise DeskError("ticket_required", f'"{series.name}" sells tickets: choose one '
                            "(--ticket ID; `ticket list` shows them).", series=series.id)
        return FREE
    row = (_TICKET_FOR_SALE.first(session, id=ticket_id)
           if isinstance(ticket_id, int) and not isinstance(ticket_id, bool) else None)
    if row is None:
        raise not_found("ticket", ticket_id)
    if row.series_id != series.id:
        raise DeskError("ticket_mismatch", f'Ticket {ticket_id} ("{row.name}") is not sold for '
                        f'"{series.name}".', ticket=ticket_id)
    now = naive_now(store.now())
    if row.archived:
        raise DeskError("ticket_not_on_sale", f'Ticket "{row.name}" is no longer sold.',
                        ticket=ticket_id)
    tz = zone(series.timezone)
    if row.sales_from is not None and now < row.sales_from:
        raise DeskError("ticket_not_on_sale", f'Ticket "{row.name}" goes on sale at '
                        f"{from_utc_naive(row.sales_from, tz):%Y-%m-%d %H:%M} "
                        f"{series.timezone}.", ticket=ticket_id)
    if row.sales_until is not None and now >= row.sales_until:
        raise DeskError("ticket_not_on_sale", f'Ticket "{row.name}" was on sale until '
                        f"{from_utc_naive(row.sales_until, tz):%Y-%m-%d %H:%M} "
                        f"{series.timezone}.", ticket=ticket_id)
    if row.quantity is not None:
        sold = int(_TICKET_SOLD.first(session, series=series.id, ticket=row.id).seats)
        if sold + seats > row.quantity:
            left = max(row.quantity - sold, 0)
            raise DeskError("ticket_sold_out", f'Ticket "{row.name}" has {left} of '
                            f"{row.quantity} left; {seats} asked for.", ticket=ticket_id,
                            available=left)
    return Sale(row.id, int(row.price), row.currency, row.name)
