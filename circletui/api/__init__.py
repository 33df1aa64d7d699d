"""The CircleCI API client package: ``CircleCIClient``, its models, errors, retries and paging.

No Textual here; the monitor and the UI import from this package, not from its modules.
"""

import sys

# httpx imports its command-line tool (``httpx._main``: click, pygments, rich.progress) when
# it is imported, about 40 ms of a start that needs only the client. It does so inside
# ``try: ... except ImportError`` (https://github.com/encode/httpx/blob/master/httpx/__init__.py),
# and a None in sys.modules makes that import raise ImportError
# (https://docs.python.org/3/reference/import.html#the-module-cache), so the tool is skipped.
# Only when httpx is not imported yet: a process that already has it keeps what it has.
# tests/test_production_path.py checks that httpx still imports and works this way.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[assignment]

from .client import CircleCIClient, RateLimitInfo, Secret
from .errors import (
    BadRequest,
    CertificateNotTrusted,
    CircleCIError,
    ConnectionRefused,
    Forbidden,
    HTTPError,
    InvalidResponse,
    NetworkError,
    NotFound,
    RateLimited,
    ReadOnlyRefused,
    ServerError,
    Timeout,
    TransportError,
    Unauthorized,
)
from .models import (
    Actor,
    Artifact,
    Collaboration,
    Commit,
    FlakyTest,
    Job,
    JobDetails,
    JobMessage,
    Message,
    Metrics,
    Page,
    ParallelRun,
    Pipeline,
    PipelineConfig,
    PipelineCreation,
    PipelineError,
    RerunResult,
    TestResult,
    Trigger,
    User,
    Vcs,
    Workflow,
    WorkflowMetrics,
    WorkflowRun,
    WorkflowSummary,
    parse_time,
)
from .pagination import collect, paginate
from .retry import RetryEvent, RetryPolicy, parse_retry_after

__all__ = [
    "Actor",
    "Artifact",
    "BadRequest",
    "CertificateNotTrusted",
    "CircleCIClient",
    "CircleCIError",
    "Collaboration",
    "Commit",
    "ConnectionRefused",
    "FlakyTest",
    "Forbidden",
    "HTTPError",
    "InvalidResponse",
    "Job",
    "JobDetails",
    "JobMessage",
    "Message",
    "Metrics",
    "NetworkError",
    "NotFound",
    "Page",
    "ParallelRun",
    "Pipeline",
    "PipelineConfig",
    "PipelineCreation",
    "PipelineError",
    "RateLimitInfo",
    "RateLimited",
    "ReadOnlyRefused",
    "RerunResult",
    "RetryEvent",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "TestResult",
    "Timeout",
    "TransportError",
    "Trigger",
    "Unauthorized",
    "User",
    "Vcs",
    "Workflow",
    "WorkflowMetrics",
    "WorkflowRun",
    "WorkflowSummary",
    "collect",
    "paginate",
    "parse_retry_after",
    "parse_time",
]
