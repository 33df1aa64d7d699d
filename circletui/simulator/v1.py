"""API v1.1 single-job payload (`steps[].actions[]`) and the step output behind `output_url`.

v2 has no steps or logs, so clients read them from v1.1 (CircleCI-Archived/api-preview-docs
issue #80; CircleCI's MCP server reads v1.1 too). Steps are laid out over
the job's run time from seeded proportions; an action exists once its step has started, is
`running` (no end time, no exit code) until it ends, and its output grows chunk by chunk with
the clock. Output chunks carry ANSI colour codes and CRLF line ends like the real logs, a
failing step ends with an `Exited with code 1` err chunk, and a canceled one with
"Build was canceled".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from circletui.simulator.jobdata import artifacts, index_test_results
from circletui.simulator.model import Job
from circletui.simulator.rng import derived_rng, hex_digits
from circletui.simulator.serialize import ts_ms

GREEN, RED, YELLOW, BLUE, CYAN, BOLD, DIM, RESET = (
    "\x1b[32m",
    "\x1b[31m",
    "\x1b[33m",
    "\x1b[34m",
    "\x1b[36m",
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[0m",
)
CHECK = "\u2714"
CROSS = "\u2716"

RESOURCES = {
    "small": (1.0, 2048),
    "medium": (2.0, 4096),
    "large": (4.0, 8192),
    "xlarge": (8.0, 16384),
    "arm.large": (4.0, 16384),
    "macos.m1.medium.gen1": (4.0, 6144),
    "windows.medium": (4.0, 15360),
}


@dataclass(frozen=True)
class StepPlan:
    step: int
    name: str
    kind: str
    weight: float
    bash: str | None = None
    background: bool = False
    always: bool = False


@dataclass
class Action:
    """One parallel container's view of one step, at a given instant."""

    plan: StepPlan
    index: int
    start: datetime
    end: datetime  # when it ends (or ended); the planned end while still running
    status: str  # success, failed, running, canceled, timedout
    exit_code: int | None
    planned_end: datetime | None = None  # for a canceled action, when it would have ended

    @property
    def finished(self) -> bool:
        return self.status != "running"


def step_plans(job: Job) -> list[StepPlan]:
    spec = job.spec
    plans = [StepPlan(0, "Spin up environment", "spinup", 6)]
    if spec.service:
        plans.append(StepPlan(1, f"Container {spec.service}", "service", 0, background=True))
    if job.ssh_enabled:
        # A job rerun with SSH opens the box first and keeps it after the steps ("Debugging
        # with SSH" in CircleCI's docs: the "Enable SSH" step prints the command to use).
        plans.append(StepPlan(98, "Enable SSH", "ssh", 1))
    plans.append(StepPlan(99, "Preparing environment variables", "env", 1))
    plans.append(
        StepPlan(
            101,
            "Checkout code",
            "checkout",
            4,
            bash="#!/bin/sh\nset -e\n# Workaround old docker images with "
            "incorrect $HOME\n# check if we are root and $HOME is not /root.",
        )
    )
    if spec.kind == "checkout":
        plans.append(StepPlan(102, "Persisting to Workspace", "persist", 3))
        plans.append(StepPlan(103, "Uploading artifacts", "upload_artifacts", 1))
        return plans
    plans.append(StepPlan(102, "Restoring cache", "restore", 3))
    if spec.kind in ("tests", "lint", "build", "generic"):
        plans.append(
            StepPlan(
                103,
                "Install dependencies",
                "install",
                12,
                bash=f"#!/bin/bash -eo pipefail\n{_install_command(job)}",
            )
        )
    command = spec.command or f"./scripts/{spec.name}.sh"
    plans.append(StepPlan(104, command, spec.kind, 60, bash=f"#!/bin/bash -eo pipefail\n{command}"))
    if spec.kind == "tests":
        plans.append(StepPlan(105, "Uploading test results", "upload_tests", 2, always=True))
    # Every build job stores artifacts (see jobdata.artifacts).
    plans.append(StepPlan(106, "Uploading artifacts", "upload_artifacts", 2))
    if spec.kind in ("install", "generic", "build"):
        plans.append(StepPlan(107, "Saving cache", "save_cache", 3))
    return plans


def _install_command(job: Job) -> str:
    return {
        "python": "poetry install --no-interaction",
        "typescript": "npm ci",
        "kotlin": "./gradlew dependencies",
        "go": "go mod download",
    }[job.project.spec.language]


