"""The token never leaves the Circle-Token header of a request to the CircleCI origin.

Not in a URL, not in the client's repr, not in any exception (message, str, repr, args,
attributes or a formatted traceback with its chained causes), not in a log record, and not
in a header sent to another host (step output lives on S3).
"""

from __future__ import annotations

import logging
import pickle
import traceback
from random import Random

import httpx
import pytest

from circletui.api import CircleCIClient, CircleCIError, RetryEvent, RetryPolicy, Secret

TOKEN = "CCIPAT_LeakCanary7Hq2_00112233445566778899aabbccddeeff00112233"
SLUG = "gh/acme/api"
WORKFLOW_ID = "716a0d67-7b0a-4bd5-a1ac-2ef9c1a4f1c2"


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


async def no_sleep(seconds: float) -> None:
    return None


def client_for(handler, host: str = "https://circleci.com", **kwargs) -> CircleCIClient:
    return CircleCIClient(
        TOKEN,
        host,
        transport=httpx.MockTransport(handler),
        sleep=no_sleep,
        random=Random(3),
        **kwargs,
    )


def assert_clean(error: BaseException) -> None:
    """The token is nowhere in what an exception can show."""
    views = [
        str(error),
        repr(error),
        repr(error.args),
        repr(vars(error)),
        "".join(traceback.format_exception(error)),
    ]
    cause = error.__cause__
    while cause is not None:
        views += [str(cause), repr(cause), repr(cause.args)]
        cause = cause.__cause__
    for view in views:
        assert TOKEN not in view


def test_secret_never_shows_its_value():
    secret = Secret(TOKEN)
    assert repr(secret) == "'***'"
    assert str(secret) == "***"
    assert f"{secret}" == "***"
    assert secret.reveal() == TOKEN
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_client_repr_and_state_hide_the_token():
    client = CircleCIClient(TOKEN, "https://circleci.example.com/")
    assert repr(client) == "CircleCIClient(host='https://circleci.example.com')"
    assert str(client) == "CircleCIClient(host='https://circleci.example.com')"
    assert TOKEN not in repr(vars(client))
    assert TOKEN not in repr(client._http.auth)
    # Not a default header: it is added per request, for the CircleCI origin only.
    assert "circle-token" not in client._http.headers
    assert TOKEN not in repr(client._http.headers)


def test_client_accepts_a_secret_and_strips_a_trailing_newline():
    assert CircleCIClient(Secret(TOKEN))._token.reveal() == TOKEN
    assert CircleCIClient(TOKEN + "\n")._token.reveal() == TOKEN


@pytest.mark.parametrize("bad", [TOKEN[:10] + "\n" + TOKEN[10:], TOKEN + " x", TOKEN + "é"])
def test_a_token_that_cannot_be_a_header_is_refused_without_echoing_it(bad):
    with pytest.raises(ValueError) as caught:
        CircleCIClient(bad)
    assert_clean(caught.value)
    assert TOKEN[:10] not in str(caught.value)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(400, json={"message": "bad"}),
        httpx.Response(401, json={"message": "Invalid token provided."}),
        httpx.Response(403, json={"message": "Forbidden."}),
        httpx.Response(404, json={"message": "Not Found"}),
        httpx.Response(429, text="Rate limited.", headers={"Retry-After": "999"}),
        httpx.Response(500, text="oops"),
        httpx.Response(502, text=""),
        httpx.Response(503, json={"error": "down"}),
        httpx.Response(200, text="<html>not json</html>"),
        httpx.ConnectError,
        httpx.ReadError,
        httpx.ReadTimeout,
        httpx.RemoteProtocolError,
    ],
)
async def test_no_exception_contains_the_token(answer):
    script = Script(answer)
    async with client_for(script) as client:
        with pytest.raises(CircleCIError) as caught:
            await client.list_project_pipelines(SLUG, page_token="p")
    assert_clean(caught.value)
    assert TOKEN not in str(script.requests[0].url)


@pytest.mark.parametrize(
    "body",
    [
        f'{{"message": "Invalid token provided: {TOKEN}"}}',
        f'{{"error": "token {TOKEN} expired"}}',
        f"plain text with {TOKEN} in it",
    ],
)
async def test_a_server_echoing_the_token_is_scrubbed(body):
    script = Script(httpx.Response(401, text=body))
    async with client_for(script) as client:
        with pytest.raises(CircleCIError) as caught:
            await client.get_me()
    assert "***" in caught.value.message
    assert_clean(caught.value)


