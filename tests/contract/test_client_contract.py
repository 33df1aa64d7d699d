"""The real client against the simulator, with every v2 exchange checked against the spec.

``test_simulator_contract.py`` proves the simulator answers as the vendored OpenAPI document
says. This file closes the loop from the other side: every request ``CircleCIClient`` builds
(path escaping, query names, JSON bodies, the auth header) goes through a transport that
validates it with openapi-core before the simulator sees it, and every answer is validated
before the client parses it. Each scenario declares the client methods it calls and asserts
it called exactly those, and a static test checks that the scenarios together cover every
public method, so a method added later cannot slip through unvalidated.

The second half runs the client against ``Simulator(quirks="all")``, whose answers depart
from the spec the way the real service does, and checks the client parses them anyway and
exposes the raw unusual values.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from openapi_core.exceptions import OpenAPIError
from openapi_core.validation.request.exceptions import InvalidRequestBody, SecurityValidationError
from openapi_core.validation.response.exceptions import InvalidData

from circletui.api import (
    BadRequest,
    CircleCIClient,
    NotFound,
    RateLimited,
    RetryPolicy,
    collect,
)
from circletui.simulator import QUIRKS, ManualClock, Simulator
from circletui.simulator.model import Job, Workflow
from circletui.simulator.serialize import UNKNOWN_TRIGGER_TYPE

from .openapi import API_PREFIX, validate_httpx_request, validate_httpx_response
from .schemas import validate as validate_schema

HOST = "http://circleci.sim"
API = "gh/acme/api"
WEB = "gh/acme/web"


# -- the validating transport ------------------------------------------------------------------


class ValidatingTransport(httpx.AsyncBaseTransport):
    """Validates each v2 request before sending it and each v2 response before returning it.

    v1.1 and the step-output URL are not in the v2 document: their answers are validated
    against the schemas written from real captures (``schemas.py``) instead. Anything else
    passes unchecked and is counted, so a test can tell nothing was skipped. A validation error is
    raised out of the transport: httpx does not wrap foreign exceptions, and the client only
    catches httpx's, so it reaches the test unchanged.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.validated: list[tuple[str, str, int]] = []
        self.schema_checked: list[tuple[str, str]] = []  # (schema name, path)
        self.unchecked: list[str] = []
        self.bodies: list[tuple[str, Any]] = []  # (path, decoded JSON or None) of each answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        in_spec = request.url.path.startswith(API_PREFIX + "/")
        if in_spec:
            validate_httpx_request(request)
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        try:
            self.bodies.append((request.url.path, json.loads(content)))
        except ValueError:
            self.bodies.append((request.url.path, None))
        if in_spec:
            # Only the client sets response.request, after the transport returns.
            response.request = request
            validate_httpx_response(response)
            self.validated.append((request.method, request.url.path, response.status_code))
        elif (schema := schema_for(request.url.path)) is not None and response.status_code == 200:
            validate_schema(schema, json.loads(content))
            self.schema_checked.append((schema, request.url.path))
        else:
            self.unchecked.append(request.url.path)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def schema_for(path: str) -> str | None:
    """The schema (in ``schemas.py``) of an answer outside the v2 document, by its path."""
    if path.startswith("/api/v1.1/project/"):
        return {"artifacts": "v1_artifacts", "tests": "v1_tests"}.get(
            path.rsplit("/", 1)[-1], "v1_build"
        )
    if path.startswith("/output/"):  # the simulator's stand-in for the S3 output URL
        return "step_output"
    return None


class Traced:
    """The client, recording which public methods were called (to prove coverage)."""

    def __init__(self, client: CircleCIClient) -> None:
        self._client = client
        self.called: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name.startswith("_") or name == "aclose" or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.called.add(name)
            return attribute(*args, **kwargs)

        return call