def actions(job: Job, now: datetime) -> list[tuple[StepPlan, list[Action]]]:
    """Every step that has started by `now`, with one action per parallel index."""
    if job.type != "build" or job.started_at is None:
        return []
    plans = step_plans(job)
    total = sum(plan.weight for plan in plans) or 1.0
    start = job.started_at
    ended = job.stopped_at
    # While running, follow the plan; once finished, what really happened.
    outcome = job.status if job.status not in ("running", "queued") else job.outcome
    job_end = ended or start + timedelta(seconds=job.duration)
    result: list[tuple[StepPlan, list[Action]]] = []
    cursor = 0.0
    main_step = max((p.step for p in plans if p.weight == 60), default=None)
    for plan in plans:
        step_start = start + timedelta(seconds=job.duration * cursor / total)
        cursor += plan.weight
        step_end = start + timedelta(seconds=job.duration * cursor / total)
        if plan.background:
            step_end = job_end
        if step_start > now or (ended is not None and step_start >= ended and not plan.background):
            continue
        row: list[Action] = []
        for index in range(job.parallelism):
            action = _action(job, plan, index, step_start, step_end, now, outcome, main_step)
            if action is not None:
                row.append(action)
        if row:
            result.append((plan, row))
    return result


def _action(
    job: Job,
    plan: StepPlan,
    index: int,
    start: datetime,
    end: datetime,
    now: datetime,
    outcome: str,
    main_step: int | None,
) -> Action | None:
    failing_here = outcome in ("failed", "timedout") and index == job.failing_index
    if failing_here and main_step is not None and plan.step > main_step and not plan.always:
        return None  # steps after a failure do not run, except `when: always` ones
    if outcome == "infrastructure_fail" and plan.step > 0 and index == job.failing_index:
        return None
    status, exit_code = "success", 0
    planned_end = end
    if job.status == "canceled" and job.stopped_at is not None and end > job.stopped_at:
        end, status, exit_code = job.stopped_at, "canceled", None
    elif plan.background:
        status, exit_code = ("running", None) if job.stopped_at is None else ("canceled", None)
    elif failing_here and plan.step == main_step:
        status, exit_code = ("failed", 1) if outcome == "failed" else ("timedout", None)
    elif outcome == "infrastructure_fail" and plan.step == 0 and index == job.failing_index:
        status, exit_code = "failed", None
    if now < end and status != "canceled":
        status, exit_code = "running", None
    return Action(plan, index, start, end, status, exit_code, planned_end)


def _ms(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() * 1000)


def output_url(base_url: str, job: Job, step: int, index: int) -> str:
    rng = derived_rng("sig", job.id, step, index)
    date = (job.started_at or job.workflow.created_at).strftime("%Y%m%dT%H%M%SZ")
    return (
        f"{base_url}/output/{job.id}/{step}/{index}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential=ASIAQVFQINEOEXAMPLE%2F{date[:8]}%2Fus-east-1%2Fs3%2Faws4_request"
        f"&X-Amz-Date={date}&X-Amz-Expires=431999&X-Amz-SignedHeaders=host"
        f"&X-Amz-Signature={hex_digits(rng, 64)}"
    )


def action_json(job: Job, action: Action, base_url: str) -> dict[str, Any]:
    plan = action.plan
    rng = derived_rng("alloc", job.id, action.index)
    running = action.status == "running"
    data: dict[str, Any] = {
        "truncated": False,
        "index": action.index,
        "parallel": True,
        "failed": True if action.status in ("failed", "timedout") else None,
        "infrastructure_fail": True
        if (job.status == "infrastructure_fail" and action.status == "failed")
        else None,
        "name": plan.name,
        "bash_command": plan.bash,
        "status": action.status,
        "timedout": True if action.status == "timedout" else None,
        "continue": None,
        "end_time": None if running else ts_ms(action.end),
        "type": "test",
        "allocation_id": f"{hex_digits(rng, 24)}-{action.index}-build/{hex_digits(rng, 8).upper()}",
    }
    # A still-running background container has no output URL yet (seen in real payloads).
    if not (plan.background and running):
        data["output_url"] = output_url(base_url, job, plan.step, action.index)
    data.update(
        {
            "start_time": ts_ms(action.start),
            "background": plan.background,
            "exit_code": action.exit_code,
            "insignificant": plan.background,
            "canceled": True if action.status == "canceled" else None,
            "step": plan.step,
            "run_time_millis": None if running else _ms(action.start, action.end),
            "has_output": True,
        }
    )
    return data


