"""The messages of circletui's own.

The monitor's news: monitor callbacks run on the app's event loop; a screen turns each into
``ResourceUpdated`` / ``ResourceFailed`` posted to itself, so widgets update in message handlers
like any other event.

Navigation: a screen never builds another screen; it posts ``OpenWorkflow`` / ``OpenJob``,
which bubble up to the app, and the app pushes the screen (so screens do not import each other).
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
