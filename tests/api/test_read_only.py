"""``read_only=True`` is enforced by the client itself: every method that would change
something at CircleCI raises ``ReadOnlyRefused`` without sending a byte, whatever the UI does.

The methods are found by introspection, so a mutation added later without going through the
client's guarded ``_post`` fails here.
"""

from __future__ import annotations

import inspect
import json

import httpx
import pytest

from circletui.api import CircleCIClient, ReadOnlyRefused

HOST = "https://circleci.test"

# Arguments for every public coroutine method of the client. A new method must be added here
# (the completeness test below fails otherwise), which is the moment to decide what it is.
CALLS = {
    "get_me": (),
    "get_collaborations": (),
    "get_user": ("user-1",),
    "list_pipelines": ("gh/acme",),
    "list_project_pipelines": ("gh/acme/api",),
    "list_my_pipelines": ("gh/acme/api",),
    "get_pipeline": ("p-1",),
    "get_pipeline_by_number": ("gh/acme/api", 1),
    "get_pipeline_config": ("p-1",),
    "list_pipeline_workflows": ("p-1",),
    "trigger_pipeline": ("gh/acme/api",),
    "get_workflow": ("w-1",),
    "list_workflow_jobs": ("w-1",),
    "cancel_workflow": ("w-1",),
    "rerun_workflow": ("w-1",),
    "approve_job": ("w-1", "a-1"),
    "get_job_details": ("gh/acme/api", 7),
    "cancel_job": ("gh/acme/api", 7),
    "list_job_artifacts": ("gh/acme/api", 7),
    "list_job_tests": ("gh/acme/api", 7),
    "get_workflow_summary": ("gh/acme/api", "build"),
    "list_workflow_metrics": ("gh/acme/api",),
    "list_workflow_runs": ("gh/acme/api", "build"),
    "get_flaky_tests": ("gh/acme/api",),
    "get_job_v1": ("gh/acme/api", 7),
    "get_step_output": (f"{HOST}/output/1",),
}


def public_coroutines() -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(CircleCIClient, inspect.iscoroutinefunction)
        if not name.startswith("_") and name not in ("aclose", "__aenter__", "__aexit__")
    }


def recording_client(sent: list[httpx.Request], *, read_only: bool) -> CircleCIClient:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        body = {"message": "Accepted.", "workflow_id": "w-2", "id": "p-2", "number": 2,
                "state": "created", "created_at": "2026-01-14T14:30:00Z", "items": []}
        return httpx.Response(200 if request.method == "GET" else 202,
                              content=json.dumps(body).encode())

    return CircleCIClient("secret-token", HOST, transport=httpx.MockTransport(answer),
                          read_only=read_only)


async def call_each(client: CircleCIClient, sent: list[httpx.Request]) -> dict[str, tuple]:
    """name → (methods sent, exception type or None)."""
    outcome = {}
    for name, args in CALLS.items():
        before = len(sent)
        try:
            await getattr(client, name)(*args)
            error = None
        except Exception as exc:  # reads may not parse the canned body; only what was sent counts
            error = type(exc)
        outcome[name] = (tuple(r.method for r in sent[before:]), error)
    return outcome


def test_the_table_names_every_public_method() -> None:
    assert set(CALLS) == public_coroutines()


async def test_a_read_only_client_sends_no_mutation_and_says_why() -> None:
    writable_sent: list[httpx.Request] = []
    async with recording_client(writable_sent, read_only=False) as writable:
        writable_outcome = await call_each(writable, writable_sent)
    mutations = {name for name, (methods, _) in writable_outcome.items()
                 if any(m != "GET" for m in methods)}
    # The writable client really does send these (so the test below is not vacuous).
    assert mutations == {"trigger_pipeline", "cancel_workflow", "rerun_workflow", "approve_job",
                         "cancel_job"}

    sent: list[httpx.Request] = []
    async with recording_client(sent, read_only=True) as client:
        outcome = await call_each(client, sent)
    assert {r.method for r in sent} == {"GET"}
    for name in mutations:
        assert outcome[name] == ((), ReadOnlyRefused), name
    # Reads still work as before.
    for name in set(CALLS) - mutations:
        assert outcome[name] == writable_outcome[name], name


async def test_the_refusal_names_read_only_mode_and_holds_no_token() -> None:
    sent: list[httpx.Request] = []
    async with recording_client(sent, read_only=True) as client:
        with pytest.raises(ReadOnlyRefused) as caught:
            await client.rerun_workflow("w-1", from_failed=True)
    assert "read-only" in str(caught.value)
    assert caught.value.path == "/api/v2/workflow/w-1/rerun"
    assert "secret-token" not in repr(caught.value)
