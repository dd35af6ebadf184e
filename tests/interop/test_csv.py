"""Attendee CSV: formula neutralising on export; import through the
registration rules with Excel's byte order mark, semicolons, loose headers,
malformed and duplicate rows; every refusal leaves the database unchanged."""

from __future__ import annotations

import csv
import io
from datetime import date, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.interop.csvio import export_attendees, import_attendees, neutralise
from schedtui.services import hubs, occurrences, registrations, series
from schedtui.store import open_store
from tests.conftest import snapshot
from tests.interop.helpers import DATA


@pytest.fixture
def setup(store):
    hub = hubs.create_hub(store, "Studio", "Europe/Berlin")
    view = series.create_series(store, hub_id=hub.id, name="Class", start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", duration_minutes=60,
                                times=[(time(18), None)], capacity=3,
                                registration_option="single_session", max_seats=2)
    occs = [o.id for o in occurrences.list_occurrences(store, view.id)]
    return view, occs


@pytest.mark.parametrize("value", ["=1+1", "+49 30 123", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starters_are_neutralised(value):
    assert neutralise(value) == "'" + value
    assert neutralise("Ada") == "Ada" and neutralise(3) == 3


def test_export_one_row_per_seat_entry(store, setup, tmp_path):
    view, occs = setup
    registrations.register(store, view.id, email="evil@example.org", name="=HYPERLINK(\"x\")",
                           occurrence_ids=[occs[0]], seats=2, phone="+44 20 7946 0000")
    registrations.register(store, view.id, email="bo@example.org", name="Bö",
                           occurrence_ids=[occs[0]], seats=2)
    path = tmp_path / "list.csv"
    report = export_attendees(store, path, occurrence_id=occs[0])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and report.rows == 2
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:8] == ["Name", "Email", "Phone", "Seats", "Status", "Attended",
                           "Occurrence", "Start"]
    assert rows[1] == ["'=HYPERLINK(\"x\")", "evil@example.org", "'+442079460000", "2", "confirmed",
                       "no", str(occs[0]), "2025-01-06 18:00", "", "0", "0", "", "free", "no"]
    assert rows[2][:5] == ["Bö", "bo@example.org", "", "2", "waitlisted"]
    assert export_attendees(store, None, series_id=view.id).text.count("\r\n") == 3


def test_import_excel_file_with_bom_semicolons_and_loose_headers(store, setup):
    view, occs = setup
    report = import_attendees(store, DATA / "attendees_excel.csv", view.id,
                              occurrence_ids=[occs[1]])
    assert report.delimiter == ";" and report.encoding == "utf-8"
    assert report.columns == {"email": "E-mail address", "name": "Full name",
                              "seats": "Number of seats", "phone": "Mobile phone"}
    assert [(r.email, r.outcome) for r in report.rows] == [
        ("ada@example.org", "confirmed"), ("bo@example.org", "confirmed"),
        ("ce@example.org", "waitlisted")]
    people = registrations.list_registrations(store, occurrence_id=occs[1])
    assert [(p.name, p.seats, p.phone) for p in people] == [
        ("Ada Lovelace", 2, "+442079460000"), ("Bo; the second", 1, ""), ("Cé Dupont", 1, "")]


def test_malformed_rows_refuse_the_file_unless_skipped(store, setup):
    view, occs = setup
    before = snapshot(store)
    with pytest.raises(DeskError) as caught:
        import_attendees(store, DATA / "attendees_bad.csv", view.id, occurrence_ids=[occs[0]])
    assert caught.value.code == "csv_malformed"
    assert [r["line"] for r in caught.value.details["rows"]] == [3, 4]
    assert snapshot(store) == before
    report = import_attendees(store, DATA / "attendees_bad.csv", view.id,
                              occurrence_ids=[occs[0]], skip_bad_rows=True)
    outcomes = [(r.line, r.outcome) for r in report.rows]
    assert outcomes == [(2, "confirmed"), (3, "skipped"), (4, "skipped"), (5, "refused"),
                        (6, "confirmed")]
    assert "duplicate_registration" in report.rows[3].reason
    assert len(registrations.list_registrations(store, series_id=view.id)) == 2


def test_rule_refusals_are_reported_and_skipped(store, setup, tmp_path):
    view, occs = setup
    path = tmp_path / "a.csv"
    path.write_text("email,name,seats\na@example.org,A,3\nb@example.org,B,2\n")
    report = import_attendees(store, path, view.id, occurrence_ids=[occs[0]])
    assert [r.outcome for r in report.rows] == ["refused", "confirmed"]
    assert report.rows[0].reason.startswith("too_many_seats")


def test_file_level_problems_and_dry_run_change_nothing(store, setup, tmp_path):
    view, occs = setup
    path = tmp_path / "a.csv"
    path.write_text("Email,Name\na@example.org,A\nb@example.org,B\n")
    before = snapshot(store)
    report = import_attendees(store, path, view.id, occurrence_ids=[occs[0]], dry_run=True)
    assert [r.outcome for r in report.rows] == ["confirmed", "confirmed"]
    assert not report.imported and snapshot(store) == before
    for kwargs, code in (({"occurrence_ids": None}, "registration_option_mismatch"),
                         ({"occurrence_ids": [999]}, "not_found")):
        with pytest.raises(DeskError) as caught:
            import_attendees(store, path, view.id, **kwargs)
        assert caught.value.code == code
    series.set_status(store, view.id, "pause")
    before = snapshot(store)
    with pytest.raises(DeskError) as caught:
        import_attendees(store, path, view.id, occurrence_ids=[occs[0]])
    assert caught.value.code == "series_not_open"
    nameless = tmp_path / "b.csv"
    nameless.write_text("Name,Phone\nA,1\n")
    with pytest.raises(DeskError) as caught:
        import_attendees(store, nameless, view.id, occurrence_ids=[occs[0]])
    assert caught.value.code == "csv_no_email_column"
    assert snapshot(store) == before


def _big_file(path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("Name;E-mail;Seats\n")
        for n in range(rows):
            out.write(f"Person {n};p{n}@example.org;1\n")


@pytest.fixture
def big_event(store):
    hub = hubs.create_hub(store, "Arena", "Europe/Berlin")
    view = series.create_series(store, hub_id=hub.id, name="Gala", start=date(2025, 3, 1),
                                rrule="FREQ=DAILY;COUNT=1", duration_minutes=120,
                                times=[(time(19), None)], capacity=10_000,
                                registration_option="single_session")
    return view, occurrences.list_occurrences(store, view.id)[0].id


def test_a_few_thousand_rows_through_the_service_path(store, big_event, tmp_path):
    """A scale check that runs every time (see the 50,000-row test below)."""
    view, occ = big_event
    path = tmp_path / "big.csv"
    _big_file(path, 1000)
    seen = []
    report = import_attendees(store, path, view.id, occurrence_ids=[occ],
                              progress=lambda d, t: seen.append(d))
    assert report.counts() == {"confirmed": 1000} and seen[-1] == 1000


def test_fifty_thousand_rows(tmp_path, clock):
    """The benchmark scale, on the local store (its speed is a benchmark figure,
    not asserted here)."""
    store = open_store(tmp_path / "big.db", clock=clock)
    hub = hubs.create_hub(store, "Arena", "Europe/Berlin")
    view = series.create_series(store, hub_id=hub.id, name="Gala", start=date(2025, 3, 1),
                                rrule="FREQ=DAILY;COUNT=1", duration_minutes=120,
                                times=[(time(19), None)], capacity=10_000,
                                registration_option="single_session")
    occ = occurrences.list_occurrences(store, view.id)[0].id
    path = tmp_path / "huge.csv"
    _big_file(path, 50_000)
    report = import_attendees(store, path, view.id, occurrence_ids=[occ])
    assert report.counts() == {"confirmed": 10_000, "waitlisted": 40_000}
    shown = occurrences.get_occurrence(store, occ)
    assert (shown.booked, shown.waitlisted) == (10_000, 40_000)
