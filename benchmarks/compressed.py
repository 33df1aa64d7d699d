"""Compressed time: the real app, headless, over the in-process simulator on a ``ManualClock``.

Minutes of polling at a 60 s cadence cannot be watched in real time, so these figures run the
app as the Pilot tests build it (``CircleTUI`` over ``sim.transport()``, its ``now`` and
``monotonic`` read from fake clocks) and step simulated time: move both clocks to the next
poll due (at most a minute), ask the monitor to poll what is due, and wait until
the app is still again (``circletui.ui.settle``). Every request the app sends is counted by a
transport wrapper, per endpoint.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from circletui.api import CircleCIClient, RetryPolicy
from circletui.config import Settings
from circletui.secret import Secret
from circletui.simulator import ManualClock, Simulator

HOST = "http://circleci.bench"
SEED = 7
ORG = "gh/acme"
INTERVAL = 5.0
SLOW_INTERVAL = 60.0
SIZE = (120, 40)
#: the longest single step of simulated time. Steps end where the monitor's next poll is due,
#: so a longer one skips only time in which the app would send nothing.
MAX_STEP = SLOW_INTERVAL
#: polls that come due within one step are chained (a workflow list re-arms its jobs...)
MAX_ROUNDS = 20


def kind_of(path: str) -> str:
    """The endpoint of a request path, with ids left out."""
    parts = path.removeprefix("/api/v2/").split("/")
    if parts == ["pipeline"]:
        return "pipeline list"
    if parts[0] == "pipeline" and parts[-1] == "workflow":
        return "pipeline workflows"
    if parts[0] == "workflow" and parts[-1] == "job":
        return "workflow jobs"
    if parts[0] == "workflow" and len(parts) == 2:
        return "workflow"
    if parts[0] == "project" and "job" in parts:
        return "job details"
    if path.startswith("/api/v1.1/"):
        return "v1.1"
    return "/".join(parts[:1]) or "other"


@dataclass
class CountingTransport(httpx.AsyncBaseTransport):
    """Counts requests per endpoint and passes them on."""

    inner: httpx.AsyncBaseTransport
    kinds: Counter[str] = field(default_factory=Counter)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.kinds[kind_of(request.url.path)] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_client(sim: Simulator) -> tuple[CircleCIClient, CountingTransport]:
    transport = CountingTransport(sim.transport())
    # One attempt per read, as the tests do: the monitor polls again anyway.
    client = CircleCIClient(sim.token, HOST, transport=transport, retry=RetryPolicy(max_attempts=1))
    return client, transport


def active_pipeline_ids(sim: Simulator, pipeline_ids: list[str]) -> set[str]:
    """Which of these pipelines have a workflow that has not finished (the world's truth)."""
    sim.world.sync()
    return {
        pid for pid in pipeline_ids if any(not wf.finished for wf in sim.world.workflows_of(pid))
    }


class AppRig:
    """The real app in ``run_test()``, driven through simulated time."""

    def __init__(self, sim: Simulator) -> None:
        from circletui.ui.app import CircleTUI

        self.sim = sim
        self.clock: ManualClock = sim.clock  # type: ignore[assignment]
        self.mono = FakeMonotonic()
        self.client, self.transport = make_client(sim)
        settings = Settings(
            token=Secret(sim.token),
            token_source="bench",
            host=HOST,
            org=ORG,
            interval=INTERVAL,
            slow_interval=SLOW_INTERVAL,
        )
        self.app = CircleTUI(settings, self.client, now=self.clock.now, monotonic=self.mono)
        self.pilot = None
        self.steps = 0

    async def settle(self) -> None:
        from tests.settle import settle

        await settle(self.pilot)

    async def advance(self, seconds: float, on_step=None) -> None:
        """Move simulated time forward by ``seconds``, polling what comes due on the way."""
        monitor = self.app.monitor
        end = self.mono.now + seconds
        while self.mono.now < end - 1e-9:
            due_in = monitor.next_due() - self.mono.now
            step = min(max(math.ceil(due_in), 1.0), MAX_STEP, end - self.mono.now)
            self.mono.now += step
            self.clock.advance(step)
            for _ in range(MAX_ROUNDS):
                if not await monitor.poll_due():
                    break
            await self.settle()
            self.steps += 1
            if on_step is not None:
                on_step(step)

    def visible_pipeline_ids(self) -> list[str]:
        feed = self.app.feed
        return [row.pipeline.id for row in feed.rows] if feed is not None else []


@dataclass
class Window:
    seconds: float
    kinds: Counter[str]
    minimum: float | None = None  # requests the minimum would send in the same window
    wall: float = 0.0
    visible: int = 0  # pipelines in the list at the end

    @property
    def per_minute(self) -> float:
        return sum(self.kinds.values()) / (self.seconds / 60)


async def measure(rig: AppRig, seconds: float, minimum_per_step=None) -> Window:
    before = Counter(rig.transport.kinds)
    minimum = 0.0
    started = time.perf_counter()

    def on_step(step: float) -> None:
        nonlocal minimum
        if minimum_per_step is not None:
            minimum += minimum_per_step(step)

    start = rig.mono.now
    await rig.advance(seconds, on_step)
    kinds = rig.transport.kinds - before
    return Window(
        rig.mono.now - start,
        kinds,
        minimum if minimum_per_step is not None else None,
        time.perf_counter() - started,
        len(rig.visible_pipeline_ids()),
    )


async def finished_org(minutes: float, warmup: float) -> Window:
    """(a) Everything finished before the app starts; requests per minute after it settled."""
    from circletui.simulator.frozen import finish_all_work

    sim = Simulator(seed=SEED, clock=ManualClock())
    finish_all_work(sim, sim.clock)  # type: ignore[arg-type]
    rig = AppRig(sim)
    async with rig.app.run_test(size=SIZE) as pilot:
        rig.pilot = pilot
        await rig.settle()
        await rig.advance(warmup)
        window = await measure(rig, minutes * 60)
    return window


def finish_times(seed: int, at: float, workflow_ids: list[str]) -> dict[str, float]:
    """Seconds after ``at`` (simulated seconds from the start) when each workflow finishes,
    found by running a second world of the same seed ahead (an hour at most)."""
    ahead = Simulator(seed=seed, clock=ManualClock())
    ahead.clock.advance(at)  # type: ignore[attr-defined]
    ahead.world.sync()
    found: dict[str, float] = {}
    elapsed = 0.0
    while len(found) < len(workflow_ids) and elapsed < 3600:
        for wf_id in workflow_ids:
            wf = ahead.world.workflow(wf_id)
            if wf_id not in found and (wf is None or wf.finished):
                found[wf_id] = elapsed
        ahead.clock.advance(5)  # type: ignore[attr-defined]
        ahead.world.sync()
        elapsed += 5
    return {wf_id: found.get(wf_id, math.inf) for wf_id in workflow_ids}


async def running_graph(minutes: float, warmup: float) -> tuple[Window, str]:
    """(b) The list, a few seconds, then the graph of the running workflow that runs longest;
    requests per minute while it runs, against its jobs once per interval."""
    from circletui.ui.screens.workflow import WorkflowScreen

    sim = Simulator(seed=SEED, clock=ManualClock())
    rig = AppRig(sim)
    async with rig.app.run_test(size=SIZE) as pilot:
        rig.pilot = pilot
        await rig.settle()
        await rig.advance(warmup)
        rows = list(rig.app.feed.rows)
        running = [
            (row.pipeline, wf)
            for row in rows
            for wf in row.workflows or ()
            if wf.status in ("running", "failing")
        ]
        if not running:
            raise RuntimeError("no running workflow in the list")
        at = rig.mono.now - 1000.0
        ends = finish_times(SEED, at, [wf.id for _, wf in running])
        pipeline, workflow = max(running, key=lambda pw: ends[pw[1].id])
        await pilot.app.push_screen(WorkflowScreen(pipeline, workflow))
        await rig.settle()
        # Measure while it runs (the minimum is its jobs once per interval).
        seconds = min(minutes * 60, ends[workflow.id] - 10)
        if seconds < 30:
            raise RuntimeError(f"the longest-running workflow ends in {ends[workflow.id]:.0f} s")
        window = await measure(rig, seconds, lambda step: step / INTERVAL)
    return window, f"{workflow.name} of {pipeline.project_slug} #{pipeline.number}"


async def pipelines_list(minutes: float, warmup: float) -> Window:
    """(c) The pipelines list of a world at work, against the minimum: the list and each
    visible active pipeline's workflows once per interval."""
    sim = Simulator(seed=SEED, clock=ManualClock())
    rig = AppRig(sim)
    async with rig.app.run_test(size=SIZE) as pilot:
        rig.pilot = pilot
        await rig.settle()
        await rig.advance(warmup)

        def minimum(step: float) -> float:
            active = active_pipeline_ids(sim, rig.visible_pipeline_ids())
            return step / INTERVAL * (1 + len(active))

        window = await measure(rig, minutes * 60, minimum)
    return window
