"""Attendee lists as CSV, for spreadsheets: export, and bulk registration.

Export writes one row per seat entry (name, email, phone, seats, status,
attended, occurrence id and local start) in UTF-8 with a byte order mark, so
Excel reads the accents right. Every cell goes through :func:`spreadsheet_cell`:
a formula character (``=``, ``+``, ``-``, ``@``, their full-width forms, a tab
or a carriage return) wherever a cell could start, read with a comma or a
semicolon as separator, gets a single quote before it, and a cell holding a
separator, a quote or a line break is quoted, so a spreadsheet shows text and
never runs a formula.

Import reads files as spreadsheets write them, in one encoding per file found
by :func:`decode` (byte order marks, strict UTF-8, Windows-1252 only when the
whole file fits it, else a refusal naming the line and the byte), comma,
semicolon or tab separated,
header names matched loosely (``Full name``, ``E-mail address``, ``Tickets``, a
``Ticket`` type by name or id;
``First name`` plus ``Last name``). Every row goes through
:func:`services.registrations.add_registration` (capacity, waitlist, the
registration option, duplicates, the seat limit) inside one write transaction,
each row in a savepoint so a refused row leaves nothing behind. Malformed rows
(no email, a bad email, no name, seats that are not a positive number) refuse
the whole file (a series that asks for no contact takes rows with a name and no
email, walk-ins that are never merged) unless ``skip_bad_rows``; rows a rule
refuses are reported and skipped. A problem that would refuse every row (the series is paused, an
occurrence is not open) refuses the file. Every row is either imported or named
in the report by the line it starts on: a quoted field that runs over lines and
hides rows (an unbalanced quote) makes each line it covers a malformed row.
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
from schedtui.services import seats as seat_rules
from schedtui.services.registrations import EMAIL
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.hot import RowSavepoint

HEADERS = ["Name", "Email", "Phone", "Seats", "Status", "Attended", "Occurrence", "Start",
           # tickets and money: the registration's, repeated on each of its rows
           "Ticket", "Amount due", "Paid", "Currency", "Payment status", "Late cancellation"]
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
    notes: list[str] = field(default_factory=list)  # what was assumed in reading the file

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self.rows:
            found[row.outcome] = found.get(row.outcome, 0) + 1
        return found

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "series_id": self.series_id, "dry_run": self.dry_run,
                "imported": self.imported, "delimiter": self.delimiter,
                "encoding": self.encoding, "notes": self.notes, "columns": self.columns,
                "counts": self.counts(),
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
                          seat.start[:16].replace("T", " "),
                          view.ticket["name"] if view.ticket else "", view.amount_due,
                          view.paid, view.currency or "", view.payment_status,
                          "yes" if view.late else "no"))
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
    "seats": ("seats", "seat", "places", "tickets", "quantity", "qty", "spots",
              "numberofseats", "seatcount", "count"),
    # the ticket type, by name or id ("Tickets" is a number of seats, as before)
    "ticket": ("ticket", "tickettype", "tickettypename", "ticketname", "tickettypeid",
               "ticketid"),
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


# -- encodings ------------------------------------------------------------------------


# Byte order marks, the four-byte ones first (UTF-32 LE starts like UTF-16 LE).
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be", "utf-32"), (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32"),
         (b"\xef\xbb\xbf", "utf-8", "utf-8"), (b"\xff\xfe", "utf-16-le", "utf-16"),
         (b"\xfe\xff", "utf-16-be", "utf-16"))
# A well-formed UTF-8 sequence of two or more bytes (RFC 3629).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_SAVE_AS = ("Save it again as UTF-8 (in Excel: \"CSV UTF-8\") and import it again. "
            "Nothing was imported.")


def _where(data: bytes, offset: int) -> tuple[int, str]:
    """The line (from 1) of byte ``offset`` of a single-byte or UTF-8 file,
    and that line as text, for a message."""
    line = data.count(b"\n", 0, offset) + 1
    begin = data.rfind(b"\n", 0, offset) + 1
    stop = data.find(b"\n", offset)
    shown = data[begin:stop if stop >= 0 else len(data)].decode("utf-8", "replace")
    return line, text.clean(shown)[:60]


def _refuse(name: str, data: bytes, offset: int, why: str) -> DeskError:
    line, shown = _where(data, offset)
    byte = data[offset]
    return DeskError("csv_encoding", f"{name}: line {line} holds byte 0x{byte:02X} "
                     f"(\"{shown}\"), {why}. {_SAVE_AS}", line=line, byte=f"0x{byte:02X}")


def decode(data: bytes, name: str = "The file") -> tuple[str, str, list[str]]:
    """The text of a CSV file, the encoding it was read in, and notes on what
    was assumed. One encoding per file, found from the whole of it: a byte
    order mark (UTF-8, UTF-16, UTF-32); else UTF-16 or UTF-32 recognised by
    their zero bytes; else strict UTF-8; else Windows-1252, but only when no
    byte of the file reads as UTF-8 and every byte is defined in it. Anything
    else is refused naming the line and the byte."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom):], codec, name), label, []
    if b"\x00" in data:
        codec = _wide(data)
        if codec is None:
            offset = data.index(b"\x00")
            line, _ = _where(data, offset)
            raise DeskError("csv_encoding", f"{name}: line {line} holds a zero byte: this is "
                            "not a text file in any encoding the desk reads (UTF-8, UTF-16, "
                            f"UTF-32, Windows-1252). {_SAVE_AS}", line=line, byte="0x00")
        content = _strict(data, codec, name)
        width = codec[4:6]
        order = "little" if codec.endswith("le") else "big"
        return content, codec, [f"No byte order mark: read as UTF-{width} ({order}-endian) "
                                "from the pattern of its zero bytes."]
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    utf8 = _UTF8_SEQUENCE.search(data)
    if utf8 is not None:
        line, shown = _where(data, utf8.start())
        raise _refuse(name, data, first_bad, "which is not UTF-8, while line "
                      f"{line} (\"{shown}\") is UTF-8: the file mixes two encodings")
    try:
        content = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _refuse(name, data, exc.start,
                      "which is neither UTF-8 nor Windows-1252") from None
    line, _ = _where(data, first_bad)
    return content, "windows-1252", [
        f"Not UTF-8 (line {line}: byte 0x{data[first_bad]:02X}) and no byte reads as UTF-8, "
        "so the file was read as Windows-1252 (Excel's \"CSV\" on Windows). Check the "
        "names with accents in the report."]


