"""When and how long the API client waits before sending a failed request again.

Pure functions and small value types, with no I/O: the client owns the loop and the sleeping,
this module decides. Keeping the decisions here lets the tests check every delay exactly
with a seeded ``Random`` and a fake clock.

The rules follow CircleCI's own advice ("Rate limits" in the API developer's guide): retry throttled
reads "after a delay, using an exponential backoff", and when a 429 carries ``Retry-After``
"wait for the period of time specified". Only reads are retried: a POST that reached the
server may have taken effect even if the answer was lost (see ``should_retry``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from random import Random

from .errors import (
    CircleCIError,
    ConnectionRefused,
    NetworkError,
    RateLimited,
    ServerError,
    Timeout,
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard the client tries before it gives up and raises.

    ``max_attempts`` counts every send, the first one included, so 4 means up to 3 retries.
    ``max_retry_after`` is the longest server-requested wait the client sits through on its
    own; a longer ``Retry-After`` is handed back to the caller (as ``RateLimited.retry_after``)
    because a poller can reschedule itself far better than a request can block.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("delays must not be negative")

    def backoff(self, attempt: int, rng: Random) -> float:
        """The wait after failed attempt number ``attempt`` (1-based): exponential, full jitter.

        Full jitter (a uniform draw between 0 and the exponential ceiling) spreads out many
        clients that failed at the same moment, which is exactly the situation a rate limit
        or an outage creates.
        """
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return rng.random() * ceiling


NO_RETRY = RetryPolicy(max_attempts=1)


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """Told to the ``on_retry`` hook just before the client sleeps and tries again.

    ``attempt`` is the attempt that failed (1-based); the next send is ``attempt + 1``.
    """

    attempt: int
    delay: float
    error: CircleCIError
    method: str
    path: str


RetryHook = Callable[[RetryEvent], None]


def should_retry(error: CircleCIError, *, idempotent: bool) -> bool:
    """Whether ``error`` is worth another attempt of the same request.

    A refused connection means the request never left this machine, so even a mutation is
    safe to resend. Any other failure of a mutation (a 5xx, a timeout, a dropped connection,
    even a 429) leaves us unsure whether CircleCI acted on it, and a second cancel or rerun is
    not harmless, so the error goes straight to the caller.
    """
    if isinstance(error, ConnectionRefused):
        return True
    if not idempotent:
        return False
    return isinstance(error, RateLimited | ServerError | Timeout | NetworkError)


def parse_retry_after(value: str | None, now: Callable[[], float]) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date.

    An HTTP-date is measured against ``now()`` (epoch seconds), the client's injected clock.
    A date in the past means "now" (0.0). A value that is neither form is ignored (None):
    a garbled header must not make the client wait forever nor crash it.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # float() accepts "nan" and "inf"; neither is a usable wait.
        if not math.isfinite(seconds):
            return None
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are always GMT; parsedate_to_datetime leaves "-0000" naive.
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


#: without ``Retry-After``, the first pause after a 429, doubled for every 429 in a row
THROTTLE_FIRST_PAUSE = 5.0
#: and its ceiling: long enough to let a shared token's window reset, short enough to recover
THROTTLE_MAX_PAUSE = 300.0


class ThrottlePause:
    """The host-wide pause a 429 starts: CircleCI's rate limit belongs to the token, not to the
    request that hit it, so after a 429 nothing at all is sent to that host until it expires.

    CircleCI's developer guide ("Rate limits") says a throttled integration should wait the
    period ``Retry-After`` gives, and otherwise retry "after a delay, using an exponential
    backoff": with no usable header the pause is ``THROTTLE_FIRST_PAUSE`` doubled for every
    429 in a row, up to ``THROTTLE_MAX_PAUSE``. Any answer that is not a 429 ends the streak.
    Times are the client's injected ``now()`` (epoch seconds), so tests drive it exactly.
    """

    __slots__ = ("_streak", "until")

    def __init__(self) -> None:
        self.until = 0.0
        self._streak = 0

    def throttled(self, retry_after: float | None, now: float) -> float:
        """Record a 429 answered at ``now``; returns the seconds to wait from ``now``."""
        self._streak += 1
        if retry_after is None:
            wait = min(THROTTLE_FIRST_PAUSE * 2 ** (self._streak - 1), THROTTLE_MAX_PAUSE)
        else:
            wait = retry_after
        # A later, shorter answer never shortens a pause already promised.
        self.until = max(self.until, now + wait)
        return self.until - now

    def answered(self) -> None:
        """A request got an answer that was not a 429."""
        self._streak = 0

    def remaining(self, now: float) -> float:
        return max(0.0, self.until - now)
