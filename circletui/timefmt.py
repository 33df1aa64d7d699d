"""Short human renderings of durations and ages, for narrow table cells and graph nodes.

Pure functions: callers pass ``now`` in, so snapshots and tests never see the wall clock.
"""

from __future__ import annotations

from datetime import datetime

PLACEHOLDER = "\N{EN DASH}"


def format_duration(seconds: float | None) -> str:
    """``42s``, ``3m 05s``, ``1h 02m``; an en dash when unknown. Negative values count as zero."""
    if seconds is None:
        return PLACEHOLDER
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_age(delta_seconds: float | None) -> str:
    """``12s ago``, ``5m ago``, ``3h ago``, ``2d ago``; ``just now`` under a second.

    A small negative delta (the server's clock ahead of ours) also reads ``just now``.
    """
    if delta_seconds is None:
        return PLACEHOLDER
    total = int(delta_seconds)
    if total < 1:
        return "just now"
    if total < 60:
        return f"{total}s ago"
    if total < 3600:
        return f"{total // 60}m ago"
    if total < 86400:
        return f"{total // 3600}h ago"
    return f"{total // 86400}d ago"


def elapsed(
    started_at: datetime | None, stopped_at: datetime | None, now: datetime
) -> float | None:
    """Seconds from start to stop, or to ``now`` while still running; ``None`` if not started."""
    if started_at is None:
        return None
    end = stopped_at if stopped_at is not None else now
    return max(0.0, (end - started_at).total_seconds())


def format_clock(when: datetime, now: datetime) -> str:
    """``14:05`` in the local time zone, ``Tue 13 Jan 14:05`` when not today.

    For "when did this last change": unlike an age, it stays the same text until the next
    change, so a line showing it is not redrawn every second.
    """
    local, today = when.astimezone(), now.astimezone()
    clock = local.strftime("%H:%M")
    if local.date() == today.date():
        return clock
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b')} {clock}"
