"""Retry policy: backoff with full jitter, Retry-After, attempt caps, and the rule that
mutations are sent once (unless the connection was refused).

Every wait goes through a fake ``sleep`` that only records, and the jitter comes from a
seeded ``Random``, so each test states the exact delays it expects.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import format_datetime
from random import Random

import httpx
import pytest

from circletui.api import (
    CircleCIClient,
    ConnectionRefused,
    HTTPError,
    InvalidResponse,
    NetworkError,
    NotFound,
    RateLimited,
    RetryEvent,
    RetryPolicy,
    ServerError,
    Timeout,
    Unauthorized,
    parse_retry_after,
)
from circletui.api.errors import BadRequest
from circletui.api.retry import should_retry

TOKEN = "CCIPAT_RetryTestToken_fedcba9876543210fedcba9876543210fedcba98"
SLUG = "gh/acme/api"
WORKFLOW_ID = "716a0d67-7b0a-4bd5-a1ac-2ef9c1a4f1c2"
NOW = 1_700_000_000.0
SEED = 20240601


class Script:
    """Answers from a queue (the last entry repeats) and records the requests."""

    def __init__(self, *answers: httpx.Response | type[Exception]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, type):
            raise answer("scripted failure", request=request)
        return answer


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class TopOfRange(Random):
    """A "random" source that always draws the top of the jitter range."""

    def random(self) -> float:
        return 1.0


def client_for(script: Script, sleep: FakeSleep, **kwargs) -> CircleCIClient:
    kwargs.setdefault("random", Random(SEED))
    kwargs.setdefault("now", lambda: NOW)
    return CircleCIClient(TOKEN, transport=httpx.MockTransport(script), sleep=sleep, **kwargs)


def seeded_backoff(*ceilings: float) -> list[float]:
    rng = Random(SEED)
    return [rng.random() * ceiling for ceiling in ceilings]


OK = httpx.Response(200, json={"id": "u", "login": "l", "name": "n"})


# -- the policy on its own ----------------------------------------------------------------------


def test_policy_defaults():
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.base_delay, policy.max_delay, policy.max_retry_after) == (
        4,
        0.5,
        30.0,
        60.0,
    )


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"base_delay": -1}, {"max_delay": -1}, {"max_retry_after": -1}]
)
def test_policy_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def test_backoff_is_full_jitter_under_an_exponential_ceiling():
    policy = RetryPolicy()
    rng = Random(SEED)
    delays = [policy.backoff(attempt, rng) for attempt in range(1, 5)]
    assert delays == seeded_backoff(0.5, 1.0, 2.0, 4.0)
    for delay, ceiling in zip(delays, [0.5, 1.0, 2.0, 4.0], strict=True):
        assert 0.0 <= delay <= ceiling


def test_backoff_ceiling_doubles_then_caps():
    policy = RetryPolicy()
    assert [policy.backoff(a, TopOfRange()) for a in range(1, 10)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
        30.0,
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-5", 0.0),
        ("Tue, 14 Nov 2023 22:13:32 GMT", 12.0),  # NOW + 12 s
        ("Tue, 14 Nov 2023 22:13:20 GMT", 0.0),  # exactly now
        ("Mon, 13 Nov 2023 22:13:20 GMT", 0.0),  # in the past
        ("Tue, 14 Nov 2023 22:13:32 -0000", 12.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("inf", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(header, expected):
    assert datetime.fromtimestamp(NOW, UTC) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert parse_retry_after(header, lambda: NOW) == expected


@pytest.mark.parametrize(
    ("error", "idempotent", "expected"),
    [
        (ServerError("x", status=503), True, True),
        (RateLimited("x"), True, True),
        (Timeout("x"), True, True),
        (NetworkError("x"), True, True),
        (ConnectionRefused("x"), True, True),
        (NotFound("x"), True, False),
        (BadRequest("x"), True, False),
        (Unauthorized("x"), True, False),
        (InvalidResponse("x"), True, False),
        (ServerError("x", status=503), False, False),
        (RateLimited("x"), False, False),
        (Timeout("x"), False, False),
        (NetworkError("x"), False, False),
        (ConnectionRefused("x"), False, True),
    ],
)
def test_should_retry(error, idempotent, expected):
    assert should_retry(error, idempotent=idempotent) is expected


# -- reads are retried --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json={"message": "x"}),
        httpx.Response(502, text="Bad Gateway"),
        httpx.Response(503, json={}),
        httpx.ReadTimeout,
        httpx.ReadError,
        httpx.ConnectError,
        httpx.RemoteProtocolError,
    ],
)
async def test_get_is_retried_then_succeeds(failure):
    script = Script(failure, failure, OK)
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        user = await client.get_me()
        assert client.request_count == 3
    assert user.login == "l"
    assert len(script.requests) == 3
    assert sleep.delays == seeded_backoff(0.5, 1.0)


async def test_get_gives_up_after_max_attempts_with_exact_delays():
    script = Script(httpx.Response(500, json={"message": "boom"}))
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        with pytest.raises(ServerError) as caught:
            await client.get_me()
    assert caught.value.status == 500
    assert caught.value.message == "boom"
    assert len(script.requests) == 4
    assert sleep.delays == seeded_backoff(0.5, 1.0, 2.0)
    for delay, ceiling in zip(sleep.delays, [0.5, 1.0, 2.0], strict=True):
        assert 0.0 <= delay <= ceiling


async def test_growth_and_cap_with_a_long_policy():
    script = Script(httpx.ReadTimeout)
    sleep = FakeSleep()
    policy = RetryPolicy(max_attempts=9)
    async with client_for(script, sleep, retry=policy, random=TopOfRange()) as client:
        with pytest.raises(Timeout):
            await client.get_me()
    assert len(script.requests) == 9
    assert sleep.delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


async def test_max_attempts_one_means_no_retry():
    script = Script(httpx.Response(503, json={}))
    sleep = FakeSleep()
    async with client_for(script, sleep, retry=RetryPolicy(max_attempts=1)) as client:
        with pytest.raises(ServerError):
            await client.get_me()
    assert len(script.requests) == 1
    assert sleep.delays == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(400, json={}),
        httpx.Response(401, json={}),
        httpx.Response(403, json={}),
        httpx.Response(404, json={}),
        httpx.Response(200, text="not json"),
    ],
)
async def test_get_is_not_retried_on_client_errors(answer):
    script = Script(answer)
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        with pytest.raises((HTTPError, InvalidResponse)) as caught:
            await client.get_me()
    assert not isinstance(caught.value, RateLimited | ServerError)
    assert len(script.requests) == 1
    assert sleep.delays == []


# -- Retry-After --------------------------------------------------------------------------------


async def test_retry_after_seconds_is_honoured_when_longer_than_backoff():
    script = Script(httpx.Response(429, text="Rate limited.", headers={"Retry-After": "7"}), OK)
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        await client.get_me()
    assert sleep.delays == [7.0]


async def test_retry_after_http_date_is_honoured():
    when = format_datetime(datetime.fromtimestamp(NOW + 12, UTC), usegmt=True)
    assert when == "Tue, 14 Nov 2023 22:13:32 GMT"
    script = Script(httpx.Response(429, json={}, headers={"Retry-After": when}), OK)
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        await client.get_me()
    assert sleep.delays == [12.0]


async def test_a_429_waits_exactly_retry_after_even_when_shorter_than_backoff():
    # CircleCI's guide: "your integration should wait for the period of time specified".
    script = Script(httpx.Response(429, json={}, headers={"Retry-After": "0.1"}), OK)
    sleep = FakeSleep()
    async with client_for(script, sleep, random=TopOfRange()) as client:
        await client.get_me()
    assert sleep.delays == [pytest.approx(0.1)]


async def test_backoff_wins_over_a_short_retry_after_on_a_503():
    # Never sooner than Retry-After, but not later than needed either: max of the two.
    script = Script(httpx.Response(503, json={}, headers={"Retry-After": "0.1"}), OK)
    sleep = FakeSleep()
    async with client_for(script, sleep, random=TopOfRange()) as client:
        await client.get_me()
    assert sleep.delays == [0.5]


async def test_retry_after_on_503_is_honoured():
    script = Script(httpx.Response(503, json={}, headers={"Retry-After": "5"}), OK)
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        await client.get_me()
    assert sleep.delays == [5.0]


async def test_every_retry_waits_at_least_retry_after():
    script = Script(httpx.Response(429, text="Rate limited.", headers={"Retry-After": "3"}))
    sleep = FakeSleep()
    async with client_for(script, sleep, random=TopOfRange()) as client:
        with pytest.raises(RateLimited) as caught:
            await client.get_me()
    # Backoff ceilings 0.5, 1, 2 are all below 3 s; the third retry would be 4 s but the
    # policy allows only 4 attempts.
    assert sleep.delays == [3.0, 3.0, 3.0]
    assert caught.value.retry_after == 3.0
    assert caught.value.message == "Rate limited."
    assert len(script.requests) == 4


async def test_retry_after_beyond_max_wait_is_handed_to_the_caller():
    script = Script(
        httpx.Response(429, json={"message": "slow down"}, headers={"Retry-After": "120"})
    )
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        with pytest.raises(RateLimited) as caught:
            await client.get_me()
    assert caught.value.retry_after == 120.0
    assert caught.value.status == 429
    assert len(script.requests) == 1
    assert sleep.delays == []


async def test_retry_after_limit_comes_from_the_policy():
    script = Script(httpx.Response(429, json={}, headers={"Retry-After": "120"}), OK)
    sleep = FakeSleep()
    policy = RetryPolicy(max_retry_after=300)
    async with client_for(script, sleep, retry=policy) as client:
        await client.get_me()
    assert sleep.delays == [120.0]


async def test_rate_limited_without_retry_after_pauses_exponentially():
    # No header: 5 s, doubled for every 429 in a row; the error says how long the last is.
    script = Script(httpx.Response(429, text="Rate limited."))
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        with pytest.raises(RateLimited) as caught:
            await client.get_me()
    assert sleep.delays == [5.0, 10.0, 20.0]
    assert caught.value.retry_after == 40.0
    assert len(script.requests) == 4


async def test_a_429_then_success_is_retried_after_the_pause():
    script = Script(httpx.Response(429, text="Rate limited."), OK)
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        user = await client.get_me()
    assert user.login == "l"
    assert sleep.delays == [5.0]


# -- mutations are sent once --------------------------------------------------------------------


MUTATIONS = [
    ("cancel_workflow", lambda c: c.cancel_workflow(WORKFLOW_ID)),
    ("rerun_workflow", lambda c: c.rerun_workflow(WORKFLOW_ID, from_failed=True)),
    ("approve_job", lambda c: c.approve_job(WORKFLOW_ID, "949f0edf-83c6")),
    ("trigger_pipeline", lambda c: c.trigger_pipeline(SLUG, branch="main")),
    ("cancel_job", lambda c: c.cancel_job(SLUG, 155)),
]


@pytest.mark.parametrize(("name", "call"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (httpx.Response(500, json={"message": "x"}), ServerError),
        (httpx.Response(503, json={}, headers={"Retry-After": "1"}), ServerError),
        (httpx.Response(429, text="Rate limited.", headers={"Retry-After": "1"}), RateLimited),
        (httpx.ReadTimeout, Timeout),
        (httpx.ConnectTimeout, Timeout),
        (httpx.ReadError, NetworkError),
        (httpx.RemoteProtocolError, NetworkError),
    ],
    ids=["500", "503", "429", "ReadTimeout", "ConnectTimeout", "ReadError", "RemoteProtocolError"],
)
async def test_mutation_is_sent_exactly_once_on_failure(name, call, failure, kind):
    script = Script(failure, httpx.Response(202, json={"message": "Accepted.", "workflow_id": "w"}))
    sleep = FakeSleep()
    events: list[RetryEvent] = []
    async with client_for(script, sleep, on_retry=events.append) as client:
        with pytest.raises(kind):
            await call(client)
        assert client.request_count == 1
    assert len(script.requests) == 1
    assert script.requests[0].method == "POST"
    assert sleep.delays == []
    assert events == []


@pytest.mark.parametrize(("name", "call"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
async def test_mutation_is_retried_when_the_connection_was_refused(name, call):
    answer = httpx.Response(202, json={"message": "Accepted.", "workflow_id": "w", "number": 1})
    script = Script(httpx.ConnectError, answer)
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        await call(client)
    assert [r.method for r in script.requests] == ["POST", "POST"]
    assert sleep.delays == seeded_backoff(0.5)


async def test_mutation_gives_up_on_refused_connection_after_max_attempts():
    script = Script(httpx.ConnectError)
    sleep = FakeSleep()
    async with client_for(script, sleep) as client:
        with pytest.raises(ConnectionRefused):
            await client.cancel_workflow(WORKFLOW_ID)
    assert len(script.requests) == 4
    assert sleep.delays == seeded_backoff(0.5, 1.0, 2.0)


# -- the on_retry hook --------------------------------------------------------------------------


async def test_on_retry_hook_sees_attempt_delay_and_error():
    script = Script(
        httpx.Response(503, json={"message": "down"}),
        httpx.Response(429, text="Rate limited.", headers={"Retry-After": "8"}),
        OK,
    )
    sleep = FakeSleep()
    events: list[RetryEvent] = []
    async with client_for(script, sleep, on_retry=events.append) as client:
        await client.get_me()
    first_backoff = seeded_backoff(0.5)[0]
    assert [(e.attempt, e.delay, type(e.error), e.method, e.path) for e in events] == [
        (1, first_backoff, ServerError, "GET", "/api/v2/me"),
        (2, 8.0, RateLimited, "GET", "/api/v2/me"),
    ]
    assert events[0].error.message == "down"
    assert events[1].error.retry_after == 8.0
    assert sleep.delays == [first_backoff, 8.0]


async def test_hook_is_called_before_sleeping():
    order: list[str] = []

    async def sleep(seconds: float) -> None:
        order.append(f"sleep {seconds}")

    script = Script(httpx.Response(429, json={}, headers={"Retry-After": "2"}), OK)
    client = CircleCIClient(
        TOKEN,
        transport=httpx.MockTransport(script),
        sleep=sleep,
        random=Random(SEED),
        now=lambda: NOW,
        on_retry=lambda e: order.append(f"hook {e.attempt} {e.delay}"),
    )
    async with client:
        await client.get_me()
    assert order == ["hook 1 2.0", "sleep 2.0"]


async def test_a_failing_hook_does_not_break_the_request(caplog):
    def hook(event: RetryEvent) -> None:
        raise RuntimeError("status bar exploded")

    script = Script(httpx.Response(503, json={}), OK)
    sleep = FakeSleep()
    with caplog.at_level(logging.ERROR, logger="circletui.api"):
        async with client_for(script, sleep, on_retry=hook) as client:
            user = await client.get_me()
    assert user.name == "n"
    assert [r.getMessage() for r in caplog.records] == ["on_retry hook failed"]


async def test_no_real_sleep_by_default_is_anyio():
    # The default sleep is anyio.sleep; the client never calls time.sleep or asyncio.sleep
    # directly, so injecting ``sleep`` covers every wait.
    import anyio

    client = CircleCIClient(TOKEN)
    assert client._sleep is anyio.sleep
    await client.aclose()
