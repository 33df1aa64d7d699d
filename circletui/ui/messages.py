"""The messages of circletui's own.

The monitor's news: monitor callbacks run on the app's event loop; a screen turns each into
``ResourceUpdated`` / ``ResourceFailed`` posted to itself, so widgets update in message handlers
like any other event.

Navigation: a screen never builds another screen; it posts ``OpenWorkflow`` / ``OpenJob`` /
``OpenHealth`` / ``OpenFlaky`` / ``OpenConfig``, which bubble up to the app, and the app pushes
the screen (so screens do not import each other).
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from circletui.api.errors import CircleCIError
from circletui.api.models import Job, Pipeline, Workflow


class ResourceUpdated(Message):
    """A subscribed resource has a new value."""

    def __init__(self, resource: Any, value: Any) -> None:
        super().__init__()
        self.resource = resource
        self.value = value


class ResourceFailed(Message):
    """A subscribed resource could not be fetched (the last good value stays on screen)."""

    def __init__(self, resource: Any, error: CircleCIError) -> None:
        super().__init__()
        self.resource = resource
        self.error = error


class OpenWorkflow(Message):
    """Show this workflow's graph."""

    def __init__(self, pipeline: Pipeline, workflow: Workflow) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.workflow = workflow


class OpenJob(Message):
    """Show this job's steps, tests, artifacts and details."""

    def __init__(self, pipeline: Pipeline, workflow: Workflow, job: Job) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.workflow = workflow
        self.job = job


class OpenHealth(Message):
    """Show a project's Insights (success rate, durations, trends) on a branch."""

    def __init__(self, project_slug: str, branch: str | None) -> None:
        super().__init__()
        self.project_slug = project_slug
        self.branch = branch


class OpenFlaky(Message):
    """Show a project's flaky tests."""

    def __init__(self, project_slug: str) -> None:
        super().__init__()
        self.project_slug = project_slug


class OpenConfig(Message):
    """Show a pipeline's configuration, scrolled to ``job_name``'s section when given.

    ``label`` names the pipeline in the location bar (``gh/acme/api #42``).
    """

    def __init__(self, pipeline_id: str, job_name: str | None = None, *,
                 label: str = "") -> None:
        super().__init__()
        self.pipeline_id = pipeline_id
        self.job_name = job_name
        self.label = label

    @classmethod
    def of(cls, pipeline: Pipeline, job: Job | None = None) -> OpenConfig:
        """``pipeline``'s config, at ``job``'s section (an approval job has none)."""
        return cls(pipeline.id, job.name if job is not None and not job.is_approval else None,
                   label=f"{pipeline.project_slug} #{pipeline.number}")
