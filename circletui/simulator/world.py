"""The in-memory world behind the simulated API: who exists, what ran, and how it evolves.

The world is generated from a seed (history included) and then advanced lazily: `sync()` moves
it to `clock.now()` by popping due events from one time-ordered heap. Only workflows that still
have something to do are on the heap, so a sync with nothing due costs one comparison.

Actions (trigger, approve, cancel, rerun) first sync, then change the state at the current
instant, and raise `SimulationError` (carrying the HTTP status the API would answer) when the
real service would refuse.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from circletui.simulator import content, engine
from circletui.simulator.clock import Clock, ManualClock
from circletui.simulator.history import populate
from circletui.simulator.model import (
    TERMINAL_WORKFLOW_STATUSES,
    VCS_ALIASES,
    Job,
    Org,
    Pipeline,
    Project,
    User,
    Vcs,
    Workflow,
)
from circletui.simulator.plan import Plan
from circletui.simulator.rng import after, hex_digits, ms, new_uuid
from circletui.simulator.templates import (
    JobSpec,
    ProjectSpec,
    WorkflowTemplate,
    project_specs,
    render_config,
)

# Pipeline parameters the simulated configs declare, with their types.
DECLARED_PARAMETERS: dict[str, type] = {"run_nightly": bool, "deploy_env": str}


class SimulationError(Exception):
    """An action the real service would refuse; `status` is the HTTP status it answers."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class Missing(SimulationError):
    """What was asked for does not exist in the world: answered 404 (the client's
    ``circletui.api.errors.NotFound`` on the other side)."""

    status = 404


