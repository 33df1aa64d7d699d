"""The rig the monitor tests run on: the real client and monitor over the simulator, in process.

Two clocks move in lockstep: the monitor's fake monotonic clock (which decides what is due) and
the simulator's ``ManualClock`` (which decides what has run). Tests drive the monitor with
``poll_due()``; nothing sleeps: a test that needs requests to overlap holds them at a gate
(``Hold``) until it has looked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio
import httpx
import pytest

from circletui.api import CircleCIClient, RetryPolicy
from circletui.monitor import ApprovalFeed, Monitor, PipelineFeed, PipelineRow, PipelineScope
from circletui.simulator import ManualClock, Simulator

INTERVAL = 5.0
SLOW = 60.0
LIST_PATH = "/api/v2/pipeline"


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class InFlight(httpx.AsyncBaseTransport):
    """Counts requests in flight, per URL and in total, around the simulator's transport."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.now: Counter[str] = Counter()
        self.max_per_url: Counter[str] = Counter()
        self.total = 0
        self.max_total = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.now[url] += 1
        self.total += 1
        self.max_per_url[url] = max(self.max_per_url[url], self.now[url])
        self.max_total = max(self.max_total, self.total)
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.now[url] -= 1
            self.total -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


class Hold(httpx.AsyncBaseTransport):
    """Holds requests while closed; ``wait_for(n)`` returns once ``n`` are being held."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.held = 0
        self._opened = anyio.Event()
        self._arrived = anyio.Event()

    def close_gate(self) -> None:
        self._opened = anyio.Event()

    def release(self) -> None:
        self._opened.set()

    async def wait_for(self, n: int) -> None:
        with anyio.fail_after(10):  # only a guard against a hang; never reached when it works
            while self.held < n:
                await self._arrived.wait()
                self._arrived = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._opened.is_set():
            self.held += 1
            self._arrived.set()
            try:
                await self._opened.wait()
            finally:
                self.held -= 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Rig:
    sim: Simulator
    sim_clock: ManualClock
    clock: FakeMonotonic
    transport: InFlight
    client: CircleCIClient
    monitor: Monitor
    feed: PipelineFeed | None = None
    approvals: ApprovalFeed | None = None
    emitted: list[list[PipelineRow]] = field(default_factory=list)
    errors: list[Exception] = field(default_factory=list)

    @property
    def world(self):
        return self.sim.world

    def start_feed(self, scope: PipelineScope | None = None, *, approvals: bool = False) -> None:
        def on_rows(rows: list[PipelineRow]) -> None:
            self.emitted.append(rows)
            if self.approvals is not None:
                self.approvals.update(rows)

        self.feed = PipelineFeed(
            self.monitor,
            scope or PipelineScope(),
            on_rows,
            on_error=self.errors.append,
            now=self.sim_clock.now,
        )
        if approvals:
            self.approvals = ApprovalFeed(lambda: self.feed.rows, self.monitor, lambda _: None)
        self.feed.start()

    async def settle(self) -> int:
        """Poll until nothing is due at the current instant; returns the polls made.

        A subscription made by a callback (the feed following a new pipeline) is due at once
        but only picked up by the next ``poll_due``; a few rounds are enough for any chain.
        """
        total = 0
        for _ in range(10):
            polled = await self.monitor.poll_due()
            if not polled:
                return total
            total += polled
        raise AssertionError("the monitor kept finding due work at one instant")

    async def tick(self, seconds: float = INTERVAL) -> list[tuple[str, str, int | None]]:
        """Move both clocks, poll what is due, return the requests the simulator got."""
        before = len(self.sim.requests)
        self.clock.t += seconds
        self.sim_clock.advance(seconds)
        self.sim.world.sync()
        await self.settle()
        return [(r.method, r.path, r.status) for r in self.sim.requests[before:]]


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    sim_clock = ManualClock()
    sim = Simulator(seed=0, clock=sim_clock)
    transport = InFlight(sim.transport())
    client = CircleCIClient(
        sim.token, "http://circleci.sim", transport=transport, retry=RetryPolicy(max_attempts=1)
    )
    clock = FakeMonotonic()
    monitor = Monitor(
        client, interval=INTERVAL, slow_interval=SLOW, clock=clock, wall_clock=sim_clock.now
    )
    yield Rig(sim, sim_clock, clock, transport, client, monitor)
    await client.aclose()


async def tick_until(rig: Rig, done, *, seconds: float = INTERVAL, limit: float = 3600.0) -> float:
    """Tick ``rig`` until ``done()`` is true; returns the simulated seconds it took. Fails
    (instead of looping for ever) after ``limit`` simulated seconds."""
    waited = 0.0
    while not done():
        if waited >= limit:
            raise AssertionError(f"not done after {limit:.0f} simulated seconds")
        await rig.tick(seconds)
        waited += seconds
    return waited
