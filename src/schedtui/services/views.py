"""Plain read models the edges show: no database objects leak out of a service."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class HubView:
    id: int
    name: str
    timezone: str
    archived: bool
    series_count: int = 0
    next_occurrence: str | None = None
    region: str = ""  # phone numbers without a country code are read in it

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SlotView:
    at: str
    weekdays: list[str] | None
    capacity: int | None
    fixed_capacity: bool
    host: str

    def label(self) -> str:
        """The slot as ``--at`` text: ``09:00/MO+WE=12@Host``."""
        text = self.at + (f"/{'+'.join(self.weekdays)}" if self.weekdays else "")
        if self.fixed_capacity:
            text += "=" + ("unlimited" if self.capacity is None else str(self.capacity))
        return text + (f"@{self.host}" if self.host else "")


@dataclass(frozen=True)
class SeriesView:
    id: int
    hub_id: int
    name: str
    description: str
    timezone: str
    start: str
    rrule: str | None  # None: a one-off event
    summary: str
    times: list[SlotView]
    duration_minutes: int
    capacity: int | None
    location: str
    virtual: bool
    host: str
    status: str
    registration_option: str
    booking_min_hours: int | None
    booking_max_days: int | None
    horizon_weeks: int
    has_end: bool
    occurrence_count: int
    next_occurrence: str | None = None
    max_seats: int = 5
    require_approval: bool = False
    fill_rate: float | None = None  # confirmed / capacity over the next 28 days
    waitlist: str = "strict"  # strict (first come first served) or first_fit
    rule_extra: str = ""  # the rule set's other RRULE, RDATE, EXRULE, EXDATE lines
    on_blackout: str = "skip"  # on a hub's blackout days: skip, shift or ignore
    kind: str = "series"  # or "event": one occurrence, no rule
    contact: str = "email"  # what a registration must give: none, email, email_and_phone
    private: bool = False  # left out of shared calendar exports
    remind: list[str] = field(default_factory=list)  # reminder offsets, as "1d", "1h"
    refundable_hours: int = 24  # cancelling later than this before a session is late

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OccurrenceView:
    id: int
    series_id: int
    start: str
    end: str
    start_utc: str
    end_utc: str
    status: str
    capacity: int | None
    booked: int
    waitlisted: int
    original_start: str
    location: str
    host: str
    moved: bool
    edited: list[str]
    timezone: str
    blackout: str | None = None  # the reason of the blackout that cancelled or shifted it

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.booked, 0)


@dataclass(frozen=True)
class SeatView:
    id: int  # the occurrence
    status: str
    attended: bool
    start: str = ""
    place: int | None = None
    """A waitlisted seat's place in its occurrence's queue: 1 is next in line."""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "attended": self.attended,
                "start": self.start, "place": self.place}


@dataclass(frozen=True)
class RegistrationView:
    id: int
    series_id: int
    attendee_id: int
    email: str
    name: str
    phone: str
    seats: int
    status: str
    created_at: str
    occurrences: list[SeatView] = field(default_factory=list)
    promoted: list[str] = field(default_factory=list)
    """Who got a seat from the waitlist through this change (a cancel, a switch)."""
    # Tickets and money (see schedtui.services.payments): amounts are decimal strings.
    ticket: dict[str, Any] | None = None  # {"id", "name"} of its ticket type
    amount_due: str = "0"  # price when sold x seats
    paid: str = "0"  # paid less refunded
    refunded: str = "0"
    refund_due: str = "0"
    currency: str | None = None
    payment_status: str = "free"
    late: bool = False  # cancelled after its series' cutoff

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["occurrences"] = [s.to_json() for s in self.occurrences]
        return data
