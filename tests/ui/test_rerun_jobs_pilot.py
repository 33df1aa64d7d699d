"""Rerunning chosen jobs from the graph: marked jobs (Space, then J) and one job with SSH (S),
driven with keys against the simulator, checking what CircleCI received."""

from __future__ import annotations

from circletui.ui.screens.confirm import ConfirmScreen
from circletui.ui.screens.job import JobScreen
from circletui.ui.screens.workflow import WorkflowScreen, connected_parts
from circletui.ui.widgets.job_graph import JobGraph

from .harness import (
    StepClock,
    confirm,
    make_app,
    make_simulator,
    open_workflow,
    pass_time,
    settle,
    visible_text,
)


def reruns(sim, workflow_id: str):
    return sim.requests_matching("POST", rf"/workflow/{workflow_id}/rerun$")


def rerun_workflows(sim, wf):
    return [w for w in sim.world.workflows_of(wf.pipeline_id)
            if w.rerun_of is not None and w.rerun_of.id == wf.id]


async def test_marked_jobs_are_rerun_and_nothing_else():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wf = await open_workflow(pilot, status="failed")
        graph = app.screen.query_one(JobGraph)
        assert "Rerun marked" not in visible_text(app)  # nothing marked: not offered

        # Mark the first job, move on, mark the next; a second Space on it unmarks it again.
        first = graph.selected_job
        await pilot.press("space", "right", "space")
        second = graph.selected_job
        assert second.id != first.id
        await pilot.press("space")
        await settle(pilot)
        assert graph.marked == {first.id}
        await pilot.press("space")
        await settle(pilot)
        assert graph.marked == {first.id, second.id}
        assert "◆" in visible_text(app)  # marks read without colour
        assert "Rerun marked" in visible_text(app)

        reruns_before = rerun_workflows(sim, wf)
        await confirm(pilot, "J")
        await settle(pilot)
        sent = reruns(sim, wf.id)
        assert len(sent) == 1
        body = sent[0].json
        assert sorted(body["jobs"]) == sorted([first.id, second.id])
        assert "from_failed" not in body and "enable_ssh" not in body
        assert len(rerun_workflows(sim, wf)) == len(reruns_before) + 1


async def test_declining_the_dialog_sends_nothing():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wf = await open_workflow(pilot, status="failed")
        await pilot.press("space")
        await confirm(pilot, "J", answer="n")
        await settle(pilot)
        assert reruns(sim, wf.id) == []
        assert isinstance(app.screen, WorkflowScreen)


async def test_rerun_with_ssh_opens_the_new_job_with_its_ssh_command():
    sim = make_simulator()
    clock = StepClock()
    app = make_app(sim, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wf = await open_workflow(pilot, status="failed")
        graph = app.screen.query_one(JobGraph)
        failed = next(j for j in graph.jobs if j.status == "failed")
        graph.selected_id = failed.id
        await settle(pilot)

        await pilot.press("S")
        for _ in range(200):
            if isinstance(app.screen, ConfirmScreen):
                break
            await pilot.pause()
        assert "with SSH" in visible_text(app)
        await pilot.press("y")
        await settle(pilot)
        sent = reruns(sim, wf.id)
        assert len(sent) == 1
        assert sent[0].json == {"jobs": [failed.id], "enable_ssh": True}

        # The new job opens once CircleCI lists it with a number (it is queued first).
        for _ in range(30):
            await pass_time(pilot, clock, 5, sim=sim)
            if isinstance(app.screen, JobScreen):
                break
        assert isinstance(app.screen, JobScreen)
        assert app.screen.job.name == failed.name
        assert app.screen.workflow.id != wf.id

        # Its "Enable SSH" step prints the command: shown over the tabs, y copies it.
        for _ in range(30):
            if "SSH: ssh -p" in visible_text(app):
                break
            await pass_time(pilot, clock, 5, sim=sim)
        summary = visible_text(app)
        assert "SSH: ssh -p" in summary and "(y copies)" in summary
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard.startswith("ssh -p ") and app.clipboard in summary
        assert any(note == f"Copied {app.clipboard}" for note in app.notes)
        # Found once: the SSH step's output is no longer polled for it.
        assert app.screen.steps.ssh_output not in app.screen.resources() or \
            app.screen.steps.ssh_output == app.screen.steps.output


def test_disconnected_parts_are_counted():
    from circletui.api.models import Job

    def job(job_id: str, *deps: str) -> Job:
        return Job.from_api({"id": job_id, "name": job_id, "type": "build",
                             "status": "success", "dependencies": list(deps)})

    assert connected_parts([job("a"), job("b", "a"), job("c", "b")]) == 1
    assert connected_parts([job("a"), job("b", "a"), job("x"), job("y", "x")]) == 2
    assert connected_parts([]) == 0
