"""Benchmark: what watching an org costs in API requests, against a naive poller.

Run with ``python benchmarks/bench_polling.py`` (well under a minute on 2 cores). Everything
runs in-process against the simulated CircleCI (seed 7, ``ManualClock``); no network.

circletui's ``Monitor`` + ``PipelineFeed`` + ``ApprovalFeed`` watch ``PipelineScope(org=
"gh/acme")`` with ``interval=5`` and ``slow_interval=60``. The monitor runs on a fake monotonic
clock: each simulated second the benchmark polls what is due (``await monitor.poll_due()``,
repeated until nothing more is due, as ``Monitor.run`` starts a new subscription at once) and
then advances the monitor's clock and the simulator's ``ManualClock`` by one second.

In the same timeline and over the same world, the baseline is what a simple monitor does:
every 5 s fetch the pipeline list, every listed pipeline's workflows and every workflow's jobs.

Phases:

* **active**: the first 10 simulated minutes from start (the seed-7 world has running,
  failing and on-hold workflows; startup included, which is what opening the app costs);
* **idle**: the held workflows are cancelled (nothing approves them in a non-live world),
  the simulator runs until ``world.active_workflows`` is empty (monitor still watching, not
  measured), then 10 simulated minutes are measured.

Also measured:

* requests for the same URL in flight at once, counted by a recording transport wrapper: in
  the stepped timeline; in a real-time run of ``Monitor.run()`` with a slow transport (0-200
  ms per answer, interval 0.2 s) and a Ctrl+R-style ``refresh()`` every 150 ms; and with the
  feed closed and opened again while its polls are in flight (100 ms answers), as when the
  scope is set away and back (``m`` twice) or a screen is left and shown again: that is a
  subscription change rather than polling, reported on its own line;
* time to first rows: wall time from starting the monitor (``Monitor.run()`` on the real
  clock) to the feed's first rows, and to rows whose every status is known, against the
  naive poller's list + workflows; in-process, and with a modelled 50 ms per answer.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from circletui.api import CircleCIClient, RetryPolicy
from circletui.monitor import ApprovalFeed, Monitor, PipelineFeed, PipelineRow, PipelineScope
from circletui.simulator import ManualClock, Simulator

SEED = 7
HOST = "http://circleci.bench"
SCOPE = PipelineScope(org="gh/acme")
INTERVAL = 5.0
SLOW_INTERVAL = 60.0
PHASE_SECONDS = 600
TRANSITION_CAP = 3600
TTFR_RUNS = 5
STRESS_SECONDS = 3.0
STRESS_LATENCY = 0.2
RESUBSCRIBE_LATENCY = 0.1
MODELLED_LATENCY = 0.05


# -- a transport that records every request and notices overlaps ------------------------------


@dataclass
class Overlap:
    key: str
    at: float  # seconds since the recorder started (wall clock)
    already: int  # how many were already in flight for that key


@dataclass
class RecordingTransport(httpx.AsyncBaseTransport):
    """Wraps the simulator's transport: counts requests by kind, finds same-URL overlaps."""

    inner: httpx.AsyncBaseTransport
    latency: Callable[[], float] | None = None
    count: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    in_flight: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    overlaps: list[Overlap] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url}"
        self.count += 1
        self.kinds[kind_of(request.url.path)] += 1
        if self.in_flight[key]:
            self.overlaps.append(
                Overlap(key, time.perf_counter() - self.started, self.in_flight[key])
            )
        self.in_flight[key] += 1
        try:
            if self.latency is not None:
                await anyio.sleep(self.latency())
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.in_flight[key] -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def kind_of(path: str) -> str:
    parts = path.removeprefix("/api/v2/").split("/")
    if parts == ["pipeline"]:
        return "pipeline list"
    if parts[0] == "pipeline" and parts[-1] == "workflow":
        return "pipeline workflows"
    if parts[0] == "workflow" and parts[-1] == "job":
        return "workflow jobs"
    if parts[0] == "workflow" and len(parts) == 2:
        return "workflow"
    return "other"


def make_client(sim: Simulator, latency: Callable[[], float] | None = None):
    transport = RecordingTransport(sim.transport(), latency)
    # One attempt per read, as the tests do: the monitor polls again anyway.
    client = CircleCIClient(sim.token, HOST, transport=transport, retry=RetryPolicy(max_attempts=1))
    return client, transport


