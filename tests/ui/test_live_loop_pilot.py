"""The always-on loop as a user meets it: what is on screen is fresh whoever else watches it,
and a 429 pauses everything, counts down, and holds a confirmed action until it may be sent.

The app's monitor and client run on a ``StepClock`` the test moves, the simulated world on its
own ``ManualClock``: nothing here waits for real time to pass.
"""

from __future__ import annotations

from circletui.ui.screens.workflow import WorkflowScreen
from circletui.ui.widgets.job_graph import JobGraph
from circletui.ui.widgets.location import StatusLine

from .harness import (
    StepClock,
    confirm,
    make_app,
    make_simulator,
    pass_time,
    select_workflow,
    settle,
)

INTERVAL = 5


def status_line(app) -> str:
    return app.screen.query_one(StatusLine).render().plain


def gets(sim, path: str) -> int:
    return len(sim.requests_matching("GET", f"^{path}$"))


async def test_an_open_graph_is_refetched_within_one_interval_though_a_watcher_had_it_slow():
    sim = make_simulator()
    clock = StepClock()
    app = make_app(sim, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # A few seconds on the pipelines list first, as a user does.
        await pass_time(pilot, clock, 3, sim=sim)
        line = next(ln for ln in app.screen.lines if ln.workflow
                    and ln.workflow.status == "running"
                    and any(j.status in ("queued", "blocked", "not_running", "running")
                            for j in sim.world.jobs_of(ln.workflow.id)))
        workflow = line.workflow
        jobs_path = f"/api/v2/workflow/{workflow.id}/job"
        # The approvals watcher already holds this workflow's jobs, at its slow cadence.
        assert gets(sim, jobs_path) == 1
        await select_workflow(pilot, workflow.id)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WorkflowScreen)
        graph = app.screen.query_one(JobGraph)
        shown_at_open = {j.id: j.status for j in graph.jobs}
        # A minute passes in the world (jobs start and finish), one interval for the app.
        sim.clock.advance(60)
        sim.world.sync()
        now_in_world = {j.id: j.status for j in sim.world.jobs_of(workflow.id)}
        assert now_in_world != shown_at_open
        await pass_time(pilot, clock, INTERVAL)
        assert gets(sim, jobs_path) == 2, "re-fetched within one interval of being shown"
        assert {j.id: j.status for j in graph.jobs} == now_in_world


async def test_a_429_pauses_every_request_counts_down_and_holds_a_confirmed_rerun():
    sim = make_simulator()
    clock = StepClock()
    app = make_app(sim, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert status_line(app).startswith("● live")
        failed = next(ln.workflow for ln in app.screen.lines
                      if ln.workflow and ln.workflow.status == "failed")
        await select_workflow(pilot, failed.id)
        # CircleCI throttles the next pipeline list poll: 30 s, the whole token.
        sim.faults.rate_limit(retry_after=30, count=1, path=r"^/api/v2/pipeline$")
        await pilot.press("ctrl+r")
        for _ in range(200):
            await pilot.pause()
            if "rate limiting" in status_line(app):
                break
        assert "CircleCI is rate limiting (429), retrying in 30 s" in status_line(app)
        sent = len(sim.requests)

        # Ten seconds on: nothing at all was sent, and the countdown moved (at the status
        # line's next once-a-second look at the clock).
        await pass_time(pilot, clock, 10, wait=False)
        for _ in range(100):
            await pilot.pause(0.05)
            if "retrying in 20 s" in status_line(app):
                break
        assert len(sim.requests) == sent
        assert "retrying in 20 s" in status_line(app)

        # The user reruns the failed workflow meanwhile: held, and said so...
        await confirm(pilot, "r", wait=False)
        for _ in range(20):
            await pilot.pause()
        assert any("rerun held, sent in 20 s" in note for note in app.notes)
        # ...and confirming it again does not queue a second one.
        await confirm(pilot, "r", wait=False)
        for _ in range(20):
            await pilot.pause()
        assert any("already sent" in note for note in app.notes)
        rerun = f"^/api/v2/workflow/{failed.id}/rerun$"
        assert sim.requests_matching("POST", rerun) == []
        assert len(sim.requests) == sent

        # The pause ends: the rerun goes out exactly once, and polling resumes.
        await pass_time(pilot, clock, 20, wait=False)
        for _ in range(200):
            await pilot.pause()
            if sim.requests_matching("POST", rerun) and "Rerunning" in " ".join(app.notes):
                break
        await settle(pilot)
        assert len(sim.requests_matching("POST", rerun)) == 1
        assert sim.requests_matching("POST", rerun)[0].json == {"from_failed": True}
        assert status_line(app).startswith("● live")


async def test_behind_an_open_graph_the_list_is_polled_once_a_minute_and_the_jobs_each_interval():
    sim = make_simulator()
    clock = StepClock()
    app = make_app(sim, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        workflow = next(ln.workflow for ln in app.screen.lines if ln.workflow
                        and ln.workflow.status == "running")
        await select_workflow(pilot, workflow.id)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WorkflowScreen)
        before = len(sim.requests)
        for _ in range(12):  # one minute; the world stands still, so nothing finishes
            await pass_time(pilot, clock, INTERVAL)
        paths = [r.path for r in sim.requests[before:]]
        jobs = f"/api/v2/workflow/{workflow.id}/job"
        assert paths.count(jobs) == 12, "the graph in front: every interval"
        assert paths.count("/api/v2/pipeline") == 1, "the list behind it: once a minute"
        # The workflow's own status comes from its pipeline's workflow list, fetched when
        # its jobs change: they did not, so once a minute like everything else behind.
        assert paths.count(f"/api/v2/pipeline/{workflow.pipeline_id}/workflow") == 1
        assert len(paths) < 2 * 12, "at most twice the minimum (its jobs every interval)"
