"""Printing results: one JSON document with ``--json``, a readable table otherwise."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import Any

from schedtui.domain.text import clean


def to_data(value: Any) -> Any:
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    return value


_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


captured: list[Any] | None = None
"""While a batch runs a command: the documents it emits, kept as data (the
batch writes them as one line each) instead of printed."""


def emit_json(value: Any) -> None:
    """One JSON document. JSON escapes C0 controls itself; DEL, C1 controls and
    bidi marks are escaped too (``\\u009b``), so the document is the same data
    and still safe to show on a terminal."""
    if captured is not None:
        captured.append(to_data(value))
        return
    sys.stdout.write(json_text(value, indent=2) + "\n")


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON text, escaped as :func:`emit_json` escapes it (one
    line without ``indent``)."""
    text = json.dumps(to_data(value), ensure_ascii=False, indent=indent,
                      separators=None if indent else (",", ":"))
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def data(text: str) -> None:
    """A document the user asked for on standard output (CSV, iCalendar): exact
    when it goes to a file or a pipe, without control characters on a terminal."""
    write = getattr(sys.stdout, "write_data", sys.stdout.write)
    write(text)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return clean(str(value))  # nothing stored reaches the terminal as a control sequence


def end_text(start: str, end: str) -> str:
    """A session's local end for a table: its time, or its date and time when it
    ends on another day (a session of several days)."""
    return end[11:16] if end[:10] == start[:10] else end[:16].replace("T", " ")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, min(len(c), 60)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line.rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join((c if len(c) <= 60 else c[:59] + "…").ljust(w)
                        for c, w in zip(row, widths, strict=True)).rstrip())
    if not rows:
        print("(none)")


def fields(pairs: Sequence[tuple[str, Any]]) -> None:
    width = max(len(k) for k, _ in pairs)
    for key, value in pairs:
        print(f"{key.ljust(width)}  {cell(value)}")
