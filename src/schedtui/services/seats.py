"""Seat bookkeeping that occurrence and series edits trigger. Filled in by the
registrations service: promotion, notices, demotion on a capacity cut."""

from __future__ import annotations

from sqlmodel import Session

from schedtui.store import Store
from schedtui.store.models import Occurrence, Series


def occurrence_moved(session: Session, store: Store, occ: Occurrence, series: Series) -> None:
    """Tell each person holding a seat the new time."""


def occurrence_cancelled(session: Session, store: Store, occ: Occurrence,
                         series: Series) -> None:
    """Cancel the seats of a cancelled occurrence and tell each person."""


def occurrence_restored(session: Session, store: Store, occ: Occurrence,
                        series: Series) -> None:
    """Give seats back where capacity allows, and tell each person."""


def check_capacity_change(session: Session, occ: Occurrence, capacity: int | None, *,
                          demote: bool) -> None:
    """Refuse a capacity below the confirmed seats unless ``demote``."""


def capacity_changed(session: Session, store: Store, occ: Occurrence, series: Series, *,
                     demote: bool) -> None:
    """Promote from the waitlist, or demote the newest seats, after a capacity change."""
