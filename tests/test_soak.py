"""Soak: the monitor, its feeds and the actions against the simulator for hours of simulated
time, with faults switched on and off at random, as a week on a flaky connection would.

Faults: slow answers, 429 with short and long Retry-After, 500, HTML 502/503 pages, malformed
and truncated JSON, connections reset after the request was processed, refused connections,
a revoked token (401), and a server whose page token repeats itself. Meanwhile a simulated user
opens and closes workflows and jobs and reruns failed workflows.

Checked all along: nothing raises, no error reaches a subscriber except the client's own typed
ones (a bug in the monitor would arrive as a bare "unexpected error"), nothing is logged at
ERROR, and the number of asyncio tasks, monitor entries and pending actions stays bounded.
Checked at the end: with the faults gone, the rows are exactly what CircleCI shows. Memory
growth of circletui's own allocations is measured and reported in the terminal summary.

Time is the monitor's fake clock and the simulator's ManualClock moved together, so a
simulated hour takes a second or two. CI runs ``SHORT_HOURS``; ``pytest --soak-hours=N
tests/test_soak.py`` runs N hours (``--soak-seed`` picks another fault schedule).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import tracemalloc
from dataclasses import dataclass, field

import httpx
import pytest

from circletui.api import CircleCIClient, CircleCIError
from circletui.api.pagination import collect
from circletui.monitor import (
    ActionInProgress,
    Actions,
    ApprovalFeed,
    JobInfo,
    Monitor,
    PipelineFeed,
    PipelineScope,
    WorkflowJobs,
)
from circletui.simulator import ManualClock, Simulator
from circletui.ui.app import POLL_RETRY

#: simulated hours in an ordinary test run (a few seconds of real time)
SHORT_HOURS = 0.5
INTERVAL, SLOW = 5.0, 60.0
#: upper bounds a leak would break: entries are the feed's list, ~20 pipelines' workflows,
#: the open screens' jobs and details, and orphans kept for ORPHAN_TTL
MAX_ENTRIES = 250
MAX_PENDING_ACTIONS = 10
#: circletui's own allocations may grow this much from warm-up to the end (bytes)
MAX_MEMORY_GROWTH = 4 * 1024 * 1024

FAULT_KINDS = ("latency", "429", "500", "502", "503", "malformed", "reset", "refuse", "401",
               "pages")

OWN_CODE = [tracemalloc.Filter(True, "*/circletui/api/*"),
            tracemalloc.Filter(True, "*/circletui/monitor/*")]


class RepeatingPages(httpx.AsyncBaseTransport):
    """A server whose list answers always say "there is another page: the same one"."""

    TOKEN = "again"

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.on = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.on or request.method != "GET":
            return await self.inner.handle_async_request(request)
        if request.url.params.get("page-token") == self.TOKEN:
            request = httpx.Request(request.method, request.url.copy_remove_param("page-token"),
                                    headers=request.headers)
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        try:
            data = json.loads(body)
        except ValueError:
            return httpx.Response(response.status_code, headers=response.headers, content=body)
        if isinstance(data, dict) and "items" in data:
            data["next_page_token"] = self.TOKEN
            body = json.dumps(data).encode()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers, content=body)


@dataclass
class Clock:
    t: float = 1000.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Soak:
    rng: random.Random
    sim: Simulator
    sim_clock: ManualClock
    clock: Clock
    pages: RepeatingPages
    client: CircleCIClient
    monitor: Monitor
    actions: Actions
    feed: PipelineFeed
    approvals: ApprovalFeed
    errors: list[BaseException] = field(default_factory=list)
    screens: list = field(default_factory=list)
    active_faults: list = field(default_factory=list)
    fault_kinds_seen: set[str] = field(default_factory=set)
    reruns: set[str] = field(default_factory=set)
    deck: list[str] = field(default_factory=list)

    def on_error(self, error: BaseException) -> None:
        self.errors.append(error)

    async def step(self, seconds: float) -> None:
        self.clock.t += seconds
        self.sim_clock.advance(seconds)
        self.sim.world.sync()
        for _ in range(10):
            if not await self.monitor.poll_due():
                break
        self.sim.requests.clear()  # the simulator's log, not ours: keep the measure clean

    # -- faults ------------------------------------------------------------------------------

    def switch_faults(self) -> None:
        rng, faults = self.rng, self.sim.faults
        for fault in list(self.active_faults):
            if rng.random() < 0.5:
                self.active_faults.remove(fault)
                if fault == "pages":
                    self.pages.on = False
                else:
                    faults.remove(fault)
        # One more fault each time (half of those on went off above).
        if not self.deck:  # every kind once, in a random order, then again
            self.deck = list(FAULT_KINDS)
            rng.shuffle(self.deck)
        kind = self.deck.pop()
        self.fault_kinds_seen.add(kind)
        scope = rng.choice([{}, {"method": "GET"}, {"path": r"/workflow/"},
                            {"path": r"^/api/v2/pipeline$"}])
        count = rng.choice([None, 1, 5])
        if kind == "pages":
            self.pages.on = True
            self.active_faults.append("pages")
            return
        fault = {
            "latency": lambda: faults.latency(0.001, count=count, **scope),
            "429": lambda: faults.rate_limit(rng.choice([1, 30, 120]), count=count, **scope),
            "500": lambda: faults.server_error(500, count=count, **scope),
            "502": lambda: faults.server_error(502, count=count, **scope),
            "503": lambda: faults.server_error(503, count=count, **scope),
            "malformed": lambda: faults.malformed_json(count=count, **scope),
            "reset": lambda: faults.drop_connection(count=count, **scope),
            "refuse": lambda: faults.refuse_connection(count=count, **scope),
            "401": lambda: faults.revoke_token(count=count, **scope),
        }[kind]()
        self.active_faults.append(fault)

    def clear_faults(self) -> None:
        self.sim.faults.clear()
        self.pages.on = False
        self.active_faults.clear()

    # -- the user ----------------------------------------------------------------------------

    def browse(self) -> None:
        """Open a workflow (its jobs) or a job (its details); close the oldest screen."""
        rows = [r for r in self.feed.rows if r.workflows]
        if not rows or self.rng.random() < 0.5:
            return
        workflow = self.rng.choice(self.rng.choice(rows).workflows)
        subs = [self.monitor.subscribe(WorkflowJobs(workflow.id), lambda v: None,
                                       self.on_error)]
        jobs = self.monitor.value(WorkflowJobs(workflow.id)) or ()
        numbered = [j for j in jobs if j.job_number is not None]
        if numbered:
            job = self.rng.choice(numbered)
            subs.append(self.monitor.subscribe(
                JobInfo(workflow.project_slug, job.job_number), lambda v: None,
                self.on_error))
        self.screens.append(subs)
        while len(self.screens) > 3:
            for sub in self.screens.pop(0):
                sub.close()

    async def maybe_rerun(self) -> None:
        failed = [w for r in self.feed.rows for w in (r.workflows or ())
                  if w.status == "failed" and w.id not in self.reruns]
        if not failed or self.rng.random() < 0.8:
            return
        workflow = self.rng.choice(failed)
        self.reruns.add(workflow.id)
        try:
            await self.actions.rerun_workflow(workflow, from_failed=True)
        except (CircleCIError, ActionInProgress):
            pass  # told to the user; what matters here is that nothing else escapes


@pytest.fixture
async def soak(request: pytest.FixtureRequest):
    seed = request.config.getoption("--soak-seed")
    sim_clock = ManualClock()
    sim = Simulator(seed=seed, clock=sim_clock, live=True, quirks="all")
    pages = RepeatingPages(sim.transport())

    async def no_sleep(seconds: float) -> None:  # the retry's wait, on the simulated clock
        return None

    clock = Clock()
    # The client dates 429 pauses with now(): the same simulated time as the monitor's.
    client = CircleCIClient(sim.token, "http://circleci.soak", transport=pages,
                            retry=POLL_RETRY, sleep=no_sleep, random=random.Random(seed),
                            now=lambda: 1_700_000_000.0 + clock.t)
    monitor = Monitor(client, interval=INTERVAL, slow_interval=SLOW, clock=clock,
                      wall_clock=sim_clock.now)
    errors: list[BaseException] = []
    feed = PipelineFeed(monitor, PipelineScope(org="gh/acme"), lambda rows: None,
                        on_error=errors.append, now=sim_clock.now)
    approvals = ApprovalFeed(lambda: feed.rows, monitor, lambda _: None)
    state = Soak(random.Random(seed), sim, sim_clock, clock, pages, client, monitor,
                 Actions(monitor, clock=clock), feed, approvals, errors=errors)
    feed._on_rows = lambda rows: approvals.update(rows)
    feed.start()
    yield state
    feed.close()
    await client.aclose()


def assert_only_typed_errors(errors: list[BaseException]) -> None:
    for error in errors:
        assert isinstance(error, CircleCIError), repr(error)
        # The monitor turns a bug in its own code into a bare CircleCIError("unexpected ...").
        assert type(error) is not CircleCIError, repr(error)


async def test_soak_with_random_faults(
    soak: Soak, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    hours = request.config.getoption("--soak-hours") or SHORT_HOURS
    caplog.set_level(logging.ERROR, logger="circletui")
    baseline_tasks = len(asyncio.all_tasks())
    seconds_total = hours * 3600
    warm_up = min(seconds_total * 0.1, 1800)
    tracemalloc.start()
    warm = None
    elapsed, next_switch = 0.0, 0.0
    max_entries = max_pending = 0
    try:
        while elapsed < seconds_total:
            if elapsed >= next_switch:
                soak.switch_faults()
                next_switch = elapsed + soak.rng.uniform(5, 40)
            soak.browse()
            await soak.maybe_rerun()
            step = soak.rng.choice([1.0, INTERVAL, INTERVAL, 15.0])
            await soak.step(step)
            elapsed += step
            if warm is None and elapsed >= warm_up:
                warm = tracemalloc.take_snapshot().filter_traces(OWN_CODE)

            assert len(asyncio.all_tasks()) == baseline_tasks
            max_entries = max(max_entries, len(soak.monitor._entries))
            max_pending = max(max_pending, len(soak.actions._pending))
            assert max_entries <= MAX_ENTRIES
            assert max_pending <= MAX_PENDING_ACTIONS
            assert_only_typed_errors(soak.errors)
            soak.errors.clear()
            assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        end = tracemalloc.take_snapshot().filter_traces(OWN_CODE)
    finally:
        tracemalloc.stop()
    growth = sum(s.size_diff for s in end.compare_to(warm, "filename"))
    request.config.stash.setdefault(SOAK_REPORT, []).append(
        f"soak: {hours:g} simulated hours, seed {request.config.getoption('--soak-seed')}, "
        f"fault kinds {sorted(soak.fault_kinds_seen)}; at most {max_entries} monitor entries "
        f"and {max_pending} pending actions; circletui memory growth after warm-up "
        f"{growth / 1024:+.0f} KiB"
    )
    assert growth < MAX_MEMORY_GROWTH
    if hours >= SHORT_HOURS:
        assert soak.fault_kinds_seen == set(FAULT_KINDS)

    # Faults gone: within a few polls everything is live and exactly what CircleCI shows.
    soak.clear_faults()
    for _ in range(12):  # long enough for the longest backoff and Retry-After to pass
        await soak.step(SLOW)
    assert soak.monitor.health.ok, soak.monitor.health
    assert_only_typed_errors(soak.errors)
    fresh = await collect(lambda t: soak.client.list_pipelines("gh/acme", page_token=t))
    assert [row.pipeline.id for row in soak.feed.rows] == [p.id for p in fresh]
    for row in soak.feed.rows:
        truth = (await soak.client.list_pipeline_workflows(row.pipeline.id)).items
        assert {(w.id, w.status) for w in row.workflows or ()} == {(w.id, w.status)
                                                                  for w in truth}


SOAK_REPORT = pytest.StashKey[list[str]]()
