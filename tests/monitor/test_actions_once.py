"""An action is sent once: a second one on the same target is refused, with the reason, from
the moment the first is sent until CircleCI's data shows its effect, or a timeout.

The POST is held at a gate the test opens, and time moves only on the monitor's fake clock,
so the window between "answered" and "visible" is examined exactly, without a stopwatch.
"""

from __future__ import annotations

import anyio
import pytest
from ui.harness import PostGate  # tests/ is on the path: pytest's rootdir

from circletui.api import ServerError
from circletui.monitor import ActionInProgress, Actions, PipelineWorkflows
from circletui.monitor.actions import EFFECT_TIMEOUT

from .rig import Rig


async def failed_workflow(rig: Rig):
    rig.start_feed()
    await rig.settle()
    for _ in range(200):  # watch until a workflow has failed for good
        row = next((r for r in rig.feed.rows if r.status == "failed"), None)
        if row is not None:
            return next(w for w in row.workflows if w.status == "failed")
        await rig.tick()
    raise AssertionError("no workflow failed")


def rerun_posts(rig: Rig, workflow_id: str) -> list:
    return rig.sim.requests_matching("POST", rf"/workflow/{workflow_id}/rerun$")


async def test_two_concurrent_reruns_send_one_post_and_the_second_is_told_why(rig: Rig) -> None:
    old = await failed_workflow(rig)
    gate = PostGate(rig.transport.inner)
    rig.transport.inner = gate
    actions = Actions(rig.monitor, clock=rig.clock)
    answers: list[str] = []

    async def first() -> None:
        answers.append(await actions.rerun_workflow(old, from_failed=True))

    async with anyio.create_task_group() as tg:
        tg.start_soon(first)
        await gate.arrived.wait()  # the first POST is on the wire
        with pytest.raises(ActionInProgress, match="waiting for CircleCI's answer"):
            await actions.rerun_workflow(old, from_failed=True)
        gate.open()
    assert len(answers) == 1 and len(rerun_posts(rig, old.id)) == 1

    # Answered, but no poll has shown the new workflow yet: the screen may still offer "r".
    with pytest.raises(ActionInProgress, match="waiting for CircleCI to show it"):
        await actions.rerun_workflow(old, from_failed=False)
    assert len(rerun_posts(rig, old.id)) == 1

    await rig.settle()  # the refresh the action asked for lands
    workflows = rig.monitor.value(PipelineWorkflows(old.pipeline_id))
    assert answers[0] in {w.id for w in workflows}
    assert not actions.in_flight("rerun", old.id)
    # A deliberate second rerun, once the first is visible, is the user's call.
    await actions.rerun_workflow(old, from_failed=False)
    assert len(rerun_posts(rig, old.id)) == 2


async def test_an_effect_that_never_shows_releases_the_guard_after_the_timeout(rig: Rig) -> None:
    old = await failed_workflow(rig)
    actions = Actions(rig.monitor, clock=rig.clock)
    await actions.rerun_workflow(old, from_failed=True)
    # Every read fails from now on: the new workflow can never be seen.
    rig.sim.faults.server_error(500, method="GET")
    await rig.settle()
    assert actions.in_flight("rerun", old.id)
    rig.clock.t += EFFECT_TIMEOUT - 1
    await rig.settle()
    assert actions.in_flight("rerun", old.id)
    rig.clock.t += 1
    actions.sweep()  # what the app does every second
    # Its watch on the pipeline's workflows went with it (the feed's own stays).
    watchers = rig.monitor._entries[PipelineWorkflows(old.pipeline_id)].subscriptions
    assert len(watchers) == 1
    assert not actions.in_flight("rerun", old.id)


async def test_a_failed_post_releases_the_guard_at_once(rig: Rig) -> None:
    old = await failed_workflow(rig)
    actions = Actions(rig.monitor, clock=rig.clock)
    rig.sim.faults.server_error(500, method="POST", count=1)
    with pytest.raises(ServerError):
        await actions.rerun_workflow(old, from_failed=True)
    assert not actions.in_flight("rerun", old.id)
    await actions.rerun_workflow(old, from_failed=True)  # the user saw the error, tries again
    assert len(rerun_posts(rig, old.id)) == 2


async def test_approve_and_cancel_hold_until_the_jobs_show_it(rig: Rig) -> None:
    rig.start_feed(approvals=True)
    await rig.settle()
    actions = Actions(rig.monitor, clock=rig.clock)
    target = rig.approvals.approvals[0]
    await actions.approve(target.workflow, target.job)
    request_id = target.job.approval_request_id or target.job.id
    with pytest.raises(ActionInProgress, match="show it"):
        await actions.approve(target.workflow, target.job)
    await rig.settle()
    assert not actions.in_flight("approve", request_id)
    assert len(rig.sim.requests_matching("POST", r"/approve/")) == 1

    running = next(r for r in rig.feed.rows if r.status == "running").workflows[-1]
    await actions.cancel_workflow(running)
    with pytest.raises(ActionInProgress, match="show it"):
        await actions.cancel_workflow(running)
    await rig.settle()
    assert not actions.in_flight("cancel", running.id)
    assert len(rig.sim.requests_matching("POST", r"/cancel$")) == 1
