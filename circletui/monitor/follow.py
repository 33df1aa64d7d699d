"""Following a rerun to its new job: after ``POST /workflow/{id}/rerun`` CircleCI answers only
the new workflow's id, so the new workflow and its job are found by polling the pipeline's
workflow list and the new workflow's jobs (at the fast rate) until both are listed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from circletui.api.models import Job, Workflow
from circletui.monitor.poller import Monitor, Subscription
from circletui.monitor.resources import Cadence, PipelineWorkflows, WorkflowJobs


class FollowRerun:
    """Calls ``found(workflow, job)`` once, when the rerun workflow ``workflow_id`` is in its
    pipeline's list and its job named ``job_name`` has a job number; then stops polling.
    ``close()`` gives up earlier."""

    def __init__(self, monitor: Monitor, pipeline_id: str, workflow_id: str, job_name: str,
                 found: Callable[[Workflow, Job], None]) -> None:
        self._workflow_id = workflow_id
        self._job_name = job_name
        self._found = found
        self._workflow: Workflow | None = None
        self._job: Job | None = None
        self.done = False
        self._subscriptions: list[Subscription] = []
        for resource, on_value in ((PipelineWorkflows(pipeline_id), self._on_workflows),
                                   (WorkflowJobs(workflow_id), self._on_jobs)):
            if self.done:
                break
            sub = monitor.subscribe(resource, on_value)
            sub.set_cadence(Cadence.FAST)
            self._subscriptions.append(sub)
        if self.done:
            self.close()

    def _on_workflows(self, workflows: Any) -> None:
        self._workflow = next((w for w in workflows or () if w.id == self._workflow_id), None)
        self._check()

    def _on_jobs(self, jobs: Any) -> None:
        self._job = next((j for j in jobs or () if j.name == self._job_name
                          and j.job_number is not None), None)
        self._check()

    def _check(self) -> None:
        if self.done or self._workflow is None or self._job is None:
            return
        self.done = True
        self.close()
        self._found(self._workflow, self._job)

    def close(self) -> None:
        self.done = True
        for sub in self._subscriptions:
            sub.close()
        self._subscriptions.clear()
