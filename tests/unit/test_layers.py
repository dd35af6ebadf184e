"""The layers stay honest: domain, store and services never import the desk
(Textual) or the CLI, so every rule is reachable without a screen."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import schedtui

LOWER = ("schedtui.domain", "schedtui.store", "schedtui.services")


def test_lower_layers_import_neither_textual_nor_the_cli():
    modules = [m.name for m in pkgutil.walk_packages(schedtui.__path__, "schedtui.")
               if m.name.startswith(LOWER)]
    assert len(modules) > 10
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')"
        " or m.startswith('schedtui.cli') or m.startswith('schedtui.tui'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""
