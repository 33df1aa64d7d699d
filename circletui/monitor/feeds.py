"""Composite views built from several resources: pipeline rows and pending approvals.

A pipeline list answer carries no status: the status of a pipeline is its workflows'. The
:class:`PipelineFeed` subscribes to the list and to the workflows of the pipelines on show,
and hands the screen ready rows. :class:`ApprovalFeed` rides on it and fetches jobs only for
workflows that can hold an approval (``on_hold``, ``failing``, ``running``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from circletui.api.models import Job, Pipeline, Workflow
from circletui.monitor.poller import Monitor, Subscription
from circletui.monitor.resources import (
    Cadence,
    PipelineList,
    PipelineScope,
    PipelineWorkflows,
    WorkflowJobs,
)
from circletui.status import is_active, is_waiting_for_approval, may_hold_approval

#: pipelines whose workflows are fetched: what fits on a tall screen
FEED_LIMIT = 30

#: a pipeline this young with no workflow yet may still get one
YOUNG_PIPELINE = timedelta(minutes=5)

# Worst first: the pipeline shows the most urgent of its workflows' statuses.
_PRIORITY = ["failing", "failed", "error", "unauthorized", "on_hold", "running",
             "not_run", "canceled", "success"]


def latest_attempts(workflows: Sequence[Workflow]) -> list[Workflow]:
    """One workflow per name, the newest: a rerun replaces its failed predecessor."""
    newest: dict[str, Workflow] = {}
    for wf in workflows:
        best = newest.get(wf.name)
        if best is None or _created(wf) >= _created(best):
            newest[wf.name] = wf
    return list(newest.values())


def _created(wf: Workflow) -> datetime:
    return wf.created_at or datetime.min.replace(tzinfo=UTC)


def pipeline_status(pipeline: Pipeline, workflows: Sequence[Workflow] | None) -> str:
    """The status a person means by "the pipeline": derived from its latest workflows."""
    if pipeline.state == "errored" or pipeline.errors:
        return "errored"
    if workflows is None:
        return "loading"
    if not workflows:
        return pipeline.state or "created"
    statuses = {wf.status for wf in latest_attempts(workflows)}
    for status in _PRIORITY:
        if status in statuses:
            return status
    return sorted(statuses)[0]  # a status this version does not know: show it raw


@dataclass(frozen=True, slots=True)
class PipelineRow:
    pipeline: Pipeline
    workflows: tuple[Workflow, ...] | None  # None until the first workflows answer

    @property
    def status(self) -> str:
        return pipeline_status(self.pipeline, self.workflows)


class PipelineFeed:
    """Pipelines of a scope with their workflows, newest first, kept live."""

    def __init__(
        self,
        monitor: Monitor,
        scope: PipelineScope,
        on_rows: Callable[[list[PipelineRow]], None],
        *,
        limit: int = FEED_LIMIT,
        on_error: Callable[[Exception], None] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.monitor = monitor
        self.scope = scope
        self.limit = limit
        self._on_rows = on_rows
        self._on_error = on_error
        self._now = now
        self._pipelines: tuple[Pipeline, ...] = ()
        self._workflows: dict[str, tuple[Workflow, ...]] = {}
        self._subs: dict[str, Subscription] = {}
        self._list_sub: Subscription | None = None
        self.rows: list[PipelineRow] = []
        self.background = False

    @property
    def list_resource(self) -> PipelineList:
        return PipelineList(self.scope)

    def start(self) -> None:
        self._list_sub = self.monitor.subscribe(
            self.list_resource, self._on_pipelines, self._on_error
        )
        self._list_sub.set_background(self.background)

    def set_background(self, background: bool) -> None:
        """Nobody looks at the list (another screen is in front): poll it and its pipelines'
        workflows at the slow rate at most; back in front, what is running is fresh at once."""
        self.background = background
        for sub in [self._list_sub, *self._subs.values()]:
            if sub is not None:
                sub.set_background(background)

    def close(self) -> None:
        if self._list_sub:
            self._list_sub.close()
            self._list_sub = None
        for sub in self._subs.values():
            sub.close()
        self._subs.clear()

    def _on_pipelines(self, pipelines: tuple[Pipeline, ...]) -> None:
        self._pipelines = pipelines
        shown = {p.id for p in pipelines[: self.limit]}
        for pid in list(self._subs):
            if pid not in shown:
                self._subs.pop(pid).close()
                self._workflows.pop(pid, None)
        for p in pipelines[: self.limit]:
            if p.id not in self._subs and not p.errors:
                sub = self._subs[p.id] = self.monitor.subscribe(
                    PipelineWorkflows(p.id),
                    lambda wfs, pid=p.id: self._on_workflows(pid, wfs),
                )
                sub.set_background(self.background)
        self._emit()

    def _on_workflows(self, pipeline_id: str, workflows: tuple[Workflow, ...]) -> None:
        self._workflows[pipeline_id] = workflows
        self._emit()

    def _emit(self) -> None:
        self.rows = [
            PipelineRow(p, self._workflows.get(p.id) if not p.errors else ())
            for p in self._pipelines[: self.limit]
        ]
        any_active = False
        for row in self.rows:
            if row.workflows is None:
                continue
            setting_up = self._is_setting_up(row)
            sub = self._subs.get(row.pipeline.id)
            if sub is not None:
                sub.set_cadence(self._wish(row, setting_up))
            any_active = (any_active or setting_up
                          or any(is_active(w.status) for w in row.workflows))
        if self._list_sub is not None:
            self._list_sub.set_cadence(Cadence.FAST if any_active else Cadence.SLOW)
        self._on_rows(self.rows)

    @staticmethod
    def _wish(row: PipelineRow, setting_up: bool) -> Cadence | None:
        if setting_up:
            return Cadence.FAST  # its workflows are about to appear: look for them fast
        if not row.workflows:
            # Old enough to have had its workflows set up and it has none (a config that
            # filtered everything out): nothing will come; a rerun needs a workflow.
            return Cadence.DORMANT
        return None  # the workflows' own cadence: fast while running, rarer as they age

    def _is_setting_up(self, row: PipelineRow) -> bool:
        """A young pipeline without workflows yet (just triggered, config being compiled)."""
        created = row.pipeline.created_at
        now = self._now() if self._now else None
        return bool(
            not row.workflows and not row.pipeline.errors and now and created
            and now - created < YOUNG_PIPELINE
        )

    def refresh_pipeline(self, pipeline_id: str) -> None:
        self.monitor.refresh(PipelineWorkflows(pipeline_id))


@dataclass(frozen=True, slots=True)
class PendingApproval:
    pipeline: Pipeline
    workflow: Workflow
    job: Job

    @property
    def waiting_since(self) -> datetime | None:
        return self.job.started_at or self.workflow.created_at


class ApprovalFeed:
    """Every approval job on hold among the pipelines a :class:`PipelineFeed` shows."""

    def __init__(
        self, feed_rows: Callable[[], list[PipelineRow]], monitor: Monitor,
        on_approvals: Callable[[list[PendingApproval]], None],
    ) -> None:
        self._rows = feed_rows
        self.monitor = monitor
        self._on_approvals = on_approvals
        self._subs: dict[str, Subscription] = {}
        self._jobs: dict[str, tuple[Job, ...]] = {}
        self._wanted: dict[str, tuple[Pipeline, Workflow]] = {}
        self._statuses: dict[str, str] = {}
        # Workflows whose jobs hold no approval that can still come to wait: a workflow's
        # jobs are fixed when it starts (a rerun is a new workflow), and an approval only
        # moves on (blocked, on hold, then approved or not run), so they are not polled again.
        self._settled: set[str] = set()
        self.approvals: list[PendingApproval] = []

    def update(self, rows: list[PipelineRow]) -> None:
        """Call with every new set of rows: follows the workflows that can hold approvals."""
        wanted: dict[str, tuple[Pipeline, Workflow]] = {}
        for row in rows:
            for wf in row.workflows or ():
                if may_hold_approval(wf.status):
                    wanted[wf.id] = (row.pipeline, wf)
        for wid in list(self._subs):
            if wid not in wanted or wid in self._settled:
                self._subs.pop(wid).close()
                self._jobs.pop(wid, None)
                self._statuses.pop(wid, None)
        self._settled &= set(wanted)
        for wid, (_, wf) in wanted.items():
            if wid in self._settled:
                continue
            resource = WorkflowJobs(wid)
            if wid not in self._subs:
                self._subs[wid] = self.monitor.subscribe(
                    resource, lambda value, w=wid: self._on_jobs(w, value)
                )
            elif self._statuses.get(wid) != wf.status:
                # Someone approved or canceled it (here or in the browser): look now.
                self.monitor.refresh(resource)
            self._statuses[wid] = wf.status
            # Looking for approvals needs no fast poll: the pipeline's workflow list (polled
            # fast while anything runs) shows the workflow going on_hold or being approved,
            # and the jobs are fetched at once then (above). Once on hold, nothing else in
            # it moves until its status does, so its jobs are not polled at all; a running
            # one is looked at once a minute for an approval coming up on one branch. A
            # screen showing the same workflow still gets it fast: the fastest wins.
            holding = is_waiting_for_approval(wf.status)
            self._subs[wid].set_cadence(Cadence.DONE if holding else Cadence.SLOW)
        self._wanted = wanted
        self._emit()

    def _on_jobs(self, workflow_id: str, jobs: tuple[Job, ...]) -> None:
        self._jobs[workflow_id] = jobs
        if not any(job.is_approval and is_active(job.status) for job in jobs):
            self._settled.add(workflow_id)
            sub = self._subs.pop(workflow_id, None)
            if sub is not None:
                sub.close()
        self._emit()

    def _emit(self) -> None:
        approvals = []
        for wid, jobs in self._jobs.items():
            if wid not in self._wanted:
                continue
            pipeline, workflow = self._wanted[wid]
            for job in jobs:
                if job.is_approval and is_waiting_for_approval(job.status):
                    approvals.append(PendingApproval(pipeline, workflow, job))
        approvals.sort(key=lambda a: a.waiting_since or datetime.max.replace(tzinfo=UTC))
        if approvals != self.approvals:
            self.approvals = approvals
            self._on_approvals(approvals)

    def close(self) -> None:
        for sub in self._subs.values():
            sub.close()
        self._subs.clear()
