"""The job screen: what the job is, where it ran, how long it took, where it came from.

CircleCI answers 404 to job details for approval jobs (and for jobs that never got a number),
so those show what the workflow's job list knows instead.
"""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from circletui.api.errors import CircleCIError, NotFound
from circletui.api.models import Job, JobDetails, Pipeline, Workflow
from circletui.monitor import JobDetailsResource, WorkflowJobs
from circletui.status import label
from circletui.timefmt import elapsed, format_duration
from circletui.ui.palette import status_text
from circletui.ui.screens.base import BaseScreen
from circletui.ui.screens.pipelines import ref_of
from circletui.ui.text import clean
from circletui.weburls import job_web_url


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


class JobScreen(BaseScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("c", "cancel_job", "Cancel job", id="cancel-job"),
        Binding("a", "approve", "Approve", id="approve"),
        Binding("r", "rerun_failed", "Rerun failed", id="rerun-failed"),
        Binding("R", "rerun_all", "Rerun all", id="rerun-all"),
    ]

    def __init__(self, pipeline: Pipeline, workflow: Workflow, job: Job) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.workflow = workflow
        self.job = job
        self.details: JobDetails | None = None
        self.details_note = ""

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with VerticalScroll(id="job-body"):
            yield Static(id="job-details")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        if self.job.is_approval:
            self.details_note = "Approval jobs have no job details at CircleCI."
        elif self.job.job_number is None:
            self.details_note = "This job has not started yet."
        self._draw()

    def location(self) -> list[str]:
        p = self.pipeline
        return [f"{p.project_slug} #{p.number}", self.workflow.name, self.job.name]

    def resources(self) -> list:
        resources: list = [WorkflowJobs(self.workflow.id)]
        if not self.job.is_approval and self.job.job_number is not None:
            resources.append(JobDetailsResource(self.pipeline.project_slug, self.job.job_number))
        return resources

    def show(self, resource, value) -> None:
        if isinstance(resource, WorkflowJobs):
            self.workflow, jobs = value
            job = next((j for j in jobs if j.id == self.job.id), None)
            if job is not None:
                number_appeared = self.job.job_number is None and job.job_number is not None
                self.job = job
                if number_appeared and not job.is_approval:
                    self.details_note = ""
                    self.resubscribe()
        else:
            self.details = value
            self.details_note = ""
        self._draw()
        self.update_location()
        self.selection_changed()

    def show_error(self, resource, error: CircleCIError) -> None:
        if isinstance(resource, JobDetailsResource):
            if isinstance(error, NotFound):
                self.details_note = "CircleCI has no details for this job (404)."
            else:
                self.details_note = f"Job details unavailable: {error.message}"
            self._draw()

    def selected_workflow(self) -> Workflow | None:
        return self.workflow

    def selected_job(self) -> Job | None:
        return self.job

    def selected_url(self) -> str | None:
        if self.details and self.details.web_url and self.job.job_number is None:
            return self.details.web_url
        if self.job.job_number is not None:
            return job_web_url(self.tui.settings.host, self.pipeline.project_slug,
                               self.pipeline.number, self.workflow.id, self.job.job_number)
        return None

    def _draw(self) -> None:
        job, d, p = self.job, self.details, self.pipeline
        now = self.tui.now()
        status = d.status if d else job.status
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()

        def row(name: str, value: str | Text) -> None:
            grid.add_row(name, value if isinstance(value, Text) else Text(clean(value)))

        title = status_text(status, self.app)
        row("Job", Text(clean(job.name), style="bold") + Text("  ") + title)
        row("Type", "approval" if job.is_approval else clean(job.type))
        if job.job_number is not None:
            row("Number", str(job.job_number))
        row("Workflow", f"{self.workflow.name} ({label(self.workflow.status)})")
        row("Pipeline", f"{p.project_slug} #{p.number}")
        row("Branch", ref_of(p) or "—")
        if p.vcs and p.vcs.revision:
            row("Commit", f"{p.vcs.revision[:12]}  {p.subject}")
        row("Triggered by", f"{p.trigger.actor.login} ({p.trigger.type})")
        if d:
            executor = " / ".join(x for x in (d.executor_type, d.resource_class) if x)
            row("Executor", executor or "—")
            runs = ", ".join(f"{r.index}:{label(r.status)}" for r in d.parallel_runs)
            row("Parallelism", f"{d.parallelism}" + (f"  ({runs})" if d.parallelism > 1 else ""))
            row("Queued", _when(d.queued_at))
            row("Started", _when(d.started_at))
            row("Stopped", _when(d.stopped_at))
            seconds = (d.duration_ms / 1000 if d.duration_ms is not None
                       else elapsed(d.started_at, d.stopped_at, now))
            row("Duration", format_duration(seconds) if seconds is not None else "—")
            if d.contexts:
                row("Contexts", ", ".join(d.contexts))
            for message in d.messages:
                row(message.type.capitalize() or "Message", message.message)
        else:
            row("Started", _when(job.started_at))
            row("Stopped", _when(job.stopped_at))
            seconds = elapsed(job.started_at, job.stopped_at, now) if job.started_at else None
            row("Duration", format_duration(seconds) if seconds is not None else "—")
            if job.approved_by:
                row("Approved by", job.approved_by)
        url = self.selected_url()
        if url:
            row("Web", url)
        if self.details_note:
            row("Note", Text(self.details_note, style="italic"))
        self.query_one("#job-details", Static).update(grid)
