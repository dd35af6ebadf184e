"""Help text for the command line: every command says what it does and shows
an example of itself."""

from __future__ import annotations

import argparse
import shlex
import textwrap
from typing import Any

WIDTH = 78
"""Example lines longer than this go on over several lines, each ending in ``\\``."""
_GO_ON = " \\\n      "


def command(group: Any, name: str, summary: str, *examples: str,
            **kwargs: Any) -> argparse.ArgumentParser:
    """Add the command ``name`` to ``group``: listed with ``summary`` in the
    group's help, which also opens its own help, and its help ends with the
    ``examples`` (whole command lines, each starting with ``schedtui``)."""
    if examples:
        head = "example:" if len(examples) == 1 else "examples:"
        kwargs["epilog"] = "\n".join([head, *(f"  {_wrapped(line)}" for line in examples)])
    return group.add_parser(name, help=summary, description=textwrap.fill(summary, WIDTH),
                            **kwargs)


def _wrapped(line: str) -> str:
    """``line`` cut before its options to fit WIDTH, as a shell reads it."""
    lexer = shlex.shlex(line, posix=False)  # the words with their quotes as written
    lexer.whitespace_split = True
    chunks: list[str] = []  # the command, then each option with its values
    for word in lexer:
        if chunks and not word.startswith("-"):
            chunks[-1] += f" {word}"
        else:
            chunks.append(word)
    rows = [chunks[0]]
    for chunk in chunks[1:]:
        if len(rows[-1]) + len(chunk) + 9 > WIDTH:
            rows.append(chunk)
        else:
            rows[-1] += f" {chunk}"
    return _GO_ON.join(rows)


def examples_of(parser: argparse.ArgumentParser) -> list[str]:
    """The example command lines at the end of ``parser``'s help, each on one
    line."""
    text = (parser.epilog or "").replace(_GO_ON, " ")
    return [line.strip() for line in text.splitlines()[1:]
            if line.strip().startswith("schedtui ")]