@dataclass
class Ctx:
    sim: Simulator
    clock: ManualClock
    transport: ValidatingTransport
    client: Traced
    delays: list[float] = field(default_factory=list)

    @property
    def world(self):
        return self.sim.world

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.sim.world.sync()

    def v2_requests(self) -> list[tuple[str, str, int | None]]:
        return [
            (r.method, r.path, r.status)
            for r in self.sim.requests
            if r.path.startswith(API_PREFIX + "/")
        ]


def make_client(
    sim: Simulator, transport: httpx.AsyncBaseTransport, delays: list[float], **kwargs: Any
) -> CircleCIClient:
    # The client's clock moves only when it sleeps, so a Retry-After pause is waited exactly.
    epoch = [1_700_000_000.0]

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)
        epoch[0] += seconds

    kwargs.setdefault("now", lambda: epoch[0])
    kwargs.setdefault("retry", RetryPolicy(max_attempts=1))
    return CircleCIClient(sim.token, HOST, transport=transport, sleep=fake_sleep, **kwargs)


async def new_ctx(**sim_kwargs: Any) -> Ctx:
    clock = ManualClock()
    sim = Simulator(seed=0, clock=clock, **sim_kwargs)
    transport = ValidatingTransport(sim.transport())
    delays: list[float] = []
    client = make_client(sim, transport, delays)
    return Ctx(sim, clock, transport, Traced(client), delays)


def build_job(wf: Workflow, status: str | None = None) -> Job:
    return next(
        job
        for job in wf.jobs
        if job.type == "build" and job.number is not None and status in (None, job.status)
    )


# -- scenarios: each returns nothing and asserts as it goes --------------------------------------


async def users_and_pipeline_reads(ctx: Ctx) -> None:
    client, world = ctx.client, ctx.world
    me = await client.get_me()
    assert (me.id, me.login) == (world.me.id, world.me.login)
    orgs = await client.get_collaborations()
    assert [o.slug for o in orgs] == [o.slug for o in world.orgs]
    assert any(o.id is None for o in orgs)  # the never-used personal account
    other = world.user_by_login("priya-natarajan")
    assert (await client.get_user(other.id)).login == "priya-natarajan"

    everything = await client.list_pipelines()
    assert [p.id for p in everything.items] == [p.id for p in world.pipelines[:20]]
    assert everything.next_page_token is not None
    acme = await client.list_pipelines("gh/acme")
    assert acme.items and all(p.project_slug.startswith("gh/acme/") for p in acme.items)
    mine = await client.list_pipelines("gh/acme", mine=True)
    assert mine.items and all(p.trigger.actor.login == world.me.login for p in mine.items)
    mine_everywhere = await client.list_pipelines(mine=True)
    assert len(mine_everywhere.items) >= len(mine.items)

    first = await client.list_project_pipelines(API)
    assert first.next_page_token is not None and len(first.items) == 20
    second = await client.list_project_pipelines(API, page_token=first.next_page_token)
    expected = [p.id for p in world.pipelines if p.project.slug == API]
    assert [p.id for p in first.items + second.items] == expected[: 20 + len(second.items)]
    on_main = await client.list_project_pipelines(API, branch="main")
    assert on_main.items and {p.branch for p in on_main.items} == {"main"}
    my_api = await client.list_my_pipelines(API)
    assert my_api.items and {p.trigger.actor.login for p in my_api.items} == {world.me.login}

    pipeline = first.items[0]
    assert (await client.get_pipeline(pipeline.id)).number == pipeline.number
    assert (await client.get_pipeline_by_number(API, pipeline.number)).id == pipeline.id
    config = await client.get_pipeline_config(pipeline.id)
    assert "workflows:" in config.source and config.compiled
    workflows = await client.list_pipeline_workflows(pipeline.id)
    assert [w.id for w in workflows.items] == [
        wf.id for wf in sorted(world.workflows_of(pipeline.id), key=lambda w: w.created_at)[::-1]
    ]


USER_AND_PIPELINE_READS = {
    "get_me",
    "get_collaborations",
    "get_user",
    "list_pipelines",
    "list_project_pipelines",
    "list_my_pipelines",
    "get_pipeline",
    "get_pipeline_by_number",
    "get_pipeline_config",
    "list_pipeline_workflows",
}


