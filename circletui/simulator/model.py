"""The simulated world's entities: users, orgs, projects, pipelines, workflows and jobs.

Plain mutable dataclasses. They hold both the state the API reports (status, timestamps) and
the hidden plan the engine follows (planned duration, outcome, when a scripted approval or
cancel happens). Serialising them to API JSON lives in `serialize.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from circletui.simulator.templates import JobSpec, ProjectSpec

# Job statuses that count as a failure of the job itself.
FAILED_JOB_STATUSES = frozenset({"failed", "timedout", "infrastructure_fail"})
# Job statuses in which a job may still change.
LIVE_JOB_STATUSES = frozenset({"blocked", "queued", "running", "on_hold"})
# Workflow statuses after which nothing changes.
TERMINAL_WORKFLOW_STATUSES = frozenset(
    {"success", "failed", "error", "canceled", "not_run", "unauthorized"}
)
# The long vcs names accepted in slugs, and the short ones the API echoes.
VCS_ALIASES = {"gh": "gh", "github": "gh", "bb": "bb", "bitbucket": "bb", "circleci": "circleci"}
VCS_LONG = {"gh": "github", "bb": "bitbucket", "circleci": "circleci"}


@dataclass(eq=False)
class User:
    id: str
    login: str
    name: str
    avatar_url: str | None


@dataclass(eq=False)
class Org:
    id: str | None  # None for an org that exists on the VCS but never used CircleCI
    slug: str  # short form: gh/acme, bb/acme-labs, circleci/<uuid>
    name: str
    vcs_type: str  # "github", "bitbucket" or "circleci" (GitHub App)
    avatar_url: str


@dataclass(eq=False)
class Project:
    id: str
    slug: str  # short form, as the API echoes it
    org: Org
    spec: ProjectSpec
    external_url: str
    repo_id: int  # the numeric repository id used in artifact host names
    next_pipeline_number: int
    next_job_number: int

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def default_branch(self) -> str:
        return self.spec.default_branch

    @property
    def provider_name(self) -> str:
        return "Bitbucket" if self.spec.vcs == "bb" else "GitHub"


@dataclass(eq=False)
class Vcs:
    revision: str
    origin_url: str
    target_url: str
    provider_name: str
    branch: str | None = None
    tag: str | None = None
    subject: str | None = None
    body: str | None = None
    has_commit: bool = True
    review_id: str | None = None
    review_url: str | None = None


@dataclass(eq=False)
class Pipeline:
    id: str
    project: Project
    number: int
    created_at: datetime
    trigger_type: str
    actor: User
    vcs: Vcs | None
    state: str = "pending"
    errors: list[tuple[str, str]] = field(default_factory=list)
    trigger_parameters: dict[str, Any] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    config_source: str = ""
    config_compiled: str = ""
    workflows: list[Workflow] = field(default_factory=list)


@dataclass(eq=False)
class Job:
    id: str
    workflow: Workflow
    spec: JobSpec
    dependencies: list[str]  # job ids
    # The plan, drawn when the workflow is created.
    duration: float = 0.0
    outcome: str = "success"
    failing_index: int = 0
    queue_delay: float = 1.0
    start_gap: float = 1.0
    approve_delay: float | None = None  # scripted approval, seconds after the hold starts
    approve_by: User | None = None
    # The state the API reports.
    status: str = "blocked"
    number: int | None = None
    queued_at: datetime | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    approved_by: User | None = None
    canceled_by: User | None = None
    # Set on jobs copied unchanged into a rerun ("from failed" keeps successful jobs).
    carried: bool = False
    retry_of: int | None = None
    ssh_enabled: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def type(self) -> str:
        return self.spec.type

    @property
    def parallelism(self) -> int:
        return self.spec.parallelism

    @property
    def project(self) -> Project:
        return self.workflow.pipeline.project

    @property
    def created_at(self) -> datetime | None:
        return self.queued_at if self.spec.type == "build" else self.started_at


@dataclass(eq=False)
class Workflow:
    id: str
    pipeline: Pipeline
    name: str
    created_at: datetime
    started_by: User
    jobs: list[Job] = field(default_factory=list)
    status: str = "running"
    stopped_at: datetime | None = None
    canceled_by: User | None = None
    finished: bool = False
    cancel_at: datetime | None = None  # scripted cancel (history)
    cancel_by: User | None = None
    rerun_of: Workflow | None = None
    next_event_at: datetime | None = None
    last_event_at: datetime | None = None
    _job_index: dict[str, Job] = field(default_factory=dict, repr=False)

    @property
    def project(self) -> Project:
        return self.pipeline.project

    @property
    def job_index(self) -> dict[str, Job]:
        """Jobs by id; the job list is fixed once the workflow exists, so this is cached."""
        if len(self._job_index) != len(self.jobs):
            self._job_index = {job.id: job for job in self.jobs}
        return self._job_index

    def job(self, job_id: str) -> Job | None:
        return self.job_index.get(job_id)
