"""What the job screen polls: the v1.1 build (steps), one step's output, tests and artifacts.

* ``JobBuild``: ``GET /api/v1.1/project/:vcs/:org/:repo/:n`` as a ``Build``. FAST while the
  job runs, DONE after. Only for ``gh``/``bb`` slugs: v1.1 cannot address a
  ``circleci/<org-id>/<project-id>`` project (GitHub App and GitLab projects: v1.1 takes only
  ``github``/``bitbucket`` as its VCS type), see :func:`supports_v1`.
* ``StepOutput``: the output of one step on one parallel container, keyed by the stable step
  id and the index, never by its URL: an ``output_url`` is pre-signed and may differ from one
  build poll to the next. Every ``JobBuild`` fetch records the current URLs in the client's
  :class:`OutputUrls`, and ``StepOutput`` reads the latest one from there (fetching the build
  itself only when it has none, or when the URL it had was refused). FAST while the step
  runs, DONE once it has finished and the final output was read.
* ``JobTests`` and ``JobArtifacts``: the v2 lists, SLOW while the job may still add to them,
  DONE once the screen says the job has finished (``final=True`` is part of the key, so the
  switch also forces one last read).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from circletui.api.errors import Forbidden, NotFound
from circletui.api.models import Artifact, TestResult
from circletui.api.pagination import collect
from circletui.api.v1models import Build, Step
from circletui.monitor.resources import Cadence, Resource

if TYPE_CHECKING:
    from circletui.api.client import CircleCIClient

#: the vcs segments API v1.1 understands (short and long forms)
V1_VCS = frozenset({"gh", "github", "bb", "bitbucket"})

#: pages of test results read at most (CircleCI pages hold a few hundred results each)
TEST_PAGES = 40
ARTIFACT_PAGES = 20


def supports_v1(project_slug: str) -> bool:
    """Whether API v1.1 can serve this project's builds (``gh/...`` and ``bb/...`` only)."""
    parts = project_slug.split("/")
    return len(parts) == 3 and parts[0] in V1_VCS and all(parts)


def step_key(step: Step, position: int) -> int:
    """A step's stable id; a step without one (rare) is known by its position instead."""
    step_id = step.step_id
    return step_id if step_id is not None else -(position + 1)


@dataclass(frozen=True, slots=True)
class _Seen:
    url: str | None
    running: bool


class OutputUrls:
    """The latest ``output_url`` (and whether the action runs) per (slug, job, step, index).

    One per client, shared by every resource polled with it (see :func:`output_urls`).
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int, int, int], _Seen] = {}

    def record(self, project_slug: str, build: Build) -> None:
        for position, step in enumerate(build.steps):
            key = step_key(step, position)
            for action in step.actions:
                self._seen[(project_slug, build.build_num, key, action.index)] = _Seen(
                    action.output_url, action.is_running
                )

    def get(self, project_slug: str, job_number: int, step: int, index: int) -> _Seen | None:
        return self._seen.get((project_slug, job_number, step, index))


_URLS: weakref.WeakKeyDictionary[Any, OutputUrls] = weakref.WeakKeyDictionary()


def output_urls(client: CircleCIClient) -> OutputUrls:
    """The URL book of ``client`` (it goes away with the client)."""
    book = _URLS.get(client)
    if book is None:
        book = _URLS[client] = OutputUrls()
    return book


@dataclass(frozen=True, slots=True)
class JobBuild(Resource):
    """The v1.1 build of a job: its steps and their actions."""

    project_slug: str
    job_number: int
    label = "steps"

    async def fetch(self, client: CircleCIClient) -> Build:
        build = Build.from_api(await client.get_job_v1(self.project_slug, self.job_number))
        output_urls(client).record(self.project_slug, build)
        return build

    def cadence(self, value: Build) -> Cadence:
        return Cadence.FAST if value.is_running else Cadence.DONE


Chunk = dict[str, Any]
"""A raw output chunk, ``{"message", "time", "type"}``: kept as decoded, since converting
thousands of them on the event loop would cost time for nothing (``feed_chunks`` reads them)."""


@dataclass(frozen=True, eq=False, slots=True)
class OutputSnapshot:
    """A step's output as read at one poll: the chunks, and whether the step was running.

    Two snapshots are equal when they have the same number of chunks, the same total length,
    the same last chunk and the same running flag: the array only grows while a step runs,
    and comparing that is cheap where comparing megabytes of log on every poll would not be.
    """

    chunks: tuple[Chunk, ...] = ()
    running: bool = False
    size: int = 0

    @classmethod
    def of(cls, raw: list[Chunk], running: bool) -> OutputSnapshot:
        size = sum(len(m) for c in raw if isinstance(m := c.get("message"), str))
        return cls(tuple(raw), running, size)

    def _key(self) -> tuple[Any, ...]:
        last = self.chunks[-1] if self.chunks else None
        return len(self.chunks), self.size, self.running, repr(last)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OutputSnapshot):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@dataclass(frozen=True, slots=True)
class StepOutput(Resource):
    """The output of step ``step`` (its stable id, see :func:`step_key`) on container ``index``."""

    project_slug: str
    job_number: int
    step: int
    index: int
    label = "step output"

    async def fetch(self, client: CircleCIClient) -> OutputSnapshot:
        seen = output_urls(client).get(self.project_slug, self.job_number, self.step, self.index)
        fresh = seen is None
        if seen is None:
            seen = await self._refetch_build(client)
        if not seen.url:
            # No such action (yet), or nothing to read (a running background container).
            return OutputSnapshot(running=seen.running)
        try:
            raw = await client.get_step_output(seen.url)
        except (Forbidden, NotFound):
            if fresh:
                raise
            # A pre-signed URL that expired: ask the build for a new one, once.
            seen = await self._refetch_build(client)
            if not seen.url:
                raise
            raw = await client.get_step_output(seen.url)
        return OutputSnapshot.of(raw, seen.running)

    async def _refetch_build(self, client: CircleCIClient) -> _Seen:
        build = await JobBuild(self.project_slug, self.job_number).fetch(client)
        seen = output_urls(client).get(self.project_slug, self.job_number, self.step, self.index)
        # An action the build does not have may still come while the build runs.
        return seen if seen is not None else _Seen(None, build.is_running)

    def cadence(self, value: OutputSnapshot) -> Cadence:
        return Cadence.FAST if value.running else Cadence.DONE


@dataclass(frozen=True, slots=True)
class JobTests(Resource):
    """The job's test results (``final``: the job has finished, so they are complete)."""

    project_slug: str
    job_number: int
    final: bool = False
    label = "tests"

    async def fetch(self, client: CircleCIClient) -> tuple[TestResult, ...]:
        return tuple(
            await collect(
                lambda tok: client.list_job_tests(
                    self.project_slug, self.job_number, page_token=tok
                ),
                max_pages=TEST_PAGES,
            )
        )

    def cadence(self, value: Any) -> Cadence:
        return Cadence.DONE if self.final else Cadence.SLOW


@dataclass(frozen=True, slots=True)
class JobArtifacts(Resource):
    """The job's artifacts (``final``: the job has finished, so none will be added)."""

    project_slug: str
    job_number: int
    final: bool = False
    label = "artifacts"

    async def fetch(self, client: CircleCIClient) -> tuple[Artifact, ...]:
        return tuple(
            await collect(
                lambda tok: client.list_job_artifacts(
                    self.project_slug, self.job_number, page_token=tok
                ),
                max_pages=ARTIFACT_PAGES,
            )
        )

    def cadence(self, value: Any) -> Cadence:
        return Cadence.DONE if self.final else Cadence.SLOW

