"""Watches: tell the user once when a watched pipeline, workflow or job finishes, fails, is
canceled or stops at an approval.

:class:`Watches` keeps a set of watched items and subscribes, through the monitor, to what
says how they are doing (a pipeline's or workflow's: the pipeline's workflow list, plus the
pipeline itself until its config compiled; a job's: its workflow's jobs). These resources are
the ones the screens and the pipeline feed already poll, so watching costs no extra request
for what is on screen. On every change it decides the outcome of each watched item
(:func:`pipeline_outcome`, :func:`workflow_outcome`, :func:`job_outcome`) and calls
``on_event`` with a :class:`WatchEvent` when that outcome is new:

* each outcome is announced once: a re-poll, or the same status seen again, says nothing;
* a pipeline rerun (new workflows) or a workflow that stops at a second approval is news;
* what is already decided when a watch starts is not announced (``w`` on a failed pipeline
  says nothing until it is rerun and fails or passes again), except for what circletui
  itself triggered or reran, where the first look can already be the end.

Auto-watches end once their item has finished (an approval is not the end); the ones the
user asked for stay until :meth:`Watches.unwatch`.

For the app (no Textual here)::

    watches = Watches(monitor, on_event=announce, on_change=refresh_marks)
    watches.watch_pipeline(pipeline)                 # `w` on a pipeline row
    watches.watch_workflow(workflow)                 # `w` on a workflow
    watches.watch_job(job, workflow)                 # `w` on a job
    watches.toggle(...)                              # the same, or unwatch if watched
    watches.watch_triggered(creation, project_slug)  # after POST /project/{slug}/pipeline
    watches.watch_rerun(pipeline_id, workflow_id)    # after POST /workflow/{id}/rerun
    watches.watch_mine(login, branch)                # login from GET /me, the current branch
    watches.update_rows(rows)                        # every PipelineFeed rows update
    watches.is_watched(some_id)                      # for the marks in the lists
    watches.close()

``announce(event)`` gets ``event.title`` / ``event.body`` for ``notify.terminal_sequences``
and a toast, and ``event.outcome`` for the severity.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from circletui.api.models import Job, Pipeline, PipelineCreation, Workflow
from circletui.monitor.feeds import PipelineRow, latest_attempts
from circletui.monitor.poller import Monitor, Subscription
from circletui.monitor.resources import (
    SETTING_UP,
    PipelineInfo,
    PipelineWorkflows,
    Resource,
    WorkflowJobs,
)
from circletui.status import category, is_active

Outcome = Literal["success", "failed", "canceled", "error", "on_hold"]
Kind = Literal["pipeline", "workflow", "job"]
Reason = Literal["manual", "triggered", "rerun", "mine"]

#: what each outcome means for `circletui watch`'s exit status
EXIT_STATUS: dict[str, int] = {"success": 0, "failed": 1, "canceled": 2, "error": 2,
                               "on_hold": 3}

#: how many announcements ``Watches.events`` keeps
EVENTS_KEPT = 100

_WORKFLOW_OUTCOMES: dict[str, Outcome] = {
    "success": "success",
    "failed": "failed",
    "unauthorized": "failed",
    "error": "error",
    "canceled": "canceled",
    "not_run": "canceled",
    "on_hold": "on_hold",
}


def workflow_outcome(status: str | None) -> Outcome | None:
    """What a workflow status means once it has settled; None while it still moves
    (``failing`` included: it is red, but other jobs still run)."""
    return _WORKFLOW_OUTCOMES.get(status or "")


def job_outcome(status: str | None) -> Outcome | None:
    """A job's outcome; None while it runs, waits in a queue or behind other jobs, and for
    a ``retried`` job (its rerun is another job)."""
    if status == "on_hold":
        return "on_hold"
    if status in ("canceled", "not_run"):
        return "canceled"
    if status == "success":
        return "success"
    if status != "retried" and category(status) == "failed" and not is_active(status):
        return "failed"
    return None


_WORST_FIRST: tuple[Outcome, ...] = ("failed", "error", "on_hold", "canceled", "success")


def pipeline_outcome(pipeline: Pipeline | None, workflows: Sequence[Workflow] | None
                     ) -> Outcome | None:
    """The pipeline's outcome from its latest workflows: None while any of them still moves
    or while it has none yet; ``on_hold`` once nothing moves but an approval waits."""
    if pipeline is not None and (pipeline.state == "errored" or pipeline.errors):
        return "error"
    if not workflows:
        return None
    outcomes = [workflow_outcome(w.status) for w in latest_attempts(workflows)]
    if any(o is None for o in outcomes):
        return None
    return next(o for o in _WORST_FIRST if o in outcomes)


_VERBS: dict[str, str] = {
    "success": "succeeded",
    "failed": "failed",
    "canceled": "was canceled",
    "error": "could not run",
    "on_hold": "is waiting for approval",
}


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One announcement: ``kind`` ``id`` reached ``outcome`` (raw ``status``)."""

    kind: Kind
    id: str
    outcome: Outcome
    status: str
    label: str  # "gh/acme/api #123 on main", "workflow build-and-test of gh/acme/api #123"
    reason: Reason
    pipeline_id: str
    workflow_id: str | None = None

    @property
    def title(self) -> str:
        """``Pipeline failed``, ``Job is waiting for approval``."""
        return f"{self.kind.capitalize()} {_VERBS[self.outcome]}"

    @property
    def body(self) -> str:
        return self.label

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.outcome]


