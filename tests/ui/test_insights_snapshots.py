"""Snapshots of the Health, Flaky tests and Config screens at 120x40 and 80x24, over the
simulator with a fixed seed and clock (see harness.py)."""

from __future__ import annotations

import pytest

from circletui.ui.messages import OpenConfig

from .harness import make_app, make_simulator, select_workflow, settle

SIZES = [(120, 40), (80, 24)]
API = "gh/acme/api"


async def _on_api_main(pilot) -> None:
    await settle(pilot)
    line = next(ln for ln in pilot.app.screen.lines if ln.workflow
                and ln.pipeline.project_slug == API and ln.pipeline.branch == "main"
                and ln.workflow.name == "build-and-test" and ln.workflow.status == "success")
    await select_workflow(pilot, line.workflow.id)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_health(snap_compare, size):
    async def run_before(pilot):
        await _on_api_main(pilot)
        await pilot.press("H")
        await settle(pilot)

    assert snap_compare(make_app(make_simulator()), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_flaky_tests(snap_compare, size):
    async def run_before(pilot):
        await _on_api_main(pilot)
        await pilot.press("F")
        await settle(pilot)

    assert snap_compare(make_app(make_simulator()), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_config_at_a_job_with_a_search(snap_compare, size):
    async def run_before(pilot):
        await _on_api_main(pilot)
        pipeline = pilot.app.screen.selected_pipeline()
        pilot.app.post_message(OpenConfig(pipeline.id, "unit-tests",
                                          label=f"{API} #{pipeline.number}"))
        await settle(pilot)
        await pilot.press("slash", *"docker", "enter")
        await settle(pilot)

    assert snap_compare(make_app(make_simulator()), terminal_size=size, run_before=run_before)