V1_STATUS = {
    "success": "success",
    "failed": "failed",
    "running": "running",
    "queued": "queued",
    "canceled": "canceled",
    "timedout": "timedout",
    "infrastructure_fail": "infrastructure_fail",
    "not_run": "not_run",
    "blocked": "not_running",
    "on_hold": "not_running",
}


def build_json(job: Job, now: datetime, base_url: str) -> dict[str, Any]:
    """GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num} for a build job."""
    wf = job.workflow
    pipeline = wf.pipeline
    project = job.project
    vcs = pipeline.vcs
    assert vcs is not None and job.number is not None and job.queued_at is not None
    vcs_short, org_name, repo = project.slug.split("/")
    vcs_type = "bitbucket" if vcs_short == "bb" else "github"
    finished = job.status not in ("queued", "running")
    steps = [
        {"name": plan.name, "actions": [action_json(job, action, base_url) for action in row]}
        for plan, row in actions(job, now)
    ]
    cpu, ram = RESOURCES.get(job.spec.resource_class, (2.0, 4096))
    build_time = None
    if job.started_at and job.stopped_at:
        build_time = _ms(job.started_at, job.stopped_at)
    first_wf = wf
    while first_wf.rerun_of is not None:
        first_wf = first_wf.rerun_of
    actor = pipeline.actor
    author_date = ts_ms(pipeline.created_at - timedelta(minutes=7))
    why = (
        "retry"
        if job.retry_of
        else {
            "webhook": vcs_type,
            "api": "api",
            "scheduled_pipeline": "scheduled_pipeline",
            "explicit": "api",
        }[pipeline.trigger_type]
    )
    return {
        "compare": None,
        "previous_successful_build": None,
        "build_parameters": {"CIRCLE_JOB": job.name},
        "oss": False,
        "all_commit_details_truncated": False,
        "committer_date": author_date,
        "steps": steps,
        "body": vcs.body or "",
        "usage_queued_at": ts_ms(job.queued_at),
        "context_ids": list(job.spec.contexts),
        "fail_reason": None,
        "retry_of": job.retry_of,
        "reponame": repo,
        "ssh_users": [{"github_id": None, "login": wf.started_by.login}] if job.ssh_enabled else [],
        "build_url": f"https://circleci.com/{vcs_short}/{org_name}/{repo}/{job.number}",
        "parallel": job.parallelism,
        "failed": True if job.status in ("failed", "timedout", "infrastructure_fail") else None,
        "branch": vcs.branch,
        "username": org_name,
        "author_date": author_date,
        "why": why,
        "user": {
            "is_user": True,
            "login": actor.login,
            "avatar_url": actor.avatar_url,
            "name": actor.name,
            "vcs_type": vcs_type,
            "id": actor.id,
        },
        "vcs_revision": vcs.revision,
        "workflows": {
            "job_name": job.name,
            "job_id": job.id,
            "workflow_id": wf.id,
            "workspace_id": first_wf.id,
            "upstream_job_ids": list(job.dependencies),
            "upstream_concurrency_map": {},
            "workflow_name": wf.name,
        },
        "owners": [org_name],
        "vcs_tag": vcs.tag,
        "pull_requests": [{"head_sha": vcs.revision, "url": vcs.review_url}]
        if vcs.review_url
        else [],
        "build_num": job.number,
        "infrastructure_fail": job.status == "infrastructure_fail",
        "committer_email": f"{actor.login}@users.noreply.github.com",
        "has_artifacts": True,
        "previous": None,
        "status": V1_STATUS.get(job.status, job.status),
        "committer_name": actor.name,
        "retries": None,
        "subject": vcs.subject,
        "vcs_type": vcs_type,
        "timedout": job.status == "timedout",
        "dont_build": None,
        "lifecycle": "finished" if finished else job.status,
        "no_dependency_cache": False,
        "stop_time": ts_ms(job.stopped_at) if job.stopped_at else None,
        "ssh_disabled": not job.ssh_enabled,
        "build_time_millis": build_time,
        "picard": {
            "build_agent": {
                "image": None,
                "properties": {"build_agent": "1.0.262104-c2f0d04e", "executor": job.spec.executor},
            },
            "resource_class": {"cpu": cpu, "ram": ram, "class": job.spec.resource_class},
            "executor": job.spec.executor,
        },
        "circle_yml": {"string": pipeline.config_compiled},
        "messages": [],
        "is_first_green_build": False,
        "job_name": None,
        "start_time": ts_ms(job.started_at) if job.started_at else None,
        "canceler": {"login": job.canceled_by.login, "name": job.canceled_by.name}
        if job.canceled_by
        else None,
        "all_commit_details": []
        if not vcs.has_commit
        else [
            {
                "committer_date": author_date,
                "body": vcs.body or "",
                "branch": vcs.branch,
                "author_date": author_date,
                "committer_email": f"{actor.login}@users.noreply.github.com",
                "commit": vcs.revision,
                "committer_login": actor.login,
                "committer_name": actor.name,
                "subject": vcs.subject,
                "commit_url": f"{project.external_url}/commit/{vcs.revision}",
                "author_login": actor.login,
                "author_name": actor.name,
                "author_email": f"{actor.login}@users.noreply.github.com",
            }
        ],
        "platform": "2.0",
        "outcome": V1_STATUS.get(job.status) if finished else None,
        "vcs_url": project.external_url,
        "author_name": actor.name,
        "node": None,
        "queued_at": ts_ms(job.queued_at),
        "canceled": job.status == "canceled",
        "author_email": f"{actor.login}@users.noreply.github.com",
    }


