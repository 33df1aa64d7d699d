"""The async CircleCI API client: one connection pool, one request choke point, typed answers.

Every call goes through ``CircleCIClient._request``, which sends, retries reads (never
mutations, see ``retry.should_retry``), maps every failure onto ``errors`` and records the
rate-limit headers. The public methods only build a path, a query and a body and turn the
JSON into ``models``. Nothing here imports Textual: the monitor and the UI sit on top.

The token is handled so that it cannot leak by accident: it is wrapped in ``Secret`` (whose
repr is ``'***'``), it is never a default header but added per request by ``_CircleTokenAuth``
only when the request goes to the configured CircleCI origin (step output lives on S3 and
must not receive it), and server messages are scrubbed of it before they become exceptions.
"""

from __future__ import annotations

import json as jsonlib
import logging
import operator
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from random import Random
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
import httpx

from circletui import __version__
from circletui.secret import Secret

from .errors import (
    BadRequest,
    CertificateNotTrusted,
    CircleCIError,
    ConnectionRefused,
    Forbidden,
    HTTPError,
    InvalidResponse,
    NetworkError,
    NotFound,
    RateLimited,
    ReadOnlyRefused,
    ServerError,
    Timeout,
    Unauthorized,
)
from .models import (
    Artifact,
    Collaboration,
    FlakyTest,
    Job,
    JobDetails,
    Message,
    Page,
    Pipeline,
    PipelineConfig,
    PipelineCreation,
    RerunResult,
    TestResult,
    User,
    Workflow,
    WorkflowMetrics,
    WorkflowRun,
    WorkflowSummary,
    parse_items,
)
from .retry import (
    RetryEvent,
    RetryHook,
    RetryPolicy,
    ThrottlePause,
    parse_retry_after,
    should_retry,
)
from .transport_security import (
    check_host,
    is_certificate_error,
    ssl_context,
    trusting_nothing,
)

log = logging.getLogger("circletui.api")

T = TypeVar("T")

DEFAULT_HOST = "https://circleci.com"
USER_AGENT = f"circletui/{__version__}"
CONNECT_TIMEOUT = 10.0
# Long enough for a one-line "why", short enough that an HTML error page cannot flood a
# status bar.
MESSAGE_LIMIT = 200

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme))


class _CircleTokenAuth(httpx.Auth):
    """Adds ``Circle-Token`` to requests for the CircleCI origin, and to no other request.

    Doing it here rather than with a default header means a request to another host (a
    pre-signed S3 step-output URL) cannot carry the token even by mistake.
    """

    def __init__(self, token: Secret, origin: tuple[str, str, int | None]) -> None:
        self._token = token
        self._origin = origin

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if _origin(request.url) == self._origin:
            request.headers["Circle-Token"] = self._token.reveal()
        yield request

    def __repr__(self) -> str:
        return "_CircleTokenAuth(***)"


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The rate-limit headers of the latest response that had any.

    CircleCI sends two header families (``X-RateLimit-*`` and ``RateLimit-*``) and says "the
    lower limit will be enforced" when they disagree, so ``limit`` and ``remaining`` are the
    lower of the two and ``reset`` (seconds until the window resets) the later.
    ``observed_at`` is the client's ``now()`` when the response arrived.
    """

    limit: int | None
    remaining: int | None
    reset: float | None
    observed_at: float


def _header_number(value: str | None) -> float | None:
    if value is None:
        return None
    # The IETF draft form is "100, 100;w=60": the first number is the one that applies.
    head = value.split(",", 1)[0].split(";", 1)[0].strip()
    try:
        return float(head)
    except ValueError:
        return None


def _rate_limit_from(headers: httpx.Headers, observed_at: float) -> RateLimitInfo | None:
    def pick(name: str, combine: Callable[[list[float]], float]) -> float | None:
        values = [
            v
            for v in (
                _header_number(headers.get(f"X-RateLimit-{name}")),
                _header_number(headers.get(f"RateLimit-{name}")),
            )
            if v is not None
        ]
        return combine(values) if values else None

    limit = pick("Limit", min)
    remaining = pick("Remaining", min)
    reset = pick("Reset", max)
    if limit is None and remaining is None and reset is None:
        return None
    return RateLimitInfo(
        limit=int(limit) if limit is not None else None,
        remaining=int(remaining) if remaining is not None else None,
        reset=reset,
        observed_at=observed_at,
    )


# -- building paths ---------------------------------------------------------------------------


def _segment(value: str, what: str) -> str:
    """One path segment, every reserved character escaped (ids, names)."""
    text = str(value)
    # "." and ".." would be folded away by URL normalisation and reach another route.
    if text in ("", ".", ".."):
        raise ValueError(f"invalid {what}: {text!r}")
    return quote(text, safe="")


def _slug_path(slug: str) -> str:
    """A project or org slug in a path: ``/`` stays literal, everything else is escaped.

    The spec marks ``project-slug`` ``allowReserved`` and the slashes are route separators
    in practice; CircleCI's own Terraform client escapes the rest (a space becomes ``%20``).
    """
    if not isinstance(slug, str):
        raise TypeError("a project slug must be a string")
    return "/".join(_segment(part, "project slug") for part in slug.split("/"))


def _number(value: int | str, what: str) -> str:
    """A job or pipeline number in a path: an int, or a string of digits."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer")
    if isinstance(value, str):
        if value.isascii() and value.isdigit():
            return value
        raise ValueError(f"invalid {what}: {value!r}")
    return str(operator.index(value))


