"""Help text for the command line: every command says what it does and shows
an example of itself."""

from __future__ import annotations

import argparse
from typing import Any


def command(group: Any, name: str, summary: str, *examples: str,
            **kwargs: Any) -> argparse.ArgumentParser:
    """Add the command ``name`` to ``group``: listed with ``summary`` in the
    group's help, which also opens its own help, and its help ends with the
    ``examples`` (whole command lines, each starting with ``schedtui``)."""
    if examples:
        head = "example:" if len(examples) == 1 else "examples:"
        kwargs["epilog"] = "\n".join([head, *(f"  {line}" for line in examples)])
    return group.add_parser(name, help=summary, description=summary, **kwargs)


def examples_of(parser: argparse.ArgumentParser) -> list[str]:
    """The example command lines at the end of ``parser``'s help."""
    lines = (parser.epilog or "").splitlines()
    return [line.strip() for line in lines[1:] if line.strip().startswith("schedtui ")]
