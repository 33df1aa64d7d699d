"""The `Simulator` facade: one object holding the world, the ASGI app and the test hooks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from circletui.simulator.app import SimulatorApp
from circletui.simulator.clock import Clock, RealClock
from circletui.simulator.faults import Faults
from circletui.simulator.quirks import QuirkSet
from circletui.simulator.recording import RecordedRequest, matching
from circletui.simulator.transport import SimulatorTransport
from circletui.simulator.world import World

DEFAULT_TOKEN = "demo-token"
API_V2 = "/api/v2"
API_V1 = "/api/v1.1"


class Simulator:
    """A simulated CircleCI: `app` serves API v2 and v1.1 over `world`, driven by `clock`.

    - `seed` makes the world (history included) reproducible.
    - `clock` defaults to a `RealClock()`; tests pass a `ManualClock` and advance it.
    - `token` is the only personal API token accepted.
    - `quirks` is "all", "none", "a,b" or an iterable of names from `quirks.QUIRKS`.
    - `live` makes new pipelines arrive every 20-60 s of clock time (the demo's liveness).
    - `history=False` starts from an empty world (projects and users only).
    """

    def __init__(
        self,
        seed: int = 0,
        clock: Clock | None = None,
        *,
        token: str = DEFAULT_TOKEN,
        quirks: str | Iterable[str] | None = None,
        live: bool = False,
        history: bool = True,
    ) -> None:
        self.clock: Clock = clock if clock is not None else RealClock()
        self.token = token
        self.quirks = QuirkSet(quirks)
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.world = World(seed, self.clock, live=live, history=history)
        self.app = SimulatorApp(self)

    def transport(self) -> httpx.AsyncBaseTransport:
        """An in-process httpx transport to `app` that can also refuse or drop connections."""
        return SimulatorTransport(self)

    def client(self, base_url: str = "http://circleci.sim", **kwargs: Any) -> httpx.AsyncClient:
        """A convenience AsyncClient over `transport()`, authenticated with `token`."""
        headers = {
            "Circle-Token": self.token,
            "Accept": "application/json",
            **kwargs.pop("headers", {}),
        }
        return httpx.AsyncClient(
            transport=self.transport(), base_url=base_url, headers=headers, **kwargs
        )

    def requests_matching(self, method: str | None, path_regex: str) -> list[RecordedRequest]:
        """Recorded requests with this method (None = any) whose path matches the regex."""
        return matching(self.requests, method, path_regex)

    def __repr__(self) -> str:
        return (
            f"Simulator(seed={self.world.seed}, clock={self.clock!r}, quirks={sorted(self.quirks)})"
        )
