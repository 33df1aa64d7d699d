"""What is fetched on demand and kept: Insights figures, flaky tests and pipeline configs.

CircleCI refreshes Insights about daily ("Metrics are refreshed daily, and thus may not include
executions from the last 24 hours", https://circleci.com/docs/api/v2/#operation/getProjectWorkflowMetrics),
so none of this is polled: a screen asks, the answer is kept for ``ttl`` seconds (an hour by
default) under its project, branch and window, and asking again within that time sends no
request. A pipeline's config never changes, so it is kept the same way. Two askers of the same
thing at once share one request. A failure is not kept: the next ask tries again.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from circletui.api.models import (
    FlakyTest,
    Metrics,
    PipelineConfig,
    WorkflowMetrics,
    WorkflowRun,
    WorkflowSummary,
)

if TYPE_CHECKING:
    from circletui.api.client import CircleCIClient

T = TypeVar("T")

#: the spec's reporting windows, shortest first (the order the Health screen cycles them in)
WINDOWS = ("last-24-hours", "last-7-days", "last-30-days", "last-60-days", "last-90-days")
WINDOW_DAYS = {"last-24-hours": 1, "last-7-days": 7, "last-30-days": 30, "last-60-days": 60,
               "last-90-days": 90}
#: how long an answer is kept: Insights move about once a day
INSIGHTS_TTL = 3600.0
#: at most this many recent runs are drawn in a sparkline (one page is enough)
RUNS_SHOWN = 60


def window_label(window: str) -> str:
    """``last-7-days`` -> ``last 7 days``."""
    return window.replace("-", " ")


def next_window(window: str) -> str:
    return WINDOWS[(WINDOWS.index(window) + 1) % len(WINDOWS)] if window in WINDOWS \
        else WINDOWS[0]


@dataclass(frozen=True, slots=True)
class WorkflowHealth:
    """One workflow's figures over a window, with CircleCI's trends (this period's figure over
    the previous period's; 1.0 means unchanged, missing when CircleCI sent none)."""

    name: str
    metrics: Metrics
    trends: dict[str, float]


@dataclass(frozen=True, slots=True)
class ProjectHealth:
    project_slug: str
    branch: str | None
    window: str
    workflows: tuple[WorkflowHealth, ...]


@dataclass(frozen=True, slots=True)
class FlakyTests:
    tests: tuple[FlakyTest, ...]
    total: int


class _Kept:
    __slots__ = ("at", "value")

    def __init__(self, value: Any, at: float) -> None:
        self.value = value
        self.at = at


class Insights:
    """The on-demand cache (see the module docstring). ``clock`` is monotonic seconds."""

    def __init__(self, client: CircleCIClient, *, clock: Callable[[], float] = time.monotonic,
                 ttl: float = INSIGHTS_TTL,
                 wall_clock: Callable[[], datetime] | None = None) -> None:
        self.client = client
        self.clock = clock
        self.ttl = ttl
        self.wall_clock = wall_clock
        self._kept: dict[Hashable, _Kept] = {}
        self._in_flight: dict[Hashable, anyio.Event] = {}

    def cached(self, key: Hashable) -> Any | None:
        """The kept answer for ``key`` if it is still fresh, else None (nothing is sent)."""
        kept = self._kept.get(key)
        if kept is None:
            return None
        if self.clock() - kept.at >= self.ttl:
            del self._kept[key]
            return None
        return kept.value

    async def _get(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        while True:
            kept = self.cached(key)
            if kept is not None:
                return kept
            waiting = self._in_flight.get(key)
            if waiting is None:
                break
            await waiting.wait()  # someone else is asking: share their answer (or retry)
        done = self._in_flight[key] = anyio.Event()
        try:
            value = await fetch()
            self._kept[key] = _Kept(value, self.clock())
            return value
        finally:
            del self._in_flight[key]
            done.set()

    def forget(self) -> None:
        """Drop everything kept (a manual refresh)."""
        self._kept.clear()

    # -- what the screens ask for -------------------------------------------------------------

    async def project_health(self, slug: str, branch: str | None, window: str) -> ProjectHealth:
        """Each workflow's metrics over ``window`` on ``branch``, with its trends.

        The trends come from each workflow's summary, which has no window of its own in the
        API (https://circleci.com/docs/api/v2/#operation/getWorkflowSummary), so they are
        fetched once per branch and shared by every window.
        """
        async def fetch() -> ProjectHealth:
            workflows = []
            for item in await self.workflow_metrics(slug, branch, window):
                summary = await self.workflow_summary(slug, item.name, branch)
                workflows.append(WorkflowHealth(item.name, item.metrics, dict(summary.trends)))
            return ProjectHealth(slug, branch, window, tuple(workflows))

        return await self._get(("health", slug, branch, window), fetch)

    async def workflow_metrics(self, slug: str, branch: str | None,
                               window: str) -> tuple[WorkflowMetrics, ...]:
        """Each workflow's metrics over ``window`` (without trends: one request a page)."""
        async def fetch() -> tuple[WorkflowMetrics, ...]:
            items: list[WorkflowMetrics] = []
            token: str | None = None
            for _ in range(10):  # a project has a handful of workflows; never loop forever
                page = await self.client.list_workflow_metrics(
                    slug, branch=branch, reporting_window=window, page_token=token)
                items.extend(page.items)
                token = page.next_page_token
                if token is None:
                    break
            return tuple(items)

        return await self._get(("metrics", slug, branch, window), fetch)

    async def workflow_summary(self, slug: str, name: str,
                               branch: str | None) -> WorkflowSummary:
        return await self._get(
            ("summary", slug, name, branch),
            lambda: self.client.get_workflow_summary(slug, name, branch=branch),
        )

    async def workflow_runs(self, slug: str, name: str, branch: str | None,
                            window: str) -> tuple[WorkflowRun, ...]:
        """The workflow's recent finished runs in ``window``, oldest first (as drawn)."""
        async def fetch() -> tuple[WorkflowRun, ...]:
            start = None
            if self.wall_clock is not None:
                start = self.wall_clock() - timedelta(days=WINDOW_DAYS.get(window, 90))
            page = await self.client.list_workflow_runs(slug, name, branch=branch,
                                                        start_date=start)
            return tuple(reversed(page.items[:RUNS_SHOWN]))

        return await self._get(("runs", slug, name, branch, window), fetch)

    async def flaky_tests(self, slug: str) -> FlakyTests:
        async def fetch() -> FlakyTests:
            tests, total = await self.client.get_flaky_tests(slug)
            return FlakyTests(tuple(tests), total)

        return await self._get(("flaky", slug), fetch)

    async def flaky_test_names(self, slug: str) -> set[tuple[str, str]]:
        """``(classname, test name)`` of the project's flaky tests, to mark them ``FLAKY``
        where test results are listed (a missing classname is ``""``)."""
        flaky = await self.flaky_tests(slug)
        return {(test.classname or "", test.test_name) for test in flaky.tests}

    async def pipeline_config(self, pipeline_id: str) -> PipelineConfig:
        return await self._get(("config", pipeline_id),
                               lambda: self.client.get_pipeline_config(pipeline_id))
