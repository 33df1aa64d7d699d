"""Resident memory after hours of polling a busy org, in compressed time.

Run by the suite as a subprocess (``python -m benchmarks.memory --hours 24 --mode monitor``)
so that each figure has a process of its own: the resident set of a Python process rarely
shrinks, so two measurements in one process would not be independent.

* ``monitor``: circletui's ``Monitor`` + ``PipelineFeed`` + ``ApprovalFeed`` watch ``gh/acme``
  of a live simulated world (new pipelines every 20-60 s) on a fake clock: each step moves
  time to the next poll due (at most 5 s) and polls what is due. The fast interval is 60 s,
  like the slow one (``--interval``): a request through the in-process HTTP stack costs about
  4 ms, so a day at 5 s (some 290,000 requests) would take twenty minutes. Every pipeline
  of the day still arrives, is watched, finishes and is dropped; a leak per poll rather than
  per resource would show about twelve times smaller than at ``--interval 5``.
* ``world``: the same world stepped the same way with nobody polling it: the simulator's own
  growth (its world gains pipelines all day), the baseline to subtract.

The simulator's request log is emptied after every step (it is the test record, not
circletui's). Resident memory is read after ``gc.collect()`` once the first ten simulated
minutes are over (start-up allocations excluded), and at the end. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import time

import psutil

from benchmarks.compressed import (
    ORG,
    SEED,
    SLOW_INTERVAL,
    FakeMonotonic,
    make_client,
)
from circletui.monitor import ApprovalFeed, Monitor, PipelineFeed, PipelineScope
from circletui.simulator import ManualClock, Simulator

WARMUP = 600.0
MAX_STEP = 5.0


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


async def run(hours: float, mode: str, interval: float = SLOW_INTERVAL) -> dict:
    sim = Simulator(seed=SEED, clock=ManualClock(), live=True)
    clock = FakeMonotonic()
    client, transport = make_client(sim)
    monitor = Monitor(
        client, interval=interval, slow_interval=SLOW_INTERVAL, clock=clock,
        wall_clock=sim.clock.now,
    )
    feed = approvals = None
    if mode == "monitor":
        rows: list = []

        def on_rows(new_rows: list) -> None:
            rows[:] = new_rows
            approvals.update(new_rows)

        approvals = ApprovalFeed(lambda: rows, monitor, lambda _: None)
        feed = PipelineFeed(monitor, PipelineScope(org=ORG), on_rows, now=sim.clock.now)
        feed.start()

    start = clock.now
    end = start + WARMUP + hours * 3600
    rss_start = None
    steps = 0
    started = time.perf_counter()
    while clock.now < end:
        if rss_start is None and clock.now - start >= WARMUP:
            rss_start = rss_mb()
        if mode == "monitor":
            for _ in range(20):
                if not await monitor.poll_due():
                    break
            due_in = monitor.next_due() - clock.now
            step = min(max(math.ceil(due_in), 1.0), MAX_STEP)
        else:
            step = MAX_STEP
        sim.requests.clear()
        clock.now += step
        sim.clock.advance(step)  # type: ignore[attr-defined]
        sim.world.sync()
        steps += 1
    rss_end = rss_mb()
    if feed is not None:
        feed.close()
        approvals.close()
    await client.aclose()
    return {
        "mode": mode,
        "hours": hours,
        "interval": interval,
        "rss_start_mb": rss_start,
        "rss_end_mb": rss_end,
        "growth_mb": rss_end - (rss_start or rss_end),
        "requests": transport.total,
        "requests_by_kind": dict(transport.kinds),
        "steps": steps,
        "pipelines_in_world": len(sim.world.pipelines),
        "wall_seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--mode", choices=["monitor", "world"], default="monitor")
    parser.add_argument("--interval", type=float, default=SLOW_INTERVAL)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.hours, args.mode, args.interval))))


if __name__ == "__main__":
    main()
