"""The one place that owns what is polled, and when.

Screens subscribe to the resources they show and close the subscription when they stop
showing them; a resource with no subscriber is not polled. Each resource has at most one
request in flight, and its next poll is armed only after the previous one finished, so a
slow CircleCI never gets a queue of polls stacked behind the first. The cadence adapts to
the data: ``interval`` while something is running, queued or on hold, ``slow_interval``
when all of it is finished, never again for a finished workflow's jobs until an action or a
new workflow re-arms them. Failures back off exponentially (or as ``Retry-After`` says) per
resource and are summarised in :class:`Health` for the status line, while the last good
value stays cached and on screen.

Subscribers are plain callables run on the event loop that runs :meth:`Monitor.run`, so the
Textual layer can turn them into messages without threads.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio

from circletui.api.errors import (
    CircleCIError,
    Forbidden,
    NotFound,
    RateLimited,
    TransportError,
    Unauthorized,
)
from circletui.monitor.resources import Cadence, Resource

if TYPE_CHECKING:
    from circletui.api.client import CircleCIClient

log = logging.getLogger("circletui.monitor")

ValueCallback = Callable[[Any], None]
ErrorCallback = Callable[[CircleCIError], None]

#: the longest a failing resource waits between attempts
MAX_BACKOFF = 60.0

#: the RARE and DORMANT cadences: finished for a while, checked for reruns now and then
RARE_INTERVAL = 300.0
DORMANT_INTERVAL = 900.0

#: below this share of the rate-limit window left, polling slows down in proportion...
LOW_BUDGET = 0.2
#: ...up to this many times slower than usual
MAX_STRETCH = 8.0

#: how long a resource nobody watches keeps its cached value (and its in-flight poll), so
#: that going back to a screen shows its data at once and never sends a duplicate request
ORPHAN_TTL = 600.0


@dataclass(frozen=True, slots=True)
class Health:
    """What the status line says about the connection to CircleCI."""

    state: str = "starting"  # starting | ok | unreachable | throttled | unauthorized | error
    message: str = ""
    retry_at: float | None = None  # monotonic time of the next attempt after a failure
    last_success: datetime | None = None  # wall-clock time of the last good poll
    stretch: float = 1.0  # polling this many times slower: the rate-limit budget runs low

    @property
    def ok(self) -> bool:
        return self.state in ("ok", "starting")


class Subscription:
    """A handle on a subscription; ``close()`` stops delivery (and polling if it was the last)."""

    def __init__(self, monitor: Monitor, resource: Resource, on_value, on_error) -> None:
        self._monitor = monitor
        self.resource = resource
        self.on_value: ValueCallback = on_value
        self.on_error: ErrorCallback | None = on_error
        self.closed = False
        # What this subscriber knows better than the resource: a feed that sees a pipeline
        # being set up wants it FAST, one that only watches for approvals is content with SLOW.
        self.cadence: Cadence | None = None
        # Nobody is looking at what this subscriber shows (a screen under another one): it
        # asks for SLOW at the most, whatever the data says.
        self.background = False

    @property
    def wish(self) -> Cadence:
        """What this subscriber asks for, given the resource's own cadence for its value."""
        own = self._monitor.own_cadence(self.resource)
        wish = self.cadence or own
        return wish.at_most(Cadence.SLOW) if self.background else wish

    def set_cadence(self, cadence: Cadence | None) -> None:
        """Ask for ``cadence`` (None: the resource's own). The fastest wish of all the
        subscribers wins, so a slow background watcher never slows down a screen."""
        if cadence != self.cadence:
            self.cadence = cadence
            self._monitor._rearm(self.resource)

    def set_background(self, background: bool) -> None:
        """Out of sight (True): SLOW at the most. In sight again: due within one interval."""
        if background != self.background:
            self.background = background
            self._monitor._rearm(self.resource)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._monitor._unsubscribe(self)

    def refresh(self) -> None:
        self._monitor.refresh(self.resource)

    @property
    def value(self) -> Any:
        return self._monitor.value(self.resource)


