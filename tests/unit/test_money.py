"""Money is exact: minor units with the ISO 4217 exponent, decimal strings in
and out, refusals for what cannot be held exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schedtui.domain import money
from schedtui.domain.errors import DeskError
from schedtui.services.payments import status_of


@pytest.mark.parametrize(("amount", "currency", "minor", "back"), [
    ("12.50", "EUR", 1250, "12.50"),
    ("12.5", "EUR", 1250, "12.50"),
    ("12", "EUR", 1200, "12.00"),
    ("0.01", "eur", 1, "0.01"),
    ("500", "JPY", 500, "500"),
    ("500.0", "JPY", 500, "500"),  # a zero decimal is no decimal
    ("1.250", "KWD", 1250, "1.250"),
    ("0.005", "KWD", 5, "0.005"),
    ("3", "KWD", 3000, "3.000"),
    ("0", "USD", 0, "0.00"),
])
def test_amounts_in_minor_units(amount, currency, minor, back):
    assert money.to_minor(amount, currency) == minor
    assert money.to_text(minor, currency.upper()) == back


@pytest.mark.parametrize(("amount", "currency"), [
    ("12.345", "EUR"), ("1.5", "JPY"), ("0.0001", "KWD"), ("0.001", "USD")])
def test_more_decimals_than_the_currency_has_is_refused(amount, currency):
    with pytest.raises(DeskError) as err:
        money.to_minor(amount, currency)
    assert err.value.code == "invalid_amount"
    assert f"({money.exponent(currency)})" in err.value.message


@pytest.mark.parametrize("amount", ["-1", "-0.50", "abc", "1e3", "1,50", "", " ", "1.2.3",
                                    "+5", "0x10", "١٢"])
def test_what_is_not_a_plain_amount_is_refused(amount):
    with pytest.raises(DeskError) as err:
        money.to_minor(amount, "EUR")
    assert err.value.code == "invalid_amount"


def test_floats_are_not_amounts():
    with pytest.raises(DeskError):
        money.to_minor(0.1, "EUR")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["XYZ", "EURO", "", "€", "12"])
def test_unknown_currencies_are_refused(code):
    with pytest.raises(DeskError) as err:
        money.check_currency(code)
    assert err.value.code == "unknown_currency"


def test_point_one_plus_point_two_never_drifts():
    total = money.to_minor("0.1", "EUR") + money.to_minor("0.2", "EUR")
    assert money.to_text(total, "EUR") == "0.30"
    assert 0.1 + 0.2 != 0.3  # what a float would have done
    many = sum(money.to_minor("0.1", "EUR") for _ in range(1000))
    assert money.to_text(many, "EUR") == "100.00"
    assert Decimal(money.to_text(many, "EUR")) == Decimal("100")


def test_huge_amounts_are_refused_not_wrapped():
    with pytest.raises(DeskError):
        money.to_minor("10000000000000.01", "EUR")
    assert money.to_minor("9999999999999.99", "EUR") == 999_999_999_999_999


@pytest.mark.parametrize(("due", "paid", "refunded", "owed", "status"), [
    (0, 0, 0, 0, "free"),
    (1000, 0, 0, 0, "unpaid"),
    (1000, 400, 0, 0, "partly_paid"),
    (1000, 1000, 0, 0, "paid"),
    (1000, 1000, 0, 1000, "refund_due"),
    (1000, 1000, 1000, 0, "refunded"),
    (1000, 1000, 300, 0, "partly_paid"),
])
def test_payment_status(due, paid, refunded, owed, status):
    assert status_of(due, paid, refunded, owed) == status
