"""Every answer the OpenAPI document allows, made hostile, goes through the models, the
pipeline rows, the workflow graph layout and the text cleaning without an exception."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given

from circletui.api.models import Job, JobDetails, Page, Pipeline, Workflow
from circletui.graph import layout
from circletui.monitor import latest_attempts, pipeline_status
from circletui.ui.text import clean

from .spec_data import hostile_answers

PIPELINES = "/pipeline"
WORKFLOWS = "/pipeline/{pipeline-id}/workflow"
JOBS = "/workflow/{id}/job"
JOB_DETAILS = "/project/{project-slug}/job/{job-number}"


@given(hostile_answers(PIPELINES))
def test_pipeline_pages(data) -> None:
    page = Page.from_api(data, Pipeline.from_api)
    for pipeline in page.items:
        clean(pipeline.subject or "")
        clean(pipeline.branch or "")
        pipeline_status(pipeline, None)


@given(hostile_answers(PIPELINES), hostile_answers(WORKFLOWS))
def test_workflows_and_pipeline_status(pipelines, workflows) -> None:
    items = Page.from_api(pipelines, Pipeline.from_api).items
    flows = Page.from_api(workflows, Workflow.from_api).items
    latest = latest_attempts(flows)
    assert len(latest) <= len(flows)
    for pipeline in items:
        assert isinstance(pipeline_status(pipeline, flows), str)


@given(hostile_answers(JOBS))
def test_jobs_lay_out_as_a_graph(data) -> None:
    jobs = Page.from_api(data, Job.from_api).items
    drawn = layout(jobs)
    assert drawn is not None


@given(hostile_answers(JOB_DETAILS))
def test_job_details(data) -> None:
    details = JobDetails.from_api(data)
    assert details is not None
    assert datetime.now(UTC)
