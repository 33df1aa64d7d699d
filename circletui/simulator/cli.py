"""Command line for serving the simulated CircleCI with uvicorn on a real socket.

`circletui simulator ...` delegates here, as does `python -m circletui.simulator`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from circletui.simulator.clock import RealClock
from circletui.simulator.quirks import QUIRKS, parse_quirks
from circletui.simulator.simulator import DEFAULT_TOKEN, Simulator

DESCRIPTION = """\
Serve a simulated CircleCI over HTTP: API v2 at http://HOST:PORT/api/v2 (default
http://127.0.0.1:8080/api/v2), the v1.1 job, artifacts and tests endpoints at
http://HOST:PORT/api/v1.1, and the private step-output and followed-projects routes
CircleCI's MCP server reads at http://HOST:PORT/api/private. Where live CircleCI differs
from its OpenAPI document, the simulator answers as live CircleCI does
(circletui/simulator/divergences.py lists each difference). The world is generated from
--seed, has about sixty pipelines of history, and evolves in real time; new pipelines keep
arriving unless --no-live is given; --frozen serves a world where every workflow has
finished and nothing moves.

Authenticate with the demo token (--token, default "demo-token") in a Circle-Token header,
as the username of HTTP Basic auth, or as an Authorization: Bearer token. Point circletui at
the base URL (e.g. CIRCLECI_CLI_HOST=http://127.0.0.1:8080) with that token.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="circletui simulator",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="quirks (--quirks all enables every one):\n"
        + "\n".join(f"  {name:<28} {text}" for name, text in QUIRKS.items()),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8080,
        help="port to listen on; 0 picks a free one (default: 8080)",
    )
    parser.add_argument("--seed", type=int, default=0, help="world seed (default: 0)")
    parser.add_argument(
        "--token",
        default=DEFAULT_TOKEN,
        help=f"the API token the server accepts (default: {DEFAULT_TOKEN})",
    )
    parser.add_argument(
        "--quirks",
        default="none",
        help="real-service deviations to enable: all, none, or a comma-separated"
        " list (default: none)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="how many times faster than real time the world runs (default: 1)",
    )
    parser.add_argument(
        "--no-live", action="store_true", help="no new pipelines arrive on their own"
    )
    parser.add_argument(
        "--frozen",
        action="store_true",
        help="finish every workflow (those on hold are cancelled), then stop the clock:"
        " nothing changes while served (implies --no-live; --speed is ignored)",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default: warning)",
    )
    return parser


async def _serve(sim: Simulator, host: str, port: int, log_level: str) -> None:
    import uvicorn

    config = uvicorn.Config(sim.app, host=host, port=port, log_level=log_level, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.05)
    if server.started:
        bound = server.servers[0].sockets[0].getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        base = f"http://{shown_host}:{bound}"
        print(f"Simulated CircleCI listening on {base}", flush=True)
        print(f"  API v2:   {base}/api/v2   (v1.1 at {base}/api/v1.1)", flush=True)
        print(f"  other clients: CIRCLECI_BASE_URL={base}", flush=True)
        print(
            f"  token:    {sim.token}   (Circle-Token header, Basic username or Bearer)", flush=True
        )
        print(f"  try:      curl -H 'Circle-Token: {sim.token}' {base}/api/v2/me", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
    await task


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        quirks = parse_quirks(args.quirks)
    except ValueError as exc:
        parser.error(str(exc))
    if args.speed <= 0:
        parser.error("--speed must be positive")
    if args.frozen:
        from circletui.simulator.frozen import frozen_simulator

        sim = frozen_simulator(seed=args.seed, token=args.token, quirks=quirks)
    else:
        sim = Simulator(
            seed=args.seed,
            clock=RealClock(speed=args.speed),
            token=args.token,
            quirks=quirks,
            live=not args.no_live,
        )
    try:
        asyncio.run(_serve(sim, args.host, args.port, args.log_level))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(
            f"circletui simulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    return 0
