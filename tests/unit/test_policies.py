"""The policy rules without a database: phone numbers (the phonenumbers
library, E.164), hub regions and reminder offsets."""

from __future__ import annotations

import pytest

from schedtui.domain.errors import DeskError
from schedtui.domain.policies import (
    check_contact,
    check_region,
    offsets_text,
    parse_offsets,
    parse_phone,
)


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("+49 30 901820", "", "+4930901820"),             # Germany, with its country code
    ("030 901820", "DE", "+4930901820"),              # the same, read in the hub's region
    ("0151 23456789", "DE", "+4915123456789"),        # a German mobile
    ("+1 (650) 253-0000", "", "+16502530000"),        # the United States
    ("650-253-0000", "US", "+16502530000"),
    ("+81 3-1234-5678", "", "+81312345678"),          # Japan
    ("03-1234-5678", "JP", "+81312345678"),
    ("+44 20 7946 0018", "", "+442079460018"),        # Great Britain
    ("020 7946 0018", "GB", "+442079460018"),
    ("+49 30 901820", "US", "+4930901820"),           # a country code beats the region
])
def test_phone_numbers_from_several_regions_are_stored_in_e164(raw, region, e164):
    assert parse_phone(raw, region) == e164


@pytest.mark.parametrize(("raw", "region"), [
    ("abc", "DE"),
    ("abc", ""),
    ("030 901820", ""),          # no country code and no region to read it in
    ("+49 1", ""),               # too short for Germany
    ("+1 123 456 7890", ""),     # no US area code starts with 1
    ("03-1234", "JP"),           # too short for Japan
    ("020 7946 001", "GB"),      # one digit short for London
    ("1" * 41, "DE"),
])
def test_invalid_phone_numbers_are_refused(raw, region):
    with pytest.raises(DeskError) as caught:
        parse_phone(raw, region)
    assert caught.value.code == "invalid_phone"


def test_a_missing_region_is_named_in_the_message():
    with pytest.raises(DeskError) as caught:
        parse_phone("030 901820", "")
    assert "region" in caught.value.message


def test_regions_and_contacts_are_checked():
    assert check_region(" de ") == "DE" and check_region("") == "" and check_region(None) == ""
    assert check_region("none") == ""
    for bad in ("XX", "Germany", "D"):
        with pytest.raises(DeskError) as caught:
            check_region(bad)
        assert caught.value.code == "invalid_value"
    assert check_contact("email_and_phone") == "email_and_phone"
    with pytest.raises(DeskError):
        check_contact("phone")


def test_reminder_offsets_parse_sort_and_print():
    assert parse_offsets("24h,1h") == [1440, 60]
    assert parse_offsets("30m, 2h ,1d") == [1440, 120, 30]
    assert parse_offsets("60m,1h") == [60]  # the same moment once
    assert parse_offsets("") == [] and parse_offsets("none") == [] and parse_offsets(None) == []
    assert offsets_text([1440, 120, 30, 90]) == "1d,2h,30m,90m"


@pytest.mark.parametrize("bad", ["24", "h", "1w", "0m", "-1h", "61d", "1h,2h,3h,4h,5h,6h",
                                 "1.5h"])
def test_bad_reminder_offsets_are_refused(bad):
    with pytest.raises(DeskError) as caught:
        parse_offsets(bad)
    assert caught.value.code == "invalid_value"
