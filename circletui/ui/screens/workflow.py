"""The workflow screen: the job graph (a DAG drawn in the terminal) or a plain job list.

Arrow keys (and h/j/k/l) move along the graph, Enter opens the job, ``v`` toggles the list.
``c`` cancels the workflow, ``x`` the selected job, ``r``/``R`` rerun, ``a`` approves the
selected approval job. Space marks jobs on the graph and ``J`` reruns the marked ones (CircleCI's
web app has no such action); ``S`` reruns the selected job with SSH and opens it. ``C`` shows
the pipeline's config at the selected job's section. Under the summary, one line of Insights
(success rate and median duration of this workflow on this branch, last 7 days).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from circletui.api.models import Job, Pipeline, Workflow
from circletui.monitor import PipelineWorkflows, Resource, WorkflowJobs
from circletui.timefmt import elapsed, format_duration
from circletui.ui.formatting import WATCH_MARK, ref_of
from circletui.ui.messages import OpenConfig, OpenJob
from circletui.ui.palette import status_text
from circletui.ui.screens.base import BaseScreen
from circletui.ui.text import clean, linked, safe
from circletui.ui.widgets.health_line import HealthLine
from circletui.ui.widgets.job_graph import JobGraph
from circletui.ui.widgets.location import Crumb
from circletui.ui.widgets.table import Table
from circletui.weburls import commit_web_url, job_web_url, pipeline_web_url, workflow_web_url


def connected_parts(jobs: tuple[Job, ...] | list[Job]) -> int:
    """How many disconnected parts the jobs' dependency graph has."""
    parent = {job.id: job.id for job in jobs}

    def root(job_id: str) -> str:
        while parent[job_id] != job_id:
            parent[job_id] = parent[parent[job_id]]
            job_id = parent[job_id]
        return job_id

    for job in jobs:
        for dep in job.dependencies:
            if dep in parent:
                parent[root(job.id)] = root(dep)
    return len({root(job_id) for job_id in parent})


