"""What the simulator serves outside the v2 document, validated against schemas written from
real captures (`schemas.py`), across job states, the way v2 answers are validated against the
OpenAPI document: the v1.1 build the job screen reads, the step output behind `output_url`,
v1.1 artifacts and tests, and the private raw-output and followed-projects routes.

Every such route is listed in `circletui/simulator/divergences.py`; the tests check that the
list, the schemas here and the simulator's routes agree, so a route added later cannot go
unchecked.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema
import pytest
from starlette.routing import Mount, Route

from circletui.simulator import ManualClock, Simulator
from circletui.simulator.app import build_router
from circletui.simulator.divergences import DIVERGENCES
from circletui.simulator.model import Job

from .schemas import validate

# Each route beyond the document, as the divergence list names it, and its schema.
ROUTES = {
    "GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}": "v1_build",
    "GET {output_url}": "step_output",
    "GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}/artifacts": "v1_artifacts",
    "GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}/tests": "v1_tests",
    "GET /api/private/output/raw/{project-slug}/{job-number}/output/{task-index}/{step-id}": (
        "raw_step_text"
    ),
    "GET /api/private/output/raw/{project-slug}/{job-number}/error/{task-index}/{step-id}": (
        "raw_step_text"
    ),
    "GET /api/private/me/followed-projects": "followed_projects",
}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> Simulator:
    return Simulator(seed=0, clock=clock)


def build_jobs(sim: Simulator, status: str) -> list[Job]:
    return [
        job
        for wf in sim.world.workflows
        for job in wf.jobs
        if job.status == status
        and job.type == "build"
        and job.number is not None
        and not job.project.slug.startswith("circleci/")
    ]


async def get_json(client: httpx.AsyncClient, url: str) -> Any:
    response = await client.get(url)
    assert response.status_code == 200, (url, response.text)
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


async def check_job(client: httpx.AsyncClient, job: Job) -> dict[str, Any]:
    """Every answer about one build outside v2, each validated and checked against the others
    (the same world data behind v1.1, the output URL, the raw text and v2)."""
    slug, number = job.project.slug, job.number
    build = await get_json(client, f"/api/v1.1/project/{slug}/{number}")
    validate("v1_build", build)
    assert (build["build_num"], build["workflows"]["job_id"]) == (number, job.id)
    for step in build["steps"]:
        for action in step["actions"]:
            if "output_url" not in action:
                continue
            chunks = await get_json(client, action["output_url"])
            validate("step_output", chunks)
            for stream, kind in (("output", "out"), ("error", "err")):
                url = f"/api/private/output/raw/{slug}/{number}/{stream}/{action['index']}/"
                response = await client.get(url + str(action["step"]))
                assert response.status_code == 200, response.text
                assert response.headers["content-type"].startswith("text/plain")
                validate("raw_step_text", response.text)
                assert response.text == "".join(c["message"] for c in chunks if c["type"] == kind)

    artifacts = await get_json(client, f"/api/v1.1/project/{slug}/{number}/artifacts")
    validate("v1_artifacts", artifacts)
    v2_artifacts = (await get_json(client, f"/api/v2/project/{slug}/{number}/artifacts"))["items"]
    assert [{k: a[k] for k in ("path", "node_index", "url")} for a in artifacts] == v2_artifacts
    assert all(a["pretty_path"] == a["path"] for a in artifacts)

    tests = await get_json(client, f"/api/v1.1/project/{slug}/{number}/tests")
    validate("v1_tests", tests)
    v2_tests: list[dict[str, Any]] = []
    token = None
    while True:
        params = {"page-token": token} if token else {}
        page = (await client.get(f"/api/v2/project/{slug}/{number}/tests", params=params)).json()
        v2_tests += page["items"]
        token = page["next_page_token"]
        if token is None:
            break
    assert tests["tests"] == v2_tests
    return build


async def test_every_route_beyond_the_spec_in_every_job_state(
    sim: Simulator, clock: ManualClock
) -> None:
    seen_actions: set[str] = set()
    async with sim.client() as client:
        for status in ("success", "failed", "running", "canceled", "infrastructure_fail"):
            jobs = build_jobs(sim, status)
            assert jobs, status
            for job in jobs[:2]:
                build = await check_job(client, job)
                seen_actions |= {a["status"] for s in build["steps"] for a in s["actions"]}
        parallel = next(j for j in build_jobs(sim, "failed") if j.parallelism > 1)
        await check_job(client, parallel)
        # A job between queueing and starting: no steps yet, and still valid.
        for _ in range(120):
            if build_jobs(sim, "queued"):
                break
            clock.advance(1)
            sim.world.sync()
        queued = build_jobs(sim, "queued")[0]
        assert (await check_job(client, queued))["steps"] == []

        followed: list[dict[str, Any]] = []
        token = None
        while True:
            params = {"page-token": token} if token else {}
            response = await client.get("/api/private/me/followed-projects", params=params)
            assert response.status_code == 200
            page = response.json()
            validate("followed_projects", page)
            followed += page["items"]
            token = page["next_page_token"]
            if token is None:
                break
        assert [p["slug"] for p in followed] == [p.slug for p in sim.world.projects]
    assert seen_actions >= {"success", "failed", "running", "canceled"}
    # Every route the simulator has outside /api/v2 was exercised above.
    requested = {r.path for r in sim.requests}
    for pattern in routes_beyond_v2(sim):
        assert any(pattern.match(path) for path in requested), pattern.pattern


def routes_beyond_v2(sim: Simulator) -> list[re.Pattern[str]]:
    patterns = []
    for route in build_router(sim).routes:
        if isinstance(route, Mount):
            if route.path == "/api/v2":
                continue
            for child in route.routes:
                assert isinstance(child, Route)
                body = child.path_regex.pattern.removeprefix("^")
                patterns.append(re.compile("^" + re.escape(route.path) + body))
        else:
            assert isinstance(route, Route)
            patterns.append(route.path_regex)
    return patterns


def test_every_route_beyond_the_spec_is_listed_with_a_schema() -> None:
    listed = [route for d in DIVERGENCES for route in d.routes]
    assert sorted(listed) == sorted(ROUTES)
    # One simulator route per listed route (the raw route serves both streams, and the
    # output URL is a route of its own).
    assert len(routes_beyond_v2(Simulator(seed=0, clock=ManualClock()))) == len(ROUTES) - 1


async def test_what_there_is_no_answer_for(sim: Simulator) -> None:
    job = build_jobs(sim, "success")[0]
    slug, number = job.project.slug, job.number
    app_project = next(p for p in sim.world.projects if p.slug.startswith("circleci/"))
    app_job = next(
        j for wf in sim.world.workflows if wf.project is app_project for j in wf.jobs if j.number
    )
    _, approval = sim.world.find_on_hold_approval()
    async with sim.client() as client:
        for url in (
            f"/api/private/output/raw/{slug}/{number}/output/0/9999",  # no such step
            f"/api/private/output/raw/{slug}/{number}/output/7/101",  # no such container
            f"/api/private/output/raw/{slug}/{number}/stdout/0/101",  # no such stream
            f"/api/private/output/raw/{app_project.slug}/{app_job.number}/output/0/0",
            f"/api/v1.1/project/{app_project.slug}/{app_job.number}/tests",
            f"/api/v1.1/project/{approval.project.slug}/{approval.number}/artifacts",
            f"/api/v1.1/project/{slug}/999999/tests",
        ):
            response = await client.get(url)
            assert response.status_code == 404, url
            assert response.json() == {"message": response.json()["message"]}
        # The private routes want the token like every API route.
        anonymous = httpx.AsyncClient(transport=sim.transport(), base_url="http://circleci.sim")
        async with anonymous:
            for url in (
                "/api/private/me/followed-projects",
                f"/api/private/output/raw/{slug}/{number}/output/0/101",
            ):
                assert (await anonymous.get(url)).status_code == 401


async def test_the_schemas_reject_what_real_payloads_never_have(sim: Simulator) -> None:
    job = next(j for j in build_jobs(sim, "failed") if j.spec.kind == "tests")
    async with sim.client() as client:
        build = await get_json(client, f"/api/v1.1/project/{job.project.slug}/{job.number}")
        action = build["steps"][-1]["actions"][0]
        chunks = await get_json(client, action["output_url"])
        followed = await get_json(client, "/api/private/me/followed-projects")
        tests = await get_json(client, f"/api/v1.1/project/{job.project.slug}/{job.number}/tests")
        artifacts = await get_json(
            client, f"/api/v1.1/project/{job.project.slug}/{job.number}/artifacts"
        )
    validate("v1_build", build)

    def broken(data: Any, change: Callable[[Any], Any]) -> Any:
        copied = copy.deepcopy(data)
        change(copied)
        return copied

    cases = [
        ("v1_build", broken(build, lambda b: b["steps"][0]["actions"][0].pop("step"))),
        ("v1_build", broken(build, lambda b: b["steps"][0]["actions"][0].update(failed=False))),
        ("v1_build", broken(build, lambda b: b["steps"][0].update(actions=[]))),
        ("v1_build", broken(build, lambda b: b["workflows"].pop("job_id"))),
        ("v1_build", broken(build, lambda b: b.update(start_time="yesterday"))),
        ("step_output", broken(chunks, lambda c: c[0].update(type="stdout"))),
        ("step_output", broken(chunks, lambda c: c[0].update(message=None))),
        ("followed_projects", broken(followed, lambda f: f["items"][0].pop("vcs_type"))),
        ("followed_projects", broken(followed, lambda f: f.pop("next_page_token"))),
        ("v1_tests", broken(tests, lambda t: t["tests"][0].update(run_time="0.2"))),
        ("v1_artifacts", broken(artifacts, lambda a: a[0].pop("pretty_path"))),
        ("raw_step_text", chunks),
    ]
    for name, instance in cases:
        with pytest.raises(jsonschema.ValidationError):
            validate(name, instance)


async def test_a_running_steps_raw_output_grows_with_the_clock(
    sim: Simulator, clock: ManualClock
) -> None:
    job = next(
        j
        for j in build_jobs(sim, "running")
        if j.spec.kind == "tests" and "integration" not in j.name
    )
    slug, number = job.project.slug, job.number

    def running_test_step(build: dict[str, Any]) -> dict[str, Any] | None:
        return next(
            (
                a
                for step in build["steps"]
                for a in step["actions"]
                if a["status"] == "running"
                and a["bash_command"]
                and job.spec.command
                and job.spec.command in a["bash_command"]
            ),
            None,
        )

    async with sim.client() as client:
        texts: list[str] = []
        for _ in range(120):
            build = await get_json(client, f"/api/v1.1/project/{slug}/{number}")
            action = running_test_step(build)
            if action is not None:
                url = f"/api/private/output/raw/{slug}/{number}/output/{action['index']}/"
                texts.append((await client.get(url + str(action["step"]))).text)
                if len(set(texts)) > 1:
                    break
            clock.advance(5)
        chunks = await get_json(client, action["output_url"])
    assert len(set(texts)) > 1 and texts[-1].startswith(texts[0])
    assert texts[-1] == "".join(c["message"] for c in chunks if c["type"] == "out")
