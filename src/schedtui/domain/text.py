"""Text hygiene: what a person types is kept, but nothing can reach the terminal
as a control sequence (ESC, C0/C1 controls, bidi overrides) and length limits hold.
"""

from __future__ import annotations

import re
import unicodedata

from schedtui.domain.errors import invalid

# C0 controls except tab/newline (kept only where multi-line text is allowed),
# DEL, C1 controls, bidi embedding/override/isolate marks, and the line/paragraph
# separators that terminals may treat as new lines.
_ALWAYS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
_CONTROLS = re.compile(f"[{_ALWAYS}]")
_TERMINAL = re.compile(f"[{_ALWAYS}\r]")


def clean(text: str | None, *, multiline: bool = False) -> str:
    """Strip control and bidi characters; single-line text also loses tabs and newlines."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return _CONTROLS.sub("", text).strip()
    return " ".join(_CONTROLS.sub("", text.replace("\t", " ").replace("\r", " ")
                                  .replace("\n", " ")).split())


def for_terminal(text: object) -> str:
    """Text on its way to a terminal: every control character (ESC, BEL, C1,
    carriage return...) and bidi mark removed, newlines and tabs kept. Whatever
    was stored (another program can write anything into a shared database), what
    is shown cannot clear the screen, set the title or the clipboard, or move
    the cursor."""
    return _TERMINAL.sub("", "" if text is None else str(text))


def field(
    text: str | None,
    label: str,
    *,
    min_len: int = 0,
    max_len: int = 200,
    multiline: bool = False,
) -> str:
    """Clean ``text`` and check its length, naming ``label`` in the error."""
    value = clean(text, multiline=multiline)
    if len(value) < min_len:
        raise invalid(f"{label} must not be empty." if min_len == 1 else
                      f"{label} needs at least {min_len} characters.", field=label.lower())
    if len(value) > max_len:
        raise invalid(
            f"{label} is {len(value)} characters long; at most {max_len} are allowed.",
            field=label.lower(),
        )
    return value
