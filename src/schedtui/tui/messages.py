"""Messages the desk's screens and widgets exchange."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual.message import Message


@dataclass
class DayChanged(Message):
    """The calendar's day cursor moved."""

    day: date


@dataclass
class DataChanged(Message):
    """The database changed (this process or another): screens reload."""

    token: int