async def workflow_job_and_insight_reads(ctx: Ctx) -> None:
    client, world = ctx.client, ctx.world
    nightly = world.find_workflow(status="running", name="nightly")
    assert nightly is not None and len(nightly.jobs) == 25
    assert (await client.get_workflow(nightly.id)).status == "running"
    before = len(ctx.transport.validated)
    jobs = await collect(
        lambda token: client.list_workflow_jobs(nightly.id, page_token=token), max_pages=None
    )
    assert [j.id for j in jobs] == [j.id for j in nightly.jobs]
    pages = ctx.transport.validated[before:]
    assert [(m, p) for m, p, _ in pages] == [("GET", f"/api/v2/workflow/{nightly.id}/job")] * 2
    assert "page-token" in ctx.sim.requests[-1].query  # the second page was asked by token

    failed = world.find_workflow(status="failed", name="build-and-test", project=API)
    job = build_job(failed, "failed")
    details = await client.get_job_details(API, job.number)
    assert (details.number, details.status, details.name) == (job.number, "failed", job.name)
    artifacts = await client.list_job_artifacts(API, job.number)
    assert all(a.url for a in artifacts.items)
    tests = await client.list_job_tests(API, job.number)
    assert tests.items and any(t.failed for t in tests.items)

    _, approval = world.find_on_hold_approval()
    with pytest.raises(NotFound):
        await client.get_job_details(approval.project.slug, approval.number)

    on_main = [
        wf
        for wf in world.workflows
        if wf.project.slug == API
        and wf.name == "build-and-test"
        and wf.pipeline.vcs.branch == "main"
    ]
    summary = await client.get_workflow_summary(API, "build-and-test")
    assert (summary.total_runs, summary.successful_runs, summary.failed_runs) == (
        len(on_main),
        sum(wf.status == "success" for wf in on_main),
        sum(wf.status in ("failed", "error") for wf in on_main),
    )
    assert await client.get_workflow_summary(API, "build-and-test", branch="main") == summary
    everywhere = await client.get_workflow_summary(API, "build-and-test", all_branches=True)
    assert everywhere.total_runs > summary.total_runs
    assert summary.trends and summary.metrics.total_runs == summary.total_runs
    week = (await client.list_workflow_metrics(API, reporting_window="last-7-days")).items
    by_name = {m.name: m.metrics for m in week}
    assert by_name["build-and-test"].total_runs == len(on_main)
    assert by_name["build-and-test"].median_duration_secs == summary.median_duration_secs
    runs = (await client.list_workflow_runs(API, "build-and-test")).items
    finished = [wf for wf in on_main if wf.finished]
    assert {r.id for r in runs} == {wf.id for wf in finished}
    assert all(r.branch == "main" and r.duration is not None for r in runs)
    newest = max(r.created_at for r in runs)
    assert [r.id for r in (await client.list_workflow_runs(
        API, "build-and-test", start_date=newest)).items] == [runs[0].id]
    flaky, total = await client.get_flaky_tests(API)
    assert flaky and total == len(flaky)
    assert all(t.time_wasted is not None for t in flaky)
    # Live CircleCI's snake_case keys, accepted by the validator as a documented divergence.
    _, raw = ctx.transport.bodies[-1]
    assert set(raw) == {"flaky_tests", "total_flaky_tests"}


WORKFLOW_JOB_AND_INSIGHT_READS = {
    "get_workflow",
    "list_workflow_jobs",
    "get_job_details",
    "list_job_artifacts",
    "list_job_tests",
    "get_workflow_summary",
    "list_workflow_metrics",
    "list_workflow_runs",
    "get_flaky_tests",
}


