"""``--demo``: refused beside ``--db``, and it asks before replacing the demo
database someone may have changed."""

from __future__ import annotations

import io

import pytest

from schedtui import demo
from schedtui.cli import commands
from schedtui.cli.main import main


def test_demo_with_db_is_a_usage_error(tmp_path, capsys):
    assert main(["--demo", "--db", str(tmp_path / "mine.db")]) == 2
    err = capsys.readouterr().err
    assert "--demo" in err and "--db" in err
    assert not (tmp_path / "mine.db").exists()


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("SCHEDTUI_DB", raising=False)
    return tmp_path


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer, replaced", [("y\n", True), ("yes\n", True), ("\n", False),
                                              ("n\n", False), ("", False)])
def test_demo_asks_before_replacing_an_existing_demo_database(data_home, monkeypatch, capsys,
                                                              answer, replaced):
    path = demo.demo_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"changed by hand")
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    assert commands._replace_demo() is replaced
    assert f"Replace the demo database {path}" in capsys.readouterr().out
    assert path.read_bytes() == b"changed by hand"  # asking removes nothing


def test_demo_without_a_terminal_keeps_the_existing_one(data_home, monkeypatch, capsys):
    path = demo.demo_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert commands._replace_demo() is False
    assert "not replaced" in capsys.readouterr().err


def test_demo_with_no_demo_database_yet_asks_nothing(data_home, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert commands._replace_demo() is True


def test_the_desk_opens_the_kept_demo_database_without_reloading(data_home, monkeypatch):
    """The opener ``run_desk`` hands the desk: fresh data only on yes."""
    from schedtui.services import hubs
    from schedtui.store import open_store

    demo.demo_path().parent.mkdir(parents=True)
    store = open_store(demo.demo_path())
    hubs.create_hub(store, "Mine", "UTC")
    store.dispose()
    opened = {}

    def fake_run(opener):
        opened["store"] = opener()
        return 0

    monkeypatch.setattr("schedtui.tui.app.run", fake_run)
    monkeypatch.setattr(commands, "_replace_demo", lambda: False)
    args = type("Args", (), {"db": None, "demo": True})()
    assert commands.run_desk(args) == 0
    names = [h.name for h in hubs.list_hubs(opened["store"])]
    opened["store"].dispose()
    assert names == ["Mine"]
