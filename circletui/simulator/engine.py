"""The job state machine: moves one workflow's jobs through time, event by event.

A job goes blocked -> queued -> running -> success/failed/... once every dependency succeeded;
an approval job goes blocked -> on_hold and waits for an approval. Events are processed in time
order up to a given instant, so stepping a workflow twice to the same time is a no-op, and the
world can interleave many workflows chronologically (job numbers are handed out in the order
jobs really queue).

Decision (documented for the UI): jobs that can no longer run because something upstream
failed or was canceled stay `blocked` while the workflow is still active, and become `not_run`
when the workflow ends.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from circletui.simulator.model import FAILED_JOB_STATUSES, Job, User, Workflow
from circletui.simulator.rng import after

NumberAllocator = Callable[[Job], int]


def _next_event(wf: Workflow) -> tuple[datetime, str, Job | None] | None:
    """The earliest pending event of the workflow: (time, kind, job)."""
    best: tuple[datetime, str, Job | None] | None = None
    if wf.cancel_at is not None:
        best = (wf.cancel_at, "cancel", None)
    by_id = wf.job_index
    for job in wf.jobs:
        status = job.status
        if status == "blocked":
            base = wf.created_at
            ready = True
            for dep_id in job.dependencies:
                dep = by_id.get(dep_id)
                if dep is None:
                    continue
                if dep.status != "success":
                    ready = False
                    break
                # Dependencies carried over from an earlier run finished before this workflow
                # existed; nothing starts before the workflow itself.
                if dep.stopped_at is not None and dep.stopped_at > base:
                    base = dep.stopped_at
            if not ready:
                continue
            when, kind = after(base, job.start_gap), "unblock"
        elif status == "queued" and job.queued_at is not None:
            when, kind = after(job.queued_at, job.queue_delay), "start"
        elif status == "running" and job.started_at is not None:
            when, kind = after(job.started_at, job.duration), "finish"
        elif status == "on_hold" and job.approve_delay is not None:
            assert job.started_at is not None
            when, kind = after(job.started_at, job.approve_delay), "approve"
        else:
            continue
        if best is None or when < best[0]:
            best = (when, kind, job)
    return best


def _apply(
    wf: Workflow, when: datetime, kind: str, job: Job | None, allocate: NumberAllocator
) -> None:
    if kind == "cancel":
        cancel_workflow(wf, when, wf.cancel_by or wf.started_by)
        return
    assert job is not None
    if kind == "unblock":
        job.number = allocate(job)
        if job.type == "approval":
            job.status = "on_hold"
            job.started_at = when
        else:
            job.status = "queued"
            job.queued_at = when
    elif kind == "start":
        job.status = "running"
        job.started_at = when
    elif kind == "finish":
        job.status = job.outcome
        job.stopped_at = when
    elif kind == "approve":
        approve_job(job, when, job.approve_by or wf.started_by)


def approve_job(job: Job, when: datetime, by: User) -> None:
    job.status = "success"
    job.approved_by = by
    job.stopped_at = when
    job.approve_delay = None


def cancel_job(job: Job, when: datetime, by: User) -> None:
    if job.status in ("queued", "running", "on_hold"):
        job.stopped_at = when
    job.status = "canceled"
    job.canceled_by = by
    job.approve_delay = None


def cancel_workflow(wf: Workflow, when: datetime, by: User) -> None:
    """Cancel every job that may still change, and end the workflow as canceled."""
    for job in wf.jobs:
        if job.status in ("blocked", "queued", "running", "on_hold"):
            cancel_job(job, when, by)
    wf.canceled_by = by
    wf.cancel_at = None
    wf.stopped_at = when
    wf.last_event_at = when
    wf.finished = True
    wf.status = "canceled"


def _can_still_run(wf: Workflow) -> bool:
    """Whether any job is active, or blocked behind jobs that may yet succeed."""
    by_id = wf.job_index
    memo: dict[str, bool] = {}

    def viable(job: Job) -> bool:
        if job.id in memo:
            return memo[job.id]
        if job.status in ("queued", "running", "on_hold"):
            result = True
        elif job.status == "blocked":
            result = all(
                by_id[dep].status == "success" or viable(by_id[dep])
                for dep in job.dependencies
                if dep in by_id
            )
        else:
            result = False
        memo[job.id] = result
        return result

    return any(viable(job) for job in wf.jobs)


def derive_status(wf: Workflow) -> str:
    """The workflow status as CircleCI derives it from its jobs."""
    if wf.canceled_by is not None:
        return "canceled"
    statuses = [job.status for job in wf.jobs]
    failed = any(status in FAILED_JOB_STATUSES for status in statuses)
    if not wf.finished:
        if failed:
            return "failing"
        if any(status in ("running", "queued") for status in statuses):
            return "running"
        if any(status == "on_hold" for status in statuses):
            return "on_hold"
        return "running"
    if any(status in ("failed", "timedout") for status in statuses):
        return "failed"
    if "infrastructure_fail" in statuses:
        return "error"
    if "canceled" in statuses:
        return "canceled"
    if statuses and all(status == "not_run" for status in statuses):
        return "not_run"
    return "success"


def advance(wf: Workflow, until: datetime, allocate: NumberAllocator) -> datetime | None:
    """Apply every event due at or before `until`; return the next event's time, if any."""
    if wf.finished:
        wf.next_event_at = None
        return None
    event = _next_event(wf)
    while event is not None and event[0] <= until:
        when, kind, job = event
        _apply(wf, when, kind, job, allocate)
        wf.last_event_at = when
        if wf.finished:
            break
        event = _next_event(wf)
    if not wf.finished and not _can_still_run(wf):
        for job in wf.jobs:
            if job.status == "blocked":
                job.status = "not_run"
        stops = [job.stopped_at for job in wf.jobs if job.stopped_at is not None]
        wf.stopped_at = max(stops) if stops else (wf.last_event_at or wf.created_at)
        wf.finished = True
        wf.cancel_at = None
    wf.status = derive_status(wf)
    if wf.finished:
        wf.next_event_at = None
        return None
    wf.next_event_at = event[0] if event else None
    return wf.next_event_at
