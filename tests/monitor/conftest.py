"""The ``rig`` fixture (the real client and monitor over the simulator) for every test here."""

from .test_monitor_simulator import rig  # noqa: F401
