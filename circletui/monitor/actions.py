"""Cancel, rerun and approve: each sent once, then what it changed is polled at once.

The client never retries a mutation (a rerun sent twice starts two workflows); this layer
adds the other half of "never sent twice": while an action on a target is in flight, the same
action on the same target is refused instead of queued. After an answer, the workflow, its
pipeline's workflow list and the pipeline lists are refreshed now rather than at the next tick.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from circletui.api.models import Job, Workflow
from circletui.monitor.poller import Monitor
from circletui.monitor.resources import (
    JobDetailsResource,
    PipelineList,
    PipelineWorkflows,
    WorkflowJobs,
)


class ActionInProgress(Exception):
    """The same action on the same target has been sent and not answered yet."""


class Actions:
    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self._in_flight: set[tuple[str, str]] = set()

    @contextmanager
    def _once(self, kind: str, target: str) -> Iterator[None]:
        key = (kind, target)
        if key in self._in_flight:
            raise ActionInProgress(f"{kind} already sent; waiting for CircleCI's answer")
        self._in_flight.add(key)
        try:
            yield
        finally:
            self._in_flight.discard(key)

    def in_flight(self, kind: str, target: str) -> bool:
        return (kind, target) in self._in_flight

    def _refresh_workflow(self, workflow: Workflow) -> None:
        self.monitor.refresh(WorkflowJobs(workflow.id))
        self.monitor.refresh(PipelineWorkflows(workflow.pipeline_id))
        self.monitor.refresh_where(lambda r: isinstance(r, PipelineList))

    async def cancel_workflow(self, workflow: Workflow) -> str:
        with self._once("cancel", workflow.id):
            answer = await self.monitor.client.cancel_workflow(workflow.id)
        self._refresh_workflow(workflow)
        return answer.message

    async def rerun_workflow(self, workflow: Workflow, *, from_failed: bool) -> str:
        """Returns the new workflow's id."""
        with self._once("rerun", workflow.id):
            if from_failed:
                answer = await self.monitor.client.rerun_workflow(workflow.id, from_failed=True)
            else:
                answer = await self.monitor.client.rerun_workflow(workflow.id)
        self._refresh_workflow(workflow)
        return answer.workflow_id

    async def approve(self, workflow: Workflow, job: Job) -> str:
        request_id = job.approval_request_id or job.id
        with self._once("approve", request_id):
            answer = await self.monitor.client.approve_job(workflow.id, request_id)
        self._refresh_workflow(workflow)
        return answer.message

    async def cancel_job(self, workflow: Workflow, job: Job) -> str:
        if job.job_number is None:
            raise ValueError(f"job {job.name} has no job number yet; cancel the workflow instead")
        with self._once("cancel-job", job.id):
            answer = await self.monitor.client.cancel_job(workflow.project_slug, job.job_number)
        self._refresh_workflow(workflow)
        self.monitor.refresh(JobDetailsResource(workflow.project_slug, job.job_number))
        return answer.message
