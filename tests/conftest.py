"""Shared fixtures: a temporary store with a fixed clock, and the CLI run in-process."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from schedtui.cli.main import main
from schedtui.store import open_store

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """A settable clock: ``clock.now`` is what the store sees."""

    class Clock:
        now = NOW

        def __call__(self) -> datetime:
            return self.now

    return Clock()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "desk.db"


@pytest.fixture
def store(db_path, clock):
    opened = open_store(db_path, clock=clock)
    yield opened
    opened.dispose()


@pytest.fixture
def cli(db_path, capsys, monkeypatch):
    """Run ``schedtui --db <tmp> ARGS --json`` in-process; returns (status, parsed JSON)."""
    monkeypatch.setenv("SCHEDTUI_NOW", NOW.isoformat())

    def run(*args: str, as_json: bool = True):
        argv = ["--db", str(db_path), *args] + (["--json"] if as_json else [])
        status = main(argv)
        out = capsys.readouterr().out
        return status, (json.loads(out) if as_json and out.strip() else out)

    return run