# -- the two pollers ----------------------------------------------------------------------------


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Watcher:
    """circletui's way: the monitor, the pipeline feed and the approvals riding on it."""

    def __init__(
        self,
        sim: Simulator,
        clock: Callable[[], float] = time.monotonic,
        interval: float = INTERVAL,
        slow_interval: float = SLOW_INTERVAL,
        latency: Callable[[], float] | None = None,
    ) -> None:
        self.client, self.transport = make_client(sim, latency)
        self.sim = sim
        self.monitor = Monitor(
            self.client,
            interval=interval,
            slow_interval=slow_interval,
            clock=clock,
            wall_clock=sim.clock.now,
        )
        self.rows: list[PipelineRow] = []
        self.approvals = 0
        self.first_rows: float | None = None
        self.complete_rows: float | None = None
        self.complete = anyio.Event()
        self.feed: PipelineFeed | None = None
        self.approval_feed: ApprovalFeed | None = None

    def start(self) -> None:
        self.approval_feed = ApprovalFeed(lambda: self.rows, self.monitor, self._on_approvals)
        self.feed = PipelineFeed(self.monitor, SCOPE, self._on_rows, now=self.sim.clock.now)
        self.feed.start()

    def close(self) -> None:
        if self.feed:
            self.feed.close()
        if self.approval_feed:
            self.approval_feed.close()

    def _on_rows(self, rows: list[PipelineRow]) -> None:
        self.rows = rows
        now = time.perf_counter()
        if rows and self.first_rows is None:
            self.first_rows = now
        if rows and self.complete_rows is None and all(r.workflows is not None for r in rows):
            self.complete_rows = now
            self.complete.set()
        assert self.approval_feed is not None
        self.approval_feed.update(rows)

    def _on_approvals(self, approvals) -> None:
        self.approvals = len(approvals)

    async def step(self) -> None:
        for _ in range(20):
            if not await self.monitor.poll_due():
                return
        raise RuntimeError("the monitor kept finding polls due within one instant")


class NaivePoller:
    """What a simple monitor does: everything, every 5 s, one request after the other."""

    def __init__(self, sim: Simulator) -> None:
        self.client, self.transport = make_client(sim)

    async def rows(self) -> list:
        page = await self.client.list_pipelines(SCOPE.org)
        return [(p, (await self.client.list_pipeline_workflows(p.id)).items) for p in page.items]

    async def tick(self) -> None:
        for _pipeline, workflows in await self.rows():
            for wf in workflows:
                await self.client.list_workflow_jobs(wf.id)


# -- the stepped timeline -----------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    seconds: int
    ours: Counter[str]
    naive: Counter[str]
    active_at_start: int
    active_at_end: int

    def per_minute(self, counts: Counter[str]) -> float:
        return sum(counts.values()) / (self.seconds / 60)


def settle_world(sim: Simulator) -> list:
    sim.world.sync()
    return sim.world.active_workflows


async def measure_phase(
    name: str, sim: Simulator, clock: FakeMonotonic, watcher: Watcher, seconds: int
) -> Phase:
    naive = NaivePoller(sim)
    active_at_start = len(settle_world(sim))
    ours_before = Counter(watcher.transport.kinds)
    for second in range(seconds):
        await watcher.step()
        if second % int(INTERVAL) == 0:
            await naive.tick()
        clock.now += 1
        sim.clock.advance(1)
    await naive.client.aclose()
    ours = watcher.transport.kinds - ours_before
    return Phase(
        name, seconds, ours, naive.transport.kinds, active_at_start, len(settle_world(sim))
    )


async def go_idle(sim: Simulator, clock: FakeMonotonic, watcher: Watcher) -> int:
    """Cancel what waits for an approval, then run until nothing is active. Seconds taken."""
    for wf in settle_world(sim):
        if wf.status == "on_hold":
            sim.world.cancel_workflow(wf.id)
    seconds = 0
    while settle_world(sim):
        if seconds >= TRANSITION_CAP:
            raise RuntimeError(f"still active after {TRANSITION_CAP} s: {settle_world(sim)}")
        await watcher.step()
        clock.now += 1
        sim.clock.advance(1)
        seconds += 1
    return seconds


