"""The monitor, the feeds and the actions against the simulator, in process.

``test_poller.py`` checks the scheduling rules with a scripted fake client; here the real
client talks to the simulated CircleCI over ``sim.transport()``, so the rules are checked
against what they are for: how many requests CircleCI actually receives, and what the
screen would show. Two clocks move in lockstep: the monitor's fake monotonic clock (which
decides what is due) and the simulator's ``ManualClock`` (which decides what has run). The
tests drive the monitor with ``poll_due()``; nothing sleeps: the test that needs requests to
overlap holds them at a gate (``Hold``) until it has looked.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC as ZoneUTC
from datetime import datetime

import anyio

from circletui.api import CircleCIClient, RetryPolicy, Unauthorized
from circletui.monitor import (
    Actions,
    Monitor,
    PendingApproval,
    PipelineFeed,
    PipelineRow,
    PipelineScope,
    WorkflowJobs,
    latest_attempts,
    pipeline_status,
)
from circletui.monitor.resources import is_moving
from circletui.simulator import ManualClock, Simulator
from circletui.simulator.model import TERMINAL_WORKFLOW_STATUSES
from circletui.status import is_active

from .rig import INTERVAL, LIST_PATH, SLOW, Hold, Rig


def workflows_path(pipeline_id: str) -> str:
    return f"/api/v2/pipeline/{pipeline_id}/workflow"


def active_ids(rows: list[PipelineRow]) -> set[str]:
    return {
        row.pipeline.id for row in rows if any(is_active(w.status) for w in row.workflows or ())
    }


def expected_status(world, pipeline) -> str:
    """The pipeline's status from the world's own records, by the rule the UI documents:
    errored config first, else the worst status among each workflow name's newest attempt."""
    if pipeline.state == "errored":
        return "errored"
    newest: dict[str, object] = {}
    for wf in sorted(pipeline.workflows, key=lambda w: w.created_at):
        newest[wf.name] = wf
    statuses = {wf.status for wf in newest.values()}
    for status in ("failing", "failed", "error", "on_hold", "running", "canceled", "success"):
        if status in statuses:
            return status
    raise AssertionError(statuses)


def finish_everything(rig: Rig) -> float:
    """Approve whatever waits (as a colleague in the web app would) until nothing is active.

    Returns the seconds of simulated time that took; only the simulator's clock moves.
    """
    world, waited = rig.world, 0.0
    for _ in range(30):
        for wf in list(world.workflows):
            for job in wf.jobs:
                if job.type == "approval" and job.status == "on_hold":
                    world.approve(wf.id, job.id)
        if not world.active_workflows:
            return waited
        rig.sim_clock.advance(300)
        world.sync()
        waited += 300
    raise AssertionError(f"still active: {world.active_workflows}")


# -- rows -----------------------------------------------------------------------------------


async def test_feed_rows_are_newest_first_with_workflows_and_derived_status(rig: Rig) -> None:
    rig.start_feed()
    await rig.settle()
    rows = rig.feed.rows
    shown = rig.world.pipelines[:20]  # the first page; the monitor reads no further
    assert [row.pipeline.id for row in rows] == [p.id for p in shown]
    created = [row.pipeline.created_at for row in rows]
    assert created == sorted(created, reverse=True)
    for row, pipeline in zip(rows, shown, strict=True):
        assert row.workflows is not None
        assert {w.id for w in row.workflows} == {wf.id for wf in pipeline.workflows}
        assert row.status == pipeline_status(row.pipeline, row.workflows)
        assert row.status == expected_status(rig.world, pipeline), pipeline.number
    statuses = Counter(row.status for row in rows)
    assert {"running", "failing", "on_hold", "success", "errored"} <= set(statuses)
    # A pipeline whose failed workflow was rerun to success shows the rerun's status.
    recovered = next(
        row
        for row in rows
        if Counter(w.name for w in row.workflows)["build-and-test"] == 2
        and {w.status for w in row.workflows if w.name == "build-and-test"} == {"failed", "success"}
    )
    assert recovered.status == "success"
    # The errored pipeline gets a row but no workflow poll.
    errored = next(row for row in rows if row.status == "errored")
    assert not rig.sim.requests_matching("GET", workflows_path(errored.pipeline.id) + "$")
    # One list request and one workflow list per shown pipeline with a config: nothing more.
    paths = Counter(r.path for r in rig.sim.requests)
    assert paths == Counter(
        [LIST_PATH] + [workflows_path(p.id) for p in shown if p.state != "errored"]
    )


