"""``schedtui completion SHELL``: the shell completion script, generated from
the command line's own parser by shtab."""

from __future__ import annotations

import argparse

from schedtui.cli import output
from schedtui.cli.helptext import command

SHELLS = ("bash", "zsh", "fish")


def completion(args: argparse.Namespace, as_json: bool) -> None:
    import shtab

    from schedtui.cli.main import build_parser

    output.data(shtab.complete(build_parser(), shell=args.shell))


def register(sub) -> None:
    p = command(sub, "completion", "print the shell completion script for bash, zsh or fish",
                "schedtui completion bash > ~/.local/share/bash-completion/completions/schedtui",
                "schedtui completion fish > ~/.config/fish/completions/schedtui.fish")
    p.add_argument("shell", choices=SHELLS, help="the shell the script is for")
    p.set_defaults(handler=completion)