class World:
    """Users, orgs, projects, pipelines, workflows and jobs, plus the clock-driven engine."""

    def __init__(
        self, seed: int = 0, clock: Clock | None = None, *, live: bool = False, history: bool = True
    ) -> None:
        self.seed = seed
        self.clock: Clock = clock or ManualClock()
        self.rng = random.Random(seed)
        self.live = live
        self.now = ms(self.clock.now())
        self.t0 = self.now
        self._heap: list[tuple[datetime, int, str, Any]] = []
        self._seq = itertools.count()
        self._pipelines: list[Pipeline] = []
        self._pipelines_by_id: dict[str, Pipeline] = {}
        self._workflows_by_id: dict[str, Workflow] = {}
        self._jobs_by_id: dict[str, Job] = {}
        self._jobs_by_number: dict[tuple[str, int], Job] = {}
        self._build_people_and_projects()
        # Independent streams, so that live arrivals do not shift what API actions draw.
        self._live_rng = random.Random(self.rng.getrandbits(64))
        self._action_rng = random.Random(self.rng.getrandbits(64))
        if history:
            populate(self, self.rng)
        self.sync(self.now)
        if live:
            self._schedule(after(self.now, self._live_rng.uniform(10, 30)), self._live_arrival)

    # ----------------------------------------------------------------- setup

    def _build_people_and_projects(self) -> None:
        rng = self.rng
        self.users: list[User] = [
            User(new_uuid(rng), login, name, avatar) for login, name, avatar in content.USERS
        ]
        self.me = self.users[0]
        self.team = [user for user in self.users if not user.login.endswith(("[bot]", "-bot"))]
        self.dependabot = self.user_by_login("dependabot[bot]")
        self.release_bot = self.user_by_login("acme-release-bot")
        nimbus_id = new_uuid(rng)
        self.orgs: list[Org] = [
            Org(
                new_uuid(rng),
                "gh/acme",
                "acme",
                "github",
                "https://avatars.githubusercontent.com/u/41872354?v=4",
            ),
            Org(
                new_uuid(rng),
                "bb/acme-labs",
                "acme-labs",
                "bitbucket",
                "https://bitbucket.org/account/acme-labs/avatar/",
            ),
            Org(
                nimbus_id,
                f"circleci/{nimbus_id}",
                "nimbus",
                "circleci",
                "https://avatars.githubusercontent.com/u/52231907?v=4",
            ),
            # The user's personal account: on GitHub, but it never used CircleCI.
            Org(None, "gh/sam-rivera", "sam-rivera", "github", self.me.avatar_url or ""),
        ]
        nimbus_project_id = new_uuid(rng)
        bases = {
            "api": (1840, 18230),
            "web": (962, 9410),
            "mobile-app": (311, 4120),
            "infra": (77, 655),
            "platform": (24, 188),
        }
        self.projects: list[Project] = []
        self._projects_by_key: dict[str, Project] = {}
        for spec in project_specs(nimbus_id, nimbus_project_id):
            org = next(o for o in self.orgs if o.slug == f"{spec.vcs}/{spec.org}")
            if spec.vcs == "bb":
                external = f"https://bitbucket.org/{spec.org}/{spec.repo}"
            elif spec.vcs == "circleci":
                external = f"https://github.com/nimbus-hq/{spec.name}"
            else:
                external = f"https://github.com/{spec.org}/{spec.repo}"
            pipeline_base, job_base = bases[spec.name]
            project = Project(
                id=new_uuid(rng),
                slug=f"{spec.vcs}/{spec.org}/{spec.repo}",
                org=org,
                spec=spec,
                external_url=external,
                repo_id=rng.randint(10_000_000, 899_999_999),
                next_pipeline_number=pipeline_base,
                next_job_number=job_base,
            )
            self.projects.append(project)
            self._projects_by_key[project.slug.lower()] = project

    # ----------------------------------------------------------------- lookups

    def user(self, user_id: str) -> User | None:
        return next((user for user in self.users if user.id == user_id), None)

    def user_by_login(self, login: str) -> User:
        return next(user for user in self.users if user.login == login)

    def project(self, slug: str) -> Project | None:
        """Resolve a project slug in any accepted form (gh/github/bb/bitbucket/circleci)."""
        parts = slug.strip("/").split("/")
        if len(parts) != 3 or parts[0].lower() not in VCS_ALIASES:
            return None
        key = "/".join([VCS_ALIASES[parts[0].lower()], parts[1], parts[2]]).lower()
        return self._projects_by_key.get(key)

    def org(self, slug: str) -> Org | None:
        parts = slug.strip("/").split("/")
        if len(parts) != 2 or parts[0].lower() not in VCS_ALIASES:
            return None
        key = f"{VCS_ALIASES[parts[0].lower()]}/{parts[1]}".lower()
        return next((org for org in self.orgs if org.slug.lower() == key), None)

    @property
    def pipelines(self) -> list[Pipeline]:
        """Every pipeline, newest first."""
        return self._pipelines[::-1]

    def pipeline(self, pipeline_id: str) -> Pipeline | None:
        return self._pipelines_by_id.get(pipeline_id)

    def pipeline_by_number(self, project: Project, number: int) -> Pipeline | None:
        return next(
            (p for p in self._pipelines if p.project is project and p.number == number), None
        )

    def workflow(self, workflow_id: str) -> Workflow | None:
        return self._workflows_by_id.get(workflow_id)

    def job(self, job_id: str) -> Job | None:
        return self._jobs_by_id.get(job_id)

    def job_by_number(self, project: Project, number: int) -> Job | None:
        return self._jobs_by_number.get((project.id, number))

    def workflows_of(self, pipeline_id: str) -> list[Workflow]:
        """The pipeline's workflows in creation order (reruns come after what they rerun)."""
        pipeline = self.pipeline(pipeline_id)
        return list(pipeline.workflows) if pipeline else []

    def jobs_of(self, workflow_id: str) -> list[Job]:
        wf = self.workflow(workflow_id)
        return list(wf.jobs) if wf else []

    @property
    def workflows(self) -> list[Workflow]:
        """Every workflow, newest first."""
        return sorted(self._workflows_by_id.values(), key=lambda wf: wf.created_at, reverse=True)

    def find_workflow(
        self,
        status: str | None = None,
        name: str | None = None,
        *,
        project: str | None = None,
        where: Callable[[Workflow], bool] | None = None,
    ) -> Workflow | None:
        """The newest workflow matching every given criterion, or None."""
        wanted = self.project(project) if project else None
        for wf in self.workflows:
            if status is not None and wf.status != status:
                continue
            if name is not None and wf.name != name:
                continue
            if wanted is not None and wf.project is not wanted:
                continue
            if where is not None and not where(wf):
                continue
            return wf
        return None

    def find_on_hold_approval(self) -> tuple[Workflow, Job] | None:
        """The newest workflow waiting for an approval, with its on-hold approval job."""
        for wf in self.workflows:
            for job in wf.jobs:
                if job.type == "approval" and job.status == "on_hold":
                    return wf, job
        return None

    def find_failed_workflow(self) -> Workflow | None:
        return self.find_workflow(status="failed")

    def find_running_workflow(self) -> Workflow | None:
        return self.find_workflow(status="running")

    # ----------------------------------------------------------------- time

    def _schedule(self, when: datetime, action: Callable[[datetime], None]) -> None:
        heapq.heappush(self._heap, (when, next(self._seq), "call", action))

    def _step(self, wf: Workflow, when: datetime) -> None:
        nxt = engine.advance(wf, when, self._allocate_number)
        if nxt is not None:
            heapq.heappush(self._heap, (nxt, next(self._seq), "wf", wf))

    def _allocate_number(self, job: Job) -> int:
        project = job.project
        number = project.next_job_number
        project.next_job_number += 1
        self._jobs_by_number[(project.id, number)] = job
        return number

    def sync(self, now: datetime | None = None) -> None:
        """Advance the world to `now` (default: the clock's time). Never moves backwards."""
        target = ms(now if now is not None else self.clock.now())
        if target < self.now:
            target = self.now
        heap = self._heap
        while heap and heap[0][0] <= target:
            when, _, kind, payload = heapq.heappop(heap)
            if kind == "wf":
                # Entries superseded by a later reschedule are skipped.
                if payload.next_event_at == when and not payload.finished:
                    self._step(payload, when)
            else:
                payload(when)
        self.now = target

    @property
    def active_workflows(self) -> list[Workflow]:
        return [wf for wf in self._workflows_by_id.values() if not wf.finished]

    # ----------------------------------------------------------------- creation

    def create_pipeline(
        self,
        project: Project,
        at: datetime,
        *,
        trigger_type: str,
        actor: User,
        branch: str | None = None,
        tag: str | None = None,
        commit: tuple[str, str] | None = None,
        plan: Plan | None = None,
        parameters: dict[str, Any] | None = None,
        review_id: str | None = None,
        fork_owner: str | None = None,
        rng: random.Random | None = None,
    ) -> Pipeline:
        """A new pipeline in state `pending`; its workflows appear a moment later."""
        rng = rng or self.rng
        at = ms(at)
        plan = plan or Plan()
        target_url = project.external_url
        origin_url = target_url
        if fork_owner:
            origin_url = target_url.replace(f"/{project.spec.org}/", f"/{fork_owner}/")
        subject, body = commit if commit else (None, None)
        vcs = Vcs(
            revision=hex_digits(rng, 40),
            origin_url=origin_url,
            target_url=target_url,
            provider_name=project.provider_name,
            branch=None if tag else (branch or project.default_branch),
            tag=tag,
            subject=subject,
            body=body,
            has_commit=commit is not None,
        )
        if review_id:
            vcs.review_id = review_id
            vcs.review_url = f"{target_url}/pull/{review_id}"
        pipeline = Pipeline(
            id=new_uuid(rng),
            project=project,
            number=project.next_pipeline_number,
            created_at=at,
            trigger_type=trigger_type,
            actor=actor,
            vcs=vcs,
            parameters=dict(parameters or {}),
        )
        project.next_pipeline_number += 1
        if project.spec.vcs == "circleci":
            pipeline.trigger_parameters = self._github_app_trigger_parameters(pipeline)
        self._pipelines.append(pipeline)
        self._pipelines_by_id[pipeline.id] = pipeline
        setup = rng.uniform(0.6, 2.0)
        self._schedule(after(at, setup), lambda when: self._promote(pipeline, plan, when, rng))
        return pipeline

    def _github_app_trigger_parameters(self, pipeline: Pipeline) -> dict[str, Any]:
        vcs = pipeline.vcs
        assert vcs is not None
        ref = f"refs/tags/{vcs.tag}" if vcs.tag else f"refs/heads/{vcs.branch}"
        git: dict[str, Any] = {
            "checkout_sha": vcs.revision,
            "ref": ref,
            "checkout_url": f"{vcs.target_url}.git",
            "repo_url": vcs.target_url,
            "repo_name": pipeline.project.name,
        }
        git["tag" if vcs.tag else "branch"] = vcs.tag or vcs.branch
        return {
            "circleci": {
                "event_type": "push",
                "trigger_type": "github_app",
                "actor_id": pipeline.actor.id,
                "event_time": _iso_ms(pipeline.created_at),
            },
            "git": git,
            "github_app": {
                "user_name": pipeline.actor.name,
                "user_username": pipeline.actor.login,
                "ref": ref,
                "web_url": vcs.target_url,
            },
        }

    def _templates_for(self, pipeline: Pipeline, plan: Plan) -> list[WorkflowTemplate]:
        templates = pipeline.project.spec.templates
        if plan.roles is not None:
            return [templates[role] for role in plan.roles if role in templates]
        vcs = pipeline.vcs
        if vcs is not None and vcs.tag and "tag" in templates:
            return [templates["tag"]]
        nightly = (
            pipeline.trigger_type == "scheduled_pipeline"
            or pipeline.parameters.get("run_nightly") is True
        )
        if nightly and "scheduled" in templates:
            return [templates["scheduled"]]
        chosen = [templates["push"]]
        if "extra" in templates:
            chosen.append(templates["extra"])
        return chosen

    def _parameter_errors(self, parameters: dict[str, Any]) -> list[str]:
        unknown = sorted(name for name in parameters if name not in DECLARED_PARAMETERS)
        errors = []
        if unknown:
            errors.append(f"Unexpected argument(s): {', '.join(unknown)}")
        for name, wanted in DECLARED_PARAMETERS.items():
            if name in parameters and type(parameters[name]) is not wanted:
                kind = "boolean" if wanted is bool else "string"
                errors.append(
                    f"Type error for argument {name}: expected type: {kind}, "
                    f"actual value: {parameters[name]!r}"
                )
        return errors

    def _promote(self, pipeline: Pipeline, plan: Plan, when: datetime, rng: random.Random) -> None:
        """Config compiled: the pipeline becomes `created` with workflows, or `errored`."""
        templates = self._templates_for(pipeline, plan)
        spec: ProjectSpec = pipeline.project.spec
        source, compiled = render_config(spec, templates, broken=plan.config_error)
        pipeline.config_source, pipeline.config_compiled = source, compiled
        param_errors = self._parameter_errors(pipeline.parameters)
        if plan.config_error or param_errors:
            pipeline.state = "errored"
            messages = param_errors or [content.CONFIG_ERROR_MESSAGE]
            pipeline.errors = [("config", message) for message in messages]
            return
        pipeline.state = "created"
        vcs = pipeline.vcs
        on_default = (
            vcs is not None and vcs.tag is None and (vcs.branch == pipeline.project.default_branch)
        )
        for template in templates:
            wf = self._instantiate(pipeline, template, when, plan, rng, on_default=on_default)
            self._step(wf, when)

    def _sample_outcome(self, spec: JobSpec, rng: random.Random, scale: float) -> str:
        roll = rng.random()
        if roll < spec.fail_rate * scale:
            return "failed"
        if roll < spec.fail_rate * scale + 0.004 * scale:
            return "infrastructure_fail"
        if roll < spec.fail_rate * scale + 0.006 * scale:
            return "timedout"
        return "success"

    def _plan_job(self, job: Job, plan: Plan, rng: random.Random) -> None:
        spec = job.spec
        # Every draw happens whatever the overrides, so scripting one job never shifts others.
        duration = round(rng.uniform(*spec.duration), 3)
        sampled = self._sample_outcome(spec, rng, plan.fail_scale)
        job.failing_index = rng.randrange(spec.parallelism)
        slow_queue = spec.executor in ("macos", "windows")
        job.queue_delay = round(rng.uniform(8, 40) if slow_queue else rng.uniform(0.5, 4.5), 3)
        job.start_gap = round(rng.uniform(0.3, 2.0), 3)
        approve_delay = rng.uniform(*plan.approve_after) if plan.approve_after else None
        approver = plan.approver or rng.choice(self.team)
        job.duration = plan.durations.get(spec.name, duration)
        job.outcome = plan.outcomes.get(spec.name, plan.default_outcome or sampled)
        if spec.type == "approval":
            job.duration = 0.0
            job.outcome = "success"
            job.approve_delay = round(approve_delay, 3) if approve_delay is not None else None
            job.approve_by = approver

    def _instantiate(
        self,
        pipeline: Pipeline,
        template: WorkflowTemplate,
        at: datetime,
        plan: Plan,
        rng: random.Random,
        *,
        on_default: bool,
    ) -> Workflow:
        wf = Workflow(
            id=new_uuid(rng),
            pipeline=pipeline,
            name=template.name,
            created_at=at,
            started_by=pipeline.actor,
        )
        ids: dict[str, str] = {}
        for spec in template.jobs_for(on_default_branch=on_default):
            ids[spec.name] = new_uuid(rng)
            job = Job(
                id=ids[spec.name],
                workflow=wf,
                spec=spec,
                dependencies=[ids[req] for req in spec.requires],
            )
            self._plan_job(job, plan, rng)
            wf.jobs.append(job)
        if plan.cancel_after is not None:
            wf.cancel_at = after(at, plan.cancel_after)
            wf.cancel_by = plan.canceler or pipeline.actor
        self._register(wf)
        if plan.rerun_after is not None:
            rerunner = plan.rerunner or pipeline.actor

            def rerun_later(when: datetime) -> None:
                if wf.finished and wf.status in ("failed", "error"):
                    self._rerun(
                        wf,
                        when,
                        from_failed=plan.rerun_from_failed,
                        selected=None,
                        enable_ssh=False,
                        by=rerunner,
                        rng=rng,
                        fail_scale=0.0,
                        approve_after=plan.approve_after,
                    )

            self._schedule(after(at, plan.rerun_after), rerun_later)
        return wf

    def _register(self, wf: Workflow) -> None:
        wf.pipeline.workflows.append(wf)
        self._workflows_by_id[wf.id] = wf
        for job in wf.jobs:
            self._jobs_by_id[job.id] = job
            if job.number is not None and job.carried is False:
                self._jobs_by_number[(wf.project.id, job.number)] = job

    # ----------------------------------------------------------------- live arrivals

    def _live_arrival(self, when: datetime) -> None:
        rng = self._live_rng
        project = rng.choices(self.projects, weights=[5, 4, 2, 1, 2])[0]
        roll = rng.random()
        actor = rng.choice(self.team)
        branch = project.default_branch
        if roll < 0.15:
            branch, actor = rng.choice(content.DEPENDABOT_BRANCHES), self.dependabot
        elif roll < 0.6:
            branch = rng.choice(content.FEATURE_BRANCHES)
        self.create_pipeline(
            project,
            when,
            trigger_type="webhook",
            actor=actor,
            branch=branch,
            commit=rng.choice(content.COMMITS),
            rng=rng,
        )
        self._schedule(after(when, rng.uniform(20, 60)), self._live_arrival)

    # ----------------------------------------------------------------- actions

    def _require_workflow(self, workflow_id: str) -> Workflow:
        wf = self.workflow(workflow_id)
        if wf is None:
            raise Missing("Workflow not found")
        return wf

    def trigger_pipeline(
        self,
        project_slug: str,
        *,
        branch: str | None = None,
        tag: str | None = None,
        parameters: dict[str, Any] | None = None,
        actor: User | None = None,
    ) -> Pipeline:
        """POST /project/{slug}/pipeline: a new `pending` pipeline, workflows a moment later."""
        self.sync()
        project = self.project(project_slug)
        if project is None:
            raise Missing("Project not found")
        if project.spec.vcs == "circleci":
            raise SimulationError(
                "Triggering pipelines with this endpoint is not yet available to projects "
                "that use GitLab or GitHub App."
            )
        if branch and tag:
            raise SimulationError("Only one of branch or tag may be specified.")
        params = parameters or {}
        if len(params) > 100 or any(
            len(str(key)) > 128 or not isinstance(value, (bool, int, str)) or len(str(value)) > 512
            for key, value in params.items()
        ):
            raise SimulationError("Invalid pipeline parameters.")
        rng = self._action_rng
        return self.create_pipeline(
            project,
            self.now,
            trigger_type="api",
            actor=actor or self.me,
            branch=branch,
            tag=tag,
            commit=rng.choice(content.COMMITS),
            parameters=params,
            rng=rng,
        )

    def approve(self, workflow_id: str, approval_request_id: str, *, by: User | None = None) -> Job:
        """POST /workflow/{id}/approve/{approval_request_id}."""
        self.sync()
        wf = self._require_workflow(workflow_id)
        job = wf.job(approval_request_id)
        if job is None:
            raise Missing("Approval request not found")
        if job.type != "approval":
            raise SimulationError("Job is not an approval job.")
        if job.status != "on_hold":
            raise SimulationError(f"Job is not on hold (status: {job.status}).")
        engine.approve_job(job, self.now, by or self.me)
        self._step(wf, self.now)
        return job

    def cancel_workflow(self, workflow_id: str, *, by: User | None = None) -> Workflow:
        """POST /workflow/{id}/cancel."""
        self.sync()
        wf = self._require_workflow(workflow_id)
        if wf.finished:
            raise SimulationError(f"Workflow is already finished (status: {wf.status}).")
        engine.cancel_workflow(wf, self.now, by or self.me)
        return wf

    def cancel_job(self, job: Job, *, by: User | None = None) -> Job:
        """POST /project/{slug}/job/{number}/cancel."""
        self.sync()
        if job.status not in ("queued", "running", "on_hold", "blocked"):
            raise SimulationError(f"Job is already finished (status: {job.status}).")
        engine.cancel_job(job, self.now, by or self.me)
        self._step(job.workflow, self.now)
        return job

    def rerun_workflow(
        self,
        workflow_id: str,
        *,
        from_failed: bool | None = None,
        jobs: Iterable[str] | None = None,
        enable_ssh: bool | None = None,
        sparse_tree: bool | None = None,
        by: User | None = None,
    ) -> Workflow:
        """POST /workflow/{id}/rerun: a new workflow with the same name under the same pipeline."""
        self.sync()
        wf = self._require_workflow(workflow_id)
        selected = list(jobs) if jobs is not None else None
        if from_failed and selected is not None:
            raise SimulationError("from_failed and jobs are mutually exclusive.")
        if enable_ssh and selected is None:
            raise SimulationError("enable_ssh requires the jobs parameter.")
        if sparse_tree and selected is None:
            raise SimulationError("sparse_tree requires the jobs parameter.")
        if selected is not None and not selected:
            raise SimulationError("jobs must list at least one job ID.")
        if not wf.finished:
            raise SimulationError("Cannot rerun a workflow that is still active.")
        if from_failed and wf.status not in ("failed", "error"):
            raise SimulationError(
                f"Cannot rerun from failed: the workflow did not fail (status: {wf.status})."
            )
        for job_id in selected or ():
            if wf.job(job_id) is None:
                raise SimulationError(f"Job {job_id} is not part of workflow {wf.id}.")
        return self._rerun(
            wf,
            self.now,
            from_failed=bool(from_failed),
            selected=selected,
            enable_ssh=bool(enable_ssh),
            by=by or self.me,
            rng=self._action_rng,
            fail_scale=0.2,
        )

    def _rerun(
        self,
        old: Workflow,
        when: datetime,
        *,
        from_failed: bool,
        selected: list[str] | None,
        enable_ssh: bool,
        by: User,
        rng: random.Random,
        fail_scale: float,
        approve_after: tuple[float, float] | None = None,
    ) -> Workflow:
        dependents: dict[str, list[str]] = {job.id: [] for job in old.jobs}
        for job in old.jobs:
            for dep in job.dependencies:
                dependents.setdefault(dep, []).append(job.id)
        if selected is not None:
            seeds = set(selected)
        elif from_failed:
            seeds = {job.id for job in old.jobs if job.status != "success"}
        else:
            seeds = {job.id for job in old.jobs}
        rerun_ids: set[str] = set()
        stack = list(seeds)
        while stack:
            job_id = stack.pop()
            if job_id not in rerun_ids:
                rerun_ids.add(job_id)
                stack.extend(dependents.get(job_id, ()))
        new = Workflow(
            id=new_uuid(rng),
            pipeline=old.pipeline,
            name=old.name,
            created_at=when,
            started_by=by,
            rerun_of=old,
        )
        id_map = {job.id: new_uuid(rng) for job in old.jobs}
        plan = Plan(fail_scale=fail_scale, approve_after=approve_after)
        for old_job in old.jobs:
            job = Job(
                id=id_map[old_job.id],
                workflow=new,
                spec=old_job.spec,
                dependencies=[id_map[dep] for dep in old_job.dependencies],
            )
            self._plan_job(job, plan, rng)
            if old_job.id in rerun_ids:
                job.retry_of = old_job.number
                job.ssh_enabled = enable_ssh and selected is not None and old_job.id in seeds
            else:
                # Kept as it was, job number included, as CircleCI shows it in a rerun.
                job.carried = True
                job.status = old_job.status
                job.number = old_job.number
                job.queued_at, job.started_at = old_job.queued_at, old_job.started_at
                job.stopped_at = old_job.stopped_at
                job.approved_by, job.canceled_by = old_job.approved_by, old_job.canceled_by
                job.duration, job.outcome = old_job.duration, old_job.outcome
                job.failing_index = old_job.failing_index
            new.jobs.append(job)
        self._register(new)
        self._step(new, when)
        return new


def _iso_ms(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def is_terminal(wf: Workflow) -> bool:
    return wf.status in TERMINAL_WORKFLOW_STATUSES