# -- cadence --------------------------------------------------------------------------------


def finished_within(rows: list[PipelineRow], now: datetime, minutes: float) -> set[str]:
    """Pipelines with nothing active whose last workflow stopped less than ``minutes`` ago."""
    recent = set()
    for row in rows:
        stops = [w.stopped_at for w in row.workflows or () if w.stopped_at]
        if (row.workflows and not any(is_active(w.status) for w in row.workflows)
                and stops and (now - max(stops)).total_seconds() < minutes * 60):
            recent.add(row.pipeline.id)
    return recent


async def test_cadence_fast_while_running_then_slower_the_longer_ago_things_finished(
    rig: Rig,
) -> None:
    rig.start_feed()
    await rig.settle()
    shown = [row.pipeline.id for row in rig.feed.rows if row.status != "errored"]
    active_at_start = active_ids(rig.feed.rows)
    recent_at_start = finished_within(rig.feed.rows, rig.sim_clock.now(), 5)
    assert active_at_start and set(shown) - active_at_start - recent_at_start

    # Fast phase, one minute in 5 s ticks: the list every tick, a pipeline's workflows every
    # tick while its last answer had something active; finished ones not before 60 s, and
    # then only those that finished in the last 5 minutes (a rerun is likeliest then).
    fast_minute = 0
    for n in range(1, 13):
        previous = active_ids(rig.feed.rows)
        requests = await rig.tick()
        fast_minute += len(requests)
        expected = previous | (recent_at_start if n == 12 else set())
        assert sorted(path for _, path, _ in requests) == sorted(
            [LIST_PATH] + [workflows_path(pid) for pid in expected]
        ), n
        assert {status for _, _, status in requests} == {200}
    assert active_ids(rig.feed.rows)  # approvals are still waiting: still fast

    # Everything finishes (colleagues approve what waits); the monitor catches up at once
    # with what was running (and with what was due anyway in the time that took).
    active_before = active_ids(rig.feed.rows)
    waited = finish_everything(rig)
    rig.clock.t += waited
    before = len(rig.sim.requests)
    await rig.settle()
    catch_up = Counter(r.path for r in rig.sim.requests[before:])
    assert set(catch_up) >= {LIST_PATH} | {workflows_path(pid) for pid in active_before}
    assert set(catch_up.values()) == {1}
    assert active_ids(rig.feed.rows) == set()
    assert {row.status for row in rig.feed.rows} <= set(TERMINAL_WORKFLOW_STATUSES) | {"errored"}

    # The first minute after: the list once, the pipelines that just finished once each
    # (and those finished a while ago whose 5 or 15 minutes are up), nothing twice.
    just_finished = finished_within(rig.feed.rows, rig.sim_clock.now(), 4)
    assert just_finished
    requests = []
    for _ in range(12):
        requests += await rig.tick()
    paths = Counter(path for _, path, _ in requests)
    assert set(paths) >= {LIST_PATH} | {workflows_path(pid) for pid in just_finished}
    assert set(paths.values()) == {1}
    assert len(paths) < len(shown) + 1

    # An hour on, everything finished more than an hour ago: over half an hour, the list
    # once a minute and each pipeline's workflows every 15 minutes.
    for _ in range(60):
        await rig.tick(60)
    requests = []
    for _ in range(30):
        requests += await rig.tick(60)
    paths = Counter(path for _, path, _ in requests)
    assert paths[LIST_PATH] == 30
    assert {paths[workflows_path(pid)] for pid in shown} == {2}
    per_minute = len(requests) / 30
    assert per_minute <= 3, per_minute
    assert fast_minute >= 12 * (1 + 3) > per_minute


