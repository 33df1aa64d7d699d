"""What is polled and when: subscriptions, adaptive cadence, caching, change events.

No Textual here: the UI turns the callbacks into messages.
"""

from circletui.monitor.actions import ActionInProgress, Actions
from circletui.monitor.feeds import (
    ApprovalFeed,
    PendingApproval,
    PipelineFeed,
    PipelineRow,
    latest_attempts,
    pipeline_status,
)
from circletui.monitor.job_resources import (
    JobArtifacts,
    JobBuild,
    JobTests,
    OutputSnapshot,
    StepOutput,
    supports_v1,
)
from circletui.monitor.poller import Health, Monitor, Subscription
from circletui.monitor.resources import (
    Cadence,
    JobDetailsResource,
    PipelineList,
    PipelineScope,
    PipelineWorkflows,
    Resource,
    WorkflowJobs,
)

__all__ = [
    "ActionInProgress",
    "Actions",
    "ApprovalFeed",
    "Cadence",
    "Health",
    "JobArtifacts",
    "JobBuild",
    "JobDetailsResource",
    "JobTests",
    "Monitor",
    "OutputSnapshot",
    "PendingApproval",
    "PipelineFeed",
    "PipelineList",
    "PipelineRow",
    "PipelineScope",
    "PipelineWorkflows",
    "Resource",
    "StepOutput",
    "Subscription",
    "WorkflowJobs",
    "latest_attempts",
    "pipeline_status",
    "supports_v1",
]
