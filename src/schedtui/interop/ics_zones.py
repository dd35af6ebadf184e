"""Naming the time zone of an imported event with an IANA name.

Calendars write zones in several ways. Google writes ``TZID=America/New_York``;
Outlook writes Windows names (``W. Europe Standard Time``) that icalendar maps
to IANA, and sometimes a ``Customized Time Zone`` with only a VTIMEZONE block;
Lightning and khal add ``X-LIC-LOCATION`` or a ``/mozilla.org/...`` prefix.
The order tried here: an IANA name in the TZID, the Windows names table that
icalendar ships, icalendar's own resolution, ``X-LIC-LOCATION``, and last the IANA zone
whose UTC offsets agree with the VTIMEZONE day by day over the years the event
covers (the preferred match is the zone Windows would name).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

import icalendar

from schedtui.domain.errors import DeskError
from schedtui.domain.zones import zone

_TAIL = re.compile(r"([A-Za-z]+(?:/[A-Za-z0-9_+\-]+)+)$")


def _iana(name: str | None) -> str | None:
    if not name:
        return None
    for candidate in (name.strip(), *(_TAIL.findall(name.strip()) or ())):
        try:
            zone(candidate)
            return candidate
        except DeskError:
            continue
    return None


def _windows(name: str | None) -> str | None:
    try:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
    except ImportError:  # pragma: no cover - older icalendar
        return None
    wanted = (name or "").strip().strip('"').lower()
    for windows, iana in WINDOWS_TO_OLSON.items():
        if windows.lower() == wanted:
            return _iana(iana)
    return None


@lru_cache(maxsize=1)
def _candidates() -> tuple[str, ...]:
    try:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

        preferred = list(dict.fromkeys(WINDOWS_TO_OLSON.values()))
    except ImportError:  # pragma: no cover - older icalendar
        preferred = []
    rest = sorted(z for z in available_timezones()
                  if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return tuple(dict.fromkeys([*preferred, *rest]))


def _offsets(tz: tzinfo, start: datetime, days: int) -> tuple:
    return tuple((start + timedelta(days=d)).astimezone(tz).utcoffset() for d in range(days))


def match_offsets(custom: tzinfo, around: datetime, years: int = 2) -> str | None:
    """The IANA zone whose offsets equal ``custom``'s at noon UTC every day
    for ``years`` from the start of ``around``'s year."""
    start = datetime(around.year, 1, 1, 12, tzinfo=UTC)
    days = 366 * years
    want = _offsets(custom, start, days)
    probe = start + timedelta(days=40)
    first = probe.astimezone(custom).utcoffset()
    for name in _candidates():
        candidate = ZoneInfo(name)
        if probe.astimezone(candidate).utcoffset() != first:
            continue
        if _offsets(candidate, start, days) == want:
            return name
    return None


def resolve(tzid: str | None, value: datetime, vtimezones: dict[str, icalendar.Timezone]
            ) -> tuple[str | None, str | None]:
    """(IANA name, note) for a wall-clock ``value`` written with ``tzid``.
    The name is None when the zone cannot be named; the note says how a
    non-IANA name was read."""
    direct = _iana(tzid)
    if direct:
        return direct, None
    windows = _windows(tzid)
    if windows:
        return windows, f'time zone "{tzid}" read as {windows}'
    info = value.tzinfo
    key = getattr(info, "key", None)
    if isinstance(info, ZoneInfo) and _iana(key):
        return key, f'time zone "{tzid}" read as {key}'
    block = vtimezones.get(tzid or "")
    if block is not None:
        located = _iana(str(block.get("X-LIC-LOCATION", "")))
        if located:
            return located, f'time zone "{tzid}" read as {located}'
        try:
            custom = block.to_tz()
        except Exception:  # noqa: BLE001 - a broken VTIMEZONE is reported, not raised
            custom = None
        if custom is not None:
            found = match_offsets(custom, value.replace(tzinfo=None).replace(tzinfo=UTC))
            if found:
                return found, f'time zone "{tzid}" matched to {found} by its offsets'
    return None, None
