"""The simulator over HTTP: status codes, error bodies, auth, slugs, pagination, formatting,
fault injection, request recording, v1.1 steps and output, a real uvicorn server and the CLI."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from circletui.simulator import ManualClock, Simulator

ROOT = Path(__file__).resolve().parents[2]


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
        transport=sim.transport(), base_url="http://sim", headers=headers
    ) as client:
        yield client


async def all_pages(client: httpx.AsyncClient, url: str, **params: str) -> list[dict]:
    items: list[dict] = []
    token = None
    while True:
        query = dict(params, **({"page-token": token} if token else {}))
        response = await client.get(url, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= 20
        items.extend(body["items"])
        token = body.get("next_page_token")
        if not token:
            return items
        assert len(body["items"]) == 20


# ----------------------------------------------------------------------- auth


async def test_every_supported_auth_form_is_accepted(sim: Simulator) -> None:
    basic = base64.b64encode(f"{sim.token}:".encode()).decode()
    basic_no_colon = base64.b64encode(sim.token.encode()).decode()
    async with httpx.AsyncClient(transport=sim.transport(), base_url="http://sim") as client:
        for headers in (
            {"Circle-Token": sim.token},
            {"Authorization": f"Basic {basic}"},
            {"Authorization": f"Basic {basic_no_colon}"},
            {"Authorization": f"Bearer {sim.token}"},
        ):
            response = await client.get("/api/v2/me", headers=headers)
            assert response.status_code == 200, headers
            assert response.json()["login"] == "sam-rivera"
        response = await client.get("/api/v2/me", auth=(sim.token, ""))
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("headers", "query", "message"),
    [
        ({}, {}, "You must log in first."),
        ({"Circle-Token": "nope"}, {}, "Invalid token provided."),
        ({"Authorization": "Bearer nope"}, {}, "Invalid token provided."),
        ({}, {"circle-token": "demo-token"}, "Support for query parameter authentication has"),
    ],
)
async def test_auth_failures_answer_401_with_a_message(
    sim: Simulator, headers: dict, query: dict, message: str
) -> None:
    async with httpx.AsyncClient(transport=sim.transport(), base_url="http://sim") as client:
        response = await client.get("/api/v2/pipeline", headers=headers, params=query)
    assert response.status_code == 401
    assert response.json()["message"].startswith(message)


async def test_a_custom_token(clock: ManualClock) -> None:
    sim = Simulator(seed=0, clock=clock, token="CCIPAT_abc_123")
    async with sim.client() as client:
        assert (await client.get("/api/v2/me")).status_code == 200
        response = await client.get("/api/v2/me", headers={"Circle-Token": "demo-token"})
        assert response.status_code == 401


# ----------------------------------------------------------------------- actions


async def test_trigger_answers_201_with_a_pending_pipeline(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    response = await client.post(
        "/api/v2/project/gh/acme/api/pipeline",
        json={"branch": "feature/csv-export", "parameters": {"deploy_env": "staging"}},
    )
    assert response.status_code == 201
    body = response.json()
    assert list(body) == ["number", "state", "id", "created_at"]
    assert body["state"] == "pending"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["created_at"])
    clock.advance(5)
    pipeline = (await client.get(f"/api/v2/pipeline/{body['id']}")).json()
    assert pipeline["state"] == "created" and pipeline["number"] == body["number"]
    assert pipeline["vcs"]["branch"] == "feature/csv-export"
    workflows = (await client.get(f"/api/v2/pipeline/{body['id']}/workflow")).json()
    assert [wf["name"] for wf in workflows["items"]] == ["build-and-test"]
    empty = await client.post("/api/v2/project/gh/acme/web/pipeline")
    assert empty.status_code == 201


@pytest.mark.parametrize(
    ("url", "body", "status"),
    [
        ("/api/v2/project/gh/acme/api/pipeline", {"branch": "main", "tag": "v1"}, 400),
        ("/api/v2/project/gh/acme/api/pipeline", {"branch": 3}, 400),
        ("/api/v2/project/gh/acme/api/pipeline", [1, 2], 400),
        ("/api/v2/project/gh/acme/nothing/pipeline", {}, 404),
    ],
)
async def test_trigger_refusals(
    client: httpx.AsyncClient, url: str, body: object, status: int
) -> None:
    response = await client.post(url, json=body)
    assert response.status_code == status
    assert response.json()["message"]


async def test_cancel_workflow_answers_202_then_refuses_a_second_time(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    wf = sim.world.find_running_workflow()
    response = await client.post(f"/api/v2/workflow/{wf.id}/cancel")
    assert response.status_code == 202 and response.json() == {"message": "Accepted."}
    body = (await client.get(f"/api/v2/workflow/{wf.id}")).json()
    assert body["status"] == "canceled" and body["canceled_by"] == sim.world.me.id
    again = await client.post(f"/api/v2/workflow/{wf.id}/cancel")
    assert again.status_code == 400 and "already finished" in again.json()["message"]


async def test_rerun_from_failed_is_recorded_exactly_once(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    wf = sim.world.find_failed_workflow()
    response = await client.post(f"/api/v2/workflow/{wf.id}/rerun", json={"from_failed": True})
    assert response.status_code == 202
    new_id = response.json()["workflow_id"]
    assert list(response.json()) == ["workflow_id"]
    calls = sim.requests_matching("POST", rf"/workflow/{wf.id}/rerun$")
    assert len(calls) == 1 and calls[0].json == {"from_failed": True}
    assert calls[0].status == 202 and calls[0].headers["circle-token"] == sim.token
    listed = (await client.get(f"/api/v2/pipeline/{wf.pipeline.id}/workflow")).json()["items"]
    ids = [item["id"] for item in listed]
    assert ids[0] == new_id and wf.id in ids
    assert {item["name"] for item in listed if item["id"] in (new_id, wf.id)} == {wf.name}


@pytest.mark.parametrize(
    ("status", "body", "fragment"),
    [
        ("success", {"from_failed": True}, "did not fail"),
        ("failed", {"from_failed": True, "jobs": []}, "mutually exclusive"),
        ("failed", {"enable_ssh": True}, "requires the jobs"),
        ("failed", {"sparse_tree": True}, "requires the jobs"),
        ("failed", {"from_failed": "yes"}, "must be a boolean"),
        ("running", None, "still active"),
    ],
)
async def test_rerun_refusals_answer_400(
    client: httpx.AsyncClient, sim: Simulator, status: str, body: object, fragment: str
) -> None:
    wf = sim.world.find_workflow(status=status)
    response = await client.post(f"/api/v2/workflow/{wf.id}/rerun", json=body)
    assert response.status_code == 400
    assert fragment in response.json()["message"]


async def test_approve_answers_202_and_refuses_what_is_not_on_hold(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    wf, approval = sim.world.find_on_hold_approval()
    url = f"/api/v2/workflow/{wf.id}/approve/{approval.id}"
    response = await client.post(url)
    assert response.status_code == 202 and response.json() == {"message": "Accepted."}
    jobs = (await client.get(f"/api/v2/workflow/{wf.id}/job")).json()["items"]
    approved = next(job for job in jobs if job["id"] == approval.id)
    assert approved["status"] == "success" and approved["approved_by"] == sim.world.me.id
    again = await client.post(url)
    assert again.status_code == 400 and "not on hold" in again.json()["message"]
    unknown = await client.post(
        f"/api/v2/workflow/{wf.id}/approve/00000000-0000-4000-8000-000000000000"
    )
    assert unknown.status_code == 404 and unknown.json()["message"]


async def test_job_details_cancel_and_the_approval_404(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    wf = sim.world.find_workflow(name="nightly", status="running")
    job = next(job for job in wf.jobs if job.status == "running")
    details = await client.get(f"/api/v2/project/github/acme/api/job/{job.number}")
    assert details.status_code == 200 and details.json()["status"] == "running"
    cancel = await client.post(f"/api/v2/project/gh/acme/api/job/{job.number}/cancel")
    assert cancel.status_code == 200 and cancel.json()["message"]
    assert (await client.get(f"/api/v2/project/gh/acme/api/job/{job.number}")).json()[
        "status"
    ] == "canceled"
    again = await client.post(f"/api/v2/project/gh/acme/api/job/{job.number}/cancel")
    assert again.status_code == 400
    _, approval = sim.world.find_on_hold_approval()
    slug = approval.project.slug
    assert (await client.get(f"/api/v2/project/{slug}/job/{approval.number}")).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/pipeline/00000000-0000-4000-8000-000000000000",
        "/api/v2/pipeline/00000000-0000-4000-8000-000000000000/workflow",
        "/api/v2/workflow/00000000-0000-4000-8000-000000000000",
        "/api/v2/workflow/00000000-0000-4000-8000-000000000000/job",
        "/api/v2/user/00000000-0000-4000-8000-000000000000",
        "/api/v2/project/gh/acme/nothing/pipeline",
        "/api/v2/project/gh/acme/api/pipeline/99999",
        "/api/v2/project/gh/acme/api/job/99999",
        "/api/v2/project/gh/acme/api/99999/artifacts",
        "/api/v2/pipeline?org-slug=gh/nobody",
        "/api/v2/insights/gh/acme/api/workflows/nope/summary",
        "/api/v2/no/such/route",
        "/api/v1.1/project/github/acme/api/99999",
    ],
)
async def test_unknown_things_answer_404_with_a_message(
    client: httpx.AsyncClient, url: str
) -> None:
    response = await client.get(url)
    assert response.status_code == 404
    assert response.json()["message"]


async def test_wrong_method_answers_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v2/me")
    assert response.status_code == 405 and response.json()["message"]


# ----------------------------------------------------------------------- slugs, lists


@pytest.mark.parametrize(
    "slug",
    ["gh/acme/api", "github/acme/api", "gh%2Facme%2Fapi", "github%2Facme%2Fapi", "GH/acme/API"],
)
async def test_project_slug_forms_are_accepted_and_echoed_short(
    client: httpx.AsyncClient, slug: str
) -> None:
    response = await client.get(f"/api/v2/project/{slug}/pipeline")
    assert response.status_code == 200
    assert {item["project_slug"] for item in response.json()["items"]} == {"gh/acme/api"}


async def test_bitbucket_and_github_app_slugs(client: httpx.AsyncClient, sim: Simulator) -> None:
    bb = await client.get("/api/v2/project/bitbucket/acme-labs/infra/pipeline")
    assert {item["project_slug"] for item in bb.json()["items"]} == {"bb/acme-labs/infra"}
    app_project = next(p for p in sim.world.projects if p.slug.startswith("circleci/"))
    escaped = app_project.slug.replace("/", "%2F")
    response = await client.get(f"/api/v2/project/{escaped}/pipeline")
    assert {item["project_slug"] for item in response.json()["items"]} == {app_project.slug}
    org = app_project.org
    by_org = await all_pages(client, "/api/v2/pipeline", **{"org-slug": org.slug})
    assert by_org and {item["project_slug"] for item in by_org} == {app_project.slug}
    collaborations = (await client.get("/api/v2/me/collaborations")).json()
    assert {c["slug"] for c in collaborations} >= {"gh/acme", "bb/acme-labs", org.slug}
    assert {c["vcs-type"] for c in collaborations} == {"github", "bitbucket", "circleci"}


async def test_pipeline_lists_page_by_twenty_with_opaque_tokens(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    first = (await client.get("/api/v2/pipeline")).json()
    assert list(first) == ["next_page_token", "items"]
    assert len(first["items"]) == 20
    assert re.fullmatch(r"[A-Za-z0-9_-]{60,}", first["next_page_token"])
    items = await all_pages(client, "/api/v2/pipeline")
    assert [item["id"] for item in items] == [p.id for p in sim.world.pipelines]
    mine = await all_pages(client, "/api/v2/pipeline", mine="true")
    assert mine and all(item["trigger"]["actor"]["login"] == "sam-rivera" for item in mine)
    main = await all_pages(client, "/api/v2/project/gh/acme/api/pipeline", branch="main")
    assert main and all(item["vcs"].get("branch") == "main" for item in main)
    bad = await client.get("/api/v2/pipeline", params={"page-token": "garbage"})
    assert bad.status_code == 400


async def test_the_last_page_has_a_null_token_or_none_with_the_quirk(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    wf = sim.world.find_workflow(name="nightly", status="running")
    first = (await client.get(f"/api/v2/workflow/{wf.id}/job")).json()
    assert len(first["items"]) == 20 and first["next_page_token"]
    second = (
        await client.get(
            f"/api/v2/workflow/{wf.id}/job", params={"page-token": first["next_page_token"]}
        )
    ).json()
    assert second["next_page_token"] is None and len(second["items"]) == len(wf.jobs) - 20
    sim.quirks.add("omit_last_page_token")
    second = (
        await client.get(
            f"/api/v2/workflow/{wf.id}/job", params={"page-token": first["next_page_token"]}
        )
    ).json()
    assert "next_page_token" not in second


async def test_a_stale_page_token_404s_only_with_the_quirk(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    first = (await client.get("/api/v2/project/gh/acme/api/pipeline")).json()
    token = first["next_page_token"]
    await client.post("/api/v2/project/gh/acme/api/pipeline", json={})
    resumed = (
        await client.get("/api/v2/project/gh/acme/api/pipeline", params={"page-token": token})
    ).json()
    seen = {item["id"] for item in first["items"]}
    assert resumed["items"] and not seen & {item["id"] for item in resumed["items"]}
    sim.quirks.add("stale_page_token_404")
    stale = await client.get("/api/v2/project/gh/acme/api/pipeline", params={"page-token": token})
    assert stale.status_code == 404 and stale.json() == {"message": "Not Found"}


async def test_pretty_unless_json_is_asked_for(sim: Simulator) -> None:
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url="http://sim", headers={"Circle-Token": sim.token}
    ) as client:
        pretty = await client.get("/api/v2/me/collaborations")
        text = await client.get("/api/v2/me", headers={"Accept": "text/plain"})
        compact = await client.get(
            "/api/v2/me/collaborations", headers={"Accept": "application/json"}
        )
        pipeline = await client.get(f"/api/v2/pipeline/{sim.world.pipelines[0].id}")
    assert pretty.text.startswith('[ {\n  "id" : "') and pretty.text.endswith("} ]")
    assert '"name" : "Sam Rivera"' in text.text
    assert compact.text.startswith('[{"id":"') and "\n" not in compact.text
    assert pretty.json() == compact.json()
    assert '"errors" : [ ]' in pipeline.text
    assert pretty.headers["content-type"].startswith("application/json")


async def test_timestamps_have_the_precision_of_the_real_service(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    pipeline = (await client.get("/api/v2/pipeline")).json()["items"][0]
    assert re.fullmatch(r".*T\d\d:\d\d:\d\d\.\d{3}Z", pipeline["created_at"])
    wf = sim.world.find_workflow(status="failed")
    workflow = (await client.get(f"/api/v2/workflow/{wf.id}")).json()
    assert re.fullmatch(r".*T\d\d:\d\d:\d\dZ", workflow["stopped_at"])
    jobs = (await client.get(f"/api/v2/workflow/{wf.id}/job")).json()["items"]
    assert all(re.fullmatch(r".*T\d\d:\d\d:\d\dZ", job["started_at"]) for job in jobs)


async def test_commit_text_is_passed_through_untouched(client: httpx.AsyncClient) -> None:
    items = await all_pages(client, "/api/v2/project/gh/acme/web/pipeline")
    subjects = [item["vcs"].get("commit", {}).get("subject") for item in items]
    assert "Render [bold red]not markup[/] literally in build logs \x1b[2J" in subjects


# ----------------------------------------------------------------------- quirks


async def test_quirks_change_the_shapes_as_documented(clock: ManualClock) -> None:
    sim = Simulator(seed=0, clock=clock, quirks="all")
    async with sim.client() as client:
        wf = sim.world.find_workflow(status="failing")
        jobs = (await client.get(f"/api/v2/workflow/{wf.id}/job")).json()["items"]
        blocked = next(job for job in jobs if job["status"] == "blocked")
        assert blocked["started_at"] is None
        hold_wf, approval = sim.world.find_on_hold_approval()
        items = (await client.get(f"/api/v2/workflow/{hold_wf.id}/job")).json()["items"]
        shown = next(job for job in items if job["id"] == approval.id)
        assert "job_number" not in shown and "stopped_at" not in shown
        assert shown["started_at"] is None and shown["approval_request_id"] == shown["id"]
        build = next(job for job in wf.jobs if job.number)
        details = (await client.get(f"/api/v2/project/gh/acme/api/job/{build.number}")).json()
        assert "id" not in details["project"]
        app_project = next(p for p in sim.world.projects if p.slug.startswith("circleci/"))
        pipelines = (await client.get(f"/api/v2/project/{app_project.slug}/pipeline")).json()
        assert {p["trigger"]["type"] for p in pipelines["items"]} == {"Decoupled Ingestion System"}
        sim.faults.rate_limit(retry_after=1, count=1)
        limited = await client.get("/api/v2/me")
        assert limited.status_code == 429 and limited.text == "Rate limited."
    with pytest.raises(ValueError, match="unknown quirk"):
        Simulator(seed=0, clock=clock, quirks="nonsense")


# ----------------------------------------------------------------------- faults


async def test_latency_delays_the_answer(client: httpx.AsyncClient, sim: Simulator) -> None:
    # How fast an undelayed answer is is a benchmark figure (python -m benchmarks).
    fault = sim.faults.latency(0.05, count=1)
    started = time.perf_counter()
    assert (await client.get("/api/v2/me")).status_code == 200
    assert time.perf_counter() - started >= 0.05
    assert fault.hits == 1 and fault.exhausted
    assert (await client.get("/api/v2/me")).status_code == 200
    assert fault.hits == 1  # the next request is not delayed


async def test_rate_limit_headers_and_bodies(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.rate_limit(retry_after=7, count=1)
    response = await client.get("/api/v2/me")
    assert response.status_code == 429
    assert response.json() == {"message": "Rate limit exceeded."}
    for name in ("retry-after", "x-ratelimit-reset", "ratelimit-reset"):
        assert response.headers[name] == "7"
    assert response.headers["x-ratelimit-remaining"] == "0"
    sim.faults.rate_limit(retry_after=2, plain_text=True, count=1)
    plain = await client.get("/api/v2/me")
    assert plain.status_code == 429 and plain.text == "Rate limited."
    assert plain.headers["content-type"].startswith("text/plain")
    assert (await client.get("/api/v2/me")).status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(client: httpx.AsyncClient, sim: Simulator, status: int) -> None:
    sim.faults.server_error(status, count=1)
    response = await client.get("/api/v2/me")
    assert response.status_code == status
    if status == 500:
        assert response.json() == {"message": "Internal server error."}
    else:
        assert response.headers["content-type"] == "text/html"
    assert (await client.get("/api/v2/me")).status_code == 200


async def test_malformed_json_on_a_200(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.malformed_json(count=1, path=r"/pipeline$")
    response = await client.get("/api/v2/pipeline")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert (await client.get("/api/v2/pipeline")).json()["items"]


async def test_a_dropped_connection_still_processes_the_request(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    wf = sim.world.find_failed_workflow()
    before = len(wf.pipeline.workflows)
    sim.faults.drop_connection(count=1, method="POST", path=r"/rerun$")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(f"/api/v2/workflow/{wf.id}/rerun", json={"from_failed": True})
    assert len(wf.pipeline.workflows) == before + 1
    (call,) = sim.requests_matching("POST", r"/rerun$")
    assert call.status is None
    retry = await client.post(f"/api/v2/workflow/{wf.id}/rerun", json={"from_failed": True})
    assert retry.status_code == 202


async def test_a_refused_connection_never_reaches_the_app(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.faults.refuse_connection(count=2)
    for _ in range(2):
        with pytest.raises(httpx.ConnectError):
            await client.get("/api/v2/me")
    assert sim.requests == []
    assert (await client.get("/api/v2/me")).status_code == 200
    assert len(sim.requests) == 1


async def test_a_revoked_token_gets_401_everywhere(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    fault = sim.faults.revoke_token()
    for url in ("/api/v2/me", "/api/v2/pipeline", "/api/v1.1/project/gh/acme/api/1"):
        response = await client.get(url)
        assert response.status_code == 401
        assert response.json() == {"message": "Invalid token provided."}
    sim.faults.remove(fault)
    assert (await client.get("/api/v2/me")).status_code == 200


async def test_fault_counts_and_filters(client: httpx.AsyncClient, sim: Simulator) -> None:
    fault = sim.faults.server_error(503, count=2, method="GET", path=r"^/api/v2/pipeline$")
    assert (await client.get("/api/v2/me")).status_code == 200
    assert (await client.post("/api/v2/pipeline")).status_code == 405
    assert (await client.get("/api/v2/pipeline")).status_code == 503
    assert (await client.get("/api/v2/pipeline")).status_code == 503
    assert (await client.get("/api/v2/pipeline")).status_code == 200
    assert fault.hits == 2 and len(sim.faults) == 0


async def test_request_recording(client: httpx.AsyncClient, sim: Simulator) -> None:
    await client.get("/api/v2/project/gh%2Facme%2Fapi/pipeline", params={"branch": "main"})
    await client.post("/api/v2/project/gh/acme/api/pipeline", json={"branch": "main"})
    (listing,) = sim.requests_matching("GET", r"/project/gh/acme/api/pipeline$")
    assert listing.query == {"branch": "main"} and listing.json is None
    assert listing.path == "/api/v2/project/gh/acme/api/pipeline"
    assert listing.time == sim.world.now and listing.status == 200
    (trigger,) = sim.requests_matching("post", r"/pipeline$")
    assert trigger.json == {"branch": "main"} and trigger.status == 201
    assert len(sim.requests_matching(None, r"acme/api")) == 2
    sim.requests.clear()
    assert sim.requests_matching(None, ".*") == []


# ----------------------------------------------------------------------- v1.1


async def test_v1_build_steps_and_growing_output(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    wf = sim.world.find_workflow(status="failing")
    unit = next(job for job in wf.jobs if job.name == "unit-tests")
    build = (await client.get(f"/api/v1.1/project/gh/acme/api/{unit.number}")).json()
    assert build["build_num"] == unit.number and build["lifecycle"] == "running"
    assert build["workflows"]["job_id"] == unit.id
    assert [step["actions"][0]["step"] for step in build["steps"]][:3] == [0, 99, 101]
    assert all(len(step["actions"]) == 4 for step in build["steps"])
    last = build["steps"][-1]["actions"][0]
    assert last["status"] == "running" and last["end_time"] is None
    assert last["run_time_millis"] is None and last["exit_code"] is None
    url = httpx.URL(last["output_url"])
    assert "X-Amz-Expires" in str(url)
    async with httpx.AsyncClient(transport=sim.transport(), base_url="http://sim") as anonymous:
        before = (await anonymous.get(url.raw_path.decode())).json()
        clock.advance(60)
        after = (await anonymous.get(url.raw_path.decode())).json()
    assert len(after) > len(before) >= 1
    assert after[: len(before)] == before
    assert all(set(chunk) == {"message", "time", "type"} for chunk in after)
    assert any("\x1b[" in chunk["message"] and "\r\n" in chunk["message"] for chunk in after)


async def test_a_failed_step_ends_with_exited_with_code_1(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    wf = sim.world.find_workflow(status="failing")
    lint = next(job for job in wf.jobs if job.name == "lint")
    build = (await client.get(f"/api/v1.1/project/github/acme/api/{lint.number}")).json()
    assert build["status"] == "failed" and build["outcome"] == "failed"
    failed = [
        action
        for step in build["steps"]
        for action in step["actions"]
        if action["status"] == "failed"
    ]
    (action,) = failed
    assert action["exit_code"] == 1 and action["failed"] is True
    chunks = (await client.get(httpx.URL(action["output_url"]).raw_path.decode())).json()
    assert chunks[-1]["type"] == "err" and chunks[-1]["message"] == "Exited with code 1"
    missing = await client.get(f"/output/{lint.id}/555/0")
    assert missing.status_code == 404


async def test_v1_build_for_a_canceled_job_says_build_was_canceled(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    wf = sim.world.find_workflow(status="failing")
    integration = next(job for job in wf.jobs if job.name == "integration-tests")
    clock.advance(120)
    await client.post(f"/api/v2/project/gh/acme/api/job/{integration.number}/cancel")
    build = (await client.get(f"/api/v1.1/project/gh/acme/api/{integration.number}")).json()
    assert build["status"] == "canceled" and build["canceled"] is True
    canceled = [a for step in build["steps"] for a in step["actions"] if a["canceled"]]
    assert canceled
    foreground = next(a for a in canceled if not a["background"])
    chunks = (await client.get(httpx.URL(foreground["output_url"]).raw_path.decode())).json()
    assert chunks[-1]["message"].endswith("Build was canceled")


# ----------------------------------------------------------------------- real server, CLI


def test_a_real_uvicorn_server_on_an_ephemeral_port() -> None:
    sim = Simulator(seed=0, clock=ManualClock())
    config = uvicorn.Config(sim.app, host="127.0.0.1", port=0, log_level="critical", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, headers={"Circle-Token": sim.token}) as client:
            assert client.get("/api/v2/me").json()["login"] == "sam-rivera"
            escaped = client.get("/api/v2/project/gh%2Facme%2Fapi/pipeline")
            assert escaped.status_code == 200
            assert escaped.json()["items"][0]["project_slug"] == "gh/acme/api"
            wf = sim.world.find_failed_workflow()
            before = len(wf.pipeline.workflows)
            sim.faults.drop_connection(count=1, method="POST")
            with pytest.raises(httpx.RemoteProtocolError):
                client.post(f"/api/v2/workflow/{wf.id}/rerun", json={"from_failed": True})
            assert len(wf.pipeline.workflows) == before + 1
            sim.faults.refuse_connection(count=1)
            with pytest.raises(httpx.HTTPError):
                client.get("/api/v2/me")
            assert client.get("/api/v2/me").status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_cli_help_mentions_the_url_and_the_token() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "circletui.simulator", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert "http://127.0.0.1:8080/api/v2" in result.stdout
    assert "demo-token" in result.stdout and "--token" in result.stdout


def test_cli_rejects_unknown_quirks(capsys: pytest.CaptureFixture[str]) -> None:
    from circletui.simulator.cli import main

    with pytest.raises(SystemExit):
        main(["--quirks", "bogus", "--port", "0"])
    assert "unknown quirk" in capsys.readouterr().err