async def timeline() -> tuple[list[Phase], int, Watcher]:
    sim = Simulator(seed=SEED, clock=ManualClock())
    assert not sim.world.live, "new pipelines would keep the world active"
    clock = FakeMonotonic()
    watcher = Watcher(sim, clock)
    watcher.start()
    active = await measure_phase("active", sim, clock, watcher, PHASE_SECONDS)
    transition = await go_idle(sim, clock, watcher)
    idle = await measure_phase("idle", sim, clock, watcher, PHASE_SECONDS)
    watcher.close()
    await watcher.client.aclose()
    return [active, idle], transition, watcher


# -- real time: overlaps under a slow CircleCI, and time to first rows ---------------------------


async def stress() -> tuple[int, list[Overlap]]:
    """Monitor.run() on the real clock, slow answers, Ctrl+R-style refreshes on top."""
    sim = Simulator(seed=SEED, clock=ManualClock())
    rng = random.Random(1)
    watcher = Watcher(
        sim, interval=0.2, slow_interval=1.0, latency=lambda: rng.uniform(0, STRESS_LATENCY)
    )
    watcher.start()
    async with anyio.create_task_group() as tg:
        tg.start_soon(watcher.monitor.run)
        deadline = time.perf_counter() + STRESS_SECONDS
        while time.perf_counter() < deadline:
            await anyio.sleep(0.15)
            sim.clock.advance(5)
            watcher.monitor.refresh()
        tg.cancel_scope.cancel()
    watcher.close()
    await watcher.client.aclose()
    return watcher.transport.count, watcher.transport.overlaps


async def resubscribe_in_flight() -> tuple[int, list[Overlap]]:
    """The feed closed and opened again while its polls are in flight, three times.

    What the app does when the scope is set away and back (``m`` twice), and what a screen
    does when it is left and shown again (``BaseScreen`` unsubscribes on suspend).
    """
    sim = Simulator(seed=SEED, clock=ManualClock())
    watcher = Watcher(sim, latency=lambda: RESUBSCRIBE_LATENCY)
    watcher.start()
    async with anyio.create_task_group() as tg:
        tg.start_soon(watcher.monitor.run)
        with anyio.fail_after(30):
            await watcher.complete.wait()
        for _ in range(3):
            watcher.monitor.refresh()
            await anyio.sleep(RESUBSCRIBE_LATENCY / 4)
            watcher.close()
            watcher.start()
            await anyio.sleep(RESUBSCRIBE_LATENCY * 8)
        tg.cancel_scope.cancel()
    watcher.close()
    await watcher.client.aclose()
    return watcher.transport.count, watcher.transport.overlaps


def fixed(latency: float) -> Callable[[], float] | None:
    return (lambda: latency) if latency else None


async def time_to_first_rows(latency: float = 0.0) -> tuple[float, float]:
    """Wall time from the monitor's start to the first rows, and to every status known."""
    sim = Simulator(seed=SEED, clock=ManualClock())
    watcher = Watcher(sim, latency=fixed(latency))
    start = time.perf_counter()
    watcher.start()
    async with anyio.create_task_group() as tg:
        tg.start_soon(watcher.monitor.run)
        with anyio.fail_after(30):
            await watcher.complete.wait()
        tg.cancel_scope.cancel()
    watcher.close()
    await watcher.client.aclose()
    assert watcher.first_rows is not None and watcher.complete_rows is not None
    return watcher.first_rows - start, watcher.complete_rows - start


async def naive_first_rows(latency: float = 0.0) -> tuple[float, float]:
    """The naive poller's list + workflows (its rows), and then the rest of its first tick."""
    sim = Simulator(seed=SEED, clock=ManualClock())
    naive = NaivePoller(sim)
    naive.transport.latency = fixed(latency)
    start = time.perf_counter()
    await naive.rows()
    rows = time.perf_counter() - start
    await naive.tick()
    tick = time.perf_counter() - start - rows
    await naive.client.aclose()
    return rows, tick