@dataclass(eq=False)
class _Watched:
    kind: Kind
    id: str
    pipeline_id: str
    workflow_id: str | None
    label: str
    reason: Reason
    #: announce an outcome already decided at the first look (triggered, rerun, mine)
    announce_current: bool
    seen: bool = False
    last: Outcome | None = None  # the outcome at the latest look
    generation: object = None  # what makes a pipeline's outcome new: its latest workflows
    holds: int = 0  # times it came to wait for an approval
    announced: set[tuple[object, ...]] = field(default_factory=set)


def pipeline_label(pipeline: Pipeline) -> str:
    ref = f" on {pipeline.branch}" if pipeline.branch else (
        f" tag {pipeline.tag}" if pipeline.tag else "")
    return f"{pipeline.project_slug} #{pipeline.number}{ref}"


def _workflow_label(workflow: Workflow) -> str:
    return f"workflow {workflow.name} of {workflow.project_slug} #{workflow.pipeline_number}"


class Watches:
    """Watched pipelines, workflows and jobs; see the module docstring for how to use it."""

    def __init__(
        self,
        monitor: Monitor,
        on_event: Callable[[WatchEvent], None],
        *,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.monitor = monitor
        self._on_event = on_event
        self._on_change = on_change
        self._items: dict[str, _Watched] = {}
        self._subs: dict[Resource, Subscription] = {}
        self._pipelines: dict[str, Pipeline] = {}
        self._workflows: dict[str, tuple[Workflow, ...]] = {}
        self._jobs: dict[str, tuple[Job, ...]] = {}
        self._mine: tuple[str, str | None] | None = None
        self._syncing = False
        self._resync = False
        self._considered: set[str] = set()  # pipeline ids auto-watch-mine has looked at
        #: the latest announcements, newest last (for a "what happened" view)
        self.events: deque[WatchEvent] = deque(maxlen=EVENTS_KEPT)

    # -- what is watched -------------------------------------------------------------------

    @property
    def watched_ids(self) -> frozenset[str]:
        return frozenset(self._items)

    def is_watched(self, item_id: str) -> bool:
        return item_id in self._items

    def reason(self, item_id: str) -> Reason | None:
        item = self._items.get(item_id)
        return item.reason if item else None

    def watch_pipeline(self, pipeline: Pipeline, *, reason: Reason = "manual") -> None:
        self._pipelines.setdefault(pipeline.id, pipeline)
        self._add(_Watched("pipeline", pipeline.id, pipeline.id, None, pipeline_label(pipeline),
                           reason, announce_current=reason != "manual"))

    def watch_workflow(self, workflow: Workflow, *, reason: Reason = "manual") -> None:
        self._add(_Watched("workflow", workflow.id, workflow.pipeline_id, workflow.id,
                           _workflow_label(workflow), reason,
                           announce_current=reason != "manual"))

    def watch_job(self, job: Job, workflow: Workflow, *, reason: Reason = "manual") -> None:
        label = f"job {job.name} of {_workflow_label(workflow).removeprefix('workflow ')}"
        self._add(_Watched("job", job.id, workflow.pipeline_id, workflow.id, label, reason,
                           announce_current=reason != "manual"))

    def toggle(self, item: Pipeline | Workflow | tuple[Job, Workflow]) -> bool:
        """Watch ``item``, or stop watching it if it is watched; True when now watched."""
        item_id = item[0].id if isinstance(item, tuple) else item.id
        if self.is_watched(item_id):
            self.unwatch(item_id)
            return False
        if isinstance(item, tuple):
            self.watch_job(*item)
        elif isinstance(item, Workflow):
            self.watch_workflow(item)
        else:
            self.watch_pipeline(item)
        return True

    def watch_triggered(self, created: PipelineCreation, project_slug: str) -> None:
        """A pipeline circletui triggered: announced when it ends, even at the first look."""
        self._add(_Watched("pipeline", created.id, created.id, None,
                           f"{project_slug} #{created.number}", "triggered",
                           announce_current=True))

    def watch_rerun(self, pipeline_id: str, workflow_id: str, name: str = "") -> None:
        """The workflow a rerun created (``RerunResult.workflow_id``)."""
        self._add(_Watched("workflow", workflow_id, pipeline_id, workflow_id,
                           f"workflow {name or 'rerun'}", "rerun", announce_current=True))

    def watch_mine(self, login: str, branch: str | None) -> None:
        """From now on, auto-watch the user's own pipelines (actor ``login``) on ``branch``
        (None: any branch) that are still running when :meth:`update_rows` shows them."""
        self._mine = (login, branch)
        self._considered.clear()

    def unwatch(self, item_id: str) -> None:
        if self._items.pop(item_id, None) is not None:
            self._sync_subscriptions()
            self._changed()

    def close(self) -> None:
        self._items.clear()
        self._sync_subscriptions()

    # -- what the app feeds in --------------------------------------------------------------

    def update_rows(self, rows: Iterable[PipelineRow]) -> None:
        """The pipeline feed's rows: pipelines and workflows as already polled, and the
        user's own pipelines to auto-watch."""
        shown: set[str] = set()
        for row in rows:
            pipeline = row.pipeline
            shown.add(pipeline.id)
            if pipeline.id in self._items:
                self._pipelines[pipeline.id] = pipeline
            if self._mine is None or pipeline.id in self._considered or row.workflows is None:
                continue
            self._considered.add(pipeline.id)
            login, branch = self._mine
            if (pipeline.trigger.actor.login == login
                    and (branch is None or pipeline.branch == branch)
                    and pipeline_outcome(pipeline, row.workflows) is None
                    and not self.is_watched(pipeline.id)):
                self.watch_pipeline(pipeline, reason="mine")
        self._considered &= shown  # what scrolled out of the list is not kept for ever
        self._evaluate()

    # -- subscriptions ------------------------------------------------------------------------

    def _add(self, item: _Watched) -> None:
        if item.id in self._items:
            if item.reason == "manual":  # asked for by the user: it stays once finished
                self._items[item.id].reason = "manual"
            return
        self._items[item.id] = item
        self._sync_subscriptions()
        self._evaluate()
        self._changed()

    def _wanted(self) -> set[Resource]:
        wanted: set[Resource] = set()
        for item in self._items.values():
            if item.kind == "job" and item.workflow_id:
                wanted.add(WorkflowJobs(item.workflow_id))
            else:
                wanted.add(PipelineWorkflows(item.pipeline_id))
                pipeline = self._pipelines.get(item.pipeline_id)
                if item.kind == "pipeline" and (pipeline is None or pipeline.state in SETTING_UP):
                    # Only the pipeline itself says that its config did not compile.
                    wanted.add(PipelineInfo(item.pipeline_id))
        return wanted

    def _sync_subscriptions(self) -> None:
        """Subscribe to what the watched items need, close the rest, forget unused data."""
        if self._syncing:  # a value delivered while subscribing: the loop below looks again
            self._resync = True
            return
        self._syncing = True
        try:
            self._resync = True
            while self._resync:
                self._resync = False
                wanted = self._wanted()
                for resource in [r for r in self._subs if r not in wanted]:
                    self._subs.pop(resource).close()
                for resource in wanted - set(self._subs):
                    self._subs[resource] = self.monitor.subscribe(
                        resource, lambda value, r=resource: self._on_value(r, value))
        finally:
            self._syncing = False
        pipelines = {i.pipeline_id for i in self._items.values()}
        workflows = {i.workflow_id for i in self._items.values() if i.kind == "job"}
        for cache, keep in ((self._pipelines, pipelines), (self._workflows, pipelines),
                            (self._jobs, workflows)):
            for key in [k for k in cache if k not in keep]:
                del cache[key]

    def _on_value(self, resource: Resource, value: object) -> None:
        if isinstance(resource, PipelineInfo) and isinstance(value, Pipeline):
            self._pipelines[value.id] = value
            self._sync_subscriptions()  # set up: no need to look at it again
        elif isinstance(resource, PipelineWorkflows):
            self._workflows[resource.pipeline_id] = tuple(value or ())  # type: ignore[arg-type]
        elif isinstance(resource, WorkflowJobs):
            self._jobs[resource.workflow_id] = tuple(value or ())  # type: ignore[arg-type]
        self._evaluate()

    # -- deciding --------------------------------------------------------------------------------

    def _look(self, item: _Watched) -> tuple[bool, Outcome | None, str, object]:
        """(seen, outcome, raw status, generation) of ``item`` from what was polled."""
        if item.kind == "pipeline":
            pipeline = self._pipelines.get(item.pipeline_id)
            workflows = self._workflows.get(item.pipeline_id)
            if workflows is None and not (pipeline and pipeline.state == "errored"):
                return False, None, "", None
            outcome = pipeline_outcome(pipeline, workflows)
            latest = frozenset(w.id for w in latest_attempts(workflows or ()))
            status = "errored" if outcome == "error" and not workflows else (outcome or "")
            return True, outcome, status, latest
        if item.kind == "workflow":
            workflow = next((w for w in self._workflows.get(item.pipeline_id, ())
                             if w.id == item.id), None)
            if workflow is None:
                return False, None, "", None
            if item.reason == "rerun":
                item.label = _workflow_label(workflow)  # named once listed
            return True, workflow_outcome(workflow.status), workflow.status, item.id
        job = next((j for j in self._jobs.get(item.workflow_id or "", ()) if j.id == item.id),
                   None)
        if job is None:
            return False, None, "", None
        return True, job_outcome(job.status), job.status, item.id

    def _evaluate(self) -> None:
        finished: list[str] = []
        for item in list(self._items.values()):
            seen, outcome, status, generation = self._look(item)
            if not seen:
                continue
            if item.kind == "pipeline" and item.generation != generation:
                item.generation = generation
                item.last = None  # its latest workflows changed: a rerun, news again
            first_look = not item.seen
            item.seen = True
            if outcome == item.last:
                continue
            item.last = outcome
            if outcome is None:
                continue
            if outcome == "on_hold":
                item.holds += 1
                key: tuple[object, ...] = (generation, outcome, item.holds)
            else:
                key = (generation, "end")
            if key in item.announced:
                continue
            item.announced.add(key)
            if first_look and not item.announce_current:
                continue  # decided before the watch began
            event = WatchEvent(item.kind, item.id, outcome, status, item.label, item.reason,
                               item.pipeline_id, item.workflow_id)
            self.events.append(event)
            if item.reason != "manual" and outcome != "on_hold":
                finished.append(item.id)
            self._on_event(event)
        if finished:
            for item_id in finished:
                self._items.pop(item_id, None)
            self._sync_subscriptions()
            self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()