@dataclass(eq=False)
class _Entry:
    resource: Resource
    subscriptions: list[Subscription] = field(default_factory=list)
    value: Any = None
    has_value: bool = False
    due: float = 0.0
    fetched_at: float | None = None  # when the last good answer came (monitor clock)
    in_flight: bool = False
    failures: int = 0
    error: CircleCIError | None = None
    # refresh() asked while a poll was in flight: that answer may predate an action, so
    # poll again as soon as it lands instead of waiting for the cadence.
    dirty: bool = False
    orphaned_at: float | None = None  # when the last subscriber left

    @property
    def watched(self) -> bool:
        return bool(self.subscriptions)


class Monitor:
    def __init__(
        self,
        client: CircleCIClient,
        *,
        interval: float = 5.0,
        slow_interval: float = 60.0,
        max_concurrency: int = 4,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.interval = interval
        self.slow_interval = max(slow_interval, interval)
        self._clock = clock
        self._wall_clock = wall_clock
        self._entries: dict[Resource, _Entry] = {}
        self._semaphore = anyio.Semaphore(max_concurrency)
        self._wake = anyio.Event()
        self._health = Health()
        self._health_listeners: list[Callable[[Health], None]] = []
        self._running = False
        self.polls = 0  # polls started, for tests and benchmarks

    # -- subscriptions -----------------------------------------------------------------------

    def subscribe(
        self,
        resource: Resource,
        on_value: ValueCallback,
        on_error: ErrorCallback | None = None,
    ) -> Subscription:
        """Deliver ``resource``'s value now (if cached) and on every change from now on."""
        entry = self._entries.get(resource)
        if entry is None:
            entry = self._entries[resource] = _Entry(resource=resource, due=self._clock())
        entry.orphaned_at = None
        self.wake()
        sub = Subscription(self, resource, on_value, on_error)
        entry.subscriptions.append(sub)
        # A cached value may have been armed for a slower watcher (the approvals feed polls a
        # workflow's jobs once a minute): what a new subscriber shows must be as fresh as it
        # asks for, counted from the last answer, not from now.
        self._rearm(resource)
        if entry.has_value:
            on_value(entry.value)
        elif entry.error is not None and on_error is not None:
            on_error(entry.error)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        entry = self._entries.get(sub.resource)
        if entry is None:
            return
        if sub in entry.subscriptions:
            entry.subscriptions.remove(sub)
        if not entry.subscriptions:
            # Not polled any more, but kept for a while: a poll in flight still lands here
            # (a new subscriber must not start a second one) and a screen shown again gets
            # its data at once.
            entry.orphaned_at = self._clock()
        else:
            self._rearm(sub.resource)  # the one who wanted it fast may have gone

    def value(self, resource: Resource) -> Any:
        entry = self._entries.get(resource)
        return entry.value if entry and entry.has_value else None

    def _rearm(self, resource: Resource) -> None:
        """The wishes changed: the next poll is the last answer plus the new delay (at once if
        that is past), so a faster subscriber never waits out a slower one's cadence."""
        entry = self._entries.get(resource)
        now = self._clock()
        # A poll already due now (refresh(), or a refresh that came while the last poll was
        # in flight) must not be pushed back by a wish given from that poll's own callbacks;
        # a failing resource keeps its backoff.
        if (
            entry is not None
            and entry.has_value
            and entry.fetched_at is not None
            and not entry.in_flight
            and entry.error is None
            and entry.due > now
        ):
            entry.due = max(now, entry.fetched_at + self._cadence_delay(entry))
            self.wake()

    @property
    def subscribed(self) -> list[Resource]:
        return [r for r, e in self._entries.items() if e.watched]

    # -- health ------------------------------------------------------------------------------

    @property
    def health(self) -> Health:
        return self._health

    def add_health_listener(self, listener: Callable[[Health], None]) -> Callable[[], None]:
        self._health_listeners.append(listener)
        listener(self._health)
        return lambda: self._health_listeners.remove(listener)

    def _set_health(self, health: Health) -> None:
        if health != self._health:
            self._health = health
            for listener in list(self._health_listeners):
                listener(health)

    # -- scheduling --------------------------------------------------------------------------

    def refresh(self, resource: Resource | None = None) -> None:
        """Poll now: one resource, or everything subscribed (Ctrl+R)."""
        entries = [self._entries[resource]] if resource in self._entries else []
        if resource is None:
            entries = [e for e in self._entries.values() if e.watched]
        now = self._clock()
        for entry in entries:
            entry.due = now
            entry.failures = 0
            entry.dirty = entry.in_flight
        self.wake()

    def refresh_where(self, predicate: Callable[[Resource], bool]) -> None:
        for resource in [r for r, e in self._entries.items() if e.watched and predicate(r)]:
            self.refresh(resource)

    def wake(self) -> None:
        """Look again at what is due: the clock moved, or something changed outside."""
        self._wake.set()

    def _arm(self, entry: _Entry, delay: float) -> None:
        if entry.dirty:
            entry.dirty = False
            delay = 0.0
        entry.due = self._clock() + delay
        self.wake()

    def own_cadence(self, resource: Resource) -> Cadence:
        """What ``resource``'s latest value says about how often to poll it."""
        return resource.cadence_at(self.value(resource), self._wall_clock())

    def cadence_of(self, resource: Resource) -> Cadence:
        """The cadence ``resource`` is polled at now: the fastest of its subscribers' wishes."""
        entry = self._entries.get(resource)
        own = self.own_cadence(resource)
        if own is Cadence.DONE:
            return own  # nothing anyone wishes can change a finished resource
        wishes = [sub.wish for sub in entry.subscriptions] if entry else []
        return min(wishes or [own], key=lambda c: c.rank)

    def delay_of(self, cadence: Cadence) -> float:
        """Seconds between polls at ``cadence``, stretched while the token's budget runs low."""
        base = {
            Cadence.FAST: self.interval,
            Cadence.SLOW: self.slow_interval,
            Cadence.RARE: max(self.slow_interval, RARE_INTERVAL),
            Cadence.DORMANT: max(self.slow_interval, DORMANT_INTERVAL),
        }.get(cadence, math.inf)
        return base * self.budget_stretch()

    def budget_stretch(self) -> float:
        """How much longer than usual to wait while the rate-limit budget runs low.

        CircleCI sends ``RateLimit-Remaining`` (and ``X-RateLimit-Remaining``) with its
        ``-Limit``; once fewer than ``LOW_BUDGET`` of the window's requests remain, the
        cadence stretches in proportion (half of that left: twice as slow), up to
        ``MAX_STRETCH``, so a shared token slows down before it is throttled.
        """
        info = self.client.rate_limit
        if info is None or not info.limit or info.remaining is None:
            return 1.0
        left = max(info.remaining, 0) / info.limit
        if left >= LOW_BUDGET:
            return 1.0
        return min(MAX_STRETCH, LOW_BUDGET / max(left, LOW_BUDGET / MAX_STRETCH))

    def _cadence_delay(self, entry: _Entry) -> float:
        return self.delay_of(self.cadence_of(entry.resource))

    def _take_due(self) -> list[_Entry]:
        now = self._clock()
        self._evict_orphans(now)
        if self._paused(now):
            return []
        due = [e for e in self._entries.values()
               if e.watched and not e.in_flight and e.due <= now]
        for entry in due:
            entry.in_flight = True
        return due

    @property
    def idle(self) -> bool:
        """Nothing in flight and nothing due: what is on screen is as fresh as it will get."""
        now = self._clock()
        return not any(e.in_flight or (e.watched and e.due <= now)
                       for e in self._entries.values())

    def next_due(self) -> float:
        """Monotonic time of the next poll (``inf`` when nothing will be polled again)."""
        pending = [e.due for e in self._entries.values() if e.watched and not e.in_flight]
        soonest = min(pending, default=math.inf)
        paused = self._paused_for()
        return max(soonest, self._clock() + paused) if paused else soonest

    def _paused_for(self) -> float:
        return self.client.paused_for

    def _paused(self, now: float) -> bool:
        """After a 429 the client holds every request to the host; nothing is started here
        meanwhile (a poll would only sit in the client), and the status line counts down."""
        paused = self._paused_for()
        if paused <= 0:
            return False
        health = self._health
        if health.state != "throttled" or abs((health.retry_at or 0) - (now + paused)) > 0.5:
            self._set_health(Health("throttled", THROTTLED, now + paused, health.last_success))
        return True

    def _evict_orphans(self, now: float) -> None:
        for resource, entry in list(self._entries.items()):
            if (entry.orphaned_at is not None and not entry.in_flight
                    and now - entry.orphaned_at > ORPHAN_TTL):
                del self._entries[resource]

    async def poll_due(self) -> int:
        """Poll everything due now and wait for the answers; returns how many were polled.

        :meth:`run` does the same without waiting; tests and benchmarks drive a fake clock
        with this instead of sleeping.
        """
        due = self._take_due()
        async with anyio.create_task_group() as tg:
            for entry in due:
                tg.start_soon(self._poll, entry)
        return len(due)

    async def run(self) -> None:
        """Poll until cancelled. Run it once, in the event loop the subscribers live in."""
        if self._running:
            raise RuntimeError("Monitor.run() is already running")
        self._running = True
        try:
            async with anyio.create_task_group() as tg:
                while True:
                    self._wake = anyio.Event()
                    for entry in self._take_due():
                        tg.start_soon(self._poll, entry)
                    next_due = self.next_due()
                    timeout = None if next_due == math.inf else max(next_due - self._clock(), 0)
                    with anyio.move_on_after(timeout):
                        await self._wake.wait()
        finally:
            self._running = False

    async def _poll(self, entry: _Entry) -> None:
        self.polls += 1
        try:
            async with self._semaphore:
                value = await entry.resource.fetch(self.client)
        except CircleCIError as error:
            entry.in_flight = False
            if self._entries.get(entry.resource) is not entry:
                return
            self._on_failure(entry, error)
        except Exception as error:  # a bug must not stop every other poll
            log.exception("poll of %s failed", entry.resource)
            entry.in_flight = False
            self._on_failure(entry, CircleCIError(f"unexpected error: {error!r}"))
        else:
            entry.in_flight = False
            if self._entries.get(entry.resource) is not entry:
                return  # unsubscribed while in flight
            self._on_success(entry, value)
        finally:
            self.wake()

    def _on_success(self, entry: _Entry, value: Any) -> None:
        changed = not entry.has_value or value != entry.value
        entry.value = value
        entry.has_value = True
        entry.fetched_at = self._clock()
        entry.failures = 0
        entry.error = None
        self._arm(entry, self._cadence_delay(entry))
        stretch = self.budget_stretch()
        if not any(e.error is not None and _is_global(e.error) and e.watched
                   for e in self._entries.values()):
            self._set_health(Health(state="ok", last_success=self._wall_clock(),
                                    stretch=stretch))
        else:
            self._set_health(replace(self._health, last_success=self._wall_clock(),
                                     stretch=stretch))
        if changed:
            for sub in list(entry.subscriptions):
                if not sub.closed:
                    sub.on_value(value)

    def _on_failure(self, entry: _Entry, error: CircleCIError) -> None:
        entry.error = error
        entry.failures += 1
        backoff = min(self.interval * 2 ** (entry.failures - 1), MAX_BACKOFF)
        if isinstance(error, NotFound | Forbidden):
            # About this resource only (an approval job's details, a deleted workflow):
            # tell its subscribers, don't alarm the status line, don't hammer it.
            delay = math.inf if isinstance(error, NotFound) else self.slow_interval
        elif isinstance(error, RateLimited):
            delay = max(backoff, error.retry_after or 0.0, self._paused_for())
        elif isinstance(error, Unauthorized):
            delay = max(backoff, self.slow_interval)
        else:
            delay = backoff
        self._arm(entry, delay)
        for sub in list(entry.subscriptions):
            if not sub.closed and sub.on_error is not None:
                sub.on_error(error)
        if _is_global(error):
            self._set_health(_health_for(error, entry.due, self._health.last_success))


THROTTLED = "CircleCI is rate limiting (429)"


def _is_global(error: CircleCIError) -> bool:
    return not isinstance(error, NotFound | Forbidden)


def _health_for(error: CircleCIError, retry_at: float, last_success: datetime | None) -> Health:
    if isinstance(error, Unauthorized):
        return Health("unauthorized", "token rejected (401)", retry_at, last_success)
    if isinstance(error, RateLimited):
        return Health("throttled", THROTTLED, retry_at, last_success)
    if isinstance(error, TransportError):
        return Health("unreachable", "CircleCI unreachable", retry_at, last_success)
    status = f" ({error.status})" if error.status else ""
    return Health("error", f"CircleCI error{status}: {error.message}", retry_at, last_success)