async def triggers(ctx: Ctx) -> None:
    client, world = ctx.client, ctx.world
    on_branch = await client.trigger_pipeline(API, branch="feature/x")
    on_tag = await client.trigger_pipeline(WEB, tag="v9.9.9")
    nightly = await client.trigger_pipeline(
        API, branch="main", parameters={"run_nightly": True, "deploy_env": "staging"}
    )
    plain = await client.trigger_pipeline(WEB)
    bodies = [r.json for r in ctx.sim.requests if r.method == "POST"]
    assert bodies == [
        {"branch": "feature/x"},
        {"tag": "v9.9.9"},
        {"branch": "main", "parameters": {"run_nightly": True, "deploy_env": "staging"}},
        {},
    ]
    assert {c.state for c in (on_branch, on_tag, nightly, plain)} == {"pending"}
    ctx.advance(5)  # config compiled, workflows created
    seen = [await client.get_pipeline(c.id) for c in (on_branch, on_tag, nightly, plain)]
    assert [(p.state, p.branch, p.tag, p.trigger.type) for p in seen] == [
        ("created", "feature/x", None, "api"),
        ("created", None, "v9.9.9", "api"),
        ("created", "main", None, "api"),
        ("created", world.project(WEB).default_branch, None, "api"),
    ]
    assert world.pipeline(nightly.id).parameters == {"run_nightly": True, "deploy_env": "staging"}
    names = [w.name for w in (await client.list_pipeline_workflows(nightly.id)).items]
    assert names == ["nightly"]  # the parameter chose the nightly workflow


TRIGGERS = {"trigger_pipeline", "get_pipeline", "list_pipeline_workflows"}


async def actions(ctx: Ctx) -> None:
    client, world = ctx.client, ctx.world

    running = world.find_workflow(status="running", name="build-and-test")
    assert (await client.cancel_workflow(running.id)).message == "Accepted."
    assert world.workflow(running.id).status == "canceled"

    other = world.find_workflow(
        status="running", where=lambda wf: wf is not running and wf.name != "nightly"
    ) or world.find_workflow(status="running", name="nightly")
    job = build_job(other, "running")
    assert (await client.cancel_job(job.project.slug, job.number)).message == "Accepted."
    assert job.status == "canceled"

    hold_wf, approval = world.find_on_hold_approval()
    listed = (await client.list_workflow_jobs(hold_wf.id)).items
    pending = next(j for j in listed if j.is_approval and j.status == "on_hold")
    answer = await client.approve_job(hold_wf.id, pending.approval_request_id)
    assert answer.message == "Accepted." and approval.status == "success"

    failed = world.find_workflow(status="failed", name="build-and-test")
    success = world.find_workflow(status="success", name="build-and-test")
    canceled = world.find_workflow(status="canceled")
    lint = next(j for j in success.jobs if j.name == "lint")
    reruns = [
        (failed, {"from_failed": True}),
        (success, {"jobs": [lint.id]}),
        (success, {"jobs": [lint.id], "enable_ssh": True}),
        (success, {"jobs": [lint.id], "sparse_tree": True}),
        (canceled, {}),
    ]
    before = len(ctx.sim.requests)
    for wf, options in reruns:
        result = await client.rerun_workflow(wf.id, **options)
        new = world.workflow(result.workflow_id)
        assert new is not None and new.rerun_of is wf and new.name == wf.name
    sent = [r for r in ctx.sim.requests[before:] if r.method == "POST"]
    assert [(r.path, r.json, r.status) for r in sent] == [
        (f"/api/v2/workflow/{wf.id}/rerun", body, 202) for wf, body in reruns
    ]

    # Refusals come back as typed errors, and the error answers are spec-valid too.
    with pytest.raises(BadRequest, match="did not fail"):
        await client.rerun_workflow(success.id, from_failed=True)
    with pytest.raises(BadRequest, match="already finished"):
        await client.cancel_workflow(success.id)


ACTIONS = {
    "cancel_workflow",
    "cancel_job",
    "list_workflow_jobs",
    "approve_job",
    "rerun_workflow",
}

