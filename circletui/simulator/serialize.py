"""API v2 JSON shapes of the world's entities, in the real service's key order.

Conventions copied from real captures: absent optional keys are omitted rather than null;
`stopped_at` and `next_page_token` are null while unknown; pipelines and job details carry
millisecond timestamps while workflows and workflow-job lists carry whole seconds. Quirks
switch on documented departures from the spec.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime
from typing import Any

from circletui.simulator.model import VCS_LONG, Job, Org, Pipeline, Project, User, Workflow

UNKNOWN_TRIGGER_TYPE = "Decoupled Ingestion System"
EXECUTOR_TYPES = {"docker": "docker", "machine": "machine", "macos": "macos", "windows": "windows"}


def ts_ms(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def ts_s(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def me_json(user: User) -> dict[str, Any]:
    # Production sends avatar_url on /me although the spec lists three keys.
    data: dict[str, Any] = {"name": user.name, "login": user.login, "id": user.id}
    if user.avatar_url:
        data["avatar_url"] = user.avatar_url
    return data


def user_json(user: User) -> dict[str, Any]:
    return {"name": user.name, "login": user.login, "id": user.id}


def collaboration_json(org: Org) -> dict[str, Any]:
    return {
        "id": org.id,
        "vcs-type": org.vcs_type,
        "name": org.name,
        "avatar_url": org.avatar_url,
        "slug": org.slug,
    }


def project_json(project: Project) -> dict[str, Any]:
    provider = {"gh": "GitHub", "bb": "Bitbucket", "circleci": "CircleCI"}[project.spec.vcs]
    return {
        "slug": project.slug,
        "organization_name": project.org.name,
        "organization_id": project.org.id,
        "name": project.name,
        "id": project.id,
        "organization_slug": project.org.slug,
        "vcs_info": {
            "vcs_url": project.external_url,
            "provider": provider,
            "default_branch": project.default_branch,
        },
    }


def pipeline_json(pipeline: Pipeline, quirks: Set[str]) -> dict[str, Any]:
    trigger_type = pipeline.trigger_type
    if "unknown_enum_values" in quirks and pipeline.project.spec.vcs == "circleci":
        trigger_type = UNKNOWN_TRIGGER_TYPE
    data: dict[str, Any] = {
        "id": pipeline.id,
        "errors": [{"type": kind, "message": message} for kind, message in pipeline.errors],
        "project_slug": pipeline.project.slug,
        "updated_at": ts_ms(pipeline.created_at),
        "number": pipeline.number,
    }
    if pipeline.trigger_parameters is not None:
        data["trigger_parameters"] = pipeline.trigger_parameters
    data["state"] = pipeline.state
    data["created_at"] = ts_ms(pipeline.created_at)
    data["trigger"] = {
        "received_at": ts_ms(pipeline.created_at),
        "type": trigger_type,
        "actor": {"login": pipeline.actor.login, "avatar_url": pipeline.actor.avatar_url},
    }
    vcs = pipeline.vcs
    if vcs is not None:
        vcs_data: dict[str, Any] = {
            "origin_repository_url": vcs.origin_url,
            "target_repository_url": vcs.target_url,
            "revision": vcs.revision,
            "provider_name": vcs.provider_name,
        }
        if vcs.review_id is not None:
            vcs_data["review_id"] = vcs.review_id
            vcs_data["review_url"] = vcs.review_url
        if vcs.has_commit:
            vcs_data["commit"] = {"body": vcs.body, "subject": vcs.subject}
        if vcs.tag is not None:
            vcs_data["tag"] = vcs.tag
        elif vcs.branch is not None:
            vcs_data["branch"] = vcs.branch
        data["vcs"] = vcs_data
    return data


def pipeline_creation_json(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "number": pipeline.number,
        "state": pipeline.state,
        "id": pipeline.id,
        "created_at": ts_ms(pipeline.created_at),
    }


def config_json(pipeline: Pipeline) -> dict[str, Any]:
    return {"source": pipeline.config_source, "compiled": pipeline.config_compiled}


def workflow_json(wf: Workflow) -> dict[str, Any]:
    data: dict[str, Any] = {"pipeline_id": wf.pipeline.id}
    if wf.canceled_by is not None:
        data["canceled_by"] = wf.canceled_by.id
    data.update(
        {
            "id": wf.id,
            "name": wf.name,
            "project_slug": wf.project.slug,
            "status": wf.status,
            "started_by": wf.started_by.id,
            "pipeline_number": wf.pipeline.number,
            "created_at": ts_s(wf.created_at),
            "stopped_at": ts_s(wf.stopped_at) if wf.stopped_at else None,
        }
    )
    return data


def job_item_json(job: Job, quirks: Set[str]) -> dict[str, Any]:
    """One item of GET /workflow/{id}/job."""
    old_approval = job.type == "approval" and "approval_without_job_number" in quirks
    data: dict[str, Any] = {}
    if job.canceled_by is not None:
        data["canceled_by"] = job.canceled_by.id
    data["dependencies"] = list(job.dependencies)
    if job.number is not None and not old_approval:
        data["job_number"] = job.number
    data["id"] = job.id
    if job.started_at is not None and not old_approval:
        data["started_at"] = ts_s(job.started_at)
    elif "null_started_at" in quirks or old_approval:
        data["started_at"] = None
    else:
        # The spec requires a date-time; the workflow's creation is the closest true statement.
        data["started_at"] = ts_s(job.workflow.created_at)
    data["name"] = job.name
    if job.approved_by is not None:
        data["approved_by"] = job.approved_by.id
    data["project_slug"] = job.project.slug
    data["status"] = job.status
    data["type"] = job.type
    if not old_approval:
        data["stopped_at"] = ts_s(job.stopped_at) if job.stopped_at else None
    if job.type == "approval":
        data["approval_request_id"] = job.id
    return data


def long_slug(project: Project) -> str:
    vcs, rest = project.slug.split("/", 1)
    return f"{VCS_LONG[vcs]}/{rest}"


def job_web_url(job: Job) -> str:
    wf = job.workflow
    return (
        f"https://app.circleci.com/pipelines/{long_slug(job.project)}/"
        f"{wf.pipeline.number}/workflows/{wf.id}/jobs/{job.number}"
    )


def parallel_status(job: Job, index: int) -> str:
    if job.status == "failed" and job.parallelism > 1 and index != job.failing_index:
        return "success"
    return job.status


def job_details_json(job: Job, quirks: Set[str]) -> dict[str, Any]:
    """GET /project/{slug}/job/{number} for a build job that has a number."""
    project = job.project
    assert job.number is not None and job.queued_at is not None
    project_data: dict[str, Any] = {
        "external_url": project.external_url,
        "slug": project.slug,
        "name": project.name,
    }
    if "no_project_id" not in quirks:
        project_data["id"] = project.id
    if job.started_at is not None:
        started: str | None = ts_ms(job.started_at)
    elif "null_started_at" in quirks:
        started = None
    else:
        started = ts_ms(job.queued_at)
    duration = None
    if job.started_at is not None and job.stopped_at is not None:
        duration = int((job.stopped_at - job.started_at).total_seconds() * 1000)
    created = job.queued_at
    data: dict[str, Any] = {
        "web_url": job_web_url(job),
        "project": project_data,
        "parallel_runs": [
            {"index": index, "status": parallel_status(job, index)}
            for index in range(job.parallelism)
        ],
        "started_at": started,
        "latest_workflow": {"name": job.workflow.name, "id": job.workflow.id},
        "name": job.name,
        "executor": {
            "resource_class": job.spec.resource_class,
            "type": EXECUTOR_TYPES[job.spec.executor],
        },
        "parallelism": job.parallelism,
        "status": job.status,
        "number": job.number,
        "pipeline": {"id": job.workflow.pipeline.id},
        "duration": duration,
        "created_at": ts_ms(created),
        "messages": [],
        "contexts": [{"name": name} for name in job.spec.contexts],
        "organization": {"name": project.org.name},
        "queued_at": ts_ms(job.queued_at),
        "stopped_at": ts_ms(job.stopped_at) if job.stopped_at else None,
    }
    return data
