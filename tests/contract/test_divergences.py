"""The divergence list (`circletui/simulator/divergences.py`) is what the spec validation
accepts beyond the document: exactly those divergences, each only where it is documented,
and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core.exceptions import OpenAPIError
from openapi_core.validation.request.exceptions import SecurityValidationError
from openapi_core.validation.response.exceptions import InvalidData
from openapi_spec_validator import validate as validate_openapi_document

from circletui.simulator import QUIRKS, ManualClock, Simulator
from circletui.simulator.divergences import DIVERGENCES, in_effect

from .openapi import (
    DEFAULT,
    UndeclaredQueryParameter,
    accepting,
    load_spec,
    validate_httpx,
    validate_httpx_request,
    validate_httpx_response,
    validate_response,
)

EVERYTHING = frozenset(d.name for d in DIVERGENCES)
JSON = {"content-type": "application/json"}


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=0, clock=ManualClock())


# -- the list ---------------------------------------------------------------------------------


def test_every_quirk_is_one_listed_divergence_with_its_source() -> None:
    quirks = [d.quirk for d in DIVERGENCES if d.quirk is not None]
    assert sorted(quirks) == sorted(QUIRKS)
    assert len({d.name for d in DIVERGENCES}) == len(DIVERGENCES)
    for d in DIVERGENCES:
        assert d.fact and d.source and d.simulator, d.name
        # Sources are public: a repository, a file, an issue or PR, a URL; never private notes.
        assert "notes" not in d.source.lower(), d.name
        assert not (d.routes and d.accepts), "a route beyond the document widens nothing in it"
    assert {d.name for d in in_effect()} == DEFAULT


def test_the_document_widened_by_every_divergence_is_still_valid_openapi() -> None:
    # Also proves each widening matches something in the document (load_spec raises if not).
    validate_openapi_document(load_spec(EVERYTHING))


def test_a_divergence_not_in_the_list_cannot_be_accepted() -> None:
    with pytest.raises(ValueError, match="not in the divergence list"):
        load_spec(frozenset({"x_nullable", "camel_case_everything"}))


# -- each quirk: rejected by the document, accepted once its divergence is -----------------------


async def test_each_quirk_is_rejected_unless_its_divergence_is_accepted(sim: Simulator) -> None:
    world = sim.world
    failing = world.find_workflow(status="failing")
    success = world.find_workflow(status="success", where=lambda wf: len(wf.jobs) < 20)
    build = next(job for job in failing.jobs if job.number)
    hold_wf, _ = world.find_on_hold_approval()
    app_project = next(p for p in world.projects if p.slug.startswith("circleci/"))
    off_spec = {
        "null_started_at": f"/api/v2/workflow/{failing.id}/job",
        "omit_last_page_token": f"/api/v2/workflow/{success.id}/job",
        "no_project_id": f"/api/v2/project/gh/acme/api/job/{build.number}",
        "approval_without_job_number": f"/api/v2/workflow/{hold_wf.id}/job",
        "unknown_enum_values": f"/api/v2/project/{app_project.slug}/pipeline",
    }
    within_spec = {
        "kebab_case_flaky_tests": "/api/v2/insights/gh/acme/api/flaky-tests",
    }
    async with sim.client() as client:
        for quirk, url in {**off_spec, **within_spec}.items():
            sim.quirks.clear()
            validate_httpx(await client.get(url))  # valid without the quirk
            sim.quirks.add(quirk)
            response = await client.get(url)
            assert response.status_code == 200
            validate_httpx(response, accept=accepting(sim.quirks))
            if quirk in off_spec:
                with pytest.raises(InvalidData):
                    validate_httpx_response(response)  # DEFAULT: that quirk is not in effect
            else:
                validate_httpx_response(response)
    # The remaining quirks are about errors; they are checked below and in the client tests.
    assert set(off_spec) | set(within_spec) | {"stale_page_token_404", "plain_text_429"} == set(
        QUIRKS
    )


async def test_stale_page_token_404_is_within_the_document(sim: Simulator) -> None:
    sim.quirks.add("stale_page_token_404")
    async with sim.client() as client:
        first = (await client.get("/api/v2/project/gh/acme/api/pipeline")).json()
        await client.post("/api/v2/project/gh/acme/api/pipeline", json={"branch": "main"})
        stale = await client.get(
            "/api/v2/project/gh/acme/api/pipeline",
            params={"page-token": first["next_page_token"]},
        )
    assert stale.status_code == 404
    validate_httpx(stale, accept=DEFAULT)


async def test_plain_text_429_is_accepted_only_as_documented(sim: Simulator) -> None:
    sim.quirks.add("plain_text_429")
    sim.faults.rate_limit(retry_after=5, count=1, path=r"/me$")
    async with sim.client() as client:
        response = await client.get("/api/v2/me")
    assert (response.status_code, response.text) == (429, "Rate limited.")
    validate_httpx_response(response, accept=accepting(sim.quirks))
    with pytest.raises(OpenAPIError):
        validate_httpx_response(response)
    # Another text, or another status, is not what was documented.
    for status, body in ((429, b"Slow down."), (503, b"Rate limited.")):
        with pytest.raises(OpenAPIError):
            validate_response(
                "GET",
                "/api/v2/me",
                {},
                None,
                status,
                {"content-type": "text/plain"},
                body,
                accept=EVERYTHING,
            )


# -- what is always so: live CircleCI's answers -------------------------------------------------


async def test_flaky_tests_are_snake_case_by_default_and_kebab_case_is_the_document(
    sim: Simulator,
) -> None:
    url = "/api/v2/insights/gh/acme/api/flaky-tests"
    document_only = frozenset({"x_nullable", "slug_path"})
    async with sim.client() as client:
        live = await client.get(url)
        sim.quirks.add("kebab_case_flaky_tests")
        documented = await client.get(url)
    assert set(live.json()) == {"flaky_tests", "total_flaky_tests"}
    assert live.json()["flaky_tests"], "the project has flaky tests to compare"
    validate_httpx(live)
    with pytest.raises(InvalidData):
        validate_httpx_response(live, accept=document_only)
    validate_httpx(documented, accept=document_only)
    # The same tests either way.
    kebab = documented.json()
    assert [item["test-name"] for item in kebab["flaky-tests"]] == [
        item["test_name"] for item in live.json()["flaky_tests"]
    ]


async def test_test_result_messages_are_strings(sim: Simulator) -> None:
    def test_jobs(status: str) -> list[Any]:
        return [
            job
            for wf in sim.world.workflows
            for job in wf.jobs
            if job.spec.kind == "tests" and job.status == status and job.number
        ][:3]

    results: list[dict[str, Any]] = []
    async with sim.client() as client:
        for job in test_jobs("success") + test_jobs("failed"):
            token = None
            while True:
                params = {"page-token": token} if token else {}
                url = f"/api/v2/project/{job.project.slug}/{job.number}/tests"
                response = await client.get(url, params=params)
                validate_httpx(response)
                results += response.json()["items"]
                token = response.json()["next_page_token"]
                if token is None:
                    break
    assert {r["result"] for r in results} >= {"success", "failure"}
    assert all(isinstance(r["message"], str) for r in results)
    assert {r["message"] for r in results if r["result"] == "success"} == {""}
    assert all(r["message"] for r in results if r["result"] == "failure")


async def test_bearer_auth_and_literal_slug_slashes_are_documented(sim: Simulator) -> None:
    bearer = httpx.AsyncClient(
        transport=sim.transport(),
        base_url="http://circleci.sim",
        headers={"Authorization": f"Bearer {sim.token}", "Accept": "application/json"},
    )
    async with bearer:
        response = await bearer.get("/api/v2/project/gh/acme/api/pipeline")
    assert response.status_code == 200
    validate_httpx(response)
    with pytest.raises(SecurityValidationError):
        validate_httpx_request(response.request, accept=DEFAULT - {"bearer_auth"})
    with pytest.raises(OpenAPIError):  # the literal slashes match no path template
        validate_httpx_response(response, accept=DEFAULT - {"slug_path"})


async def test_page_token_is_documented_only_where_live_lists_page(sim: Simulator) -> None:
    nightly = sim.world.find_workflow(status="running", name="nightly")
    async with sim.client() as client:
        first = await client.get(f"/api/v2/workflow/{nightly.id}/job")
        token = first.json()["next_page_token"]
        second = await client.get(
            f"/api/v2/workflow/{nightly.id}/job", params={"page-token": token}
        )
        workflow = await client.get(f"/api/v2/workflow/{nightly.id}", params={"page-token": token})
    assert token and len(first.json()["items"]) + len(second.json()["items"]) == 25
    validate_httpx(second)
    with pytest.raises(UndeclaredQueryParameter):
        validate_httpx_request(second.request, accept=DEFAULT - {"undeclared_page_token"})
    # A single workflow is no list: a page token there is undocumented everywhere.
    with pytest.raises(UndeclaredQueryParameter):
        validate_httpx_request(workflow.request, accept=EVERYTHING)


# -- an undocumented divergence fails, whatever is accepted ----------------------------------------


async def test_an_undocumented_divergence_fails_validation(sim: Simulator) -> None:
    failing = sim.world.find_workflow(status="failing")
    job = next(
        j
        for wf in sim.world.workflows
        for j in wf.jobs
        if j.spec.kind == "tests" and j.status == "failed" and j.number
    )
    async with sim.client() as client:
        flaky = await client.get("/api/v2/insights/gh/acme/api/flaky-tests")
        tests = await client.get(f"/api/v2/project/{job.project.slug}/{job.number}/tests")
        collaborations = await client.get("/api/v2/me/collaborations")
        jobs = await client.get(f"/api/v2/workflow/{failing.id}/job")
    for response in (flaky, tests, collaborations, jobs):
        validate_httpx(response, accept=EVERYTHING)  # as served: valid

    def answer(response: httpx.Response, change) -> bytes:
        data = response.json()
        change(data)
        return json.dumps(data).encode()

    def camel(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(part.title() for part in rest)

    undocumented = [
        # camelCase flaky-test keys: only the snake_case spelling is documented.
        (flaky, lambda d: d.update({camel(k): d.pop(k) for k in list(d)})),
        # A run time sent as a string (the MCP server would take it; nobody documented it).
        (tests, lambda d: d["items"][0].update(run_time="0.25")),
        # snake_case where the document says kebab-case, outside the flaky-tests route.
        (collaborations, lambda d: d[0].update(vcs_type=d[0].pop("vcs-type"))),
        # A required key missing that no divergence says may be missing.
        (jobs, lambda d: d["items"][0].pop("project_slug")),
    ]
    for response, change in undocumented:
        request = response.request
        with pytest.raises(InvalidData):
            validate_response(
                request.method,
                request.url.path,
                dict(request.url.params),
                None,
                200,
                JSON,
                answer(response, change),
                accept=EVERYTHING,
            )


def test_the_readme_names_every_quirk_and_the_list() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name, text in QUIRKS.items():
        assert f"| `{name}` | {text} |" in readme, name
    assert "circletui/simulator/divergences.py" in readme
