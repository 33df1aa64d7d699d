"""``circletui watch``: follow one pipeline (or workflow) from a script, without the full-screen UI.

Prints one line per status change of the pipeline, its workflows and their jobs (``--json``:
one JSON object per change) and exits with a status that says how it ended:

====  ==========================================================================
0     success
1     failed
2     canceled, or an error (a config that did not compile, a workflow in ``error``)
3     stopped at an approval (unless ``--through-approvals``: then it waits on)
4     usage or API error: a bad URL or slug, no such pipeline (404), a token
      CircleCI refuses (401), no token at all
130   interrupted (Ctrl+C)
====  ==========================================================================

What to watch: a CircleCI web URL of a pipeline
(``https://app.circleci.com/pipelines/gh/org/repo/123``, ``github``/``bitbucket`` spelled
out too, ``.../workflows/<uuid>`` for one workflow), or the newest pipeline of
``--project`` on ``--branch``; with neither, the project and branch of the git checkout
around the current directory (``circletui.gitremote``), else the config's one project.

It polls through the same :class:`~circletui.monitor.Monitor` as the UI: the same cadence
(fast while something runs), the same back-off, and the same pause after a 429, reported
on stderr. The loop drives ``Monitor.poll_due`` with an injectable clock and sleep, so tests
run it against the simulator in compressed time. Textual is never imported on this path.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import IO, Any
from urllib.parse import unquote, urlsplit

import anyio

from circletui.api import CircleCIClient, RetryPolicy
from circletui.api.errors import CircleCIError, Forbidden, NotFound, Unauthorized
from circletui.api.models import Job, Pipeline, Workflow
from circletui.config import ConfigError, NoTokenError, Settings, resolve_settings
from circletui.gitremote import read_checkout
from circletui.hostsafety import INSECURE_HTTP_FLAG
from circletui.monitor.feeds import YOUNG_PIPELINE, latest_attempts, pipeline_status
from circletui.monitor.poller import Health, Monitor, Subscription
from circletui.monitor.resources import (
    SETTING_UP,
    Cadence,
    PipelineInfo,
    PipelineWorkflows,
    Resource,
    WorkflowJobs,
)
from circletui.monitor.watch import EXIT_STATUS, pipeline_outcome, workflow_outcome
from circletui.notify import sanitize
from circletui.status import category, is_finished
from circletui.weburls import pipeline_web_url, web_app_url, workflow_web_url

EXIT_USAGE = 4
EXIT_INTERRUPTED = 130

#: one quick retry of a blip; then the monitor backs off (as in the UI)
WATCH_RETRY = RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=2.0, max_retry_after=5.0)

#: the demo's API host (the UI's demo uses the same name)
DEMO_HOST = "https://circleci.demo"

#: polls, after the outcome is known, spent waiting for the jobs' last statuses
FINAL_LOOKS = 3

_VCS_SHORT = {"github": "gh", "gh": "gh", "bitbucket": "bb", "bb": "bb", "circleci": "circleci"}
_UUID = re.compile(r"[0-9a-fA-F-]{8,64}")


class UsageError(Exception):
    """What the user asked for cannot be watched; the message says why."""


# -- what to watch ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    project_slug: str
    number: int | None = None
    workflow_id: str | None = None
    branch: str | None = None


def parse_pipeline_url(url: str) -> Target:
    """``https://app.circleci.com/pipelines/gh/org/repo/123[/workflows/<uuid>[/jobs/N]]``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"not a CircleCI pipeline URL: {url!r}")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if len(segments) < 5 or segments[0] != "pipelines":
        raise UsageError(
            f"not a CircleCI pipeline URL: {url!r} (expected "
            "https://app.circleci.com/pipelines/gh/ORG/REPO/NUMBER)")
    vcs = _VCS_SHORT.get(segments[1].lower())
    if vcs is None or not segments[4].isdigit():
        raise UsageError(f"not a CircleCI pipeline URL: {url!r}")
    slug = "/".join([vcs, segments[2], segments[3]])
    workflow_id = None
    if len(segments) >= 7 and segments[5] == "workflows":
        workflow_id = segments[6]
        if not _UUID.fullmatch(workflow_id):
            raise UsageError(f"not a workflow id in {url!r}: {workflow_id!r}")
    return Target(slug, int(segments[4]), workflow_id)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="circletui watch",
        description="Follow a CircleCI pipeline until it ends: one line per status change, "
        "and an exit status saying how it ended.",
        epilog="exit status: 0 success, 1 failed, 2 canceled or error, 3 stopped at an "
        "approval, 4 usage or API error, 130 interrupted",
    )
    parser.add_argument("url", nargs="?", metavar="PIPELINE-URL",
                        help="a CircleCI pipeline or workflow web URL")
    parser.add_argument("--project", metavar="SLUG",
                        help="watch the newest pipeline of this project, e.g. gh/acme/api")
    parser.add_argument("--branch", metavar="NAME",
                        help="with --project: the newest pipeline of this branch (default: "
                        "the git checkout's current branch when it is that project)")
    parser.add_argument("--json", action="store_true", help="one JSON object per change")
    parser.add_argument("--through-approvals", action="store_true",
                        help="keep watching while a workflow waits for an approval")
    parser.add_argument("--host", metavar="URL", help="CircleCI host (as for circletui)")
    parser.add_argument("--interval", metavar="SECONDS", type=float,
                        help="seconds between polls while something runs (default: 5)")
    parser.add_argument(INSECURE_HTTP_FLAG, dest="insecure_http", action="store_true",
                        default=None, help=argparse.SUPPRESS)
    parser.add_argument("--demo", action="store_true",
                        help="watch the built-in simulated CircleCI (no token needed)")
    return parser


