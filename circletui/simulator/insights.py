"""Insights: workflow metrics over a reporting window, a workflow's recent runs, its summary,
and a project's flaky tests, all computed from the world.

Metrics use the workflows the world actually ran (durations in seconds, credits from resource
classes), so they move as the world runs and differ between windows (the world's history
spans about three days: ``last-24-hours`` and ``last-7-days`` tell different stories);
trends, which compare with a previous window the world does not have, are seeded.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from circletui.simulator.jobdata import catalogue
from circletui.simulator.model import Project, Workflow
from circletui.simulator.rng import derived_rng
from circletui.simulator.serialize import ts_ms

CREDITS_PER_MINUTE = {
    "small": 5,
    "medium": 10,
    "large": 20,
    "xlarge": 40,
    "arm.large": 20,
    "macos.m1.medium.gen1": 150,
    "windows.medium": 40,
}


def _credits(wf: Workflow) -> int:
    total = 0.0
    for job in wf.jobs:
        if job.carried or job.started_at is None or job.stopped_at is None:
            continue
        minutes = (job.stopped_at - job.started_at).total_seconds() / 60
        total += minutes * CREDITS_PER_MINUTE.get(job.spec.resource_class, 10) * job.parallelism
    return int(total)


def _duration(wf: Workflow) -> int:
    assert wf.stopped_at is not None
    return max(int((wf.stopped_at - wf.created_at).total_seconds()), 0)


def _mttr(runs: list[Workflow]) -> int | None:
    """Mean seconds from a failed run to the next successful one."""
    gaps: list[float] = []
    failed_since: datetime | None = None
    for wf in sorted(runs, key=lambda w: w.created_at):
        if wf.status == "failed" and failed_since is None and wf.stopped_at is not None:
            failed_since = wf.stopped_at
        elif wf.status == "success" and failed_since is not None and wf.stopped_at is not None:
            gaps.append((wf.stopped_at - failed_since).total_seconds())
            failed_since = None
    return int(statistics.mean(gaps)) if gaps else None


#: the spec's ``reporting-window`` values, in days
WINDOW_DAYS = {
    "last-24-hours": 1,
    "last-7-days": 7,
    "last-30-days": 30,
    "last-60-days": 60,
    "last-90-days": 90,
}

#: the statuses a run listed by Insights can have (finished ones)
RUN_STATUSES = ("success", "failed", "error", "canceled", "unauthorized")


def _on_branch(wf: Workflow, project: Project, branch: str | None, all_branches: bool) -> bool:
    wanted = branch or project.default_branch
    return all_branches or (wf.pipeline.vcs is not None and wf.pipeline.vcs.branch == wanted)


def _duration_metrics(durations: list[int]) -> dict[str, Any]:
    durations = sorted(durations)
    if not durations:
        keys = ("min", "mean", "median", "p95", "max", "standard_deviation")
        return dict.fromkeys(keys)
    return {
        "min": durations[0],
        "mean": int(statistics.mean(durations)),
        "median": int(statistics.median(durations)),
        "p95": durations[min(len(durations) - 1, round(0.95 * (len(durations) - 1)))],
        "max": durations[-1],
        "standard_deviation": round(statistics.pstdev(durations), 2),
    }


def _recoveries(runs: list[Workflow]) -> int:
    count, failing = 0, False
    for wf in sorted(runs, key=lambda w: w.created_at):
        if wf.status == "failed":
            failing = True
        elif wf.status == "success" and failing:
            count, failing = count + 1, False
    return count


def _run_metrics(runs: list[Workflow]) -> tuple[list[Workflow], dict[str, Any]]:
    """What both metrics answers say of ``runs``: counts, success rate, MTTR and credits over
    the finished ones, the successful ones' durations; and the finished runs themselves."""
    done = [wf for wf in runs if wf.finished and wf.stopped_at is not None]
    successful = [wf for wf in done if wf.status == "success"]
    return done, {
        "total_runs": len(runs),
        "successful_runs": len(successful),
        "mttr": _mttr(done),
        "total_credits_used": sum(_credits(wf) for wf in done),
        "failed_runs": sum(1 for wf in done if wf.status in ("failed", "error")),
        "success_rate": round(len(successful) / len(done), 4) if done else 0.0,
        "duration_metrics": _duration_metrics([_duration(wf) for wf in successful]),
    }


