"""Cancel, rerun, approve and trigger: each sent once, then what it changed is polled at once.

The client never retries a mutation (a rerun sent twice starts two workflows); this layer
adds the other half of "never sent twice": the same action on the same target is refused,
with the reason, from the moment it is sent until CircleCI's data shows its effect (the new
workflow in the pipeline's list, the job no longer on hold...) or ``EFFECT_TIMEOUT`` seconds
have passed. Releasing it when the POST returns would leave a window, before the refresh
lands, where the screen still offers the action and a second confirmation sends it again.

The effect is watched through a monitor subscription that closes itself once the effect is
seen; nothing waits or sleeps here, so the action returns as soon as CircleCI has answered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from circletui.api.models import Job, PipelineCreation, Workflow
from circletui.monitor.poller import Monitor, Subscription
from circletui.monitor.resources import (
    Cadence,
    JobInfo,
    PipelineList,
    PipelineWorkflows,
    Resource,
    WorkflowJobs,
)
from circletui.status import is_active

#: how long an answered action stays refused if its effect never shows (seconds)
EFFECT_TIMEOUT = 60.0


class ActionInProgress(Exception):
    """The same action on the same target was sent and its effect is not visible yet."""


@dataclass
class _Pending:
    kind: str
    answered: bool = False
    deadline: float = float("inf")
    subscription: Subscription | None = None
    visible: bool = False

    def reason(self) -> str:
        if self.answered:
            return f"{self.kind} already sent; waiting for CircleCI to show it"
        return f"{self.kind} already sent; waiting for CircleCI's answer"

    def release(self) -> None:
        if self.subscription is not None:
            self.subscription.close()
            self.subscription = None


class _Effect:
    """What the caller of ``_once`` names, once the POST has succeeded, as its visible effect."""

    def __init__(self) -> None:
        self.resource: Resource | None = None
        self.shown: Callable[[Any], bool] | None = None

    def until(self, resource: Resource, shown: Callable[[Any], bool]) -> None:
        self.resource, self.shown = resource, shown


class Actions:
    def __init__(
        self,
        monitor: Monitor,
        *,
        clock: Callable[[], float] = time.monotonic,
        effect_timeout: float = EFFECT_TIMEOUT,
    ) -> None:
        self.monitor = monitor
        self._clock = clock
        self.effect_timeout = effect_timeout
        self._pending: dict[tuple[str, str], _Pending] = {}

    # -- the guard ---------------------------------------------------------------------------

    def _current(self, key: tuple[str, str]) -> _Pending | None:
        """The pending action under ``key``, forgetting it if its effect showed or it expired."""
        pending = self._pending.get(key)
        if pending is None:
            return None
        if pending.visible or (pending.answered and self._clock() >= pending.deadline):
            pending.release()
            del self._pending[key]
            return None
        return pending

    @contextmanager
    def _once(self, kind: str, target: str) -> Iterator[_Effect]:
        """Refuse a second ``kind`` on ``target`` until the first one's effect is visible.

        The body sends the mutation, then names its effect with ``effect.until(resource,
        shown)``. If the body fails, the guard is released at once (the user saw the error and
        may try again); otherwise it holds until ``shown(value)`` is true for a polled value of
        ``resource``, or ``effect_timeout`` seconds.
        """
        key = (kind, target)
        self.sweep()
        pending = self._current(key)
        if pending is not None:
            raise ActionInProgress(pending.reason())
        pending = self._pending[key] = _Pending(kind)
        effect = _Effect()
        try:
            yield effect
        except BaseException:
            del self._pending[key]
            raise
        if effect.resource is None or effect.shown is None:
            del self._pending[key]
            return
        pending.answered = True
        pending.deadline = self._clock() + self.effect_timeout
        shown = effect.shown

        def on_value(value: Any) -> None:
            if value is not None and shown(value):
                pending.visible = True
                pending.release()
                if self._pending.get(key) is pending:
                    del self._pending[key]

        # Subscribing keeps the resource polled even when no screen shows it; the cached value
        # predates the POST, so it only counts if it already shows the effect.
        pending.subscription = self.monitor.subscribe(effect.resource, on_value)
        if pending.visible:
            pending.release()
        else:
            pending.subscription.set_cadence(Cadence.FAST)  # a SLOW list would take a minute

    def sweep(self) -> None:
        """Forget what has expired, closing its watch (the app calls this every second, so an
        effect that never shows does not keep its resource polled fast for ever)."""
        for key in list(self._pending):
            self._current(key)

    def in_flight(self, kind: str, target: str) -> bool:
        return self._current((kind, target)) is not None

    # -- the actions -------------------------------------------------------------------------

    def _refresh_workflow(self, workflow: Workflow) -> None:
        self.monitor.refresh(WorkflowJobs(workflow.id))
        self.monitor.refresh(PipelineWorkflows(workflow.pipeline_id))
        self.monitor.refresh_where(lambda r: isinstance(r, PipelineList))

    async def cancel_workflow(self, workflow: Workflow) -> str:
        with self._once("cancel", workflow.id) as effect:
            answer = await self.monitor.client.cancel_workflow(workflow.id)
            effect.until(PipelineWorkflows(workflow.pipeline_id),
                         lambda wfs: _workflow_stopped(wfs, workflow.id))
            self._refresh_workflow(workflow)
        return answer.message

    async def rerun_workflow(self, workflow: Workflow, *, from_failed: bool) -> str:
        """Returns the new workflow's id."""
        with self._once("rerun", workflow.id) as effect:
            if from_failed:
                answer = await self.monitor.client.rerun_workflow(workflow.id, from_failed=True)
            else:
                answer = await self.monitor.client.rerun_workflow(workflow.id)
            effect.until(PipelineWorkflows(workflow.pipeline_id),
                         lambda wfs: any(w.id == answer.workflow_id for w in wfs))
            self._refresh_workflow(workflow)
        return answer.workflow_id

    async def rerun_jobs(self, workflow: Workflow, jobs: Sequence[Job], *,
                         enable_ssh: bool = False, sparse_tree: bool = False) -> str:
        """Rerun only ``jobs`` (and, as CircleCI does, what depends on them), optionally with
        SSH; returns the new workflow's id. One rerun of a workflow at a time, whichever kind."""
        ids = [job.id for job in jobs]
        with self._once("rerun", workflow.id) as effect:
            answer = await self.monitor.client.rerun_workflow(
                workflow.id, jobs=ids, enable_ssh=enable_ssh or None,
                sparse_tree=sparse_tree or None,
            )
            effect.until(PipelineWorkflows(workflow.pipeline_id),
                         lambda wfs: any(w.id == answer.workflow_id for w in wfs))
            self._refresh_workflow(workflow)
        return answer.workflow_id

    async def trigger(self, project_slug: str, *, branch: str | None = None,
                      tag: str | None = None,
                      parameters: Mapping[str, str | int | bool] | None = None,
                      ) -> PipelineCreation:
        """Start a pipeline; refused while the same trigger (project and ref) is unanswered
        or its pipeline not yet listed."""
        ref = f"tag {tag}" if tag else (branch or "")
        with self._once("trigger", f"{project_slug}@{ref}") as effect:
            created = await self.monitor.client.trigger_pipeline(
                project_slug, branch=branch, tag=tag, parameters=parameters)
            # The new pipeline's workflow list answers as soon as CircleCI knows it.
            effect.until(PipelineWorkflows(created.id), lambda wfs: wfs is not None)
            self.monitor.refresh_where(lambda r: isinstance(r, PipelineList))
        return created

    async def approve(self, workflow: Workflow, job: Job) -> str:
        request_id = job.approval_request_id or job.id
        with self._once("approve", request_id) as effect:
            answer = await self.monitor.client.approve_job(workflow.id, request_id)
            effect.until(WorkflowJobs(workflow.id),
                         lambda jobs: _job_left(jobs, job.id, {"on_hold"}))
            self._refresh_workflow(workflow)
        return answer.message

    async def cancel_job(self, workflow: Workflow, job: Job) -> str:
        if job.job_number is None:
            raise ValueError(f"job {job.name} has no job number yet; cancel the workflow instead")
        with self._once("cancel-job", job.id) as effect:
            answer = await self.monitor.client.cancel_job(workflow.project_slug, job.job_number)
            effect.until(WorkflowJobs(workflow.id),
                         lambda jobs: _job_left(jobs, job.id, {"running", "queued",
                                                               "not_running"}))
            self._refresh_workflow(workflow)
            self.monitor.refresh(JobInfo(workflow.project_slug, job.job_number))
        return answer.message


def _workflow_stopped(workflows: Any, workflow_id: str) -> bool:
    for wf in workflows:
        if wf.id == workflow_id:
            return wf.status == "canceling" or not is_active(wf.status)
    return False


def _job_left(jobs: Any, job_id: str, statuses: set[str]) -> bool:
    for job in jobs:
        if job.id == job_id:
            return job.status not in statuses
    return False