# -- connecting ------------------------------------------------------------------------------


@dataclass
class Connection:
    """The client and the clocks the loop runs on (tests pass fake ones)."""

    client: CircleCIClient
    host: str
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def connect(settings: Settings) -> Connection:
    """The real client (or the in-process simulator for ``--demo``), always read-only."""
    if settings.demo:
        from circletui.simulator import RealClock, Simulator

        clock = RealClock()
        sim = Simulator(clock=clock, live=True, quirks="all")
        client = CircleCIClient(sim.token, DEMO_HOST, transport=sim.transport(),
                                retry=WATCH_RETRY, read_only=True)
        return Connection(client, DEMO_HOST, wall_clock=clock.now)
    assert settings.token is not None
    try:
        client = CircleCIClient(settings.token, settings.host, retry=WATCH_RETRY, read_only=True,
                                ca_bundle=settings.ca_bundle,
                                allow_insecure_http=settings.insecure_http)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return Connection(client, settings.host)


# -- following a pipeline ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One status transition (``previous`` None: the first time it was seen)."""

    kind: str  # pipeline | workflow | job
    id: str
    name: str
    status: str
    previous: str | None
    workflow: Workflow | None = None


class Trail:
    """Subscribes to a pipeline's workflows (one of them, with ``workflow_id``) and their jobs
    and reports every status change; knows the outcome once nothing moves."""

    def __init__(self, monitor: Monitor, pipeline: Pipeline, workflow_id: str | None,
                 on_change: Callable[[Change], None],
                 on_error: Callable[[CircleCIError], None]) -> None:
        self.monitor = monitor
        self.pipeline = pipeline
        self.workflow_id = workflow_id
        self._on_change = on_change
        self._on_error = on_error
        self.workflows: tuple[Workflow, ...] | None = None
        self.jobs: dict[str, tuple[Job, ...]] = {}
        self._statuses: dict[str, str] = {}
        self._subs: dict[Resource, Subscription] = {}
        if pipeline.state in SETTING_UP:
            self._subscribe(PipelineInfo(pipeline.id), self._on_pipeline)
        self._subscribe(PipelineWorkflows(pipeline.id), self._on_workflows)
        self._report_pipeline()

    def _subscribe(self, resource: Resource, on_value: Callable[[Any], None]) -> None:
        if resource not in self._subs:
            self._subs[resource] = None  # type: ignore[assignment]  # reserved (re-entry)
            self._subs[resource] = self.monitor.subscribe(resource, on_value, self._on_error)

    def close(self) -> None:
        for sub in self._subs.values():
            if sub is not None:
                sub.close()
        self._subs.clear()

    def _on_pipeline(self, pipeline: Pipeline) -> None:
        set_up = self.pipeline.state in SETTING_UP and pipeline.state not in SETTING_UP
        self.pipeline = pipeline
        if set_up:  # its workflows exist from now on: look at once
            self.monitor.refresh(PipelineWorkflows(pipeline.id))
        self._report_pipeline()

    def _age(self, now: datetime) -> timedelta:
        created = self.pipeline.created_at
        return now - created if created is not None else timedelta(0)

    def pace(self, now: datetime) -> None:
        """A pipeline setting up has no workflows yet: look for them at the fast rate for
        its first minutes (the pipelines list does the same, ``PipelineFeed``)."""
        sub = self._subs.get(PipelineWorkflows(self.pipeline.id))
        if sub is not None:
            waiting = (not self.workflows and self.pipeline.state != "errored"
                       and self._age(now) < YOUNG_PIPELINE)
            sub.set_cadence(Cadence.FAST if waiting else None)

    def _on_workflows(self, workflows: tuple[Workflow, ...]) -> None:
        if self.workflow_id is not None:
            workflows = tuple(w for w in workflows if w.id == self.workflow_id)
        self.workflows = workflows
        for wf in workflows:
            self._report("workflow", wf.id, wf.name, wf.status, wf)
            self._subscribe(WorkflowJobs(wf.id),
                            lambda jobs, w=wf: self._on_jobs(w, jobs))
        self._report_pipeline()

    def _on_jobs(self, workflow: Workflow, jobs: tuple[Job, ...]) -> None:
        self.jobs[workflow.id] = jobs
        for job in jobs:
            self._report("job", job.id, job.name, job.status, workflow)

    def _report_pipeline(self) -> None:
        if self.workflow_id is None:
            status = pipeline_status(self.pipeline, self.workflows)
            if status != "loading":
                self._report("pipeline", self.pipeline.id, "", status)

    def _report(self, kind: str, item_id: str, name: str, status: str,
                workflow: Workflow | None = None) -> None:
        previous = self._statuses.get(item_id)
        if previous != status:
            self._statuses[item_id] = status
            self._on_change(Change(kind, item_id, name, status, previous, workflow))

    def outcome(self, now: datetime) -> str | None:
        if self.workflow_id is not None:
            return workflow_outcome(self.workflows[0].status) if self.workflows else None
        if (self.workflows == () and self.pipeline.state == "created"
                and self._age(now) >= YOUNG_PIPELINE):
            return "canceled"  # set up long ago and no workflow: nothing ran (filters)
        return pipeline_outcome(self.pipeline, self.workflows)

    def jobs_caught_up(self) -> bool:
        """Every settled workflow's jobs were seen settled too (their last lines printed)."""
        for wf in latest_attempts(self.workflows or ()):
            jobs = self.jobs.get(wf.id)
            if jobs is None:
                return False
            if is_finished(wf.status) and any(
                    j.status in ("running", "queued", "not_running") for j in jobs):
                return False
            if wf.status == "on_hold" and not any(j.status == "on_hold" for j in jobs):
                return False
        return True

    def look_again(self) -> None:
        for resource in self._subs:
            if isinstance(resource, WorkflowJobs):
                self.monitor.refresh(resource)


