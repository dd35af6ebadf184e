"""The attendance grid of a series as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import Any

from schedtui.domain.errors import invalid
from schedtui.interop.common import write_atomically
from schedtui.interop.csvio import spreadsheet_csv
from schedtui.services.attendance import grid_pages
from schedtui.store import Store
from schedtui.store.engine import transaction


@dataclass(frozen=True)
class AttendanceExport:
    path: str | None
    rows: int
    columns: int
    text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "columns": self.columns,
                "text": self.text}


@transaction
def export_attendance(store: Store, series_id: int, path: str | os.PathLike | None, *,
                      start: date | None = None, end: date | None = None) -> AttendanceExport:
    """The grid as CSV, safe to open in a spreadsheet: a header of occurrence
    starts, a row per person, then the totals per occurrence. With ``path``
    None the report carries the text instead."""
    if start is not None and end is not None and end < start:
        raise invalid("--to is before --from.")
    lines: list[list[Any]] = []
    with store.read() as session:
        for grid in grid_pages(session, store.now(), series_id, start, end):
            if not lines:
                lines.append(["Name", "Email"]
                             + [c.start[:16].replace("T", " ")
                                + (" (cancelled)" if c.status == "cancelled" else "")
                                for c in grid.columns]
                             + ["Held", "Attended", "Rate"])
                columns = grid.columns
            for row in grid.rows:
                lines.append([row.name, row.email, *row.cells, row.held, row.attended,
                              "" if row.rate is None else f"{row.rate:.0%}"])
    people = len(lines) - 1
    for label, key in (("Booked", "booked"), ("Attended", "attended"),
                       ("No-shows", "no_shows")):
        lines.append([f"Total {label.lower()}", ""] + [getattr(c, key) for c in columns]
                     + ["", "", ""])
    data = spreadsheet_csv(lines)
    if path is None:
        return AttendanceExport(None, people, len(columns), data)
    write_atomically(path, data.encode("utf-8-sig"))
    return AttendanceExport(os.fspath(path), people, len(columns))