# ----------------------------------------------------------------------- output


def find_action(job: Job, step: int, index: int, now: datetime) -> Action | None:
    for plan, row in actions(job, now):
        if plan.step == step:
            return next((action for action in row if action.index == index), None)
    return None


def output_chunks(job: Job, step: int, index: int, now: datetime) -> list[dict[str, str]] | None:
    """The JSON served at an action's output_url, as of `now`; None if there is no such action."""
    action = find_action(job, step, index, now)
    if action is None:
        return None
    lines = _lines(job, action)
    rng = derived_rng("chunks", job.id, step, index)
    # A canceled step's lines are spread over its planned run; only those before the cancel
    # were written.
    planned_end = action.planned_end or action.end
    span = max((planned_end - action.start).total_seconds(), 0.001)
    chunks: list[dict[str, str]] = []
    position = 0
    count = len(lines)
    while position < count:
        # A chunk is written when its first line is produced, so output starts at once.
        when = action.start + timedelta(seconds=span * position / count)
        # Real chunks hold whatever was written in one flush: bigger ones for a long log.
        size = rng.randint(1, 8) * max(1, count // 2000)
        text = "".join(lines[position : position + size])
        position = min(position + size, count)
        if when > now or (action.status == "canceled" and when > action.end):
            break
        chunks.append({"message": text, "time": ts_ms(when), "type": "out"})
    if action.status == "canceled":
        chunks.append(
            {"message": "\r\n\r\nBuild was canceled", "time": ts_ms(action.end), "type": "out"}
        )
    elif action.status in ("failed", "timedout") and action.end <= now:
        message = (
            "Too long with no output (exceeded 10m0s): context deadline exceeded"
            if action.status == "timedout"
            else "Exited with code 1"
        )
        chunks.append({"message": message, "time": ts_ms(action.end), "type": "err"})
    return chunks


def _lines(job: Job, action: Action) -> list[str]:
    kind = action.plan.kind
    rng = derived_rng("lines", job.id, action.plan.step, action.index)
    spec = job.spec
    vcs = job.workflow.pipeline.vcs
    if kind == "spinup":
        return _spinup(job, rng, action)
    if kind == "service":
        return [
            f"Starting container {spec.service}\r\n",
            f"  using image {spec.service}@sha256:{hex_digits(rng, 64)}\r\n",
            'The files belonging to this database system will be owned by user "postgres".\r\n',
            "\r\nPostgreSQL init process complete; ready for start up.\r\n\r\n",
            f"{ts_ms(action.start)} UTC [1] LOG:  database system is ready to accept "
            "connections\r\n",
        ]
    if kind == "env":
        return _env(job, action)
    if kind == "ssh":
        port = 54000 + rng.randint(0, 11000)
        host = ".".join(str(rng.randint(low, high))
                        for low, high in ((3, 54), (0, 255), (0, 255), (1, 254)))
        return [
            "You can now SSH into this box if your SSH public key is added:\r\n",
            f"    $ ssh -p {port} {host}\r\n",
            "\r\n",
            "Use the same SSH public key that you use for your VCS-provider (e.g., GitHub).\r\n",
        ]
    if kind == "checkout":
        subject = vcs.subject if vcs and vcs.subject else "Merge pull request"
        revision = vcs.revision[:7] if vcs else "0000000"
        ref = (vcs.branch or vcs.tag or "main") if vcs else "main"
        return [
            'Making checkout directory "/home/circleci/project"\r\n',
            "Creating .ssh directory\r\n",
            "Adding the following entries to known_hosts:\r\n",
            "github.com ssh-ed25519 "
            "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\r\n",
            "Writing SSH key for checkout to id_rsa\r\n",
            "Fetching from remote repository\r\n",
            "Cloning into '.'...\r\n",
            f"Checking out {'tag' if vcs and vcs.tag else 'branch'}\r\n",
            f"Reset branch '{ref}'\r\n",
            f"HEAD is now at {revision} {subject}\r\n",
        ]
    if kind == "persist":
        return [
            "Creating workspace archive...\r\n",
            "Uploading workspace archive...\r\n",
            "Total size uploaded: 48 MiB\r\n",
        ]
    if kind == "restore":
        key = f"v1-deps-{hex_digits(rng, 12)}"
        return [
            f"Found a cache from build {max(1, (job.number or 2) - rng.randint(3, 40))} "
            f"at {key}\r\n",
            f"Size: {rng.randint(40, 900)} MiB\r\n",
            "Cached paths:\r\n",
            "  * /home/circleci/.cache\r\n",
            "\r\n",
            "Downloading cache archive...\r\n",
            "Validating cache...\r\n",
            "\r\n",
            "Unarchiving cache...\r\n",
        ]
    if kind == "install":
        return _install(job, rng)
    if kind == "tests":
        lines = _tests(job, action)
        if "integration" in spec.name:
            # Integration suites log every query and request: the demo's very long output.
            head = 7 if job.project.spec.language == "python" else 2
            lines[head:head] = _verbose_log(job.id, action.index)
        return lines
    if kind == "lint":
        return _lint(job, action, rng)
    if kind == "upload_tests":
        return [
            "Archiving the following test results\r\n",
            "  * /home/circleci/project/test-results\r\n",
            "\r\n",
            "\r\n",
            "Uploaded\r\n",
        ]
    if kind == "upload_artifacts":
        # The paths the artifacts endpoint lists (known once the job has finished).
        stored = [a.path for a in artifacts(job) if a.node_index == action.index]
        count = len(stored) or rng.randint(1, 40)
        return [
            "Uploading /home/circleci/project/artifacts to artifacts\r\n",
            f"Uploading /home/circleci/project/artifacts ({count} files) to artifacts\r\n",
            *(f"  {path}\r\n" for path in stored),
            "Uploaded\r\n",
        ]
    if kind == "save_cache":
        return [
            "Creating cache archive...\r\n",
            "Uploading cache archive...\r\n",
            f"Stored Cache to v1-deps-{hex_digits(rng, 12)}\r\n",
            "  * /home/circleci/.cache\r\n",
        ]
    return _generic(job, action, rng)


def _spinup(job: Job, rng: Any, action: Action) -> list[str]:
    spec = job.spec
    if spec.executor in ("machine", "macos", "windows"):
        return [
            f"Creating a dedicated VM with {spec.image} image\r\n",
            "Waiting for VM to be provisioned...\r\n",
            f"VM provisioned in {rng.uniform(8, 40):.1f}s\r\n",
            "Build-agent version 1.0.262104-c2f0d04e (2025-01-06T18:04:22+0000)\r\n",
        ]
    image = spec.image
    lines = [
        f"Starting container {image}\r\n",
        f"  image cache not found on this host, downloading {image}\r\n",
        f"{image.split(':')[-1]}: Pulling from {image.split(':')[0]}\r\n",
    ]
    layers = [hex_digits(rng, 12) for _ in range(rng.randint(3, 6))]
    lines += [f"{layer}: Pulling fs layer\r\n" for layer in layers]
    for layer in layers:
        size = rng.randint(5, 300)
        for done in sorted(rng.sample(range(1, size), k=min(3, size - 1))):
            lines.append(f"\x1b[1A\x1b[2K\r{layer}: Downloading  {done}MB/{size}MB\x1b[1B")
        lines.append(f"\x1b[1A\x1b[2K\r{layer}: Pull complete \x1b[1B")
    lines += [
        f"\r\nDigest: sha256:{hex_digits(rng, 64)}\r\n",
        f"Status: Downloaded newer image for {image}\r\n",
        "Build-agent version 1.0.262104-c2f0d04e (2025-01-06T18:04:22+0000)\r\n",
        "System information:\r\n",
        " Server Version: 27.4.1\r\n",
        " Storage Driver: overlay2\r\n",
        "  Backing Filesystem: xfs\r\n",
        " Cgroup Driver: cgroupfs\r\n",
        " Cgroup Version: 2\r\n",
        " Kernel Version: 5.15.0-1057-aws\r\n",
        " Operating System: Ubuntu 22.04.4 LTS\r\n",
        " OSType: linux\r\n",
        " Architecture: x86_64\r\n\r\n",
        f"Starting container {image}\r\n",
        f"Time to create container: {rng.uniform(0.5, 4):.2f}s\r\n",
        f"Time to start container: {rng.uniform(0.2, 1):.2f}s\r\n",
    ]
    return lines


def _env(job: Job, action: Action) -> list[str]:
    wf = job.workflow
    vcs = wf.pipeline.vcs
    _, org_name, repo = job.project.slug.split("/")
    variables = [
        ("BASH_ENV", f"/tmp/.bash_env-{job.id[:24]}-{action.index}-build"),
        ("CI", "true"),
        ("CIRCLECI", "true"),
        ("CIRCLE_BRANCH", (vcs.branch if vcs else None) or ""),
        ("CIRCLE_BUILD_NUM", str(job.number)),
        ("CIRCLE_JOB", job.name),
        ("CIRCLE_NODE_INDEX", str(action.index)),
        ("CIRCLE_NODE_TOTAL", str(job.parallelism)),
        ("CIRCLE_PROJECT_REPONAME", repo),
        ("CIRCLE_PROJECT_USERNAME", org_name),
        ("CIRCLE_SHA1", vcs.revision if vcs else ""),
        ("CIRCLE_WORKFLOW_ID", wf.id),
        ("CIRCLE_WORKING_DIRECTORY", "~/project"),
    ]
    lines = ["Using build environment variables:\r\n"]
    lines += [f"  {name}={value}\r\n" for name, value in variables]
    if job.spec.contexts:
        lines += [
            "\r\nUsing environment variables from project settings and/or contexts:\r\n",
            "  AWS_ACCESS_KEY_ID=**REDACTED**\r\n",
            "  SLACK_WEBHOOK=**REDACTED**\r\n",
            "\r\nThe redacted variables listed above will be masked in run step output.\r\n",
        ]
    return lines


def _install(job: Job, rng: Any) -> list[str]:
    language = job.project.spec.language
    if language == "python":
        packages = [
            "certifi",
            "idna",
            "urllib3",
            "requests",
            "sqlalchemy",
            "alembic",
            "pydantic",
            "fastapi",
            "uvicorn",
            "pytest",
            "pytest-xdist",
            "coverage",
        ]
        lines = [
            f"{BLUE}Installing dependencies from lock file{RESET}\r\n",
            "\r\n",
            f"Package operations: {BLUE}{len(packages)}{RESET} installs, "
            f"{BLUE}0{RESET} updates, {BLUE}0{RESET} removals\r\n",
            "\r\n",
        ]
        lines += [
            f"  {BLUE}-{RESET} Installing {CYAN}{name}{RESET} "
            f"({BOLD}{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}{RESET})\r\n"
            for name in packages
        ]
        return lines
    if language == "typescript":
        return [
            "\r\n",
            f"added {rng.randint(900, 1600)} packages, and audited "
            f"{rng.randint(1600, 1700)} packages in {rng.randint(12, 40)}s\r\n",
            "\r\n",
            f"{rng.randint(100, 250)} packages are looking for funding\r\n",
            "  run `npm fund` for details\r\n",
            "\r\n",
            f"found {GREEN}{BOLD}0{RESET} vulnerabilities\r\n",
        ]
    if language == "kotlin":
        return [
            "Downloading https://services.gradle.org/distributions/gradle-8.10-bin.zip\r\n",
            "...........10%...........20%...........30%..........40%...........50%"
            "...........60%...........70%...........80%...........90%...........100%\r\n",
            "\r\n",
            f"{GREEN}BUILD SUCCESSFUL{RESET} in {rng.randint(20, 90)}s\r\n",
        ]
    return [
        f"go: downloading github.com/gruntwork-io/terratest v0.47.{rng.randint(0, 2)}\r\n",
        "go: downloading github.com/stretchr/testify v1.9.0\r\n",
        "go: downloading github.com/aws/aws-sdk-go v1.55.5\r\n",
    ]


VERBOSE_LINES = 24_000
"""Lines of debug logging an integration-test step prints (20k+: a realistic long log)."""


@lru_cache(maxsize=16)
def _verbose_log(job_id: str, index: int) -> tuple[str, ...]:
    """An integration suite's query and request log: built once per container, from a
    formula rather than a random draw per line, so 24,000 lines cost a few milliseconds."""
    base = derived_rng("verbose", job_id, index).randint(1000, 9000)
    lines = []
    for i in range(VERBOSE_LINES):
        tick = 5000 + i * 23
        stamp = f"{DIM}{tick // 60000:02d}:{tick // 1000 % 60:02d}.{tick % 1000:03d}{RESET}"
        key = base + i // 6
        kind = i % 6
        if kind == 0:
            text = f"{stamp} {DIM}DEBUG{RESET} sqlalchemy.engine BEGIN (implicit)"
        elif kind == 1:
            text = (
                f"{stamp} {DIM}DEBUG{RESET} sqlalchemy.engine SELECT orders.id, orders.total, "
                f"orders.status FROM orders WHERE orders.id = %(id_1)s [generated in "
                f"0.000{i % 89:02d}s] {{'id_1': {key}}}"
            )
        elif kind == 2:
            text = (
                f"{stamp} {DIM}DEBUG{RESET} sqlalchemy.engine INSERT INTO order_events "
                f"(order_id, kind) VALUES (%(order_id)s, %(kind)s) {{'order_id': {key}, "
                f"'kind': 'refund.requested'}}"
            )
        elif kind == 3:
            text = (
                f"{stamp} {CYAN}INFO {RESET} http POST /api/v2/orders/{key}/refund "
                f"{GREEN}201{RESET} in {i % 97 + 3}ms"
            )
        elif kind == 4 and i % 300 == 4:
            text = (
                f"{stamp} {YELLOW}WARN {RESET} worker job refunds.settle took "
                f"{i % 900 + 1000}ms (budget 1000ms), order {key}"
            )
        elif kind == 4:
            text = f"{stamp} {DIM}DEBUG{RESET} worker queued refunds.settle for order {key}"
        else:
            text = f"{stamp} {DIM}DEBUG{RESET} sqlalchemy.engine COMMIT"
        lines.append(text + "\r\n")
    return tuple(lines)


def _tests(job: Job, action: Action) -> list[str]:
    results = index_test_results(job, action.index)
    language = job.project.spec.language
    failed = [r for r in results if r.result == "failure"]
    passed = sum(1 for r in results if r.result == "success")
    skipped = sum(1 for r in results if r.result == "skipped")
    seconds = max((action.end - action.start).total_seconds(), 0.0)
    if language == "python":
        lines = [
            f"{BOLD}============================= test session starts "
            f"=============================={RESET}\r\n",
            "platform linux -- Python 3.12.3, pytest-8.3.4, pluggy-1.5.0\r\n",
            "rootdir: /home/circleci/project\r\n",
            "configfile: pyproject.toml\r\n",
            "plugins: xdist-3.6.1, cov-6.0.0\r\n",
            f"{BOLD}collected {len(results)} items{RESET}\r\n",
            "\r\n",
        ]
        by_file: dict[str, list[str]] = {}
        for r in results:
            mark = {
                "success": f"{GREEN}.{RESET}",
                "failure": f"{RED}F{RESET}",
                "skipped": f"{YELLOW}s{RESET}",
            }[r.result]
            by_file.setdefault(r.case.file, []).append(mark)
        done = 0
        for file, marks in by_file.items():
            done += len(marks)
            percent = int(100 * done / max(len(results), 1))
            lines.append(f"{file} {''.join(marks)}{' ' * 8}[{percent:3d}%]\r\n")
        if failed:
            lines.append(
                f"\r\n{RED}=================================== FAILURES "
                f"==================================={RESET}\r\n"
            )
            for r in failed:
                cls = r.case.classname.rsplit(".", 1)[-1]
                lines.append(f"{RED}{BOLD}_____ {cls}.{r.case.name} _____{RESET}\r\n")
                lines += [f"{RED}E   {line}{RESET}\r\n" for line in (r.message or "").split("\n")]
            lines.append(
                f"{BOLD}=========================== short test summary info "
                f"============================{RESET}\r\n"
            )
            lines += [f"{RED}FAILED{RESET} {r.case.file}::{r.case.name}\r\n" for r in failed]
        colour = RED if failed else GREEN
        parts = ([f"{len(failed)} failed"] if failed else []) + [f"{passed} passed"]
        if skipped:
            parts.append(f"{skipped} skipped")
        lines.append(
            f"{colour}{'=' * 20} {', '.join(parts)} in {seconds:.2f}s {'=' * 20}{RESET}\r\n"
        )
        return lines
    lines = [
        f"{BOLD}Running {len(results)} tests using {job.spec.command or 'the test runner'}"
        f"{RESET}\r\n",
        "\r\n",
    ]
    for r in results:
        if r.result == "success":
            lines.append(
                f"  {GREEN}{CHECK}{RESET} {r.case.classname} > {r.case.name} "
                f"({int(r.run_time * 1000)} ms)\r\n"
            )
        elif r.result == "skipped":
            lines.append(f"  {YELLOW}-{RESET} {r.case.classname} > {r.case.name} (skipped)\r\n")
        else:
            lines.append(f"  {RED}{CROSS} {r.case.classname} > {r.case.name}{RESET}\r\n")
            lines += [f"      {RED}{line}{RESET}\r\n" for line in (r.message or "").split("\n")]
    summary = f"{len(failed)} failed, " if failed else ""
    lines += [
        "\r\n",
        f"{BOLD}Tests:{RESET}       {RED if failed else GREEN}{summary}"
        f"{passed} passed{RESET}, {len(results)} total\r\n",
        f"{BOLD}Time:{RESET}        {seconds:.3f} s\r\n",
    ]
    return lines


def _fails(job: Job, action: Action) -> bool:
    """Whether this action is (or, while running, will turn out to be) the failing one."""
    outcome = job.status if job.status not in ("running", "queued") else job.outcome
    return (
        outcome == "failed"
        and action.index == job.failing_index
        and action.plan.weight == 60
        and action.status != "canceled"
    )


def _lint(job: Job, action: Action, rng: Any) -> list[str]:
    lines = [f"$ {job.spec.command or 'lint'}\r\n"]
    if _fails(job, action):
        for _ in range(rng.randint(1, 4)):
            line = rng.randint(10, 400)
            lines.append(
                f"{BOLD}src/app/orders.py{RESET}:{line}:5: {RED}{BOLD}F841{RESET} "
                "Local variable `total` is assigned to but never used\r\n"
            )
        lines.append(f"Found {rng.randint(1, 4)} errors.\r\n")
        return lines
    lines.append(f"{GREEN}All checks passed!{RESET}\r\n")
    return lines


def _generic(job: Job, action: Action, rng: Any) -> list[str]:
    spec = job.spec
    lines = [f"$ {spec.command or spec.name}\r\n"]
    if spec.kind == "build" and spec.executor == "machine":
        for step in range(1, rng.randint(6, 10)):
            command = rng.choice(["apt-get update", "pip install .", "npm run build", "make"])
            lines.append(f"#{step} [{step}/9] RUN {command}\r\n")
            lines.append(f"#{step} DONE {rng.uniform(0.1, 30):.1f}s\r\n")
        lines.append(f"#10 naming to docker.io/acme/{job.project.name}:latest done\r\n")
    elif spec.kind == "deploy":
        lines += [
            f"Deploying {job.project.name} ({spec.contexts[0] if spec.contexts else 'prod'})\r\n",
            f"{GREEN}{CHECK}{RESET} Uploaded release bundle\r\n",
            f"{GREEN}{CHECK}{RESET} Rolled out {rng.randint(2, 12)} instances\r\n",
            f"{GREEN}{CHECK}{RESET} Health checks passing\r\n",
        ]
    else:
        for _ in range(rng.randint(4, 16)):
            lines.append(f"[{rng.randint(1, 99):02d}] processed {rng.randint(1, 5000)} items\r\n")
    if _fails(job, action):
        lines.append(f"{RED}error: command failed with exit code 1{RESET}\r\n")
    return lines
