"""CircleCIClient against a scripted httpx.MockTransport: what each method sends, what it
parses, how statuses and transport failures become exceptions, and page walking.

No network and no real sleeping: retries are switched off here (``max_attempts=1``) except
where a test says otherwise; retry timing lives in ``test_retry.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

import httpx
import pytest

from circletui import __version__
from circletui.api import (
    Artifact,
    BadRequest,
    CircleCIClient,
    Collaboration,
    ConnectionRefused,
    FlakyTest,
    Forbidden,
    HTTPError,
    InvalidResponse,
    Message,
    NetworkError,
    NotFound,
    Page,
    PipelineCreation,
    RateLimited,
    RateLimitInfo,
    RerunResult,
    RetryPolicy,
    ServerError,
    Timeout,
    Unauthorized,
    User,
    collect,
    paginate,
)
from circletui.simulator.divergences import DIVERGENCES

TOKEN = "CCIPAT_Zq8kTestToken_0123456789abcdef0123456789abcdef01234567"
SLUG = "gh/acme/api"
PIPELINE_ID = "98b1071e-c364-4b39-91b9-820b8588e2ae"
WORKFLOW_ID = "716a0d67-7b0a-4bd5-a1ac-2ef9c1a4f1c2"
APPROVAL_ID = "949f0edf-83c6-4a0e-a34e-c376f8fc7499"
USER_ID = "382334b0-6b3f-4c28-9c5f-0a1b2c3d4e5f"
NOW = 1_700_000_000.0


class Script:
    """A MockTransport handler: answers from a queue (the last entry repeats), records requests.

    An entry is an ``httpx.Response`` or an httpx exception class, raised with the request.
    """

    def __init__(self, *answers: httpx.Response | type[Exception]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, type):
            raise answer("scripted failure", request=request)
        return answer


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_client(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    host: str = "https://circleci.com",
    **kwargs: Any,
) -> CircleCIClient:
    kwargs.setdefault("retry", RetryPolicy(max_attempts=1))
    kwargs.setdefault("sleep", FakeSleep())
    kwargs.setdefault("random", Random(1))
    kwargs.setdefault("now", lambda: NOW)
    return CircleCIClient(TOKEN, host, transport=httpx.MockTransport(handler), **kwargs)


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


PIPELINE = {
    "id": PIPELINE_ID,
    "errors": [],
    "project_slug": SLUG,
    "number": 154,
    "state": "created",
    "created_at": "2020-12-24T12:59:23.906Z",
    "trigger": {"type": "webhook", "received_at": "2020-12-24T12:59:23.725Z", "actor": {}},
}
WORKFLOW = {
    "id": WORKFLOW_ID,
    "name": "build",
    "pipeline_id": PIPELINE_ID,
    "pipeline_number": 154,
    "project_slug": SLUG,
    "status": "running",
    "started_by": USER_ID,
    "created_at": "2020-12-24T12:59:23Z",
    "stopped_at": None,
}


def page(*items: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    return {"next_page_token": token, "items": list(items)}


# Each case: the call, then what must go over the wire and what must come back.
# (call, method, raw path, query, JSON body or None, status, response JSON, check of the result)
CASES: list[tuple[str, Callable, str, str, dict, Any, int, Any, Callable[[Any], bool]]] = [
    (
        "get_me",
        lambda c: c.get_me(),
        "GET",
        "/api/v2/me",
        {},
        None,
        200,
        {"id": USER_ID, "login": "alice", "name": "Alice", "avatar_url": "https://a/x.png"},
        lambda r: r == User(id=USER_ID, login="alice", name="Alice"),
    ),
    (
        "get_collaborations",
        lambda c: c.get_collaborations(),
        "GET",
        "/api/v2/me/collaborations",
        {},
        None,
        200,
        [
            {
                "id": None,
                "vcs-type": "github",
                "name": "acme",
                "avatar_url": "u",
                "slug": "gh/acme",
            },
            "not an object",
        ],
        lambda r: (
            r
            == [
                Collaboration(
                    id=None, vcs_type="github", name="acme", slug="gh/acme", avatar_url="u"
                )
            ]
        ),
    ),
    (
        "get_user",
        lambda c: c.get_user(USER_ID),
        "GET",
        f"/api/v2/user/{USER_ID}",
        {},
        None,
        200,
        {"name": "Fayaz", "login": "fayazg", "id": USER_ID},
        lambda r: r == User(id=USER_ID, login="fayazg", name="Fayaz"),
    ),
    (
        "list_pipelines org",
        lambda c: c.list_pipelines("gh/acme"),
        "GET",
        "/api/v2/pipeline",
        {"org-slug": "gh/acme"},
        None,
        200,
        page(PIPELINE, token="next1"),
        lambda r: r.next_page_token == "next1" and [p.number for p in r.items] == [154],
    ),
    (
        "list_pipelines mine page",
        lambda c: c.list_pipelines("gh/acme", mine=True, page_token="tok2"),
        "GET",
        "/api/v2/pipeline",
        {"org-slug": "gh/acme", "mine": "true", "page-token": "tok2"},
        None,
        200,
        page(),
        lambda r: r == Page(items=[], next_page_token=None),
    ),
    (
        "list_pipelines bare",
        lambda c: c.list_pipelines(),
        "GET",
        "/api/v2/pipeline",
        {},
        None,
        200,
        page(),
        lambda r: r.items == [],
    ),
    (
        "list_project_pipelines",
        lambda c: c.list_project_pipelines(SLUG, branch="main", page_token="p2"),
        "GET",
        "/api/v2/project/gh/acme/api/pipeline",
        {"branch": "main", "page-token": "p2"},
        None,
        200,
        page(PIPELINE),
        lambda r: r.items[0].id == PIPELINE_ID and r.next_page_token is None,
    ),
    (
        "list_my_pipelines",
        lambda c: c.list_my_pipelines(SLUG),
        "GET",
        "/api/v2/project/gh/acme/api/pipeline/mine",
        {},
        None,
        200,
        page(PIPELINE),
        lambda r: r.items[0].state == "created",
    ),
    (
        "get_pipeline",
        lambda c: c.get_pipeline(PIPELINE_ID),
        "GET",
        f"/api/v2/pipeline/{PIPELINE_ID}",
        {},
        None,
        200,
        PIPELINE,
        lambda r: (r.id, r.number, r.trigger.type) == (PIPELINE_ID, 154, "webhook"),
    ),
    (
        "get_pipeline_by_number",
        lambda c: c.get_pipeline_by_number(SLUG, 154),
        "GET",
        "/api/v2/project/gh/acme/api/pipeline/154",
        {},
        None,
        200,
        PIPELINE,
        lambda r: r.number == 154,
    ),
    (
        "get_pipeline_config",
        lambda c: c.get_pipeline_config(PIPELINE_ID),
        "GET",
        f"/api/v2/pipeline/{PIPELINE_ID}/config",
        {},
        None,
        200,
        {"source": "version: 2.1", "compiled": "version: 2", "setup-config": "s"},
        lambda r: (
            (r.source, r.compiled, r.setup_config, r.compiled_setup_config)
            == ("version: 2.1", "version: 2", "s", None)
        ),
    ),
    (
        "list_pipeline_workflows",
        lambda c: c.list_pipeline_workflows(PIPELINE_ID, page_token="w2"),
        "GET",
        f"/api/v2/pipeline/{PIPELINE_ID}/workflow",
        {"page-token": "w2"},
        None,
        200,
        page(WORKFLOW),
        lambda r: (
            [(w.id, w.status, w.stopped_at) for w in r.items] == [(WORKFLOW_ID, "running", None)]
        ),
    ),
    (
        "trigger_pipeline branch+parameters",
        lambda c: c.trigger_pipeline(SLUG, branch="main", parameters={"deploy": True, "n": 3}),
        "POST",
        "/api/v2/project/gh/acme/api/pipeline",
        {},
        {"branch": "main", "parameters": {"deploy": True, "n": 3}},
        201,
        {
            "number": 2,
            "state": "pending",
            "id": "e411ea74-0000-4000-8000-000000000000",
            "created_at": "2020-01-15T15:32:36.605Z",
        },
        lambda r: (
            r
            == PipelineCreation(
                id="e411ea74-0000-4000-8000-000000000000",
                number=2,
                state="pending",
                created_at=datetime(2020, 1, 15, 15, 32, 36, 605000, tzinfo=UTC),
            )
        ),
    ),
    (
        "trigger_pipeline tag",
        lambda c: c.trigger_pipeline(SLUG, tag="v1.0"),
        "POST",
        "/api/v2/project/gh/acme/api/pipeline",
        {},
        {"tag": "v1.0"},
        201,
        {"number": 3, "state": "pending", "id": "x", "created_at": None},
        lambda r: (r.number, r.created_at) == (3, None),
    ),
    (
        "trigger_pipeline nothing",
        lambda c: c.trigger_pipeline(SLUG),
        "POST",
        "/api/v2/project/gh/acme/api/pipeline",
        {},
        {},
        201,
        {"number": "4", "state": "pending", "id": "y"},
        lambda r: r.number == 4,
    ),
    (
        "get_workflow",
        lambda c: c.get_workflow(WORKFLOW_ID),
        "GET",
        f"/api/v2/workflow/{WORKFLOW_ID}",
        {},
        None,
        200,
        WORKFLOW,
        lambda r: (r.name, r.pipeline_number, r.started_by) == ("build", 154, USER_ID),
    ),
    (
        "list_workflow_jobs",
        lambda c: c.list_workflow_jobs(WORKFLOW_ID),
        "GET",
        f"/api/v2/workflow/{WORKFLOW_ID}/job",
        {},
        None,
        200,
        page(
            {
                "dependencies": [],
                "id": APPROVAL_ID,
                "started_at": None,
                "name": "hold",
                "project_slug": SLUG,
                "status": "on_hold",
                "type": "approval",
                "approval_request_id": APPROVAL_ID,
            }
        ),
        lambda r: (
            [(j.name, j.is_approval, j.job_number, j.approval_request_id) for j in r.items]
            == [("hold", True, None, APPROVAL_ID)]
        ),
    ),
    (
        "cancel_workflow",
        lambda c: c.cancel_workflow(WORKFLOW_ID),
        "POST",
        f"/api/v2/workflow/{WORKFLOW_ID}/cancel",
        {},
        None,
        202,
        {"message": "Accepted."},
        lambda r: r == Message("Accepted."),
    ),
    (
        "rerun_workflow from_failed",
        lambda c: c.rerun_workflow(WORKFLOW_ID, from_failed=True),
        "POST",
        f"/api/v2/workflow/{WORKFLOW_ID}/rerun",
        {},
        {"from_failed": True},
        202,
        {"workflow_id": "0e53027b-521a-4c40-9042-47e72b3c63a3"},
        lambda r: r == RerunResult("0e53027b-521a-4c40-9042-47e72b3c63a3"),
    ),
    (
        "rerun_workflow jobs",
        lambda c: c.rerun_workflow(
            WORKFLOW_ID, jobs=["j-1", "j-2"], enable_ssh=True, sparse_tree=False
        ),
        "POST",
        f"/api/v2/workflow/{WORKFLOW_ID}/rerun",
        {},
        {"jobs": ["j-1", "j-2"], "enable_ssh": True, "sparse_tree": False},
        202,
        {"workflow_id": "new-wf"},
        lambda r: r == RerunResult("new-wf"),
    ),
    (
        "rerun_workflow plain",
        lambda c: c.rerun_workflow(WORKFLOW_ID),
        "POST",
        f"/api/v2/workflow/{WORKFLOW_ID}/rerun",
        {},
        {},
        202,
        {"workflow_id": "new-wf-2"},
        lambda r: r.workflow_id == "new-wf-2",
    ),
    (
        "approve_job",
        lambda c: c.approve_job(WORKFLOW_ID, APPROVAL_ID),
        "POST",
        f"/api/v2/workflow/{WORKFLOW_ID}/approve/{APPROVAL_ID}",
        {},
        None,
        202,
        {"message": "Accepted."},
        lambda r: r == Message("Accepted."),
    ),
    (
        "get_job_details",
        lambda c: c.get_job_details(SLUG, 155),
        "GET",
        "/api/v2/project/gh/acme/api/job/155",
        {},
        None,
        200,
        {
            "number": 155,
            "name": "build",
            "status": "success",
            "duration": 41658,
            "project": {"slug": SLUG, "name": "api"},
            "executor": {"resource_class": "medium", "type": "docker"},
        },
        lambda r: (
            (r.number, r.status, r.duration_ms, r.resource_class, r.project_slug)
            == (155, "success", 41658, "medium", SLUG)
        ),
    ),
    (
        "cancel_job",
        lambda c: c.cancel_job(SLUG, 155),
        "POST",
        "/api/v2/project/gh/acme/api/job/155/cancel",
        {},
        None,
        200,
        {"message": "Job canceled."},
        lambda r: r == Message("Job canceled."),
    ),
    (
        "list_job_artifacts",
        lambda c: c.list_job_artifacts(SLUG, 155),
        "GET",
        "/api/v2/project/gh/acme/api/155/artifacts",
        {},
        None,
        200,
        page({"path": "a/b.png", "node_index": 0, "url": "https://x/0/a/b.png"}),
        lambda r: r.items == [Artifact(path="a/b.png", node_index=0, url="https://x/0/a/b.png")],
    ),
    (
        "list_job_tests",
        lambda c: c.list_job_tests(SLUG, 155, page_token="t9"),
        "GET",
        "/api/v2/project/gh/acme/api/155/tests",
        {"page-token": "t9"},
        None,
        200,
        page(
            {
                "message": None,
                "source": "rspec",
                "run_time": 0.25,
                "file": "spec/a_spec.rb",
                "result": "failure",
                "name": "does a thing",
                "classname": "A",
            },
            token="t10",
        ),
        lambda r: (
            [(t.name, t.failed, t.run_time) for t in r.items] == [("does a thing", True, 0.25)]
            and r.next_page_token == "t10"
        ),
    ),
    (
        "get_workflow_summary",
        lambda c: c.get_workflow_summary(SLUG, "build and test", branch="main", all_branches=False),
        "GET",
        "/api/v2/insights/gh/acme/api/workflows/build%20and%20test/summary",
        {"branch": "main", "all-branches": "false"},
        None,
        200,
        {
            "metrics": {
                "total_runs": 10,
                "successful_runs": 8,
                "failed_runs": 2,
                "success_rate": 0.8,
                "duration_metrics": {"median": 120, "p95": None},
            },
            "trends": {},
            "workflow_names": ["build and test"],
        },
        lambda r: (
            (r.total_runs, r.success_rate, r.median_duration_secs, r.p95_duration_secs)
            == (10, 0.8, 120.0, None)
        ),
    ),
    (
        "list_workflow_metrics",
        lambda c: c.list_workflow_metrics(SLUG, branch="main", reporting_window="last-7-days"),
        "GET",
        "/api/v2/insights/gh/acme/api/workflows",
        {"branch": "main", "reporting-window": "last-7-days"},
        None,
        200,
        page({"name": "build", "window_start": "2026-01-01T00:00:00Z",
               "window_end": "2026-01-08T00:00:00Z",
               "metrics": {"total_runs": 10, "successful_runs": 8, "failed_runs": 2,
                           "success_rate": 0.8, "throughput": 1.4, "mttr": 600,
                           "total_credits_used": 300,
                           "duration_metrics": {"median": 120, "p95": 300}}}),
        lambda r: [(m.name, m.metrics.total_runs, m.metrics.success_rate,
                    m.metrics.median_duration_secs) for m in r.items]
        == [("build", 10, 0.8, 120)],
    ),
    (
        "list_workflow_runs",
        lambda c: c.list_workflow_runs(SLUG, "build", branch="main"),
        "GET",
        "/api/v2/insights/gh/acme/api/workflows/build",
        {"branch": "main"},
        None,
        200,
        page({"id": WORKFLOW_ID, "status": "success", "duration": 95,
               "created_at": "2026-01-01T00:00:00Z", "stopped_at": "2026-01-01T00:01:35Z",
               "branch": "main", "credits_used": 12, "is_approval": False}),
        lambda r: [(run.id, run.status, run.duration, run.credits_used) for run in r.items]
        == [(WORKFLOW_ID, "success", 95, 12)],
    ),
    (
        "get_flaky_tests",
        lambda c: c.get_flaky_tests(SLUG),
        "GET",
        "/api/v2/insights/gh/acme/api/flaky-tests",
        {},
        None,
        200,
        {
            "flaky_tests": [
                {
                    "test_name": "t1",
                    "classname": None,
                    "job_name": "test",
                    "workflow_name": "build",
                    "times_flaked": 3,
                    "job_number": "155",
                }
            ],
            "total_flaky_tests": 7.0,
        },
        lambda r: (
            r
            == (
                [
                    FlakyTest(
                        test_name="t1",
                        classname=None,
                        job_name="test",
                        workflow_name="build",
                        times_flaked=3,
                        job_number=155,
                    )
                ],
                7,
            )
        ),
    ),
    (
        "get_flaky_tests (the documented kebab-case keys)",
        lambda c: c.get_flaky_tests(SLUG),
        "GET",
        "/api/v2/insights/gh/acme/api/flaky-tests",
        {},
        None,
        200,
        {
            "flaky-tests": [
                {
                    "test-name": "t1",
                    "classname": None,
                    "job-name": "test",
                    "workflow-name": "build",
                    "times-flaked": 3,
                    "job-number": "155",
                }
            ],
            "total-flaky-tests": 7.0,
        },
        lambda r: (
            r
            == (
                [
                    FlakyTest(
                        test_name="t1",
                        classname=None,
                        job_name="test",
                        workflow_name="build",
                        times_flaked=3,
                        job_number=155,
                    )
                ],
                7,
            )
        ),
    ),
    (
        "get_job_v1",
        lambda c: c.get_job_v1(SLUG, 155),
        "GET",
        "/api/v1.1/project/gh/acme/api/155",
        {},
        None,
        200,
        {"build_num": 155, "steps": [{"name": "Checkout code", "actions": []}]},
        lambda r: r == {"build_num": 155, "steps": [{"name": "Checkout code", "actions": []}]},
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body", "status", "answer", "check"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_method_sends_exact_request_and_parses_answer(
    call, method, path, query, body, status, answer, check
):
    script = Script(httpx.Response(status, json=answer))
    async with make_client(script) as client:
        result = await call(client)

    assert check(result), result
    [request] = script.requests
    assert request.method == method
    assert request.url.scheme == "https"
    assert request.url.host == "circleci.com"
    assert request.url.raw_path.decode().split("?")[0] == path
    assert dict(request.url.params) == query
    assert body_of(request) == body
    assert request.headers["Circle-Token"] == TOKEN
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == f"circletui/{__version__}"
    assert "authorization" not in request.headers
    if body is None:
        assert "content-type" not in request.headers
    else:
        assert request.headers["Content-Type"] == "application/json"
    assert TOKEN not in str(request.url)


def test_every_public_method_is_covered():
    covered = {case[0].split()[0] for case in CASES} | {"get_step_output"}
    public = {
        name
        for name in dir(CircleCIClient)
        if not name.startswith("_") and callable(getattr(CircleCIClient, name))
    } - {"aclose"}
    assert public == covered


# -- slugs and path segments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "path"),
    [
        ("gh/acme/api", "/api/v2/project/gh/acme/api/pipeline"),
        ("bb/acme/api", "/api/v2/project/bb/acme/api/pipeline"),
        (
            "circleci/6f2b4f7e-33b0-4a4e-9b8a-1c2d3e4f5a6b/0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9",
            "/api/v2/project/circleci/6f2b4f7e-33b0-4a4e-9b8a-1c2d3e4f5a6b/"
            "0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9/pipeline",
        ),
        ("gh/acme/my repo", "/api/v2/project/gh/acme/my%20repo/pipeline"),
        ("gh/acme/a?b#c%d", "/api/v2/project/gh/acme/a%3Fb%23c%25d/pipeline"),
    ],
)
async def test_project_slug_keeps_slashes_and_escapes_the_rest(slug, path):
    script = Script(httpx.Response(200, json=page()))
    async with make_client(script) as client:
        await client.list_project_pipelines(slug)
    assert script.requests[0].url.raw_path.decode() == path


@pytest.mark.parametrize("slug", ["", "gh/acme/", "/gh/acme/api", "gh//api", "gh/../me", "gh/./x"])
async def test_bad_slug_is_refused_before_sending(slug):
    script = Script(httpx.Response(200, json=page()))
    async with make_client(script) as client:
        with pytest.raises(ValueError):
            await client.list_project_pipelines(slug)
        assert client.request_count == 0
    assert script.requests == []


async def test_ids_are_one_escaped_segment():
    script = Script(httpx.Response(200, json=WORKFLOW))
    async with make_client(script) as client:
        await client.get_workflow("a/b c")
        with pytest.raises(ValueError):
            await client.get_workflow("..")
    assert [r.url.raw_path.decode() for r in script.requests] == ["/api/v2/workflow/a%2Fb%20c"]


async def test_job_number_accepts_int_or_digit_string_only():
    script = Script(httpx.Response(200, json={"number": 7}))
    async with make_client(script) as client:
        await client.get_job_details(SLUG, "7")
        with pytest.raises(ValueError):
            await client.get_job_details(SLUG, "7/../8")
        with pytest.raises(TypeError):
            await client.get_job_details(SLUG, True)
        with pytest.raises(TypeError):
            await client.get_job_details(SLUG, 7.5)
    assert [r.url.raw_path.decode() for r in script.requests] == [
        "/api/v2/project/gh/acme/api/job/7"
    ]


async def test_host_trailing_slash_and_port_and_prefix():
    script = Script(httpx.Response(200, json={"id": "u", "login": "l", "name": "n"}))
    async with make_client(script, host="http://127.0.0.1:8080/") as client:
        assert client.v2_base == "http://127.0.0.1:8080/api/v2"
        assert client.v1_base == "http://127.0.0.1:8080/api/v1.1"
        await client.get_me()
    assert str(script.requests[0].url) == "http://127.0.0.1:8080/api/v2/me"
    assert script.requests[0].headers["Circle-Token"] == TOKEN

    script = Script(httpx.Response(200, json={}))
    async with make_client(script, host="https://ci.example.com/circle") as client:
        await client.get_me()
    assert str(script.requests[0].url) == "https://ci.example.com/circle/api/v2/me"


@pytest.mark.parametrize(
    "host", ["circleci.com", "ftp://circleci.com", "https://", "https://x/?a=1"]
)
def test_bad_host_is_refused(host):
    with pytest.raises(ValueError):
        CircleCIClient(TOKEN, host)


def test_empty_token_is_refused():
    with pytest.raises(ValueError):
        CircleCIClient("   ")


# -- local validation of mutations --------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"from_failed": True, "jobs": ["j"]},
        {"from_failed": False, "jobs": ["j"]},
        {"enable_ssh": True},
        {"sparse_tree": True},
        {"from_failed": True, "enable_ssh": False},
        {"jobs": []},
        {"jobs": ["j", ""]},
    ],
)
async def test_rerun_exclusions_raise_before_sending(kwargs):
    script = Script(httpx.Response(202, json={"workflow_id": "x"}))
    async with make_client(script) as client:
        with pytest.raises(ValueError):
            await client.rerun_workflow(WORKFLOW_ID, **kwargs)
    assert script.requests == []


async def test_rerun_jobs_must_not_be_a_string():
    script = Script(httpx.Response(202, json={"workflow_id": "x"}))
    async with make_client(script) as client:
        with pytest.raises(TypeError):
            await client.rerun_workflow(WORKFLOW_ID, jobs="job-id")
    assert script.requests == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"branch": "main", "tag": "v1"}, ValueError),
        ({"parameters": {"x": 1.5}}, TypeError),
        ({"parameters": {"x": None}}, TypeError),
        ({"parameters": {"k" * 129: "v"}}, ValueError),
        ({"parameters": {"k": "v" * 513}}, ValueError),
        ({"parameters": {f"k{i}": i for i in range(101)}}, ValueError),
    ],
)
async def test_trigger_validation_raises_before_sending(kwargs, error):
    script = Script(httpx.Response(201, json={}))
    async with make_client(script) as client:
        with pytest.raises(error):
            await client.trigger_pipeline(SLUG, **kwargs)
    assert script.requests == []


# -- statuses and failures become exceptions ----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequest),
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (405, BadRequest),
        (409, BadRequest),
        (422, BadRequest),
        (429, RateLimited),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (302, HTTPError),
    ],
)
async def test_status_maps_to_exception(status, kind):
    script = Script(httpx.Response(status, json={"message": f"nope {status}"}))
    async with make_client(script) as client:
        with pytest.raises(kind) as caught:
            await client.list_project_pipelines(SLUG, page_token="secret-page")
    error = caught.value
    assert type(error) is kind
    assert error.status == status
    assert error.method == "GET"
    assert error.path == "/api/v2/project/gh/acme/api/pipeline"
    assert error.message == f"nope {status}"
    assert str(error) == f"{status}: nope {status} (GET /api/v2/project/gh/acme/api/pipeline)"


async def test_redirect_is_not_followed():
    script = Script(
        httpx.Response(301, headers={"Location": "https://evil.example/x"}, text=""),
        httpx.Response(200, json={}),
    )
    async with make_client(script) as client:
        with pytest.raises(HTTPError) as caught:
            await client.get_me()
    assert caught.value.status == 301
    assert caught.value.message == "Moved Permanently"
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (httpx.ConnectError, ConnectionRefused),
        (httpx.ReadError, NetworkError),
        (httpx.WriteError, NetworkError),
        (httpx.RemoteProtocolError, NetworkError),
        (httpx.ReadTimeout, Timeout),
        (httpx.ConnectTimeout, Timeout),
        (httpx.PoolTimeout, Timeout),
    ],
)
async def test_transport_failure_maps_to_exception(failure, kind):
    script = Script(failure)
    async with make_client(script) as client:
        with pytest.raises(kind) as caught:
            await client.get_pipeline(PIPELINE_ID)
    error = caught.value
    assert type(error) is kind
    assert error.status is None
    assert error.method == "GET"
    assert error.path == f"/api/v2/pipeline/{PIPELINE_ID}"
    assert failure.__name__ in error.message
    assert isinstance(error.__cause__, failure)


def test_connection_refused_is_a_network_error_but_a_read_error_is_not_refused():
    assert issubclass(ConnectionRefused, NetworkError)
    assert not issubclass(NetworkError, ConnectionRefused)


@pytest.mark.parametrize(
    "content", [b"<html>oops</html>", b"", b"{truncated", b"\xff\xfe\x00garbage"]
)
async def test_2xx_that_is_not_json_is_invalid_response(content):
    script = Script(httpx.Response(200, content=content, headers={"Content-Type": "text/html"}))
    async with make_client(script) as client:
        with pytest.raises(InvalidResponse) as caught:
            await client.get_me()
    assert caught.value.status == 200
    assert caught.value.path == "/api/v2/me"
    assert caught.value.message.startswith("expected JSON, got text/html: ")


@pytest.mark.parametrize(
    ("call", "answer"),
    [
        (lambda c: c.get_me(), []),
        (lambda c: c.get_me(), "a string"),
        (lambda c: c.get_collaborations(), {"items": []}),
        (lambda c: c.list_project_pipelines(SLUG), {"items": "nope"}),
        (lambda c: c.list_project_pipelines(SLUG), [1, 2]),
        (lambda c: c.get_step_output("https://s3.example/out"), {"message": "x"}),
    ],
)
async def test_json_of_the_wrong_shape_is_invalid_response(call, answer):
    script = Script(httpx.Response(200, json=answer))
    async with make_client(script) as client:
        with pytest.raises(InvalidResponse):
            await call(client)


async def test_empty_answer_to_a_mutation_is_accepted():
    script = Script(httpx.Response(202, content=b""))
    async with make_client(script) as client:
        assert await client.cancel_workflow(WORKFLOW_ID) == Message("")
        assert await client.approve_job(WORKFLOW_ID, APPROVAL_ID) == Message("")
        assert await client.cancel_job(SLUG, 1) == Message("")
        # A rerun's answer is the new workflow's id: an empty one is not a success.
        with pytest.raises(InvalidResponse):
            await client.rerun_workflow(WORKFLOW_ID)


@pytest.mark.parametrize(
    ("status", "content", "content_type", "message"),
    [
        (404, b'{"message":"Project not found"}', "application/json", "Project not found"),
        (
            401,
            b'{"error":"unauthenticated","message":"other"}',
            "application/json",
            "unauthenticated",
        ),
        (403, b'{"message" : "Permission denied."}', "application/json", "Permission denied."),
        (429, b"Rate limited.", "text/plain", "Rate limited."),
        (400, b'{"error":{"title":"Bad","detail":"field x"}}', "application/json", "field x"),
        (400, b'{"errors":[{"type":"a"}]}', "application/json", '{"errors":[{"type":"a"}]}'),
        (500, b'{"message": ""}', "application/json", '{"message": ""}'),
        (404, b"", "text/plain", "Not Found"),
        (
            502,
            b"<html>\n  <body>Bad   gateway</body>\n</html>",
            "text/html",
            "<html> <body>Bad gateway</body> </html>",
        ),
    ],
)
async def test_error_message_extraction(status, content, content_type, message):
    script = Script(httpx.Response(status, content=content, headers={"Content-Type": content_type}))
    async with make_client(script) as client:
        with pytest.raises(HTTPError) as caught:
            await client.get_me()
    assert caught.value.message == message


async def test_long_error_body_is_cut_to_200_characters():
    script = Script(httpx.Response(500, text="x" * 5000))
    async with make_client(script) as client:
        with pytest.raises(ServerError) as caught:
            await client.get_me()
    assert caught.value.message == "x" * 199 + "…"


# -- bookkeeping the monitor reads --------------------------------------------------------------


async def test_rate_limit_headers_are_exposed_and_lower_limit_wins():
    script = Script(
        httpx.Response(
            200,
            json={},
            headers={
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Remaining": "42",
                "RateLimit-Remaining": "40",
                "RateLimit-Reset": "12",
                "X-RateLimit-Reset": "9",
            },
        ),
        httpx.Response(200, json={}),
        httpx.Response(429, text="Rate limited.", headers={"RateLimit-Remaining": "0"}),
    )
    async with make_client(script) as client:
        assert client.rate_limit is None
        await client.get_me()
        assert client.rate_limit == RateLimitInfo(
            limit=100, remaining=40, reset=12.0, observed_at=NOW
        )
        # A response without the headers keeps the last seen values.
        await client.get_me()
        assert client.rate_limit.remaining == 40
        with pytest.raises(RateLimited):
            await client.get_me()
        assert client.rate_limit == RateLimitInfo(
            limit=None, remaining=0, reset=None, observed_at=NOW
        )


async def test_request_count_counts_every_attempt():
    script = Script(httpx.Response(503, json={}), httpx.ConnectError, httpx.Response(200, json={}))
    async with make_client(script, retry=RetryPolicy()) as client:
        assert client.request_count == 0
        await client.get_me()
        assert client.request_count == 3
        await client.get_me()
        assert client.request_count == 4


async def test_one_shared_http_client_closed_by_aclose():
    script = Script(httpx.Response(200, json={}))
    client = make_client(script)
    inner = client._http
    await client.get_me()
    await client.get_user(USER_ID)
    assert client._http is inner
    assert not client.closed
    await client.aclose()
    assert client.closed and inner.is_closed


def test_timeouts():
    client = CircleCIClient(TOKEN)
    assert client._http.timeout == httpx.Timeout(15.0, connect=10.0)
    client = CircleCIClient(TOKEN, timeout=5.0)
    assert client._http.timeout == httpx.Timeout(5.0, connect=5.0)


# -- step output --------------------------------------------------------------------------------


async def test_step_output_from_s3_has_no_token_and_skips_odd_chunks():
    url = (
        "https://circle-production-action-output.s3.amazonaws.com/abc-101-0"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=431999&X-Amz-Signature=deadbeef"
    )
    chunks = [
        {"message": "\x1b[1mhello\r\n", "time": "2019-11-11T19:49:12.000Z", "type": "out"},
        "junk",
        {"message": "Exited with code 1", "time": "2019-11-11T19:49:13.130Z", "type": "err"},
    ]
    script = Script(
        httpx.Response(200, json=chunks, headers={"Content-Type": "binary/octet-stream"})
    )
    async with make_client(script) as client:
        result = await client.get_step_output(url)
    assert result == [chunks[0], chunks[2]]
    [request] = script.requests
    assert str(request.url) == url
    assert "circle-token" not in request.headers
    assert "authorization" not in request.headers


async def test_step_output_is_retried_like_a_read():
    script = Script(httpx.Response(503, json={}), httpx.Response(200, json=[]))
    async with make_client(script, retry=RetryPolicy()) as client:
        assert await client.get_step_output("https://s3.example/key") == []
    assert len(script.requests) == 2


async def test_step_output_rejects_relative_url():
    async with make_client(Script(httpx.Response(200, json=[]))) as client:
        with pytest.raises(ValueError):
            await client.get_step_output("/api/v1.1/output")


# -- pagination ---------------------------------------------------------------------------------


class Pages:
    """A fake ``fetch``: token -> page, built from raw envelopes through ``Page.from_api``."""

    def __init__(self, envelopes: dict[str | None, dict[str, Any]]) -> None:
        self.envelopes = envelopes
        self.calls: list[str | None] = []

    async def __call__(self, token: str | None) -> Page[int]:
        self.calls.append(token)
        return Page.from_api(self.envelopes[token], lambda item: item["n"])


def envelope(*numbers: int, **extra: Any) -> dict[str, Any]:
    return {"items": [{"n": n} for n in numbers], **extra}


THREE_PAGES = {
    None: envelope(1, 2, next_page_token="t1"),
    "t1": envelope(3, 4, next_page_token="t2"),
    "t2": envelope(5, next_page_token=None),
}


async def test_paginate_defaults_to_one_page():
    fetch = Pages(THREE_PAGES)
    assert await collect(fetch) == [1, 2]
    assert fetch.calls == [None]


async def test_paginate_stops_at_null_token():
    fetch = Pages(THREE_PAGES)
    assert await collect(fetch, max_pages=10) == [1, 2, 3, 4, 5]
    assert fetch.calls == [None, "t1", "t2"]


async def test_paginate_stops_at_missing_token():
    fetch = Pages({None: envelope(1, next_page_token="t1"), "t1": envelope(2)})
    assert await collect(fetch, max_pages=None) == [1, 2]
    assert fetch.calls == [None, "t1"]


async def test_paginate_stops_at_empty_token():
    fetch = Pages({None: envelope(1, next_page_token="")})
    assert await collect(fetch, max_pages=None) == [1]
    assert fetch.calls == [None]


async def test_paginate_max_pages():
    fetch = Pages(THREE_PAGES)
    assert await collect(fetch, max_pages=2) == [1, 2, 3, 4]
    assert fetch.calls == [None, "t1"]


async def test_paginate_max_items_mid_page_does_not_fetch_more():
    fetch = Pages(THREE_PAGES)
    assert await collect(fetch, max_pages=None, max_items=3) == [1, 2, 3]
    assert fetch.calls == [None, "t1"]


async def test_paginate_max_items_on_page_boundary_does_not_fetch_more():
    fetch = Pages(THREE_PAGES)
    assert await collect(fetch, max_pages=None, max_items=2) == [1, 2]
    assert fetch.calls == [None]


async def test_paginate_max_items_zero_fetches_nothing():
    fetch = Pages(THREE_PAGES)
    assert await collect(fetch, max_items=0) == []
    assert fetch.calls == []


async def test_paginate_repeated_token_ends_the_walk():
    fetch = Pages(
        {None: envelope(1, next_page_token="t1"), "t1": envelope(2, next_page_token="t1")}
    )
    assert await collect(fetch, max_pages=None) == [1, 2]
    assert fetch.calls == [None, "t1"]


async def test_paginate_rejects_zero_pages():
    with pytest.raises(ValueError):
        await collect(Pages(THREE_PAGES), max_pages=0)


async def test_paginate_is_lazy():
    fetch = Pages(THREE_PAGES)
    seen = []
    async for n in paginate(fetch, max_pages=3):
        seen.append(n)
        if n == 2:
            break
    assert seen == [1, 2]
    assert fetch.calls == [None]


async def test_paginate_through_the_client_sends_page_tokens():
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("page-token")
        pages = {
            None: page({**PIPELINE, "number": 3}, token="AARLwwWYCXtgaRy9_r-78"),
            "AARLwwWYCXtgaRy9_r-78": {"items": [{**PIPELINE, "number": 2}]},
        }
        return httpx.Response(200, json=pages[token])

    async with make_client(handler) as client:
        numbers = [
            p.number
            async for p in paginate(
                lambda t: client.list_project_pipelines(SLUG, page_token=t), max_pages=5
            )
        ]
        assert client.request_count == 2
    assert numbers == [3, 2]


# -- the requests agree with the OpenAPI document -----------------------------------------------

SPEC = json.loads(
    (Path(__file__).resolve().parents[2] / "spec" / "circleci-openapi-v2.json").read_text()
)
OPERATIONS = {
    "get_me": "getCurrentUser",
    "get_collaborations": "getCollaborations",
    "get_user": "getUser",
    "list_pipelines": "listPipelines",
    "list_project_pipelines": "listPipelinesForProject",
    "list_my_pipelines": "listMyPipelines",
    "get_pipeline": "getPipelineById",
    "get_pipeline_by_number": "getPipelineByNumber",
    "get_pipeline_config": "getPipelineConfigById",
    "list_pipeline_workflows": "listWorkflowsByPipelineId",
    "trigger_pipeline": "triggerPipeline",
    "get_workflow": "getWorkflowById",
    "list_workflow_jobs": "listWorkflowJobs",
    "cancel_workflow": "cancelWorkflow",
    "rerun_workflow": "rerunWorkflow",
    "approve_job": "approvePendingApprovalJobById",
    "get_job_details": "getJobDetails",
    "cancel_job": "cancelJob",
    "list_job_artifacts": "getJobArtifacts",
    "list_job_tests": "getTests",
    "get_workflow_summary": "getWorkflowSummary",
    "get_flaky_tests": "getFlakyTests",
    "list_workflow_metrics": "getProjectWorkflowMetrics",
    "list_workflow_runs": "getProjectWorkflowRuns",
}
# The spec's envelope has next_page_token on these but declares no page-token parameter;
# live CircleCI pages them (a documented divergence).
UNDECLARED_PAGE_TOKEN = {
    operation
    for divergence in DIVERGENCES
    if divergence.name == "undeclared_page_token"
    for relaxation in divergence.accepts
    for operation in relaxation.operations
}


def spec_operation(operation_id: str) -> tuple[str, str, dict[str, Any]]:
    for template, item in SPEC["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return template, method.upper(), operation
    raise LookupError(operation_id)


def template_regex(template: str) -> re.Pattern[str]:
    # project-slug is allowReserved (its slashes are literal); other parameters are one segment.
    pattern = re.sub(
        r"\{([^}]+)\}",
        lambda m: "[^?#]+" if m.group(1) == "project-slug" else "[^/?#]+",
        template,
    )
    return re.compile(f"/api/v2{pattern}")


@pytest.mark.parametrize(
    ("name", "call", "method", "path", "query", "body", "status"),
    [case[:7] for case in CASES if case[0].split()[0] in OPERATIONS],
    ids=[case[0] for case in CASES if case[0].split()[0] in OPERATIONS],
)
def test_case_matches_the_openapi_operation(name, call, method, path, query, body, status):
    template, spec_method, operation = spec_operation(OPERATIONS[name.split()[0]])
    assert method == spec_method
    assert template_regex(template).fullmatch(path), (template, path)
    declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    if operation["operationId"] in UNDECLARED_PAGE_TOKEN:
        declared.add("page-token")
    assert set(query) <= declared
    assert str(status) in operation["responses"]
    if body is not None:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert set(body) <= set(schema["properties"])