class WorkflowScreen(BaseScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("v", "toggle_view", "List/graph", id="toggle-view"),
        Binding("w", "watch", "Watch", id="watch"),
        Binding("c", "cancel", "Cancel workflow", id="cancel"),
        Binding("x", "cancel_job", "Cancel job", id="cancel-job"),
        Binding("r", "rerun_failed", "Rerun failed", id="rerun-failed"),
        Binding("R", "rerun_all", "Rerun all", id="rerun-all"),
        Binding("J", "rerun_marked", "Rerun marked", id="rerun-marked"),
        # Kept out of the narrow footer; listed by ? and the palette.
        Binding("S", "rerun_ssh", "Rerun with SSH", id="rerun-ssh", show=False),
        Binding("a", "approve", "Approve", id="approve"),
        Binding("t", "trigger", "Trigger", id="trigger", show=False),
        Binding("C", "config", "Config", id="config", show=False),
    ]
    # Rerun marked is offered only while jobs are marked, and then it is what the user is
    # about to press: it comes right after Open job.
    KEY_ORDER = ("back", "graph-open", "rerun-marked", "rerun-failed", "approve", "cancel",
                 "help", "watch", "toggle-view", "cancel-job", "rerun-all")

    list_view: reactive[bool] = reactive(False)

    def __init__(self, pipeline: Pipeline, workflow: Workflow) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.workflow = workflow
        self.jobs: tuple[Job, ...] = ()
        self._selected_id: str | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(id="workflow-summary")
        yield HealthLine(self.pipeline.project_slug, self.pipeline.branch, self.workflow.name,
                         id="workflow-health")
        yield JobGraph(id="graph")
        yield Table(id="job-list", columns=(
            ("status", "Status"), ("name", "Job"), ("type", "Type"),
            ("number", "Number"), ("duration", "Duration"),
        ))
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#job-list", Table).display = False
        self._show_summary()
        self.query_one(JobGraph).focus()
        # The view the user last chose (graph or list) is the one they get.
        self.list_view = self.tui.remembered.list_view

    def location(self) -> list[Crumb]:
        p, host = self.pipeline, self.tui.settings.host
        return [(f"{p.project_slug} #{p.number}", pipeline_web_url(host, p.project_slug, p.number)),
                (self.workflow.name,
                 workflow_web_url(host, p.project_slug, p.number, self.workflow.id))]

    def resources(self) -> list[Resource]:
        # The jobs, and the pipeline's workflow list for this workflow's own status.
        return [WorkflowJobs(self.workflow.id), PipelineWorkflows(self.pipeline.id)]

    def show(self, resource, value) -> None:
        if isinstance(resource, PipelineWorkflows):
            self.workflow = next((w for w in value if w.id == self.workflow.id), self.workflow)
        else:
            self.jobs = value
            self.query_one(JobGraph).set_jobs(value, now=self.tui.now())
            self._fill_list()
        self._show_summary()
        self.update_location()
        self.selection_changed()

    def tick(self) -> None:
        """Once a second: running jobs' durations move on (nothing is fetched)."""
        if any(j.status == "running" for j in self.jobs):
            self.query_one(JobGraph).set_jobs(self.jobs, now=self.tui.now())
            self._show_summary()

    def _show_summary(self) -> None:
        wf, p = self.workflow, self.pipeline
        seconds = elapsed(wf.created_at, wf.stopped_at, self.tui.now())
        text = Text()
        text.append_text(status_text(wf.status, self.app))
        text.append("  ")
        if wf.id in self.watched:
            text.append(f"{WATCH_MARK} ", style="bold")
        text.append(clean(wf.name), style="bold")
        text.append(f"  {format_duration(seconds)}" if seconds is not None else "")
        text.append("  ")
        text.append(clean(ref_of(p)))
        if p.vcs and p.vcs.revision:
            text.append(" @ ", style="dim")
            # The commit links to its page on GitHub or Bitbucket (OSC 8).
            text.append_text(linked(Text(clean(p.vcs.revision[:7]), style="dim"),
                                    commit_web_url(p.vcs.origin_repository_url,
                                                   p.vcs.revision)))
        text.append("  ")
        text.append(clean(p.subject), style="italic")
        done = sum(1 for j in self.jobs if j.status == "success")
        if self.jobs:
            text.append(f"  {done}/{len(self.jobs)} jobs done", style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#workflow-summary", Static).update(text)

    def _fill_list(self) -> None:
        now = self.tui.now()
        by_id = {j.id: j for j in self.jobs}
        rows = []
        for job_id in self.query_one(JobGraph).ordered_ids():
            job = by_id[job_id]
            seconds = elapsed(job.started_at, job.stopped_at, now)
            rows.append((job.id, (
                status_text(job.status, self.app),
                safe(job.name),
                Text("approval" if job.is_approval else clean(job.type)),
                Text(str(job.job_number) if job.job_number is not None else ""),
                Text(format_duration(seconds) if seconds is not None and job.started_at else ""),
            )))
        self.query_one("#job-list", Table).replace_rows(rows)

    # -- selection ---------------------------------------------------------------------------

    def selected_workflow(self) -> Workflow | None:
        return self.workflow

    def selected_job(self) -> Job | None:
        if self.list_view:
            key = self.query_one("#job-list", Table).selected_key
            return next((j for j in self.jobs if j.id == key), None)
        return self.query_one(JobGraph).selected_job

    def selected_pipeline(self) -> Pipeline | None:
        return self.pipeline

    def marked_jobs(self) -> list[Job]:
        marked = self.query_one(JobGraph).marked
        return [job for job in self.jobs if job.id in marked]

    def graph_is_disconnected(self) -> bool:
        return connected_parts(self.jobs) > 1

    def selected_url(self) -> str | None:
        p, wf = self.pipeline, self.workflow
        job = self.selected_job()
        if job is not None and job.job_number is not None:
            return job_web_url(self.tui.settings.host, p.project_slug, p.number, wf.id,
                               job.job_number)
        return workflow_web_url(self.tui.settings.host, p.project_slug, p.number, wf.id)

    @on(JobGraph.JobHighlighted)
    def _graph_highlight(self, event: JobGraph.JobHighlighted) -> None:
        self.selection_changed()

    @on(JobGraph.MarksChanged)
    def _marks_changed(self, event: JobGraph.MarksChanged) -> None:
        self.selection_changed()

    @on(JobGraph.JobSelected)
    def _graph_selected(self, event: JobGraph.JobSelected) -> None:
        event.stop()
        self.open_job(event.job)

    @on(DataTable.RowHighlighted, "#job-list")
    def _list_highlight(self, event: DataTable.RowHighlighted) -> None:
        self.selection_changed()

    @on(DataTable.RowSelected, "#job-list")
    def _list_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        job = self.selected_job()
        if job:
            self.open_job(job)

    def open_job(self, job: Job) -> None:
        self.post_message(OpenJob(self.pipeline, self.workflow, job))

    def action_config(self) -> None:
        self.post_message(OpenConfig.of(self.pipeline, self.selected_job()))

    def action_watch(self) -> None:
        self.tui.toggle_watch(self.workflow)

    def watch_watched(self) -> None:
        self._show_summary()

    def action_toggle_view(self) -> None:
        self.list_view = not self.list_view
        self.tui.remember(list_view=self.list_view)

    def watch_list_view(self, list_view: bool) -> None:
        graph = self.query_one(JobGraph)
        table = self.query_one("#job-list", Table)
        selected = graph.selected_job if list_view else self.selected_job()
        graph.display = not list_view
        table.display = list_view
        if list_view:
            table.focus()
            if selected is not None:
                table.select_key(selected.id)
        else:
            if selected is not None:
                graph.selected_id = selected.id
            graph.focus()
        self.selection_changed()
