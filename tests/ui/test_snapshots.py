"""Snapshots of each screen at 120x40 and 80x24, built like production over the simulator with
a fixed seed and a fixed clock (see harness.py), so they are the same on every run."""

from __future__ import annotations

import pytest

from circletui.ui.widgets.job_graph import JobGraph

from .harness import (
    StepClock,
    confirm,
    make_app,
    make_simulator,
    pass_time,
    select_workflow,
    settle,
    visible_text,
)

SIZES = [(120, 40), (80, 24)]


def app_for_snapshot():
    return make_app(make_simulator())


async def _open(pilot, status: str | None = None, name: str | None = None) -> None:
    await settle(pilot)
    line = next(ln for ln in pilot.app.screen.lines if ln.workflow
                and (status is None or ln.workflow.status == status)
                and (name is None or ln.workflow.name == name))
    await select_workflow(pilot, line.workflow.id)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pipelines(snap_compare, size):
    assert snap_compare(app_for_snapshot(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_workflow_graph(snap_compare, size):
    async def run_before(pilot):
        await _open(pilot, status="failing")

    assert snap_compare(app_for_snapshot(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_workflow_graph_with_approval(snap_compare, size):
    async def run_before(pilot):
        await _open(pilot, status="on_hold", name="build-and-test")
        graph = pilot.app.screen.query_one(JobGraph)
        graph.selected_id = next(j.id for j in graph.jobs if j.is_approval)
        await settle(pilot)

    assert snap_compare(app_for_snapshot(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_workflow_list_view(snap_compare, size):
    async def run_before(pilot):
        await _open(pilot, status="failing")
        await pilot.press("v")
        await settle(pilot)

    assert snap_compare(app_for_snapshot(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_approvals(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)

    assert snap_compare(app_for_snapshot(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_confirm_rerun(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        line = next(ln for ln in pilot.app.screen.lines
                    if ln.workflow and ln.workflow.status == "failed")
        await select_workflow(pilot, line.workflow.id)
        await pilot.press("r")
        await settle(pilot)

    assert snap_compare(app_for_snapshot(), terminal_size=size, run_before=run_before)


def test_help(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app_for_snapshot(), terminal_size=(120, 40), run_before=run_before)


def test_filtered_pipelines(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("slash", *"main")
        await settle(pilot)

    assert snap_compare(app_for_snapshot(), terminal_size=(80, 24), run_before=run_before)


def test_outage_status_line(snap_compare):
    sim = make_simulator()
    # The countdown is read from the monitor's clock: frozen, it says the same on every run.
    app = make_app(sim, monotonic=lambda: 1000.0)

    async def run_before(pilot):
        await settle(pilot)
        sim.faults.revoke_token()
        await pilot.press("ctrl+r")
        await settle(pilot)
        # The "Refreshing…" toast lives 2 real seconds: whether it is still there when the
        # snapshot is taken depends on the machine's speed, so it is not part of it.
        pilot.app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_workflow_graph_with_marked_jobs(snap_compare, size):
    async def run_before(pilot):
        await _open(pilot, status="failed")
        await pilot.press("space", "right", "space")
        await settle(pilot)

    assert snap_compare(app_for_snapshot(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_trigger_dialog(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)

    assert snap_compare(app_for_snapshot(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pipelines_with_watched_items(snap_compare, size):
    """A watched pipeline (w in the list) and a watched workflow (w on its screen), marked."""
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("j", "w")
        await _open(pilot, status="failed")
        await pilot.press("w", "escape")
        await settle(pilot)
        pilot.app.clear_notifications()  # the "Watching…" toasts time out on the real clock
        await settle(pilot)

    assert snap_compare(app_for_snapshot(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pipelines_without_colour(snap_compare, size, monkeypatch):
    """NO_COLOR: shades of grey, and every status still told apart by its glyph."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(app_for_snapshot(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_job_rerun_with_ssh_shows_the_command(snap_compare, size):
    """S on a failed job: confirmed, the new job opens, its SSH command over the tabs."""
    sim = make_simulator()
    clock = StepClock()
    app = make_app(sim, clock=clock)

    async def run_before(pilot):
        await _open(pilot, status="failed")
        graph = pilot.app.screen.query_one(JobGraph)
        graph.selected_id = next(j.id for j in graph.jobs if j.status == "failed")
        await settle(pilot)
        await confirm(pilot, "S")
        for _ in range(60):
            await pass_time(pilot, clock, 5, sim=sim)
            if "SSH: ssh -p" in visible_text(pilot.app):
                break
        pilot.app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
