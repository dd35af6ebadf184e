"""The tables. Times are stored as naive UTC; local times are derived from the
series' zone when shown, so a zone change or a DST rule update never leaves a
stale copy behind.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, DateTime, Index, false
from sqlmodel import Field, SQLModel


def Utc(**kwargs):  # noqa: N802 - reads like a type in the tables below
    """A naive-UTC timestamp column (the store never keeps local times)."""
    return Field(sa_type=DateTime(timezone=False), **kwargs)


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself: ``app`` and ``schema_version``."""

    __tablename__ = "schedtui_meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)


class Hub(SQLModel, table=True):
    """A place that groups series: a team, a studio."""

    __tablename__ = "hub"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    archived: bool = False
    created_at: datetime = Utc()
    # Phone numbers' default country (schema 5); a server default for plain inserts.
    region: str = Field(default="", max_length=2, sa_column_kwargs={"server_default": ""})


class Series(SQLModel, table=True):
    """A recurring event: its rule, defaults and registration settings."""

    __tablename__ = "series"
    id: int | None = Field(default=None, primary_key=True)
    hub_id: int = Field(foreign_key="hub.id", index=True)
    name: str = Field(max_length=200)
    description: str = ""
    timezone: str = Field(max_length=64)
    start_date: date
    rrule: str = Field(max_length=1000)  # the main rule of its rule set
    # The rule set's other parts as RFC 5545 lines: RRULE, RDATE, EXRULE, EXDATE (schema 4)
    rule_extra: str = ""
    duration_minutes: int
    capacity: int | None = None  # None: unlimited
    location: str = ""
    host: str = ""
    status: str = Field(default="published", max_length=16)
    registration_option: str = Field(default="all_sessions", max_length=32)
    booking_min_hours: int | None = None
    booking_max_days: int | None = None
    horizon_weeks: int = 26
    max_seats: int = 5  # seats one registration may take (schema 2)
    require_approval: bool = False  # registrations start pending (schema 2)
    waitlist: str = Field(default="strict", max_length=16)  # strict or first_fit (schema 4)
    planned_through: date | None = None  # last local date planned, for series with no end
    on_blackout: str = Field(default="skip", max_length=8)  # skip, shift, ignore (schema 5)
    created_at: datetime = Utc()
    updated_at: datetime = Utc()
    ics_uid: str | None = Field(default=None, max_length=500)  # the imported event's UID (5)
    # Policies (schema 5): "series" or a one-off "event" (one occurrence, no rule of
    # its own); none, email or email_and_phone; left out of shared calendars;
    # reminder offsets in minutes before the start ("1440,60").
    kind: str = Field(default="series", max_length=8,
                      sa_column_kwargs={"server_default": "series"})
    contact: str = Field(default="email", max_length=16,
                         sa_column_kwargs={"server_default": "email"})
    private: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    remind: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    # A registration cancelled this many hours or more before its next session
    # is refunded; later is a late cancellation (0: until the start) (schema 5).
    refundable_hours: int = Field(default=24, sa_column_kwargs={"server_default": "24"})


class Slot(SQLModel, table=True):
    """A time of day at which the series meets (a session template)."""

    __tablename__ = "slot"
    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    position: int = 0
    at: str = Field(max_length=5)  # HH:MM
    weekdays: str | None = Field(default=None, max_length=20)  # "MO,WE"; None: every date
    capacity: int | None = None  # None: unlimited
    fixed_capacity: bool = False  # its own capacity; else it follows the series' (schema 2)
    host: str = ""  # empty: the series' host


class Blackout(SQLModel, table=True):
    """Days a hub holds no sessions (a holiday, a closure): local dates in the
    hub's zone, inclusive (schema 5)."""

    __tablename__ = "blackout"
    id: int | None = Field(default=None, primary_key=True)
    hub_id: int = Field(foreign_key="hub.id", index=True)
    start_date: date
    end_date: date
    reason: str = Field(default="", max_length=200)
    created_at: datetime = Utc()


