"""The simulated world's behaviour: job DAG order, approvals, failures, cancel, rerun, trigger,
history and determinism. Time only moves through a ManualClock."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest

from circletui.simulator import ManualClock, SimulationError, World
from circletui.simulator.model import FAILED_JOB_STATUSES
from circletui.simulator.serialize import job_item_json, pipeline_json, workflow_json


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def world(clock: ManualClock) -> World:
    return World(seed=0, clock=clock)


def advance(world: World, clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds)
    world.sync()


def assert_dag_respected(world: World) -> None:
    for wf in world.workflows:
        by_id = {job.id: job for job in wf.jobs}
        for job in wf.jobs:
            if job.carried:
                continue
            began = job.queued_at if job.type == "build" else job.started_at
            if began is None:
                continue
            assert began >= wf.created_at, (wf.name, job.name)
            for dep_id in job.dependencies:
                dep = by_id[dep_id]
                assert dep.status == "success", (wf.name, job.name, dep.name, dep.status)
                assert dep.stopped_at is not None and dep.stopped_at <= began


def test_history_at_start_has_the_documented_mix(world: World) -> None:
    pipelines = world.pipelines
    assert len(pipelines) == 60
    assert [p.created_at for p in pipelines] == sorted(
        (p.created_at for p in pipelines), reverse=True
    )
    errored = [p for p in pipelines if p.state == "errored"]
    assert len(errored) == 1 and errored[0].workflows == []
    assert errored[0].errors[0][0] == "config"
    statuses = [wf.status for wf in world.workflows]
    assert statuses.count("on_hold") == 3
    assert statuses.count("failing") == 1
    assert statuses.count("running") >= 4
    assert statuses.count("canceled") == 3
    assert statuses.count("error") >= 1
    assert statuses.count("failed") >= 8
    nightly = world.find_workflow(name="nightly", status="running")
    assert nightly is not None and len(nightly.jobs) >= 24
    assert {p.project.slug.split("/")[0] for p in pipelines} == {"gh", "bb", "circleci"}
    tags = [p for p in pipelines if p.vcs and p.vcs.tag]
    assert tags and all(p.vcs.branch is None for p in tags)
    reruns = [wf for wf in world.workflows if wf.rerun_of is not None]
    assert len(reruns) == 2
    for rerun in reruns:
        assert rerun.pipeline is rerun.rerun_of.pipeline and rerun.name == rerun.rerun_of.name
    subjects = [p.vcs.subject for p in pipelines if p.vcs and p.vcs.subject]
    assert any("[bold red]not markup[/]" in s and "\x1b[2J" in s for s in subjects)
    assert any(s and not s.isascii() for s in subjects)
    triggers = {p.trigger_type for p in pipelines}
    assert triggers == {"webhook", "api", "scheduled_pipeline", "explicit"}
    assert world.find_on_hold_approval() is not None
    assert world.find_failed_workflow() is not None
    assert world.find_running_workflow() is not None


def test_jobs_never_start_before_their_dependencies_succeeded(
    world: World, clock: ManualClock
) -> None:
    assert_dag_respected(world)
    live = World(seed=3, clock=clock, live=True)
    for _ in range(40):
        advance(live, clock, 37)
        assert_dag_respected(live)
    assert len(live.pipelines) > 60


def test_job_numbers_follow_queue_order_within_a_project(world: World) -> None:
    for project in world.projects:
        jobs = [
            job
            for wf in world.workflows
            for job in wf.jobs
            if wf.project is project and job.number is not None and not job.carried
        ]
        by_number = sorted(jobs, key=lambda job: job.number)
        began = [job.queued_at or job.started_at for job in by_number]
        assert began == sorted(began)
        assert len({job.number for job in jobs}) == len(jobs)


def test_approval_holds_dependents_blocked_and_workflow_on_hold(
    world: World, clock: ManualClock
) -> None:
    wf, approval = world.find_on_hold_approval()
    assert wf.status == "on_hold"
    assert approval.type == "approval" and approval.started_at is not None
    dependents = [job for job in wf.jobs if approval.id in job.dependencies]
    assert dependents and all(job.status == "blocked" for job in dependents)
    advance(world, clock, 6 * 3600)
    assert wf.status == "on_hold" and approval.status == "on_hold"
    assert all(job.status == "blocked" for job in dependents)


def test_approve_releases_the_dependents(world: World, clock: ManualClock) -> None:
    wf, approval = world.find_on_hold_approval()
    world.approve(wf.id, approval.id)
    assert approval.status == "success"
    assert approval.approved_by is world.me and approval.stopped_at == world.now
    dependents = [job for job in wf.jobs if approval.id in job.dependencies]
    advance(world, clock, 5)
    assert all(job.status in ("queued", "running") for job in dependents)
    assert wf.status == "running"
    advance(world, clock, 3600)
    assert wf.finished and wf.status in ("success", "failed", "error")
    assert_dag_respected(world)


def test_approving_twice_or_a_build_job_is_refused(world: World) -> None:
    wf, approval = world.find_on_hold_approval()
    world.approve(wf.id, approval.id)
    with pytest.raises(SimulationError) as info:
        world.approve(wf.id, approval.id)
    assert info.value.status == 400
    build = next(job for job in wf.jobs if job.type == "build")
    with pytest.raises(SimulationError):
        world.approve(wf.id, build.id)


def test_a_failure_makes_the_workflow_failing_then_failed(world: World, clock: ManualClock) -> None:
    wf = world.find_workflow(status="failing")
    assert wf is not None
    failed = [job for job in wf.jobs if job.status in FAILED_JOB_STATUSES]
    running = [job for job in wf.jobs if job.status == "running"]
    assert failed and running and wf.stopped_at is None
    downstream = next(job for job in wf.jobs if job.name == "build-image")
    assert downstream.status == "blocked"
    advance(world, clock, 1800)
    assert wf.status == "failed" and wf.finished
    assert downstream.status == "not_run" and downstream.number is None
    assert wf.stopped_at == max(job.stopped_at for job in wf.jobs if job.stopped_at)


def test_cancel_workflow_cancels_everything_still_active(world: World, clock: ManualClock) -> None:
    wf = world.find_running_workflow()
    active = [job for job in wf.jobs if job.status in ("blocked", "queued", "running")]
    done = {job.id: job.status for job in wf.jobs if job not in active}
    world.cancel_workflow(wf.id)
    assert wf.status == "canceled" and wf.canceled_by is world.me
    assert wf.stopped_at == world.now
    assert all(job.status == "canceled" for job in active)
    assert {job.id: job.status for job in wf.jobs if job.id in done} == done
    advance(world, clock, 3600)
    assert wf.status == "canceled"
    with pytest.raises(SimulationError):
        world.cancel_workflow(wf.id)


def test_cancel_job_cancels_only_that_job(world: World, clock: ManualClock) -> None:
    wf = world.find_workflow(name="nightly", status="running")
    job = next(job for job in wf.jobs if job.status == "running")
    others = [other for other in wf.jobs if other.status == "running" and other is not job]
    world.cancel_job(job)
    assert job.status == "canceled" and job.canceled_by is world.me
    assert all(other.status == "running" for other in others)
    advance(world, clock, 4 * 3600)
    assert wf.finished
    dependents = [other for other in wf.jobs if job.id in other.dependencies]
    assert dependents and all(other.status == "not_run" for other in dependents)
    assert wf.status in ("canceled", "failed", "error")


def test_rerun_from_failed_keeps_successful_jobs_and_their_numbers(
    world: World, clock: ManualClock
) -> None:
    old = world.find_failed_workflow()
    old_jobs = {job.name: job for job in old.jobs}
    new = world.rerun_workflow(old.id, from_failed=True)
    assert new.id != old.id and new.name == old.name and new.pipeline is old.pipeline
    assert new in world.workflows_of(old.pipeline.id)
    assert old.status == "failed"
    highest_old = max(job.number for job in old.jobs if job.number is not None)
    for job in new.jobs:
        before = old_jobs[job.name]
        if before.status == "success":
            assert job.status == "success" and job.number == before.number
        else:
            assert job.number is None and job.status == "blocked"
            assert job.retry_of == before.number
    advance(world, clock, 2 * 3600)
    assert new.finished
    rerun = [job for job in new.jobs if not job.carried and job.number is not None]
    assert rerun and all(job.number > highest_old for job in rerun)
    assert_dag_respected(world)


def test_full_rerun_reruns_every_job(world: World, clock: ManualClock) -> None:
    old = world.find_workflow(status="success", name="build-and-test")
    new = world.rerun_workflow(old.id)
    assert len(new.jobs) == len(old.jobs)
    assert all(not job.carried and job.number is None for job in new.jobs)
    assert [job.name for job in new.jobs] == [job.name for job in old.jobs]
    advance(world, clock, 2)
    assert new.status == "running"


def test_rerun_selected_jobs_reruns_them_and_their_dependents(world: World) -> None:
    old = world.find_workflow(
        status="success", name="build-and-test", where=lambda wf: len(wf.jobs) == 5
    )
    lint = next(job for job in old.jobs if job.name == "lint")
    new = world.rerun_workflow(old.id, jobs=[lint.id], enable_ssh=True)
    rerun = {job.name for job in new.jobs if not job.carried}
    assert rerun == {"lint", "build-image"}
    assert next(job for job in new.jobs if job.name == "lint").ssh_enabled


@pytest.mark.parametrize(
    ("status", "options", "fragment"),
    [
        ("success", {"from_failed": True}, "did not fail"),
        ("failed", {"from_failed": True, "jobs": ["x"]}, "mutually exclusive"),
        ("failed", {"enable_ssh": True}, "requires the jobs"),
        ("failed", {"sparse_tree": True}, "requires the jobs"),
        ("failed", {"jobs": ["0d4a1b9e-0000-4000-8000-000000000000"]}, "not part of"),
        ("running", {}, "still active"),
    ],
)
def test_rerun_refusals(world: World, status: str, options: dict, fragment: str) -> None:
    wf = world.find_workflow(status=status)
    count = len(world.workflows)
    with pytest.raises(SimulationError) as info:
        world.rerun_workflow(wf.id, **options)
    assert info.value.status == 400 and fragment in info.value.message
    assert len(world.workflows) == count


def test_trigger_creates_a_pending_pipeline_whose_workflow_appears_then_runs(
    world: World, clock: ManualClock
) -> None:
    before = world.projects[0].next_pipeline_number
    pipeline = world.trigger_pipeline("github/acme/api", branch="feature/csv-export")
    assert pipeline.state == "pending" and pipeline.number == before
    assert world.pipelines[0] is pipeline and pipeline.workflows == []
    assert pipeline.actor is world.me and pipeline.trigger_type == "api"
    advance(world, clock, 3)
    assert pipeline.state == "created"
    (wf,) = pipeline.workflows
    assert wf.name == "build-and-test" and wf.status == "running"
    assert [job.name for job in wf.jobs] == [
        "checkout",
        "lint",
        "unit-tests",
        "integration-tests",
        "build-image",
    ]
    advance(world, clock, 3600)
    assert wf.finished and wf.stopped_at is not None


def test_trigger_on_a_tag_runs_the_release_workflow(world: World, clock: ManualClock) -> None:
    pipeline = world.trigger_pipeline("gh/acme/api", tag="v9.9.9")
    advance(world, clock, 3)
    assert pipeline.vcs.branch is None and pipeline.vcs.tag == "v9.9.9"
    assert [wf.name for wf in pipeline.workflows] == ["release"]


def test_trigger_with_undeclared_parameters_errors_the_pipeline(
    world: World, clock: ManualClock
) -> None:
    pipeline = world.trigger_pipeline("gh/acme/web", parameters={"deploy": True})
    advance(world, clock, 3)
    assert pipeline.state == "errored" and pipeline.workflows == []
    assert pipeline.errors == [("config", "Unexpected argument(s): deploy")]


def test_trigger_refusals(world: World) -> None:
    with pytest.raises(SimulationError) as info:
        world.trigger_pipeline("gh/acme/nope")
    assert info.value.status == 404
    with pytest.raises(SimulationError):
        world.trigger_pipeline("gh/acme/api", branch="main", tag="v1")
    github_app = next(p for p in world.projects if p.slug.startswith("circleci/"))
    with pytest.raises(SimulationError):
        world.trigger_pipeline(github_app.slug)


def _snapshot(world: World) -> str:
    data = []
    for pipeline in world.pipelines:
        data.append(pipeline_json(pipeline, set()))
        for wf in pipeline.workflows:
            data.append(workflow_json(wf))
            data.extend(job_item_json(job, set()) for job in wf.jobs)
    return json.dumps(data)


def test_same_seed_gives_an_identical_world_and_other_seeds_differ() -> None:
    first = World(seed=7, clock=ManualClock())
    second = World(seed=7, clock=ManualClock())
    assert _snapshot(first) == _snapshot(second)
    other = World(seed=8, clock=ManualClock())
    assert _snapshot(other) != _snapshot(first)
    for world in (first, second):
        world.clock.advance(900)  # type: ignore[attr-defined]
        world.sync()
        world.trigger_pipeline("gh/acme/web")
        world.clock.advance(900)  # type: ignore[attr-defined]
        world.sync()
    assert _snapshot(first) == _snapshot(second)


def test_live_mode_brings_new_pipelines_on_a_seeded_schedule(clock: ManualClock) -> None:
    world = World(seed=0, clock=clock, live=True)
    start = len(world.pipelines)
    advance(world, clock, 600)
    arrived = world.pipelines[: len(world.pipelines) - start]
    assert 8 <= len(arrived) <= 40
    gaps = [(a.created_at - b.created_at) for a, b in itertools.pairwise(arrived)]
    assert all(timedelta(seconds=20) <= gap <= timedelta(seconds=60) for gap in gaps)
    quiet = World(seed=0, clock=ManualClock(), live=False)
    quiet.clock.advance(600)  # type: ignore[attr-defined]
    quiet.sync()
    assert len(quiet.pipelines) == 60


def test_sync_with_nothing_due_changes_nothing(world: World) -> None:
    # How long a sync takes is a benchmark figure (python -m benchmarks), not a test.
    world.sync()
    before = _snapshot(world)
    for _ in range(1_000):
        world.sync()
    assert _snapshot(world) == before
    assert len(world.active_workflows) <= 12


def test_the_clock_never_moves_the_world_backwards(world: World) -> None:
    now = world.now
    world.sync(now - timedelta(hours=1))
    assert world.now == now
