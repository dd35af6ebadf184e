"""The command line says what it can do: every command is listed with a line of
its own, every option is explained, every command's help ends with an example
that parses, and the shell completion scripts come from the same parser."""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess

import pytest

from schedtui.cli.helptext import examples_of
from schedtui.cli.main import build_parser, main


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every parser of the tree with its command path: (path, parser, its
    subcommand group or None)."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    group = groups[0] if groups else None
    yield path, parser, group
    if group is not None:
        for name, child in group.choices.items():
            yield from _walk(child, (*path, name))


TREE = list(_walk(build_parser()))
GROUPS = [(path, parser, group) for path, parser, group in TREE if group is not None]
LEAVES = [(path, parser) for path, parser, group in TREE if group is None]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _id(path) -> str:
    return " ".join(path) or "schedtui"


def test_the_tree_is_the_whole_command_line():
    names = {_id(path) for path, _ in LEAVES}
    assert {"occ list", "occ undo", "reg switch", "outbox send", "config show", "export ics",
            "import csv", "blackout add", "hub edit", "series split", "completion",
            "bench-data", "attendance"} <= names
    assert len(LEAVES) > 50


@pytest.mark.parametrize("path,parser,group", GROUPS, ids=[_id(g[0]) for g in GROUPS])
def test_every_subcommand_is_listed_with_a_description(path, parser, group):
    listed = {a.dest: a.help for a in group._choices_actions}
    shown = _flat(parser.format_help())
    for name in group.choices:
        assert listed.get(name), f"{_id(path)} {name} has no line in the listing"
        assert f" {name} {_flat(listed[name])}" in shown, f"{name} missing from {_id(path)} --help"


@pytest.mark.parametrize("path,parser,group", TREE, ids=[_id(t[0]) for t in TREE])
def test_every_option_and_positional_is_explained(path, parser, group):
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        label = "/".join(action.option_strings) or action.dest
        assert action.help and action.help.strip(), f"{_id(path)}: {label} has no help"
        if action.nargs != 0 and not isinstance(action, argparse._SubParsersAction):
            shown = action.metavar or (action.dest.upper() if action.option_strings
                                       else action.dest)
            assert not str(shown).endswith("_"), f"{_id(path)}: {label} shows as {shown}"
    assert not re.search(r"\b[A-Z]+_\b", parser.format_help()), parser.format_help()


@pytest.mark.parametrize("path,parser", LEAVES, ids=[_id(leaf[0]) for leaf in LEAVES])
def test_every_command_ends_with_an_example_that_parses(path, parser):
    text = _flat(parser.format_help().replace(" \\\n", " "))  # as the shell reads it
    examples = examples_of(parser)
    assert examples and text.endswith(_flat(examples[-1])), f"{_id(path)} --help: {text!r}"
    for line in parser.epilog.splitlines():
        assert len(line) <= 80, f"{_id(path)}: {line!r} is cut by an 80-column terminal"
    assert parser.description, f"{_id(path)} --help says nothing of what it does"
    for example in examples:
        assert f"{example} ".startswith(f"{parser.prog} "), example
        words = shlex.split(example)
        argv = words[1:words.index(">")] if ">" in words else words[1:]  # no redirection
        args = build_parser().parse_args(argv)  # a usage error raises
        assert args.command == path[0]
        if len(path) > 1:
            assert args.action == path[1]


def test_help_lists_the_commands_of_a_group(capsys):
    assert main(["occ", "--help"]) == 0
    out = capsys.readouterr().out
    for name in ("list", "show", "cancel", "restore", "move", "set", "undo"):
        assert re.search(rf"^\s+{name}\s+\S", out, re.MULTILINE), out
    assert main(["blackout", "add", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--from DATE" in out and "FROM_" not in out
    assert out.rstrip().endswith("--reason 'Winter break' --confirm")


def _script(shell: str, capsys) -> str:
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


def test_bash_completion_script_completes_commands_and_options(capsys, tmp_path):
    script = _script("bash", capsys)
    for name in ("occ", "series", "reg", "outbox", "blackout", "completion", "--idempotency-key"):
        assert name in script
    if shutil.which("bash") is None:
        pytest.skip("no bash to run the script")
    path = tmp_path / "schedtui.bash"
    path.write_text(script)

    def complete(*words: str) -> list[str]:
        line = " ".join(map(shlex.quote, words))
        code = (f"source {shlex.quote(str(path))}; COMP_WORDS=({line}); "
                f"COMP_CWORD={len(words) - 1}; _shtab_schedtui; "
                "printf '%s\\n' \"${COMPREPLY[@]}\"")
        run = subprocess.run(["bash", "-c", code], capture_output=True, text=True, check=True,
                             cwd=tmp_path)
        return run.stdout.split()

    assert {"list", "show", "cancel", "restore", "move", "set", "undo"} <= set(
        complete("schedtui", "occ", ""))
    assert complete("schedtui", "occ", "list", "--f") == ["--from"]
    assert complete("schedtui", "completion", "") == ["bash", "zsh", "fish"]
    (tmp_path / "courses.ics").write_text("")
    assert "courses.ics" in complete("schedtui", "import", "ics", "cou")


def test_zsh_and_fish_completion_scripts(capsys):
    zsh = _script("zsh", capsys)
    assert zsh.startswith("#compdef schedtui")
    assert "occ" in zsh and "--idempotency-key" in zsh and "undo" in zsh
    fish = _script("fish", capsys)
    assert "complete -c schedtui" in fish
    assert "undo" in fish and "idempotency-key" in fish


def test_completion_for_an_unknown_shell_is_a_usage_error(capsys):
    assert main(["completion", "tcsh"]) == 2
    assert "invalid choice" in capsys.readouterr().err