def _wide(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte order mark, told by where the zero
    bytes fall (text that is mostly Latin has a zero in every high byte)."""
    # (codec, code unit width, bytes that are zero for most text, share needed):
    # UTF-32's top byte is always zero and the next one almost always.
    for codec, width, zero_at, share in (("utf-32-le", 4, (2, 3), 0.95),
                                         ("utf-32-be", 4, (0, 1), 0.95),
                                         ("utf-16-le", 2, (1,), 0.6),
                                         ("utf-16-be", 2, (0,), 0.6)):
        if len(data) % width:
            continue
        sample = data[:40_000]
        units = len(sample) // width
        zeros = sum(sample[i::width].count(0) for i in zero_at)
        if units and zeros >= share * units * len(zero_at):
            try:
                if "\x00" not in data.decode(codec):
                    return codec
            except UnicodeDecodeError:
                continue
    return None


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].decode(codec, "replace").count("\n") + 1
        raise DeskError("csv_encoding", f"{name}: line {line} holds bytes that are not "
                        f"{codec.upper()} (0x{data[exc.start:exc.end].hex().upper()}). "
                        f"{_SAVE_AS}", line=line,
                        byte="0x" + data[exc.start:exc.end].hex().upper()) from None


# -- reading ----------------------------------------------------------------------------


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
    ticket: str = ""


_USED = ("email", "name", "first", "last", "phone", "seats", "ticket")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _read_rows(content: str, report: CsvImportReport, walk_ins: bool = False) -> list[_Row]:
    """Every row of the file, named by the line it starts on. With
    ``walk_ins`` (a series that asks for no contact) a row may give a name and
    no email, and the file needs no email column. A quoted field
    that runs over several lines is one row only where that is plausible (a
    notes column): where it holds a line break in a column the desk reads, or
    hides lines that read as rows of their own, each line it covers comes
    back as a malformed row that says so (an unbalanced quote)."""
    first = content.split("\n", 1)[0]
    report.delimiter = delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise DeskError("csv_empty", "The file is empty.") from None
    except csv.Error as exc:
        raise DeskError("csv_malformed", f"The header line cannot be read: {exc}.") from None
    columns = match_columns(headers)
    if "email" not in columns and not (walk_ins and {"name", "first", "last"} & set(columns)):
        raise DeskError("csv_no_email_column", "No email column found in the header line "
                        f"({', '.join(text.clean(h)[:30] for h in headers[:8])}); name one "
                        "Email or E-mail.")
    report.columns = {k: text.clean(headers[i]) for k, i in columns.items()}

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return unneutralise(text.clean(row[index])) if index is not None and index < len(row) \
            else ""

    def person(raw: list[str], line: int) -> _Row:
        name = cell(raw, "name") or " ".join(
            p for p in (cell(raw, "first"), cell(raw, "last")) if p)
        return _Row(line, cell(raw, "email"), name, cell(raw, "phone"), 1,
                    ticket=cell(raw, "ticket"))

    physical: list[str] = []

    def hidden_rows(start: int, end: int) -> list[_Row]:
        """The lines a multi-line record covers, each read as a row of its own
        (quotes dropped), to tell whether it hid people and to name them."""
        if not physical:
            physical.extend(_LINE_BREAK.split(content))
        lines = physical[start - 1:end]
        found = []
        for number, raw_line in enumerate(lines, start):
            if not raw_line.strip():
                continue
            cells = next(csv.reader([raw_line.replace('"', "")], delimiter=delimiter), [])
            found.append(person(cells, number))
        return found

    rows: list[_Row] = []
    end = reader.line_num
    try:
        for raw in reader:
            start, end = end + 1, reader.line_num
            if not any(c.strip() for c in raw):
                continue
            if end > start:
                breaks = any("\n" in raw[i] or "\r" in raw[i] for f, i in columns.items()
                             if f in _USED and i < len(raw))
                covered = hidden_rows(start, end)
                if breaks or any(EMAIL.match(r.email) for r in covered[1:]):
                    rows.extend(_unbalanced(covered, start, end, len(physical),
                                            sum(p.count('"') for p in physical[start - 1:end])))
                    continue
            row = person(raw, start)
            seats = cell(raw, "seats")
            email = row.email
            if not email and not walk_ins:
                row.problem = "no email"
            elif email and (not EMAIL.match(email) or len(email) > 320):
                row.problem = f'"{email[:80]}" is not an email address'
            elif not row.name:
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


def _unbalanced(covered: list[_Row], start: int, end: int, last_line: int,
                quotes: int) -> list[_Row]:
    """The rows a quoted field running from line ``start`` to ``end`` hid, each
    named with the reason."""
    at_end = ", the end of the file," if end >= last_line - 1 and quotes % 2 else ""
    opened = (f"unbalanced quote: the quoted field opened on line {start} runs to line {end}"
              f"{at_end} so lines {start}-{end} were not read as rows")
    inside = (f"unbalanced quote: inside the quoted field opened on line {start}, so lines "
              f"{start}-{end} were not read as rows")
    for row in covered:
        row.problem = opened if row.line == start else inside
    return covered


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
    content, report.encoding, report.notes = decode(read_input(path),
                                                    os.path.basename(os.fspath(path)))
    rows = _read_rows(content, report, walk_ins=_takes_walk_ins(store, series_id))
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


def _takes_walk_ins(store: Store, series_id: int) -> bool:
    """Whether the series asks for no contact, so a row may be a name alone
    (a walk-in, registered as a new person every time, never merged)."""
    from sqlmodel import select

    from schedtui.store.models import Series

    with store.read() as session:  # a missing series is refused with the registrations
        return session.exec(select(Series.contact).where(Series.id == series_id)).first() \
            == "none"


def _tickets_sold(session, series_id: int, has_column: bool) -> dict[str, int]:
    """The series' ticket types by name (without case) and by id. A series that
    sells tickets needs a Ticket column: without one every row would be refused."""
    from sqlmodel import select

    from schedtui.store.models import TicketType

    found: dict[str, int] = {}
    active = False
    for ticket in session.exec(select(TicketType).where(TicketType.series_id == series_id)
                               .order_by(TicketType.id)):
        found.setdefault(ticket.name.casefold(), ticket.id)
        found[str(ticket.id)] = ticket.id
        active = active or not ticket.archived
    if active and not has_column:
        raise DeskError("ticket_required", "The series sells tickets; the file needs a Ticket "
                        "column (a ticket's name or id on each row). Nothing was imported.")
    return found


def _register_all(store: Store, series_id: int, occurrence_ids: list[int] | None,
                  rows: list[_Row], report: CsvImportReport, dry_run: bool,
                  progress: Progress | None) -> None:
    results: list[RowResult] = []
    with store.write() as session:
        sold = _tickets_sold(session, series_id, "ticket" in report.columns)
        total = len(rows)
        for done, row in enumerate(rows, 1):
            ticket_id = None
            if row.ticket:
                ticket_id = sold.get(row.ticket.strip().casefold())
                if ticket_id is None:
                    results.append(RowResult(row.line, row.email, "refused",
                                             f'ticket_mismatch: no ticket "{row.ticket[:40]}" '
                                             "is sold for this series"))
                    continue
            seat_rules.hold_upcoming(session)  # registrations only: no occurrence changes
            point = RowSavepoint(session)  # hot statements only: the driver's savepoint
            try:
                view = registrations.add_registration(
                    session, store, series_id, email=row.email, name=row.name,
                    occurrence_ids=occurrence_ids, seats=row.seats, phone=row.phone,
                    ticket_id=ticket_id)
            except DeskError as exc:
                point.rollback()
                seat_rules.forget(session)
                if exc.code in FILE_LEVEL:
                    raise DeskError(exc.code, f"{exc.message} Nothing was imported.",
                                    **exc.details) from None
                results.append(RowResult(row.line, row.email, "refused",
                                         f"{exc.code}: {exc.message}"))
            else:
                point.release()
                results.append(RowResult(row.line, row.email, view.status, "", view.id))
            tick(progress, done, total, every=200)
        report.rows.extend(results)
        if dry_run:
            raise _DryRun
