"""The things the monitor can poll: one class per kind of CircleCI resource.

A resource knows three things: its key (two subscriptions to the same key share one poll),
how to fetch it with the client, and what its latest value says about cadence: ``FAST`` while
something in it is running, queued or on hold, ``SLOW`` when everything is finished but could
still change (a pipeline may gain a rerun workflow), ``DONE`` when it cannot change any more
unless someone acts on it (a finished workflow's jobs).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from circletui.api.models import Job, JobDetails, Pipeline, Workflow
from circletui.api.pagination import collect
from circletui.status import is_active

if TYPE_CHECKING:
    from circletui.api.client import CircleCIClient


class Cadence(enum.Enum):
    """How often a resource is worth polling, fastest first.

    ``FAST`` is the ``--interval`` (something runs), ``SLOW`` the slow interval (finished, but
    a rerun could still change it), ``RARE`` and ``DORMANT`` are for finished things that
    have been finished a while (every 5 and 15 minutes, never faster than ``SLOW``), ``DONE``
    never again unless someone acts on it.
    """

    FAST = "fast"
    SLOW = "slow"
    RARE = "rare"
    DORMANT = "dormant"
    DONE = "done"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_most(self, other: Cadence) -> Cadence:
        """This cadence, slowed down to ``other`` if it is faster than that."""
        return self if self.rank >= other.rank else other


_RANK = {cadence: rank for rank, cadence in enumerate(Cadence)}


@dataclass(frozen=True, slots=True)
class PipelineScope:
    """Which pipelines are watched: an org's, some projects', or the user's own."""

    org: str | None = None
    projects: tuple[str, ...] = ()
    branch: str | None = None
    mine: bool = False

    def describe(self) -> str:
        if self.projects:
            what = ", ".join(self.projects)
        else:
            what = self.org or "all"
        extras = [f"branch {self.branch}"] if self.branch else []
        if self.mine:
            extras.append("mine")
        return what + (f" ({', '.join(extras)})" if extras else "")


class Resource:
    """Base class; subclasses are frozen dataclasses so that equal resources share a key."""

    #: what a status line calls it ("pipelines", "workflow build-and-test")
    label: str = "resource"

    async def fetch(self, client: CircleCIClient) -> Any:
        raise NotImplementedError

    def cadence(self, value: Any) -> Cadence:
        return Cadence.SLOW

    def cadence_at(self, value: Any, now: datetime) -> Cadence:
        """The cadence at wall-clock time ``now``: for what matters less the older it gets."""
        return self.cadence(value)


#: finished less than this long ago: checked for reruns at the slow interval...
RECENTLY_FINISHED = timedelta(minutes=5)
#: ...then every 5 minutes (RARE) until this old, every 15 (DORMANT) after. A rerun is
#: likeliest in the minutes after a failure, while the author reads the log; a pipeline
#: that finished half an hour ago and stayed finished is unlikely to move.
FINISHED_A_WHILE = timedelta(minutes=30)

#: how many pipelines a list poll asks for: the first page (20 at CircleCI) is a screenful.
PIPELINE_PAGE_LIMIT = 1


@dataclass(frozen=True, slots=True)
class PipelineList(Resource):
    scope: PipelineScope
    label = "pipelines"

    async def fetch(self, client: CircleCIClient) -> tuple[Pipeline, ...]:
        scope = self.scope
        pipelines: list[Pipeline] = []
        if scope.projects:
            for slug in scope.projects:
                if scope.mine:
                    fetched = await collect(
                        lambda tok, s=slug: client.list_my_pipelines(s, page_token=tok),
                        max_pages=PIPELINE_PAGE_LIMIT,
                    )
                    if scope.branch:
                        fetched = [p for p in fetched if p.branch == scope.branch]
                else:
                    fetched = await collect(
                        lambda tok, s=slug: client.list_project_pipelines(
                            s, branch=scope.branch, page_token=tok
                        ),
                        max_pages=PIPELINE_PAGE_LIMIT,
                    )
                pipelines.extend(fetched)
        else:
            pipelines = await collect(
                lambda tok: client.list_pipelines(scope.org, mine=scope.mine, page_token=tok),
                max_pages=PIPELINE_PAGE_LIMIT,
            )
            if scope.branch:
                pipelines = [p for p in pipelines if p.branch == scope.branch]
        # Newest first across projects; ids dedupe a pipeline seen through two scopes.
        unique = {p.id: p for p in pipelines if p.id}
        return tuple(
            sorted(unique.values(), key=lambda p: (p.created_at is not None, p.created_at),
                   reverse=True)
        )

    def cadence(self, value: Any) -> Cadence:
        # The list itself carries no status; the feed raises it to FAST while any shown
        # pipeline is active (see PipelineFeed).
        return Cadence.SLOW


