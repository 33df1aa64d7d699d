"""Typed models for the parts of CircleCI API v2 (and v1.1) that circletui reads.

Why plain dataclasses and hand-written ``from_api`` constructors rather than pydantic or
msgspec: the real service departs from its own spec in ways a strict decoder rejects
(required keys that are absent or ``null``, enum values the spec does not list, numbers sent
as strings, timestamps with and without milliseconds: see the captures quoted in
``tests/api/test_models.py`` and the list in ``circletui/simulator/divergences.py``).
Each constructor reads the keys it needs with a default, ignores every other key and keeps
status and type values as the raw string, so a new value never crashes the app. The shapes
are small, so this costs a few lines and no dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 timestamp from CircleCI (``Z`` or offset, with or without fractions)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    if value is None:
        return default
    return value if isinstance(value, str) else str(value)


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _int(data: Mapping[str, Any], key: str, default: int | None = None) -> int | None:
    value = data.get(key)
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return default
    return default


def _float(data: Mapping[str, Any], key: str, default: float | None = None) -> float | None:
    value = data.get(key)
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return default
    return default


def _map(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


# -- users and orgs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class User:
    id: str
    login: str
    name: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> User:
        return cls(id=_str(data, "id"), login=_str(data, "login"), name=_str(data, "name"))


@dataclass(frozen=True, slots=True)
class Collaboration:
    """An org the user can see. ``id`` is null for a VCS org that never used CircleCI."""

    id: str | None
    vcs_type: str
    name: str
    slug: str
    avatar_url: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Collaboration:
        return cls(
            id=_opt_str(data, "id"),
            # Only this route spells it with a hyphen; accept both.
            vcs_type=_str(data, "vcs-type") or _str(data, "vcs_type"),
            name=_str(data, "name"),
            slug=_str(data, "slug"),
            avatar_url=_opt_str(data, "avatar_url"),
        )


# -- pipelines --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Actor:
    login: str
    avatar_url: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Actor:
        return cls(login=_str(data, "login"), avatar_url=_opt_str(data, "avatar_url"))


@dataclass(frozen=True, slots=True)
class Trigger:
    type: str
    received_at: datetime | None
    actor: Actor

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Trigger:
        return cls(
            type=_str(data, "type"),
            received_at=parse_time(data.get("received_at")),
            actor=Actor.from_api(_map(data, "actor")),
        )


@dataclass(frozen=True, slots=True)
class Commit:
    subject: str | None
    body: str | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Commit:
        return cls(subject=_opt_str(data, "subject"), body=_opt_str(data, "body"))


@dataclass(frozen=True, slots=True)
class Vcs:
    provider_name: str | None = None
    revision: str = ""
    branch: str | None = None
    tag: str | None = None
    commit: Commit | None = None
    review_id: str | None = None
    review_url: str | None = None
    origin_repository_url: str | None = None
    target_repository_url: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Vcs:
        commit = data.get("commit")
        return cls(
            provider_name=_opt_str(data, "provider_name"),
            revision=_str(data, "revision"),
            branch=_opt_str(data, "branch"),
            tag=_opt_str(data, "tag"),
            commit=Commit.from_api(commit) if isinstance(commit, Mapping) else None,
            review_id=_opt_str(data, "review_id"),
            review_url=_opt_str(data, "review_url"),
            origin_repository_url=_opt_str(data, "origin_repository_url"),
            target_repository_url=_opt_str(data, "target_repository_url"),
        )


@dataclass(frozen=True, slots=True)
class PipelineError:
    type: str
    message: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PipelineError:
        return cls(type=_str(data, "type"), message=_str(data, "message"))


@dataclass(frozen=True, slots=True)
class Pipeline:
    id: str
    number: int
    project_slug: str
    state: str
    created_at: datetime | None
    trigger: Trigger
    vcs: Vcs | None = None
    updated_at: datetime | None = None
    errors: tuple[PipelineError, ...] = ()
    trigger_parameters: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Pipeline:
        vcs = data.get("vcs")
        return cls(
            id=_str(data, "id"),
            number=_int(data, "number", 0) or 0,
            project_slug=_str(data, "project_slug"),
            state=_str(data, "state"),
            created_at=parse_time(data.get("created_at")),
            updated_at=parse_time(data.get("updated_at")),
            trigger=Trigger.from_api(_map(data, "trigger")),
            vcs=Vcs.from_api(vcs) if isinstance(vcs, Mapping) else None,
            errors=tuple(
                PipelineError.from_api(e) for e in _list(data, "errors") if isinstance(e, Mapping)
            ),
            trigger_parameters=dict(_map(data, "trigger_parameters")),
        )

    @property
    def branch(self) -> str | None:
        return self.vcs.branch if self.vcs else None

    @property
    def tag(self) -> str | None:
        return self.vcs.tag if self.vcs else None

    @property
    def subject(self) -> str:
        """The commit subject's first line, or '' when the pipeline has none."""
        if self.vcs and self.vcs.commit and self.vcs.commit.subject:
            return self.vcs.commit.subject.splitlines()[0] if self.vcs.commit.subject else ""
        return ""


