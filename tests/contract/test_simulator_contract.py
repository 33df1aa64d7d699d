"""Every v2 endpoint the simulator serves, in default mode and across world states, validated
against CircleCI's OpenAPI document widened by exactly the divergences live CircleCI always
shows (`circletui/simulator/divergences.py`; the quirks are checked in test_divergences.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from openapi_core.validation.response.exceptions import InvalidData

from circletui.simulator import ManualClock, Simulator
from circletui.simulator.model import Job, Workflow

from .openapi import spec_path, validate_httpx, validate_httpx_response, validate_response

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> Simulator:
    return Simulator(seed=0, clock=clock)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Circle-Token": sim.token, "Accept": "application/json"}
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url="http://circleci.sim", headers=headers
    ) as client:
        yield client


async def check(
    client: httpx.AsyncClient, method: str, url: str, status: int, **kwargs: Any
) -> httpx.Response:
    response = await client.request(method, url, **kwargs)
    assert response.status_code == status, (method, url, response.text)
    validate_httpx(response)
    return response


async def pages(client: httpx.AsyncClient, url: str, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        query = dict(params, **({"page-token": token} if token else {}))
        body = (await check(client, "GET", url, 200, params=query)).json()
        items.extend(body["items"])
        token = body["next_page_token"]
        if token is None:
            return items


def job_in(sim: Simulator, status: str, kind: str = "build") -> Job | None:
    for wf in sim.world.workflows:
        for job in wf.jobs:
            if job.status == status and job.type == kind and job.number is not None:
                return job
    return None


async def validate_workflow(client: httpx.AsyncClient, wf: Workflow) -> list[dict[str, Any]]:
    await check(client, "GET", f"/api/v2/workflow/{wf.id}", 200)
    return await pages(client, f"/api/v2/workflow/{wf.id}/job")


async def validate_job(client: httpx.AsyncClient, job: Job) -> None:
    slug = job.project.slug
    await check(client, "GET", f"/api/v2/project/{slug}/job/{job.number}", 200)
    await pages(client, f"/api/v2/project/{slug}/{job.number}/artifacts")
    await pages(client, f"/api/v2/project/{slug}/{job.number}/tests")


# ----------------------------------------------------------------------- reads


async def test_user_endpoints(client: httpx.AsyncClient, sim: Simulator) -> None:
    await check(client, "GET", "/api/v2/me", 200)
    collaborations = (await check(client, "GET", "/api/v2/me/collaborations", 200)).json()
    assert any(c["id"] is None for c in collaborations)  # nullable id exercised
    for user in sim.world.users:
        await check(client, "GET", f"/api/v2/user/{user.id}", 200)


async def test_pipeline_lists(client: httpx.AsyncClient, sim: Simulator) -> None:
    everything = await pages(client, "/api/v2/pipeline")
    assert len(everything) == len(sim.world.pipelines) > 40
    for org in sim.world.orgs:
        await pages(client, "/api/v2/pipeline", **{"org-slug": org.slug})
    await pages(client, "/api/v2/pipeline", **{"org-slug": "github/acme", "mine": "true"})
    for project in sim.world.projects:
        await pages(client, f"/api/v2/project/{project.slug}/pipeline")
        await pages(client, f"/api/v2/project/{project.slug}/pipeline/mine")
        await check(client, "GET", f"/api/v2/project/{project.slug}", 200)
    await pages(client, "/api/v2/project/github/acme/api/pipeline", branch="main")
    await pages(client, "/api/v2/project/gh%2Facme%2Fweb/pipeline")


async def test_every_pipeline_with_its_config_and_workflows(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    states = set()
    for pipeline in sim.world.pipelines:
        states.add(pipeline.state)
        await check(client, "GET", f"/api/v2/pipeline/{pipeline.id}", 200)
        await check(
            client,
            "GET",
            f"/api/v2/project/{pipeline.project.slug}/pipeline/{pipeline.number}",
            200,
        )
        await check(client, "GET", f"/api/v2/pipeline/{pipeline.id}/config", 200)
        await pages(client, f"/api/v2/pipeline/{pipeline.id}/workflow")
    assert states == {"created", "errored"}


async def test_workflows_and_jobs_in_every_state(client: httpx.AsyncClient, sim: Simulator) -> None:
    seen_job_statuses: set[str] = set()
    for status in ("running", "failing", "on_hold", "failed", "success", "canceled", "error"):
        wf = sim.world.find_workflow(status=status)
        assert wf is not None, status
        jobs = await validate_workflow(client, wf)
        seen_job_statuses |= {job["status"] for job in jobs}
    for wf in sim.world.workflows:
        if wf.rerun_of is not None or wf.name == "nightly":
            await validate_workflow(client, wf)
    assert seen_job_statuses >= {
        "success",
        "failed",
        "running",
        "blocked",
        "on_hold",
        "canceled",
        "not_run",
        "infrastructure_fail",
    }


async def test_job_details_artifacts_and_tests_in_every_state(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    for status in ("success", "failed", "running", "canceled", "infrastructure_fail"):
        job = job_in(sim, status)
        assert job is not None, status
        await validate_job(client, job)
    # Find a job between queueing and starting, where started_at must still be spec-valid.
    for _ in range(120):
        if job_in(sim, "queued") is not None:
            break
        clock.advance(1)
        sim.world.sync()
    queued = job_in(sim, "queued")
    assert queued is not None
    await validate_job(client, queued)


async def test_insights(client: httpx.AsyncClient, sim: Simulator) -> None:
    for project in sim.world.projects:
        await check(client, "GET", f"/api/v2/insights/{project.slug}/flaky-tests", 200)
        names = {wf.name for wf in sim.world.workflows if wf.project is project}
        for name in sorted(names):
            url = f"/api/v2/insights/{project.slug}/workflows/{name}/summary"
            await check(client, "GET", url, 200)
            await check(client, "GET", url, 200, params={"all-branches": "true"})
            await check(client, "GET", url, 200, params={"branch": "no-such-branch"})
            runs = await pages(client, f"/api/v2/insights/{project.slug}/workflows/{name}",
                               **{"all-branches": "true"})
            assert [r["created_at"] for r in runs] == sorted(
                (r["created_at"] for r in runs), reverse=True)
        for window in ("last-24-hours", "last-7-days", "last-90-days"):
            await pages(client, f"/api/v2/insights/{project.slug}/workflows",
                        **{"reporting-window": window})


async def test_insights_windows_tell_different_stories(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    """The world's history spans days: a day's window holds fewer runs than a week's, and
    the week's runs are exactly the default branch's workflows the world ran."""
    url = "/api/v2/insights/gh/acme/api/workflows"
    day = {i["name"]: i["metrics"] for i in await pages(
        client, url, **{"reporting-window": "last-24-hours"})}
    week = {i["name"]: i["metrics"] for i in await pages(
        client, url, **{"reporting-window": "last-7-days"})}
    ran = [wf for wf in sim.world.workflows if wf.project.slug == "gh/acme/api"
           and wf.name == "build-and-test" and wf.pipeline.vcs.branch == "main"]
    assert week["build-and-test"]["total_runs"] == len(ran)
    assert day["build-and-test"]["total_runs"] < week["build-and-test"]["total_runs"]
    response = await client.get(url, params={"reporting-window": "last-year"})
    assert response.status_code == 400


# ----------------------------------------------------------------------- actions


async def test_actions_and_the_states_they_produce(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    world = sim.world
    created = (
        await check(
            client,
            "POST",
            "/api/v2/project/gh/acme/api/pipeline",
            201,
            json={"branch": "main", "parameters": {"run_nightly": True}},
        )
    ).json()
    await check(client, "POST", "/api/v2/project/gh/acme/web/pipeline", 201)
    await check(client, "GET", f"/api/v2/pipeline/{created['id']}", 200)  # still pending
    await pages(client, f"/api/v2/pipeline/{created['id']}/workflow")  # no workflow yet

    failed = world.find_failed_workflow()
    selected = world.find_workflow(status="success", name="build-and-test")
    lint = next(job for job in selected.jobs if job.name == "lint")
    for wf, body in (
        (failed, {"from_failed": True}),
        (world.find_workflow(status="canceled"), None),
        (selected, {"jobs": [lint.id], "enable_ssh": True, "sparse_tree": True}),
    ):
        new_id = (
            await check(client, "POST", f"/api/v2/workflow/{wf.id}/rerun", 202, json=body)
        ).json()["workflow_id"]
        await validate_workflow(client, world.workflow(new_id))

    hold_wf, approval = world.find_on_hold_approval()
    await check(client, "POST", f"/api/v2/workflow/{hold_wf.id}/approve/{approval.id}", 202)
    running = world.find_running_workflow()
    await check(client, "POST", f"/api/v2/workflow/{running.id}/cancel", 202)
    job = job_in(sim, "running")
    await check(client, "POST", f"/api/v2/project/{job.project.slug}/job/{job.number}/cancel", 200)

    clock.advance(1800)
    world.sync()
    for wf in world.workflows[:15]:
        await validate_workflow(client, wf)
    await check(client, "GET", f"/api/v2/pipeline/{created['id']}", 200)


async def test_a_later_live_world_still_validates(clock: ManualClock) -> None:
    sim = Simulator(seed=5, clock=clock, live=True)
    clock.advance(900)
    async with sim.client(base_url="http://circleci.sim") as client:
        await pages(client, "/api/v2/pipeline")
        for wf in sim.world.workflows[:20]:
            for job in await validate_workflow(client, wf):
                if job.get("job_number") and job["type"] == "build":
                    await check(
                        client,
                        "GET",
                        f"/api/v2/project/{job['project_slug']}/job/{job['job_number']}",
                        200,
                    )


# ----------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("headers", "params", "message"),
    [
        ({}, {}, "You must log in first."),
        ({"Circle-Token": "wrong"}, {}, "Invalid token provided."),
        ({}, {"circle-token": "demo-token"}, "Support for query parameter"),
    ],
)
async def test_auth_errors(
    sim: Simulator, headers: dict[str, str], params: dict[str, str], message: str
) -> None:
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url="http://circleci.sim"
    ) as client:
        for url in ("/api/v2/me", "/api/v2/pipeline", "/api/v2/project/gh/acme/api/pipeline"):
            response = await client.get(url, headers=headers, params=params)
            assert response.status_code == 401
            assert response.json()["message"].startswith(message)
            validate_httpx_response(response)


async def test_error_responses(client: httpx.AsyncClient, sim: Simulator) -> None:
    world = sim.world
    for url in (
        f"/api/v2/pipeline/{UNKNOWN}",
        f"/api/v2/pipeline/{UNKNOWN}/config",
        f"/api/v2/pipeline/{UNKNOWN}/workflow",
        f"/api/v2/workflow/{UNKNOWN}",
        f"/api/v2/workflow/{UNKNOWN}/job",
        f"/api/v2/user/{UNKNOWN}",
        "/api/v2/project/gh/acme/nope/pipeline",
        "/api/v2/project/gh/acme/api/job/1",
        "/api/v2/project/gh/acme/api/pipeline/1",
        "/api/v2/project/gh/acme/api/1/tests",
        "/api/v2/project/gh/acme/api/1/artifacts",
        "/api/v2/pipeline?org-slug=gh/none",
        "/api/v2/insights/gh/acme/api/workflows/nope/summary",
        "/api/v2/insights/gh/acme/api/workflows/nope",
        "/api/v2/insights/gh/acme/nope/workflows",
        "/api/v2/insights/gh/acme/nope/flaky-tests",
    ):
        await check(client, "GET", url, 404)
    _, approval = world.find_on_hold_approval()
    await check(
        client, "GET", f"/api/v2/project/{approval.project.slug}/job/{approval.number}", 404
    )
    success = world.find_workflow(status="success")
    await check(
        client, "POST", f"/api/v2/workflow/{success.id}/rerun", 400, json={"from_failed": True}
    )
    await check(
        client,
        "POST",
        f"/api/v2/workflow/{success.id}/rerun",
        400,
        json={"from_failed": True, "jobs": [success.jobs[0].id]},
    )
    await check(client, "POST", f"/api/v2/workflow/{success.id}/cancel", 400)
    await check(client, "POST", f"/api/v2/workflow/{UNKNOWN}/cancel", 404)
    await check(client, "POST", f"/api/v2/workflow/{success.id}/approve/{success.jobs[0].id}", 400)
    await check(client, "POST", f"/api/v2/workflow/{success.id}/approve/{UNKNOWN}", 404)
    await check(
        client,
        "POST",
        "/api/v2/project/gh/acme/api/pipeline",
        400,
        json={"branch": "main", "tag": "v1.0.0"},
    )
    await check(client, "POST", "/api/v2/project/gh/acme/nope/pipeline", 404, json={})
    done = job_in(sim, "success")
    await check(
        client, "POST", f"/api/v2/project/{done.project.slug}/job/{done.number}/cancel", 400
    )
    await check(client, "GET", "/api/v2/pipeline", 400, params={"page-token": "bm9wZQ"})


# ----------------------------------------------------------------------- the validator bites


def test_the_validation_rejects_what_the_spec_forbids() -> None:
    # A response missing a required key, and a wrong format, are caught.
    with pytest.raises(InvalidData):
        validate_response(
            "GET",
            "/api/v2/me",
            {},
            None,
            200,
            {"content-type": "application/json"},
            b'{"login":"x","name":"y"}',
        )
    with pytest.raises(InvalidData):
        validate_response(
            "POST",
            f"/api/v2/workflow/{UNKNOWN}/rerun",
            {},
            None,
            202,
            {"content-type": "application/json"},
            b'{"workflow_id":"nope"}',
        )


def test_slugs_are_escaped_for_path_matching() -> None:
    assert spec_path("/api/v2/project/gh/acme/api/pipeline") == (
        "/api/v2/project/gh%2Facme%2Fapi/pipeline"
    )
    assert spec_path("/api/v2/insights/circleci/o/p/flaky-tests") == (
        "/api/v2/insights/circleci%2Fo%2Fp/flaky-tests"
    )
    assert spec_path("/api/v2/workflow/x/job") == "/api/v2/workflow/x/job"