#: pipeline states while its config is being compiled (its workflows are not there yet)
SETTING_UP = frozenset({"setup-pending", "setup", "pending"})


@dataclass(frozen=True, slots=True)
class PipelineInfo(Resource):
    """One pipeline (``GET /pipeline/{id}``): its state says whether its config compiled
    (``created``) or not (``errored``, with the errors), which its workflow list cannot say."""

    pipeline_id: str
    label = "pipeline"

    async def fetch(self, client: CircleCIClient) -> Pipeline:
        return await client.get_pipeline(self.pipeline_id)

    def cadence(self, value: Pipeline) -> Cadence:
        # Once set up, a pipeline's state never changes again.
        return Cadence.FAST if value.state in SETTING_UP else Cadence.DONE


@dataclass(frozen=True, slots=True)
class PipelineWorkflows(Resource):
    pipeline_id: str
    label = "workflows"

    async def fetch(self, client: CircleCIClient) -> tuple[Workflow, ...]:
        items = await collect(
            lambda tok: client.list_pipeline_workflows(self.pipeline_id, page_token=tok),
            max_pages=3,
        )
        return tuple(w for w in items if w.id)

    def cadence(self, value: Sequence[Workflow]) -> Cadence:
        if any(is_active(w.status) for w in value):
            return Cadence.FAST
        # Finished: only a rerun or a new workflow can change it, so check it rarely.
        return Cadence.SLOW

    def cadence_at(self, value: Sequence[Workflow], now: datetime) -> Cadence:
        cadence = self.cadence(value)
        finished = max((w.stopped_at for w in value if w.stopped_at), default=None)
        if cadence is not Cadence.SLOW or finished is None:
            return cadence
        # A rerun is likeliest right after a failure, from the browser as from here (an action
        # sent from circletui refreshes it at once anyway): the longer ago it finished, the
        # less often it is checked.
        age = now - finished
        if age < RECENTLY_FINISHED:
            return Cadence.SLOW
        return Cadence.RARE if age < FINISHED_A_WHILE else Cadence.DORMANT


@dataclass(frozen=True, slots=True)
class WorkflowJobs(Resource):
    """A workflow's jobs: the nodes of its graph.

    The workflow itself (status, times) is not fetched here: it is in its pipeline's workflow
    list, which the pipelines feed polls anyway and the screens subscribe to as well; that
    saves a ``GET /workflow/{id}`` on every poll of an open graph.
    """

    workflow_id: str
    label = "jobs"

    async def fetch(self, client: CircleCIClient) -> tuple[Job, ...]:
        jobs = await collect(
            lambda tok: client.list_workflow_jobs(self.workflow_id, page_token=tok),
            max_pages=20,
        )
        return tuple(j for j in jobs if j.id)

    def cadence(self, value: tuple[Job, ...]) -> Cadence:
        if any(is_moving(job.status) for job in value) or _about_to_start(value):
            return Cadence.FAST
        # Nothing runs, waits in a queue or waits for approval: the workflow has finished
        # (jobs downstream of a failure may stay "blocked" for ever), or it has no jobs yet.
        return Cadence.DONE if value else Cadence.SLOW


def _about_to_start(jobs: tuple[Job, ...]) -> bool:
    """A blocked job whose dependencies all succeeded is about to be queued: a workflow just
    created (by a rerun, say) lists its jobs blocked before the first one is queued, while
    a job blocked behind a failure has a dependency that did not succeed and never moves."""
    status = {job.id: job.status for job in jobs}
    return any(
        job.status == "blocked"
        and all(status.get(dep) == "success" for dep in job.dependencies)
        for job in jobs
    )


def is_moving(status: str) -> bool:
    """A job that will change without anyone acting on the workflow... or an approval."""
    return is_active(status) and status != "blocked"


@dataclass(frozen=True, slots=True)
class JobInfo(Resource):
    """A job's v2 details (``GET /project/{slug}/job/{number}``): status, times, executor,
    parallelism; the Details tab and the job screen's summary line."""

    project_slug: str
    job_number: int
    label = "job"

    async def fetch(self, client: CircleCIClient) -> JobDetails:
        return await client.get_job_details(self.project_slug, self.job_number)

    def cadence(self, value: JobDetails) -> Cadence:
        return Cadence.FAST if is_active(value.status) else Cadence.DONE