@dataclass(frozen=True, slots=True)
class PipelineCreation:
    id: str
    number: int
    state: str
    created_at: datetime | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PipelineCreation:
        return cls(
            id=_str(data, "id"),
            number=_int(data, "number", 0) or 0,
            state=_str(data, "state"),
            created_at=parse_time(data.get("created_at")),
        )


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    source: str
    compiled: str
    setup_config: str | None = None
    compiled_setup_config: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PipelineConfig:
        return cls(
            source=_str(data, "source"),
            compiled=_str(data, "compiled"),
            setup_config=_opt_str(data, "setup-config"),
            compiled_setup_config=_opt_str(data, "compiled-setup-config"),
        )


# -- workflows and jobs -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Workflow:
    id: str
    name: str
    pipeline_id: str
    pipeline_number: int
    project_slug: str
    status: str
    created_at: datetime | None
    stopped_at: datetime | None = None
    started_by: str | None = None
    canceled_by: str | None = None
    errored_by: str | None = None
    tag: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Workflow:
        return cls(
            id=_str(data, "id"),
            name=_str(data, "name"),
            pipeline_id=_str(data, "pipeline_id"),
            pipeline_number=_int(data, "pipeline_number", 0) or 0,
            project_slug=_str(data, "project_slug"),
            status=_str(data, "status"),
            created_at=parse_time(data.get("created_at")),
            stopped_at=parse_time(data.get("stopped_at")),
            started_by=_opt_str(data, "started_by"),
            canceled_by=_opt_str(data, "canceled_by"),
            errored_by=_opt_str(data, "errored_by"),
            tag=_opt_str(data, "tag"),
        )


@dataclass(frozen=True, slots=True)
class Job:
    """A job as listed by ``GET /workflow/{id}/job``: a node of the workflow's DAG."""

    id: str
    name: str
    type: str
    status: str
    project_slug: str = ""
    dependencies: tuple[str, ...] = ()
    job_number: int | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    approval_request_id: str | None = None
    approved_by: str | None = None
    canceled_by: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Job:
        return cls(
            id=_str(data, "id"),
            name=_str(data, "name"),
            type=_str(data, "type", "build"),
            status=_str(data, "status"),
            project_slug=_str(data, "project_slug"),
            dependencies=tuple(str(d) for d in _list(data, "dependencies") if d),
            job_number=_int(data, "job_number"),
            started_at=parse_time(data.get("started_at")),
            stopped_at=parse_time(data.get("stopped_at")),
            approval_request_id=_opt_str(data, "approval_request_id"),
            approved_by=_opt_str(data, "approved_by"),
            canceled_by=_opt_str(data, "canceled_by"),
        )

    @property
    def is_approval(self) -> bool:
        return self.type == "approval"


@dataclass(frozen=True, slots=True)
class ParallelRun:
    index: int
    status: str


