"""The monitor's scheduling: cadence, one request in flight, backoff, subscriptions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import anyio
import pytest

from circletui.api.client import RateLimitInfo
from circletui.api.errors import ConnectionRefused, NotFound, RateLimited, Unauthorized
from circletui.monitor import Cadence, Monitor, Resource


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass(frozen=True)
class Counter(Resource):
    """A resource whose fetch is scripted by the test."""

    name: str
    label = "counter"

    async def fetch(self, client):
        return await client.fetch(self.name)

    def cadence(self, value):
        return {"active": Cadence.FAST, "done": Cadence.DONE}.get(value, Cadence.SLOW)


class FakeClient:
    def __init__(self) -> None:
        self.paused_for = 0.0  # seconds left of a 429 pause
        self.rate_limit: RateLimitInfo | None = None
        self.answers: dict[str, list] = {}
        self.calls: list[str] = []
        self.gate: anyio.Event | None = None
        self.concurrent = 0
        self.max_concurrent = 0

    def script(self, name: str, *answers) -> None:
        self.answers.setdefault(name, []).extend(answers)

    async def fetch(self, name: str):
        self.calls.append(name)
        self.concurrent += 1
        self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            if self.gate is not None:
                await self.gate.wait()
            queue = self.answers.get(name) or ["active"]
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            if isinstance(answer, Exception):
                raise answer
            return answer
        finally:
            self.concurrent -= 1


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def monitor(client, clock) -> Monitor:
    return Monitor(client, interval=5, slow_interval=60, clock=clock)


async def test_subscriber_gets_first_value_and_only_changes(monitor, client, clock):
    client.script("a", "active", "active", "changed")
    seen = []
    monitor.subscribe(Counter("a"), seen.append)
    assert await monitor.poll_due() == 1
    assert seen == ["active"]
    clock.advance(5)
    await monitor.poll_due()
    assert seen == ["active"], "an unchanged answer is not delivered again"
    clock.advance(5)
    await monitor.poll_due()
    assert seen == ["active", "changed"]


async def test_fast_cadence_while_active_slow_when_finished_never_when_done(
    monitor, client, clock
):
    client.script("a", "active")
    client.script("b", "finished")
    client.script("c", "done")
    for name in "abc":
        monitor.subscribe(Counter(name), lambda v: None)
    await monitor.poll_due()
    assert sorted(client.calls) == ["a", "b", "c"]
    client.calls.clear()
    # 60 s of ticks: "a" every 5 s, "b" once at 60 s, "c" never again.
    for _ in range(12):
        clock.advance(5)
        await monitor.poll_due()
    assert client.calls.count("a") == 12
    assert client.calls.count("b") == 1
    assert client.calls.count("c") == 0
    assert monitor.next_due() == clock() + 5


async def test_two_subscribers_share_one_poll_and_late_one_gets_cached_value(
    monitor, client, clock
):
    first, second = [], []
    monitor.subscribe(Counter("a"), first.append)
    await monitor.poll_due()
    monitor.subscribe(Counter("a"), second.append)
    assert second == ["active"], "the cached value is delivered at once"
    assert client.calls == ["a"], "no second request for the same resource"


async def test_unsubscribed_resource_is_not_polled(monitor, client, clock):
    sub = monitor.subscribe(Counter("a"), lambda v: None)
    await monitor.poll_due()
    sub.close()
    clock.advance(60)
    assert await monitor.poll_due() == 0
    assert client.calls == ["a"]
    assert monitor.subscribed == []


async def test_never_two_requests_in_flight_for_one_resource(monitor, client, clock):
    client.gate = anyio.Event()
    monitor.subscribe(Counter("a"), lambda v: None)
    async with anyio.create_task_group() as tg:
        tg.start_soon(monitor.poll_due)
        await anyio.wait_all_tasks_blocked()
        # The first poll hangs; time passes, refresh is asked: nothing new is sent.
        clock.advance(30)
        monitor.refresh()
        assert await monitor.poll_due() == 0
        assert client.calls == ["a"]
        client.gate.set()
    # The refresh asked during the slow poll is honoured right after it lands.
    assert monitor.next_due() == clock()
    client.gate = None
    assert await monitor.poll_due() == 1


async def test_next_poll_is_armed_after_the_answer_not_before(monitor, client, clock):
    client.gate = anyio.Event()
    monitor.subscribe(Counter("a"), lambda v: None)
    async with anyio.create_task_group() as tg:
        tg.start_soon(monitor.poll_due)
        await anyio.wait_all_tasks_blocked()
        clock.advance(12)  # a slow answer
        client.gate.set()
    assert monitor.next_due() == clock() + 5


async def test_failures_back_off_and_keep_last_value(monitor, client, clock):
    client.script("a", "active", ConnectionRefused("down"), ConnectionRefused("down"), "active")
    seen, errors, health = [], [], []
    monitor.add_health_listener(health.append)
    monitor.subscribe(Counter("a"), seen.append, errors.append)
    await monitor.poll_due()
    clock.advance(5)
    await monitor.poll_due()
    assert monitor.health.state == "unreachable"
    assert monitor.health.message == "CircleCI unreachable"
    assert monitor.next_due() == clock() + 5
    clock.advance(5)
    await monitor.poll_due()
    assert monitor.next_due() == clock() + 10, "exponential backoff"
    assert monitor.value(Counter("a")) == "active", "the last good value stays"
    assert len(errors) == 2
    clock.advance(10)
    await monitor.poll_due()
    assert monitor.health.state == "ok"
    states = [h.state for h in health]
    assert [s for i, s in enumerate(states) if i == 0 or states[i - 1] != s] == [
        "starting", "ok", "unreachable", "ok"
    ]


async def test_rate_limit_waits_at_least_retry_after(monitor, client, clock):
    client.script("a", RateLimited("slow down", retry_after=42.0), "active")
    monitor.subscribe(Counter("a"), lambda v: None)
    await monitor.poll_due()
    assert monitor.health.state == "throttled"
    assert monitor.next_due() == clock() + 42
    assert monitor.health.retry_at == clock() + 42


async def test_revoked_token_is_reported_and_polled_slowly(monitor, client, clock):
    client.script("a", Unauthorized("Invalid token provided."))
    monitor.subscribe(Counter("a"), lambda v: None)
    await monitor.poll_due()
    assert monitor.health.state == "unauthorized"
    assert monitor.health.message == "token rejected (401)"
    assert monitor.next_due() == clock() + 60


async def test_not_found_is_local_to_the_resource(monitor, client, clock):
    client.script("a", NotFound("Job not found"))
    client.script("b", "active")
    errors = []
    monitor.subscribe(Counter("a"), lambda v: None, errors.append)
    monitor.subscribe(Counter("b"), lambda v: None)
    await monitor.poll_due()
    assert monitor.health.state == "ok"
    assert isinstance(errors[0], NotFound)
    clock.advance(3600)
    await monitor.poll_due()
    assert client.calls.count("a") == 1, "a 404 is not asked again"


async def test_a_subscriber_can_ask_for_fast_but_not_for_done(monitor, client, clock):
    client.script("a", "finished")
    client.script("c", "done")
    a = monitor.subscribe(Counter("a"), lambda v: None)
    c = monitor.subscribe(Counter("c"), lambda v: None)
    await monitor.poll_due()
    a.set_cadence(Cadence.FAST)
    c.set_cadence(Cadence.FAST)
    assert monitor.next_due() == clock() + 5
    clock.advance(5)
    await monitor.poll_due()
    assert client.calls.count("a") == 2
    assert client.calls.count("c") == 1


async def test_refresh_repolls_done_resources(monitor, client, clock):
    client.script("c", "done")
    monitor.subscribe(Counter("c"), lambda v: None)
    await monitor.poll_due()
    assert monitor.next_due() == math.inf
    monitor.refresh(Counter("c"))
    assert await monitor.poll_due() == 1


async def test_concurrency_is_bounded(client, clock):
    monitor = Monitor(client, interval=5, slow_interval=60, clock=clock, max_concurrency=3)
    client.gate = anyio.Event()
    for i in range(10):
        monitor.subscribe(Counter(str(i)), lambda v: None)
    async with anyio.create_task_group() as tg:
        tg.start_soon(monitor.poll_due)
        await anyio.wait_all_tasks_blocked()
        assert client.concurrent == 3
        client.gate.set()
    assert client.max_concurrent == 3
    assert len(client.calls) == 10


async def test_run_loop_polls_on_its_own():
    client = FakeClient()
    monitor = Monitor(client, interval=0.01, slow_interval=0.01)
    got = anyio.Event()
    monitor.subscribe(Counter("a"), lambda v: got.set())
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(monitor.run)
            await got.wait()
            tg.cancel_scope.cancel()
    assert client.calls[0] == "a"


async def test_resubscribing_during_a_poll_sends_no_second_request(monitor, client, clock):
    client.gate = anyio.Event()
    first = monitor.subscribe(Counter("a"), lambda v: None)
    seen = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(monitor.poll_due)
        await anyio.wait_all_tasks_blocked()
        first.close()  # the screen is left while its data is on the way...
        monitor.subscribe(Counter("a"), seen.append)  # ...and shown again
        assert await monitor.poll_due() == 0
        client.gate.set()
    assert client.calls == ["a"]
    assert seen == ["active"], "the answer in flight reaches the new subscriber"


async def test_a_screen_shown_again_gets_cached_data_without_a_request(monitor, client, clock):
    client.script("c", "done")
    sub = monitor.subscribe(Counter("c"), lambda v: None)
    await monitor.poll_due()
    sub.close()
    assert monitor.subscribed == []
    clock.advance(60)
    seen = []
    monitor.subscribe(Counter("c"), seen.append)
    assert seen == ["done"]
    assert await monitor.poll_due() == 0
    assert client.calls == ["c"]


async def test_unwatched_cache_is_evicted_after_a_while(monitor, client, clock):
    from circletui.monitor.poller import ORPHAN_TTL

    client.script("c", "done")
    monitor.subscribe(Counter("c"), lambda v: None).close()
    await monitor.poll_due()  # nothing polled: unwatched
    assert client.calls == []
    sub = monitor.subscribe(Counter("c"), lambda v: None)
    await monitor.poll_due()
    sub.close()
    clock.advance(ORPHAN_TTL + 1)
    await monitor.poll_due()
    seen = []
    monitor.subscribe(Counter("c"), seen.append)
    assert seen == [], "evicted: the value is fetched afresh"
    assert await monitor.poll_due() == 1


async def test_the_fastest_subscriber_wins_and_leaving_slows_it_down(monitor, client, clock):
    client.script("a", "active")
    screen = monitor.subscribe(Counter("a"), lambda v: None)
    background = monitor.subscribe(Counter("a"), lambda v: None)
    background.set_cadence(Cadence.SLOW)
    await monitor.poll_due()
    assert monitor.next_due() == clock() + 5, "the screen wants the resource's own FAST"
    screen.close()
    assert monitor.next_due() == clock() + 60, "only the slow watcher is left"


# -- a screen that subscribes after a slow watcher ------------------------------------------------


async def test_a_screen_subscribing_after_a_slow_watcher_is_fresh_within_one_interval(
    monitor, client, clock
):
    # The order the app uses: the approvals watcher holds the workflow's jobs at SLOW...
    client.script("jobs", "active")
    watcher = monitor.subscribe(Counter("jobs"), lambda v: None)
    watcher.set_cadence(Cadence.SLOW)
    await monitor.poll_due()
    assert monitor.next_due() == clock() + 60
    # ...the user opens the graph 3 s later: the cached jobs show at once, and the next poll
    # is one interval after the last answer, not 57 s away.
    clock.advance(3)
    shown = []
    monitor.subscribe(Counter("jobs"), shown.append)
    assert shown == ["active"]
    assert monitor.next_due() == clock() + 2
    # Two seconds later the jobs are polled again.
    clock.advance(2)
    await monitor.poll_due()
    assert client.calls == ["jobs", "jobs"]


async def test_a_screen_opened_long_after_the_last_poll_gets_a_poll_at_once(
    monitor, client, clock
):
    client.script("jobs", "active")
    watcher = monitor.subscribe(Counter("jobs"), lambda v: None)
    watcher.set_cadence(Cadence.SLOW)
    await monitor.poll_due()
    clock.advance(40)
    monitor.subscribe(Counter("jobs"), lambda v: None)
    assert monitor.next_due() == clock()
    assert await monitor.poll_due() == 1


# -- out of sight --------------------------------------------------------------------------------


async def test_a_subscriber_out_of_sight_polls_at_the_slow_rate_at_most(monitor, client, clock):
    client.script("a", "active")
    client.script("b", "finished")
    hidden = monitor.subscribe(Counter("a"), lambda v: None)
    rare = monitor.subscribe(Counter("b"), lambda v: None)
    rare.set_cadence(Cadence.DORMANT)
    await monitor.poll_due()
    assert monitor.next_due() == clock() + 5
    hidden.set_background(True)
    rare.set_background(True)
    assert monitor.cadence_of(Counter("a")) is Cadence.SLOW
    assert monitor.cadence_of(Counter("b")) is Cadence.DORMANT, "never faster for hiding"
    assert monitor.next_due() == clock() + 60
    # Back in sight 70 s later: polled at once, then at its own FAST rate again.
    clock.advance(30)
    hidden.set_background(False)
    assert monitor.next_due() == clock()


async def test_finished_for_a_while_cadences_are_five_and_fifteen_minutes(monitor, client, clock):
    client.script("b", "finished")
    sub = monitor.subscribe(Counter("b"), lambda v: None)
    await monitor.poll_due()
    sub.set_cadence(Cadence.RARE)
    assert monitor.next_due() == clock() + 300
    sub.set_cadence(Cadence.DORMANT)
    assert monitor.next_due() == clock() + 900


# -- the rate limit -------------------------------------------------------------------------------


async def test_a_429_on_one_resource_pauses_every_poll_and_the_status_counts_down(
    monitor, client, clock
):
    client.script("a", "active")
    client.script("b", RateLimited("slow down", retry_after=30.0), "active")
    monitor.subscribe(Counter("a"), lambda v: None)
    monitor.subscribe(Counter("b"), lambda v: None)
    client.paused_for = 0.0
    await monitor.poll_due()
    # The client now holds every request for 30 s (the pause belongs to the host).
    client.paused_for = 30.0
    client.calls.clear()
    for _ in range(29):
        clock.advance(1)
        client.paused_for -= 1
        assert await monitor.poll_due() == 0
        assert monitor.health.state == "throttled"
        assert monitor.health.retry_at == pytest.approx(clock() + client.paused_for)
    assert client.calls == [], "nothing is polled during the pause, not even 'a'"
    clock.advance(1)
    client.paused_for = 0.0
    assert await monitor.poll_due() == 2
    assert monitor.health.state == "ok"


async def test_a_pause_started_outside_the_monitor_stops_polls_too(monitor, client, clock):
    monitor.subscribe(Counter("a"), lambda v: None)
    await monitor.poll_due()
    client.paused_for = 12.0  # a job screen's request was throttled
    clock.advance(5)
    assert await monitor.poll_due() == 0
    assert monitor.next_due() == clock() + 12
    assert monitor.health.state == "throttled"


@pytest.mark.parametrize(
    ("remaining", "stretch"),
    [(None, 1.0), (1000, 1.0), (200, 1.0), (100, 2.0), (50, 4.0), (10, 8.0), (0, 8.0)],
)
async def test_polling_slows_down_as_the_rate_limit_budget_runs_low(
    monitor, client, clock, remaining, stretch
):
    client.rate_limit = RateLimitInfo(limit=1000, remaining=remaining, reset=60.0,
                                      observed_at=0.0)
    monitor.subscribe(Counter("a"), lambda v: None)
    await monitor.poll_due()
    assert monitor.budget_stretch() == stretch
    assert monitor.next_due() == clock() + 5 * stretch
    assert monitor.health.stretch == stretch
