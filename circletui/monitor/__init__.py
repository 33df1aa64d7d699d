"""What is polled and when: subscriptions, adaptive cadence, caching, change events.

No Textual here: the UI turns the callbacks into messages. What only the job screen polls
(v1.1 steps, step output, tests, artifacts) is in ``monitor.job_resources``, imported by that
screen alone, so that starting the app does not load it.
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
from circletui.monitor.follow import FollowRerun
from circletui.monitor.insights import Insights
from circletui.monitor.poller import Health, Monitor, Subscription
from circletui.monitor.resources import (
    Cadence,
    JobInfo,
    PipelineInfo,
    PipelineList,
    PipelineScope,
    PipelineWorkflows,
    Resource,
    WorkflowJobs,
)
from circletui.monitor.watch import (
    Watches,
    WatchEvent,
    job_outcome,
    pipeline_outcome,
    workflow_outcome,
)

__all__ = [
    "ActionInProgress",
    "Actions",
    "ApprovalFeed",
    "Cadence",
    "FollowRerun",
    "Health",
    "Insights",
    "JobInfo",
    "Monitor",
    "PendingApproval",
    "PipelineFeed",
    "PipelineInfo",
    "PipelineList",
    "PipelineRow",
    "PipelineScope",
    "PipelineWorkflows",
    "Resource",
    "Subscription",
    "WatchEvent",
    "Watches",
    "WorkflowJobs",
    "job_outcome",
    "latest_attempts",
    "pipeline_outcome",
    "pipeline_status",
    "workflow_outcome",
]