def project_workflow_metrics(
    workflows: list[Workflow],
    project: Project,
    branch: str | None,
    all_branches: bool,
    window: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """GET /insights/{slug}/workflows: each workflow's metrics over the reporting window."""
    days = WINDOW_DAYS[window]
    start = now - timedelta(days=days)
    runs_by_name: dict[str, list[Workflow]] = {}
    for wf in workflows:
        if (wf.project is project and wf.created_at >= start
                and _on_branch(wf, project, branch, all_branches)):
            runs_by_name.setdefault(wf.name, []).append(wf)
    items = []
    for name in sorted(runs_by_name):
        runs = runs_by_name[name]
        done, metrics = _run_metrics(runs)
        first = min(wf.created_at for wf in runs)
        # Runs per day over the part of the window the project has history for.
        span = max(min(days, (now - first).total_seconds() / 86400), 1.0)
        items.append({
            "name": name,
            "metrics": {
                **metrics,
                "total_recoveries": _recoveries(done),
                "throughput": round(len(runs) / span, 3),
            },
            "window_start": ts_ms(first),
            "window_end": ts_ms(max(wf.created_at for wf in runs)),
            "project_id": project.id,
        })
    return items


def workflow_runs(
    workflows: list[Workflow],
    project: Project,
    name: str,
    branch: str | None,
    all_branches: bool,
    start: datetime | None,
    end: datetime | None,
) -> list[Workflow]:
    """GET /insights/{slug}/workflows/{name}: the finished runs, newest first."""
    runs = [
        wf
        for wf in workflows
        if wf.project is project
        and wf.name == name
        and wf.finished
        and wf.stopped_at is not None
        and wf.status in RUN_STATUSES
        and _on_branch(wf, project, branch, all_branches)
        and (start is None or wf.created_at >= start)
        and (end is None or wf.created_at <= end)
    ]
    return sorted(runs, key=lambda wf: wf.created_at, reverse=True)


def run_json(wf: Workflow) -> dict[str, Any]:
    return {
        "id": wf.id,
        "branch": wf.pipeline.vcs.branch if wf.pipeline.vcs and wf.pipeline.vcs.branch else "",
        "duration": _duration(wf),
        "created_at": ts_ms(wf.created_at),
        "stopped_at": ts_ms(wf.stopped_at) if wf.stopped_at else None,
        "credits_used": _credits(wf),
        "status": wf.status,
        "is_approval": any(job.type == "approval" for job in wf.jobs),
    }


def workflow_summary(
    workflows: list[Workflow],
    project: Project,
    name: str,
    branch: str | None,
    all_branches: bool,
    now: datetime,
) -> dict[str, Any]:
    """GET /insights/{slug}/workflows/{name}/summary."""
    runs = [wf for wf in workflows if wf.project is project and wf.name == name
            and _on_branch(wf, project, branch, all_branches)]
    done, metrics = _run_metrics(runs)
    start = min((wf.created_at for wf in runs), default=now)
    end = max((wf.created_at for wf in runs), default=now)
    days = max((now - start).total_seconds() / 86400, 1.0)
    wanted = branch or project.default_branch
    rng = derived_rng("trends", project.slug, name, wanted, all_branches)
    return {
        "metrics": {
            **metrics,
            "completed_runs": len(done),
            "window_start": ts_ms(start),
            "window_end": ts_ms(end),
            "throughput": round(len(runs) / days, 3),
        },
        "trends": {
            "total_runs": round(rng.uniform(0.7, 1.4), 3),
            "failed_runs": round(rng.uniform(0.5, 1.8), 3),
            "success_rate": round(rng.uniform(0.85, 1.15), 3),
            "p95_duration_secs": round(rng.uniform(0.8, 1.3), 3),
            "median_duration_secs": round(rng.uniform(0.8, 1.3), 3),
            "total_credits_used": round(rng.uniform(0.7, 1.4), 3),
            "mttr": round(rng.uniform(0.5, 1.5), 3),
            "throughput": round(rng.uniform(0.7, 1.4), 3),
        },
        "workflow_names": sorted({wf.name for wf in workflows if wf.project is project}),
    }


def flaky_tests(
    workflows: list[Workflow], project: Project, kebab_case: bool = False
) -> dict[str, Any]:
    """GET /insights/{slug}/flaky-tests: a few catalogue tests flaking in recent runs.

    Keys are snake_case, as live CircleCI sends them although the spec documents kebab-case
    (CircleCI-Public/mcp-server-circleci PR #23: the docs "seem to be incorrect here");
    `kebab_case` gives the documented form.
    """
    test_jobs = [
        job
        for wf in workflows
        if wf.project is project
        for job in wf.jobs
        if job.spec.kind == "tests" and job.number is not None and not job.carried
    ]
    rng = derived_rng("flaky", project.slug)
    items: list[dict[str, Any]] = []
    names: set[tuple[str, str]] = set()
    for job in test_jobs[:40]:
        if rng.random() > 0.15:
            continue
        cases = catalogue(project, "integration" if "integration" in job.name else job.name)
        case = cases[rng.randrange(len(cases))]
        names.add((case.classname, case.name))
        wf = job.workflow
        items.append(
            {
                "time_wasted": rng.randint(20, 900),
                "workflow_created_at": ts_ms(wf.created_at),
                "workflow_id": wf.id,
                "classname": case.classname,
                "pipeline_number": wf.pipeline.number,
                "workflow_name": wf.name,
                "test_name": case.name,
                "job_name": job.name,
                "job_number": job.number,
                "times_flaked": rng.randint(1, 6),
                "source": project.spec.test_source,
                "file": case.file,
            }
        )
    body = {"flaky_tests": items, "total_flaky_tests": float(len(names))}
    return kebab_keys(body) if kebab_case else body


def kebab_keys(data: Any) -> Any:
    """`data` with every object key's underscores turned into hyphens, at every depth."""
    if isinstance(data, dict):
        return {key.replace("_", "-"): kebab_keys(value) for key, value in data.items()}
    if isinstance(data, list):
        return [kebab_keys(item) for item in data]
    return data