class TicketType(SQLModel, table=True):
    """What a series sells (schema 5): a price in the currency's minor unit, a
    quantity (None: unlimited) counting the seats of active and pending
    registrations, and a sales window (naive UTC; None: open on that side)."""

    __tablename__ = "ticket_type"
    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    name: str = Field(max_length=200)
    price: int = Field(default=0, sa_type=BigInteger)  # minor units: cents, yen, fils
    currency: str = Field(default="EUR", max_length=3)
    quantity: int | None = None
    sales_from: datetime | None = Utc(default=None, nullable=True)
    sales_until: datetime | None = Utc(default=None, nullable=True)
    archived: bool = False
    created_at: datetime = Utc()


class Payment(SQLModel, table=True):
    """Money recorded against a registration (schema 5): a payment or a refund,
    in minor units of the registration's currency. Recorded, not processed."""

    __tablename__ = "payment"
    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    kind: str = Field(max_length=8)  # payment or refund
    amount: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    method: str = Field(default="", max_length=16)  # cash, card, transfer, other
    reference: str = Field(default="", max_length=200)
    at: datetime = Utc()


class Occurrence(SQLModel, table=True):
    """One meeting of a series. ``original_start`` is the time it was planned
    for, its identity across edits; ``edited`` names the fields set by hand."""

    __tablename__ = "occurrence"
    __table_args__ = (Index("ix_occurrence_series_start", "series_id", "start_utc"),
                      # a window of days read from the index alone (schema 6)
                      Index("ix_occurrence_start_end", "start_utc", "end_utc", "series_id",
                            "status"))
    # (and ix_occurrence_long, the sessions of more than a day: a partial index in
    # each dialect's words, made with the schema by store/migrate.py; declared
    # here, SQLAlchemy would load the PostgreSQL dialect on every start; and
    # ix_occurrence_own, those with a host or place of their own, likewise)
    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id")
    slot_id: int | None = Field(default=None, foreign_key="slot.id")
    original_start: datetime = Utc()
    start_utc: datetime = Utc()
    end_utc: datetime = Utc()
    status: str = Field(default="scheduled", max_length=16)
    capacity: int | None = None  # None: unlimited
    location: str | None = None  # None: the series' location
    host: str | None = None  # None: the slot's or the series' host
    edited: str = ""  # comma-separated: start, capacity, location, host, status
    # The blackout that cancelled or shifted it (schema 5), and where a shift found it.
    blackout_id: int | None = Field(default=None, foreign_key="blackout.id")
    blackout_start: datetime | None = Utc(default=None, nullable=True)

    def edited_fields(self) -> set[str]:
        return {f for f in self.edited.split(",") if f}

    def mark_edited(self, *names: str) -> None:
        self.edited = ",".join(sorted(self.edited_fields() | set(names)))


class AuditEntry(SQLModel, table=True):
    """Who changed what, when, with the values before and after (JSON)."""

    __tablename__ = "audit"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Utc()
    actor: str = Field(max_length=100)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    hub_id: int | None = None
    series_id: int | None = Field(default=None, index=True)  # a series' log; undo
    before: str | None = None
    after: str | None = None
    undone: bool = False
    batch: str | None = Field(default=None, max_length=32)  # one bulk edit's entries (schema 5)


class Attendee(SQLModel, table=True):
    """A person. One email is one attendee; ``email_key`` is the email lowercased."""

    __tablename__ = "attendee"
    id: int | None = Field(default=None, primary_key=True)
    email_key: str = Field(max_length=320, unique=True)
    email: str = Field(max_length=320)
    name: str = Field(max_length=200)
    phone: str = Field(default="", max_length=40)
    created_at: datetime = Utc()


