"""The client against the simulator served by a real uvicorn server on 127.0.0.1.

Everything else tests the client through in-process transports; this file puts real sockets,
real HTTP/1.1 framing and a real server in between, once: a session like the app's (list,
open a failed workflow, rerun it, approve, read a job's log), the failure modes that only a
socket shows honestly (a connection dropped mid-answer, a server that has gone away), and the
``circletui simulator --port 0`` command as a subprocess. The world runs on a ``ManualClock``,
so the only real waiting is the sockets'; retries sleep through an injected fake.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from random import Random

import httpx
import pytest
import uvicorn

from circletui.api import (
    CircleCIClient,
    ConnectionRefused,
    NetworkError,
    NotFound,
    collect,
)
from circletui.monitor import latest_attempts
from circletui.simulator import ManualClock, Simulator

STARTUP_TIMEOUT = 5.0


@dataclass
class Served:
    sim: Simulator
    clock: ManualClock
    server: uvicorn.Server
    task: asyncio.Task[None]
    base: str
    port: int
    delays: list[float]

    def client(self, host: str | None = None) -> CircleCIClient:
        # The client's clock moves only when it sleeps, so a Retry-After pause is waited
        # exactly (a 429 pauses the whole host, measured on this clock).
        epoch = [1_700_000_000.0]

        async def fake_sleep(seconds: float) -> None:
            self.delays.append(seconds)
            epoch[0] += seconds

        # Default retry policy: reads are retried, mutations never.
        return CircleCIClient(
            self.sim.token, host or self.base, sleep=fake_sleep, random=Random(0), timeout=5.0,
            now=lambda: epoch[0],
        )

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.sim.world.sync()


async def start_server(sim: Simulator) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    config = uvicorn.Config(
        sim.app, host="127.0.0.1", port=0, lifespan="off", log_level="critical", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(STARTUP_TIMEOUT):
        while not server.started:
            if task.done():
                task.result()  # raises the startup error
            await asyncio.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, port


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    clock = ManualClock()
    sim = Simulator(seed=0, clock=clock)
    server, task, port = await start_server(sim)
    try:
        yield Served(sim, clock, server, task, f"http://127.0.0.1:{port}", port, [])
    finally:
        server.should_exit = True
        async with asyncio.timeout(STARTUP_TIMEOUT):
            await task


async def test_a_session_list_open_rerun_approve(served: Served) -> None:
    sim, world = served.sim, served.sim.world
    async with served.client() as client:
        # The pipeline list, then the newest pipeline whose latest attempt failed.
        pipelines = await collect(lambda t: client.list_pipelines(page_token=t), max_pages=3)
        assert [p.id for p in pipelines] == [p.id for p in world.pipelines[:60]]
        failed = None
        for pipeline in pipelines:
            workflows = (await client.list_pipeline_workflows(pipeline.id)).items
            failed = next((w for w in latest_attempts(workflows) if w.status == "failed"), None)
            if failed is not None:
                break
        assert failed is not None

        jobs = (await client.list_workflow_jobs(failed.id)).items
        assert any(j.status == "failed" for j in jobs)

        rerun = await client.rerun_workflow(failed.id, from_failed=True)
        posts = sim.requests_matching("POST", r"/rerun$")
        assert [(r.path, r.json, r.status) for r in posts] == [
            (f"/api/v2/workflow/{failed.id}/rerun", {"from_failed": True}, 202)
        ]
        listed = (await client.list_pipeline_workflows(failed.pipeline_id)).items
        assert listed[0].id == rerun.workflow_id and listed[0].name == failed.name
        assert world.workflow(rerun.workflow_id).rerun_of.id == failed.id

        # Approve an on-hold approval, found the way the approvals screen finds it.
        hold_wf, _ = world.find_on_hold_approval()
        jobs = (await client.list_workflow_jobs(hold_wf.id)).items
        approval = next(j for j in jobs if j.is_approval and j.status == "on_hold")
        dependents = {j.id for j in jobs if approval.id in j.dependencies}
        assert dependents and {j.status for j in jobs if j.id in dependents} == {"blocked"}
        answer = await client.approve_job(hold_wf.id, approval.approval_request_id)
        assert answer.message == "Accepted."
        jobs = {j.id: j for j in (await client.list_workflow_jobs(hold_wf.id)).items}
        assert jobs[approval.id].status == "success"
        assert jobs[approval.id].approved_by == world.me.id
        # Nothing moves until time does: dependents start after a short gap.
        assert {jobs[d].status for d in dependents} == {"blocked"}
        served.advance(30)
        jobs = {j.id: j for j in (await client.list_workflow_jobs(hold_wf.id)).items}
        assert "blocked" not in {jobs[d].status for d in dependents}
        assert {jobs[d].status for d in dependents} <= {"queued", "running", "success", "failed"}

        # An approval job has a number but no job details.
        assert approval.job_number is not None
        with pytest.raises(NotFound) as caught:
            await client.get_job_details(approval.project_slug, approval.job_number)
        assert caught.value.status == 404
    assert served.delays == []  # nothing needed a retry


async def test_v1_job_and_step_output_token_goes_only_to_the_api_origin(served: Served) -> None:
    sim, world = served.sim, served.sim.world
    failed = world.find_workflow(status="failed", name="build-and-test")
    job = next(j for j in failed.jobs if j.status == "failed")
    async with served.client() as client:
        build = await client.get_job_v1(job.project.slug, job.number)
        assert (build["build_num"], build["status"]) == (job.number, "failed")
        actions = [a for step in build["steps"] for a in step["actions"] if a.get("output_url")]
        failing = next(a for a in actions if a["status"] == "failed")
        url = httpx.URL(failing["output_url"])
        # The simulator serves step output from its own origin (real CircleCI: S3), so the
        # token is sent with it; the pre-signed query is kept as given.
        assert (url.host, url.port) == ("127.0.0.1", served.port)
        assert "X-Amz-Signature" in url.params
        chunks = await client.get_step_output(str(url))
        assert chunks[-1] == {
            "message": "Exited with code 1",
            "time": chunks[-1]["time"],
            "type": "err",
        }
        same_origin = sim.requests[-1]
        assert same_origin.path == url.path and same_origin.headers["circle-token"] == sim.token
        assert same_origin.query["X-Amz-Signature"] == url.params["X-Amz-Signature"]

        # The same server under another host name is another origin: no token. (A short
        # step, read both ways: the failing step's long log is slow to render.)
        first = httpx.URL(actions[0]["output_url"])
        here = await client.get_step_output(str(first))
        assert sim.requests[-1].headers["circle-token"] == sim.token
        elsewhere = first.copy_with(host="localhost")
        assert await client.get_step_output(str(elsewhere)) == here != []
        cross_origin = sim.requests[-1]
        assert cross_origin.path == first.path
        assert cross_origin.headers["host"] == f"localhost:{served.port}"
        assert "circle-token" not in cross_origin.headers
        assert "authorization" not in cross_origin.headers


async def test_429_with_retry_after_is_waited_out_then_retried(served: Served) -> None:
    sim = served.sim
    sim.faults.rate_limit(retry_after=3, count=1, path=r"/api/v2/me$")
    async with served.client() as client:
        me = await client.get_me()
        assert me.login == sim.world.me.login
        assert client.request_count == 2
    # Retry-After (3 s) beats the jittered backoff (at most 0.5 s after a first failure).
    assert served.delays == [3.0]
    assert [r.status for r in sim.requests_matching("GET", r"/api/v2/me$")] == [429, 200]


async def test_a_dropped_post_is_a_network_error_and_is_not_resent(served: Served) -> None:
    sim, world = served.sim, served.sim.world
    failed = world.find_workflow(status="failed", name="build-and-test")
    before = len(world.workflows_of(failed.pipeline.id))
    sim.faults.drop_connection(count=1, method="POST", path=r"/rerun$")
    async with served.client() as client:
        with pytest.raises(NetworkError) as caught:
            await client.rerun_workflow(failed.id, from_failed=True)
        assert not isinstance(caught.value, ConnectionRefused)
        assert caught.value.method == "POST"
        assert client.request_count == 1
        # The connection is gone, the client is not: the next call works.
        assert (await client.get_workflow(failed.id)).status == "failed"
    posts = sim.requests_matching("POST", r"/rerun$")
    assert len(posts) == 1 and posts[0].status is None  # processed, answer lost
    # Why it must not be resent: the rerun did happen.
    assert len(world.workflows_of(failed.pipeline.id)) == before + 1
    assert served.delays == []


async def test_the_server_shuts_down_cleanly_and_then_refuses(served: Served) -> None:
    async with served.client() as client:
        assert (await client.get_me()).login == served.sim.world.me.login  # a kept-alive socket
        served.server.should_exit = True
        async with asyncio.timeout(STARTUP_TIMEOUT):
            await served.task
        assert served.task.exception() is None
        assert all(not s.is_serving() for s in served.server.servers)
        with pytest.raises(ConnectionRefused):
            await client.get_me()
    # Refused connections are retried (nothing was sent), with backoff, then given up.
    assert len(served.delays) == client.retry_policy.max_attempts - 1


async def test_simulator_command_serves_on_a_free_port() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "circletui",
        "simulator",
        "--port",
        "0",
        "--no-live",
        "--seed",
        "3",
        "--token",
        "loopback-token",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        async with asyncio.timeout(10):
            first = (await process.stdout.readline()).decode()
        match = re.fullmatch(
            r"Simulated CircleCI listening on (http://127\.0\.0\.1:(\d+))\s*", first
        )
        assert match, first
        assert int(match[2]) != 0
        async with CircleCIClient("loopback-token", match[1], timeout=5.0) as client:
            assert (await client.get_me()).login == "sam-rivera"
            assert len((await client.list_pipelines()).items) == 20
        process.send_signal(signal.SIGINT)  # Ctrl+C: uvicorn shuts down, the command returns 0
        async with asyncio.timeout(10):
            code = await process.wait()
        assert code == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
