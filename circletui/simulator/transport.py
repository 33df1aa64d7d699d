"""An httpx transport that talks to the simulator in-process and can fail like a network.

It wraps `httpx.ASGITransport`. A "refuse" fault raises `httpx.ConnectError` before the request
reaches the app (nothing is recorded or processed); a "drop" fault lets the app process the
request and then surfaces as `httpx.RemoteProtocolError`, as a connection closed mid-response
does over a socket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from circletui.simulator.app import ConnectionDropped

if TYPE_CHECKING:
    from circletui.simulator.simulator import Simulator


class SimulatorTransport(httpx.AsyncBaseTransport):
    def __init__(self, sim: Simulator) -> None:
        self._sim = sim
        self._asgi = httpx.ASGITransport(app=sim.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._sim.faults.take("refuse", request.method, request.url.path):
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        try:
            return await self._asgi.handle_async_request(request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from exc

    async def aclose(self) -> None:
        await self._asgi.aclose()
