"""Snapshots of the Health, Flaky tests and Config screens at 120x40 and 80x24, over the
simulator with a fixed seed and clock (see harness.py)."""

from __future__ import annotations

import pytest

from circletui.ui.messages import OpenConfig

from .harness import INSIGHTS_PROJECT as API
from .harness import make_app, make_simulator, select_api_on_main, settle

SIZES = [(120, 40), (80, 24)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_health(snap_compare, size):
    async def run_before(pilot):
        await select_api_on_main(pilot)
        await pilot.press("H")
        await settle(pilot)

    assert snap_compare(make_app(make_simulator()), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_flaky_tests(snap_compare, size):
    async def run_before(pilot):
        await select_api_on_main(pilot)
        await pilot.press("F")
        await settle(pilot)

    assert snap_compare(make_app(make_simulator()), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_config_at_a_job_with_a_search(snap_compare, size):
    async def run_before(pilot):
        await select_api_on_main(pilot)
        pipeline = pilot.app.screen.selected_pipeline()
        pilot.app.post_message(OpenConfig(pipeline.id, "unit-tests",
                                          label=f"{API} #{pipeline.number}"))
        await settle(pilot)
        await pilot.press("slash", *"docker", "enter")
        await settle(pilot)

    assert snap_compare(make_app(make_simulator()), terminal_size=size, run_before=run_before)
