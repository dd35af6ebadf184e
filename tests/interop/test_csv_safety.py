"""CSV export read back as spreadsheets read it: with a comma and with a
semicolon as the separator (Excel in semicolon locales), no cell may start
with a formula character, whatever the names hold."""

from __future__ import annotations

import csv
import io

import pytest

from schedtui.interop.csvio import FORMULA_STARTS, spreadsheet_csv, unneutralise

HOSTILE = [
    "Eve;=cmd|' /C calc'!A0;",
    "Eve,=cmd|' /C calc'!A0,",
    "Mal;+1+1;-2;@SUM(A1)",
    "Ful;\uff1dcmd|' /C calc'!A0",  # full-width equals sign
    'Quo"te;=1+1',
    "=HYPERLINK(\"http://x\")",
    "\uff0b1",
    "tab;\t=1",
    " =1+1",
    "a, -1;  @x\r\n=1\t\t+1",
    '3;"b,=c"',
]


def _cells(data: str, delimiter: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data, newline=""), delimiter=delimiter)
            for cell in row]


VISIBLE_STARTS = tuple(c for c in FORMULA_STARTS if not c.isspace())


def _formula(cell: str) -> bool:
    """A cell a spreadsheet would run: a formula character first, or after the
    spaces, tabs and line breaks a reader may trim."""
    return cell.lstrip(" \t\r\n").startswith(VISIBLE_STARTS)


@pytest.mark.parametrize("value", HOSTILE)
def test_no_cell_starts_a_formula_with_either_separator(value):
    data = spreadsheet_csv([["Name", "Email"], [value, "eve@example.org"], [3, value]])
    for delimiter in (",", ";"):
        cells = _cells(data, delimiter)
        assert not [c for c in cells if _formula(c)], (delimiter, data)
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert rows[1][1] == "eve@example.org" and rows[2][0] == "3"
    assert unneutralise(rows[1][0]) == value  # the text is kept, guarded by quote marks


def test_cells_holding_a_separator_quote_or_line_break_are_quoted():
    data = spreadsheet_csv([["a;b", "a,b", 'a"b', "a\nb", "plain"]])
    assert data == '"a;b","a,b","a""b","a\nb",plain\r\n'


def test_attendee_export_through_the_cli(cli, tmp_path):
    assert cli("hub", "add", "Studio", "--timezone", "Europe/Berlin")[0] == 0
    status, body = cli("series", "add", "--hub", "1", "--name", "Class", "--start",
                       "2025-01-06T18:00", "--duration", "60", "--rrule",
                       "FREQ=WEEKLY;COUNT=2", "--capacity", "5")
    assert status == 0, body
    status, body = cli("reg", "add", str(body["id"]), "--email", "eve@example.org",
                       "--name", "Eve;=cmd|' /C calc'!A0;")
    assert status == 0, body
    out = tmp_path / "list.csv"
    assert cli("export", "csv", "--series", "1", "-o", str(out))[0] == 0
    data = out.read_bytes().decode("utf-8-sig")
    for delimiter in (",", ";"):
        assert not [c for c in _cells(data, delimiter) if _formula(c)], (delimiter, data)
    assert "Eve;'=cmd" in data
    # Read back by the desk's own import, the name is what was typed.
    status, body = cli("series", "add", "--hub", "1", "--name", "Other", "--start",
                       "2025-01-06T20:00", "--duration", "60", "--rrule",
                       "FREQ=WEEKLY;COUNT=2", "--capacity", "5")
    assert cli("import", "csv", str(out), "--series", str(body["id"]))[0] == 0
    status, listed = cli("reg", "list", "--series", str(body["id"]))
    assert [r["name"] for r in listed] == ["Eve;=cmd|' /C calc'!A0;"]
