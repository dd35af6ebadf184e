"""The error codes: every code raised anywhere in src is in the catalogue
(domain/errors.py), every code in the catalogue is raised somewhere, and the
README lists exactly the catalogue."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from schedtui.domain.errors import CODES, codes_table

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "schedtui"
# The desk shows an error's message, never its code: codes are for scripts.
DESK = SRC / "tui"
HELPERS = {"not_found": "not_found", "invalid": "invalid_value"}


def raised_codes() -> tuple[dict[str, set[str]], list[str]]:
    """Every code given to DeskError(...), require(cond, code, ...), the CLI's
    _fail(code, ...) or a bulk edit's refuse(occurrence, code, ...), by file; and
    the calls whose code is not a literal and is not passed through from a caught
    error (each is a place a code could hide)."""
    found: dict[str, set[str]] = {}
    hidden: list[str] = []
    for path in SRC.rglob("*.py"):
        if DESK in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            position = {"DeskError": 0, "_fail": 0, "require": 1, "refuse": 1}.get(name)
            if name in HELPERS and path.name != "errors.py":
                found.setdefault(HELPERS[name], set()).add(path.name)
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, set()).add(path.name)
            elif not (isinstance(arg, ast.Attribute) and arg.attr == "code") and \
                    not (isinstance(arg, ast.Name) and arg.id == "code"):
                hidden.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found, hidden


def readme_codes() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- error codes: begin -->\n(.*?)\n<!-- error codes: end -->", text,
                      re.S)
    assert block, "the README lost its error-code table markers"
    return [m for m in re.findall(r"^\| `([a-z_]+)` \|", block[1], re.M)]


def test_every_raised_code_is_in_the_catalogue():
    found, hidden = raised_codes()
    assert not hidden, f"codes that are not literals: {hidden}"
    missing = {code: sorted(files) for code, files in found.items() if code not in CODES}
    assert not missing, f"codes raised but not in domain/errors.py CODES: {missing}"


def test_every_catalogued_code_is_raised():
    found, _ = raised_codes()
    stale = sorted(set(CODES) - set(found))
    assert not stale, f"codes in CODES that nothing raises: {stale}"


def test_the_readme_lists_exactly_the_catalogue():
    listed = readme_codes()
    assert len(listed) == len(set(listed)), "a code is listed twice in the README"
    assert set(listed) == set(CODES), (
        f"README lacks {sorted(set(CODES) - set(listed))}, lists unknown "
        f"{sorted(set(listed) - set(CODES))}")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert codes_table() in text, ("the README's table differs from domain/errors.py: "
                                   "paste codes_table() between its markers")
