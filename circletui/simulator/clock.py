"""Clocks that drive the simulated world.

The world never reads the system time itself: it asks a clock. Tests use `ManualClock` and move
time explicitly, so every state change happens exactly when the test says; the demo and the
standalone server use `RealClock`, optionally sped up.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

# A fixed instant so that `ManualClock()` worlds are identical across runs and machines.
DEFAULT_START = datetime(2026, 1, 14, 14, 30, 0, tzinfo=UTC)


class Clock(Protocol):
    """Anything with a `now()` returning an aware UTC datetime."""

    def now(self) -> datetime: ...


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward by `seconds` (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError("a ManualClock cannot go backwards")
        self._now += timedelta(seconds=seconds)
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


class RealClock:
    """Wall-clock time, optionally running `speed` times faster than real time."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start = start or datetime.now(UTC)
        # Monotonic time, so that a system clock adjustment cannot move the world backwards.
        self._mono = time.monotonic()

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._mono) * self.speed
        return self._start + timedelta(seconds=elapsed)

    def __repr__(self) -> str:
        return f"RealClock(speed={self.speed})"
