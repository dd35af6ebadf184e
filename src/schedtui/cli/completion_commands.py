"""``schedtui completion SHELL``: the shell completion script, generated from
the command line's own parser by shtab."""

from __future__ import annotations

import argparse

from schedtui.cli import output
from schedtui.cli.helptext import command

SHELLS = ("bash", "zsh", "fish")
_FILES = ("db", "file", "output")  # the arguments that name a file
_FOLDERS = ("dir",)


def _mark_paths(parser: argparse.ArgumentParser, shtab) -> None:
    """Let the shell complete file and folder names where a command takes one
    (shtab is imported only here: other commands start without it)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _mark_paths(child, shtab)
        elif action.dest in _FILES:
            action.complete = shtab.FILE
        elif action.dest in _FOLDERS:
            action.complete = shtab.DIRECTORY


def completion(args: argparse.Namespace, as_json: bool) -> None:
    import shtab

    from schedtui.cli.main import build_parser

    parser = build_parser()
    _mark_paths(parser, shtab)
    output.data(shtab.complete(parser, shell=args.shell))


def register(sub) -> None:
    p = command(sub, "completion", "print the shell completion script for bash, zsh or fish",
                "schedtui completion bash > ~/.local/share/bash-completion/completions/schedtui",
                "schedtui completion fish > ~/.config/fish/completions/schedtui.fish")
    p.add_argument("shell", choices=SHELLS, help="the shell the script is for")
    p.set_defaults(handler=completion)
