"""Seeded randomness helpers: every id and choice in the world comes from here.

Only `random.Random` instances seeded from the world seed are used (never the global `random`
module or `uuid4`), so the same seed always produces the same world, byte for byte.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta


def new_uuid(rng: random.Random) -> str:
    """A version-4-formatted UUID string drawn from `rng`."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def derived_rng(*parts: object) -> random.Random:
    """An independent generator for lazily built content (test results, logs...).

    String seeds are hashed with SHA-512 by `random`, so this is stable across processes and
    independent of PYTHONHASHSEED.
    """
    return random.Random(":".join(str(part) for part in parts))


def hex_digits(rng: random.Random, count: int) -> str:
    return f"{rng.getrandbits(count * 4):0{count}x}"


def ms(when: datetime) -> datetime:
    """Truncate to whole milliseconds, the finest precision the API shows."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def after(when: datetime, seconds: float) -> datetime:
    later = when + timedelta(seconds=seconds)
    return later if later.microsecond % 1000 == 0 else ms(later)
