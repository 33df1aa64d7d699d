"""``Plan``: how a simulated pipeline's workflows should turn out (outcomes, durations, who
approves, cancels or reruns and when). The world runs plans; the history scripts the past
with them."""

from __future__ import annotations

from dataclasses import dataclass, field

from circletui.simulator.model import User


@dataclass
class Plan:
    """How a pipeline's workflows should turn out; history uses it to script the past.

    `default_outcome=None` samples each job's outcome from its template's failure rate, which
    is what API triggers and live arrivals use.
    """

    default_outcome: str | None = None
    outcomes: dict[str, str] = field(default_factory=dict)
    durations: dict[str, float] = field(default_factory=dict)
    approve_after: tuple[float, float] | None = None  # None leaves approvals on hold
    approver: User | None = None
    cancel_after: float | None = None
    canceler: User | None = None
    rerun_after: float | None = None
    rerun_from_failed: bool = True
    rerunner: User | None = None
    config_error: bool = False
    roles: tuple[str, ...] | None = None  # which templates run; None derives from the trigger
    fail_scale: float = 1.0
