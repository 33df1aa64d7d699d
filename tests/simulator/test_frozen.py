"""``circletui simulator --frozen``: a world whose work is all finished and stays so."""

from __future__ import annotations

from datetime import UTC, datetime

from circletui.simulator import ManualClock, Simulator
from circletui.simulator.cli import build_parser
from circletui.simulator.frozen import finish_all_work, frozen_simulator


def test_finishing_cancels_the_holds_and_runs_the_rest_to_the_end() -> None:
    clock = ManualClock()
    sim = Simulator(seed=7, clock=clock)
    sim.world.sync()
    held = [wf.id for wf in sim.world.active_workflows if wf.status == "on_hold"]
    assert held and len(sim.world.active_workflows) > len(held)
    taken = finish_all_work(sim, clock)
    assert sim.world.active_workflows == []
    assert {sim.world.workflow(i).status for i in held} == {"canceled"}
    assert 0 < taken <= 3600


def test_the_frozen_world_is_in_the_past_and_does_not_move() -> None:
    sim = frozen_simulator(seed=7, token="t")
    assert sim.token == "t" and not sim.world.live
    then = sim.clock.now()
    assert then <= datetime.now(UTC)
    sim.world.sync()
    assert sim.clock.now() == then and sim.world.active_workflows == []


def test_the_command_line_takes_frozen() -> None:
    assert build_parser().parse_args(["--frozen"]).frozen is True
    assert build_parser().parse_args([]).frozen is False
