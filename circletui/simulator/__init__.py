"""A simulated CircleCI (API v2 and the v1.1 job/step endpoints) for tests and the demo.

from circletui.simulator import Simulator, ManualClock

sim = Simulator(seed=0, clock=ManualClock())
async with httpx.AsyncClient(transport=sim.transport(), base_url="http://sim") as client:
    await client.get("/api/v2/me", headers={"Circle-Token": sim.token})
"""

from circletui.simulator.clock import DEFAULT_START, Clock, ManualClock, RealClock
from circletui.simulator.faults import Fault, Faults
from circletui.simulator.quirks import QUIRKS
from circletui.simulator.recording import RecordedRequest
from circletui.simulator.simulator import API_V1, API_V2, DEFAULT_TOKEN, Simulator
from circletui.simulator.world import Missing, SimulationError, World

__all__ = [
    "API_V1",
    "API_V2",
    "DEFAULT_START",
    "DEFAULT_TOKEN",
    "QUIRKS",
    "Clock",
    "Fault",
    "Faults",
    "ManualClock",
    "Missing",
    "RealClock",
    "RecordedRequest",
    "SimulationError",
    "Simulator",
    "World",
]
