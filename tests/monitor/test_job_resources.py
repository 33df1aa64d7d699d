"""The job screen's resources against the simulator: v1.1 builds, step output keyed by step
and run (never by its pre-signed URL), tests and artifacts, and their cadences."""

from __future__ import annotations

import pytest

from circletui.api import CircleCIClient, RetryPolicy
from circletui.api.errors import NotFound
from circletui.api.v1models import Build
from circletui.monitor import Cadence, Monitor
from circletui.monitor.job_resources import (
    JobArtifacts,
    JobBuild,
    JobTests,
    OutputSnapshot,
    StepOutput,
    output_urls,
    supports_v1,
)
from circletui.simulator import ManualClock, Simulator, jobdata

HOST = "http://circleci.test"


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=7, clock=ManualClock())


@pytest.fixture
async def client(sim):
    client = CircleCIClient(sim.token, HOST, transport=sim.transport(),
                            retry=RetryPolicy(max_attempts=1))
    yield client
    await client.aclose()


def find_job(sim, status: str, name: str, slug: str = "gh/acme/web"):
    return next(j for wf in sim.world.workflows for j in wf.jobs
                if j.project.slug == slug and j.status == status and name in j.spec.name
                and j.number is not None)


def test_v1_is_for_github_and_bitbucket_slugs_only():
    assert supports_v1("gh/acme/api") and supports_v1("github/acme/api")
    assert supports_v1("bb/acme/infra") and supports_v1("bitbucket/acme/infra")
    assert not supports_v1("circleci/0fd630f1/6b4cb242")
    assert not supports_v1("gh/acme") and not supports_v1("gh//api")


async def test_job_build_is_fast_while_running_and_done_after(sim, client):
    running = find_job(sim, "running", "integration-tests")
    finished = find_job(sim, "failed", "unit-tests")
    build = await JobBuild(running.project.slug, running.number).fetch(client)
    assert isinstance(build, Build) and build.build_num == running.number
    assert JobBuild("x/y/z", 1).cadence(build) is Cadence.FAST
    done = await JobBuild(finished.project.slug, finished.number).fetch(client)
    assert JobBuild("x/y/z", 1).cadence(done) is Cadence.DONE


async def test_step_output_uses_the_url_the_build_poll_saw(sim, client):
    job = find_job(sim, "failed", "unit-tests")
    slug = job.project.slug
    await JobBuild(slug, job.number).fetch(client)
    sim.requests.clear()
    snapshot = await StepOutput(slug, job.number, 104, job.failing_index).fetch(client)
    assert [r.path for r in sim.requests] == [f"/output/{job.id}/104/{job.failing_index}"]
    assert snapshot.chunks[-1]["message"] == "Exited with code 1"
    assert not snapshot.running
    assert StepOutput(slug, job.number, 104, 0).cadence(snapshot) is Cadence.DONE


async def test_step_output_reads_the_build_itself_when_it_has_no_url(sim, client):
    job = find_job(sim, "failed", "lint")
    snapshot = await StepOutput(job.project.slug, job.number, 101, 0).fetch(client)
    assert [r.path.split("/")[1] for r in sim.requests] == ["api", "output"]
    assert any("HEAD is now at" in c["message"] for c in snapshot.chunks)


async def test_an_expired_output_url_is_replaced_from_a_fresh_build(sim, client):
    job = find_job(sim, "failed", "lint")
    slug = job.project.slug
    await JobBuild(slug, job.number).fetch(client)
    book = output_urls(client)
    # What an expired pre-signed URL looks like: the storage answers 404 NoSuchKey.
    seen = book.get(slug, job.number, 101, 0)
    book._seen[(slug, job.number, 101, 0)] = type(seen)(
        seen.url.replace("/101/0?", "/555/0?"), seen.running)
    sim.requests.clear()
    snapshot = await StepOutput(slug, job.number, 101, 0).fetch(client)
    assert [r.status for r in sim.requests] == [404, 200, 200]
    assert snapshot.chunks
    # A step the finished build does not have: nothing to read, nothing to poll again.
    missing = await StepOutput(slug, job.number, 555, 0).fetch(client)
    assert missing.chunks == () and StepOutput(slug, 1, 555, 0).cadence(missing) is Cadence.DONE


async def test_an_output_url_refused_right_after_a_build_read_is_an_error(sim, client,
                                                                       monkeypatch):
    job = find_job(sim, "failed", "lint")
    await JobBuild(job.project.slug, job.number).fetch(client)
    calls = []

    async def refused(url):
        calls.append(url)
        raise NotFound("NoSuchKey")

    monkeypatch.setattr(client, "get_step_output", refused)
    with pytest.raises(NotFound):
        await StepOutput(job.project.slug, job.number, 101, 0).fetch(client)
    assert len(calls) == 2, "one retry with a fresh URL, not a loop"


