"""The ``rig`` fixture (the real client and monitor over the simulator) for every test here."""

from .rig import rig  # noqa: F401
