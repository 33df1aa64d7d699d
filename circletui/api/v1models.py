"""Tolerant models for the v1.1 single-job endpoint: a build's steps, actions and output chunks.

API v2 has no steps or logs (CircleCI-Archived/api-preview-docs issue #80), so the job screen
reads ``GET /api/v1.1/project/:vcs/:org/:repo/:n``. That payload is old, loosely typed and
varies between captures: ``failed``/``canceled`` are ``true`` or ``null``, ``exit_code`` and
``step`` may be null or missing, ``output_url`` is absent on some actions, and there is one
action per parallel container *except* for steps that ran once (a lone "Spin up environment"
action for index 0).
Like ``models.py``, each ``from_api`` reads the keys it needs with a default and ignores the
rest, so an odd payload degrades to blanks instead of an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from circletui.api.models import _int, _list, _map, _opt_str, _str, parse_time
from circletui.status import category


def _flag(data: Mapping[str, Any], key: str) -> bool:
    """``true`` is true; ``null``, a missing key and anything else are false."""
    return data.get(key) is True


@dataclass(frozen=True, slots=True)
class Action:
    """One step as run on one parallel container."""

    index: int
    step: int | None
    """The stable step id (0 spin-up, 1+ service containers, 99 env vars, 101+ user steps)."""
    name: str
    status: str
    start_time: datetime | None = None
    end_time: datetime | None = None
    run_time_millis: int | None = None
    exit_code: int | None = None
    has_output: bool = False
    output_url: str | None = None
    background: bool = False
    insignificant: bool = False
    failed: bool = False
    canceled: bool = False
    timedout: bool = False
    truncated: bool = False
    bash_command: str | None = None
    type: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Action:
        return cls(
            index=_int(data, "index", 0) or 0,
            step=_int(data, "step"),
            name=_str(data, "name"),
            status=_str(data, "status"),
            start_time=parse_time(data.get("start_time")),
            end_time=parse_time(data.get("end_time")),
            run_time_millis=_int(data, "run_time_millis"),
            exit_code=_int(data, "exit_code"),
            has_output=_flag(data, "has_output"),
            output_url=_opt_str(data, "output_url") or None,
            background=_flag(data, "background"),
            insignificant=_flag(data, "insignificant"),
            failed=_flag(data, "failed"),
            canceled=_flag(data, "canceled"),
            timedout=_flag(data, "timedout"),
            truncated=_flag(data, "truncated"),
            bash_command=_opt_str(data, "bash_command"),
            type=_str(data, "type"),
        )

    @property
    def is_failure(self) -> bool:
        """Failed by flag or by status (captures differ in which one they set)."""
        return self.failed or self.timedout or category(self.status) == "failed"

    @property
    def counts_for_job(self) -> bool:
        """Whether this action's failure fails the job: service containers' do not."""
        return not (self.insignificant or self.background)

    @property
    def is_running(self) -> bool:
        return self.status == "running"


@dataclass(frozen=True, slots=True)
class Step:
    """A step of the job: its name and one action per container it ran on."""

    name: str
    actions: tuple[Action, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Step:
        actions = tuple(
            Action.from_api(a) for a in _list(data, "actions") if isinstance(a, Mapping)
        )
        name = _str(data, "name") or (actions[0].name if actions else "")
        return cls(name=name, actions=actions)

    @property
    def step_id(self) -> int | None:
        """The stable step id of the first action that has one."""
        return next((a.step for a in self.actions if a.step is not None), None)

    def action_for(self, index: int) -> Action | None:
        """The action that ran on container ``index``.

        A step that ran once (spin-up, "Preparing environment variables" on some executors)
        has fewer actions than the job's parallelism; its lone action stands for every
        container, so a missing index falls back to the lowest index present. ``None`` only
        when the step has no actions at all.
        """
        fallback: Action | None = None
        for action in self.actions:
            if action.index == index:
                return action
            if fallback is None or action.index < fallback.index:
                fallback = action
        return fallback

    def has_action_for(self, index: int) -> bool:
        """Whether the step has an action of its own for container ``index`` (no fallback)."""
        return any(action.index == index for action in self.actions)

    @property
    def is_background(self) -> bool:
        return bool(self.actions) and all(a.background for a in self.actions)


@dataclass(frozen=True, slots=True)
class Build:
    """A v1.1 build (one job run): summary fields plus its steps."""

    build_num: int
    status: str
    lifecycle: str = ""
    outcome: str | None = None
    parallel: int = 1
    steps: tuple[Step, ...] = ()
    build_url: str = ""
    job_id: str | None = None
    workflow_id: str | None = None
    workflow_name: str | None = None
    job_name: str | None = None
    subject: str | None = None
    branch: str | None = None
    vcs_revision: str | None = None
    fail_reason: str | None = None
    failed: bool = False
    canceled: bool = False
    timedout: bool = False
    infrastructure_fail: bool = False
    start_time: datetime | None = None
    stop_time: datetime | None = None
    queued_at: datetime | None = None
    build_time_millis: int | None = None
    reponame: str = ""
    username: str = ""
    vcs_type: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Build:
        workflows = _map(data, "workflows")
        return cls(
            build_num=_int(data, "build_num", 0) or 0,
            status=_str(data, "status"),
            lifecycle=_str(data, "lifecycle"),
            outcome=_opt_str(data, "outcome"),
            # 0 or a missing value would make every index loop empty; a build has >= 1 container.
            parallel=max(_int(data, "parallel", 1) or 1, 1),
            steps=tuple(Step.from_api(s) for s in _list(data, "steps") if isinstance(s, Mapping)),
            build_url=_str(data, "build_url"),
            job_id=_opt_str(workflows, "job_id"),
            workflow_id=_opt_str(workflows, "workflow_id"),
            workflow_name=_opt_str(workflows, "workflow_name"),
            job_name=_opt_str(workflows, "job_name") or _opt_str(data, "job_name"),
            subject=_opt_str(data, "subject"),
            branch=_opt_str(data, "branch"),
            vcs_revision=_opt_str(data, "vcs_revision"),
            fail_reason=_opt_str(data, "fail_reason"),
            failed=_flag(data, "failed"),
            canceled=_flag(data, "canceled"),
            timedout=_flag(data, "timedout"),
            infrastructure_fail=_flag(data, "infrastructure_fail"),
            start_time=parse_time(data.get("start_time")),
            stop_time=parse_time(data.get("stop_time")),
            queued_at=parse_time(data.get("queued_at")),
            build_time_millis=_int(data, "build_time_millis"),
            reponame=_str(data, "reponame"),
            username=_str(data, "username"),
            vcs_type=_str(data, "vcs_type"),
        )

    def parallel_indexes(self) -> tuple[int, ...]:
        """Every container index: ``0..parallel-1`` plus any index an action reports beyond."""
        indexes = set(range(self.parallel))
        for step in self.steps:
            indexes.update(action.index for action in step.actions)
        return tuple(sorted(indexes))

    def first_failure(self, index: int | None = None) -> tuple[Step, Action] | None:
        """The first failed step and its action, on container ``index`` or on any container.

        Background and insignificant actions (service containers) are skipped: their failure
        does not fail the job, so they are not what the user is looking for. With an index,
        only the step's own action for that index counts, not the fallback of ``action_for``,
        except for a step whose lone action is container 0's (spin-up: it ran once, for every
        container). A lone action of another container is that container's alone.
        """
        for step in self.steps:
            ran_once = len(step.actions) == 1 and step.actions[0].index == 0
            if index is None:
                candidates: tuple[Action, ...] = step.actions
            elif step.has_action_for(index) or ran_once:
                action = step.action_for(index)
                candidates = (action,) if action is not None else ()
            else:
                candidates = ()
            for action in candidates:
                if action.is_failure and action.counts_for_job:
                    return step, action
        return None

    def first_failed_step(self, index: int | None = None) -> Step | None:
        """The first step whose action for ``index`` (any index if ``None``) failed."""
        found = self.first_failure(index)
        return found[0] if found else None

    def step_to_open(self, index: int | None = None) -> tuple[int, int] | None:
        """``(step position, container index)`` of the step worth reading first.

        The first failure (on any container when ``index`` is ``None``: its container is then
        the one to show); else the step running now; else the one that took longest, which is
        the job's real work rather than spin-up or cache bookkeeping. ``None`` with no steps.
        """
        found = self.first_failure(index)
        if found is not None:
            step, action = found
            return self.steps.index(step), action.index
        container = index if index is not None else min(self.parallel_indexes(), default=0)
        foreground = [
            (position, step.action_for(container))
            for position, step in enumerate(self.steps)
            if not step.is_background
        ]
        running = [p for p, action in foreground if action is not None and action.is_running]
        if running:
            return running[-1], container
        timed = [
            (action.run_time_millis or 0, p) for p, action in foreground if action is not None
        ]
        if timed:
            # max() keeps the first of equals: the earliest of equally long steps.
            longest = max(timed, key=lambda item: item[0])
            return longest[1], container
        return (len(self.steps) - 1, container) if self.steps else None

    @property
    def is_running(self) -> bool:
        return self.lifecycle in ("running", "queued", "scheduled", "not_running") or (
            self.status in ("running", "queued", "not_running")
        )


@dataclass(frozen=True, slots=True)
class OutputChunk:
    """One element of the JSON array behind an ``output_url``: a slice of output, not a line."""

    message: str
    time: datetime | None = None
    type: str = "out"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> OutputChunk:
        return cls(
            message=_str(data, "message"),
            time=parse_time(data.get("time")),
            type=_str(data, "type", "out") or "out",
        )

    @property
    def is_err(self) -> bool:
        return self.type == "err"