# -- output -----------------------------------------------------------------------------------

_ANSI = {"success": "32", "failed": "31", "running": "33", "queued": "36", "on_hold": "35",
         "blocked": "2", "canceled": "2", "not_run": "2", "unknown": "0"}


class Printer:
    def __init__(self, out: IO[str], *, as_json: bool, colour: bool, host: str,
                 wall_clock: Callable[[], datetime]) -> None:
        self.out = out
        self.as_json = as_json
        self.colour = colour
        self.host = host
        self.wall_clock = wall_clock

    def _emit(self, record: dict[str, Any], text: str) -> None:
        now = self.wall_clock()
        if self.as_json:
            line = json.dumps({"time": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                               **record}, ensure_ascii=False)
        else:
            line = f"{now.astimezone().strftime('%H:%M:%S')} {text}"
        self.out.write(line + "\n")
        self.out.flush()

    def _status(self, status: str) -> str:
        word = sanitize(status.replace("_", " "), 40)
        if self.colour:
            return f"\x1b[{_ANSI.get(category(status), '0')}m{word}\x1b[0m"
        return word

    def start(self, pipeline: Pipeline, workflow_id: str | None) -> None:
        url = (workflow_web_url(self.host, pipeline.project_slug, pipeline.number, workflow_id)
               if workflow_id else
               pipeline_web_url(self.host, pipeline.project_slug, pipeline.number))
        ref = pipeline.branch or pipeline.tag
        what = sanitize(f"{pipeline.project_slug} #{pipeline.number}"
                        + (f" on {ref}" if ref else ""), 200)
        self._emit({"type": "watching", "pipeline_id": pipeline.id,
                    "project_slug": pipeline.project_slug, "pipeline_number": pipeline.number,
                    "branch": pipeline.branch, "workflow_id": workflow_id, "url": url},
                   f"watching {what} {url}")

    def change(self, change: Change, pipeline: Pipeline) -> None:
        record: dict[str, Any] = {
            "type": change.kind, "id": change.id, "status": change.status,
            "previous": change.previous, "pipeline_id": pipeline.id,
            "pipeline_number": pipeline.number, "project_slug": pipeline.project_slug,
        }
        if change.kind == "pipeline":
            name = f"{pipeline.project_slug} #{pipeline.number}"
        else:
            record["name"] = change.name
            name = change.name
        if change.kind == "job" and change.workflow is not None:
            record["workflow"] = change.workflow.name
            record["workflow_id"] = change.workflow.id
            name = f"{change.workflow.name}/{change.name}"
        self._emit(record, f"{change.kind} {sanitize(name, 200)} {self._status(change.status)}")

    def end(self, outcome: str, exit_status: int) -> None:
        text = {"on_hold": "stopped at an approval"}.get(outcome, outcome)
        self._emit({"type": "end", "outcome": outcome, "exit_status": exit_status},
                   f"{self._status(outcome) if outcome != 'on_hold' else text} "
                   f"(exit {exit_status})")


