"""CSV import reads every row or names it: an unbalanced quote never swallows
people silently, and the encoding is found per file (byte order marks for
UTF-8, UTF-16 and UTF-32, strict UTF-8, Windows-1252 only when the whole file
fits it), or the file is refused naming the line and the byte."""

from __future__ import annotations

from datetime import date, time

import pytest

from schedtui.domain.errors import DeskError
from schedtui.interop.csvio import import_attendees
from schedtui.services import hubs, registrations, series
from tests.conftest import snapshot
from tests.interop.helpers import DATA


@pytest.fixture
def event(store):
    hub = hubs.create_hub(store, "Studio", "Europe/Berlin")
    view = series.create_series(store, hub_id=hub.id, name="Class", start=date(2025, 1, 6),
                                rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2", duration_minutes=60,
                                times=[(time(18), None)], capacity=50)
    return view.id


def names(store, series_id):
    return sorted(r.name for r in registrations.list_registrations(store, series_id=series_id))


PEOPLE = ["Ada,ada@example.org", "Bo,bo@example.org", "Ce,ce@example.org",
          "Di,di@example.org", "Ed,ed@example.org"]


def write(path, lines, opened_on=None, closed_on=None):
    rows = ["Name,Email"] + list(lines)
    if opened_on is not None:
        rows[opened_on - 1] = '"' + rows[opened_on - 1]
    if closed_on is not None:
        name, email = rows[closed_on - 1].split(",")
        rows[closed_on - 1] = f'{name}",{email}'
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_unbalanced_quote_refuses_the_file_naming_every_line_it_hid(store, event,
                                                                       tmp_path):
    path = write(tmp_path / "a.csv", PEOPLE, opened_on=3)  # never closed
    before = snapshot(store)
    with pytest.raises(DeskError) as caught:
        import_attendees(store, path, event)
    error = caught.value
    assert error.code == "csv_malformed" and snapshot(store) == before
    assert "line 3" in error.message and "unbalanced quote" in error.message
    assert "lines 3-6" in error.message
    assert [r["line"] for r in error.details["rows"]] == [3, 4, 5, 6]


@pytest.mark.parametrize("closed_on", [None, 5])
def test_skipping_bad_rows_reports_each_hidden_row_with_its_email(store, event, tmp_path,
                                                                  closed_on):
    path = write(tmp_path / "a.csv", PEOPLE, opened_on=3, closed_on=closed_on)
    report = import_attendees(store, path, event, skip_bad_rows=True)
    last = closed_on or 6
    assert [(r.line, r.outcome) for r in report.rows] == (
        [(2, "confirmed")] + [(n, "skipped") for n in range(3, last + 1)]
        + [(n, "confirmed") for n in range(last + 1, 7)])
    skipped = [r for r in report.rows if r.outcome == "skipped"]
    assert [r.email for r in skipped] == [p.split(",")[1] for p in PEOPLE[1:last - 1]]
    assert all("unbalanced quote" in r.reason and "no email" not in r.reason
               for r in skipped)
    assert skipped[0].reason.startswith(f"unbalanced quote: the quoted field opened on line 3 "
                                        f"runs to line {last}")
    assert names(store, event) == sorted(["Ada"] + [p.split(",")[0]
                                                    for p in PEOPLE[last - 1:]])


