"""Fault injection: make the next N matching requests slow, throttled, broken or lost.

Each fault has an optional `count` (how many matching requests it affects; None means until
removed) and optional `method` and `path` filters (`path` is a regular expression searched in
the decoded request path). Tests switch faults on per run:

    sim.faults.rate_limit(retry_after=3, count=1, path=r"/workflow/.*/rerun")
    sim.faults.drop_connection(count=1, method="POST")

"refuse" cannot be done by an ASGI app (the connection exists before the app runs), so
`Simulator.transport()` raises `httpx.ConnectError` for it without the request reaching the
app; over a real server the app aborts the connection before processing instead. "drop" is
processed first (a rerun really happens), then the connection is closed without a complete
response.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

FAULT_KINDS = (
    "latency",
    "rate_limit",
    "server_error",
    "malformed_json",
    "drop",
    "refuse",
    "revoked_token",
)


@dataclass
class Fault:
    kind: str
    count: int | None = None  # remaining requests to affect; None = unlimited
    method: str | None = None
    path: str | None = None
    seconds: float = 0.0  # latency
    status: int = 500  # server_error: 500, 502 or 503
    retry_after: int = 2  # rate_limit
    plain_text: bool | None = None  # rate_limit body; None follows the plain_text_429 quirk
    hits: int = 0  # requests affected so far

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.count <= 0


class Faults:
    """The active faults of one simulator."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()  # the real-server test runs the app in another thread

    def add(self, fault: Fault) -> Fault:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; known: {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._faults.append(fault)
        return fault

    def latency(
        self,
        seconds: float,
        *,
        count: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Delay responses by `seconds` of real time (anyio.sleep)."""
        return self.add(Fault("latency", count, method, path, seconds=seconds))

    def rate_limit(
        self,
        retry_after: int = 2,
        *,
        plain_text: bool | None = None,
        count: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Answer 429 with Retry-After and rate-limit headers."""
        return self.add(
            Fault("rate_limit", count, method, path, retry_after=retry_after, plain_text=plain_text)
        )

    def server_error(
        self,
        status: int = 500,
        *,
        count: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Answer 500 (JSON) or 502/503 (an HTML page from the load balancer)."""
        if status not in (500, 502, 503):
            raise ValueError("server_error status must be 500, 502 or 503")
        return self.add(Fault("server_error", count, method, path, status=status))

    def malformed_json(
        self, *, count: int | None = None, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Truncate the JSON body of a 200 response."""
        return self.add(Fault("malformed_json", count, method, path))

    def drop_connection(
        self, *, count: int | None = None, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Process the request, then close the connection without a complete response."""
        return self.add(Fault("drop", count, method, path))

    def refuse_connection(
        self, *, count: int | None = None, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Refuse the connection: the request is neither recorded nor processed."""
        return self.add(Fault("refuse", count, method, path))

    def revoke_token(
        self, *, count: int | None = None, method: str | None = None, path: str | None = None
    ) -> Fault:
        """Answer 401 "Invalid token provided." as if the token had been revoked."""
        return self.add(Fault("revoked_token", count, method, path))

    def take(self, kind: str, method: str, path: str) -> Fault | None:
        """Consume one use of the first active fault of `kind` matching the request."""
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind and not fault.exhausted and fault.matches(method, path):
                    fault.hits += 1
                    if fault.count is not None:
                        fault.count -= 1
                    if fault.exhausted:
                        self._faults.remove(fault)
                    return fault
        return None

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def __iter__(self) -> Iterator[Fault]:
        return iter(self.active)

    def __len__(self) -> int:
        return len(self.active)
