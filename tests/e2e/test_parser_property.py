"""Generated garbage on every command's parser: the exit status is 0, 1 or 2,
no traceback is printed, ``internal_error`` never appears, and with ``--json``
standard output is exactly one JSON document of the right shape.

The commands come from walking the parser, so a new command is covered the day
it is added."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedtui.cli.main import build_parser, main

NOW = "2025-01-01T12:00:00+00:00"


def leaf_commands() -> list[tuple[list[str], list[argparse.Action]]]:
    """(command words, its arguments) for every runnable command."""
    found = []

    def walk(parser, words):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found.append((words, [a for a in parser._actions
                                  if not isinstance(a, argparse._HelpAction)]))
        for sub in subs:
            for name, child in sub.choices.items():
                walk(child, [*words, name])

    walk(build_parser(), [])
    # the bare program opens the desk; every word after it is a command
    return [(w, a) for w, a in found if w]


COMMANDS = leaf_commands()

garbage_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=string.printable, max_size=12),
    st.sampled_from(["", " ", "-", "--", "-1", "0", "1", "2", "99999999999999999999",
                     str(2**63), "-99999999999999999999", "1e400", "nan", "inf", "unlimited",
                     "0001-01-01", "9999-12-31", "9999-12-31T23:59", "2025-01-06T10:00",
                     "2025-02-30", "FREQ=DAILY;COUNT=2", "FREQ=SECONDLY", "UTC", "Mars/Base",
                     "/dev/zero", "/", ".", "..", "ünï@exämple.org", "a@b.co", "\x1b[2J",
                     "[bold]x[/]", "x" * 5000]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


@st.composite
def command_lines(draw):
    words, actions = draw(st.sampled_from(COMMANDS))
    args = list(words)
    for action in actions:
        if "--db" in action.option_strings:
            continue  # the test's own database; a second one would be built or read
        if action.option_strings:
            if not draw(st.booleans()):
                continue
            args.append(draw(st.sampled_from(action.option_strings)))
            if action.nargs != 0:
                args.append(draw(garbage_text))
        elif draw(st.integers(0, 9)):  # a positional, left out now and then
            args.append(draw(garbage_text))
    if draw(st.integers(0, 5)) == 0:
        args.insert(draw(st.integers(0, len(args))), draw(garbage_text))
    return args


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files a command writes land here
    monkeypatch.setenv("SCHEDTUI_NOW", NOW)
    db = str(tmp_path / "desk.db")
    for argv in (["hub", "add", "Team"],
                 ["series", "add", "--hub", "1", "--name", "S", "--start", "2025-01-06T10:00",
                  "--duration", "15", "--rrule", "FREQ=DAILY;COUNT=20", "--capacity", "3"],
                 ["reg", "add", "1", "--email", "ada@example.org", "--name", "Ada"]):
        assert run(["--db", db, *argv])[0] == 0
    return db


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def test_the_walk_finds_every_command():
    names = {" ".join(w) for w, _ in COMMANDS}
    assert {"hub add", "occ move", "reg switch", "outbox export", "import csv", "backup",
            "series stats", "checkin", "log"} <= names


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(args=command_lines(), as_json=st.booleans())
def test_garbage_never_crashes(world, args, as_json):
    status, out, err = run(["--db", world, *args, *(["--json"] if as_json else [])])
    assert status in (0, 1, 2), (args, status, err)
    assert "Traceback" not in out + err, (args, err)
    assert "internal_error" not in out and "Something went wrong" not in err, (args, err)
    if not as_json:
        return
    document = json.loads(out)  # exactly one document: trailing text would not parse
    if status == 0:
        assert isinstance(document, dict | list), (args, document)
        assert not (isinstance(document, dict) and "error" in document), (args, document)
    else:
        assert set(document) == {"error"}, (args, document)
        assert {"code", "message"} <= set(document["error"]), (args, document)
        assert (document["error"]["code"] == "usage") == (status == 2), (args, document)