# -- the loop ---------------------------------------------------------------------------------


async def _find_pipeline(client: CircleCIClient, target: Target) -> Pipeline:
    if target.number is not None:
        return await client.get_pipeline_by_number(target.project_slug, target.number)
    page = await client.list_project_pipelines(target.project_slug, branch=target.branch)
    if not page.items:
        on = f" on branch {target.branch}" if target.branch else ""
        raise UsageError(f"{target.project_slug} has no pipelines{on}")
    return page.items[0]


async def watch(target: Target, conn: Connection, settings: Settings, *, as_json: bool,
                through_approvals: bool, out: IO[str], err: IO[str], colour: bool) -> int:
    """Follow ``target`` until it ends; the exit status."""
    client = conn.client
    pipeline = await _find_pipeline(client, target)
    if target.workflow_id is not None:
        workflow = await client.get_workflow(target.workflow_id)
        if workflow.pipeline_id != pipeline.id:
            raise UsageError(f"workflow {target.workflow_id} is not part of pipeline "
                             f"{target.project_slug} #{pipeline.number}")
    monitor = Monitor(client, interval=settings.interval, slow_interval=settings.slow_interval,
                      clock=conn.monotonic, wall_clock=conn.wall_clock)
    printer = Printer(out, as_json=as_json, colour=colour, host=conn.host,
                      wall_clock=conn.wall_clock)
    printer.start(pipeline, target.workflow_id)
    fatal: list[CircleCIError] = []

    def on_error(error: CircleCIError) -> None:
        if isinstance(error, Unauthorized | NotFound | Forbidden):
            fatal.append(error)

    last_health = [Health()]

    def on_health(health: Health) -> None:
        before = last_health[0]
        last_health[0] = health
        if health.state == before.state:
            return
        if not health.ok:
            wait = ""
            if health.retry_at is not None:
                wait = f"; trying again in {max(health.retry_at - conn.monotonic(), 0):.0f} s"
            err.write(f"circletui watch: {health.message}{wait}\n")
        elif before.state not in ("starting", "ok"):
            err.write("circletui watch: CircleCI answers again\n")
        err.flush()

    monitor.add_health_listener(on_health)
    trail = Trail(monitor, pipeline, target.workflow_id,
                  lambda change: printer.change(change, trail.pipeline), on_error)
    final_looks = 0
    try:
        while True:
            for _ in range(10):  # what callbacks subscribed is due at once
                if not await monitor.poll_due():
                    break
            if fatal:
                raise fatal[0]
            now = conn.wall_clock()
            outcome = trail.outcome(now)
            if outcome is not None and not (outcome == "on_hold" and through_approvals):
                if trail.jobs_caught_up() or final_looks >= FINAL_LOOKS:
                    status = EXIT_STATUS[outcome]
                    printer.end(outcome, status)
                    return status
                if final_looks == 0:
                    trail.look_again()
                final_looks += 1
            else:
                final_looks = 0
            trail.pace(now)
            next_due = monitor.next_due()
            delay = settings.interval if next_due == math.inf else next_due - conn.monotonic()
            await conn.sleep(max(delay, 0.05))
    finally:
        trail.close()


