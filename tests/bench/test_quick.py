"""The benchmark's quick run: every figure is measured and printed with numbers.

Whether the targets hold is for the full run on a quiet machine (README,
"Speed at scale"); this test only keeps the benchmark from rotting.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys

FIGURES = ("expansion", "materialization", "registration", "desk_start", "desk_rows",
           "memory",
           "month_change", "attendees_open", "attendees_jump", "agenda_open",
           "agenda_week", "oneshot_occ", "oneshot_hubs", "oneshot_agenda", "oneshot_reg",
           "batch", "csv_import", "ics_export", "ics_import")


def test_quick_run_prints_every_figure(tmp_path):
    out = tmp_path / "figures.json"
    env = {**os.environ, "SCHEDTUI_DB": str(tmp_path / "unused.db")}
    result = subprocess.run([sys.executable, "-m", "schedtui.bench", "--quick", "--json",
                             str(out)], capture_output=True, text=True, timeout=1200, env=env,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    for key in FIGURES:
        row = next((line for line in lines if line.startswith(key + " ")), None)
        assert row is not None, f"no row for {key}:\n{result.stdout}"
        numbers = re.findall(r"(\d[\d,]*\.?\d*)x", row)
        assert numbers, f"no ratio in: {row}"
        assert re.search(r"\b(yes|NO)$", row), row
    data = json.loads(out.read_text())
    assert [f["key"] for f in data["figures"]] == list(FIGURES)
    for figure in data["figures"]:
        for name in ("project", "floor", "ratio", "target"):
            assert isinstance(figure[name], int | float) and math.isfinite(figure[name]), figure
            assert figure[name] > 0, figure
    assert data["build"]["counts"]["seat_entry"] > data["build"]["counts"]["occurrence"] / 2