async def test_finished_workflow_jobs_are_fetched_once_running_ones_until_they_finish(
    rig: Rig,
) -> None:
    world = rig.world
    done = world.find_workflow(status="success", name="build-and-test")
    running = world.find_workflow(status="running", name="build-and-test")
    seen: dict[str, list[tuple]] = {done.id: [], running.id: []}
    for wf in (done, running):
        rig.monitor.subscribe(WorkflowJobs(wf.id), seen[wf.id].append)
    await rig.settle()

    def gets(wf_id: str) -> int:
        return len(rig.sim.requests_matching("GET", f"/api/v2/workflow/{wf_id}(/job)?$"))

    # One page of jobs each; the workflow itself comes from its pipeline's list.
    assert gets(done.id) == gets(running.id) == 1
    polls_while_running = 0
    for _ in range(600):
        if not any(is_moving(j.status) for j in seen[running.id][-1]):
            break
        await rig.tick()
        polls_while_running += 1
    assert running.finished
    assert {j.id: j.status for j in seen[running.id][-1]} == {
        j.id: j.status for j in world.jobs_of(running.id)}
    # Every tick while it ran (and the one that saw it end), and not once after.
    assert gets(running.id) == 1 + polls_while_running
    for _ in range(24):  # two more minutes
        assert await rig.tick() == []
    assert gets(running.id) == 1 + polls_while_running
    assert gets(done.id) == 1 and len(seen[done.id]) == 1
    assert rig.monitor.next_due() == float("inf")


async def test_never_two_requests_in_flight_for_one_resource(rig: Rig) -> None:
    hold = rig.transport.inner = Hold(rig.transport.inner)
    rig.start_feed()
    async with anyio.create_task_group() as tg:
        tg.start_soon(rig.settle)
        await hold.wait_for(1)
        # The list is in flight: asking again (Ctrl+R) must not send a second request...
        rig.monitor.refresh()
        assert await rig.monitor.poll_due() == 0
        hold.release()
    # ...but the answer that may predate the refresh is followed by a fresh poll at once.
    assert len(rig.sim.requests_matching("GET", LIST_PATH + "$")) == 2

    # A full round with everything due (finished pipelines are due at different times, so
    # a refresh makes it everything), polled from two tasks at once.
    rig.clock.t += SLOW
    rig.sim_clock.advance(SLOW)
    rig.monitor.refresh()
    before = len(rig.sim.requests)
    hold.close_gate()
    async with anyio.create_task_group() as tg:
        tg.start_soon(rig.settle)
        tg.start_soon(rig.settle)
        await hold.wait_for(4)  # as many as the monitor lets overlap
        rig.monitor.refresh()  # and a refresh of everything while the round is in flight
        hold.release()
    paths = Counter(r.path for r in rig.sim.requests[before:])
    assert rig.transport.max_total == 4  # max_concurrency requests overlapped...
    assert set(rig.transport.max_per_url.values()) == {1}  # ...never two for one URL
    # Every resource was taken by the first round (the second task found nothing due), and
    # the refresh that arrived mid-round made each one poll exactly once more, afterwards.
    shown = [row.pipeline.id for row in rig.feed.rows if row.status != "errored"]
    assert paths == Counter({path: 2 for path in [LIST_PATH, *map(workflows_path, shown)]})


# -- approvals and actions ----------------------------------------------------------------


def world_approvals(rig: Rig) -> set[tuple[str, str]]:
    return {
        (wf.id, job.id)
        for pipeline in rig.world.pipelines[:20]
        for wf in pipeline.workflows
        for job in wf.jobs
        if job.type == "approval" and job.status == "on_hold"
    }


def feed_approvals(rig: Rig) -> set[tuple[str, str]]:
    return {(a.workflow.id, a.job.id) for a in rig.approvals.approvals}


async def test_approval_feed_lists_exactly_the_on_hold_approvals_and_drops_an_approved_one(
    rig: Rig,
) -> None:
    rig.start_feed(approvals=True)
    await rig.settle()
    expected = world_approvals(rig)
    assert len(expected) == 3
    assert feed_approvals(rig) == expected
    assert all(isinstance(a, PendingApproval) for a in rig.approvals.approvals)
    waiting = [a.waiting_since for a in rig.approvals.approvals]
    assert waiting == sorted(waiting)  # longest waiting first

    target = rig.approvals.approvals[0]
    before = len(rig.sim.requests)
    answer = await Actions(rig.monitor).approve(target.workflow, target.job)
    assert answer == "Accepted."
    await rig.settle()  # the refresh the action asked for; no clock movement
    posts = [r for r in rig.sim.requests[before:] if r.method == "POST"]
    assert [(r.path, r.status) for r in posts] == [
        (f"/api/v2/workflow/{target.workflow.id}/approve/{target.job.id}", 202)
    ]
    assert feed_approvals(rig) == expected - {(target.workflow.id, target.job.id)}
    assert feed_approvals(rig) == world_approvals(rig)
    row = next(r for r in rig.feed.rows if r.pipeline.id == target.pipeline.id)
    assert row.status == "running"