def _resolve_target(args: argparse.Namespace, settings: Settings) -> Target:
    if args.url:
        if args.project:
            raise UsageError("give a pipeline URL or --project, not both")
        return parse_pipeline_url(args.url)
    if args.project:
        branch = args.branch or settings.branch
        if branch is None and not settings.demo:
            checkout = read_checkout()
            if checkout is not None and checkout.repo is not None and checkout.branch:
                from circletui.gitremote import project_slug

                if project_slug(checkout.repo) == args.project:
                    branch = checkout.branch
        return Target(args.project, branch=branch)
    if len(settings.projects) == 1:
        return Target(settings.projects[0], branch=settings.branch)
    raise UsageError("nothing to watch: give a pipeline URL or --project SLUG, "
                     "or run it inside a git checkout of a CircleCI project")


def main(argv: list[str] | None = None, *, connector: Callable[[Settings], Connection] = connect,
         stdout: IO[str] | None = None, stderr: IO[str] | None = None,
         env: Mapping[str, str] = os.environ) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (argparse printed it)
        return 0 if exc.code in (0, None) else EXIT_USAGE
    if args.interval is not None and not (math.isfinite(args.interval) and args.interval > 0):
        err.write("circletui watch: --interval must be a positive number of seconds\n")
        return EXIT_USAGE
    ns = argparse.Namespace(
        host=args.host, org=None, project=[args.project] if args.project else None,
        branch=args.branch, mine=None, interval=args.interval, read_only=True,
        insecure_http=args.insecure_http, demo=args.demo, all=bool(args.url or args.project))
    try:
        settings = resolve_settings(ns, env, checkout=read_checkout)
        settings = replace(settings, read_only=True)
        target = _resolve_target(args, settings)
        conn = connector(settings)
    except NoTokenError as exc:
        err.write(f"{exc}\n")
        return EXIT_USAGE
    except (ConfigError, UsageError) as exc:
        err.write(f"circletui watch: {exc}\n")
        return EXIT_USAGE
    colour = (not args.json and _isatty(out) and not env.get("NO_COLOR"))
    if args.url and not settings.demo:
        expected = urlsplit(web_app_url(settings.host)).hostname
        given = urlsplit(args.url.strip()).hostname
        if given and expected and given.lower() != expected:
            # A CircleCI Server URL with the cloud host configured (or the reverse): the
            # pipeline is looked up on the configured host, which may not know it.
            err.write(f"circletui watch: warning: the URL is on {given}, but the API host is "
                      f"{settings.host} (set --host or CIRCLECI_HOST for another CircleCI)\n")

    async def run() -> int:
        try:
            return await watch(target, conn, settings, as_json=args.json,
                               through_approvals=args.through_approvals, out=out, err=err,
                               colour=colour)
        except UsageError as exc:
            err.write(f"circletui watch: {exc}\n")
            return EXIT_USAGE
        except CircleCIError as exc:
            err.write(f"circletui watch: {_describe(exc, target)}\n")
            return EXIT_USAGE
        finally:
            with anyio.CancelScope(shield=True):
                await conn.client.aclose()

    try:
        return anyio.run(run)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _describe(error: CircleCIError, target: Target) -> str:
    if isinstance(error, Unauthorized):
        return "CircleCI refused the token (401): check CIRCLECI_TOKEN"
    if isinstance(error, NotFound):
        what = (f"pipeline {target.project_slug} #{target.number}" if target.number is not None
                else f"project {target.project_slug}")
        return f"{what} not found (404), or the token cannot see it"
    return error.message


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
