"""Every package under src/ ships: the explicit list in pyproject.toml (needed
to ship data/ as schedtui.demo_data) must not forget a new one."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT / "src").parts)
             for p in (ROOT / "src" / "schedtui").rglob("__init__.py")}
    assert found | {"schedtui.demo_data"} == listed