async def job_screen_reads(ctx: Ctx) -> None:
    """What the job screen reads beyond v2: the v1.1 build and each step's output."""
    client, world = ctx.client, ctx.world
    failed = world.find_workflow(status="failed", name="build-and-test", project=API)
    job = build_job(failed, "failed")
    build = await client.get_job_v1(API, job.number)
    assert build["build_num"] == job.number and build["workflows"]["job_id"] == job.id
    failing = [
        action for step in build["steps"] for action in step["actions"] if action["failed"]
    ]
    assert failing and all("output_url" in action for action in failing)
    chunks = await client.get_step_output(failing[0]["output_url"])
    assert chunks[-1] == {
        "message": "Exited with code 1",
        "time": chunks[-1]["time"],
        "type": "err",
    }


JOB_SCREEN_READS = {"get_job_v1", "get_step_output"}

SCENARIOS: dict[str, tuple[Callable[[Ctx], Awaitable[None]], set[str]]] = {
    "users-and-pipelines": (users_and_pipeline_reads, USER_AND_PIPELINE_READS),
    "workflows-jobs-insights": (workflow_job_and_insight_reads, WORKFLOW_JOB_AND_INSIGHT_READS),
    "triggers": (triggers, TRIGGERS),
    "actions": (actions, ACTIONS),
    "job-screen": (job_screen_reads, JOB_SCREEN_READS),
}

# Not in the v2 document: their answers are validated against schemas.py instead.
OUTSIDE_THE_SPEC = {"get_job_v1", "get_step_output"}


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_every_exchange_is_spec_valid(name: str) -> None:
    scenario, methods = SCENARIOS[name]
    ctx = await new_ctx()
    try:
        await scenario(ctx)
    finally:
        await ctx.client.aclose()
    assert ctx.client.called == methods
    # Every request the simulator got went through the validator, and nothing else was sent.
    assert ctx.v2_requests() == ctx.transport.validated
    assert ctx.transport.unchecked == []
    outside = methods & OUTSIDE_THE_SPEC
    assert len(ctx.transport.validated) >= len(methods - outside)
    assert len(ctx.transport.schema_checked) == len(outside)


def test_the_scenarios_cover_every_public_client_method() -> None:
    public = {
        name
        for name in dir(CircleCIClient)
        if not name.startswith("_") and callable(getattr(CircleCIClient, name))
    } - {"aclose"}
    covered = set().union(*(methods for _, methods in SCENARIOS.values()))
    assert covered == public


# -- the validator bites ---------------------------------------------------------------------


async def test_the_transport_rejects_requests_the_spec_forbids() -> None:
    ctx = await new_ctx()
    failed = ctx.world.find_failed_workflow()
    raw = httpx.AsyncClient(transport=ctx.transport, base_url=HOST)
    auth = {"Circle-Token": ctx.sim.token}
    async with raw:
        # A boolean sent as a string, as a careless client would.
        with pytest.raises(InvalidRequestBody):
            await raw.post(
                f"/api/v2/workflow/{failed.id}/rerun", json={"from_failed": "yes"}, headers=auth
            )
        # No credentials at all.
        with pytest.raises(SecurityValidationError):
            await raw.get("/api/v2/me")
        # A route the spec does not have.
        with pytest.raises(OpenAPIError):
            await raw.get("/api/v2/workflow", headers=auth)
        # The same transport lets a correct request through.
        answer = await raw.post(
            f"/api/v2/workflow/{failed.id}/rerun", json={"from_failed": True}, headers=auth
        )
        assert answer.status_code == 202
    # The rejected requests never reached the simulator.
    assert [(r.method, r.path) for r in ctx.sim.requests] == [
        ("POST", f"/api/v2/workflow/{failed.id}/rerun")
    ]


async def test_the_transport_rejects_responses_the_spec_forbids() -> None:
    # The quirk makes a not-yet-started job report started_at: null, which the spec forbids.
    ctx = await new_ctx(quirks="null_started_at")
    nightly = ctx.world.find_workflow(status="running", name="nightly")
    assert any(job.started_at is None for job in nightly.jobs)
    with pytest.raises(InvalidData):
        await ctx.client.list_workflow_jobs(nightly.id)
    ctx.sim.quirks.clear()
    page = await ctx.client.list_workflow_jobs(nightly.id)
    assert len(page.items) == 20
    await ctx.client.aclose()


