"""Small timings that used to be asserted inside unit tests (where a slow machine failed them).

* the layout of ``tests/test_graph.py``'s realistic 498-job monorepo workflow (was: under
  100 ms); baseline: the 50-job synthetic graph;
* ``World.sync()`` with nothing due, per call, over 10,000 calls (was: 10,000 under 0.5 s,
  i.e. 50 µs a call); baseline: a method call that does nothing;
* the in-process simulator answering ``GET /api/v2/me`` (was: within 50 ms), median and p95
  of many requests; baseline: the same httpx ASGI round trip to a Starlette app that answers
  ``{}``.
"""

from __future__ import annotations

import random
import time

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from benchmarks.graph import best_layout_ms, nearest_rank, synthetic_jobs
from circletui.api import Job
from circletui.simulator import ManualClock, Simulator, World


def _job(name: str, *deps: str) -> Job:
    return Job(id=name, name=name, type="build", status="success", dependencies=tuple(deps))


def realistic_500() -> list[Job]:
    """A big monorepo workflow: one build, eight stages of ~62 jobs, a final fan-in (the same
    graph as tests/test_graph.py's)."""
    rng = random.Random(7)
    jobs = [_job("build")]
    previous = ["build"]
    for stage in range(8):
        current = []
        for k in range(62):
            deps = [rng.choice(previous)]
            if rng.random() < 0.3:
                deps.append(rng.choice(previous))
            if stage > 1 and rng.random() < 0.05:
                deps.append("build")
            jobs.append(_job(f"s{stage}-{k}", *deps))
            current.append(f"s{stage}-{k}")
        previous = current
    jobs.append(_job("deploy", *previous))
    return jobs


def monorepo_layout_ms(runs: int) -> tuple[float, float]:
    return best_layout_ms(realistic_500(), runs), best_layout_ms(synthetic_jobs(50), runs)


class _Nothing:
    def sync(self) -> None:
        pass


def sync_us(calls: int) -> tuple[float, float]:
    """µs per ``World.sync()`` with nothing due, and per call of a method doing nothing."""
    world = World(seed=0, clock=ManualClock())
    world.sync()
    nothing = _Nothing()
    results = []
    for target in (world, nothing):
        started = time.perf_counter()
        for _ in range(calls):
            target.sync()
        results.append((time.perf_counter() - started) / calls * 1e6)
    return results[0], results[1]


async def _answer_times(client: httpx.AsyncClient, path: str, count: int) -> list[float]:
    await client.get(path)  # warm-up
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
    return times


async def answer_ms(count: int) -> tuple[list[float], list[float]]:
    """Milliseconds per ``GET /api/v2/me`` from the simulator, and from a bare ASGI app."""
    sim = Simulator(seed=0, clock=ManualClock())
    async with sim.client() as client:
        ours = await _answer_times(client, "/api/v2/me", count)

    async def empty(_request) -> JSONResponse:
        return JSONResponse({})

    bare = Starlette(routes=[Route("/api/v2/me", empty)])
    transport = httpx.ASGITransport(app=bare)
    async with httpx.AsyncClient(transport=transport, base_url="http://bare") as client:
        baseline = await _answer_times(client, "/api/v2/me", count)
    return ours, baseline


def median_and_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return ordered[len(ordered) // 2], nearest_rank(ordered, 0.95)