async def test_a_running_step_is_polled_until_it_finishes_then_done(sim, client):
    clock = sim.clock
    job = find_job(sim, "running", "integration-tests")
    slug = job.project.slug
    t = [0.0]
    monitor = Monitor(client, interval=5, slow_interval=60, clock=lambda: t[0])
    build_values: list[Build] = []
    monitor.subscribe(JobBuild(slug, job.number), build_values.append)
    await monitor.poll_due()
    position, index = build_values[-1].step_to_open()
    step = build_values[-1].steps[position]
    assert step.action_for(index).is_running
    output = StepOutput(slug, job.number, step.step_id, index)
    values: list[OutputSnapshot] = []
    monitor.subscribe(output, values.append)
    await monitor.poll_due()
    assert values[-1].running and values[-1].chunks
    # Nothing new: no delivery. New output: delivered, and it extends what came before.
    t[0] += 5
    await monitor.poll_due()
    assert len(values) == 1
    clock.advance(10)
    t[0] += 5
    await monitor.poll_due()
    assert len(values) == 2
    assert values[1].chunks[: len(values[0].chunks)] == values[0].chunks
    # Run the job to its end: the last read says finished, and the step is never read again.
    for _ in range(200):
        clock.advance(15)
        t[0] += 5
        await monitor.poll_due()
        if not values[-1].running:
            break
    assert not values[-1].running
    assert output.cadence(values[-1]) is Cadence.DONE
    reads = len(sim.requests_matching("GET", r"^/output/"))
    for _ in range(3):
        clock.advance(15)
        t[0] += 60
        await monitor.poll_due()
    assert len(sim.requests_matching("GET", r"^/output/")) == reads


def test_snapshots_compare_by_shape_not_by_reading_every_chunk():
    a = OutputSnapshot.of([{"message": "a\n", "type": "out"}, {"message": "b", "type": "out"}],
                          True)
    same = OutputSnapshot.of([{"message": "a\n", "type": "out"}, {"message": "b", "type": "out"}],
                             True)
    grown = OutputSnapshot.of([*a.chunks, {"message": "c\n", "type": "out"}], True)
    assert a == same and hash(a) == hash(same)
    assert a != grown
    assert a != OutputSnapshot(a.chunks, False, a.size), "finishing is a change"


async def test_tests_and_artifacts_are_done_once_the_job_has_finished(sim, client):
    job = find_job(sim, "failed", "unit-tests")
    slug = job.project.slug
    tests = await JobTests(slug, job.number, final=True).fetch(client)
    assert len(tests) == len(jobdata.job_test_results(job)) > 0
    assert sum(t.failed for t in tests) >= 1
    artifacts = await JobArtifacts(slug, job.number, final=True).fetch(client)
    assert [a.path for a in artifacts] == [a.path for a in jobdata.artifacts(job)]
    assert JobTests(slug, job.number, final=True).cadence(tests) is Cadence.DONE
    assert JobTests(slug, job.number).cadence(()) is Cadence.SLOW
    assert JobArtifacts(slug, job.number).cadence(()) is Cadence.SLOW
    assert JobArtifacts(slug, job.number, final=True).cadence(artifacts) is Cadence.DONE


async def test_every_finished_demo_build_job_has_artifacts(sim):
    kinds = {}
    for wf in sim.world.workflows:
        for job in wf.jobs:
            if job.type == "build" and job.status in ("success", "failed"):
                kinds.setdefault(job.spec.kind, []).append(len(jobdata.artifacts(job)))
    assert set(kinds) >= {"checkout", "tests", "lint", "build", "deploy", "generic"}
    assert all(min(counts) > 0 for counts in kinds.values())


async def test_step_to_open(sim, client):
    failed = find_job(sim, "failed", "unit-tests")
    build = await JobBuild(failed.project.slug, failed.number).fetch(client)
    position, index = build.step_to_open()
    assert build.steps[position].name == failed.spec.command
    assert index == failed.failing_index
    # On a run that did not fail: the step that took longest.
    other = (failed.failing_index + 1) % failed.parallelism
    position, index = build.step_to_open(other)
    assert index == other and build.steps[position].name == failed.spec.command
    running = find_job(sim, "running", "integration-tests")
    build = await JobBuild(running.project.slug, running.number).fetch(client)
    position, _ = build.step_to_open()
    assert build.steps[position].action_for(0).is_running
    assert not build.steps[position].is_background
    assert Build(build_num=1, status="success").step_to_open() is None
