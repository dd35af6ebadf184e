"""A series' policies as plain rules: the contact it asks for, phone numbers
(parsed and validated with the ``phonenumbers`` library, stored in E.164),
hub regions, and reminder offsets ("24h,1h")."""

from __future__ import annotations

import re

import phonenumbers

from schedtui.domain.errors import DeskError, invalid

CONTACTS = ("none", "email", "email_and_phone")
KINDS = ("series", "event")
MAX_REMINDERS = 5
MAX_OFFSET_MINUTES = 60 * 24 * 60  # 60 days
_OFFSET = re.compile(r"^(\d{1,5})\s*([mhd])$")
_UNIT = {"m": 1, "h": 60, "d": 1440}


def check_contact(value: str) -> str:
    if value not in CONTACTS:
        raise invalid(f"The contact requirement must be one of {', '.join(CONTACTS)}.",
                      field="contact")
    return value


def check_region(value: str | None) -> str:
    """A region for phone numbers without a country code: an ISO 3166-1 alpha-2
    code the phone library knows ("DE"), or "" for none."""
    region = (value or "").strip().upper()
    if region in ("", "NONE"):
        return ""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise invalid(f'"{value[:20]}" is not a region code for phone numbers (two letters, '
                      "as DE, US, JP).", field="region")
    return region


def parse_phone(raw: str, region: str = "") -> str:
    """A phone number in E.164 ("+4930901820"). A number without a country code
    is read in ``region``; "abc", a number of no country, or one invalid for its
    region is refused with ``invalid_phone``."""
    text = (raw or "").strip()
    if not text:
        return ""
    if len(text) > 40:
        raise DeskError("invalid_phone", "A phone number has at most 40 characters.")
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        hint = "" if text.startswith("+") or region else \
            " (no country code, and the hub has no region: add one, as +49...)"
        raise DeskError("invalid_phone", f'"{text}" is not a phone number{hint}.') from None
    if not phonenumbers.is_valid_number(number):
        where = phonenumbers.region_code_for_number(number) or region or "any region"
        raise DeskError("invalid_phone", f'"{text}" is not a valid phone number for '
                        f"{where}.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_offsets(value: str | list[int] | None) -> list[int]:
    """Reminder offsets in minutes, largest first, from "24h,1h" (units m, h,
    d), a list of minutes, or "" / "none" / None for no reminders."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        items = [f"{int(v)}m" for v in value]
    else:
        text = value.strip().lower()
        if text in ("", "none", "off"):
            return []
        items = [part.strip() for part in text.split(",")]
    minutes = set()
    for item in items:
        found = _OFFSET.match(item)
        if not found:
            raise invalid(f'"{item[:20]}" is not a reminder offset: give a number and a unit, '
                          "as 30m, 2h or 1d.", field="remind")
        amount = int(found.group(1)) * _UNIT[found.group(2)]
        if not 1 <= amount <= MAX_OFFSET_MINUTES:
            raise invalid("A reminder offset runs from 1 minute to 60 days.", field="remind")
        minutes.add(amount)
    if len(minutes) > MAX_REMINDERS:
        raise invalid(f"At most {MAX_REMINDERS} reminders a series.", field="remind")
    return sorted(minutes, reverse=True)


def offsets_text(minutes: list[int]) -> str:
    """Offsets as the command line writes them: "1d,1h,30m"."""
    parts = []
    for m in minutes:
        if m % 1440 == 0:
            parts.append(f"{m // 1440}d")
        elif m % 60 == 0:
            parts.append(f"{m // 60}h")
        else:
            parts.append(f"{m}m")
    return ",".join(parts)


def stored_offsets(value: str) -> list[int]:
    """The offsets a series stores ("1440,60")."""
    return [int(v) for v in value.split(",") if v.strip()]
