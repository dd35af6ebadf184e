"""Attendee lists as CSV, for spreadsheets: export, and bulk registration.

Export writes one row per seat entry (name, email, phone, seats, status,
attended, occurrence id and local start) in UTF-8 with a byte order mark, so
Excel reads the accents right. Every cell goes through :func:`spreadsheet_cell`:
a formula character (``=``, ``+``, ``-``, ``@``, their full-width forms, a tab
or a carriage return) wherever a cell could start, read with a comma or a
semicolon as separator, gets a single quote before it, and a cell holding a
separator, a quote or a line break is quoted, so a spreadsheet shows text and
never runs a formula.

Import reads files as spreadsheets write them: UTF-8 with or without a byte
order mark (Windows-1252 as a fallback), comma, semicolon or tab separated,
header names matched loosely (``Full name``, ``E-mail address``, ``Tickets``;
``First name`` plus ``Last name``). Every row goes through
:func:`services.registrations.add_registration` (capacity, waitlist, the
registration option, duplicates, the seat limit) inside one write transaction,
each row in a savepoint so a refused row leaves nothing behind. Malformed rows
(no email, a bad email, no name, seats that are not a positive number) refuse
the whole file unless ``skip_bad_rows``; rows a rule refuses are reported and
skipped. A problem that would refuse every row (the series is paused, an
occurrence is not open) refuses the file.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from schedtui.domain import text
from schedtui.domain.errors import DeskError, invalid
from schedtui.interop.common import Progress, read_input, tick, write_atomically
from schedtui.services import registrations
from schedtui.services.registrations import EMAIL
from schedtui.store import Store
from schedtui.store.engine import transaction

HEADERS = ["Name", "Email", "Phone", "Seats", "Status", "Attended", "Occurrence", "Start"]
# What a spreadsheet may run as a formula at the start of a cell, full-width
# and small forms included (Excel folds them to the ASCII ones).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r",
                  "\uff1d", "\uff0b", "\uff0d", "\uff20",
                  "\ufe66", "\ufe62", "\ufe63", "\ufe6b")
_STARTS = "".join(FORMULA_STARTS).replace("-", "\\-")
# A cell starts at the start of the text and after any separator a reader may
# split on (comma, semicolon, tab) or a line break: a reader that splits on
# the other separator does not see our quotes, so each such place is guarded.
_FORMULA_AT_BOUNDARY = re.compile(f"(^|[,;\t\r\n])(?=[ ]*[{_STARTS}])")
_GUARDED_AT_BOUNDARY = re.compile(f"(^|[,;\t\r\n])'(?=[ ]*[{_STARTS}])")
# A cell holding one of these is quoted, so that a reader splitting on the
# separator we write sees it whole.
_QUOTE_IF = re.compile(r'[,;\t"\r\n]')
# Codes that do not depend on the person: the same answer for every row.
FILE_LEVEL = {"not_found", "series_not_open", "registration_option_mismatch",
              "occurrence_not_open", "outside_booking_window", "series_archived"}
MAX_SEATS_TEXT = 7


def neutralise(value: Any) -> Any:
    """Text a spreadsheet shows as text: wherever a cell could start (the start,
    and after a comma, semicolon, tab or line break) a formula character,
    after any spaces, gets a single quote before it. Other values pass."""
    if isinstance(value, str):
        return _FORMULA_AT_BOUNDARY.sub(r"\1'", value)
    return value


def unneutralise(value: str) -> str:
    """The text :func:`neutralise` guarded (an import of our own export)."""
    return _GUARDED_AT_BOUNDARY.sub(r"\1", value)


def spreadsheet_cell(value: Any) -> str:
    """One cell of a CSV line that is safe in any spreadsheet: neutralised, and
    quoted when it holds a separator (comma, semicolon, tab), a quote or a line
    break. Read with a comma or a semicolon as separator, no cell starts with a
    formula character."""
    cell = "" if value is None else str(neutralise(value))
    if _QUOTE_IF.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def spreadsheet_csv(rows: Iterable[Sequence[Any]]) -> str:
    """CSV text (comma separated, CRLF line ends) of ``rows``, every cell
    through :func:`spreadsheet_cell`: what every CSV export of the desk writes."""
    return "".join(",".join(spreadsheet_cell(v) for v in row) + "\r\n" for row in rows)


@dataclass
class CsvExportReport:
    path: str | None
    rows: int
    text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RowResult:
    """What happened to one row: confirmed, waitlisted, partial, pending, refused or bad."""

    line: int
    email: str
    outcome: str
    reason: str = ""
    registration_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CsvImportReport:
    path: str
    series_id: int
    dry_run: bool
    imported: bool = False
    delimiter: str = ","
    encoding: str = "utf-8"
    columns: dict[str, str] = field(default_factory=dict)
    rows: list[RowResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self.rows:
            found[row.outcome] = found.get(row.outcome, 0) + 1
        return found

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "series_id": self.series_id, "dry_run": self.dry_run,
                "imported": self.imported, "delimiter": self.delimiter,
                "encoding": self.encoding, "columns": self.columns, "counts": self.counts(),
                "rows": [r.to_json() for r in self.rows]}


# -- export ---------------------------------------------------------------------------


@transaction
def export_attendees(store: Store, path: str | os.PathLike | None, *,
                     occurrence_id: int | None = None, series_id: int | None = None,
                     progress: Progress | None = None) -> CsvExportReport:
    """Write the seat entries of one occurrence or of a whole series as CSV.
    With ``path`` None the report carries the CSV text instead."""
    if (occurrence_id is None) == (series_id is None):
        raise invalid("Export the attendees of one occurrence or of one series.")
    views = registrations.list_registrations(store, series_id=series_id,
                                             occurrence_id=occurrence_id)
    lines = [HEADERS]
    total = len(views)
    for done, view in enumerate(views, 1):
        for seat in view.occurrences:
            if occurrence_id is not None and seat.id != occurrence_id:
                continue
            lines.append((view.name, view.email, view.phone, view.seats, seat.status,
                          "yes" if seat.attended else "no", seat.id,
                          seat.start[:16].replace("T", " ")))
        tick(progress, done, total, every=500)
    rows = len(lines) - 1
    data = spreadsheet_csv(lines)
    if path is None:
        return CsvExportReport(None, rows, data)
    write_atomically(path, data.encode("utf-8-sig"))
    return CsvExportReport(os.fspath(path), rows)


# -- reading ----------------------------------------------------------------------------


_ALIASES = {
    "email": ("email", "emailaddress", "mail", "emailaddr", "email1", "primaryemail"),
    "name": ("name", "fullname", "attendee", "attendeename", "participant", "person",
             "displayname", "contact", "contactname"),
    "first": ("firstname", "givenname", "first", "forename"),
    "last": ("lastname", "surname", "familyname", "last"),
    "seats": ("seats", "seat", "places", "tickets", "ticket", "quantity", "qty", "spots",
              "numberofseats", "seatcount", "count"),
    "phone": ("phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "cell",
              "cellphone"),
}


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.clean(header).lower())


def match_columns(headers: list[str]) -> dict[str, int]:
    """Which column holds which field, by loose header names."""
    found: dict[str, int] = {}
    keys = [_key(h) for h in headers]
    for fieldname, names in _ALIASES.items():
        for index, key in enumerate(keys):
            if key in names and fieldname not in found:
                found[fieldname] = index
    for index, key in enumerate(keys):  # "E-mail (work)", "Mobile phone no."
        if "email" not in found and "mail" in key:
            found["email"] = index
        if "phone" not in found and ("phone" in key or "mobile" in key):
            found["phone"] = index
    return found


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def _delimiter(first_line: str) -> str:
    """The separator of the header line: the most frequent of , ; and tab
    outside quotes (Excel in many European locales writes semicolons)."""
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class _Row:
    line: int
    email: str
    name: str
    phone: str
    seats: int
    problem: str = ""


def _read_rows(content: str, report: CsvImportReport) -> list[_Row]:
    first = content.split("\n", 1)[0]
    report.delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=report.delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise DeskError("csv_empty", "The file is empty.") from None
    except csv.Error as exc:
        raise DeskError("csv_malformed", f"The header line cannot be read: {exc}.") from None
    columns = match_columns(headers)
    if "email" not in columns:
        raise DeskError("csv_no_email_column", "No email column found in the header line "
                        f"({', '.join(text.clean(h)[:30] for h in headers[:8])}); name one "
                        "Email or E-mail.")
    report.columns = {k: text.clean(headers[i]) for k, i in columns.items()}

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return unneutralise(text.clean(row[index])) if index is not None and index < len(row) \
            else ""

    rows: list[_Row] = []
    try:
        for raw in reader:
            line = reader.line_num
            if not any(c.strip() for c in raw):
                continue
            email = cell(raw, "email")
            name = cell(raw, "name") or " ".join(
                p for p in (cell(raw, "first"), cell(raw, "last")) if p)
            row = _Row(line, email, name, cell(raw, "phone"), 1)
            seats = cell(raw, "seats")
            if not email:
                row.problem = "no email"
            elif not EMAIL.match(email) or len(email) > 320:
                row.problem = f'"{email[:80]}" is not an email address'
            elif not name:
                row.problem = "no name"
            elif seats:
                if re.fullmatch(r"\d{1,7}", seats) and int(seats) >= 1:
                    row.seats = int(seats)
                else:
                    row.problem = f'seats "{seats[:20]}" is not a positive whole number'
            rows.append(row)
    except csv.Error as exc:
        raise DeskError("csv_malformed", f"Line {reader.line_num} cannot be read: {exc}. "
                        "Nothing was imported.") from None
    return rows


# -- import -------------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@transaction
def import_attendees(store: Store, path: str | os.PathLike, series_id: int, *,
                     occurrence_ids: list[int] | None = None, skip_bad_rows: bool = False,
                     dry_run: bool = False, progress: Progress | None = None) -> CsvImportReport:
    """Register every person in a CSV file for series ``series_id`` (and the
    chosen ``occurrence_ids``), all in one transaction. Returns a row-by-row
    report. ``dry_run`` runs every rule and then rolls back."""
    report = CsvImportReport(path=os.fspath(path), series_id=series_id, dry_run=dry_run)
    content, report.encoding = _decode(read_input(path))
    rows = _read_rows(content, report)
    bad = [r for r in rows if r.problem]
    if bad and not skip_bad_rows:
        listing = "; ".join(f"line {r.line}: {r.problem}" for r in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise DeskError("csv_malformed", f"{len(bad)} malformed row(s), so nothing was imported "
                        f"({listing}{more}). Fix them, or skip them with --skip-bad-rows.",
                        rows=[{"line": r.line, "reason": r.problem} for r in bad[:200]])
    good = [r for r in rows if not r.problem]
    report.rows = [RowResult(r.line, r.email, "skipped", r.problem) for r in bad]
    try:
        _register_all(store, series_id, occurrence_ids, good, report, dry_run, progress)
    except _DryRun:
        pass
    report.rows.sort(key=lambda r: r.line)
    report.imported = not dry_run
    return report


def _register_all(store: Store, series_id: int, occurrence_ids: list[int] | None,
                  rows: list[_Row], report: CsvImportReport, dry_run: bool,
                  progress: Progress | None) -> None:
    results: list[RowResult] = []
    with store.write() as session:
        total = len(rows)
        for done, row in enumerate(rows, 1):
            point = session.begin_nested()
            try:
                view = registrations.add_registration(
                    session, store, series_id, email=row.email, name=row.name,
                    occurrence_ids=occurrence_ids, seats=row.seats, phone=row.phone)
            except DeskError as exc:
                point.rollback()
                if exc.code in FILE_LEVEL:
                    raise DeskError(exc.code, f"{exc.message} Nothing was imported.",
                                    **exc.details) from None
                results.append(RowResult(row.line, row.email, "refused",
                                         f"{exc.code}: {exc.message}"))
            else:
                point.commit()
                results.append(RowResult(row.line, row.email, view.status, "", view.id))
            tick(progress, done, total, every=200)
        report.rows.extend(results)
        if dry_run:
            raise _DryRun