async def test_approvals_are_looked_for_only_where_one_can_still_come_to_wait(rig: Rig) -> None:
    rig.start_feed(approvals=True)
    await rig.settle()
    holding = {wf.id: wf for row in rig.feed.rows for wf in row.workflows or ()
               if wf.status in ("on_hold", "failing", "running")}
    pending = {wid for wid in holding
               if any(j.type == "approval" and j.status in ("blocked", "on_hold")
                      for j in rig.world.jobs_of(wid))}
    running_with_pending = {wid for wid in pending if holding[wid].status != "on_hold"}
    assert set(holding) - pending, "some running workflows have no approval to wait for"
    assert running_with_pending and pending - running_with_pending
    # Five minutes: each workflow that could hold one had its jobs fetched once at the
    # start; after that only running ones with an approval still to come, once a minute.
    requests = []
    for _ in range(60):
        requests += await rig.tick()
    jobs = Counter(path.split("/")[4] for _, path, _ in requests if path.endswith("/job"))
    assert jobs, "running workflows with an approval to come are still watched"
    assert not set(jobs) & (set(holding) - pending), "no approval in it: never again"
    assert not set(jobs) & (pending - running_with_pending), "on hold: not until it moves"
    assert all(count <= 6 for count in jobs.values())
    assert feed_approvals(rig) == world_approvals(rig)


async def test_rerun_from_failed_sends_one_post_and_the_new_workflow_shows_at_once(
    rig: Rig,
) -> None:
    rig.start_feed()
    await rig.settle()
    failing = next(row for row in rig.feed.rows if row.status == "failing")
    for _ in range(200):  # watch it until it fails for good
        if failing.status != "failing":
            break
        await rig.tick()
        failing = next(r for r in rig.feed.rows if r.pipeline.id == failing.pipeline.id)
    assert failing.status == "failed"
    (old,) = failing.workflows

    before = len(rig.sim.requests)
    new_id = await Actions(rig.monitor).rerun_workflow(old, from_failed=True)
    await rig.settle()  # no tick: the action's refresh alone
    posts = [r for r in rig.sim.requests[before:] if r.method == "POST"]
    assert [(r.path, r.json, r.status) for r in posts] == [
        (f"/api/v2/workflow/{old.id}/rerun", {"from_failed": True}, 202)
    ]
    row = next(r for r in rig.feed.rows if r.pipeline.id == failing.pipeline.id)
    assert {w.id for w in row.workflows} == {old.id, new_id}
    (latest,) = latest_attempts(row.workflows)
    assert latest.id == new_id and row.status == "running"


# -- errors ---------------------------------------------------------------------------------


async def test_revoked_token_keeps_the_rows_and_recovers_when_the_fault_goes(rig: Rig) -> None:
    rig.start_feed()
    await rig.settle()
    assert rig.monitor.health.state == "ok"
    rows = rig.feed.rows
    emitted = len(rig.emitted)
    cached = rig.monitor.value(rig.feed.list_resource)
    # Nothing finished in the last 10 minutes: finished pipelines are checked every 5 or 15.
    assert not finished_within(rows, rig.sim_clock.now(), 10)

    fault = rig.sim.faults.revoke_token()
    revoked_at = rig.clock.t + INTERVAL
    requests = await rig.tick()
    assert requests and {status for _, _, status in requests} == {401}
    health = rig.monitor.health
    assert (health.state, health.message) == ("unauthorized", "token rejected (401)")
    assert health.retry_at == revoked_at + SLOW  # a 401 waits the slow interval, not 5 s
    assert isinstance(rig.errors[-1], Unauthorized)
    assert rig.feed.rows is rows and len(rig.emitted) == emitted
    assert rig.monitor.value(rig.feed.list_resource) == cached

    # Nothing is retried early; only resources due anyway are polled until the backoff ends.
    rig.sim.faults.remove(fault)
    quiet = []
    for _ in range(11):
        quiet += await rig.tick()
    assert quiet == []
    assert rig.monitor.health.state == "unauthorized"  # the failed ones have not retried yet
    requests = await rig.tick()  # the backoff is over
    assert LIST_PATH in {p for _, p, _ in requests} and {s for _, _, s in requests} == {200}
    health = rig.monitor.health
    assert health.state == "ok" and health.last_success == rig.sim_clock.now()
    assert isinstance(health.last_success, datetime)
    assert [row.pipeline.id for row in rig.feed.rows] == [row.pipeline.id for row in rows]


