"""Money, exactly. Amounts are whole numbers of a currency's minor unit (cents,
fils, yen), with the ISO 4217 exponent babel knows (JPY 0 decimals, EUR 2,
KWD 3). What people type is read as a decimal string, never a float, so
0.1 + 0.2 is 0.30 and stays so; an amount with more decimals than its
currency has is refused rather than rounded.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from schedtui.domain.errors import DeskError

_AMOUNT = re.compile(r"^\s*([0-9]{1,15})(?:\.([0-9]+))?\s*$")
MAX_MINOR = 10**15
"""The largest amount in minor units (a BIGINT holds it with room to spare)."""


@cache
def _known() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def check_currency(code: object) -> str:
    """An ISO 4217 code, upper case; refused with ``unknown_currency`` otherwise."""
    text = code.strip().upper() if isinstance(code, str) else ""
    if len(text) != 3 or text not in _known():
        raise DeskError("unknown_currency", f'"{str(code)[:20]}" is not an ISO 4217 currency '
                        "code (EUR, USD, JPY, KWD...).")
    return text


@cache
def exponent(currency: str) -> int:
    """The number of decimals of ``currency``'s minor unit (ISO 4217)."""
    from babel.numbers import get_currency_precision

    return get_currency_precision(check_currency(currency))


def to_minor(amount: object, currency: str, label: str = "Amount") -> int:
    """``"12.50"`` in EUR is 1250. Refused (``invalid_amount``): a negative
    amount, more decimals than the currency has, anything not a plain decimal
    number (no exponent, no sign, no thousands separator), beyond 10^15 minor units."""
    places = exponent(currency)
    text = str(amount) if isinstance(amount, str | int | Decimal) and \
        not isinstance(amount, bool) else ""
    if text.strip().startswith("-"):
        raise DeskError("invalid_amount", f"{label} {text.strip()[:30]} is negative; amounts are "
                        "0 or more.")
    match = _AMOUNT.match(text)
    if not match:
        raise DeskError("invalid_amount", f'{label} "{text[:30]}" is not an amount (digits, '
                        f"optionally a point and up to {places} decimals: 12.50).")
    whole, fraction = match[1], (match[2] or "")
    if len(fraction.rstrip("0")) > places:
        raise DeskError("invalid_amount", f"{label} {text.strip()[:30]} has more decimals than "
                        f"{currency.upper()} has ({places}).", currency=currency.upper(),
                        decimals=places)
    fraction = fraction[:places].ljust(places, "0")
    value = int(whole) * 10**places + (int(fraction) if fraction else 0)
    if value > MAX_MINOR:
        raise DeskError("invalid_amount", f"{label} {text.strip()[:30]} is too large.")
    return value


def to_text(minor: int, currency: str | None) -> str:
    """1250 EUR is ``"12.50"``, 500 JPY ``"500"``, 1250 KWD ``"1.250"`` (no float on the way)."""
    places = exponent(currency) if currency else 2
    sign = "-" if minor < 0 else ""
    digits = str(abs(int(minor))).rjust(places + 1, "0")
    if not places:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def show(minor: int, currency: str | None) -> str:
    """An amount for a person: ``12.50 EUR`` (``free`` for nothing without a currency)."""
    if not currency:
        return "free" if not minor else to_text(minor, None)
    return f"{to_text(minor, currency)} {currency}"