async def test_token_never_in_logs_and_logs_are_method_path_status(caplog):
    script = Script(
        httpx.Response(200, json={"id": "u", "login": "l", "name": "n"}),
        httpx.Response(503, json={"message": TOKEN}),
        httpx.ConnectError,
        httpx.Response(404, json={"message": "nope"}),
    )
    events: list[RetryEvent] = []
    with caplog.at_level(logging.DEBUG):
        async with client_for(script, on_retry=events.append) as client:
            await client.get_me()
            with pytest.raises(CircleCIError):
                await client.list_project_pipelines(SLUG, page_token="p")
    api_records = [r for r in caplog.records if r.name == "circletui.api"]
    assert [r.getMessage() for r in api_records] == [
        "GET /api/v2/me -> 200",
        "GET /api/v2/project/gh/acme/api/pipeline -> 503",
        "GET /api/v2/project/gh/acme/api/pipeline: attempt 1/4 failed (ServerError), "
        f"retrying in {events[0].delay:.2f}s",
        "GET /api/v2/project/gh/acme/api/pipeline -> ConnectError",
        "GET /api/v2/project/gh/acme/api/pipeline: attempt 2/4 failed (ConnectionRefused), "
        f"retrying in {events[1].delay:.2f}s",
        "GET /api/v2/project/gh/acme/api/pipeline -> 404",
    ]
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in repr(record.args)
        assert TOKEN not in repr(record.__dict__)
    for event in events:
        assert TOKEN not in repr(event)


async def test_token_not_in_any_url_across_the_api():
    script = Script(httpx.Response(200, json={"items": [], "workflow_id": "w", "message": "m"}))
    async with client_for(script, retry=RetryPolicy(max_attempts=1)) as client:
        await client.get_me()
        await client.list_pipelines("gh/acme", mine=True, page_token="t")
        await client.list_project_pipelines(SLUG, branch="main")
        await client.cancel_workflow(WORKFLOW_ID)
        await client.rerun_workflow(WORKFLOW_ID, from_failed=True)
        await client.get_workflow_summary(SLUG, "build", all_branches=True)
        await client.get_job_v1(SLUG, 1)
    assert len(script.requests) == 7
    for request in script.requests:
        assert TOKEN not in str(request.url)
        assert "circle-token" not in request.url.params
        assert TOKEN not in request.content.decode()
        assert request.headers["Circle-Token"] == TOKEN


@pytest.mark.parametrize(
    ("host", "url", "sends_token"),
    [
        ("https://circleci.com", "https://circleci.com/api/v1.1/output/1/0", True),
        ("https://circleci.com", "https://circleci.com:443/api/v1.1/output/1/0", True),
        ("https://circleci.com/", "https://CircleCI.com/output", True),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/output/abc", True),
        (
            "https://circleci.com",
            "https://circle-production-action-output.s3.amazonaws.com/k",
            False,
        ),
        ("https://circleci.com", "https://api.circleci.com/api/v1.1/output", False),
        ("https://circleci.com", "http://circleci.com/api/v1.1/output", False),
        ("https://circleci.com", "https://circleci.com:8443/api/v1.1/output", False),
        ("https://circleci.com", "https://circleci.com.evil.example/output", False),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8766/output/abc", False),
        ("http://127.0.0.1:8765", "http://localhost:8765/output/abc", False),
    ],
)
async def test_step_output_sends_token_only_to_the_circleci_origin(host, url, sends_token):
    script = Script(httpx.Response(200, json=[{"message": "hi", "type": "out"}]))
    async with client_for(script, host=host) as client:
        assert await client.get_step_output(url) == [{"message": "hi", "type": "out"}]
    [request] = script.requests
    if sends_token:
        assert request.headers["Circle-Token"] == TOKEN
    else:
        assert "circle-token" not in request.headers
        assert TOKEN not in repr(request.headers.raw)
    assert "authorization" not in request.headers


async def test_step_output_error_path_has_no_query_string():
    url = "https://s3.example/key-101-0?X-Amz-Signature=abcdef&X-Amz-Credential=AKIA"
    script = Script(httpx.Response(403, text="<Error><Code>AccessDenied</Code></Error>"))
    async with client_for(script) as client:
        with pytest.raises(CircleCIError) as caught:
            await client.get_step_output(url)
    assert caught.value.path == "/key-101-0"
    assert "X-Amz-Signature" not in str(caught.value)
    assert_clean(caught.value)
