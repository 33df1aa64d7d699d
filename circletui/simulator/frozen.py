"""A world where nothing moves: every workflow finished, then the clock stopped.

What a monitor left open overnight sees: nothing changes, so anything it sends or draws is
pure overhead. ``circletui simulator --frozen`` serves it; the benchmarks build it in-process.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from circletui.simulator.clock import ManualClock
from circletui.simulator.simulator import Simulator

#: how far back the world starts, so that once its work is done it is not in the future
HEAD_START = timedelta(hours=1)
STEP_SECONDS = 10.0


def finish_all_work(sim: Simulator, clock: ManualClock, *, limit: float = 3600.0) -> float:
    """Run the world until no workflow is active, cancelling each one that reaches a hold
    for an approval (nobody approves here). Returns the simulated seconds it took."""
    world = sim.world
    world.sync()
    taken = 0.0
    while True:
        for wf in world.active_workflows:
            if wf.status == "on_hold":
                world.cancel_workflow(wf.id)
        if not world.active_workflows:
            return taken
        if taken >= limit:
            raise RuntimeError(f"work still running after {limit:.0f} simulated seconds")
        clock.advance(STEP_SECONDS)
        taken += STEP_SECONDS
        world.sync()


def frozen_simulator(seed: int = 0, **kwargs) -> Simulator:
    """A simulator whose world finished all its work a little before now and stays so."""
    clock = ManualClock(datetime.now(UTC) - HEAD_START)
    sim = Simulator(seed=seed, clock=clock, live=False, **kwargs)
    finish_all_work(sim, clock, limit=HEAD_START.total_seconds())
    return sim
