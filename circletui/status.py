"""Status strings from CircleCI mapped to a glyph, a colour category and a label.

One table serves jobs, workflows, pipelines and insights runs, since their value sets overlap
(``success``, ``failed``, ``canceled`` mean the same thing everywhere). Statuses stay raw strings
in the models, so a value CircleCI adds later lands on ``UNKNOWN`` ("?") instead of crashing.

Glyphs are single-cell characters that common terminal fonts carry: no emoji-capable code
points such as U+23F8 (pause), which some terminals draw two cells wide and many fonts lack.
The category is the name the UI turns into a component class (``job-graph--on-hold``) or a
.tcss colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Category = Literal[
    "success", "failed", "running", "queued", "on_hold", "blocked", "canceled", "not_run", "unknown"
]

CATEGORIES: tuple[Category, ...] = (
    "success",
    "failed",
    "running",
    "queued",
    "on_hold",
    "blocked",
    "canceled",
    "not_run",
    "unknown",
)


@dataclass(frozen=True, slots=True)
class StatusInfo:
    glyph: str
    category: Category
    label: str
    # Three-valued on purpose: a pipeline's ``created`` and an unknown value are neither, so a
    # poller that stops on "finished" never stops early and one that waits on "active" never
    # waits forever on a value it does not understand.
    active: bool = False
    finished: bool = False


UNKNOWN = StatusInfo("?", "unknown", "unknown")

STATUSES: dict[str, StatusInfo] = {
    # Jobs (``GET /workflow/{id}/job``, ``GET /project/{slug}/job/{n}``).
    "success": StatusInfo("✓", "success", "success", finished=True),
    "running": StatusInfo("●", "running", "running", active=True),
    "not_run": StatusInfo("\N{EN DASH}", "not_run", "not run", finished=True),
    "failed": StatusInfo("✗", "failed", "failed", finished=True),
    # A job that was rerun: this instance is superseded, so it is finished and greyed out.
    "retried": StatusInfo("↻", "not_run", "retried", finished=True),
    "queued": StatusInfo("◷", "queued", "queued", active=True),
    # Waiting for an executor; the web UI shows it as queued.
    "not_running": StatusInfo("◷", "queued", "not running", active=True),
    "infrastructure_fail": StatusInfo("✗", "failed", "infrastructure fail", finished=True),
    "timedout": StatusInfo("✗", "failed", "timed out", finished=True),
    "on_hold": StatusInfo("‖", "on_hold", "on hold", active=True),
    "terminated-unknown": StatusInfo("✗", "failed", "terminated", finished=True),
    # Waiting for upstream jobs.
    "blocked": StatusInfo("○", "blocked", "blocked", active=True),
    "canceled": StatusInfo("⊘", "canceled", "canceled", finished=True),
    # Restricted context or a fork without permission: it will not run, which is a failure.
    "unauthorized": StatusInfo("✗", "failed", "unauthorized", finished=True),
    # Workflows add these two.
    "error": StatusInfo("✗", "failed", "error", finished=True),
    # Still running, but a job already failed: red, and still active; a glyph of its own so
    # that without colour it does not read as running.
    "failing": StatusInfo("◉", "failed", "failing", active=True),
    # Pipeline ``state``. ``created`` means the config compiled and workflows exist; whether
    # they pass is the workflows' business, so it is shown neutral and is neither active nor
    # finished.
    "created": StatusInfo("·", "not_run", "created"),
    "errored": StatusInfo("✗", "failed", "errored", finished=True),
    "setup-pending": StatusInfo("◷", "queued", "setup pending", active=True),
    "setup": StatusInfo("◷", "queued", "setup", active=True),
    "pending": StatusInfo("◷", "queued", "pending", active=True),
}


def status_info(status: str | None) -> StatusInfo:
    """The table entry for ``status``; ``UNKNOWN`` for ``None``, ``""`` or a new value."""
    if not status:
        return UNKNOWN
    return STATUSES.get(status, UNKNOWN)


def glyph(status: str | None) -> str:
    return status_info(status).glyph


def category(status: str | None) -> Category:
    return status_info(status).category


def label(status: str | None) -> str:
    """Human wording ("on hold"); an unknown value is shown as it came, since it says more."""
    info = status_info(status)
    if info is UNKNOWN and status:
        return status
    return info.label


def is_active(status: str | None) -> bool:
    """Running, queued, waiting for approval or for upstream jobs: worth polling."""
    return status_info(status).active


def is_finished(status: str | None) -> bool:
    """A final status: it will not change without a rerun."""
    return status_info(status).finished


# -- questions the screens and feeds ask of a status -----------------------------------------

#: workflow statuses ``POST /workflow/{id}/rerun`` with ``from_failed`` applies to (the API
#: reference: "Whether to rerun the workflow from the failed job")
_RERUNNABLE_FROM_FAILED = frozenset({"failed", "error"})

#: job statuses a job cancel (``POST /project/{slug}/job/{number}/cancel``) applies to: the job
#: has started or waits for an executor (an approval is answered, a blocked job is canceled
#: with its workflow)
_CANCELABLE_JOB = frozenset({"running", "queued", "not_running"})

#: workflow statuses that can contain an approval job waiting for someone: CircleCI reports
#: ``on_hold`` only once nothing else runs, so a running (or failing) workflow can hold one on
#: one branch while another branch still runs
_CAN_HOLD_APPROVAL = frozenset({"on_hold", "failing", "running"})


def needs_attention(status: str | None) -> bool:
    """Failed in any way, or waiting for someone: what "failed or on hold only" keeps."""
    return category(status) in ("failed", "on_hold")


def can_rerun_from_failed(status: str | None) -> bool:
    return status in _RERUNNABLE_FROM_FAILED


def can_cancel_job(status: str | None) -> bool:
    return status in _CANCELABLE_JOB


def may_hold_approval(status: str | None) -> bool:
    return status in _CAN_HOLD_APPROVAL


def is_waiting_for_approval(status: str | None) -> bool:
    """An approval job (or its workflow) waiting for someone to approve it."""
    return status == "on_hold"
