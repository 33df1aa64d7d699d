"""A 429 pauses every request to the host, not only the one that got it.

CircleCI's rate limit belongs to the token, so once one answer says "slow down", nothing is
sent to that host until the pause expires: the next read on another path, and a mutation the
user confirmed in the meantime, are held and then sent once. The clock is fake and moves only
when the client sleeps, so each test states the exact wait and what was sent when.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import anyio
import httpx
import pytest

from circletui.api import CircleCIClient, RateLimited, RetryPolicy
from circletui.api.retry import ThrottlePause

TOKEN = "CCIPAT_ThrottleTestToken_0123456789abcdef0123456789abcdef0123"
START = 1_700_000_000.0
WORKFLOW_ID = "716a0d67-7b0a-4bd5-a1ac-2ef9c1a4f1c2"
ME = {"id": "u", "login": "l", "name": "n"}


class Clock:
    """Epoch seconds that move only when the client sleeps."""

    def __init__(self) -> None:
        self.t = START
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        await anyio.lowlevel.checkpoint()


class Server:
    """Answers per path from a queue (the last entry repeats); records when each request came."""

    def __init__(self, clock: Clock, **answers: list[httpx.Response]) -> None:
        self.clock = clock
        self.answers = answers
        self.sent: list[tuple[float, str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v2")
        self.sent.append((self.clock.t - START, request.method, path))
        queue = self.answers.get(path.strip("/").replace("/", "_"), [httpx.Response(200, json=ME)])
        return queue.pop(0) if len(queue) > 1 else queue[0]


def client_for(server: Server, clock: Clock, retry: RetryPolicy | None = None) -> CircleCIClient:
    return CircleCIClient(
        TOKEN,
        transport=httpx.MockTransport(server),
        sleep=clock.sleep,
        now=clock.now,
        retry=retry or RetryPolicy(max_attempts=1),
    )


def throttled(headers: dict[str, str] | None = None, *, plain: bool = False) -> httpx.Response:
    if plain:
        return httpx.Response(429, text="Rate limited.", headers=headers)
    return httpx.Response(429, json={"message": "Rate limit exceeded."}, headers=headers)


@pytest.mark.parametrize(
    ("headers", "plain", "pause"),
    [
        ({"Retry-After": "5"}, False, 5.0),
        ({"Retry-After": "5"}, True, 5.0),
        ({"Retry-After": format_datetime(datetime.fromtimestamp(START + 9, UTC), usegmt=True)},
         False, 9.0),
        (None, True, 5.0),
        (None, False, 5.0),
    ],
    ids=["seconds-json", "seconds-text", "http-date", "no-header-text", "no-header-json"],
)
async def test_a_429_on_one_path_holds_every_other_request_until_it_expires(
    headers, plain, pause
):
    clock = Clock()
    server = Server(clock, me_collaborations=[throttled(headers, plain=plain)])
    async with client_for(server, clock) as client:
        with pytest.raises(RateLimited) as caught:
            await client.get_collaborations()
        assert caught.value.retry_after == pytest.approx(pause)
        assert client.paused_for == pytest.approx(pause)
        await client.get_me()  # another path: waits, then goes
        assert client.paused_for == 0
    assert server.sent == [(0.0, "GET", "/me/collaborations"),
                           (pytest.approx(pause), "GET", "/me")]


async def test_without_retry_after_each_429_in_a_row_doubles_the_pause_and_an_answer_resets_it():
    clock = Clock()
    server = Server(clock, me=[throttled(), throttled(), httpx.Response(200, json=ME),
                               throttled(), httpx.Response(200, json=ME)])
    async with client_for(server, clock) as client:
        for _ in range(2):
            with pytest.raises(RateLimited):
                await client.get_me()
        await client.get_me()
        with pytest.raises(RateLimited) as caught:
            await client.get_me()
        assert caught.value.retry_after == 5.0, "a good answer in between starts again at 5 s"
        await client.get_me()
    assert [t for t, _, _ in server.sent] == [0.0, 5.0, 15.0, 15.0, 20.0]


async def test_a_mutation_confirmed_during_the_pause_is_held_and_sent_once():
    clock = Clock()
    server = Server(clock, me=[throttled({"Retry-After": "30"})],
                    **{f"workflow_{WORKFLOW_ID}_rerun": [
                        httpx.Response(202, json={"workflow_id": "new"})]})
    async with client_for(server, clock, RetryPolicy(max_retry_after=5)) as client:
        with pytest.raises(RateLimited):
            await client.get_me()  # 30 s is longer than a poll waits on its own
        result = await client.rerun_workflow(WORKFLOW_ID, from_failed=True)
    assert result.workflow_id == "new"
    assert server.sent == [(0.0, "GET", "/me"),
                           (30.0, "POST", f"/workflow/{WORKFLOW_ID}/rerun")]


async def test_a_throttled_mutation_is_not_resent_but_pauses_the_host():
    clock = Clock()
    server = Server(clock, **{f"workflow_{WORKFLOW_ID}_cancel": [throttled({"Retry-After": "4"})]})
    async with client_for(server, clock, RetryPolicy()) as client:
        with pytest.raises(RateLimited):
            await client.cancel_workflow(WORKFLOW_ID)
        await client.get_me()
    assert server.sent == [(0.0, "POST", f"/workflow/{WORKFLOW_ID}/cancel"),
                           (4.0, "GET", "/me")]


def test_a_shorter_retry_after_answered_later_never_shortens_the_pause():
    # Two requests in flight when the limit hits: the one answered second, with a shorter
    # Retry-After, must not let traffic resume before the first one's pause is over.
    pause = ThrottlePause()
    assert pause.throttled(20.0, now=100.0) == 20.0
    assert pause.throttled(2.0, now=101.0) == 19.0
    assert pause.remaining(110.0) == 10.0
    assert pause.remaining(125.0) == 0.0