# -- the real service's quirks -----------------------------------------------------------------


@pytest.fixture
async def quirky():
    """A client over ``Simulator(quirks="all")``; the transport records answers, unvalidated."""
    clock = ManualClock()
    sim = Simulator(seed=0, clock=clock, quirks="all")
    recorder = Recorder(sim.transport())
    delays: list[float] = []
    client = make_client(sim, recorder, delays)
    yield sim, clock, client, recorder, delays
    await client.aclose()


class Recorder(ValidatingTransport):
    """Records the decoded answers without validating them: quirks are off-spec on purpose."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        try:
            self.bodies.append((request.url.path, json.loads(content)))
        except ValueError:
            self.bodies.append((request.url.path, content.decode()))
        return response


def raw_answer(recorder: Recorder, path: str) -> Any:
    return next(body for p, body in reversed(recorder.bodies) if p == path)


async def test_quirk_null_started_at(quirky) -> None:
    sim, clock, client, recorder, _ = quirky
    nightly = sim.world.find_workflow(status="running", name="nightly")
    path = f"/api/v2/workflow/{nightly.id}/job"
    jobs = await collect(
        lambda token: client.list_workflow_jobs(nightly.id, page_token=token), max_pages=None
    )
    raw = {item["id"]: item for item in raw_answer(recorder, path)["items"]}
    not_started = [j for j in jobs if j.status == "blocked"]
    assert any(job.id in raw for job in not_started)
    for job in not_started:
        if job.id in raw:  # the last page's jobs
            assert "started_at" in raw[job.id] and raw[job.id]["started_at"] is None
        assert job.started_at is None
    # Job details of a queued job: started_at null there too.
    for _ in range(120):
        queued = next(
            (j for wf in sim.world.workflows for j in wf.jobs if j.status == "queued"), None
        )
        if queued is not None:
            break
        clock.advance(1)
        sim.world.sync()
    assert queued is not None
    details = await client.get_job_details(queued.project.slug, queued.number)
    raw_details = raw_answer(recorder, f"/api/v2/project/{queued.project.slug}/job/{queued.number}")
    assert raw_details["started_at"] is None
    assert (details.status, details.started_at, details.queued_at is not None) == (
        "queued",
        None,
        True,
    )


async def test_quirk_omit_last_page_token(quirky) -> None:
    sim, _, client, recorder, _ = quirky
    nightly = sim.world.find_workflow(status="running", name="nightly")
    first = await client.list_workflow_jobs(nightly.id)
    assert first.next_page_token is not None
    last = await client.list_workflow_jobs(nightly.id, page_token=first.next_page_token)
    assert "next_page_token" not in raw_answer(recorder, f"/api/v2/workflow/{nightly.id}/job")
    assert last.next_page_token is None and len(first.items) + len(last.items) == 25
    jobs = await collect(
        lambda token: client.list_workflow_jobs(nightly.id, page_token=token), max_pages=None
    )
    assert len(jobs) == 25


async def test_quirk_stale_page_token_404(quirky) -> None:
    _, _, client, _, _ = quirky
    first = await client.list_project_pipelines(API)
    await client.trigger_pipeline(API, branch="main")  # the list changes under the token
    with pytest.raises(NotFound):
        await client.list_project_pipelines(API, page_token=first.next_page_token)


async def test_quirk_approval_without_job_number(quirky) -> None:
    sim, _, client, recorder, _ = quirky
    hold_wf, approval = sim.world.find_on_hold_approval()
    jobs = (await client.list_workflow_jobs(hold_wf.id)).items
    raw = next(
        item
        for item in raw_answer(recorder, f"/api/v2/workflow/{hold_wf.id}/job")["items"]
        if item["id"] == approval.id
    )
    assert "job_number" not in raw and "stopped_at" not in raw and raw["started_at"] is None
    parsed = next(j for j in jobs if j.id == approval.id)
    assert parsed.is_approval and parsed.status == "on_hold"
    assert (parsed.job_number, parsed.started_at, parsed.stopped_at) == (None, None, None)
    assert parsed.approval_request_id == approval.id
    # Build jobs in the same list keep their numbers.
    assert all(
        j.job_number is not None for j in jobs if j.type == "build" and j.status != "blocked"
    )
    # ...and the approval can still be approved with what the list gave.
    await client.approve_job(hold_wf.id, parsed.approval_request_id)
    assert approval.status == "success"


async def test_quirk_unknown_enum_values(quirky) -> None:
    sim, _, client, _, _ = quirky
    app_project = next(p for p in sim.world.projects if p.slug.startswith("circleci/"))
    page = await client.list_project_pipelines(app_project.slug)
    assert page.items
    assert {p.trigger.type for p in page.items} == {UNKNOWN_TRIGGER_TYPE}
    # Elsewhere the spec's values are untouched.
    other = await client.list_project_pipelines(API)
    assert UNKNOWN_TRIGGER_TYPE not in {p.trigger.type for p in other.items}


async def test_quirk_no_project_id(quirky) -> None:
    sim, _, client, recorder, _ = quirky
    failed = sim.world.find_workflow(status="failed", name="build-and-test", project=API)
    job = build_job(failed, "failed")
    details = await client.get_job_details(API, job.number)
    raw = raw_answer(recorder, f"/api/v2/project/{API}/job/{job.number}")
    assert "id" not in raw["project"]
    assert (details.project_slug, details.project_name, details.number) == (API, "api", job.number)


async def test_quirk_plain_text_429(quirky) -> None:
    sim, _, client, _, _ = quirky
    sim.faults.rate_limit(retry_after=7, count=1, path=r"/me$")
    with pytest.raises(RateLimited) as caught:
        await client.get_me()
    assert (caught.value.status, caught.value.retry_after) == (429, 7.0)
    assert caught.value.message == "Rate limited."
    assert client.rate_limit is not None and client.rate_limit.remaining == 0
    # With retries on, the same answer is waited out (Retry-After, not a shorter backoff).
    delays: list[float] = []
    retrying = make_client(sim, sim.transport(), delays, retry=RetryPolicy(max_attempts=2))
    sim.faults.rate_limit(retry_after=3, count=1, path=r"/me$")
    async with retrying:
        assert (await retrying.get_me()).login == sim.world.me.login
    assert delays == [3.0]


async def test_quirk_kebab_case_flaky_tests(quirky) -> None:
    sim, _, client, recorder, _ = quirky
    path = f"/api/v2/insights/{API}/flaky-tests"
    flaky, total = await client.get_flaky_tests(API)
    raw = raw_answer(recorder, path)
    assert set(raw) == {"flaky-tests", "total-flaky-tests"}
    assert "test-name" in raw["flaky-tests"][0] and "test_name" not in raw["flaky-tests"][0]
    assert flaky and total == len(flaky)
    assert {t.job_number for t in flaky} == {item["job-number"] for item in raw["flaky-tests"]}
    # Without the quirk: live CircleCI's snake_case, read into the same tests.
    sim.quirks.discard("kebab_case_flaky_tests")
    assert await client.get_flaky_tests(API) == (flaky, total)
    assert set(raw_answer(recorder, path)) == {"flaky_tests", "total_flaky_tests"}


QUIRK_TESTS = {
    "null_started_at": test_quirk_null_started_at,
    "omit_last_page_token": test_quirk_omit_last_page_token,
    "stale_page_token_404": test_quirk_stale_page_token_404,
    "approval_without_job_number": test_quirk_approval_without_job_number,
    "unknown_enum_values": test_quirk_unknown_enum_values,
    "no_project_id": test_quirk_no_project_id,
    "plain_text_429": test_quirk_plain_text_429,
    "kebab_case_flaky_tests": test_quirk_kebab_case_flaky_tests,
}


def test_every_quirk_has_a_client_test() -> None:
    assert set(QUIRK_TESTS) == set(QUIRKS)