# -- report -------------------------------------------------------------------------------------


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def main() -> None:
    started = time.perf_counter()
    phases, transition, watcher = await timeline()
    timeline_wall = time.perf_counter() - started

    stepped_overlaps = len(watcher.transport.overlaps)
    polling = await stress()
    resubscribing = await resubscribe_in_flight()

    ttfr = [await time_to_first_rows() for _ in range(TTFR_RUNS)]
    naive_ttfr = [await naive_first_rows() for _ in range(TTFR_RUNS)]
    slow_ttfr = await time_to_first_rows(MODELLED_LATENCY)
    slow_naive = await naive_first_rows(MODELLED_LATENCY)

    print(
        f"world: seed {SEED}, scope {SCOPE.describe()}, interval {INTERVAL:.0f} s, "
        f"slow {SLOW_INTERVAL:.0f} s; idle reached {transition} s after the active phase"
    )
    print(f"stepped timeline: {timeline_wall:.1f} s wall\n")
    rows = []
    for phase in phases:
        ours, naive = phase.per_minute(phase.ours), phase.per_minute(phase.naive)
        rows.append(
            (
                f"{phase.name} ({phase.seconds // 60} min, world active workflows "
                f"{phase.active_at_start}->{phase.active_at_end})",
                f"{ours:.1f}",
                f"{naive:.1f}",
                f"{naive / ours:.1f}x fewer" if ours else "-",
            )
        )
    table(("requests / simulated minute", "circletui", "naive 5 s", "ratio"), rows)
    print()
    kinds = ["pipeline list", "pipeline workflows", "workflow", "workflow jobs", "other"]
    breakdown = []
    for kind in kinds:
        cells = []
        for phase in phases:
            cells += [
                f"{phase.ours[kind] / (phase.seconds / 60):.1f}",
                f"{phase.naive[kind] / (phase.seconds / 60):.1f}",
            ]
        if any(cell != "0.0" for cell in cells):
            breakdown.append((kind, *cells))
    table(("per minute, by request", "active: ours", "naive", "idle: ours", "naive"), breakdown)
    print()
    first = statistics.median(t[0] for t in ttfr)
    complete = statistics.median(t[1] for t in ttfr)
    naive_rows = statistics.median(t[0] for t in naive_ttfr)
    naive_tick = statistics.median(t[1] for t in naive_ttfr)
    slow = f"{MODELLED_LATENCY * 1000:.0f} ms per answer"
    table(
        ("time to first rows", "circletui", "naive"),
        [
            (f"in-process, median of {TTFR_RUNS}: list answered", ms(first), "-"),
            ("  every status known (naive: list + workflows)", ms(complete), ms(naive_rows)),
            ("  naive: the rest of its first tick (jobs)", "-", ms(naive_tick)),
            (f"{slow}: list answered", ms(slow_ttfr[0]), "-"),
            ("  every status known (naive: list + workflows)", ms(slow_ttfr[1]), ms(slow_naive[0])),
            ("  naive: the rest of its first tick (jobs)", "-", ms(slow_naive[1])),
        ],
    )
    print()
    overlap_rows = [
        ("stepped timeline above (poll_due)", str(watcher.transport.count), str(stepped_overlaps)),
        (
            f"Monitor.run {STRESS_SECONDS:.0f} s, 0-{STRESS_LATENCY * 1000:.0f} ms answers, "
            "interval 0.2 s, refresh() every 150 ms",
            str(polling[0]),
            str(len(polling[1])),
        ),
        (
            f"feed closed + reopened with its polls in flight, 3x ({RESUBSCRIBE_LATENCY * 1000:.0f}"
            " ms answers)",
            str(resubscribing[0]),
            str(len(resubscribing[1])),
        ),
    ]
    table(("same URL in flight twice at once", "requests", "overlaps"), overlap_rows)
    for name, (_count, overlaps) in (("polling", polling), ("reopened", resubscribing)):
        for overlap in overlaps[:3]:
            path = overlap.key.replace(HOST, "")
            print(f"  {name}: {path} at {overlap.at:.2f} s ({overlap.already} already in flight)")
        if len(overlaps) > 3:
            print(f"  {name}: ... {len(overlaps) - 3} more")
    print(f"\ntotal {time.perf_counter() - started:.1f} s wall")


if __name__ == "__main__":
    asyncio.run(main())