class Registration(SQLModel, table=True):
    """One attendee's booking in one series, for ``seats`` seats in each
    occurrence it covers. ``status``: pending, declined, cancelled or active."""

    __tablename__ = "registration"
    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    attendee_id: int = Field(foreign_key="attendee.id", index=True)
    seats: int = 1
    status: str = Field(default="active", max_length=16)
    created_at: datetime = Utc()
    updated_at: datetime = Utc()
    # Tickets and money (schema 5): the ticket type and its price when sold
    # (minor units; a later price change does not touch it), what was paid and
    # refunded (the sums of its payments), and how a cancellation left it.
    ticket_id: int | None = Field(default=None, foreign_key="ticket_type.id")
    unit_price: int = Field(default=0, sa_type=BigInteger,
                            sa_column_kwargs={"server_default": "0"})
    currency: str = Field(default="", max_length=3, sa_column_kwargs={"server_default": ""})
    paid: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    refunded: int = Field(default=0, sa_type=BigInteger,
                          sa_column_kwargs={"server_default": "0"})
    late_cancel: bool = Field(default=False,  # cancelled after the cutoff
                              sa_column_kwargs={"server_default": false()})
    refund_on_cancel: bool = Field(default=False,  # paid is owed back (in time, or --refund)
                                   sa_column_kwargs={"server_default": false()})


class SeatEntry(SQLModel, table=True):
    """A registration's hold on one occurrence: confirmed, waitlisted, pending
    (awaiting approval) or cancelled. The waitlist is ordered by ``queued_at``
    then id; ``cancel_reason`` tells a cancelled occurrence's seats (given back
    on restore) from a person's own cancellation."""

    __tablename__ = "seat_entry"
    # seat counts by occurrence and status read from the index alone (schema 5)
    __table_args__ = (Index("ix_seat_occurrence_status_seats", "occurrence_id", "status",
                            "seats"),
                      # an occurrence's attendee list, a window at a time (schema 3)
                      Index("ix_seat_occurrence_registration", "occurrence_id",
                            "registration_id"))
    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    occurrence_id: int = Field(foreign_key="occurrence.id")
    seats: int = 1
    status: str = Field(default="confirmed", max_length=16)
    attended: bool = False
    queued_at: datetime = Utc()
    confirmed_at: datetime | None = Utc(default=None, nullable=True)
    cancel_reason: str = Field(default="", max_length=16)


class Notice(SQLModel, table=True):
    """One message to one person about one event, waiting in the outbox."""

    __tablename__ = "notice"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Utc()
    kind: str = Field(max_length=32)
    attendee_id: int = Field(foreign_key="attendee.id")
    registration_id: int | None = Field(default=None, foreign_key="registration.id")
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id")
    to_email: str = Field(max_length=320)
    to_name: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    body: str
    exported_at: datetime | None = Utc(default=None, nullable=True)
    # Sending (schema 4): waiting, sending, sent or failed. A failed notice with a
    # next_try_at is tried again from then; without one it is given up.
    state: str = Field(default="waiting", max_length=16,
                       sa_column_kwargs={"server_default": "waiting"})
    tries: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    message_id: str | None = Field(default=None, max_length=300)  # fixed at the first try
    sent_at: datetime | None = Utc(default=None, nullable=True)
    reply: str | None = Field(default=None, max_length=500)  # the server's, or the reason
    next_try_at: datetime | None = Utc(default=None, nullable=True)
    due_at: datetime | None = Utc(default=None, nullable=True)  # None: as soon as it can


class IdempotencyKey(SQLModel, table=True):
    """A create command's key: a repeat returns the first result."""

    __tablename__ = "idempotency_key"
    key: str = Field(primary_key=True, max_length=200)
    command: str = Field(max_length=64)
    fingerprint: str = Field(max_length=64)
    result_id: int
    created_at: datetime = Utc()


__all__ = ["Attendee", "AuditEntry", "Hub", "IdempotencyKey", "Meta", "Notice", "Occurrence",
           "Payment", "Registration", "SeatEntry", "Series", "Slot", "TicketType"]
