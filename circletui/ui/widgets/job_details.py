"""The job screen's summary line and its Details tab, drawn from one ``JobFacts``.

The screen builds a ``JobFacts`` from what its subscriptions delivered (the job from the
workflow's job list, the v2 job details when there are any, the parallel run the Steps tab
shows) and sets it on both widgets (attributes down); they only draw it. Durations of a job
still running move on because the screen's clock calls ``JobSummary.refresh_clock``.
Something new to show about the job (say, the SSH command of a job rerun with SSH) is a
field of ``JobFacts`` that the screen fills and these widgets draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.table import Table as Grid
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from circletui.api.models import Job, JobDetails, Pipeline, Workflow
from circletui.status import is_finished, label
from circletui.timefmt import elapsed, format_duration
from circletui.ui.formatting import WATCH_MARK, ref_of
from circletui.ui.palette import status_text
from circletui.ui.text import clean, linked
from circletui.ui.widgets.list_pane import Stage
from circletui.weburls import commit_web_url


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What is known about the job on screen (a new value each time any of it changes)."""

    pipeline: Pipeline
    workflow: Workflow
    job: Job
    details: JobDetails | None = None  # v2 job details (none for approval jobs)
    note: str = ""  # why the details could not be read
    url: str | None = None  # the job's page in the web app
    run: int = 0  # the parallel run the Steps tab shows
    runs: int = 1  # how many parallel runs the job has
    ssh: str | None = None  # the SSH command of a job rerun with SSH, once it is printed
    watched: bool = False  # the user watches this job (w)

    @property
    def status(self) -> str:
        return self.details.status if self.details else self.job.status

    @property
    def details_note(self) -> str:
        """Why there are no v2 details (CircleCI has none before a job starts, and answers
        404 for approval jobs)."""
        if self.note or self.details is not None:
            return self.note
        if self.job.is_approval:
            return "Approval jobs have no job details at CircleCI."
        return "This job has not started yet." if self.job.job_number is None else ""

    @property
    def stage(self) -> Stage:
        if self.job.is_approval:
            return "approval"
        if self.job.job_number is None:
            return "not-started"
        return "finished" if is_finished(self.status) else "running"

    def seconds(self, now: datetime) -> float | None:
        """How long the job ran, or has been running so far."""
        d, job = self.details, self.job
        if d is not None:
            return d.duration_ms / 1000 if d.duration_ms is not None else elapsed(
                d.started_at, d.stopped_at, now)
        return elapsed(job.started_at, job.stopped_at, now) if job.started_at else None


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


class JobSummary(Static):
    """``✗ failed  unit-tests  #1234  2m 3s  run 2 of 4  [ ]``: one line over the tabs."""

    facts: reactive[JobFacts | None] = reactive(None, always_update=True, init=False)

    def __init__(self, *, now: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now

    def watch_facts(self) -> None:
        self.refresh_clock()

    def refresh_clock(self) -> None:
        """Redraw with the time now (a running job's duration moves on)."""
        facts = self.facts
        if facts is None:
            return
        text = status_text(facts.status, self.app)
        text.append("  ")
        if facts.watched:
            text.append(f"{WATCH_MARK} ", style="bold")
        text.append(clean(facts.job.name), style="bold")
        if facts.job.job_number is not None:
            text.append(f"  #{facts.job.job_number}")
        seconds = facts.seconds(self._now())
        if seconds is not None:
            text.append(f"  {format_duration(seconds)}")
        if facts.runs > 1:
            text.append(f"  run {facts.run} of {facts.runs}  [ ]", style="dim")
        if facts.ssh:
            # Checked by circletui.sshcommand: a port and a host, nothing else.
            text.append("  SSH: ", style="bold")
            text.append(facts.ssh, style="bold reverse")
            text.append("  (y copies)", style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text)


class JobDetailsView(VerticalScroll):
    """The Details tab: executor, parallelism, timings, commit, web URL; for a job without v2
    details (an approval job, one not started), what the workflow's job list knows."""

    facts: reactive[JobFacts | None] = reactive(None, always_update=True, init=False)

    def __init__(self, *, now: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now

    def compose(self) -> ComposeResult:
        yield Static(id="job-details")

    def watch_facts(self, facts: JobFacts | None) -> None:
        if facts is not None:
            self.query_one("#job-details", Static).update(self._grid(facts))

    def _grid(self, facts: JobFacts) -> Grid:
        job, d, p = facts.job, facts.details, facts.pipeline
        grid = Grid.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()

        def row(name: str, value: str | Text) -> None:
            grid.add_row(name, value if isinstance(value, Text) else Text(clean(value)))

        title = status_text(facts.status, self.app)
        row("Job", Text(clean(job.name), style="bold") + Text("  ") + title)
        row("Type", "approval" if job.is_approval else clean(job.type))
        if job.job_number is not None:
            row("Number", str(job.job_number))
        row("Workflow", f"{facts.workflow.name} ({label(facts.workflow.status)})")
        row("Pipeline", f"{p.project_slug} #{p.number}")
        row("Branch", ref_of(p) or "—")
        if p.vcs and p.vcs.revision:
            commit = linked(Text(clean(p.vcs.revision[:12])),
                            commit_web_url(p.vcs.origin_repository_url, p.vcs.revision))
            row("Commit", commit + Text("  " + clean(p.subject)))
        row("Triggered by", f"{p.trigger.actor.login} ({p.trigger.type})")
        seconds = facts.seconds(self._now())
        if d:
            executor = " / ".join(x for x in (d.executor_type, d.resource_class) if x)
            row("Executor", executor or "—")
            runs = ", ".join(f"{r.index}:{label(r.status)}" for r in d.parallel_runs)
            row("Parallelism", f"{d.parallelism}" + (f"  ({runs})" if d.parallelism > 1 else ""))
            row("Queued", _when(d.queued_at))
            row("Started", _when(d.started_at))
            row("Stopped", _when(d.stopped_at))
            row("Duration", format_duration(seconds) if seconds is not None else "—")
            if d.contexts:
                row("Contexts", ", ".join(d.contexts))
            for message in d.messages:
                row(message.type.capitalize() or "Message", message.message)
        else:
            row("Started", _when(job.started_at))
            row("Stopped", _when(job.stopped_at))
            row("Duration", format_duration(seconds) if seconds is not None else "—")
            if job.approved_by:
                row("Approved by", job.approved_by)
        if facts.url:
            row("Web", linked(Text(clean(facts.url)), facts.url))
        if note := facts.details_note:
            row("Note", Text(note, style="italic"))
        return grid