def _url_path(url: str) -> str:
    """The path of ``url`` as sent, without the query (which may hold an S3 signature)."""
    return httpx.URL(url).raw_path.decode("ascii").split("?", 1)[0]


def _params(**values: str | None) -> dict[str, str]:
    """Query parameters without the unset ones (httpx would send ``key=`` for None)."""
    return {key.replace("_", "-"): value for key, value in values.items() if value is not None}


def _iso(value: datetime | None) -> str | None:
    """A query parameter's date-time, in UTC with a ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bool_param(value: bool | None) -> str | None:
    if value is None:
        return None
    return "true" if value else "false"


# -- errors -----------------------------------------------------------------------------------


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MESSAGE_LIMIT else flat[: MESSAGE_LIMIT - 1] + "…"


def _error_message(response: httpx.Response) -> str:
    """The server's explanation, found the way CircleCI's Terraform client looks for it:
    JSON ``error``, then JSON ``message``, then the raw body."""
    try:
        data = jsonlib.loads(response.content)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("error", "message"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return _shorten(value)
            if isinstance(value, dict):
                # The v3 envelope: {"error": {"title": ..., "detail": ...}}.
                for inner in ("detail", "title", "message"):
                    text = value.get(inner)
                    if isinstance(text, str) and text.strip():
                        return _shorten(text)
    text = response.text.strip()
    if text:
        return _shorten(text)
    return response.reason_phrase or f"HTTP {response.status_code}"


_STATUS_ERRORS: dict[int, type[HTTPError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    429: RateLimited,
}


def _status_error_type(status: int) -> type[HTTPError]:
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status]
    if 400 <= status < 500:
        return BadRequest
    if status >= 500:
        return ServerError
    # 1xx/3xx: redirects are not followed (a redirect could carry the token elsewhere).
    return HTTPError


def _check_trigger_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    # The spec's documented limits; checking them here gives a clear message instead of a 400.
    if not isinstance(parameters, Mapping):
        raise TypeError("parameters must be a mapping")
    if len(parameters) > 100:
        raise ValueError("at most 100 pipeline parameters are allowed")
    for key, value in parameters.items():
        if not isinstance(key, str) or not key or len(key) > 128:
            raise ValueError(f"invalid pipeline parameter name: {key!r}")
        if not isinstance(value, str | int | bool):
            raise TypeError(f"pipeline parameter {key!r} must be a string, integer or boolean")
        if isinstance(value, str) and len(value) > 512:
            raise ValueError(f"pipeline parameter {key!r} is longer than 512 characters")
    return dict(parameters)


# -- the client -------------------------------------------------------------------------------


class CircleCIClient:
    """An async client for the parts of CircleCI API v2 (and v1.1) that circletui uses.

    Owns one ``httpx.AsyncClient``; close it with ``await client.aclose()`` or ``async with``.
    ``sleep``, ``random`` and ``now`` are injectable so tests can drive retries with a fake
    clock and a seeded generator.

    Over the network (no ``transport`` given) a plain ``http://`` host must be loopback unless
    ``allow_insecure_http``, and TLS is verified against the OS trust store plus
    ``ca_bundle``. A ``read_only`` client refuses every mutation before anything is sent.
    """

    def __init__(
        self,
        token: str | Secret,
        host: str = DEFAULT_HOST,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        random: Random | None = None,
        now: Callable[[], float] = time.time,
        on_retry: RetryHook | None = None,
        read_only: bool = False,
        ca_bundle: str | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        if isinstance(token, str):
            token = Secret(token.strip())
        if not isinstance(token, Secret):
            raise TypeError("the token must be a string")
        value = token.reveal()
        if not value:
            raise ValueError("a CircleCI API token is required")
        # Anything outside visible ASCII cannot go in a header, and the HTTP library would
        # quote the whole value in its error message: refuse it here, without echoing it.
        if not all(33 <= ord(c) <= 126 for c in value):
            raise ValueError("the token contains characters that cannot be sent in a header")

        self.host = host.rstrip("/")
        base = httpx.URL(self.host)
        if base.scheme not in _DEFAULT_PORTS or not base.host or base.query or base.fragment:
            raise ValueError(f"the host must be an http(s) URL without a query: {host!r}")
        if transport is None:
            # An injected transport (the in-process simulator) never reaches a network.
            check_host(self.host, allow_insecure_http=allow_insecure_http)
        self.v2_base = f"{self.host}/api/v2"
        self.v1_base = f"{self.host}/api/v1.1"

        self._token = token
        self.read_only = read_only
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep
        self._rng = random if random is not None else Random()
        self._now = now
        self._on_retry = on_retry
        self._request_count = 0
        self._rate_limit: RateLimitInfo | None = None
        self._pause = ThrottlePause()
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            auth=_CircleTokenAuth(token, _origin(base)),
            # A redirect would copy Circle-Token to wherever it points.
            follow_redirects=False,
            # httpx reads SSL_CERT_FILE itself only with trust_env; ca_bundle is explicit.
            verify=(True if transport is not None
                    else ssl_context(ca_bundle) if base.scheme == "https"
                    else trusting_nothing()),
        )

    def __repr__(self) -> str:
        return f"CircleCIClient(host={self.host!r})"

    # -- lifecycle ----------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    async def __aenter__(self) -> CircleCIClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- what the monitor reads ---------------------------------------------------------------

    @property
    def request_count(self) -> int:
        """HTTP attempts sent so far, retries included."""
        return self._request_count

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        """The latest rate-limit headers seen, or None if no response carried any."""
        return self._rate_limit

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retry

    @property
    def paused_for(self) -> float:
        """Seconds until requests may be sent again after a 429 (0.0: not paused).

        Every request waits this out before it is sent, whoever sends it; the monitor reads it
        to schedule nothing in the meantime and to count down on the status line.
        """
        return self._pause.remaining(self._now())

    async def _wait_out_pause(self) -> None:
        # Again only if another 429 answered while we slept made the pause longer (a clock
        # that did not move while we slept must not keep us here).
        waited_for = None
        while self._pause.until != waited_for and (remaining := self.paused_for) > 0:
            waited_for = self._pause.until
            await self._sleep(remaining)

    # -- the choke point ----------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        v1: bool = False,
        idempotent: bool,
        absolute: bool = False,
        allow_empty: bool = False,
    ) -> Any:
        """Send one API request, retrying as the policy allows; return the decoded JSON.

        ``path`` is already escaped and relative to the v2 (or, with ``v1``, v1.1) base, or a
        full URL with ``absolute``. ``allow_empty`` turns an empty 2xx body into None instead
        of ``InvalidResponse`` (a mutation that succeeded must not look like a failure).
        """
        url = path if absolute else (self.v1_base if v1 else self.v2_base) + path
        where = _url_path(url)
        attempt = 0
        while True:
            attempt += 1
            await self._wait_out_pause()
            try:
                return await self._send_once(method, url, where, params, json, allow_empty)
            except CircleCIError as error:
                delay = self._retry_delay(error, attempt, idempotent)
                if delay is None:
                    raise
                event = RetryEvent(
                    attempt=attempt, delay=delay, error=error, method=method, path=where
                )
            log.info(
                "%s %s: attempt %d/%d failed (%s), retrying in %.2fs",
                method,
                where,
                attempt,
                self._retry.max_attempts,
                type(event.error).__name__,
                delay,
            )
            self._notify(event)
            if not isinstance(event.error, RateLimited):
                await self._sleep(delay)
            # else: the host-wide pause the 429 started is waited out before the next send.

    def _retry_delay(self, error: CircleCIError, attempt: int, idempotent: bool) -> float | None:
        """Seconds to wait before the next attempt, or None to give up and raise ``error``."""
        if attempt >= self._retry.max_attempts or not should_retry(error, idempotent=idempotent):
            return None
        delay = self._retry.backoff(attempt, self._rng)
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            # Waiting that long inside one request would freeze its caller; the caller
            # (the poller) reschedules itself from error.retry_after instead.
            if retry_after > self._retry.max_retry_after:
                return None
            if isinstance(error, RateLimited):
                return retry_after  # the host-wide pause, exactly as long as CircleCI asked
            delay = max(delay, retry_after)
        return delay

    def _notify(self, event: RetryEvent) -> None:
        if self._on_retry is None:
            return
        try:
            self._on_retry(event)
        except Exception:
            # A broken status line must not break the request it reports on.
            log.exception("on_retry hook failed")

    async def _send_once(
        self,
        method: str,
        url: str,
        where: str,
        params: Mapping[str, str] | None,
        body: Any,
        allow_empty: bool,
    ) -> Any:
        self._request_count += 1
        try:
            response = await self._http.request(method, url, params=params, json=body)
        # TimeoutException first: ConnectTimeout is also a TransportError.
        except httpx.TimeoutException as exc:
            raise self._no_answer(Timeout, "timed out", exc, method, where) from exc
        except httpx.ConnectError as exc:
            raise self._no_answer(
                ConnectionRefused, "could not connect", exc, method, where
            ) from exc
        except httpx.TransportError as exc:
            raise self._no_answer(NetworkError, "connection failed", exc, method, where) from exc
        except httpx.DecodingError as exc:
            raise self._no_answer(
                InvalidResponse, "undecodable response", exc, method, where
            ) from exc
        except httpx.RequestError as exc:
            raise self._no_answer(NetworkError, "request failed", exc, method, where) from exc

        status = response.status_code
        log.debug("%s %s -> %d", method, where, status)
        info = _rate_limit_from(response.headers, self._now())
        if info is not None:
            self._rate_limit = info
        if status != 429:
            self._pause.answered()
        if 200 <= status < 300:
            return self._decode(response, method, where, allow_empty)
        raise self._status_error(response, method, where)

    def _no_answer(
        self,
        kind: type[CircleCIError],
        what: str,
        exc: httpx.HTTPError,
        method: str,
        where: str,
    ) -> CircleCIError:
        log.debug("%s %s -> %s", method, where, type(exc).__name__)
        if is_certificate_error(exc):
            try:
                host = exc.request.url.host
            except RuntimeError:  # an exception raised without its request
                host = httpx.URL(self.host).host
            return CertificateNotTrusted(
                f"the TLS certificate of {host} is not trusted; if it is signed "
                "by your company's CA, set ca_bundle in the config file (or SSL_CERT_FILE) "
                "to that CA's PEM file",
                method=method,
                path=where,
            )
        detail = _shorten(str(exc))
        message = f"{what}: {type(exc).__name__}" + (f" ({detail})" if detail else "")
        return kind(self._scrub(message), method=method, path=where)

    def _status_error(self, response: httpx.Response, method: str, where: str) -> HTTPError:
        status = response.status_code
        message = self._scrub(_error_message(response))
        retry_after = parse_retry_after(response.headers.get("Retry-After"), self._now)
        kind = _status_error_type(status)
        if kind is RateLimited:
            # The whole host pauses; the error says how long, header or not.
            wait = self._pause.throttled(retry_after, self._now())
            return RateLimited(
                message, retry_after=wait, method=method, path=where, status=status
            )
        error = kind(message, method=method, path=where, status=status)
        error.retry_after = retry_after
        return error

    def _decode(self, response: httpx.Response, method: str, where: str, allow_empty: bool) -> Any:
        content = response.content
        if allow_empty and not content.strip():
            return None
        try:
            return jsonlib.loads(content)
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type")
            raise InvalidResponse(
                self._scrub(f"expected JSON, got {kind}: {_shorten(response.text) or 'empty'}"),
                method=method,
                path=where,
                status=response.status_code,
            ) from None

    def _scrub(self, text: str) -> str:
        # A server that echoes the token back in an error must not put it in our exception.
        return text.replace(self._token.reveal(), "***")

    # -- typed helpers --------------------------------------------------------------------------

    def _invalid(self, what: str, path: str, v1: bool = False) -> InvalidResponse:
        url = (self.v1_base if v1 else self.v2_base) + path
        return InvalidResponse(f"expected {what}", method="GET", path=_url_path(url), status=200)

    async def _get_object(
        self, path: str, *, params: Mapping[str, str] | None = None, v1: bool = False
    ) -> Mapping[str, Any]:
        data = await self._request("GET", path, params=params, v1=v1, idempotent=True)
        if not isinstance(data, dict):
            raise self._invalid("a JSON object", path, v1)
        return data

    async def _get_page(
        self,
        path: str,
        parse: Callable[[Mapping[str, Any]], T],
        *,
        page_token: str | None = None,
        **params: str | None,
    ) -> Page[T]:
        data = await self._get_object(path, params=_params(page_token=page_token, **params))
        items = data.get("items")
        if items is not None and not isinstance(items, list):
            raise self._invalid("a page of items", path)
        return Page.from_api(data, parse)

    async def _post(self, path: str, body: Any = None, *, allow_empty: bool) -> Mapping[str, Any]:
        if self.read_only:
            # Enforced here, below every screen: no key binding or bug above can send one.
            raise ReadOnlyRefused(
                "read-only mode: nothing was sent", method="POST",
                path=_url_path(self.v2_base + path),
            )
        data = await self._request(
            "POST", path, json=body, idempotent=False, allow_empty=allow_empty
        )
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise InvalidResponse(
                "expected a JSON object",
                method="POST",
                path=_url_path(self.v2_base + path),
            )
        return data

    # -- users ----------------------------------------------------------------------------------

    async def get_me(self) -> User:
        return User.from_api(await self._get_object("/me"))

    async def get_collaborations(self) -> list[Collaboration]:
        """The orgs the user can see. A bare JSON array: no envelope, no pages."""
        data = await self._request("GET", "/me/collaborations", idempotent=True)
        if not isinstance(data, list):
            raise self._invalid("a JSON array", "/me/collaborations")
        return parse_items(data, Collaboration.from_api)

    async def get_user(self, user_id: str) -> User:
        return User.from_api(await self._get_object(f"/user/{_segment(user_id, 'user id')}"))

    # -- pipelines ------------------------------------------------------------------------------

    async def list_pipelines(
        self,
        org_slug: str | None = None,
        *,
        mine: bool = False,
        page_token: str | None = None,
    ) -> Page[Pipeline]:
        """Recent pipelines across an org's followed projects (``GET /pipeline``)."""
        return await self._get_page(
            "/pipeline",
            Pipeline.from_api,
            page_token=page_token,
            org_slug=org_slug,
            mine="true" if mine else None,
        )

    async def list_project_pipelines(
        self, project_slug: str, *, branch: str | None = None, page_token: str | None = None
    ) -> Page[Pipeline]:
        return await self._get_page(
            f"/project/{_slug_path(project_slug)}/pipeline",
            Pipeline.from_api,
            page_token=page_token,
            branch=branch,
        )

    async def list_my_pipelines(
        self, project_slug: str, *, page_token: str | None = None
    ) -> Page[Pipeline]:
        return await self._get_page(
            f"/project/{_slug_path(project_slug)}/pipeline/mine",
            Pipeline.from_api,
            page_token=page_token,
        )

    async def get_pipeline(self, pipeline_id: str) -> Pipeline:
        path = f"/pipeline/{_segment(pipeline_id, 'pipeline id')}"
        return Pipeline.from_api(await self._get_object(path))

    async def get_pipeline_by_number(self, project_slug: str, number: int) -> Pipeline:
        path = f"/project/{_slug_path(project_slug)}/pipeline/{_number(number, 'pipeline number')}"
        return Pipeline.from_api(await self._get_object(path))

    async def get_pipeline_config(self, pipeline_id: str) -> PipelineConfig:
        path = f"/pipeline/{_segment(pipeline_id, 'pipeline id')}/config"
        return PipelineConfig.from_api(await self._get_object(path))

    async def list_pipeline_workflows(
        self, pipeline_id: str, *, page_token: str | None = None
    ) -> Page[Workflow]:
        return await self._get_page(
            f"/pipeline/{_segment(pipeline_id, 'pipeline id')}/workflow",
            Workflow.from_api,
            page_token=page_token,
        )

    async def trigger_pipeline(
        self,
        project_slug: str,
        *,
        branch: str | None = None,
        tag: str | None = None,
        parameters: Mapping[str, str | int | bool] | None = None,
    ) -> PipelineCreation:
        """Start a pipeline (201). Sent once: a retried trigger could start two pipelines."""
        if branch is not None and tag is not None:
            raise ValueError("branch and tag are mutually exclusive")
        body: dict[str, Any] = {}
        if branch is not None:
            body["branch"] = branch
        if tag is not None:
            body["tag"] = tag
        if parameters is not None:
            body["parameters"] = _check_trigger_parameters(parameters)
        data = await self._post(
            f"/project/{_slug_path(project_slug)}/pipeline", body, allow_empty=False
        )
        return PipelineCreation.from_api(data)

    # -- workflows ------------------------------------------------------------------------------

    async def get_workflow(self, workflow_id: str) -> Workflow:
        path = f"/workflow/{_segment(workflow_id, 'workflow id')}"
        return Workflow.from_api(await self._get_object(path))

    async def list_workflow_jobs(
        self, workflow_id: str, *, page_token: str | None = None
    ) -> Page[Job]:
        # The spec declares no page-token here, but the envelope has next_page_token and
        # CircleCI reserves the right to paginate; sending it when we have one is harmless.
        return await self._get_page(
            f"/workflow/{_segment(workflow_id, 'workflow id')}/job",
            Job.from_api,
            page_token=page_token,
        )

    async def cancel_workflow(self, workflow_id: str) -> Message:
        path = f"/workflow/{_segment(workflow_id, 'workflow id')}/cancel"
        return Message.from_api(await self._post(path, allow_empty=True))

    async def rerun_workflow(
        self,
        workflow_id: str,
        *,
        from_failed: bool | None = None,
        jobs: Iterable[str] | None = None,
        enable_ssh: bool | None = None,
        sparse_tree: bool | None = None,
    ) -> RerunResult:
        """Rerun a workflow as a new workflow (202 ``{"workflow_id": new}``).

        The body holds only the options given. The spec states the exclusions in prose only
        (``from_failed`` vs ``jobs``; ``enable_ssh`` and ``sparse_tree`` need ``jobs``), so
        they are checked here, before anything is sent.
        """
        body: dict[str, Any] = {}
        if jobs is not None:
            if isinstance(jobs, str):
                raise TypeError("jobs must be a list of job ids, not a string")
            job_ids = list(jobs)
            if not job_ids or not all(isinstance(j, str) and j for j in job_ids):
                raise ValueError("jobs must be a non-empty list of job ids")
            if from_failed is not None:
                raise ValueError("from_failed and jobs are mutually exclusive")
            body["jobs"] = job_ids
        elif enable_ssh is not None or sparse_tree is not None:
            raise ValueError("enable_ssh and sparse_tree require jobs")
        if from_failed is not None:
            body["from_failed"] = from_failed
        if enable_ssh is not None:
            body["enable_ssh"] = enable_ssh
        if sparse_tree is not None:
            body["sparse_tree"] = sparse_tree
        path = f"/workflow/{_segment(workflow_id, 'workflow id')}/rerun"
        return RerunResult.from_api(await self._post(path, body, allow_empty=False))

    async def approve_job(self, workflow_id: str, approval_request_id: str) -> Message:
        path = (
            f"/workflow/{_segment(workflow_id, 'workflow id')}"
            f"/approve/{_segment(approval_request_id, 'approval request id')}"
        )
        return Message.from_api(await self._post(path, allow_empty=True))

    # -- jobs -----------------------------------------------------------------------------------

    async def get_job_details(self, project_slug: str, job_number: int) -> JobDetails:
        """One job's details. CircleCI answers 404 (``NotFound``) for approval jobs."""
        path = f"/project/{_slug_path(project_slug)}/job/{_number(job_number, 'job number')}"
        return JobDetails.from_api(await self._get_object(path))

    async def cancel_job(self, project_slug: str, job_number: int) -> Message:
        path = f"/project/{_slug_path(project_slug)}/job/{_number(job_number, 'job number')}/cancel"
        return Message.from_api(await self._post(path, allow_empty=True))

    async def list_job_artifacts(
        self, project_slug: str, job_number: int, *, page_token: str | None = None
    ) -> Page[Artifact]:
        path = f"/project/{_slug_path(project_slug)}/{_number(job_number, 'job number')}/artifacts"
        return await self._get_page(path, Artifact.from_api, page_token=page_token)

    async def list_job_tests(
        self, project_slug: str, job_number: int, *, page_token: str | None = None
    ) -> Page[TestResult]:
        path = f"/project/{_slug_path(project_slug)}/{_number(job_number, 'job number')}/tests"
        return await self._get_page(path, TestResult.from_api, page_token=page_token)

    # -- insights -------------------------------------------------------------------------------

    async def list_workflow_metrics(
        self,
        project_slug: str,
        *,
        branch: str | None = None,
        all_branches: bool | None = None,
        reporting_window: str | None = None,
        page_token: str | None = None,
    ) -> Page[WorkflowMetrics]:
        """Each workflow's Insights metrics over ``reporting_window`` (``last-7-days``...;
        CircleCI's default is ``last-90-days``), on ``branch`` (the default branch if None)."""
        return await self._get_page(
            f"/insights/{_slug_path(project_slug)}/workflows",
            WorkflowMetrics.from_api,
            page_token=page_token,
            branch=branch,
            all_branches=_bool_param(all_branches),
            reporting_window=reporting_window,
        )

    async def list_workflow_runs(
        self,
        project_slug: str,
        workflow_name: str,
        *,
        branch: str | None = None,
        all_branches: bool | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        page_token: str | None = None,
    ) -> Page[WorkflowRun]:
        """A workflow's recent finished runs, newest first (at most 90 days apart)."""
        return await self._get_page(
            f"/insights/{_slug_path(project_slug)}/workflows/"
            f"{_segment(workflow_name, 'workflow name')}",
            WorkflowRun.from_api,
            page_token=page_token,
            branch=branch,
            all_branches=_bool_param(all_branches),
            start_date=_iso(start_date),
            end_date=_iso(end_date),
        )

    async def get_workflow_summary(
        self,
        project_slug: str,
        workflow_name: str,
        *,
        branch: str | None = None,
        all_branches: bool | None = None,
    ) -> WorkflowSummary:
        path = (
            f"/insights/{_slug_path(project_slug)}/workflows/"
            f"{_segment(workflow_name, 'workflow name')}/summary"
        )
        params = _params(branch=branch, all_branches=_bool_param(all_branches))
        return WorkflowSummary.from_api(await self._get_object(path, params=params))

    async def get_flaky_tests(self, project_slug: str) -> tuple[list[FlakyTest], int]:
        """The project's flaky tests and CircleCI's total count (no pages).

        Live CircleCI sends snake_case keys (``flaky_tests``, ``total_flaky_tests``), the spec
        documents kebab-case (``flaky-tests``, ...): either is read.
        """
        data = await self._get_object(f"/insights/{_slug_path(project_slug)}/flaky-tests")
        items = data.get("flaky_tests")
        tests = parse_items(data.get("flaky-tests") if items is None else items, FlakyTest.from_api)
        total = data.get("total_flaky_tests", data.get("total-flaky-tests"))
        # The spec types the total as a double; a missing or odd one falls back to the count.
        if isinstance(total, int | float) and not isinstance(total, bool):
            return tests, int(total)
        return tests, len(tests)

    # -- v1.1 and step output -------------------------------------------------------------------

    async def get_job_v1(self, project_slug: str, job_number: int) -> dict[str, Any]:
        """The v1.1 build (``steps[].actions[]`` with ``output_url``), as a raw dict for now."""
        path = f"/project/{_slug_path(project_slug)}/{_number(job_number, 'job number')}"
        return dict(await self._get_object(path, v1=True))

    async def get_step_output(self, output_url: str) -> list[dict[str, Any]]:
        """The ``[{"message", "time", "type"}, ...]`` chunks behind a v1.1 ``output_url``.

        The URL is usually pre-signed S3: the token goes only to the configured CircleCI
        origin (see ``_CircleTokenAuth``). Retried like any read.
        """
        url = httpx.URL(output_url)
        if url.scheme not in _DEFAULT_PORTS or not url.host:
            raise ValueError("output_url must be an absolute http(s) URL")
        data = await self._request("GET", output_url, idempotent=True, absolute=True)
        if not isinstance(data, list):
            raise InvalidResponse(
                "expected a JSON array", method="GET", path=_url_path(output_url), status=200
            )
        return [dict(chunk) for chunk in data if isinstance(chunk, dict)]
