"""The restless person in the suite: a fixed seed, a few hundred steps over the
whole desk at 80x24 and at 160x48 while another client changes the database.
``python -m tests.tui.walk --seconds 600`` walks on with random seeds."""

from __future__ import annotations

import pytest

from tests.tui.walk import walk

SEED = 14
STEPS = 120
"""Steps of each walk: 240 in all, some 40 s for each size on an idle machine."""


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_a_restless_person_cannot_break_the_desk(size):
    outcome = await walk(SEED, STEPS, size)
    assert not outcome.failure, outcome.report()
    assert len(outcome.steps) == STEPS


@pytest.mark.parametrize("start", ["attendance", "blackouts"])
async def test_a_restless_person_on_the_grid_and_the_blackouts(start):
    outcome = await walk(SEED, STEPS // 2, (80, 24), start=start)
    assert not outcome.failure, outcome.report()
    walked = [s for s in outcome.steps if not s.endswith("(start)")]
    assert len(walked) == STEPS // 2
    begun = {"attendance": "AttendanceScreen", "blackouts": "BlackoutsScreen"}[start]
    assert walked[0].startswith(begun)  # the walk began there