def test_a_line_break_inside_a_quoted_notes_cell_is_one_row(store, event, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('Name,Email,Notes\nAda,ada@example.org,"first line\nsecond, line"\n'
                    'Bo,bo@example.org,\n', encoding="utf-8")
    report = import_attendees(store, path, event)
    assert [(r.line, r.outcome) for r in report.rows] == [(2, "confirmed"), (4, "confirmed")]
    assert names(store, event) == ["Ada", "Bo"]


def test_a_line_break_inside_a_name_is_refused(store, event, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('Name,Email\n"Ada\nLovelace",ada@example.org\nBo,bo@example.org\n',
                    encoding="utf-8")
    with pytest.raises(DeskError) as caught:
        import_attendees(store, path, event)
    assert caught.value.details["rows"][0]["line"] == 2
    assert "lines 2-3" in caught.value.message


@pytest.mark.parametrize("encoding,bom", [
    ("utf-8", b"\xef\xbb\xbf"), ("utf-8", b""), ("utf-16-le", b"\xff\xfe"),
    ("utf-16-be", b"\xfe\xff"), ("utf-32-le", b"\xff\xfe\x00\x00"),
    ("utf-32-be", b"\x00\x00\xfe\xff")])
def test_unicode_files_with_and_without_a_byte_order_mark(store, event, tmp_path, encoding,
                                                          bom):
    path = tmp_path / "a.csv"
    path.write_bytes(bom + "Name;E-mail\r\nZoë Ünal;zoe@example.org\r\n"
                     "Jürgen Straße;js@example.org\r\n".encode(encoding))
    report = import_attendees(store, path, event)
    assert report.encoding == encoding[:6].rstrip("-") and report.notes == []
    assert report.counts() == {"confirmed": 2}
    assert names(store, event) == ["Jürgen Straße", "Zoë Ünal"]


def test_excel_unicode_text_is_read(store, event):
    """Excel's "Unicode text": UTF-16 little-endian with a byte order mark, tab separated."""
    report = import_attendees(store, DATA / "attendees_excel_unicode.txt", event)
    assert (report.encoding, report.delimiter) == ("utf-16", "\t")
    assert names(store, event) == ["Jürgen Straße", "Zoë Ünal"]
    assert [r.email for r in report.rows] == ["zoe@example.org", "js@example.org"]


def test_utf16_without_a_byte_order_mark_is_recognised(store, event, tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("Name\tEmail\r\nZoë Ünal\tzoe@example.org\r\n".encode("utf-16-le"))
    report = import_attendees(store, path, event)
    assert report.encoding == "utf-16-le" and names(store, event) == ["Zoë Ünal"]
    assert any("UTF-16" in note for note in report.notes)


def test_one_bad_byte_in_a_utf8_file_refuses_it_naming_line_and_byte(store, event,
                                                                      tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("Name,Email\nZoë Ünal,zoe@example.org\n".encode() +
                     b"Ren\xe9 Char,rene@example.org\n")
    before = snapshot(store)
    with pytest.raises(DeskError) as caught:
        import_attendees(store, path, event)
    assert caught.value.code == "csv_encoding" and snapshot(store) == before
    assert "line 3" in caught.value.message and "0xE9" in caught.value.message
    assert caught.value.details["line"] == 3


def test_a_windows_1252_file_is_read_and_the_assumption_reported(store, event, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("Name;Email\r\nZoë Ünal;zoe@example.org\r\nRené – Char;r@example.org\r\n"
                     .encode("cp1252"))
    report = import_attendees(store, path, event)
    assert report.encoding == "windows-1252"
    assert names(store, event) == ["René – Char", "Zoë Ünal"]
    assert any("Windows-1252" in note and "line 2" in note for note in report.notes)


def test_bytes_of_no_known_encoding_are_refused(store, event, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"Name,Email\nA\x81b,a@example.org\n")  # 0x81: not UTF-8, not 1252
    with pytest.raises(DeskError) as caught:
        import_attendees(store, path, event)
    assert caught.value.code == "csv_encoding" and "0x81" in caught.value.message
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"Name,Email\n\x00\x01\x02\x00\x00\x00\x05a@example.org\n")
    with pytest.raises(DeskError) as caught:
        import_attendees(store, binary, event)
    assert caught.value.code == "csv_encoding"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_encodings_without_a_mark_are_told_apart(store, event, tmp_path, codec):
    path = tmp_path / "a.txt"
    path.write_bytes("Name\tEmail\r\nZoë Ünal\tzoe@example.org\r\n\u4e2d\u6587 Li\t"
                     "li@example.org\r\n".encode(codec))
    report = import_attendees(store, path, event)
    assert report.encoding == codec
    assert names(store, event) == ["Zoë Ünal", "\u4e2d\u6587 Li"]