@dataclass(frozen=True, slots=True)
class JobMessage:
    type: str
    message: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class JobDetails:
    """``GET /project/{slug}/job/{number}``. CircleCI answers 404 for approval jobs."""

    number: int
    name: str
    status: str
    web_url: str = ""
    project_slug: str = ""
    project_name: str = ""
    project_external_url: str = ""
    parallelism: int = 1
    parallel_runs: tuple[ParallelRun, ...] = ()
    executor_type: str | None = None
    resource_class: str | None = None
    created_at: datetime | None = None
    queued_at: datetime | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    duration_ms: int | None = None
    latest_workflow_id: str | None = None
    latest_workflow_name: str | None = None
    pipeline_id: str | None = None
    organization_name: str = ""
    contexts: tuple[str, ...] = ()
    messages: tuple[JobMessage, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> JobDetails:
        project = _map(data, "project")
        executor = _map(data, "executor")
        workflow = _map(data, "latest_workflow")
        return cls(
            number=_int(data, "number", 0) or 0,
            name=_str(data, "name"),
            status=_str(data, "status"),
            web_url=_str(data, "web_url"),
            project_slug=_str(project, "slug"),
            project_name=_str(project, "name"),
            project_external_url=_str(project, "external_url"),
            parallelism=_int(data, "parallelism", 1) or 1,
            parallel_runs=tuple(
                ParallelRun(index=_int(r, "index", 0) or 0, status=_str(r, "status"))
                for r in _list(data, "parallel_runs")
                if isinstance(r, Mapping)
            ),
            executor_type=_opt_str(executor, "type"),
            resource_class=_opt_str(executor, "resource_class"),
            created_at=parse_time(data.get("created_at")),
            queued_at=parse_time(data.get("queued_at")),
            started_at=parse_time(data.get("started_at")),
            stopped_at=parse_time(data.get("stopped_at")),
            duration_ms=_int(data, "duration"),
            latest_workflow_id=_opt_str(workflow, "id"),
            latest_workflow_name=_opt_str(workflow, "name"),
            pipeline_id=_opt_str(_map(data, "pipeline"), "id"),
            organization_name=_str(_map(data, "organization"), "name"),
            contexts=tuple(
                _str(c, "name") for c in _list(data, "contexts") if isinstance(c, Mapping)
            ),
            messages=tuple(
                JobMessage(
                    type=_str(m, "type"), message=_str(m, "message"), reason=_opt_str(m, "reason")
                )
                for m in _list(data, "messages")
                if isinstance(m, Mapping)
            ),
        )


@dataclass(frozen=True, slots=True)
class Artifact:
    path: str
    node_index: int
    url: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Artifact:
        return cls(
            path=_str(data, "path"),
            node_index=_int(data, "node_index", 0) or 0,
            url=_str(data, "url"),
        )


@dataclass(frozen=True, slots=True)
class TestResult:
    __test__ = False  # not a pytest class

    name: str
    classname: str
    result: str
    file: str | None = None
    message: str | None = None
    run_time: float | None = None  # seconds
    source: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TestResult:
        return cls(
            name=_str(data, "name"),
            classname=_str(data, "classname"),
            result=_str(data, "result"),
            file=_opt_str(data, "file") or None,
            message=_opt_str(data, "message"),
            run_time=_float(data, "run_time"),
            source=_opt_str(data, "source"),
        )

    @property
    def failed(self) -> bool:
        return self.result not in ("success", "skipped", "")


# -- insights ---------------------------------------------------------------------------------


def _either(data: Mapping[str, Any], key: str) -> Any:
    """The value under a snake_case key, or under its kebab-case spelling.

    Live CircleCI answers the flaky-tests route in snake_case while the spec documents
    kebab-case (CircleCI-Public/mcp-server-circleci PR #23); other clients (and older
    servers) use the documented keys, so both are read.
    """
    value = data.get(key)
    if value is None:
        value = data.get(key.replace("_", "-"))
    return value


@dataclass(frozen=True, slots=True)
class FlakyTest:
    test_name: str
    classname: str | None
    job_name: str
    workflow_name: str
    times_flaked: int
    file: str | None = None
    job_number: int | None = None
    pipeline_number: int | None = None
    time_wasted: int | None = None  # seconds, optional in the spec

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> FlakyTest:
        keys = (
            "test_name",
            "classname",
            "job_name",
            "workflow_name",
            "times_flaked",
            "file",
            "job_number",
            "pipeline_number",
            "time_wasted",
        )
        fields = {key: _either(data, key) for key in keys}
        return cls(
            test_name=_str(fields, "test_name"),
            classname=_opt_str(fields, "classname"),
            job_name=_str(fields, "job_name"),
            workflow_name=_str(fields, "workflow_name"),
            times_flaked=_int(fields, "times_flaked", 0) or 0,
            file=_opt_str(fields, "file"),
            job_number=_int(fields, "job_number"),
            pipeline_number=_int(fields, "pipeline_number"),
            time_wasted=_int(fields, "time_wasted"),
        )


@dataclass(frozen=True, slots=True)
class Metrics:
    """A workflow's Insights metrics over a window (durations in seconds)."""

    total_runs: int = 0
    successful_runs: int = 0
    failed_runs: int = 0
    success_rate: float = 0.0
    mttr: int | None = None  # mean time to recovery, seconds
    total_credits_used: int | None = None
    throughput: float = 0.0  # runs per day
    median_duration_secs: int | None = None
    p95_duration_secs: int | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None

    @classmethod
    def from_api(cls, metrics: Mapping[str, Any],
                 window: Mapping[str, Any] | None = None) -> Metrics:
        durations = _map(metrics, "duration_metrics")
        # The workflow list puts the window beside the metrics, the summary inside them.
        window = metrics if window is None else window
        return cls(
            total_runs=_int(metrics, "total_runs", 0) or 0,
            successful_runs=_int(metrics, "successful_runs", 0) or 0,
            failed_runs=_int(metrics, "failed_runs", 0) or 0,
            success_rate=_float(metrics, "success_rate", 0.0) or 0.0,
            mttr=_int(metrics, "mttr"),
            total_credits_used=_int(metrics, "total_credits_used"),
            throughput=_float(metrics, "throughput", 0.0) or 0.0,
            median_duration_secs=_int(durations, "median"),
            p95_duration_secs=_int(durations, "p95"),
            window_start=parse_time(window.get("window_start")),
            window_end=parse_time(window.get("window_end")),
        )


@dataclass(frozen=True, slots=True)
class WorkflowMetrics:
    """One item of ``GET /insights/{slug}/workflows``: a workflow's metrics over a window."""

    name: str
    metrics: Metrics

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> WorkflowMetrics:
        return cls(name=_str(data, "name"), metrics=Metrics.from_api(_map(data, "metrics"), data))


@dataclass(frozen=True, slots=True)
class WorkflowRun:
    """One item of ``GET /insights/{slug}/workflows/{name}``: a finished run."""

    id: str
    status: str | None
    duration: int | None  # seconds
    created_at: datetime | None
    stopped_at: datetime | None = None
    branch: str = ""
    credits_used: int = 0
    is_approval: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> WorkflowRun:
        return cls(
            id=_str(data, "id"),
            status=_opt_str(data, "status"),
            duration=_int(data, "duration"),
            created_at=parse_time(data.get("created_at")),
            stopped_at=parse_time(data.get("stopped_at")),
            # Both required by the spec, but absent from older real answers.
            branch=_str(data, "branch"),
            credits_used=_int(data, "credits_used", 0) or 0,
            is_approval=data.get("is_approval") is True,
        )


@dataclass(frozen=True, slots=True)
class WorkflowSummary:
    """``GET /insights/{slug}/workflows/{name}/summary``: the headline metrics and trends.

    A trend is this window's figure divided by the previous window's (1.0: unchanged).
    """

    total_runs: int
    successful_runs: int
    failed_runs: int
    success_rate: float
    median_duration_secs: float | None
    p95_duration_secs: float | None
    workflow_names: tuple[str, ...] = ()
    metrics: Metrics = field(default_factory=Metrics)
    trends: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> WorkflowSummary:
        metrics = _map(data, "metrics")
        durations = _map(metrics, "duration_metrics")
        raw_trends = _map(data, "trends")
        trends = {key: value for key in raw_trends
                  if (value := _float(raw_trends, key)) is not None}
        return cls(
            total_runs=_int(metrics, "total_runs", 0) or 0,
            successful_runs=_int(metrics, "successful_runs", 0) or 0,
            failed_runs=_int(metrics, "failed_runs", 0) or 0,
            success_rate=_float(metrics, "success_rate", 0.0) or 0.0,
            median_duration_secs=_float(durations, "median"),
            p95_duration_secs=_float(durations, "p95"),
            workflow_names=tuple(str(n) for n in _list(data, "workflow_names")),
            metrics=Metrics.from_api(metrics),
            trends=trends,
        )


def parse_items(values: Any, parse: Callable[[Mapping[str, Any]], T]) -> list[T]:
    """Parse a JSON array of objects, skipping any element that is not an object."""
    if not isinstance(values, list):
        return []
    return [parse(v) for v in values if isinstance(v, Mapping)]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a ``{"items": [...], "next_page_token": ...}`` envelope."""

    items: list[T]
    next_page_token: str | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any], parse: Callable[[Mapping[str, Any]], T]) -> Page[T]:
        # The spec says the token is always present (null on the last page), but real
        # responses omit it there (reported by the tinuous project); an empty string would
        # loop a walker, so it also
        # means "no more pages".
        token = _opt_str(data, "next_page_token") or None
        return cls(items=parse_items(data.get("items"), parse), next_page_token=token)


@dataclass(frozen=True, slots=True)
class RerunResult:
    workflow_id: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> RerunResult:
        return cls(workflow_id=_str(data, "workflow_id"))


@dataclass(frozen=True, slots=True)
class Message:
    """``{"message": ...}``, CircleCI's answer to cancel and approve."""

    message: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Message:
        return cls(message=_str(data, "message"))