async def test_a_new_pipeline_without_workflows_is_looked_at_fast():
    """A just-triggered pipeline has no workflows for a moment: they must show up at the fast
    rate, not after the slow one."""
    from circletui.monitor import PipelineWorkflows

    sim = Simulator(seed=7, clock=ManualClock())
    client = CircleCIClient(sim.token, "http://sim.test", transport=sim.transport(),
                            retry=RetryPolicy(max_attempts=1))
    t = [0.0]
    monitor = Monitor(client, interval=5, slow_interval=60, clock=lambda: t[0],
                      wall_clock=sim.clock.now)
    rows = []
    feed = PipelineFeed(monitor, PipelineScope(org="gh/acme"), rows.append, now=sim.clock.now)
    feed.start()
    await monitor.poll_due()
    await monitor.poll_due()
    created = sim.world.trigger_pipeline("gh/acme/web", branch="main")
    monitor.refresh(feed.list_resource)
    await monitor.poll_due()
    await monitor.poll_due()
    newest = rows[-1][0]
    assert newest.pipeline.id == created.id and newest.workflows == ()
    sim.clock.advance(5)
    t[0] += 5
    await monitor.poll_due()
    assert monitor.next_due() <= t[0] + 5
    newest = rows[-1][0]
    assert newest.workflows, "its workflows appeared at the next fast poll"
    assert PipelineWorkflows(created.id) in monitor.subscribed
    await client.aclose()


async def test_a_feed_out_of_sight_polls_slowly_and_catches_up_when_shown_again(rig: Rig) -> None:
    rig.start_feed()
    await rig.settle()
    active = active_ids(rig.feed.rows)
    assert active
    # The user opens a workflow's graph: the list behind it is out of sight.
    rig.feed.set_background(True)
    requests = []
    for _ in range(24):  # two minutes
        requests += await rig.tick()
    paths = Counter(path for _, path, _ in requests)
    assert paths[LIST_PATH] == 2, "the list once a minute, not every 5 s"
    assert max(paths.values()) <= 2, "nothing faster than the slow interval"
    assert {workflows_path(pid) for pid in active} <= set(paths)
    # Back to the list half a minute after the last slow round: what runs is older than an
    # interval, so it is fetched at once, then every interval again.
    assert await rig.tick(30) == []
    rig.feed.set_background(False)
    requests = await rig.tick(0)
    assert {LIST_PATH} | {workflows_path(pid) for pid in active_ids(rig.feed.rows)} <= {
        path for _, path, _ in requests
    }
    requests = await rig.tick()
    assert LIST_PATH in {path for _, path, _ in requests}


def test_a_finished_pipeline_is_checked_less_often_the_longer_ago_it_finished() -> None:
    from datetime import timedelta

    from circletui.api.models import Workflow
    from circletui.monitor import Cadence, PipelineWorkflows

    stopped = datetime(2026, 1, 1, 12, 0, tzinfo=ZoneUTC)
    done = (Workflow.from_api({"id": "w", "name": "build", "status": "failed",
                               "created_at": "2026-01-01T11:50:00Z",
                               "stopped_at": "2026-01-01T12:00:00Z"}),)
    running = (Workflow.from_api({"id": "w", "name": "build", "status": "running",
                                  "created_at": "2026-01-01T11:50:00Z"}),)
    resource = PipelineWorkflows("p")
    assert done[0].stopped_at == stopped
    at = [resource.cadence_at(done, stopped + timedelta(minutes=m)) for m in (1, 4, 6, 29, 31)]
    assert at == [Cadence.SLOW, Cadence.SLOW, Cadence.RARE, Cadence.RARE, Cadence.DORMANT]
    assert resource.cadence_at(running, stopped + timedelta(days=2)) is Cadence.FAST
