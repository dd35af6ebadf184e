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


def test_every_file_the_desk_reads_ships():
    """A stylesheet (or any file that is not Python) under src/ must match the
    package data, or a plain install leaves it out and the desk cannot start."""
    import re

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["schedtui"]
    base = ROOT / "src" / "schedtui"
    data = [p.relative_to(base).as_posix() for p in base.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert data, "the desk's stylesheets were not found"
    # As setuptools reads them: a * does not cross a folder.
    patterns = [re.compile(re.escape(g).replace(r"\*", "[^/]*") + "$") for g in globs]
    assert [f for f in data if not any(p.match(f) for p in patterns)] == []


def test_ci_runs_the_readme_command_and_what_users_install():
    readme = (ROOT / "README.md").read_text()
    command = "python -m pip install '.[test]' && python -m pytest -n auto"
    assert command in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert command in ci
    assert "python -m pip install .\n" in ci and "'.[test-tools]'" in ci


def test_the_test_tools_cap_nothing_the_desk_needs():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert "schedtui[test-tools]" in extras["test"]
    assert not any(name.lower().startswith("recurring") for name in extras["test-tools"])
    assert all("<" not in name for name in extras["test-tools"])
